//! Conversations: a ticket's list, replies, notes, editing and deleting one.
//!
//! Owns: the conversation routes and how a new conversation updates its ticket's stats.
//! Must not: change a ticket's fields other than `updated_at` and its stats.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::errors::{ApiError, FieldError, check};
use super::input::{F, Input, Params, to_html};
use super::routes::Ctx;
use super::state::{Conversation, SUPPORT_EMAIL, Store};
use super::views::conversation_json;
use crate::sandbox::kit::paginate;
use crate::sandbox::kit::query::Query;
use crate::sandbox::kit::reply::Reply;
use crate::sandbox::kit::text::to_text;

impl Store {
    pub(super) fn list_conversations(
        &self,
        ctx: &Ctx<'_>,
        id: i64,
        q: &Query,
    ) -> Result<Reply, ApiError> {
        q.allow(&["page", "per_page"])?;
        let mut errors = Vec::new();
        let (page, per_page) = q.paging(&mut errors, None);
        check(errors)?;
        self.tickets.get(&id).ok_or(ApiError::NotFound)?;
        let (items, more) = paginate(self.conversations_of(id), page, per_page);
        let json = items.into_iter().map(conversation_json).collect();
        Ok(ctx.list(q, json, page, more))
    }

    /// Stores `c` with the next id and updates its ticket; 201 with the conversation.
    fn add_conversation(&mut self, ctx: &Ctx<'_>, mut c: Conversation) -> Reply {
        c.id = self.next_conversation;
        self.next_conversation += 1;
        c.created_at = ctx.now;
        c.updated_at = ctx.now;
        let agent = self.agents.contains_key(&c.user_id);
        if let Some(t) = self.tickets.get_mut(&c.ticket_id) {
            t.updated_at = ctx.now;
            if agent && !c.private {
                t.stats.agent_responded_at = Some(ctx.now);
                t.stats.first_responded_at.get_or_insert(ctx.now);
            }
            if c.incoming && c.user_id == t.requester_id {
                t.stats.requester_responded_at = Some(ctx.now);
            }
        }
        let json = conversation_json(&c);
        self.conversations.insert(c.id, c);
        Reply::json(StatusCode::CREATED, json)
    }

    pub(super) fn reply(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        let requester = self.live_ticket(id)?.requester_id;
        let mut inp = Input::new(
            map,
            &["body", "from_email", "user_id", "cc_emails", "bcc_emails"],
        );
        let body = body_of(&mut inp);
        let from_email = match inp.email("from_email") {
            F::Val(e) => e,
            _ => SUPPORT_EMAIL.to_string(),
        };
        let user_id = match inp.int("user_id") {
            F::Val(u) if self.agents.contains_key(&u) => u,
            F::Val(_) => {
                inp.push(FieldError::invalid(
                    "user_id",
                    "There is no agent matching the given user_id",
                ));
                self.me
            }
            _ => self.me,
        };
        let cc = match inp.emails("cc_emails") {
            F::Val(v) => v,
            _ => Vec::new(),
        };
        let bcc = match inp.emails("bcc_emails") {
            F::Val(v) => v,
            _ => Vec::new(),
        };
        inp.finish()?;
        let body = to_html(&body.unwrap_or_default());
        let c = Conversation {
            support_email: Some(SUPPORT_EMAIL.to_string()),
            category: 3,
            to_emails: self.user_email(requester).into_iter().collect(),
            from_email: Some(from_email),
            cc_emails: cc,
            bcc_emails: bcc,
            ..Conversation::new(id, user_id, body, ctx.now)
        };
        Ok(self.add_conversation(ctx, c))
    }

    pub(super) fn note(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        self.live_ticket(id)?;
        let mut inp = Input::new(
            map,
            &["body", "private", "incoming", "notify_emails", "user_id"],
        );
        let body = body_of(&mut inp);
        let private = match inp.flag("private") {
            F::Val(b) => b,
            _ => true,
        };
        let incoming = match inp.flag("incoming") {
            F::Val(b) => b,
            _ => false,
        };
        let notify = match inp.emails("notify_emails") {
            F::Val(v) => v,
            _ => Vec::new(),
        };
        let user_id = match inp.int("user_id") {
            F::Val(u) if self.user_exists(u) => u,
            F::Val(_) => {
                inp.push(FieldError::invalid(
                    "user_id",
                    "There is no user matching the given user_id",
                ));
                self.me
            }
            _ => self.me,
        };
        inp.finish()?;
        let body = to_html(&body.unwrap_or_default());
        let c = Conversation {
            incoming,
            private,
            source: 2,
            category: 2,
            to_emails: notify,
            ..Conversation::new(id, user_id, body, ctx.now)
        };
        Ok(self.add_conversation(ctx, c))
    }

    pub(super) fn update_conversation(
        &mut self,
        ctx: &Ctx<'_>,
        id: i64,
        map: &Map<String, Value>,
    ) -> Result<Reply, ApiError> {
        if !self.conversations.contains_key(&id) {
            return Err(ApiError::NotFound);
        }
        let mut inp = Input::new(map, &["body"]);
        let body = body_of(&mut inp);
        inp.finish()?;
        let me = self.me;
        let c = self.conversations.get_mut(&id).ok_or(ApiError::NotFound)?;
        c.body = to_html(&body.unwrap_or_default());
        c.body_text = to_text(&c.body);
        c.updated_at = ctx.now;
        c.last_edited_at = Some(ctx.now);
        c.last_edited_user_id = Some(me);
        Ok(Reply::ok(conversation_json(c)))
    }

    pub(super) fn delete_conversation(&mut self, id: i64) -> Result<Reply, ApiError> {
        self.conversations
            .remove(&id)
            .map(|_| Reply::empty(StatusCode::NO_CONTENT))
            .ok_or(ApiError::NotFound)
    }
}

/// The required `body` of a conversation request (missing when absent, `null` or blank).
fn body_of(inp: &mut Input<'_>) -> Option<String> {
    let body = inp.required_text("body");
    if !inp.has("body") {
        inp.push(FieldError::missing("body"));
    }
    body
}
