//! The django-helpdesk follow-up tool: add a follow-up (internal note or public reply),
//! optionally changing the status and logging time.
//!
//! Owns: the tool's flow and the protection of template markers in comments. Must not: name
//! URL paths or upstream fields, or write except through `Core::write`.

use rmcp::model::CallToolResponse;
use rmcp::{tool, tool_router};
use serde_json::json;

use super::super::models::{FollowUp, NewFollowUp};
use super::super::resolve::resolve_status;
use super::super::session::DjangoSession;
use super::ADD_FOLLOWUP;
use super::params::{AddFollowupParams, parse_time_spent};
use super::render::{self, FollowupResult};
use super::views::ticket_view;
use crate::backends::reconcile::{Wording, create_once};
use crate::error::Error;
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{WriteRequest, WriteSpec, Written};
use crate::mcp::output::{write_schema, write_tool};
use crate::mcp::params::Parameters;
use crate::policy::catalog::PolicyView;

/// django-helpdesk renders a follow-up comment as a Django template (`{{ x }}` and `{# #}` are
/// substituted; `{% %}` is already neutralised upstream). This rewrites `{{` and `{#` so they
/// render as themselves: the stored comment is exactly what the agent wrote.
pub fn protect_template(comment: &str) -> String {
    let mut out = String::with_capacity(comment.len() + 16);
    let mut rest = comment;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("{{") {
            out.push_str("{{ \"{{\" }}");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{#") {
            out.push_str("{{ \"{#\" }}");
            rest = r;
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[tool_router(router = django_helpdesk_followups_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Add a follow-up to a django-helpdesk ticket: an internal note by default, or a public
    /// reply the submitter sees and is e-mailed (public=true). Optionally change the status
    /// (new_status; this is how to resolve or close a ticket) and log time. The ticket's title
    /// is never changed. Requires an intent.
    #[tool(
        output_schema = write_schema::<FollowupResult>()
    )]
    pub async fn django_helpdesk_add_followup(
        &self,
        Parameters(p): Parameters<AddFollowupParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            if p.comment.trim().is_empty() {
                return Err(Error::invalid("comment", "must not be blank"));
            }
            let new_status = p.new_status.as_ref();
            let new_status = new_status
                .map(|v| resolve_status("new_status", v))
                .transpose()?;
            let time_spent = p.time_spent.as_deref().map(parse_time_spent).transpose()?;
            let id = p.ticket_id;
            let comment = p.comment.clone();
            let new = NewFollowUp {
                ticket: id,
                comment: protect_template(&p.comment),
                public: p.public,
                new_status,
                time_spent,
            };
            let check = format!(
                "check ticket #{id} with django_helpdesk_get_ticket before adding it again."
            );
            let wording = Wording::new("follow-up", "follow-ups", check);
            let spec = WriteSpec::of(&ADD_FOLLOWUP, &p, Some(id), p.view()?).before(ticket_view);
            self.core
                .write(
                    spec,
                    call,
                    |s| async move { Ok(Some(s.django()?.get_ticket(id).await?.1)) },
                    |s, _| async move {
                        let client = s.django()?;
                        let started = chrono::Utc::now();
                        let body = new.body();
                        let find = || client.find_created_followups(id, &comment, started);
                        let created = create_once(client.create_followup(&body), &wording, find);
                        let created = created.await?;
                        let f: &FollowUp = &created.object;
                        let after_ticket = client.get_ticket(id).await.ok();
                        let choices = client.choices(false).await.ok();
                        let after = after_ticket.as_ref().map(|t| &t.0);
                        let value = render::followup_result(id, f, after, choices.as_deref());
                        let ticket = after_ticket.map(|t| t.1);
                        Ok(Written {
                            target_id: Some(id.to_string()),
                            after: Some(json!({"followup": created.raw, "ticket": ticket})),
                            status: created.status,
                            note: created.note,
                            value,
                        })
                    },
                )
                .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_markers_are_protected() {
        assert_eq!(protect_template("a {{ x }} b"), "a {{ \"{{\" }} x }} b");
        assert_eq!(protect_template("{# c #}"), "{{ \"{#\" }} c #}");
        assert_eq!(protect_template("plain é"), "plain é");
    }
}
