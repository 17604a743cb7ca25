//! Autotask's JSON as the client reads it (field metadata, picklists, the threshold, query
//! pages), and the tools' parameters as Autotask names them: per entity, which parameter is
//! which upstream field and what kind of value it holds ([`Param`]).
//!
//! Owns: upstream field names. Tools name their parameters; `api/` turns them into request
//! bodies and query conditions through these tables. Must not: send anything.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::api::entities::{self, Entity};
use crate::mcp::params::IdOrName;

/// `GET /ThresholdInformation`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Threshold {
    pub external_request_threshold: u32,
    #[serde(default)]
    pub request_threshold_timeframe: u32,
    pub current_timeframe_request_count: u32,
}

/// One value of a picklist, as `entityInformation/fields` gives it (`value` is a string).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Pick {
    pub value: String,
    pub label: String,
    #[serde(default)]
    pub is_default_value: bool,
    #[serde(default)]
    pub sort_order: i64,
    #[serde(default)]
    pub parent_value: Option<String>,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub is_system: bool,
}

fn yes() -> bool {
    true
}

/// One field of an entity, as `entityInformation/fields` gives it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    pub name: String,
    #[serde(default)]
    pub data_type: String,
    #[serde(default)]
    pub is_required: bool,
    #[serde(default)]
    pub is_read_only: bool,
    #[serde(default)]
    pub is_queryable: bool,
    #[serde(default)]
    pub is_reference: bool,
    #[serde(default)]
    pub reference_entity_type: Option<String>,
    #[serde(default)]
    pub is_pick_list: bool,
    #[serde(default)]
    pub picklist_values: Option<Vec<Pick>>,
    #[serde(default)]
    pub picklist_parent_value_field: Option<String>,
}

impl FieldInfo {
    /// The picklist's active values, in Autotask's order.
    pub fn active(&self) -> Vec<&Pick> {
        let mut v: Vec<&Pick> = self
            .picklist_values
            .iter()
            .flatten()
            .filter(|p| p.is_active)
            .collect();
        v.sort_by_key(|p| p.sort_order);
        v
    }

    /// The label of a value (also of an inactive one).
    pub fn label_of(&self, value: &Value) -> Option<&str> {
        let s = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        self.picklist_values
            .iter()
            .flatten()
            .find(|p| p.value == s)
            .map(|p| p.label.as_str())
    }

    /// The entity a reference field points at, when the tools know it.
    pub fn references(&self) -> Option<&'static Entity> {
        if !self.is_reference {
            return None;
        }
        entities::by_reference(self.reference_entity_type.as_deref()?)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self.data_type.to_ascii_lowercase().as_str(),
            "integer" | "long" | "short" | "byte" | "double" | "decimal" | "float"
        )
    }
}

/// An entity's metadata: its fields and user-defined fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    pub fields: Vec<FieldInfo>,
    pub udfs: Vec<FieldInfo>,
}

impl Fields {
    /// A field by its upstream name, ignoring case.
    pub fn get(&self, name: &str) -> Option<&FieldInfo> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn udf(&self, name: &str) -> Option<&FieldInfo> {
        self.udfs.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Number,
    Bool,
    /// Sent as 1 or 0 (contacts' `isActive`).
    Flag,
    /// A date-time, ISO 8601 (UTC).
    DateTime,
    /// A picklist value, given by label or number.
    Pick,
    /// Another object, given by id or (where the entity has a name) by name.
    Ref(&'static Entity),
}

/// A tool parameter and the upstream field it is.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub param: &'static str,
    pub wire: &'static str,
    pub kind: Kind,
}

const fn p(param: &'static str, wire: &'static str, kind: Kind) -> Param {
    Param { param, wire, kind }
}

use Kind::*;
use entities::{
    COMPANIES, CONTACTS, CONTRACTS, PRODUCTS, PROJECTS, RESOURCES, ROLES, TASKS, TICKETS,
};

pub const TICKET: &[Param] = &[
    p("title", "title", Text),
    p("description", "description", Text),
    p("status", "status", Pick),
    p("priority", "priority", Pick),
    p("queue", "queueID", Pick),
    p("company", "companyID", Ref(&COMPANIES)),
    p("contact", "contactID", Ref(&CONTACTS)),
    p("assigned_to", "assignedResourceID", Ref(&RESOURCES)),
    p("assigned_role", "assignedResourceRoleID", Ref(&ROLES)),
    p("ticket_type", "ticketType", Pick),
    p("issue_type", "issueType", Pick),
    p("sub_issue_type", "subIssueType", Pick),
    p("source", "source", Pick),
    p("due", "dueDateTime", DateTime),
    p("estimated_hours", "estimatedHours", Number),
    p("configuration_item", "configurationItemID", Int),
    p("contract", "contractID", Ref(&CONTRACTS)),
    p("project", "projectID", Ref(&PROJECTS)),
    p("resolution", "resolution", Text),
    p("ticket_number", "ticketNumber", Text),
    p("created", "createDate", DateTime),
    p("last_activity", "lastActivityDate", DateTime),
    p("completed", "completedDate", DateTime),
    p("id", "id", Int),
];

pub const TICKET_NOTE: &[Param] = &[
    p("ticket_id", "ticketID", Int),
    p("title", "title", Text),
    p("description", "description", Text),
    p("note_type", "noteType", Pick),
    p("publish", "publish", Pick),
    p("created", "createDateTime", DateTime),
    p("id", "id", Int),
];

pub const COMPANY: &[Param] = &[
    p("name", "companyName", Text),
    p("company_type", "companyType", Pick),
    p("phone", "phone", Text),
    p("owner", "ownerResourceID", Ref(&RESOURCES)),
    p("active", "isActive", Bool),
    p("address1", "address1", Text),
    p("address2", "address2", Text),
    p("city", "city", Text),
    p("state", "state", Text),
    p("postal_code", "postalCode", Text),
    p("web_address", "webAddress", Text),
    p("parent_company", "parentCompanyID", Ref(&COMPANIES)),
    p("id", "id", Int),
];

pub const CONTACT: &[Param] = &[
    p("company", "companyID", Ref(&COMPANIES)),
    p("first_name", "firstName", Text),
    p("last_name", "lastName", Text),
    p("email", "emailAddress", Text),
    p("phone", "phone", Text),
    p("mobile_phone", "mobilePhone", Text),
    p("title", "title", Text),
    p("active", "isActive", Flag),
    p("primary_contact", "primaryContact", Bool),
    p("id", "id", Int),
];

pub const PROJECT: &[Param] = &[
    p("name", "projectName", Text),
    p("company", "companyID", Ref(&COMPANIES)),
    p("status", "status", Pick),
    p("project_type", "projectType", Pick),
    p("start", "startDateTime", DateTime),
    p("end", "endDateTime", DateTime),
    p("lead", "projectLeadResourceID", Ref(&RESOURCES)),
    p("contract", "contractID", Ref(&CONTRACTS)),
    p("description", "description", Text),
    p("estimated_hours", "estimatedTime", Number),
    p("id", "id", Int),
];

pub const TASK: &[Param] = &[
    p("project", "projectID", Ref(&PROJECTS)),
    p("title", "title", Text),
    p("description", "description", Text),
    p("status", "status", Pick),
    p("task_type", "taskType", Pick),
    p("assigned_to", "assignedResourceID", Ref(&RESOURCES)),
    p("assigned_role", "assignedResourceRoleID", Ref(&ROLES)),
    p("estimated_hours", "estimatedHours", Number),
    p("start", "startDateTime", DateTime),
    p("end", "endDateTime", DateTime),
    p("id", "id", Int),
];

pub const TIME_ENTRY: &[Param] = &[
    p("resource", "resourceID", Ref(&RESOURCES)),
    p("role", "roleID", Ref(&ROLES)),
    p("ticket_id", "ticketID", Ref(&TICKETS)),
    p("task_id", "taskID", Ref(&TASKS)),
    p("date_worked", "dateWorked", DateTime),
    p("start", "startDateTime", DateTime),
    p("end", "endDateTime", DateTime),
    p("hours_worked", "hoursWorked", Number),
    p("hours_to_bill", "hoursToBill", Number),
    p("summary", "summaryNotes", Text),
    p("internal_notes", "internalNotes", Text),
    p("non_billable", "isNonBillable", Bool),
    p("time_entry_type", "timeEntryType", Pick),
    p("contract", "contractID", Ref(&CONTRACTS)),
    p("id", "id", Int),
];

pub const CONFIGURATION_ITEM: &[Param] = &[
    p("company", "companyID", Ref(&COMPANIES)),
    p("product", "productID", Ref(&PRODUCTS)),
    p("name", "referenceTitle", Text),
    p("serial_number", "serialNumber", Text),
    p("reference_number", "referenceNumber", Text),
    p("item_type", "configurationItemType", Pick),
    p("active", "isActive", Bool),
    p("install_date", "installDate", DateTime),
    p("warranty_expiration", "warrantyExpirationDate", DateTime),
    p("contact", "contactID", Ref(&CONTACTS)),
    p("location", "location", Text),
    p("notes", "notes", Text),
    p("id", "id", Int),
];

pub const CONTRACT: &[Param] = &[
    p("name", "contractName", Text),
    p("company", "companyID", Ref(&COMPANIES)),
    p("contract_type", "contractType", Pick),
    p("category", "contractCategory", Pick),
    p("status", "status", Pick),
    p("start", "startDate", DateTime),
    p("end", "endDate", DateTime),
    p("id", "id", Int),
];

pub const OPPORTUNITY: &[Param] = &[
    p("title", "title", Text),
    p("company", "companyID", Ref(&COMPANIES)),
    p("contact", "contactID", Ref(&CONTACTS)),
    p("owner", "ownerResourceID", Ref(&RESOURCES)),
    p("amount", "amount", Number),
    p("cost", "cost", Number),
    p("probability", "probability", Int),
    p("projected_close", "projectedCloseDate", DateTime),
    p("stage", "stage", Pick),
    p("status", "status", Pick),
    p("use_quote_totals", "useQuoteTotals", Bool),
    p("description", "description", Text),
    p("id", "id", Int),
];

pub const RESOURCE: &[Param] = &[
    p("first_name", "firstName", Text),
    p("last_name", "lastName", Text),
    p("email", "email", Text),
    p("user_name", "userName", Text),
    p("active", "isActive", Bool),
    p("title", "title", Text),
    p("resource_type", "resourceType", Text),
    p("id", "id", Int),
];

/// Every table, for naming upstream fields by their parameters in errors.
const TABLES: &[&[Param]] = &[
    TICKET,
    TICKET_NOTE,
    COMPANY,
    CONTACT,
    PROJECT,
    TASK,
    TIME_ENTRY,
    CONFIGURATION_ITEM,
    CONTRACT,
    OPPORTUNITY,
    RESOURCE,
];

/// The parameter table of an entity.
pub fn params_of(entity: &Entity) -> &'static [Param] {
    match entity.path {
        "Tickets" => TICKET,
        "TicketNotes" => TICKET_NOTE,
        "Companies" => COMPANY,
        "Contacts" => CONTACT,
        "Projects" => PROJECT,
        "Tasks" => TASK,
        "TimeEntries" => TIME_ENTRY,
        "ConfigurationItems" => CONFIGURATION_ITEM,
        "Contracts" => CONTRACT,
        "Opportunities" => OPPORTUNITY,
        "Resources" => RESOURCE,
        _ => &[],
    }
}

/// An Autotask message with the upstream field names it mentions followed by the tools'
/// parameter name: "Missing Required Field: companyID" ->
/// "Missing Required Field: companyID (parameter company)".
pub fn with_param_names(message: &str) -> String {
    let mut out = message.to_string();
    let mut seen: Vec<&str> = Vec::new();
    for p in TABLES.iter().flat_map(|t| t.iter()) {
        if p.param == p.wire || seen.contains(&p.wire) || p.wire == "id" {
            continue;
        }
        if contains_word(message, p.wire) {
            seen.push(p.wire);
            out = out.replacen(p.wire, &format!("{} (parameter {})", p.wire, p.param), 1);
        }
    }
    out
}

fn contains_word(hay: &str, word: &str) -> bool {
    hay.match_indices(word).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// A value as the agent gave it, before picklists and names are resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    Text(String),
    Int(i64),
    Number(f64),
    Bool(bool),
    /// A label or number (picklists), an id or name (references).
    Named(IdOrName),
}

impl From<String> for Given {
    fn from(s: String) -> Self {
        Given::Text(s)
    }
}
impl From<&String> for Given {
    fn from(s: &String) -> Self {
        Given::Text(s.clone())
    }
}
impl From<i64> for Given {
    fn from(n: i64) -> Self {
        Given::Int(n)
    }
}
impl From<f64> for Given {
    fn from(n: f64) -> Self {
        Given::Number(n)
    }
}
impl From<bool> for Given {
    fn from(b: bool) -> Self {
        Given::Bool(b)
    }
}
impl From<IdOrName> for Given {
    fn from(v: IdOrName) -> Self {
        Given::Named(v)
    }
}
impl From<&IdOrName> for Given {
    fn from(v: &IdOrName) -> Self {
        Given::Named(v.clone())
    }
}

/// The parameters a call gives, by name: `given![("title", p.title), ("status", p.status)]`
/// keeps those that are `Some`.
#[macro_export]
macro_rules! autotask_given {
    ($(($name:literal, $value:expr)),* $(,)?) => {{
        let mut v: Vec<(&'static str, $crate::backends::autotask::models::Given)> = Vec::new();
        $( if let Some(x) = $value.clone() { v.push(($name, x.into())); } )*
        v
    }};
}

/// One page of a query.
#[derive(Debug, Clone, Default)]
pub struct QueryPage {
    pub items: Vec<Value>,
    /// Autotask's `nextPageUrl`, when more rows exist.
    pub next: Option<String>,
}

/// A ticket's before image as policy's `changes` rules compare it: the assigned resource and
/// the queue, by id (the tools' views hold the same).
pub fn ticket_before_view(row: &Value) -> Value {
    serde_json::json!({
        "assigned_to": row.get("assignedResourceID").cloned().unwrap_or(Value::Null),
        "queue": row.get("queueID").cloned().unwrap_or(Value::Null),
        "company": row.get("companyID").cloned().unwrap_or(Value::Null),
    })
}

/// A task's before image for `changes` rules: the assigned resource.
pub fn task_before_view(row: &Value) -> Value {
    serde_json::json!({
        "assigned_to": row.get("assignedResourceID").cloned().unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_parameters() {
        let m = with_param_names("Missing Required Field: companyID. queueID is invalid.");
        assert!(m.contains("companyID (parameter company)"), "{m}");
        assert!(m.contains("queueID (parameter queue)"), "{m}");
        assert_eq!(with_param_names("title is too long"), "title is too long");
    }

    #[test]
    fn picklist_values_are_strings() {
        let f: FieldInfo = serde_json::from_value(serde_json::json!({
            "name": "status", "dataType": "integer", "isPickList": true,
            "picklistValues": [{"value": "11", "label": "Complete", "sortOrder": 4,
                "isActive": true}]
        }))
        .unwrap();
        assert_eq!(f.label_of(&serde_json::json!(11)), Some("Complete"));
    }
}
