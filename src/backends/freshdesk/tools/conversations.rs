//! The conversation tools: list a ticket's conversations, reply, add a note, change a note.
//!
//! Must not: know endpoint paths or Freshdesk's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};
use serde_json::json;

use super::super::models::{Note, NoteChange, Reply};
use super::super::session::FreshdeskSession;
use super::super::shapes;
use super::render::{FdObject, obj};
use super::views::{note_view, reply_view, ticket_view};
use super::{ADD_NOTE, LIST_CONVERSATIONS, REPLY_TO_TICKET, UPDATE_NOTE};
use super::{paging, params::*};
use crate::error::Result;
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Outcome, WriteRequest, WriteSpec};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::Parameters;
use crate::policy::catalog::PolicyView;

/// A reply or a note, to post to a ticket.
enum Post {
    Reply(Reply),
    Note(Note),
}

#[tool_router(router = freshdesk_conversations_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List a Freshdesk ticket's conversations (replies and notes), oldest first, one page
    /// at a time.
    #[tool(
        output_schema = shapes::list::<shapes::Conversation>()
    )]
    pub async fn freshdesk_list_conversations(
        &self,
        Parameters(p): Parameters<ListConversationsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            let (ticket, page) = (p.ticket_id, paging(p.page, p.per_page));
            self.list_page(&LIST_CONVERSATIONS, "conversations", move |c| async move {
                c.list_conversations(ticket, page).await
            })
        })
        .await
    }

    /// Reply to a Freshdesk ticket: the requester receives it by e-mail (customer-visible).
    /// Requires an intent; the default policy asks for confirmation.
    #[tool(
        output_schema = shapes::write::<shapes::Conversation>()
    )]
    pub async fn freshdesk_reply_to_ticket(
        &self,
        Parameters(p): Parameters<ReplyParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let reply = Reply {
                body: p.body.clone(),
                cc_emails: p.cc_emails.clone(),
                bcc_emails: p.bcc_emails.clone(),
            };
            let spec = WriteSpec::of(&REPLY_TO_TICKET, &p, Some(p.ticket_id), p.view()?);
            let spec = spec.before(reply_view);
            self.post(p.ticket_id, Post::Reply(reply), spec, call).await
        })
        .await
    }

    /// Add a note to a Freshdesk ticket: private (agents only) unless private=false.
    /// Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Conversation>()
    )]
    pub async fn freshdesk_add_note(
        &self,
        Parameters(p): Parameters<NoteParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let note = Note {
                body: p.body.clone(),
                private: p.private,
                notify_emails: p.notify_emails.clone(),
            };
            let spec = WriteSpec::of(&ADD_NOTE, &p, Some(p.ticket_id), p.view()?);
            let spec = spec.before(ticket_view);
            self.post(p.ticket_id, Post::Note(note), spec, call).await
        })
        .await
    }

    /// Change the text of a note on a Freshdesk ticket (only notes created through the API).
    /// Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Conversation>()
    )]
    pub async fn freshdesk_update_note(
        &self,
        Parameters(p): Parameters<UpdateNoteParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let id = p.conversation_id;
            let ticket = p.ticket_id;
            let spec = WriteSpec::of(&UPDATE_NOTE, &p, Some(ticket), p.view()?).before(note_view);
            let change = NoteChange {
                body: p.body.clone(),
            };
            self.core
                .write(
                    spec,
                    call,
                    |s| async move { Ok(Some(s.freshdesk()?.conversation(ticket, id).await?)) },
                    |s, _| async move {
                        let c = s.freshdesk()?.update_conversation(id, &change).await?;
                        let c = super::updated(c);
                        let message = format!("Updated note #{id}.");
                        let value = obj("conversation", c.object.clone(), message);
                        Ok(super::written(c, value, id))
                    },
                )
                .await
        })
        .await
    }
}

impl HelpdeskOperator {
    /// Posts a reply or note to a ticket, once (see `reconcile`). The before image is the
    /// ticket with its requester: a reply's recipients are part of what is confirmed.
    async fn post(
        &self,
        ticket: i64,
        post: Post,
        spec: WriteSpec,
        call: CallCtx,
    ) -> Result<Outcome<FdObject>> {
        self.core
            .write(
                spec,
                call,
                |s| async move { Ok(Some(s.freshdesk()?.ticket_with_requester(ticket).await?)) },
                |s, _| async move {
                    let c = s.freshdesk()?;
                    let created = match &post {
                        Post::Reply(r) => c.reply_once(ticket, r).await?,
                        Post::Note(n) => c.add_note_once(ticket, n).await?,
                    };
                    let what = match post {
                        Post::Reply(_) => "reply",
                        Post::Note(_) if created.object["private"] == json!(false) => "public note",
                        Post::Note(_) => "private note",
                    };
                    let message = format!("Added {what} #{} to ticket #{ticket}.", created.id());
                    let value = obj("conversation", created.object.clone(), message);
                    Ok(super::written(created, value, ticket))
                },
            )
            .await
    }
}
