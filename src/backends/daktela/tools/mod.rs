//! The Daktela v6 MCP tools, all read only: the original server's 40, each prefixed
//! `daktela_`: tickets, activities on every channel (calls with transcripts, e-mails, web,
//! SMS, Messenger, Instagram, WhatsApp, Viber), contacts, accounts, CRM and campaign records,
//! and the reference data (queues, users, groups, pauses, statuses, templates, categories).
//!
//! Owns: the declarations ([`TOOLS`], one `ToolMeta` per tool), the arguments (params.rs),
//! the output (render.rs, text.rs), and the tool bodies (lists.rs, on the steps of
//! engine.rs). Must not: know endpoint paths or Daktela's field names beyond the resource
//! table of `api.rs`, or reach Daktela except through the client.

mod detail;
mod engine;
mod lists;
pub mod params;
pub mod render;
pub mod text;

use rmcp::handler::server::router::tool::ToolRouter;

use super::BACKEND;
use crate::mcp::HelpdeskOperator;
use crate::policy::catalog::{ToolMeta, read_decl};
pub use params::*;

read_decl!(
    LIST_TICKETS,
    BACKEND,
    "daktela_list_tickets",
    "List Daktela tickets",
    "ticket",
    TicketListParams
);
read_decl!(
    COUNT_TICKETS,
    BACKEND,
    "daktela_count_tickets",
    "Count Daktela tickets",
    "ticket",
    TicketListParams
);
read_decl!(
    GET_TICKET,
    BACKEND,
    "daktela_get_ticket",
    "Get a Daktela ticket",
    "ticket",
    GetParams
);
read_decl!(
    GET_TICKET_DETAIL,
    BACKEND,
    "daktela_get_ticket_detail",
    "Get a Daktela ticket with its activities",
    "ticket",
    GetParams
);
read_decl!(
    LIST_ACCOUNT_TICKETS,
    BACKEND,
    "daktela_list_account_tickets",
    "List a Daktela account's tickets",
    "ticket",
    AccountTicketsParams
);
read_decl!(
    LIST_TICKET_CATEGORIES,
    BACKEND,
    "daktela_list_ticket_categories",
    "List Daktela ticket categories",
    "ticket_category",
    RefParams
);
read_decl!(
    LIST_ACTIVITIES,
    BACKEND,
    "daktela_list_activities",
    "List Daktela activities",
    "activity",
    ListParams
);
read_decl!(
    GET_ACTIVITY,
    BACKEND,
    "daktela_get_activity",
    "Get a Daktela activity",
    "activity",
    GetParams
);
read_decl!(
    LIST_CALLS,
    BACKEND,
    "daktela_list_calls",
    "List Daktela calls",
    "call",
    ListParams
);
read_decl!(
    GET_CALL,
    BACKEND,
    "daktela_get_call",
    "Get a Daktela call",
    "call",
    GetParams
);
read_decl!(
    GET_CALL_TRANSCRIPT,
    BACKEND,
    "daktela_get_call_transcript",
    "Get a Daktela call's transcript",
    "call",
    GetParams
);
read_decl!(
    LIST_CALL_TRANSCRIPTS,
    BACKEND,
    "daktela_list_call_transcripts",
    "List Daktela call transcripts",
    "transcript",
    ListParams
);
read_decl!(
    LIST_EMAILS,
    BACKEND,
    "daktela_list_emails",
    "List Daktela e-mails",
    "email",
    ListParams
);
read_decl!(
    GET_EMAIL,
    BACKEND,
    "daktela_get_email",
    "Get a Daktela e-mail",
    "email",
    GetParams
);
read_decl!(
    LIST_WEB_CHATS,
    BACKEND,
    "daktela_list_web_chats",
    "List Daktela web chat chats",
    "web_chat",
    ListParams
);
read_decl!(
    GET_WEB_CHAT,
    BACKEND,
    "daktela_get_web_chat",
    "Get a Daktela web chat",
    "web_chat",
    GetParams
);
read_decl!(
    LIST_SMS_CHATS,
    BACKEND,
    "daktela_list_sms_chats",
    "List Daktela SMS chats",
    "sms_chat",
    ListParams
);
read_decl!(
    GET_SMS,
    BACKEND,
    "daktela_get_sms",
    "Get a Daktela SMS chat",
    "sms_chat",
    GetParams
);
read_decl!(
    LIST_MESSENGER_CHATS,
    BACKEND,
    "daktela_list_messenger_chats",
    "List Daktela Messenger chats",
    "fbm_chat",
    ListParams
);
read_decl!(
    GET_MESSENGER_CHAT,
    BACKEND,
    "daktela_get_messenger_chat",
    "Get a Daktela Messenger chat",
    "fbm_chat",
    GetParams
);
read_decl!(
    LIST_INSTAGRAM_CHATS,
    BACKEND,
    "daktela_list_instagram_chats",
    "List Daktela Instagram chats",
    "igdm_chat",
    ListParams
);
read_decl!(
    GET_INSTAGRAM_CHAT,
    BACKEND,
    "daktela_get_instagram_chat",
    "Get a Daktela Instagram chat",
    "igdm_chat",
    GetParams
);
read_decl!(
    LIST_WHATSAPP_CHATS,
    BACKEND,
    "daktela_list_whatsapp_chats",
    "List Daktela WhatsApp chats",
    "wap_chat",
    ListParams
);
read_decl!(
    GET_WHATSAPP_CHAT,
    BACKEND,
    "daktela_get_whatsapp_chat",
    "Get a Daktela WhatsApp chat",
    "wap_chat",
    GetParams
);
read_decl!(
    LIST_VIBER_CHATS,
    BACKEND,
    "daktela_list_viber_chats",
    "List Daktela Viber chats",
    "vbr_chat",
    ListParams
);
read_decl!(
    GET_VIBER_CHAT,
    BACKEND,
    "daktela_get_viber_chat",
    "Get a Daktela Viber chat",
    "vbr_chat",
    GetParams
);
read_decl!(
    LIST_CONTACTS,
    BACKEND,
    "daktela_list_contacts",
    "List Daktela contacts",
    "contact",
    ListParams
);
read_decl!(
    GET_CONTACT,
    BACKEND,
    "daktela_get_contact",
    "Get a Daktela contact",
    "contact",
    GetParams
);
read_decl!(
    LIST_ACCOUNTS,
    BACKEND,
    "daktela_list_accounts",
    "List Daktela accounts",
    "account",
    ListParams
);
read_decl!(
    GET_ACCOUNT,
    BACKEND,
    "daktela_get_account",
    "Get a Daktela account",
    "account",
    GetParams
);
read_decl!(
    LIST_CRM_RECORDS,
    BACKEND,
    "daktela_list_crm_records",
    "List Daktela CRM records",
    "crm_record",
    ListParams
);
read_decl!(
    LIST_CAMPAIGN_RECORDS,
    BACKEND,
    "daktela_list_campaign_records",
    "List Daktela campaign records",
    "campaign_record",
    ListParams
);
read_decl!(
    LIST_CAMPAIGN_TYPES,
    BACKEND,
    "daktela_list_campaign_types",
    "List Daktela campaign types",
    "campaign_type",
    ListParams
);
read_decl!(
    LIST_QUEUES,
    BACKEND,
    "daktela_list_queues",
    "List Daktela queues",
    "queue",
    RefParams
);
read_decl!(
    LIST_USERS,
    BACKEND,
    "daktela_list_users",
    "List Daktela users",
    "user",
    RefParams
);
read_decl!(
    LIST_GROUPS,
    BACKEND,
    "daktela_list_groups",
    "List Daktela groups",
    "group",
    RefParams
);
read_decl!(
    LIST_PAUSES,
    BACKEND,
    "daktela_list_pauses",
    "List Daktela pauses",
    "pause",
    RefParams
);
read_decl!(
    LIST_STATUSES,
    BACKEND,
    "daktela_list_statuses",
    "List Daktela statuses",
    "status",
    RefParams
);
read_decl!(
    LIST_TEMPLATES,
    BACKEND,
    "daktela_list_templates",
    "List Daktela templates",
    "template",
    RefParams
);
read_decl!(
    LIST_REALTIME_SESSIONS,
    BACKEND,
    "daktela_list_realtime_sessions",
    "List Daktela realtime sessions",
    "realtime_session",
    ListParams
);

/// Every Daktela tool's declaration.
pub const TOOLS: &[ToolMeta] = &[
    LIST_TICKETS,
    COUNT_TICKETS,
    GET_TICKET,
    GET_TICKET_DETAIL,
    LIST_ACCOUNT_TICKETS,
    LIST_TICKET_CATEGORIES,
    LIST_ACTIVITIES,
    GET_ACTIVITY,
    LIST_CALLS,
    GET_CALL,
    GET_CALL_TRANSCRIPT,
    LIST_CALL_TRANSCRIPTS,
    LIST_EMAILS,
    GET_EMAIL,
    LIST_WEB_CHATS,
    GET_WEB_CHAT,
    LIST_SMS_CHATS,
    GET_SMS,
    LIST_MESSENGER_CHATS,
    GET_MESSENGER_CHAT,
    LIST_INSTAGRAM_CHATS,
    GET_INSTAGRAM_CHAT,
    LIST_WHATSAPP_CHATS,
    GET_WHATSAPP_CHAT,
    LIST_VIBER_CHATS,
    GET_VIBER_CHAT,
    LIST_CONTACTS,
    GET_CONTACT,
    LIST_ACCOUNTS,
    GET_ACCOUNT,
    LIST_CRM_RECORDS,
    LIST_CAMPAIGN_RECORDS,
    LIST_CAMPAIGN_TYPES,
    LIST_QUEUES,
    LIST_USERS,
    LIST_GROUPS,
    LIST_PAUSES,
    LIST_STATUSES,
    LIST_TEMPLATES,
    LIST_REALTIME_SESSIONS,
];

/// The tools as policy sees them.
pub fn catalog() -> Vec<ToolMeta> {
    TOOLS.to_vec()
}

/// Every tool of this backend, with its declaration's annotations.
pub fn router() -> ToolRouter<HelpdeskOperator> {
    crate::mcp::declared(HelpdeskOperator::daktela_lists_router(), TOOLS)
}

#[cfg(test)]
#[test]
fn every_tool_is_declared_once_and_routed() {
    assert_eq!(TOOLS.len(), 40);
    crate::mcp::assert_declared(&HelpdeskOperator::daktela_lists_router(), TOOLS);
}
