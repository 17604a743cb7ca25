//! The bodies of the 40 `daktela_*` tools: each validates its arguments, compiles and checks
//! its filters (engine.rs), reads through `Core::read`, and renders.
//!
//! Must not: write anything.

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::api;
use super::detail::{account_tickets, call_transcript, count_tickets, reference, ticket_detail};
use super::engine;
use super::params::{AccountTicketsParams, GetParams, ListParams, RefParams, TicketListParams};
use super::render::{CountOut, ListOut, RecordOut, RefOut};
use super::*;
use crate::mcp::HelpdeskOperator;
use crate::mcp::output::read_tool;
use crate::mcp::params::Parameters;

#[tool_router(router = daktela_lists_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// A page of Daktela tickets: filter by stage (OPEN, WAIT, CLOSE, ARCHIVE), priority (LOW,
    /// MEDIUM, HIGH), category and user (by name or title), text in the contact's or account's
    /// name or the title, and the creation date (date_to without a time means the end of that
    /// day). Every answer has the total and the next skip. Sort by: last_activity (default),
    /// created, edited, name, title, priority, stage, sla_deadtime, closed.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_tickets(
        &self,
        Parameters(p): Parameters<TicketListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_TICKETS, move |c| async move {
                engine::page(&c, &api::TICKETS, &engine::ticket_query(&c, &p).await?).await
            })
        })
        .await
    }

    /// How many Daktela tickets match the filters of daktela_list_tickets (one request, no
    /// records).
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<CountOut>())]
    pub async fn daktela_count_tickets(
        &self,
        Parameters(p): Parameters<TicketListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&COUNT_TICKETS, move |c| async move {
                count_tickets(&c, &p).await
            })
        })
        .await
    }

    /// One Daktela ticket by its number: title, stage, priority, category, user, contact and
    /// account (with names), dates, SLA, custom fields and a link to it in Daktela.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_ticket(&self, Parameters(p): Parameters<GetParams>) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_TICKET, move |c| async move {
                engine::one(&c, &api::TICKETS, &p.name).await
            })
        })
        .await
    }

    /// One Daktela ticket with its activities (calls, e-mails, chats, comments), oldest first.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_ticket_detail(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_TICKET_DETAIL, move |c| async move {
                ticket_detail(&c, &p).await
            })
        })
        .await
    }

    /// The tickets of one account (company), by the account's name or title, newest activity
    /// first; stage optional.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_account_tickets(
        &self,
        Parameters(p): Parameters<AccountTicketsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_ACCOUNT_TICKETS, move |c| async move {
                account_tickets(&c, &p).await
            })
        })
        .await
    }

    /// Daktela's ticket categories (name and title), cached five minutes; use either as category
    /// in daktela_list_tickets.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefOut>())]
    pub async fn daktela_list_ticket_categories(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_TICKET_CATEGORIES, move |c| async move {
                reference(&c, "ticketsCategories", &p).await
            })
        })
        .await
    }

    /// A page of Daktela activities (every channel): filter by type (CALL, EMAIL, CHAT, SMS, FBM,
    /// IGDM, WAP, VBR, COMMENT, ...), ticket, queue and user (by name or title), contact, title
    /// and time. Sort by: time (default), time_open, time_close, duration, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_activities(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_ACTIVITIES, move |c| async move {
                engine::page(
                    &c,
                    &api::ACTIVITIES,
                    &engine::list_query(&c, &api::ACTIVITIES, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela activity by its name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_activity(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_ACTIVITY, move |c| async move {
                engine::one(&c, &api::ACTIVITIES, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela calls: direction (in, out, internal), answered, queue and agent (by name
    /// or title), contact, the caller's number (search) and call time. Sort by: call_time
    /// (default), duration, waiting_time, id_call.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_calls(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_CALLS, move |c| async move {
                engine::page(
                    &c,
                    &api::CALLS,
                    &engine::list_query(&c, &api::CALLS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela call by its id_call: times, direction, queue, agent, caller, durations,
    /// causes.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_call(&self, Parameters(p): Parameters<GetParams>) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_CALL, move |c| async move {
                engine::one(&c, &api::CALLS, &p.name).await
            })
        })
        .await
    }

    /// A Daktela call with its transcript as dialogue (who said what, in order), by id_call.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_call_transcript(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_CALL_TRANSCRIPT, move |c| async move {
                call_transcript(&c, &p).await
            })
        })
        .await
    }

    /// Transcript lines across calls (or of one call's activity), by start time. Sort by: start
    /// (default), end.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_call_transcripts(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_CALL_TRANSCRIPTS, move |c| async move {
                engine::page(
                    &c,
                    &api::TRANSCRIPTS,
                    &engine::list_query(&c, &api::TRANSCRIPTS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// A page of Daktela e-mails: direction (in, out), answered, queue and user (by name or
    /// title), contact, subject and time; bodies cleaned (quoted replies and signatures folded,
    /// HTML as text). Sort by: time (default), duration, name, title.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_emails(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_EMAILS, move |c| async move {
                engine::page(
                    &c,
                    &api::EMAILS,
                    &engine::list_query(&c, &api::EMAILS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela e-mail by its name, the body cleaned for reading (the full text stays in
    /// record.text).
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_email(&self, Parameters(p): Parameters<GetParams>) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_EMAIL, move |c| async move {
                engine::one(&c, &api::EMAILS, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela web chat conversations: queue and user (by name or title), contact,
    /// title and time. Sort by: time (default), duration, wait_time, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_web_chats(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_WEB_CHATS, move |c| async move {
                engine::page(
                    &c,
                    &api::WEB_CHATS,
                    &engine::list_query(&c, &api::WEB_CHATS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela web chat by its name, with its text.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_web_chat(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_WEB_CHAT, move |c| async move {
                engine::one(&c, &api::WEB_CHATS, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela SMS conversations: queue and user (by name or title), contact, title and
    /// time. Sort by: time (default), duration, wait_time, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_sms_chats(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_SMS_CHATS, move |c| async move {
                engine::page(&c, &api::SMS, &engine::list_query(&c, &api::SMS, &p).await?).await
            })
        })
        .await
    }

    /// One Daktela SMS chat by its name, with its text.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_sms(&self, Parameters(p): Parameters<GetParams>) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_SMS, move |c| async move {
                engine::one(&c, &api::SMS, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela Messenger conversations: queue and user (by name or title), contact,
    /// title and time. Sort by: time (default), duration, wait_time, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_messenger_chats(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_MESSENGER_CHATS, move |c| async move {
                engine::page(
                    &c,
                    &api::MESSENGER,
                    &engine::list_query(&c, &api::MESSENGER, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela Messenger chat by its name, with its text.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_messenger_chat(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_MESSENGER_CHAT, move |c| async move {
                engine::one(&c, &api::MESSENGER, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela Instagram conversations: queue and user (by name or title), contact,
    /// title and time. Sort by: time (default), duration, wait_time, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_instagram_chats(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_INSTAGRAM_CHATS, move |c| async move {
                engine::page(
                    &c,
                    &api::INSTAGRAM,
                    &engine::list_query(&c, &api::INSTAGRAM, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela Instagram chat by its name, with its text.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_instagram_chat(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_INSTAGRAM_CHAT, move |c| async move {
                engine::one(&c, &api::INSTAGRAM, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela WhatsApp conversations: queue and user (by name or title), contact,
    /// title and time. Sort by: time (default), duration, wait_time, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_whatsapp_chats(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_WHATSAPP_CHATS, move |c| async move {
                engine::page(
                    &c,
                    &api::WHATSAPP,
                    &engine::list_query(&c, &api::WHATSAPP, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela WhatsApp chat by its name, with its text.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_whatsapp_chat(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_WHATSAPP_CHAT, move |c| async move {
                engine::one(&c, &api::WHATSAPP, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela Viber conversations: queue and user (by name or title), contact, title
    /// and time. Sort by: time (default), duration, wait_time, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_viber_chats(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_VIBER_CHATS, move |c| async move {
                engine::page(
                    &c,
                    &api::VIBER,
                    &engine::list_query(&c, &api::VIBER, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela Viber chat by its name, with its text.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_viber_chat(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_VIBER_CHAT, move |c| async move {
                engine::one(&c, &api::VIBER, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela contacts: text in the name (search) or the account's name, user,
    /// creation date. Sort by: title (default), lastname, created, edited, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_contacts(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_CONTACTS, move |c| async move {
                engine::page(
                    &c,
                    &api::CONTACTS,
                    &engine::list_query(&c, &api::CONTACTS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela contact by its name (key), with its account and custom fields.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_contact(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_CONTACT, move |c| async move {
                engine::one(&c, &api::CONTACTS, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela accounts (companies): text in the name (search), user, creation date.
    /// Sort by: title (default), created, edited, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_accounts(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_ACCOUNTS, move |c| async move {
                engine::page(
                    &c,
                    &api::ACCOUNTS,
                    &engine::list_query(&c, &api::ACCOUNTS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// One Daktela account by its name (key).
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RecordOut>())]
    pub async fn daktela_get_account(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&GET_ACCOUNT, move |c| async move {
                engine::one(&c, &api::ACCOUNTS, &p.name).await
            })
        })
        .await
    }

    /// A page of Daktela CRM records: stage (OPEN, CLOSE), user, contact, account, ticket, title
    /// and date. Sort by: created (default), edited, title, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_crm_records(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_CRM_RECORDS, move |c| async move {
                engine::page(
                    &c,
                    &api::CRM_RECORDS,
                    &engine::list_query(&c, &api::CRM_RECORDS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// A page of Daktela campaign records: user, contact and next call time. Sort by: nextcall
    /// (default), edited, created, name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_campaign_records(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_CAMPAIGN_RECORDS, move |c| async move {
                engine::page(
                    &c,
                    &api::CAMPAIGN_RECORDS,
                    &engine::list_query(&c, &api::CAMPAIGN_RECORDS, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// Daktela's campaign types, with their queue. Sort by: title (default), name.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_campaign_types(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_CAMPAIGN_TYPES, move |c| async move {
                engine::page(
                    &c,
                    &api::CAMPAIGN_TYPES,
                    &engine::list_query(&c, &api::CAMPAIGN_TYPES, &p).await?,
                )
                .await
            })
        })
        .await
    }

    /// Daktela's queues (name and title, and their settings), cached five minutes per instance
    /// and identity; names given to other tools resolve through them.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefOut>())]
    pub async fn daktela_list_queues(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_QUEUES, move |c| async move {
                reference(&c, "queues", &p).await
            })
        })
        .await
    }

    /// Daktela's users (name and title, and their settings), cached five minutes per instance and
    /// identity; names given to other tools resolve through them.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefOut>())]
    pub async fn daktela_list_users(&self, Parameters(p): Parameters<RefParams>) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_USERS, move |c| async move {
                reference(&c, "users", &p).await
            })
        })
        .await
    }

    /// Daktela's groups (name and title, and their settings), cached five minutes per instance
    /// and identity; names given to other tools resolve through them.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefOut>())]
    pub async fn daktela_list_groups(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_GROUPS, move |c| async move {
                reference(&c, "groups", &p).await
            })
        })
        .await
    }

    /// Daktela's pauses (name and title, and their settings), cached five minutes per instance
    /// and identity; names given to other tools resolve through them.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefOut>())]
    pub async fn daktela_list_pauses(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_PAUSES, move |c| async move {
                reference(&c, "pauses", &p).await
            })
        })
        .await
    }

    /// Daktela's statuses (name and title, and their settings), cached five minutes per instance
    /// and identity; names given to other tools resolve through them.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefOut>())]
    pub async fn daktela_list_statuses(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_STATUSES, move |c| async move {
                reference(&c, "statuses", &p).await
            })
        })
        .await
    }

    /// Daktela's templates (name and title, and their settings), cached five minutes per instance
    /// and identity; names given to other tools resolve through them.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<RefOut>())]
    pub async fn daktela_list_templates(
        &self,
        Parameters(p): Parameters<RefParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_TEMPLATES, move |c| async move {
                reference(&c, "templates", &p).await
            })
        })
        .await
    }

    /// Who is logged in now and in what state (Session, Idle, Paused), read live (not cached).
    /// Sort by: logintime (default), statetime, state, id_agent.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<ListOut>())]
    pub async fn daktela_list_realtime_sessions(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.dk_read(&LIST_REALTIME_SESSIONS, move |c| async move {
                engine::page(
                    &c,
                    &api::REALTIME,
                    &engine::list_query(&c, &api::REALTIME, &p).await?,
                )
                .await
            })
        })
        .await
    }
}
