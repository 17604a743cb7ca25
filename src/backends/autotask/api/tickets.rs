//! Ticket rules the tools rely on, in terms of Autotask's fields: a ticket by number, the
//! instance's complete statuses and default queue, an assignment's role, a note's publish
//! value, and the policy facts of a ticket write (closes, top_priority) against the ticket
//! before it.
//!
//! Must not: render or decide policy (it only states the facts).

use serde_json::{Map, Value, json};

use super::super::client::AutotaskClient;
use super::super::resolve::{Resolved, is_complete_label};
use super::entities::TICKETS;
use super::query::{Condition, Op as QOp};
use crate::error::{Error, ErrorKind, Result};

impl AutotaskClient {
    /// A ticket by its number (`T20261202.0001`).
    pub async fn ticket_by_number(&self, number: &str) -> Result<Value> {
        let conds = [Condition::new(
            "ticket_number",
            QOp::Eq,
            json!(number.trim()),
        )];
        let filter = self.compile_conditions(&TICKETS, &conds).await?;
        let page = self
            .query(&TICKETS, &super::Query::of(filter), None)
            .await?;
        page.items.into_iter().next().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no Autotask ticket has the number {number:?}"),
            )
        })
    }

    /// Completes an assignment: a resource without a role gets its default service desk role.
    pub async fn assignment_role(&self, r: &mut Resolved, notes: &mut Vec<String>) -> Result<()> {
        let Some(res) = r.body.get("assignedResourceID").and_then(Value::as_i64) else {
            return Ok(());
        };
        if r.body.contains_key("assignedResourceRoleID") {
            return Ok(());
        }
        let role = self.default_role(res).await?.ok_or_else(|| {
            Error::invalid(
                "assigned_to",
                format!(
                    "resource #{res} has no service desk role, so Autotask cannot assign it a \
                         ticket: give assigned_role, or pick another resource"
                ),
            )
        })?;
        r.body.insert("assignedResourceRoleID".into(), json!(role));
        r.view.insert("assigned_role".into(), json!(role));
        notes.push(format!(
            "assigned_role #{role} (the resource's default role)"
        ));
        Ok(())
    }

    /// The policy facts of a ticket write: closes and top_priority, against the ticket's
    /// values before the write (None for a create).
    pub async fn ticket_facts(
        &self,
        r: &Resolved,
        before: Option<&Value>,
    ) -> Result<Map<String, Value>> {
        let mut m = Map::new();
        let changed = |wire: &str| {
            r.body
                .get(wire)
                .filter(|v| before.and_then(|b| b.get(wire)) != Some(*v))
        };
        if let Some(s) = changed("status") {
            m.insert(
                "closes".into(),
                json!(self.is_complete_status(&TICKETS, s).await?),
            );
        }
        if let Some(pv) = changed("priority") {
            let top = self.top_priority(&TICKETS).await?;
            m.insert("top_priority".into(), json!(top.as_ref() == Some(pv)));
        }
        // Queues compare by number, as the before image has them.
        if let Some(q) = r.body.get("queueID") {
            m.insert("queue".into(), q.clone());
        }
        Ok(m)
    }

    /// The values of the instance's statuses that mean complete.
    pub async fn complete_statuses(&self) -> Result<Vec<Value>> {
        let fields = self.fields(&TICKETS, false).await?;
        Ok(fields
            .get("status")
            .map(|f| {
                f.picklist_values
                    .iter()
                    .flatten()
                    .filter(|v| is_complete_label(&v.label))
                    .map(|v| {
                        v.value
                            .parse::<i64>()
                            .map(Value::from)
                            .unwrap_or(json!(v.value))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A ticket needs a queue or an assigned resource: without both, the instance's default
    /// queue.
    pub async fn default_queue(&self, r: &mut Resolved, notes: &mut Vec<String>) -> Result<()> {
        if r.body.contains_key("queueID") || r.body.contains_key("assignedResourceID") {
            return Ok(());
        }
        let fields = self.fields(&TICKETS, false).await?;
        let queue = fields
            .get("queueID")
            .and_then(|f| f.active().into_iter().find(|v| v.is_default_value))
            .ok_or_else(|| {
                Error::invalid(
                    "queue",
                    "a ticket needs a queue or an assigned resource, and this instance has no \
                     default queue: give queue",
                )
            })?;
        let n = queue
            .value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(json!(queue.value));
        r.body.insert("queueID".into(), n.clone());
        r.view.insert("queue".into(), n);
        notes.push(format!("queue {} (the default)", queue.label));
        Ok(())
    }

    /// Sets a note's publish value.
    pub fn set_publish(&self, r: &mut Resolved, publish: Value) {
        r.body.insert("publish".into(), publish);
    }
}
