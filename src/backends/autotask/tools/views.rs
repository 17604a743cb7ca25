//! What the policy layer sees of an Autotask tool call before anything is resolved
//! (`PolicyView`, for `policy explain` and the catalogue): the arguments as given, labels in
//! lower case. At call time the tools pass the resolved view instead (labels of the
//! instance's values, ids of names, and `closes`, `top_priority`, `customer_visible` decided
//! against the instance's picklists and the object before the call).
//!
//! Must not: call Autotask.

use serde_json::{Map, Value};

use super::params::*;
use crate::error::Result;
use crate::mcp::params::args_of;
use crate::policy::catalog::PolicyView;

/// The arguments as given, flattened, with text values of picklist-like fields lower-cased.
fn as_given<P: serde::Serialize>(p: &P) -> Value {
    let mut m = match args_of(p) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for k in [
        "status",
        "priority",
        "queue",
        "stage",
        "company_type",
        "note_type",
    ] {
        if let Some(Value::String(s)) = m.get(k) {
            let v = Value::String(s.trim().to_lowercase());
            m.insert(k.into(), v);
        }
    }
    if let Some(Value::String(v)) = m.get("visibility")
        && v == "customer"
    {
        m.insert("customer_visible".into(), Value::Bool(true));
    }
    Value::Object(m)
}

macro_rules! given_views {
    ($($t:ty),* $(,)?) => {$(
        impl PolicyView for $t {
            fn view(&self) -> Result<Value> {
                Ok(as_given(self))
            }
        }
    )*};
}

given_views!(
    GetParams,
    GetTicketParams,
    SearchTicketsParams,
    SearchParams,
    SearchTimeEntriesParams,
    ListNotesParams,
    FieldInfoParams,
    CreateTicketParams,
    UpdateTicketParams,
    AddNoteParams,
    CreateCompanyParams,
    UpdateCompanyParams,
    CreateContactParams,
    UpdateContactParams,
    DeleteParams,
    CreateProjectParams,
    UpdateProjectParams,
    CreateTaskParams,
    UpdateTaskParams,
    CreateTimeEntryParams,
    UpdateTimeEntryParams,
    CreateConfigurationItemParams,
    UpdateConfigurationItemParams,
    CreateOpportunityParams,
    UpdateOpportunityParams,
);
