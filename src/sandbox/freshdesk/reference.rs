//! Reference data, read only: agents (with `/agents/me`), groups and ticket fields.
//!
//! Owns: those routes and the ticket field definitions built from the fixed choices.
//! Must not: change the store.

use chrono::Utc;
use serde_json::{Value, json};

use super::errors::{ApiError, FieldError, check};
use super::input::Params;
use super::routes::Ctx;
use super::state::{Agent, CUSTOM_FIELDS, CfKind, FIELD_BASE, Store, TICKET_TYPES};
use super::views::group_json;
use crate::sandbox::kit::paginate;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::time::ts;

impl Store {
    pub(super) fn list_agents(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["email", "mobile", "phone", "state", "page", "per_page"])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        let state = q.get("state");
        if state.is_some_and(|s| !["fulltime", "occasional"].contains(&s)) {
            errors.push(FieldError::choices("state", &["fulltime", "occasional"]));
        }
        check(errors)?;
        let items: Vec<&Agent> = self
            .agents
            .values()
            .filter(|a| {
                q.get("email")
                    .is_none_or(|e| a.email.eq_ignore_ascii_case(e))
            })
            .filter(|a| q.get("phone").is_none_or(|p| a.phone.as_deref() == Some(p)))
            .filter(|_| q.get("mobile").is_none())
            .filter(|a| match state {
                Some("occasional") => a.occasional,
                Some(_) => !a.occasional,
                None => true,
            })
            .collect();
        let (items, more) = paginate(items, page, per_page);
        let json = items.into_iter().map(|a| self.agent_json(a)).collect();
        Ok(ctx.list(q, json, page, more))
    }

    pub(super) fn get_agent(&self, id: i64) -> Result<Reply, ApiError> {
        let a = self.agents.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(self.agent_json(a)))
    }

    pub(super) fn list_groups(&self, ctx: &Ctx<'_>, q: &Query) -> Result<Reply, ApiError> {
        ctx.paged(q, self.groups.values().collect(), group_json)
    }

    pub(super) fn get_group(&self, id: i64) -> Result<Reply, ApiError> {
        let g = self.groups.get(&id).ok_or(ApiError::NotFound)?;
        Ok(Reply::ok(group_json(g)))
    }

    pub(super) fn ticket_fields(&self, q: &Query) -> Result<Reply, ApiError> {
        q.allow(&["type"])?;
        let created = self
            .agents
            .get(&self.me)
            .map_or_else(Utc::now, |a| a.created_at);
        let choices_of =
            |values: &[&str]| -> Value { Value::Array(values.iter().map(|v| json!(v)).collect()) };
        let name_to_id = |pairs: Vec<(String, i64)>| -> Value {
            Value::Object(pairs.into_iter().map(|(k, v)| (k, json!(v))).collect())
        };
        let groups = name_to_id(
            self.groups
                .values()
                .map(|g| (g.name.clone(), g.id))
                .collect(),
        );
        let agents = name_to_id(
            self.agents
                .values()
                .map(|a| (a.name.clone(), a.id))
                .collect(),
        );
        let mut defs: Vec<(&str, &str, &str, bool, Value)> = vec![
            (
                "requester",
                "Search a requester",
                "default_requester",
                true,
                Value::Null,
            ),
            ("subject", "Subject", "default_subject", true, Value::Null),
            (
                "ticket_type",
                "Type",
                "default_ticket_type",
                false,
                choices_of(TICKET_TYPES),
            ),
            (
                "source",
                "Source",
                "default_source",
                true,
                json!({
                    "Email": 1,
                    "Portal": 2,
                    "Phone": 3,
                    "Chat": 7,
                    "Feedback Widget": 9,
                    "Outbound Email": 10,
                }),
            ),
            (
                "status",
                "Status",
                "default_status",
                true,
                json!({
                    "2": ["Open", "Being Processed"],
                    "3": ["Pending", "Awaiting your Reply"],
                    "4": ["Resolved", "This ticket has been Resolved"],
                    "5": ["Closed", "This ticket has been Closed"],
                }),
            ),
            (
                "priority",
                "Priority",
                "default_priority",
                true,
                json!({"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}),
            ),
            ("group", "Group", "default_group", false, groups),
            ("agent", "Agent", "default_agent", false, agents),
            (
                "description",
                "Description",
                "default_description",
                true,
                Value::Null,
            ),
            ("company", "Company", "default_company", false, Value::Null),
        ];
        for cf in CUSTOM_FIELDS {
            let (ty, choices) = match cf.kind {
                CfKind::Dropdown => ("custom_dropdown", choices_of(cf.choices)),
                CfKind::Text => ("custom_text", Value::Null),
                CfKind::Number => ("custom_number", Value::Null),
            };
            defs.push((cf.name, cf.label, ty, false, choices));
        }
        let wanted = q.get("type");
        let fields: Vec<Value> = defs
            .into_iter()
            .enumerate()
            .filter(|(_, d)| wanted.is_none_or(|w| w == d.2))
            .map(|(i, (name, label, ty, default, choices))| {
                let for_agents = matches!(name, "requester" | "subject" | "status" | "priority");
                let for_customers = matches!(name, "requester" | "subject" | "description");
                let mut o = json!({
                    "id": FIELD_BASE + 1 + i as i64,
                    "name": name,
                    "label": label,
                    "description": label,
                    "position": i + 1,
                    "required_for_closure": false,
                    "required_for_agents": for_agents,
                    "type": ty,
                    "default": default,
                    "customers_can_edit": for_customers,
                    "label_for_customers": label,
                    "required_for_customers": for_customers,
                    "displayed_to_customers": true,
                    "created_at": ts(created),
                    "updated_at": ts(created),
                });
                if !choices.is_null()
                    && let Value::Object(m) = &mut o
                {
                    m.insert("choices".into(), choices);
                }
                o
            })
            .collect();
        Ok(Reply::ok(Value::Array(fields)))
    }
}
