//! DRF's `SimpleMetadata`: the OPTIONS answer of every API view (name, docstring, renderers,
//! parsers, and for staff the writable fields from `templates/*_fields.json`).
//!
//! Must not: change state.

use std::sync::LazyLock;

use serde_json::{Value, json};

use super::drf::Api;
use super::http::Cx;
use super::state::{Db, PRIORITIES, STATUSES};
use super::urls::{Route, url_id};
use crate::sandbox::kit::reply::Reply;

const TICKETS_DOC: &str = "A viewset that provides the standard actions to handle Ticket\n\nYou can filter the tickets by status using the `status` query parameter. For example:\n\n`/api/tickets/?status=Open,Resolved` will return all the tickets that are Open or Resolved.";
const USER_TICKETS_DOC: &str =
    "A list of all the tickets submitted by the current user\n\nThe view is paginated by default";
const FORK_INFO_DOC: &str = "API endpoint to get session information for agent users.\n\nReturns the branch_name if the user is an agent and has one set in session.";
const FORK_INTENT_DOC: &str = "API endpoint to set the intent session variable for agent users.";
const FORK_FINISH_DOC: &str = "API endpoint to manually finish an agent session.";

fn choices_meta(choices: &[(i64, &str)]) -> Value {
    Value::Array(
        choices
            .iter()
            .map(|(v, d)| json!({ "value": v, "display_name": d }))
            .collect(),
    )
}

/// What `SimpleMetadata` says about a serializer's fields: a file per serializer, with the
/// choices filled in from the model's.
fn fields_meta(file: &str, choices: &[(&str, &[(i64, &str)])]) -> Value {
    let mut fields: Value = serde_json::from_str(file).expect("a valid field metadata file");
    for (name, list) in choices {
        if let Some(m) = fields.get_mut(*name).and_then(Value::as_object_mut) {
            m.insert("choices".into(), choices_meta(list));
        }
    }
    fields
}

static TICKET_FIELDS: LazyLock<Value> = LazyLock::new(|| {
    fields_meta(
        include_str!("templates/ticket_fields.json"),
        &[("status", &STATUSES), ("priority", &PRIORITIES)],
    )
});

static FOLLOWUP_FIELDS: LazyLock<Value> = LazyLock::new(|| {
    fields_meta(
        include_str!("templates/followup_fields.json"),
        &[("new_status", &STATUSES)],
    )
});

/// `SimpleMetadata.determine_metadata` without the actions: a view's name, its docstring, the
/// renderers and the parsers.
pub(super) fn metadata(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "description": description,
        "renders": ["application/json", "text/html"],
        "parses": [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ],
    })
}

/// DRF's `OPTIONS` answer: the metadata, with the writable fields for staff.
pub(super) fn options_view(db: &mut Db, cx: &mut Cx, api: &Api) -> Reply {
    let description = match api.route {
        Route::Tickets | Route::Ticket(_) => TICKETS_DOC,
        Route::UserTickets | Route::UserTicket(_) => USER_TICKETS_DOC,
        Route::ForkInfo => FORK_INFO_DOC,
        Route::ForkIntent => FORK_INTENT_DOC,
        Route::ForkFinish => FORK_FINISH_DOC,
        _ => "",
    };
    let mut meta = metadata(api.name, description);
    let staff = api.user.is_some_and(|u| db.is_staff(u));
    let actions = match &api.route {
        Route::Tickets if staff => Some(json!({ "POST": TICKET_FIELDS.clone() })),
        Route::Ticket(pk) if staff && url_id(pk).is_some_and(|i| db.tickets.contains_key(&i)) => {
            Some(json!({ "PUT": TICKET_FIELDS.clone() }))
        }
        Route::FollowUps if staff => Some(json!({ "POST": FOLLOWUP_FIELDS.clone() })),
        Route::FollowUp(pk)
            if staff && url_id(pk).is_some_and(|i| db.followups.contains_key(&i)) =>
        {
            Some(json!({ "PUT": FOLLOWUP_FIELDS.clone() }))
        }
        _ => None,
    };
    if let (Some(a), Some(m)) = (actions, meta.as_object_mut()) {
        m.insert("actions".into(), a);
    }
    api.reply(db, cx, 200, meta)
}
