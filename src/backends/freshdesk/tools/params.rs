//! The Freshdesk tools' arguments, as the agent sends them (their JSON schemas are the
//! tools' input schemas), and the parsing of their dates.
//!
//! Must not: resolve names (resolve.rs) or know Freshdesk's field names (models.rs).

use chrono::{DateTime, NaiveDate};
use serde_json::{Map, Value};

pub use super::super::models::{ContactState, ListFilter, OrderBy, OrderType};
use crate::error::{Error, Result};
use crate::mcp::output::{read_params, write_params};
use crate::mcp::params::{IdOrName, OneOrMany};

/// `YYYY-MM-DD` (for search).
pub fn parse_day(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        Error::invalid(
            field,
            format!("\"{s}\" is not a date; use YYYY-MM-DD, e.g. 2026-11-01"),
        )
    })
}

/// `YYYY-MM-DD` (midnight UTC) or a full date-time, as `2026-11-01T09:00:00Z`.
pub fn parse_instant(field: &str, s: &str) -> Result<String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(format!("{}T00:00:00Z", d.format("%Y-%m-%d")));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .map_err(|_| {
            Error::invalid(
                field,
                format!("\"{s}\" is not a date; use YYYY-MM-DD or 2026-11-01T09:00:00Z"),
            )
        })
}

read_params! {
    pub struct ListTicketsParams {
        /// A predefined view: new_and_my_open, watching, spam, or deleted (the trash).
        #[serde(default)]
        pub filter: Option<ListFilter>,
        /// Only tickets of this requester (e-mail address).
        #[serde(alias = "email")]
        #[serde(default)]
        #[validate(email)]
        pub requester_email: Option<String>,
        /// Only tickets of this company: id or name.
        #[serde(alias = "company_id")]
        #[serde(default)]
        pub company: Option<IdOrName>,
        /// Tickets updated since this date (YYYY-MM-DD or 2026-11-01T09:00:00Z). Without it,
        /// Freshdesk lists only tickets created in the last 30 days.
        #[serde(default)]
        pub updated_since: Option<String>,
        /// created_at (default), due_by, updated_at or status.
        #[serde(default)]
        pub order_by: Option<OrderBy>,
        /// desc (default) or asc.
        #[serde(default)]
        pub order_type: Option<OrderType>,
        /// Page to start at, 1-300 (default 1).
        #[serde(default)]
        #[validate(range(min = 1, max = 300))]
        pub page: Option<u32>,
        /// Tickets per page, 1-100 (default 30).
        #[serde(default)]
        #[validate(range(min = 1, max = 100))]
        pub per_page: Option<u32>,
        /// How many pages to read, following Freshdesk's next-page links (1-10, default 1).
        #[serde(default)]
        #[validate(range(min = 1, max = 10))]
        pub pages: Option<u32>,
        /// true: include each ticket's description (costs more output).
        #[serde(default)]
        pub include_description: bool,
    }
}

read_params! {
    pub struct SearchTicketsParams {
        /// Status name(s) or number(s): open, pending, resolved, closed (or a custom status).
        #[serde(default)]
        pub status: Option<OneOrMany<IdOrName>>,
        /// Priority name(s) or number(s): low, medium, high, urgent.
        #[serde(default)]
        pub priority: Option<OneOrMany<IdOrName>>,
        /// The assigned agent: name, e-mail or id.
        #[serde(alias = "agent_id")]
        #[serde(default)]
        pub assigned_to: Option<IdOrName>,
        /// The group: name or id.
        #[serde(alias = "group_id")]
        #[serde(default)]
        pub group: Option<IdOrName>,
        /// A tag the tickets carry.
        #[serde(default)]
        #[validate(length(min = 1, max = 100))]
        pub tag: Option<String>,
        /// The ticket type, e.g. "Incident".
        #[serde(alias = "type")]
        #[serde(default)]
        #[validate(length(min = 1, max = 100))]
        pub ticket_type: Option<String>,
        /// Created on or after this day (YYYY-MM-DD).
        #[serde(default)]
        pub created_after: Option<String>,
        /// Created on or before this day (YYYY-MM-DD).
        #[serde(default)]
        pub created_before: Option<String>,
        /// Updated on or after this day (YYYY-MM-DD).
        #[serde(default)]
        pub updated_after: Option<String>,
        /// Updated on or before this day (YYYY-MM-DD).
        #[serde(default)]
        pub updated_before: Option<String>,
        /// Custom fields to match, by name (e.g. {"category": "Hardware"}).
        #[serde(default)]
        pub custom_fields: Option<Map<String, Value>>,
        /// Result page, 1-10 (Freshdesk returns 30 per page and at most 10 pages: 300 results).
        #[serde(default)]
        #[validate(range(min = 1, max = 10))]
        pub page: Option<u32>,
    }
}

read_params! {
    pub struct GetTicketParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// true: include the conversations (Freshdesk embeds the oldest 10; use
        /// freshdesk_list_conversations for all).
        #[serde(default)]
        pub include_conversations: bool,
        /// true: include the requester (name, e-mail, phone).
        #[serde(default)]
        pub include_requester: bool,
    }
}

write_params! {
    pub struct TicketIdWrite {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
    }
}

write_params! {
    pub struct CreateTicketParams {
        /// A short summary, 1-255 characters.
        #[validate(length(min = 1, max = 255))]
        pub subject: String,
        /// The problem in full (HTML or plain text).
        #[validate(length(min = 1, max = 100000))]
        pub description: String,
        /// The requester's e-mail; Freshdesk creates the contact if it does not exist. Give this
        /// or requester_id.
        #[serde(alias = "email")]
        #[serde(default)]
        #[validate(email)]
        pub requester_email: Option<String>,
        /// The requester's name (used when Freshdesk creates the contact).
        #[serde(alias = "name")]
        #[serde(default)]
        #[validate(length(min = 1, max = 255))]
        pub requester_name: Option<String>,
        /// An existing contact's id, instead of requester_email.
        #[serde(default)]
        #[validate(range(min = 1))]
        pub requester_id: Option<i64>,
        /// open (default), pending, resolved, closed, or a custom status; or its number.
        #[serde(default)]
        pub status: Option<IdOrName>,
        /// low (default), medium, high, urgent; or 1-4.
        #[serde(default)]
        pub priority: Option<IdOrName>,
        /// email, portal (default), phone, chat, feedback_widget, outbound_email; or its number.
        #[serde(default)]
        pub source: Option<IdOrName>,
        /// The ticket type, e.g. "Incident" (see freshdesk_list_ticket_fields).
        #[serde(alias = "type")]
        #[serde(default)]
        pub ticket_type: Option<String>,
        /// Assign to this agent: name, e-mail or id.
        #[serde(alias = "responder_id")]
        #[serde(default)]
        pub assigned_to: Option<IdOrName>,
        /// The group: name or id.
        #[serde(alias = "group_id")]
        #[serde(default)]
        pub group: Option<IdOrName>,
        /// The company: name or id (default: the requester's).
        #[serde(alias = "company_id")]
        #[serde(default)]
        pub company: Option<IdOrName>,
        /// Tags to set.
        #[serde(default)]
        #[validate(custom(function = "crate::mcp::params::tag_list"))]
        pub tags: Option<Vec<String>>,
        /// Custom fields by name, e.g. {"category": "Hardware"}.
        #[serde(default)]
        pub custom_fields: Option<Map<String, Value>>,
        /// Addresses to copy on replies.
        #[serde(default)]
        #[validate(custom(function = "crate::mcp::params::address_list"))]
        pub cc_emails: Option<Vec<String>>,
        /// Due date: YYYY-MM-DD or a date-time.
        #[serde(default)]
        pub due_by: Option<String>,
    }
}

write_params! {
    pub struct UpdateTicketParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// New subject.
        #[serde(default)]
        #[validate(length(min = 1, max = 255))]
        pub subject: Option<String>,
        /// New description.
        #[serde(default)]
        #[validate(length(min = 1, max = 100000))]
        pub description: Option<String>,
        /// New status: open, pending, resolved, closed, a custom status, or its number.
        #[serde(default)]
        pub status: Option<IdOrName>,
        /// New priority: low, medium, high, urgent, or 1-4.
        #[serde(default)]
        pub priority: Option<IdOrName>,
        /// New ticket type.
        #[serde(alias = "type")]
        #[serde(default)]
        pub ticket_type: Option<String>,
        /// Reassign to this agent: name, e-mail or id. To unassign, use unassign=true.
        #[serde(alias = "responder_id")]
        #[serde(default)]
        pub assigned_to: Option<IdOrName>,
        /// true: remove the assigned agent.
        #[serde(default)]
        pub unassign: bool,
        /// Move to this group: name or id.
        #[serde(alias = "group_id")]
        #[serde(default)]
        pub group: Option<IdOrName>,
        /// Replace the tags with these.
        #[serde(default)]
        #[validate(custom(function = "crate::mcp::params::tag_list"))]
        pub tags: Option<Vec<String>>,
        /// Custom fields to change, by name.
        #[serde(default)]
        pub custom_fields: Option<Map<String, Value>>,
        /// New due date: YYYY-MM-DD or a date-time.
        #[serde(default)]
        pub due_by: Option<String>,
    }
}

read_params! {
    pub struct ListConversationsParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// Page, 1-based (default 1).
        #[serde(default)]
        #[validate(range(min = 1, max = 1000))]
        pub page: Option<u32>,
        /// Conversations per page, 1-100 (default 30).
        #[serde(default)]
        #[validate(range(min = 1, max = 100))]
        pub per_page: Option<u32>,
    }
}

write_params! {
    pub struct ReplyParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// The reply (HTML or plain text). The requester receives it by e-mail.
        #[validate(length(min = 1, max = 100000))]
        pub body: String,
        /// Extra addresses to copy.
        #[serde(default)]
        #[validate(custom(function = "crate::mcp::params::address_list"))]
        pub cc_emails: Option<Vec<String>>,
        /// Addresses to blind-copy.
        #[serde(default)]
        #[validate(custom(function = "crate::mcp::params::address_list"))]
        pub bcc_emails: Option<Vec<String>>,
    }
}

write_params! {
    pub struct NoteParams {
        /// The ticket's id.
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// The note (HTML or plain text).
        #[validate(length(min = 1, max = 100000))]
        pub body: String,
        /// true (default): only agents see it. false: the requester can see it too.
        #[serde(default = "yes")]
        pub private: bool,
        /// Agents' e-mail addresses to notify.
        #[serde(default)]
        #[validate(custom(function = "crate::mcp::params::address_list"))]
        pub notify_emails: Option<Vec<String>>,
    }
}

fn yes() -> bool {
    true
}

write_params! {
    pub struct UpdateNoteParams {
        /// The ticket the note belongs to (its conversations are read to see whether the note
        /// is public: rewriting what a customer can see needs confirmation).
        #[validate(range(min = 1))]
        pub ticket_id: i64,
        /// The note's (conversation's) id.
        #[validate(range(min = 1))]
        pub conversation_id: i64,
        /// The new text of the note.
        #[validate(length(min = 1, max = 100000))]
        pub body: String,
    }
}

read_params! {
    pub struct ListParams {
        /// Page, 1-based (default 1).
        #[serde(default)]
        #[validate(range(min = 1, max = 1000))]
        pub page: Option<u32>,
        /// Items per page, 1-100 (default 30).
        #[serde(default)]
        #[validate(range(min = 1, max = 100))]
        pub per_page: Option<u32>,
    }
}

read_params! {
    pub struct ListContactsParams {
        /// Only the contact with this e-mail.
        #[serde(default)]
        #[validate(email)]
        pub email: Option<String>,
        /// Only contacts with this phone number.
        #[serde(default)]
        #[validate(length(min = 3, max = 50))]
        pub phone: Option<String>,
        /// Only contacts of this company: name or id.
        #[serde(default)]
        pub company: Option<IdOrName>,
        /// blocked, deleted, unverified or verified.
        #[serde(default)]
        pub state: Option<ContactState>,
        /// Page, 1-based (default 1).
        #[serde(default)]
        #[validate(range(min = 1, max = 1000))]
        pub page: Option<u32>,
        /// Contacts per page, 1-100 (default 30).
        #[serde(default)]
        #[validate(range(min = 1, max = 100))]
        pub per_page: Option<u32>,
    }
}

read_params! {
    pub struct SearchContactsParams {
        /// Contacts with this e-mail.
        #[serde(default)]
        #[validate(email)]
        pub email: Option<String>,
        /// Contacts with this phone.
        #[serde(default)]
        #[validate(length(min = 3, max = 50))]
        pub phone: Option<String>,
        /// Contacts of this company: name or id.
        #[serde(default)]
        pub company: Option<IdOrName>,
        /// Created on or after this day (YYYY-MM-DD).
        #[serde(default)]
        pub created_after: Option<String>,
        /// Result page, 1-10 (30 per page).
        #[serde(default)]
        #[validate(range(min = 1, max = 10))]
        pub page: Option<u32>,
    }
}

read_params! {
    pub struct IdParams {
        /// The object's id.
        #[validate(range(min = 1))]
        pub id: i64,
    }
}

write_params! {
    pub struct ContactParams {
        /// The contact to change (updates only).
        #[serde(default)]
        #[validate(range(min = 1))]
        pub contact_id: Option<i64>,
        /// Full name (required to create).
        #[serde(default)]
        #[validate(length(min = 1, max = 255))]
        pub name: Option<String>,
        /// E-mail address (must be unique in the account).
        #[serde(default)]
        #[validate(email)]
        pub email: Option<String>,
        #[serde(default)]
        #[validate(length(min = 3, max = 50))]
        /// Phone number.
        pub phone: Option<String>,
        /// Mobile number.
        #[serde(default)]
        #[validate(length(min = 3, max = 50))]
        pub mobile: Option<String>,
        /// The company: name or id.
        #[serde(alias = "company_id")]
        #[serde(default)]
        pub company: Option<IdOrName>,
        /// Job title.
        #[serde(default)]
        #[validate(length(min = 1, max = 255))]
        pub job_title: Option<String>,
        /// Tags to set.
        #[serde(default)]
        #[validate(custom(function = "crate::mcp::params::tag_list"))]
        pub tags: Option<Vec<String>>,
    }
}

write_params! {
    pub struct CompanyParams {
        /// The company to change (updates only).
        #[serde(default)]
        #[validate(range(min = 1))]
        pub company_id: Option<i64>,
        /// Name (required to create; unique in the account).
        #[serde(default)]
        #[validate(length(min = 1, max = 255))]
        pub name: Option<String>,
        /// Description.
        #[serde(default)]
        #[validate(length(min = 1, max = 10000))]
        pub description: Option<String>,
        /// E-mail domains of the company's contacts, e.g. ["acme.com"].
        #[serde(default)]
        pub domains: Option<Vec<String>>,
        /// A note about the company.
        #[serde(default)]
        #[validate(length(min = 1, max = 10000))]
        pub note: Option<String>,
    }
}

read_params! {
    pub struct RefsParams {
        /// true: read the list again now instead of the copy cached for 5 minutes.
        #[serde(default)]
        pub refresh: bool,
    }
}
