//! The django-helpdesk ticket tools: list, get, create, update, delete.
//!
//! Owns: each tool's flow (validate, resolve, core, render) and its messages. Must not: name
//! URL paths, query keys or upstream fields (the client and `models` do), or write except
//! through `Core::write`.

use rmcp::handler::server::common::schema_for_output;
use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};
use serde_json::{Value, json};

use super::super::client::{Choices, DjangoClient};
use super::super::models::{NewTicket, Ticket, TicketFilter, TicketPatch};
use super::super::resolve::{resolve_priority, resolve_queue, resolve_user};
use super::super::session::DjangoSession;
use super::params::{
    CreateTicketParams, DeleteTicketParams, ListTicketsParams, TicketIdParams, UpdateTicketParams,
    parse_due_date,
};
use super::render::{self, DeleteResult, TicketList, TicketResult};
use super::views::ticket_view;
use super::{CREATE_TICKET, DELETE_TICKET, GET_TICKET, LIST_TICKETS, UPDATE_TICKET};
use crate::backends::reconcile::{Wording, create_once};
use crate::error::{Error, ErrorKind, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{WriteRequest, WriteSpec, Written};
use crate::mcp::output::{read_tool, write_schema, write_tool};
use crate::mcp::params::Parameters;
use crate::policy::catalog::PolicyView;

const NOTHING_TO_CHANGE: &str = "nothing to change: give at least one of title, description, \
    priority, assigned_to, unassign, due_date, queue";

const STATUS_NOT_HERE: &str = "is not changed by this tool: call django_helpdesk_add_followup \
    with ticket_id, a comment and new_status (that records the change as the web UI does)";

const ANSWER_LOST: &str = "(django-helpdesk's answer was lost, so the ticket was looked up \
    instead of being sent again.)";

/// The list filter, names resolved to ids (`choices` is there whenever a queue or user is
/// given).
fn list_filter(
    p: &ListTicketsParams,
    statuses: Vec<i64>,
    choices: Option<&Choices>,
) -> Result<TicketFilter> {
    let none = Choices {
        queues: vec![],
        users: vec![],
    };
    let known = choices.unwrap_or(&none);
    let queue = p.queue.as_ref().map(|q| resolve_queue("queue", q, known));
    let user = p.assigned_to.as_ref();
    let assignee = user.map(|u| resolve_user("assigned_to", u, known));
    Ok(TicketFilter {
        statuses,
        queue: queue.transpose()?.map(|q| q.id),
        assigned_to: assignee.transpose()?.map(|u| u.id),
        search: p.search.clone(),
    })
}

async fn list_tickets(
    client: &DjangoClient,
    p: &ListTicketsParams,
    statuses: Vec<i64>,
) -> Result<TicketList> {
    let page = p.page.unwrap_or(1);
    let page_size = p.page_size.unwrap_or(25);
    let choices = if p.needs_view() {
        Some(client.choices(false).await?)
    } else {
        client.choices(false).await.ok()
    };
    let filter = list_filter(p, statuses, choices.as_deref())?;
    let (total, tickets) = if filter.needs_view() {
        let dt = client.filtered_tickets(&filter, page, page_size).await?;
        let rows = dt.data.iter().map(render::row_summary).collect();
        (dt.records_filtered, rows)
    } else {
        let listed = client.list_tickets(page, page_size, &filter.statuses).await;
        let page_data = match listed {
            Ok(pd) => pd,
            Err(e) if e.kind == ErrorKind::NotFound => {
                return Err(Error::invalid(
                    "page",
                    format!("page {page} is past the last page; start again at page 1"),
                ));
            }
            Err(e) => return Err(e),
        };
        let known = choices.as_deref();
        let rows = page_data.results.iter();
        let rows = rows.map(|t| render::ticket_summary(t, known)).collect();
        (page_data.count, rows)
    };
    Ok(render::ticket_list(
        &filter, page, page_size, total, tickets,
    ))
}

async fn get_ticket(client: &DjangoClient, id: i64) -> Result<TicketResult> {
    let (t, _) = client.get_ticket(id).await?;
    let choices = client.choices(false).await.ok();
    Ok(TicketResult {
        ticket: render::ticket_out(&t, choices.as_deref()),
        changes: vec![],
        message: String::new(),
    })
}

/// The update's fields before names are resolved (those need the helpdesk's choices).
fn patch_of(p: &UpdateTicketParams) -> Result<TicketPatch> {
    if p.status.is_some() {
        return Err(Error::invalid("status", STATUS_NOT_HERE));
    }
    if p.assigned_to.is_some() && p.unassign {
        return Err(Error::invalid(
            "unassign",
            "cannot be combined with assigned_to: give one of them",
        ));
    }
    let priority = p.priority.as_ref();
    let patch = TicketPatch {
        title: p.title.clone(),
        description: p.description.clone(),
        priority: priority
            .map(|v| resolve_priority("priority", v))
            .transpose()?,
        due_date: p.due_date.as_deref().map(parse_due_date).transpose()?,
        assigned_to: p.unassign.then_some(None),
        queue: None,
    };
    if patch.is_empty() && p.assigned_to.is_none() && p.queue.is_none() {
        return Err(Error::invalid("arguments", NOTHING_TO_CHANGE));
    }
    Ok(patch)
}

#[tool_router(router = django_helpdesk_tickets_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List django-helpdesk tickets, filtered by status, queue, assignee and text, one page at
    /// a time (lowest id first). Returns the total number of matches and the next page to ask
    /// for. Filtering by queue, assignee or text needs a session login (password auth).
    #[tool(
        output_schema = schema_for_output::<TicketList>()
    )]
    pub async fn django_helpdesk_list_tickets(
        &self,
        Parameters(p): Parameters<ListTicketsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            let statuses = p.statuses()?;
            self.core
                .read(&LIST_TICKETS, |s| async move {
                    list_tickets(s.django()?, &p, statuses).await
                })
                .await
        })
        .await
    }

    /// Get one django-helpdesk ticket with all its follow-ups, oldest first (the first one is
    /// the creation; its date is the ticket's created date).
    #[tool(
        output_schema = schema_for_output::<TicketResult>()
    )]
    pub async fn django_helpdesk_get_ticket(
        &self,
        Parameters(p): Parameters<TicketIdParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            let id = p.ticket_id;
            self.core
                .read(
                    &GET_TICKET,
                    |s| async move { get_ticket(s.django()?, id).await },
                )
                .await
        })
        .await
    }

    /// Create a django-helpdesk ticket. The description becomes the first (public) follow-up
    /// and the submitter is e-mailed. Requires an intent (set_agent_intent). Returns the new
    /// ticket with its id.
    #[tool(
        output_schema = write_schema::<TicketResult>()
    )]
    pub async fn django_helpdesk_create_ticket(
        &self,
        Parameters(p): Parameters<CreateTicketParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let due = p.due_date.as_deref().map(parse_due_date).transpose()?;
            let priority = p.priority.as_ref();
            let priority = priority
                .map(|v| resolve_priority("priority", v))
                .transpose()?;
            let session = self.core.session().await?;
            let client = session.django()?.clone();
            let choices = client.choices(false).await?;
            let queue = resolve_queue("queue", &p.queue, &choices)?;
            let assignee = p.assigned_to.as_ref();
            let assignee = assignee.map(|u| resolve_user("assigned_to", u, &choices));
            let assignee = assignee.transpose()?.map(|u| u.id);
            let new = NewTicket {
                queue: queue.id,
                title: p.title.clone(),
                description: p.description.clone(),
                priority: priority.unwrap_or(3),
                submitter_email: p.submitter_email.clone(),
                assigned_to: assignee,
                due_date: due,
            };
            let mut view = p.view()?;
            view["queue"] = json!(queue.id);
            if let Some(u) = assignee {
                view["assigned_to"] = json!(u);
            }
            let spec = WriteSpec::of(&CREATE_TICKET, &p, None, view);
            let check = format!(
                "check with django_helpdesk_list_tickets (search \"{}\") before creating it again.",
                p.title
            );
            let wording = Wording::new("ticket", "tickets", check).with_ids_of_several();
            self.core
                .create(spec, call, |_| async move {
                    let started = chrono::Utc::now();
                    let body = new.body();
                    let find = || client.find_created_tickets(&new, started);
                    let created = create_once(client.create_ticket(&body), &wording, find).await?;
                    let t: &Ticket = &created.object;
                    let mut message = format!("Created ticket #{} in queue {}.", t.id, queue.name);
                    if created.note.is_some() {
                        message = format!("{message} {ANSWER_LOST}");
                    }
                    Ok(Written {
                        target_id: Some(t.id.to_string()),
                        value: TicketResult {
                            message,
                            ticket: render::ticket_out(t, Some(&choices)),
                            changes: vec![],
                        },
                        after: Some(created.raw),
                        status: created.status,
                        note: created.note,
                    })
                })
                .await
        })
        .await
    }

    /// Change a django-helpdesk ticket's fields: title, description, priority, assignee, due
    /// date, queue. Returns the changes field by field. Status is not changed here: use
    /// django_helpdesk_add_followup with new_status. Requires an intent.
    #[tool(
        output_schema = write_schema::<TicketResult>()
    )]
    pub async fn django_helpdesk_update_ticket(
        &self,
        Parameters(p): Parameters<UpdateTicketParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let id = p.ticket_id;
            let mut patch = patch_of(&p)?;
            let session = self.core.session().await?;
            let client = session.django()?.clone();
            let mut view = p.view()?;
            if p.assigned_to.is_some() || p.queue.is_some() {
                let choices = client.choices(false).await?;
                if let Some(u) = &p.assigned_to {
                    let user = resolve_user("assigned_to", u, &choices)?.id;
                    patch.assigned_to = Some(Some(user));
                    view["assigned_to"] = json!(user);
                }
                if let Some(q) = &p.queue {
                    let queue = resolve_queue("queue", q, &choices)?.id;
                    patch.queue = Some(queue);
                    view["queue"] = json!(queue);
                }
            }
            let spec = WriteSpec::of(&UPDATE_TICKET, &p, Some(id), view).before(ticket_view);
            self.core
                .write(
                    spec,
                    call,
                    |s| async move { Ok(Some(s.django()?.get_ticket(id).await?.1)) },
                    |_, before| async move {
                        let (t, raw, status) = client.patch_ticket(id, &patch.body()).await?;
                        let before = before.unwrap_or(Value::Null);
                        let changes = render::changes(patch.changes(&before, &raw));
                        let choices = client.choices(false).await.ok();
                        let message = if changes.is_empty() {
                            format!("Ticket #{id} already had these values; nothing changed.")
                        } else {
                            let n = changes.len();
                            format!("Updated ticket #{id}: {n} field(s) changed.")
                        };
                        Ok(Written {
                            target_id: Some(id.to_string()),
                            after: Some(raw),
                            status: Some(status),
                            note: None,
                            value: TicketResult {
                                message,
                                ticket: render::ticket_out(&t, choices.as_deref()),
                                changes,
                            },
                        })
                    },
                )
                .await
        })
        .await
    }

    /// Delete a django-helpdesk ticket and all its follow-ups, permanently (there is no
    /// undo). The audit log keeps the ticket as it was. Requires an intent.
    #[tool(
        output_schema = write_schema::<DeleteResult>()
    )]
    pub async fn django_helpdesk_delete_ticket(
        &self,
        Parameters(p): Parameters<DeleteTicketParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let id = p.ticket_id;
            let spec = WriteSpec::of(&DELETE_TICKET, &p, Some(id), p.view()?).before(ticket_view);
            self.core
                .write(
                    spec,
                    call,
                    |s| async move { Ok(Some(s.django()?.get_ticket(id).await?.1)) },
                    |s, before| async move {
                        let status = s.django()?.delete_ticket(id).await?;
                        let before = before.as_ref().and_then(Ticket::from_raw);
                        let title = before.as_ref().map(|t| t.title.clone()).unwrap_or_default();
                        let followups = before.map_or(0, |t| t.followup_set.len());
                        Ok(Written {
                            target_id: Some(id.to_string()),
                            after: None,
                            status: Some(status),
                            note: None,
                            value: DeleteResult {
                                deleted_ticket_id: id,
                                message: format!(
                                    "Deleted ticket #{id} \"{title}\" and its {followups} \
                                     follow-up(s). The audit log keeps its last state."
                                ),
                                title,
                                followups_deleted: followups,
                            },
                        })
                    },
                )
                .await
        })
        .await
    }
}
