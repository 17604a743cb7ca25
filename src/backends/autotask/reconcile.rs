//! Create once, for Autotask: a create whose answer is lost (a 5xx without Autotask's
//! `errors` list, a broken connection) is never sent again; the row it may have made is looked
//! up instead through [`crate::backends::reconcile`]: the same identifying fields (a ticket's
//! title and company, a note's ticket and title, a contact's company and names, ...) created
//! since the send. Exactly one match is taken; none or several leave the outcome unknown and
//! say how to check.
//!
//! Owns: each entity's identifying fields and the wording. Must not: retry a create, or decide
//! policy.

use serde_json::{Map, Value, json};

use super::api::Query;
use super::api::entities::Entity;
use super::client::AutotaskClient;
use crate::backends::reconcile::{self, Wording, create_once};
use crate::error::Result;

/// What a create made (or what reconciliation found): the row as Autotask shows it.
pub type Created = reconcile::Created<Value>;

/// The fields that identify a new row of `entity` (besides when it was created).
fn identity(entity: &Entity) -> &'static [&'static str] {
    match entity.path {
        "Tickets" => &["title", "companyID"],
        "TicketNotes" => &["ticketID", "title"],
        "Companies" => &["companyName"],
        "Contacts" => &["companyID", "firstName", "lastName"],
        "Projects" => &["projectName", "companyID"],
        "Tasks" => &["projectID", "title"],
        "TimeEntries" => &["resourceID", "dateWorked", "summaryNotes"],
        "ConfigurationItems" => &["companyID", "referenceTitle"],
        "Contracts" => &["contractName", "companyID"],
        "Opportunities" => &["title", "companyID"],
        _ => &[],
    }
}

/// The field that holds when a row was created, where the entity has one.
fn created_field(entity: &Entity) -> Option<&'static str> {
    match entity.path {
        "Tickets" | "Companies" | "Contacts" | "Opportunities" => Some("createDate"),
        "TicketNotes" | "TimeEntries" | "Tasks" | "Projects" => Some("createDateTime"),
        _ => None,
    }
}

impl AutotaskClient {
    /// Creates one row once and reads it back (the after image). A lost answer is
    /// reconciled, never resent.
    pub async fn create_once(
        &self,
        entity: &'static Entity,
        parent_id: Option<i64>,
        body: &Map<String, Value>,
    ) -> Result<Created> {
        let started = chrono::Utc::now() - chrono::Duration::seconds(5);
        let send = async {
            let id = self.create_item(entity, parent_id, body).await?;
            // Created: a failed read-back must not make it look like a failure.
            let row = match self.get_item(entity, id).await {
                Ok(Some(row)) => row,
                Ok(None) | Err(_) => json!({ "id": id }),
            };
            Ok((row.clone(), row, 200))
        };
        let tool = format!("autotask_search_{}", entity.many.replace(' ', "_"));
        let wording = Wording::new(
            entity.one,
            entity.many,
            format!("check with {tool} before creating it again."),
        )
        .with_ids_of_several();
        let find = || self.find_created(entity, body, started);
        create_once(send, &wording, find).await
    }

    /// Rows of `entity` with the identifying values of `body`, created since `since`.
    async fn find_created(
        &self,
        entity: &'static Entity,
        body: &Map<String, Value>,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        let mut filter: Vec<Value> = identity(entity)
            .iter()
            .filter_map(|f| {
                body.get(*f)
                    .map(|v| json!({"op": "eq", "field": f, "value": v}))
            })
            .collect();
        if let Some(f) = created_field(entity) {
            let at = since.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            filter.push(json!({"op": "gte", "field": f, "value": at}));
        }
        if filter.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Query::of(filter);
        q.max_records = 10;
        Ok(self.query(entity, &q, None).await?.items)
    }
}
