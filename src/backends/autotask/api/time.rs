//! Time entry rules the tools rely on, in terms of Autotask's fields: who worked (default the
//! API user's resource), in which role (default the resource's default service desk role),
//! on which day (default today, UTC), and that hours or a start and end are given.
//!
//! Must not: render or decide policy.

use serde_json::{Value, json};

use super::super::client::AutotaskClient;
use super::super::resolve::Resolved;
use crate::error::{Error, Result};

impl AutotaskClient {
    /// Fills a new time entry's resource, role and day, saying so; refuses one without hours.
    pub async fn time_entry_defaults(
        &self,
        r: &mut Resolved,
        notes: &mut Vec<String>,
    ) -> Result<()> {
        let has_hours = r.body.contains_key("hoursWorked");
        let has_span = r.body.contains_key("startDateTime") && r.body.contains_key("endDateTime");
        if !has_hours && !has_span {
            return Err(Error::invalid(
                "hours_worked",
                "is required (more than 0, at most 24), or give start and end",
            ));
        }
        if !r.body.contains_key("resourceID") {
            let me = self.api_user().await?.ok_or_else(|| {
                Error::invalid(
                    "resource",
                    "is required: the API user has no resource of its own to log time for",
                )
            })?;
            r.body.insert("resourceID".into(), json!(me));
            r.view.insert("resource".into(), json!(me));
            notes.push(format!("resource #{me} (the API user)"));
        }
        if !r.body.contains_key("roleID")
            && let Some(res) = r.body.get("resourceID").and_then(Value::as_i64)
        {
            let role = self.default_role(res).await?.ok_or_else(|| {
                Error::invalid(
                    "role",
                    format!("resource #{res} has no role to log this time in: give role"),
                )
            })?;
            r.body.insert("roleID".into(), json!(role));
            r.view.insert("role".into(), json!(role));
            notes.push(format!("role #{role} (the resource's default role)"));
        }
        if !r.body.contains_key("dateWorked") {
            let today = chrono::Utc::now().format("%Y-%m-%dT00:00:00Z").to_string();
            notes.push(format!("date_worked {} (today, UTC)", &today[..10]));
            r.view.insert("date_worked".into(), json!(today));
            r.body.insert("dateWorked".into(), json!(today));
        }
        Ok(())
    }
}
