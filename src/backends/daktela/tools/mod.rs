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
use crate::policy::catalog::{OpKind, ToolMeta, canonicalize_as};
pub use params::*;

/// Declares one read tool: `decl!(CONST, "daktela_x", "Title", "entity", Params)`.
macro_rules! decl {
    ($c:ident, $name:literal, $title:literal, $entity:literal, $p:ty) => {
        #[doc = concat!("`", $name, "`.")]
        pub const $c: ToolMeta = ToolMeta {
            name: $name,
            backend: BACKEND,
            title: $title,
            operation: OpKind::Read,
            entity: $entity,
            destructive: false,
            idempotent: true,
            fields: &[],
            canonicalize: canonicalize_as::<$p>,
        };
    };
}

decl!(
    LIST_TICKETS,
    "daktela_list_tickets",
    "List Daktela tickets",
    "ticket",
    TicketListParams
);
decl!(
    COUNT_TICKETS,
    "daktela_count_tickets",
    "Count Daktela tickets",
    "ticket",
    TicketListParams
);
decl!(
    GET_TICKET,
    "daktela_get_ticket",
    "Get a Daktela ticket",
    "ticket",
    GetParams
);
decl!(
    GET_TICKET_DETAIL,
    "daktela_get_ticket_detail",
    "Get a Daktela ticket with its activities",
    "ticket",
    GetParams
);
decl!(
    LIST_ACCOUNT_TICKETS,
    "daktela_list_account_tickets",
    "List a Daktela account's tickets",
    "ticket",
    AccountTicketsParams
);
decl!(
    LIST_TICKET_CATEGORIES,
    "daktela_list_ticket_categories",
    "List Daktela ticket categories",
    "ticket_category",
    RefParams
);
decl!(
    LIST_ACTIVITIES,
    "daktela_list_activities",
    "List Daktela activities",
    "activity",
    ListParams
);
decl!(
    GET_ACTIVITY,
    "daktela_get_activity",
    "Get a Daktela activity",
    "activity",
    GetParams
);
decl!(
    LIST_CALLS,
    "daktela_list_calls",
    "List Daktela calls",
    "call",
    ListParams
);
decl!(
    GET_CALL,
    "daktela_get_call",
    "Get a Daktela call",
    "call",
    GetParams
);
decl!(
    GET_CALL_TRANSCRIPT,
    "daktela_get_call_transcript",
    "Get a Daktela call's transcript",
    "call",
    GetParams
);
decl!(
    LIST_CALL_TRANSCRIPTS,
    "daktela_list_call_transcripts",
    "List Daktela call transcripts",
    "transcript",
    ListParams
);
decl!(
    LIST_EMAILS,
    "daktela_list_emails",
    "List Daktela e-mails",
    "email",
    ListParams
);
decl!(
    GET_EMAIL,
    "daktela_get_email",
    "Get a Daktela e-mail",
    "email",
    GetParams
);
decl!(
    LIST_WEB_CHATS,
    "daktela_list_web_chats",
    "List Daktela web chat chats",
    "web_chat",
    ListParams
);
decl!(
    GET_WEB_CHAT,
    "daktela_get_web_chat",
    "Get a Daktela web chat",
    "web_chat",
    GetParams
);
decl!(
    LIST_SMS_CHATS,
    "daktela_list_sms_chats",
    "List Daktela SMS chats",
    "sms_chat",
    ListParams
);
decl!(
    GET_SMS,
    "daktela_get_sms",
    "Get a Daktela SMS chat",
    "sms_chat",
    GetParams
);
decl!(
    LIST_MESSENGER_CHATS,
    "daktela_list_messenger_chats",
    "List Daktela Messenger chats",
    "fbm_chat",
    ListParams
);
decl!(
    GET_MESSENGER_CHAT,
    "daktela_get_messenger_chat",
    "Get a Daktela Messenger chat",
    "fbm_chat",
    GetParams
);
decl!(
    LIST_INSTAGRAM_CHATS,
    "daktela_list_instagram_chats",
    "List Daktela Instagram chats",
    "igdm_chat",
    ListParams
);
decl!(
    GET_INSTAGRAM_CHAT,
    "daktela_get_instagram_chat",
    "Get a Daktela Instagram chat",
    "igdm_chat",
    GetParams
);
decl!(
    LIST_WHATSAPP_CHATS,
    "daktela_list_whatsapp_chats",
    "List Daktela WhatsApp chats",
    "wap_chat",
    ListParams
);
decl!(
    GET_WHATSAPP_CHAT,
    "daktela_get_whatsapp_chat",
    "Get a Daktela WhatsApp chat",
    "wap_chat",
    GetParams
);
decl!(
    LIST_VIBER_CHATS,
    "daktela_list_viber_chats",
    "List Daktela Viber chats",
    "vbr_chat",
    ListParams
);
decl!(
    GET_VIBER_CHAT,
    "daktela_get_viber_chat",
    "Get a Daktela Viber chat",
    "vbr_chat",
    GetParams
);
decl!(
    LIST_CONTACTS,
    "daktela_list_contacts",
    "List Daktela contacts",
    "contact",
    ListParams
);
decl!(
    GET_CONTACT,
    "daktela_get_contact",
    "Get a Daktela contact",
    "contact",
    GetParams
);
decl!(
    LIST_ACCOUNTS,
    "daktela_list_accounts",
    "List Daktela accounts",
    "account",
    ListParams
);
decl!(
    GET_ACCOUNT,
    "daktela_get_account",
    "Get a Daktela account",
    "account",
    GetParams
);
decl!(
    LIST_CRM_RECORDS,
    "daktela_list_crm_records",
    "List Daktela CRM records",
    "crm_record",
    ListParams
);
decl!(
    LIST_CAMPAIGN_RECORDS,
    "daktela_list_campaign_records",
    "List Daktela campaign records",
    "campaign_record",
    ListParams
);
decl!(
    LIST_CAMPAIGN_TYPES,
    "daktela_list_campaign_types",
    "List Daktela campaign types",
    "campaign_type",
    ListParams
);
decl!(
    LIST_QUEUES,
    "daktela_list_queues",
    "List Daktela queues",
    "queue",
    RefParams
);
decl!(
    LIST_USERS,
    "daktela_list_users",
    "List Daktela users",
    "user",
    RefParams
);
decl!(
    LIST_GROUPS,
    "daktela_list_groups",
    "List Daktela groups",
    "group",
    RefParams
);
decl!(
    LIST_PAUSES,
    "daktela_list_pauses",
    "List Daktela pauses",
    "pause",
    RefParams
);
decl!(
    LIST_STATUSES,
    "daktela_list_statuses",
    "List Daktela statuses",
    "status",
    RefParams
);
decl!(
    LIST_TEMPLATES,
    "daktela_list_templates",
    "List Daktela templates",
    "template",
    RefParams
);
decl!(
    LIST_REALTIME_SESSIONS,
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
