//! The ticket tools: list, search, get, create, update, delete and restore.
//!
//! Must not: know endpoint paths or Freshdesk's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};
use serde_json::{Map, Value, json};

use super::super::api::search::{self, CustomCondition, Quoted, TicketCriteria};
use super::super::api::{ListTicketsQuery, TicketInclude};
use super::super::models::{NewTicket, Refs, TicketChanges, TicketFields};
use super::super::session::FreshdeskSession;
use super::super::{resolve, shapes};
use super::params::*;
use super::render::{enrich, list_out, obj, search_out};
use super::views::ticket_view;
use super::{
    CREATE_TICKET, DELETE_TICKET, GET_TICKET, LIST_TICKETS, RESTORE_TICKET, SEARCH_TICKETS,
    UPDATE_TICKET,
};
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{WriteRequest, WriteSpec, Written};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::{IdOrName, OneOrMany, Parameters};
use crate::policy::catalog::PolicyView;

const NO_REQUESTER: &str = "the ticket needs a requester: give requester_email (Freshdesk \
    creates the contact if needed) or requester_id";
const UNASSIGN_AND_ASSIGN: &str = "cannot be combined with assigned_to: give one of them";
const NOTHING_TO_CHANGE: &str = "nothing to change: give at least one of subject, description, \
    status, priority, ticket_type, assigned_to, unassign, group, tags, custom_fields, due_by";
const EMPTY_LIST: &str = "an empty list matches nothing; leave it out";
const LAST_30_DAYS: &str =
    "Without updated_since, Freshdesk lists only tickets created in the last 30 days.";
const LOOKED_UP: &str =
    "(Freshdesk's answer was lost, so the ticket was looked up instead of being sent again.)";

/// What ticket create and update share, as the agent gave it.
#[derive(Default)]
struct TicketInput<'a> {
    status: Option<&'a IdOrName>,
    priority: Option<&'a IdOrName>,
    source: Option<&'a IdOrName>,
    ticket_type: Option<&'a str>,
    assigned_to: Option<&'a IdOrName>,
    group: Option<&'a IdOrName>,
    company: Option<&'a IdOrName>,
    tags: Option<&'a Vec<String>>,
    custom_fields: Option<&'a Map<String, Value>>,
    due_by: Option<&'a str>,
}

/// The [`TicketInput`] of create or update arguments (the fields both have).
macro_rules! ticket_input {
    ($p:expr) => {
        TicketInput {
            status: $p.status.as_ref(),
            priority: $p.priority.as_ref(),
            ticket_type: $p.ticket_type.as_deref(),
            assigned_to: $p.assigned_to.as_ref(),
            group: $p.group.as_ref(),
            tags: $p.tags.as_ref(),
            custom_fields: $p.custom_fields.as_ref(),
            due_by: $p.due_by.as_deref(),
            ..TicketInput::default()
        }
    };
}

impl TicketInput<'_> {
    /// Names to ids, checked against the account's reference data, in argument order.
    fn resolve(&self, refs: &Refs) -> Result<TicketFields> {
        Ok(TicketFields {
            status: self.status.map(|v| resolve::status(refs, v)).transpose()?,
            priority: self.priority.map(resolve::priority).transpose()?,
            source: self.source.map(resolve::source).transpose()?,
            ticket_type: self
                .ticket_type
                .map(|t| resolve::ticket_type(refs, t))
                .transpose()?,
            agent: self
                .assigned_to
                .map(|a| resolve::agent(refs, a))
                .transpose()?
                .map(Some),
            group: self.group.map(|g| resolve::group(refs, g)).transpose()?,
            company: self
                .company
                .map(|c| resolve::company(refs, c))
                .transpose()?,
            tags: self.tags.cloned(),
            custom_fields: self
                .custom_fields
                .map(|c| resolve::custom_fields(c, refs))
                .transpose()?,
            due_by: self
                .due_by
                .map(|d| parse_instant("due_by", d))
                .transpose()?,
        })
    }
}

/// The policy view with the resolved agent, group and company in place of what was given.
fn with_resolved(mut view: Value, f: &TicketFields) -> Value {
    let resolved = [
        ("assigned_to", f.agent.flatten()),
        ("group", f.group),
        ("company", f.company),
    ];
    for (k, id) in resolved {
        if let Some(id) = id {
            view[k] = json!(id);
        }
    }
    view
}

/// Status or priority values (a list means any of them); refused when given empty.
fn any_of(
    field: &str,
    given: &Option<OneOrMany<IdOrName>>,
    resolve: impl Fn(&IdOrName) -> Result<i64>,
) -> Result<Vec<i64>> {
    let Some(given) = given else {
        return Ok(vec![]);
    };
    let values = given
        .split_commas()
        .iter()
        .map(resolve)
        .collect::<Result<Vec<_>>>()?;
    if values.is_empty() {
        return Err(Error::invalid(field, EMPTY_LIST));
    }
    Ok(values)
}

fn day(field: &str, d: &Option<String>) -> Result<Option<chrono::NaiveDate>> {
    d.as_deref().map(|d| parse_day(field, d)).transpose()
}

/// The search arguments resolved and compiled to Freshdesk's query language.
pub(super) fn search_query(p: &SearchTicketsParams, refs: &Refs) -> Result<String> {
    let quoted = |field, v: &Option<String>| v.as_deref().map(|v| Quoted::new(field, v));
    let criteria = TicketCriteria {
        statuses: any_of("status", &p.status, |v| resolve::status(refs, v))?,
        priorities: any_of("priority", &p.priority, resolve::priority)?,
        agent: p
            .assigned_to
            .as_ref()
            .map(|a| resolve::agent(refs, a))
            .transpose()?,
        group: p
            .group
            .as_ref()
            .map(|g| resolve::group(refs, g))
            .transpose()?,
        tag: quoted("tag", &p.tag).transpose()?,
        ticket_type: quoted("ticket_type", &p.ticket_type).transpose()?,
        created_after: day("created_after", &p.created_after)?,
        created_before: day("created_before", &p.created_before)?,
        updated_after: day("updated_after", &p.updated_after)?,
        updated_before: day("updated_before", &p.updated_before)?,
        custom: match &p.custom_fields {
            Some(cf) => resolve::custom_fields(cf, refs)?
                .iter()
                .map(|(k, v)| CustomCondition::new(k, v))
                .collect::<Result<_>>()?,
            None => vec![],
        },
    };
    search::ticket_query(&criteria)
}

#[tool_router(router = freshdesk_tickets_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List Freshdesk tickets, newest first by default. Without updated_since Freshdesk only
    /// lists tickets created in the last 30 days. Follows next-page links when pages > 1.
    /// For conditions (status, priority, agent, group, tags, dates, custom fields) use
    /// freshdesk_search_tickets.
    #[tool(
        output_schema = shapes::list::<shapes::Ticket>()
    )]
    pub async fn freshdesk_list_tickets(
        &self,
        Parameters(p): Parameters<ListTicketsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            let since = p
                .updated_since
                .as_deref()
                .map(|d| parse_instant("updated_since", d))
                .transpose()?;
            self.read_with_refs(&LIST_TICKETS, |c, refs| async move {
                let company = p.company.as_ref();
                let q = ListTicketsQuery {
                    filter: p.filter,
                    requester_email: p.requester_email.clone(),
                    company: company.map(|co| resolve::company(&refs, co)).transpose()?,
                    updated_since: since.clone(),
                    order_by: p.order_by,
                    order_type: p.order_type,
                    include_description: p.include_description,
                    first_page: p.page.unwrap_or(1),
                    per_page: p.per_page.unwrap_or(30),
                    pages: p.pages.unwrap_or(1),
                };
                let mut page = c.list_tickets(&q).await?;
                page.items = page.items.into_iter().map(|t| enrich(&refs, t)).collect();
                let note = since.is_none().then(|| LAST_30_DAYS.to_string());
                Ok(list_out("tickets", page, note))
            })
            .await
        })
        .await
    }

    /// Search Freshdesk tickets by status, priority, agent, group, tag, type, creation and
    /// update dates, and custom fields (all conditions must hold; a list means any of them).
    /// Freshdesk returns 30 results per page and at most 10 pages (300 results).
    #[tool(
        output_schema = shapes::list::<shapes::Ticket>()
    )]
    pub async fn freshdesk_search_tickets(
        &self,
        Parameters(p): Parameters<SearchTicketsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            for (f, d) in [
                ("created_after", &p.created_after),
                ("created_before", &p.created_before),
                ("updated_after", &p.updated_after),
                ("updated_before", &p.updated_before),
            ] {
                day(f, d)?;
            }
            self.read_with_refs(&SEARCH_TICKETS, |c, refs| async move {
                let query = search_query(&p, &refs)?;
                let page = p.page.unwrap_or(1);
                let mut found = c.search_tickets(&query, page).await?;
                found.results = found
                    .results
                    .into_iter()
                    .map(|t| enrich(&refs, t))
                    .collect();
                Ok(search_out("tickets", found, page, query))
            })
            .await
        })
        .await
    }

    /// Get one Freshdesk ticket, optionally with its conversations (the oldest 10) and its
    /// requester. Ids are shown with names (status_name, agent_name, group_name, ...).
    #[tool(
        output_schema = shapes::object::<shapes::Ticket>()
    )]
    pub async fn freshdesk_get_ticket(
        &self,
        Parameters(p): Parameters<GetTicketParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            self.read_with_refs(&GET_TICKET, |c, refs| async move {
                let include = TicketInclude {
                    conversations: p.include_conversations,
                    requester: p.include_requester,
                };
                let t = c.get_ticket(p.ticket_id, include).await?;
                Ok(obj("ticket", enrich(&refs, t), String::new()))
            })
            .await
        })
        .await
    }

    /// Create a Freshdesk ticket for a requester (by e-mail, created if new, or by id), with
    /// status, priority, source, type, agent, group, company, tags and custom fields by name.
    /// Returns the new ticket with its id. Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_create_ticket(
        &self,
        Parameters(p): Parameters<CreateTicketParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            if p.requester_email.is_none() && p.requester_id.is_none() {
                return Err(Error::invalid("requester_email", NO_REQUESTER));
            }
            p.due_by
                .as_deref()
                .map(|d| parse_instant("due_by", d))
                .transpose()?;
            let (client, refs) = self.client_and_refs().await?;
            let open = IdOrName::Name("open".into());
            let low = IdOrName::Name("low".into());
            let portal = IdOrName::Name("portal".into());
            let input = ticket_input!(p);
            let fields = TicketInput {
                status: input.status.or(Some(&open)),
                priority: input.priority.or(Some(&low)),
                source: Some(p.source.as_ref().unwrap_or(&portal)),
                company: p.company.as_ref(),
                ..input
            }
            .resolve(&refs)?;
            let view = with_resolved(p.view()?, &fields);
            let ticket = NewTicket {
                subject: p.subject.clone(),
                description: p.description.clone(),
                requester_email: p.requester_email.clone(),
                requester_name: p.requester_name.clone(),
                requester_id: p.requester_id,
                cc_emails: p.cc_emails.clone(),
                fields,
            };
            let spec = WriteSpec::of(&CREATE_TICKET, &p, None, view);
            self.core
                .create(spec, call, |_| async move {
                    let created = client.create_ticket_once(&ticket).await?;
                    let id = created.id();
                    let message = match &created.note {
                        None => format!("Created ticket #{id}."),
                        Some(_) => format!("Created ticket #{id}. {LOOKED_UP}"),
                    };
                    let value = obj("ticket", enrich(&refs, created.object.clone()), message);
                    Ok(super::written(created, value, id))
                })
                .await
        })
        .await
    }

    /// Change a Freshdesk ticket: subject, description, status (this is how to resolve or
    /// close), priority, type, agent, group, tags, custom fields, due date. Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_update_ticket(
        &self,
        Parameters(p): Parameters<UpdateTicketParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            if p.assigned_to.is_some() && p.unassign {
                return Err(Error::invalid("unassign", UNASSIGN_AND_ASSIGN));
            }
            p.due_by
                .as_deref()
                .map(|d| parse_instant("due_by", d))
                .transpose()?;
            let (client, refs) = self.client_and_refs().await?;
            let mut changes = TicketChanges {
                subject: p.subject.clone(),
                description: p.description.clone(),
                fields: ticket_input!(p).resolve(&refs)?,
            };
            if p.unassign {
                changes.fields.agent = Some(None);
            }
            if changes.to_map().is_empty() {
                return Err(Error::invalid("arguments", NOTHING_TO_CHANGE));
            }
            let view = with_resolved(p.view()?, &changes.fields);
            let id = p.ticket_id;
            let spec = WriteSpec::of(&UPDATE_TICKET, &p, Some(id), view).before(ticket_view);
            let reader = client.clone();
            self.core
                .write(
                    spec,
                    call,
                    |_| async move { Ok(Some(reader.ticket_version(id).await?)) },
                    |_, before| async move {
                        let (t, status) = client.update_ticket(id, &changes).await?;
                        let changed = changes.changed(&before.unwrap_or(Value::Null), &t);
                        let message = if changed.is_empty() {
                            format!("Ticket #{id} already had these values; nothing changed.")
                        } else {
                            format!("Updated ticket #{id}: {}.", changed.join(", "))
                        };
                        let value = obj("ticket", enrich(&refs, t.clone()), message);
                        Ok(Written::new(
                            value,
                            Some(id.to_string()),
                            Some(t),
                            Some(status),
                        ))
                    },
                )
                .await
        })
        .await
    }

    /// Delete a Freshdesk ticket: it moves to the trash (restore it with
    /// freshdesk_restore_ticket). Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_delete_ticket(
        &self,
        Parameters(p): Parameters<TicketIdWrite>,
        request: WriteRequest,
    ) -> CallToolResponse {
        self.ticket_state_change(p, request, true).await
    }

    /// Restore a deleted Freshdesk ticket from the trash. Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Ticket>()
    )]
    pub async fn freshdesk_restore_ticket(
        &self,
        Parameters(p): Parameters<TicketIdWrite>,
        request: WriteRequest,
    ) -> CallToolResponse {
        self.ticket_state_change(p, request, false).await
    }
}

impl HelpdeskOperator {
    /// Delete (to the trash) or restore a ticket.
    async fn ticket_state_change(
        &self,
        p: TicketIdWrite,
        request: WriteRequest,
        delete: bool,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let id = p.ticket_id;
            let tool = if delete {
                &DELETE_TICKET
            } else {
                &RESTORE_TICKET
            };
            let spec = WriteSpec::of(tool, &p, Some(id), p.view()?).before(ticket_view);
            self.core
                .write(
                    spec,
                    call,
                    |s| async move { Ok(Some(s.freshdesk()?.ticket_version(id).await?)) },
                    |s, _| async move {
                        let c = s.freshdesk()?;
                        let status = if delete {
                            c.delete_ticket(id).await?
                        } else {
                            c.restore_ticket(id).await?
                        };
                        let after = c.get_ticket(id, TicketInclude::default()).await.ok();
                        let refs = c.refs(false).await?;
                        let message = if delete {
                            format!(
                                "Moved ticket #{id} to the trash. \
                                 freshdesk_restore_ticket brings it back."
                            )
                        } else {
                            format!("Restored ticket #{id} from the trash.")
                        };
                        let object = enrich(&refs, after.clone().unwrap_or(json!({"id": id})));
                        let value = obj("ticket", object, message);
                        Ok(Written::new(
                            value,
                            Some(id.to_string()),
                            after,
                            Some(status),
                        ))
                    },
                )
                .await
        })
        .await
    }
}
