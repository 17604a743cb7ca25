//! The Autotask tools' arguments, as the agent sends them (their JSON schemas are the tools'
//! input schemas). Picklist values are given by the instance's label (or number); companies,
//! resources, contacts, projects and contracts by id or name.
//!
//! Must not: resolve anything or know Autotask's field names (models.rs maps the parameters).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::super::api::query::Condition;
use crate::mcp::output::{read_params, write_params};
use crate::mcp::params::IdOrName;

read_params! {
    /// One object by id.
    pub struct GetParams {
        /// The object's id.
        #[validate(range(min = 1))]
        pub id: i64,
    }
}

read_params! {
    /// A ticket by id or by ticket number.
    pub struct GetTicketParams {
        /// The ticket's id (a number) ...
        #[serde(default)]
        #[validate(range(min = 1))]
        pub ticket_id: Option<i64>,
        /// ... or its ticket number, e.g. T20261202.0001.
        #[serde(default)]
        #[validate(length(min = 3, max = 40))]
        pub ticket_number: Option<String>,
        /// Also list the ticket's notes.
        #[serde(default)]
        pub include_notes: bool,
    }
}

/// What every search takes besides its own filters.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate)]
pub struct Paging {
    /// Structured conditions, all of which must hold (see the tool description for the
    /// operators); picklists by label, references by id or name.
    #[serde(default)]
    #[validate(length(max = 50))]
    pub conditions: Vec<Condition>,
    /// Rows per page, 1-500 (default 50).
    #[serde(default)]
    #[validate(range(min = 1, max = 500))]
    pub max_records: Option<u32>,
    /// The next_page a previous call with the same conditions returned.
    #[serde(default)]
    #[validate(length(min = 8, max = 4000))]
    pub next_page: Option<String>,
    /// Also count every match (one more request).
    #[serde(default)]
    pub include_total: bool,
    /// Only these fields in each row (Autotask field names or the tool's parameter names; the
    /// id is always there): smaller rows, so more of a page fits in one answer.
    #[serde(default)]
    #[validate(length(max = 40))]
    pub fields: Vec<String>,
}

read_params! {
    pub struct SearchTicketsParams {
        /// Status label(s) of this instance, e.g. "New" or ["New", "In Progress"].
        #[serde(default)]
        pub status: Option<Vec<IdOrName>>,
        /// Only tickets that are not complete (whatever this instance calls Complete).
        #[serde(default)]
        pub open_only: bool,
        /// Priority label(s), e.g. "High".
        #[serde(default)]
        pub priority: Option<Vec<IdOrName>>,
        /// Queue label(s), e.g. "Level I Support".
        #[serde(default)]
        pub queue: Option<Vec<IdOrName>>,
        /// The company, by id or exact name.
        #[serde(default)]
        pub company: Option<IdOrName>,
        /// The assigned resource, by id or name ("Ada Lovelace").
        #[serde(default)]
        pub assigned_to: Option<IdOrName>,
        /// Only tickets without an assigned resource.
        #[serde(default)]
        pub unassigned: bool,
        /// The contact, by id.
        #[serde(default)]
        pub contact: Option<IdOrName>,
        /// Words the title contains.
        #[serde(default)]
        #[validate(length(min = 1, max = 200))]
        pub title_contains: Option<String>,
        /// Created on or after this date (ISO 8601, UTC).
        #[serde(default)]
        pub created_after: Option<String>,
        /// Created before this date (ISO 8601, UTC).
        #[serde(default)]
        pub created_before: Option<String>,
        #[serde(flatten)]
        #[validate(nested)]
        pub paging: Paging,
    }
}

read_params! {
    pub struct SearchParams {
        /// Text the name contains (company name; contact or resource first name, last name or
        /// e-mail; project, task, contract or opportunity title or name; configuration item
        /// reference title or serial number; time entry summary).
        #[serde(default)]
        #[validate(length(min = 1, max = 200))]
        pub query: Option<String>,
        /// Only rows of this company (by id or exact name), where the entity has a company.
        #[serde(default)]
        pub company: Option<IdOrName>,
        /// Only active rows, where the entity has isActive.
        #[serde(default)]
        pub active_only: bool,
        #[serde(flatten)]
        #[validate(nested)]
        pub paging: Paging,
    }
}

read_params! {
    pub struct SearchTimeEntriesParams {
        /// Only time on this ticket.
        #[serde(default)]
        pub ticket_id: Option<i64>,
        /// Only time on this task.
        #[serde(default)]
        pub task_id: Option<i64>,
        /// Only time of this resource (id or name).
        #[serde(default)]
        pub resource: Option<IdOrName>,
        /// Worked on or after this date (ISO 8601).
        #[serde(default)]
        pub date_from: Option<String>,
        /// Worked on or before this date (ISO 8601).
        #[serde(default)]
        pub date_to: Option<String>,
        #[serde(flatten)]
        #[validate(nested)]
        pub paging: Paging,
    }
}

read_params! {
    pub struct ListNotesParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
    }
}

read_params! {
    pub struct FieldInfoParams {
        /// The entity: tickets, ticket notes, companies, contacts, projects, tasks, time
        /// entries, configuration items, contracts, opportunities, resources.
        #[validate(length(min = 3, max = 40))]
        pub entity: String,
        /// Only this field (an Autotask field name or a tool parameter name).
        #[serde(default)]
        pub field: Option<String>,
        /// Read the metadata again instead of the cached copy.
        #[serde(default)]
        pub refresh: bool,
    }
}

/// The ticket fields create and update share.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct TicketFields {
    /// Title.
    #[serde(default)]
    #[validate(length(min = 1, max = 255))]
    pub title: Option<String>,
    /// Description (plain text).
    #[serde(default)]
    #[validate(length(max = 8000))]
    pub description: Option<String>,
    /// A status label of this instance (autotask_get_field_info entity=tickets lists them).
    #[serde(default)]
    pub status: Option<IdOrName>,
    /// A priority label of this instance.
    #[serde(default)]
    pub priority: Option<IdOrName>,
    /// A queue label of this instance.
    #[serde(default)]
    pub queue: Option<IdOrName>,
    /// The contact (id).
    #[serde(default)]
    pub contact: Option<IdOrName>,
    /// The resource to assign (id or name); its default service desk role is used unless
    /// assigned_role is given.
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// The role the resource works the ticket in (id or name).
    #[serde(default)]
    pub assigned_role: Option<IdOrName>,
    /// A ticket type label (Service Request, Incident, ...).
    #[serde(default)]
    pub ticket_type: Option<IdOrName>,
    /// An issue type label of this instance.
    #[serde(default)]
    pub issue_type: Option<IdOrName>,
    /// A sub-issue type label (belonging to the issue type).
    #[serde(default)]
    pub sub_issue_type: Option<IdOrName>,
    /// A source label (Phone, Email, ...).
    #[serde(default)]
    pub source: Option<IdOrName>,
    /// Due date-time, ISO 8601 (UTC).
    #[serde(default)]
    pub due: Option<String>,
    /// Estimated hours.
    #[serde(default)]
    #[validate(range(min = 0.0, max = 10000.0))]
    pub estimated_hours: Option<f64>,
    /// The contract (id or exact name).
    #[serde(default)]
    pub contract: Option<IdOrName>,
    /// How it was resolved.
    #[serde(default)]
    #[validate(length(max = 8000))]
    pub resolution: Option<String>,
}

write_params! {
    pub struct CreateTicketParams {
        /// The company (id or exact name).
        pub company: IdOrName,
        #[serde(flatten)]
        #[validate(nested)]
        pub fields: TicketFields,
    }
}

write_params! {
    pub struct UpdateTicketParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// Move the ticket to another company.
        #[serde(default)]
        pub company: Option<IdOrName>,
        #[serde(flatten)]
        #[validate(nested)]
        pub fields: TicketFields,
    }
}

/// Who can see a note.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Only the instance's internal users (default).
    #[default]
    Internal,
    /// Published to everyone, including the customer's contacts (needs confirmation).
    Customer,
}

write_params! {
    pub struct AddNoteParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// The note's text.
        #[validate(length(min = 1, max = 32000))]
        pub description: String,
        /// Its title (default: the start of the text).
        #[serde(default)]
        #[validate(length(min = 1, max = 250))]
        pub title: Option<String>,
        /// internal (default) or customer.
        #[serde(default)]
        pub visibility: Visibility,
        /// A note type label of this instance (default: the instance's default).
        #[serde(default)]
        pub note_type: Option<IdOrName>,
    }
}

/// Create and update arguments of an entity: `$create` has `$required` plus the fields,
/// `$update` the id plus the fields.
macro_rules! create_update {
    ($create:ident { $($required:tt)* }, $update:ident($id:ident), $fields:ty) => {
        write_params! {
            pub struct $create {
                $($required)*
                #[serde(flatten)]
                #[validate(nested)]
                pub fields: $fields,
            }
        }
        write_params! {
            pub struct $update {
                /// The id of the object to change.
                #[validate(range(min = 1))]
                pub $id: i64,
                #[serde(flatten)]
                #[validate(nested)]
                pub fields: $fields,
            }
        }
    };
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct CompanyFields {
    /// The company's name (required to create).
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    pub name: Option<String>,
    /// A company type label of this instance (default: the instance's default).
    #[serde(default)]
    pub company_type: Option<IdOrName>,
    /// Phone number.
    #[serde(default)]
    #[validate(length(max = 25))]
    pub phone: Option<String>,
    /// The account manager (resource id or name; default: the API user).
    #[serde(default)]
    pub owner: Option<IdOrName>,
    /// Active (true) or inactive (false).
    #[serde(default)]
    pub active: Option<bool>,
    /// Street address.
    #[serde(default)]
    #[validate(length(max = 128))]
    pub address1: Option<String>,
    /// Second address line.
    #[serde(default)]
    #[validate(length(max = 128))]
    pub address2: Option<String>,
    /// City.
    #[serde(default)]
    #[validate(length(max = 30))]
    pub city: Option<String>,
    /// State or region.
    #[serde(default)]
    #[validate(length(max = 40))]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default)]
    #[validate(length(max = 10))]
    pub postal_code: Option<String>,
    /// Web site.
    #[serde(default)]
    #[validate(length(max = 255))]
    pub web_address: Option<String>,
    /// The parent company (id or exact name).
    #[serde(default)]
    pub parent_company: Option<IdOrName>,
}

write_params! {
    pub struct CreateCompanyParams {
        #[serde(flatten)]
        #[validate(nested)]
        pub fields: CompanyFields,
    }
}

write_params! {
    pub struct UpdateCompanyParams {
        /// The company's id.
        #[validate(range(min = 1))]
        pub company_id: i64,
        #[serde(flatten)]
        #[validate(nested)]
        pub fields: CompanyFields,
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct ContactFields {
    /// First name.
    #[serde(default)]
    #[validate(length(min = 1, max = 50))]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    #[validate(length(min = 1, max = 50))]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    #[validate(email)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    #[validate(length(max = 25))]
    pub phone: Option<String>,
    /// Mobile phone number.
    #[serde(default)]
    #[validate(length(max = 25))]
    pub mobile_phone: Option<String>,
    /// Job title.
    #[serde(default)]
    #[validate(length(max = 50))]
    pub title: Option<String>,
    /// Active (default true on create).
    #[serde(default)]
    pub active: Option<bool>,
    /// The company's primary contact.
    #[serde(default)]
    pub primary_contact: Option<bool>,
}

create_update!(
    CreateContactParams {
        /// The contact's company (id or exact name).
        pub company: IdOrName,
    },
    UpdateContactParams(contact_id),
    ContactFields
);

write_params! {
    pub struct DeleteParams {
        /// The id of the object to delete.
        #[validate(range(min = 1))]
        pub id: i64,
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct ProjectFields {
    /// The project's name (required to create).
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    pub name: Option<String>,
    /// A project status label (default: the instance's default).
    #[serde(default)]
    pub status: Option<IdOrName>,
    /// A project type label (default: the instance's default).
    #[serde(default)]
    pub project_type: Option<IdOrName>,
    /// Start, ISO 8601 (required to create).
    #[serde(default)]
    pub start: Option<String>,
    /// End, ISO 8601, not before the start (required to create).
    #[serde(default)]
    pub end: Option<String>,
    /// The project lead (resource id or name).
    #[serde(default)]
    pub lead: Option<IdOrName>,
    /// The contract (id or exact name).
    #[serde(default)]
    pub contract: Option<IdOrName>,
    /// Description (plain text).
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub description: Option<String>,
    /// Estimated hours.
    #[serde(default)]
    #[validate(range(min = 0.0, max = 100000.0))]
    pub estimated_hours: Option<f64>,
}

create_update!(
    CreateProjectParams {
        /// The project's company (id or exact name).
        pub company: IdOrName,
    },
    UpdateProjectParams(project_id),
    ProjectFields
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct TaskFields {
    /// The task's title (required to create).
    #[serde(default)]
    #[validate(length(min = 1, max = 255))]
    pub title: Option<String>,
    /// Description (plain text).
    #[serde(default)]
    #[validate(length(max = 8000))]
    pub description: Option<String>,
    /// A task status label (default: the instance's default).
    #[serde(default)]
    pub status: Option<IdOrName>,
    /// A task type label (default: the instance's default).
    #[serde(default)]
    pub task_type: Option<IdOrName>,
    /// The resource to assign (id or name, "Ada Lovelace"); for tickets its default service
    /// desk role is used unless assigned_role is given.
    #[serde(default)]
    pub assigned_to: Option<IdOrName>,
    /// The role the resource works in (id or name of a role it has).
    #[serde(default)]
    pub assigned_role: Option<IdOrName>,
    /// Estimated hours.
    #[serde(default)]
    #[validate(range(min = 0.0, max = 10000.0))]
    pub estimated_hours: Option<f64>,
    /// Start, ISO 8601 (UTC).
    #[serde(default)]
    pub start: Option<String>,
    /// End, ISO 8601 (UTC), not before the start.
    #[serde(default)]
    pub end: Option<String>,
}

create_update!(
    CreateTaskParams {
        /// The task's project (id or exact name).
        pub project: IdOrName,
    },
    UpdateTaskParams(task_id),
    TaskFields
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct TimeEntryFields {
    /// Who worked (resource id or name; default: the API user's resource).
    #[serde(default)]
    pub resource: Option<IdOrName>,
    /// The role worked in (default: the resource's default service desk role).
    #[serde(default)]
    pub role: Option<IdOrName>,
    /// The day worked, ISO 8601 (default: today, UTC).
    #[serde(default)]
    pub date_worked: Option<String>,
    /// Start, ISO 8601 (UTC).
    #[serde(default)]
    pub start: Option<String>,
    /// End, ISO 8601 (UTC), not before the start.
    #[serde(default)]
    pub end: Option<String>,
    /// Hours worked, more than 0 and at most 24 (or give start and end).
    #[serde(default)]
    #[validate(range(exclusive_min = 0.0, max = 24.0))]
    pub hours_worked: Option<f64>,
    /// Hours to bill (default: as worked).
    #[serde(default)]
    #[validate(range(min = 0.0, max = 24.0))]
    pub hours_to_bill: Option<f64>,
    /// What was done (required to create).
    #[serde(default)]
    #[validate(length(min = 1, max = 8000))]
    pub summary: Option<String>,
    /// Notes only the company sees.
    #[serde(default)]
    #[validate(length(max = 8000))]
    pub internal_notes: Option<String>,
    /// Not billable.
    #[serde(default)]
    pub non_billable: Option<bool>,
    /// The contract (id or exact name).
    #[serde(default)]
    pub contract: Option<IdOrName>,
}

create_update!(
    CreateTimeEntryParams {
        /// The ticket the time is for (give this or task_id).
        #[serde(default)]
        pub ticket_id: Option<i64>,
        /// The task the time is for.
        #[serde(default)]
        pub task_id: Option<i64>,
    },
    UpdateTimeEntryParams(time_entry_id),
    TimeEntryFields
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct ConfigurationItemFields {
    /// Its reference title (required to create).
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// The product (id or name; required to create).
    #[serde(default)]
    pub product: Option<IdOrName>,
    /// Serial number.
    #[serde(default)]
    #[validate(length(max = 100))]
    pub serial_number: Option<String>,
    /// Reference number.
    #[serde(default)]
    #[validate(length(max = 100))]
    pub reference_number: Option<String>,
    /// A configuration item type label.
    #[serde(default)]
    pub item_type: Option<IdOrName>,
    /// Active (default true on create).
    #[serde(default)]
    pub active: Option<bool>,
    /// Install date, ISO 8601.
    #[serde(default)]
    pub install_date: Option<String>,
    /// Warranty expiration date, ISO 8601.
    #[serde(default)]
    pub warranty_expiration: Option<String>,
    /// The contact (id).
    #[serde(default)]
    pub contact: Option<IdOrName>,
    /// Where it is.
    #[serde(default)]
    #[validate(length(max = 100))]
    pub location: Option<String>,
    /// Notes.
    #[serde(default)]
    #[validate(length(max = 8000))]
    pub notes: Option<String>,
}

create_update!(
    CreateConfigurationItemParams {
        /// The company it belongs to (id or exact name).
        pub company: IdOrName,
    },
    UpdateConfigurationItemParams(configuration_item_id),
    ConfigurationItemFields
);

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, Validate, PartialEq)]
pub struct OpportunityFields {
    /// Its title (required to create).
    #[serde(default)]
    #[validate(length(min = 1, max = 128))]
    pub title: Option<String>,
    /// The contact (id).
    #[serde(default)]
    pub contact: Option<IdOrName>,
    /// The owner (resource id or name; default: the API user).
    #[serde(default)]
    pub owner: Option<IdOrName>,
    /// Amount (default 0 on create).
    #[serde(default)]
    #[validate(range(min = 0.0))]
    pub amount: Option<f64>,
    /// Cost (default 0 on create).
    #[serde(default)]
    #[validate(range(min = 0.0))]
    pub cost: Option<f64>,
    /// Probability in percent (default 50 on create).
    #[serde(default)]
    #[validate(range(min = 0, max = 100))]
    pub probability: Option<i64>,
    /// Projected close date, ISO 8601 (required to create).
    #[serde(default)]
    pub projected_close: Option<String>,
    /// A stage label (default: the instance's default).
    #[serde(default)]
    pub stage: Option<IdOrName>,
    /// A status label (default: the instance's default).
    #[serde(default)]
    pub status: Option<IdOrName>,
    /// Take amount and cost from the quote.
    #[serde(default)]
    pub use_quote_totals: Option<bool>,
    /// Description (plain text).
    #[serde(default)]
    #[validate(length(max = 8000))]
    pub description: Option<String>,
}

create_update!(
    CreateOpportunityParams {
        /// The company (id or exact name).
        pub company: IdOrName,
    },
    UpdateOpportunityParams(opportunity_id),
    OpportunityFields
);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Flattened parts (the paging, an entity's fields) must not let a misspelt argument
    /// through unnoticed.
    #[test]
    fn unknown_arguments_are_refused_through_flattened_parts() {
        let cases = [
            json!({"stauts": "New"}),
            json!({"conditions": [], "max_record": 5}),
        ];
        for c in cases {
            let r = serde_json::from_value::<SearchTicketsParams>(c.clone());
            assert!(r.is_err(), "{c} was accepted");
        }
        let r = serde_json::from_value::<UpdateTicketParams>(
            json!({"ticket_id": 1, "prioirty": "High"}),
        );
        assert!(r.is_err(), "a misspelt field was accepted");
        let ok = serde_json::from_value::<UpdateTicketParams>(
            json!({"ticket_id": 1, "priority": "High", "response_format": "json"}),
        );
        assert!(ok.is_ok(), "{ok:?}");
    }
}
