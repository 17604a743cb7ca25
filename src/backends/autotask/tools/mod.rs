//! The Autotask MCP tools: tickets and their notes, companies, contacts, projects, tasks,
//! time entries, configuration items, contracts, opportunities, resources and field
//! metadata, one file per entity. Picklists by the instance's labels, references by id or
//! name; results carry the labels and names next to the ids.
//!
//! Owns: the declarations ([`TOOLS`], one `ToolMeta` per tool), the tools' arguments
//! (params.rs), what policy sees of them (views.rs), their output (render.rs), and the tool
//! bodies: validate, resolve, `Core::read` or `Core::write`, render (the shared steps are in
//! engine.rs). Must not: know endpoint paths, query keys or Autotask's field names (they are in
//! `api/` and `models.rs`), or reach Autotask except through the client.

mod companies;
mod engine;
pub mod params;
mod projects;
mod records;
mod reference;
pub mod render;
mod tickets;
mod time;
pub mod views;

use rmcp::handler::server::router::tool::ToolRouter;

use super::BACKEND;
use crate::mcp::HelpdeskOperator;
use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, ToolMeta, canonicalize_as};
pub use params::*;
pub use render::{AtList, AtObject, Row};

const fn field(name: &'static str, kind: FieldKind) -> FieldMeta {
    FieldMeta { name, kind }
}

const F_TITLE: FieldMeta = field("title", FieldKind::Text);
const F_DESCRIPTION: FieldMeta = field("description", FieldKind::Text);
const F_STATUS: FieldMeta = field("status", FieldKind::Plain);
const F_PRIORITY: FieldMeta = field("priority", FieldKind::Plain);
const F_QUEUE: FieldMeta = field("queue", FieldKind::Ref);
const F_COMPANY: FieldMeta = field("company", FieldKind::Ref);
const F_ASSIGNED: FieldMeta = field("assigned_to", FieldKind::Ref);
const F_TICKET: FieldMeta = field("ticket_id", FieldKind::Integer);
const F_ID: FieldMeta = field("id", FieldKind::Integer);
const F_NAME: FieldMeta = field("name", FieldKind::Text);
const F_SUMMARY: FieldMeta = field("summary", FieldKind::Text);
const F_EMAIL: FieldMeta = field("email", FieldKind::Plain);

const F_TICKET_WRITE: &[FieldMeta] = &[
    F_TITLE,
    F_DESCRIPTION,
    F_STATUS,
    F_PRIORITY,
    F_QUEUE,
    F_COMPANY,
    F_ASSIGNED,
    field("resolution", FieldKind::Text),
];
const F_NOTE: &[FieldMeta] = &[
    F_TICKET,
    F_TITLE,
    F_DESCRIPTION,
    field("visibility", FieldKind::Enum(&["internal", "customer"])),
];
const F_COMPANY_WRITE: &[FieldMeta] = &[F_NAME, field("owner", FieldKind::Ref)];
const F_CONTACT_WRITE: &[FieldMeta] = &[
    field("first_name", FieldKind::Text),
    field("last_name", FieldKind::Text),
    F_EMAIL,
];
const F_PROJECT_WRITE: &[FieldMeta] = &[F_NAME, F_STATUS, F_DESCRIPTION];
const F_TASK_WRITE: &[FieldMeta] = &[F_TITLE, F_DESCRIPTION, F_STATUS, F_ASSIGNED];
const F_TIME_WRITE: &[FieldMeta] = &[
    field("resource", FieldKind::Ref),
    field("hours_worked", FieldKind::Plain),
    F_SUMMARY,
    field("internal_notes", FieldKind::Text),
];
const F_CI_WRITE: &[FieldMeta] = &[F_NAME, field("notes", FieldKind::Text)];
const F_OPPORTUNITY_WRITE: &[FieldMeta] = &[
    F_TITLE,
    F_STATUS,
    field("stage", FieldKind::Plain),
    F_DESCRIPTION,
];

/// Declares one tool: `decl!(CONST, "autotask_x", "Title", Read, "entity", Params)`, with
/// `destructive` and `idempotent` following from the operation unless given.
macro_rules! decl {
    ($c:ident, $name:literal, $title:literal, $op:ident, $entity:literal, $p:ty) => {
        decl!($c, $name, $title, $op, $entity, $p, &[]);
    };
    ($c:ident, $name:literal, $title:literal, $op:ident, $entity:literal, $p:ty, $f:expr) => {
        #[doc = concat!("`", $name, "`.")]
        pub const $c: ToolMeta = ToolMeta {
            name: $name,
            backend: BACKEND,
            title: $title,
            operation: OpKind::$op,
            entity: $entity,
            destructive: matches!(OpKind::$op, OpKind::Delete),
            idempotent: !matches!(OpKind::$op, OpKind::Create)
                && !matches!($name.as_bytes(), b"autotask_add_ticket_note"),
            fields: $f,
            canonicalize: canonicalize_as::<$p>,
        };
    };
}

decl!(
    GET_TICKET,
    "autotask_get_ticket",
    "Get an Autotask ticket",
    Read,
    "ticket",
    GetTicketParams
);
decl!(
    SEARCH_TICKETS,
    "autotask_search_tickets",
    "Search Autotask tickets",
    Read,
    "ticket",
    SearchTicketsParams
);
decl!(
    CREATE_TICKET,
    "autotask_create_ticket",
    "Create an Autotask ticket",
    Create,
    "ticket",
    CreateTicketParams,
    F_TICKET_WRITE
);
decl!(
    UPDATE_TICKET,
    "autotask_update_ticket",
    "Update an Autotask ticket",
    Update,
    "ticket",
    UpdateTicketParams,
    F_TICKET_WRITE
);
decl!(
    ADD_TICKET_NOTE,
    "autotask_add_ticket_note",
    "Add a note to an Autotask ticket",
    Update,
    "ticket",
    AddNoteParams,
    F_NOTE
);
decl!(
    LIST_TICKET_NOTES,
    "autotask_list_ticket_notes",
    "List an Autotask ticket's notes",
    Read,
    "ticket",
    ListNotesParams
);
decl!(
    GET_COMPANY,
    "autotask_get_company",
    "Get an Autotask company",
    Read,
    "company",
    GetParams
);
decl!(
    SEARCH_COMPANIES,
    "autotask_search_companies",
    "Search Autotask companies",
    Read,
    "company",
    SearchParams
);
decl!(
    CREATE_COMPANY,
    "autotask_create_company",
    "Create an Autotask company",
    Create,
    "company",
    CreateCompanyParams,
    F_COMPANY_WRITE
);
decl!(
    UPDATE_COMPANY,
    "autotask_update_company",
    "Update an Autotask company",
    Update,
    "company",
    UpdateCompanyParams,
    F_COMPANY_WRITE
);
decl!(
    GET_CONTACT,
    "autotask_get_contact",
    "Get an Autotask contact",
    Read,
    "contact",
    GetParams
);
decl!(
    SEARCH_CONTACTS,
    "autotask_search_contacts",
    "Search Autotask contacts",
    Read,
    "contact",
    SearchParams
);
decl!(
    CREATE_CONTACT,
    "autotask_create_contact",
    "Create an Autotask contact",
    Create,
    "contact",
    CreateContactParams,
    F_CONTACT_WRITE
);
decl!(
    UPDATE_CONTACT,
    "autotask_update_contact",
    "Update an Autotask contact",
    Update,
    "contact",
    UpdateContactParams,
    F_CONTACT_WRITE
);
decl!(
    DELETE_CONTACT,
    "autotask_delete_contact",
    "Delete an Autotask contact",
    Delete,
    "contact",
    DeleteParams,
    &[F_ID]
);
decl!(
    GET_PROJECT,
    "autotask_get_project",
    "Get an Autotask project",
    Read,
    "project",
    GetParams
);
decl!(
    SEARCH_PROJECTS,
    "autotask_search_projects",
    "Search Autotask projects",
    Read,
    "project",
    SearchParams
);
decl!(
    CREATE_PROJECT,
    "autotask_create_project",
    "Create an Autotask project",
    Create,
    "project",
    CreateProjectParams,
    F_PROJECT_WRITE
);
decl!(
    UPDATE_PROJECT,
    "autotask_update_project",
    "Update an Autotask project",
    Update,
    "project",
    UpdateProjectParams,
    F_PROJECT_WRITE
);
decl!(
    GET_TASK,
    "autotask_get_task",
    "Get an Autotask project task",
    Read,
    "task",
    GetParams
);
decl!(
    SEARCH_TASKS,
    "autotask_search_tasks",
    "Search Autotask project tasks",
    Read,
    "task",
    SearchParams
);
decl!(
    CREATE_TASK,
    "autotask_create_task",
    "Create an Autotask project task",
    Create,
    "task",
    CreateTaskParams,
    F_TASK_WRITE
);
decl!(
    UPDATE_TASK,
    "autotask_update_task",
    "Update an Autotask project task",
    Update,
    "task",
    UpdateTaskParams,
    F_TASK_WRITE
);
decl!(
    GET_TIME_ENTRY,
    "autotask_get_time_entry",
    "Get an Autotask time entry",
    Read,
    "time_entry",
    GetParams
);
decl!(
    SEARCH_TIME_ENTRIES,
    "autotask_search_time_entries",
    "Search Autotask time entries",
    Read,
    "time_entry",
    SearchTimeEntriesParams
);
decl!(
    CREATE_TIME_ENTRY,
    "autotask_create_time_entry",
    "Log time in Autotask",
    Create,
    "time_entry",
    CreateTimeEntryParams,
    F_TIME_WRITE
);
decl!(
    UPDATE_TIME_ENTRY,
    "autotask_update_time_entry",
    "Update an Autotask time entry",
    Update,
    "time_entry",
    UpdateTimeEntryParams,
    F_TIME_WRITE
);
decl!(
    DELETE_TIME_ENTRY,
    "autotask_delete_time_entry",
    "Delete an Autotask time entry",
    Delete,
    "time_entry",
    DeleteParams,
    &[F_ID]
);
decl!(
    GET_CONFIGURATION_ITEM,
    "autotask_get_configuration_item",
    "Get an Autotask configuration item",
    Read,
    "configuration_item",
    GetParams
);
decl!(
    SEARCH_CONFIGURATION_ITEMS,
    "autotask_search_configuration_items",
    "Search Autotask configuration items",
    Read,
    "configuration_item",
    SearchParams
);
decl!(
    CREATE_CONFIGURATION_ITEM,
    "autotask_create_configuration_item",
    "Create an Autotask configuration item",
    Create,
    "configuration_item",
    CreateConfigurationItemParams,
    F_CI_WRITE
);
decl!(
    UPDATE_CONFIGURATION_ITEM,
    "autotask_update_configuration_item",
    "Update an Autotask configuration item",
    Update,
    "configuration_item",
    UpdateConfigurationItemParams,
    F_CI_WRITE
);
decl!(
    GET_CONTRACT,
    "autotask_get_contract",
    "Get an Autotask contract",
    Read,
    "contract",
    GetParams
);
decl!(
    SEARCH_CONTRACTS,
    "autotask_search_contracts",
    "Search Autotask contracts",
    Read,
    "contract",
    SearchParams
);
decl!(
    GET_OPPORTUNITY,
    "autotask_get_opportunity",
    "Get an Autotask opportunity",
    Read,
    "opportunity",
    GetParams
);
decl!(
    SEARCH_OPPORTUNITIES,
    "autotask_search_opportunities",
    "Search Autotask opportunities",
    Read,
    "opportunity",
    SearchParams
);
decl!(
    CREATE_OPPORTUNITY,
    "autotask_create_opportunity",
    "Create an Autotask opportunity",
    Create,
    "opportunity",
    CreateOpportunityParams,
    F_OPPORTUNITY_WRITE
);
decl!(
    UPDATE_OPPORTUNITY,
    "autotask_update_opportunity",
    "Update an Autotask opportunity",
    Update,
    "opportunity",
    UpdateOpportunityParams,
    F_OPPORTUNITY_WRITE
);
decl!(
    GET_RESOURCE,
    "autotask_get_resource",
    "Get an Autotask resource",
    Read,
    "resource",
    GetParams
);
decl!(
    SEARCH_RESOURCES,
    "autotask_search_resources",
    "Search Autotask resources",
    Read,
    "resource",
    SearchParams
);
decl!(
    GET_FIELD_INFO,
    "autotask_get_field_info",
    "Get an Autotask entity's fields and picklists",
    Read,
    "field_info",
    FieldInfoParams
);

/// Every Autotask tool's declaration.
pub const TOOLS: &[ToolMeta] = &[
    GET_TICKET,
    SEARCH_TICKETS,
    CREATE_TICKET,
    UPDATE_TICKET,
    ADD_TICKET_NOTE,
    LIST_TICKET_NOTES,
    GET_COMPANY,
    SEARCH_COMPANIES,
    CREATE_COMPANY,
    UPDATE_COMPANY,
    GET_CONTACT,
    SEARCH_CONTACTS,
    CREATE_CONTACT,
    UPDATE_CONTACT,
    DELETE_CONTACT,
    GET_PROJECT,
    SEARCH_PROJECTS,
    CREATE_PROJECT,
    UPDATE_PROJECT,
    GET_TASK,
    SEARCH_TASKS,
    CREATE_TASK,
    UPDATE_TASK,
    GET_TIME_ENTRY,
    SEARCH_TIME_ENTRIES,
    CREATE_TIME_ENTRY,
    UPDATE_TIME_ENTRY,
    DELETE_TIME_ENTRY,
    GET_CONFIGURATION_ITEM,
    SEARCH_CONFIGURATION_ITEMS,
    CREATE_CONFIGURATION_ITEM,
    UPDATE_CONFIGURATION_ITEM,
    GET_CONTRACT,
    SEARCH_CONTRACTS,
    GET_OPPORTUNITY,
    SEARCH_OPPORTUNITIES,
    CREATE_OPPORTUNITY,
    UPDATE_OPPORTUNITY,
    GET_RESOURCE,
    SEARCH_RESOURCES,
    GET_FIELD_INFO,
];

/// The tools as policy sees them.
pub fn catalog() -> Vec<ToolMeta> {
    TOOLS.to_vec()
}

/// Every tool of this backend, with its declaration's annotations.
pub fn router() -> ToolRouter<HelpdeskOperator> {
    crate::mcp::declared(HelpdeskOperator::autotask_router(), TOOLS)
}

impl HelpdeskOperator {
    /// Every Autotask tool.
    pub fn autotask_router() -> ToolRouter<Self> {
        Self::autotask_tickets_router()
            + Self::autotask_companies_router()
            + Self::autotask_projects_router()
            + Self::autotask_time_router()
            + Self::autotask_records_router()
            + Self::autotask_reference_router()
    }
}

#[cfg(test)]
#[test]
fn every_tool_is_declared_once_and_routed() {
    crate::mcp::assert_declared(&HelpdeskOperator::autotask_router(), TOOLS);
}
