//! django-helpdesk's endpoints: one typed function per endpoint on [`DjangoClient`], the
//! lookups that reconcile an ambiguous create, and reading queues and users from the
//! browsable API's ticket form (there is no endpoint for them).
//!
//! Owns: URL paths, query keys and request bodies. Must not: know about MCP, policy or the
//! audit log; send anything except through the client's `call`/`json` (login, CSRF, retries).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use serde_json::Value;

use super::client::{DjangoClient, ForkProbe, parse_error};
use super::models::{
    Choice, Datatables, FollowUp, ForkSessionInfo, NewTicket, Page, Ticket, TicketFilter,
};
use crate::backends::http::Reply;
use crate::error::{Error, ErrorKind, Result};

/// How long queues and users read from the form are reused.
pub const CHOICES_TTL: Duration = Duration::from_secs(60);

/// How far before the send a reconciled object's date may be (clock skew).
const SKEW: chrono::Duration = chrono::Duration::seconds(5);

const TOKEN_AUTH_CANNOT_FILTER: &str = "filtering by queue, assigned_to or text needs a \
    session login, but this server uses token auth: set DJANGO_HELPDESK_USERNAME and \
    DJANGO_HELPDESK_PASSWORD, or filter by status only";

const AGENT_CANNOT_FILTER: &str = "this django-helpdesk restricts agent accounts to its API \
    (agent access control), so tickets cannot be filtered by queue, assigned_to or text here: \
    filter by status only, or use a staff account that is not an agent";

const NO_TICKET_FORM: &str = "django-helpdesk's browsable API did not include the ticket \
    form, so queues and users cannot be read; check that the account is staff and the \
    browsable API renderer is enabled";

const NOT_AN_AGENT: &str =
    "the instance has the agent-session endpoints, but this account is not an agent there";

/// Queues and users, as the browsable API's ticket form lists them.
#[derive(Debug, Clone)]
pub struct Choices {
    pub queues: Vec<Choice>,
    pub users: Vec<Choice>,
}

fn upstream_shape(what: &str, e: serde_json::Error) -> Error {
    Error::new(
        ErrorKind::Upstream,
        format!("{what} answered unexpectedly ({e})"),
    )
}

/// Whether an RFC 3339 date is at or after `since` (less the clock skew).
fn is_since(date: Option<&str>, since: chrono::DateTime<chrono::Utc>) -> bool {
    date.and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        .is_some_and(|d| d >= since - SKEW)
}

impl DjangoClient {
    /// `GET /api/tickets/?page&page_size&status=1,2`.
    pub async fn list_tickets(
        &self,
        page: u32,
        page_size: u32,
        statuses: &[i64],
    ) -> Result<Page<Ticket>> {
        let mut q = vec![
            ("page", page.to_string()),
            ("page_size", page_size.to_string()),
        ];
        if !statuses.is_empty() {
            let s: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
            q.push(("status", s.join(",")));
        }
        let (page, _, _) = self
            .json(Method::GET, "api/tickets/", &q, None, "the ticket list")
            .await?;
        Ok(page)
    }

    /// One page of the tickets a filter needing the datatables view matches.
    pub async fn filtered_tickets(
        &self,
        filter: &TicketFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Datatables> {
        let query = filter.datatables_query();
        self.datatables(&query, (page - 1) * page_size, page_size)
            .await
    }

    /// After an ambiguous create: the tickets that match the request (queue, title,
    /// description) and were created since `since`, newest last. Looks at the newest tickets
    /// (the REST list is ordered by id).
    pub async fn find_created_tickets(
        &self,
        new: &NewTicket,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        const PAGE: i64 = 25;
        let first: Page<Ticket> = self.list_tickets(1, 1, &[]).await?;
        if first.count == 0 {
            return Ok(vec![]);
        }
        let last = (first.count - 1) / PAGE + 1;
        let mut found = Vec::new();
        for page in [last - 1, last].into_iter().filter(|p| *p >= 1) {
            let q = [("page", page.to_string()), ("page_size", PAGE.to_string())];
            let (_, raw, _): (Page<Ticket>, Value, Reply) = self
                .json(Method::GET, "api/tickets/", &q, None, "the newest tickets")
                .await?;
            let results = raw.get("results").and_then(Value::as_array);
            for t in results.cloned().unwrap_or_default() {
                let created = t["followup_set"][0]["date"].as_str();
                if new.is(&t) && is_since(created, since) {
                    found.push(t);
                }
            }
        }
        Ok(found)
    }

    /// After an ambiguous follow-up: the follow-ups of the ticket with this comment, added
    /// since `since`.
    pub async fn find_created_followups(
        &self,
        ticket: i64,
        comment: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Value>> {
        let (_, raw) = self.get_ticket(ticket).await?;
        let followups = raw.get("followup_set").and_then(Value::as_array);
        let found = followups
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| {
                f.get("comment").and_then(Value::as_str) == Some(comment)
                    && is_since(f.get("date").and_then(Value::as_str), since)
            })
            .collect();
        Ok(found)
    }

    /// `GET /api/tickets/{id}/`: the ticket and its raw JSON (the audit image).
    pub async fn get_ticket(&self, id: i64) -> Result<(Ticket, Value)> {
        let path = format!("api/tickets/{id}/");
        let what = format!("ticket {id}");
        let (t, raw, _) = self.json(Method::GET, &path, &[], None, &what).await?;
        Ok((t, raw))
    }

    /// `POST /api/tickets/`.
    pub async fn create_ticket(&self, body: &Value) -> Result<(Ticket, Value, u16)> {
        let what = "the new ticket";
        let (t, raw, reply) = self
            .json(Method::POST, "api/tickets/", &[], Some(body), what)
            .await?;
        Ok((t, raw, reply.status))
    }

    /// `PATCH /api/tickets/{id}/`: a plain field update.
    pub async fn patch_ticket(&self, id: i64, body: &Value) -> Result<(Ticket, Value, u16)> {
        let path = format!("api/tickets/{id}/");
        let what = format!("ticket {id}");
        let (t, raw, reply) = self
            .json(Method::PATCH, &path, &[], Some(body), &what)
            .await?;
        Ok((t, raw, reply.status))
    }

    /// `DELETE /api/tickets/{id}/` (cascades to its follow-ups).
    pub async fn delete_ticket(&self, id: i64) -> Result<u16> {
        let path = format!("api/tickets/{id}/");
        let reply = self.call(Method::DELETE, &path, &[], None, false).await?;
        if reply.status == 204 || reply.is_success() {
            Ok(reply.status)
        } else {
            Err(parse_error(&reply, &format!("ticket {id}")))
        }
    }

    /// `POST /api/followups/`: goes through helpdesk's `update_ticket()`, like the web UI.
    pub async fn create_followup(&self, body: &Value) -> Result<(FollowUp, Value, u16)> {
        let what = "the follow-up";
        let (f, raw, reply) = self
            .json(Method::POST, "api/followups/", &[], Some(body), what)
            .await?;
        Ok((f, raw, reply.status))
    }

    /// The UI's session-only JSON endpoint, for filters the REST API lacks.
    pub async fn datatables(&self, query: &Value, start: u32, length: u32) -> Result<Datatables> {
        if !self.uses_session() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                TOKEN_AUTH_CANNOT_FILTER,
            ));
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(query.to_string());
        let q = [
            ("start", start.to_string()),
            ("length", length.to_string()),
            ("order[0][column]", "0".to_string()),
            ("order[0][dir]", "asc".to_string()),
        ];
        let path = format!("datatables_ticket_list/{encoded}");
        let reply = self.call(Method::GET, &path, &q, None, false).await?;
        if reply.status == 403 && reply.body.contains("AGENT_WEB_ACCESS_DENIED") {
            return Err(Error::new(ErrorKind::Forbidden, AGENT_CANNOT_FILTER).with_status(403));
        }
        if !reply.is_success() {
            return Err(parse_error(&reply, "the filtered ticket list"));
        }
        serde_json::from_str(&reply.body).map_err(|e| {
            Error::new(
                ErrorKind::Upstream,
                format!("django-helpdesk's filtered ticket list has an unexpected shape ({e})"),
            )
        })
    }

    /// Queues and users, from the `<select>`s of the browsable API's ticket form; cached for
    /// [`CHOICES_TTL`] unless `refresh` is set.
    /// Concurrent first calls share one fetch.
    pub async fn choices(&self, refresh: bool) -> Result<Arc<Choices>> {
        self.cached_choices()
            .get(refresh, || self.fetch_choices())
            .await
    }

    async fn fetch_choices(&self) -> Result<Choices> {
        let q = [("page_size", "1".to_string())];
        let reply = self
            .call(Method::GET, "api/tickets/", &q, None, true)
            .await?;
        if !reply.is_success() {
            let what = "the ticket form (for queues and users)";
            return Err(parse_error(&reply, what));
        }
        parse_choices(&reply.body)
    }

    /// Probes the agent-session fork's `GET /api/agent-session-info/`.
    pub async fn fork_session_info(&self) -> Result<ForkProbe> {
        let reply = self
            .call(Method::GET, "api/agent-session-info/", &[], None, false)
            .await?;
        fork_probe(reply)
    }

    /// The fork's `POST /api/set-agent-intent/`.
    pub async fn fork_set_intent(&self, intent: &str) -> Result<ForkSessionInfo> {
        let body = serde_json::json!({ "intent": intent });
        let path = "api/set-agent-intent/";
        let reply = self
            .call(Method::POST, path, &[], Some(&body), false)
            .await?;
        if !reply.is_success() {
            return Err(parse_error(&reply, "the intent"));
        }
        serde_json::from_str(&reply.body).map_err(|e| upstream_shape("set-agent-intent", e))
    }

    /// The fork's `POST /api/finish-agent-session/` (it also logs the user out).
    pub async fn fork_finish(&self) -> Result<ForkSessionInfo> {
        let body = serde_json::json!({});
        let path = "api/finish-agent-session/";
        let reply = self
            .call(Method::POST, path, &[], Some(&body), false)
            .await?;
        if !reply.is_success() {
            return Err(parse_error(&reply, "finishing the agent session"));
        }
        self.forget_session().await;
        serde_json::from_str(&reply.body).map_err(|e| upstream_shape("finish-agent-session", e))
    }
}

fn fork_probe(reply: Reply) -> Result<ForkProbe> {
    match reply.status {
        200 => serde_json::from_str(&reply.body)
            .map(ForkProbe::Present)
            .map_err(|e| upstream_shape("agent-session-info", e)),
        404 => Ok(ForkProbe::Absent),
        403 if reply.body.contains("Not an agent user") => {
            Ok(ForkProbe::NotAgent(NOT_AN_AGENT.into()))
        }
        _ => Err(parse_error(&reply, "the agent-session endpoint")),
    }
}

/// Reads queue and user `<option>`s from the browsable API's HTML form.
fn parse_choices(html: &str) -> Result<Choices> {
    let doc = scraper::Html::parse_document(html);
    let read = |name: &str| -> Result<Vec<Choice>> {
        let sel = scraper::Selector::parse(&format!("select[name=\"{name}\"] option"))
            .map_err(|e| Error::internal(format!("bad selector: {e}")))?;
        Ok(doc
            .select(&sel)
            .filter_map(|o| {
                let id = o.value().attr("value")?.trim().parse::<i64>().ok()?;
                let name = o.text().collect::<String>().trim().to_string();
                Some(Choice { id, name })
            })
            .collect())
    };
    let queues = read("queue")?;
    let users = read("assigned_to")?;
    if queues.is_empty() && !html.contains("name=\"queue\"") {
        return Err(Error::new(ErrorKind::Upstream, NO_TICKET_FORM));
    }
    Ok(Choices { queues, users })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_read_from_the_form() {
        let html = r#"<form><select class="form-control" name="queue"><option value="">---</option><option value="1">Support</option><option value="2">Billing &amp; Co</option></select>
        <select name="assigned_to"><option value="3">agent1</option></select></form>"#;
        let c = parse_choices(html).unwrap();
        assert_eq!(c.queues[1].name, "Billing & Co");
        assert_eq!(
            c.users[0],
            Choice {
                id: 3,
                name: "agent1".into()
            }
        );
    }

    #[test]
    fn filters_become_datatables_keys() {
        let f = TicketFilter {
            statuses: vec![1, 2],
            queue: Some(3),
            assigned_to: None,
            search: Some("printer".into()),
        };
        assert!(f.needs_view());
        assert_eq!(
            f.datatables_query(),
            serde_json::json!({
                "filtering": {"status__in": [1, 2], "queue__id__in": [3]},
                "search_string": "printer",
                "sorting": "id",
            })
        );
        assert!(!TicketFilter::default().needs_view());
    }
}
