//! The ticket tools: search, get (by display or internal id), list with real paging, and a
//! ticket's posts and staff notes.
//!
//! Must not: write anything, or know endpoint paths (they are in `api.rs`).

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::api::{self, ListFilter, Order, SearchIn, TicketRef};
use super::super::models::Refs;
use super::params::{
    GetTicketParams, ListTicketsParams, SearchTicketsParams, SortOrder, StaffOrNone,
    TicketNotesParams, TicketPostsParams,
};
use super::render::{NoteOut, NotesOut, PostOut, PostsOut, TicketListOut, TicketOut};
use super::{GET_NOTES, GET_POSTS, GET_TICKET, LIST_TICKETS, SEARCH_TICKETS};
use crate::backends::resolve::{Lookup, resolve_named};
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::output::read_tool;
use crate::mcp::params::{IdOrName, Parameters};

/// The ticket an agent named, as a reference (no upstream call).
fn ticket_ref(v: &IdOrName) -> Result<TicketRef> {
    match v {
        IdOrName::Id(n) => Ok(TicketRef::Internal(*n)),
        IdOrName::Name(s) => TicketRef::parse("ticket_id", s),
    }
}

/// The `ListAll` filter for the arguments, names resolved through `refs`.
fn list_filter(p: &ListTicketsParams, refs: &Refs) -> Result<ListFilter> {
    let departments = match &p.department_id {
        Some(d) => {
            let known: Vec<_> = refs.ticket_departments().cloned().collect();
            vec![resolve_named(
                "department_id",
                d,
                &known,
                &Lookup::new("ticket department", "kayako_get_departments"),
            )?]
        }
        None => refs.ticket_departments().map(|d| d.id).collect(),
    };
    if departments.is_empty() {
        return Err(Error::new(
            crate::error::ErrorKind::NotFound,
            "Kayako has no ticket departments, so it has no tickets to list",
        ));
    }
    let status = match &p.status_id {
        Some(s) => Some(resolve_named(
            "status_id",
            s,
            &refs.statuses,
            &Lookup::new("ticket status", "kayako_get_ticket_statuses"),
        )?),
        None => None,
    };
    let owner = match &p.owner_staff_id {
        None => None,
        Some(StaffOrNone::Id(0)) => Some(0),
        Some(StaffOrNone::Id(n)) if *n < 0 => {
            return Err(Error::invalid(
                "owner_staff_id",
                format!("{n} is not a staff id: give a staff id or name, or 0 for unassigned"),
            ));
        }
        Some(StaffOrNone::Id(n)) => Some(resolve_named(
            "owner_staff_id",
            &IdOrName::Id(*n),
            &refs.staff,
            &Lookup::new("staff member", "kayako_list_staff"),
        )?),
        Some(StaffOrNone::Name(s)) => Some(resolve_named(
            "owner_staff_id",
            &IdOrName::Name(s.clone()),
            &refs.staff,
            &Lookup::new("staff member", "kayako_list_staff"),
        )?),
    };
    Ok(ListFilter {
        departments,
        status,
        owner,
        user: p.user_id,
    })
}

/// The sort field, checked against Kayako's (which sorts anything else by ticket id, silently).
fn sort_field(given: Option<&str>) -> Result<&'static str> {
    let given = given.unwrap_or("lastactivity").trim();
    api::SORT_FIELDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(given))
        .copied()
        .ok_or_else(|| {
            Error::invalid(
                "sort_field",
                format!(
                    "{given:?} is not a field Kayako sorts by: use one of {}",
                    api::SORT_FIELDS.join(", ")
                ),
            )
        })
}

#[tool_router(router = kayako_tickets_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Search Kayako tickets. By default the query is looked for in subjects and display ids
    /// (search_subject) and in the contents (search_contents: subject, requester name and
    /// e-mail, notes and post text); search_notes, search_user_email and search_user_name
    /// widen it. Kayako returns at most its search result limit (a helpdesk setting), all at
    /// once: limit and offset page through those, and the answer says how many were found,
    /// whether more exist and the next offset. Names come next to every id.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<TicketListOut>())]
    pub async fn kayako_search_tickets(
        &self,
        Parameters(p): Parameters<SearchTicketsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.ky_read(&SEARCH_TICKETS, move |c| async move {
                let within = SearchIn {
                    contents: p.search_contents,
                    subject: p.search_subject,
                    notes: p.search_notes,
                    user_email: p.search_user_email,
                    user_name: p.search_user_name,
                };
                if !(within.contents
                    || within.subject
                    || within.notes
                    || within.user_email
                    || within.user_name)
                {
                    return Err(Error::invalid(
                        "search_contents",
                        "every search_* flag is false, so nothing would be searched: set at \
                         least one (search_contents and search_subject are true by default)",
                    ));
                }
                let (found, refs) = tokio::try_join!(
                    api::search(&c, p.query.trim(), within),
                    api::refs(&c, false)
                )?;
                let total = found.len() as u64;
                let cp = c.staff_cp_url();
                let page: Vec<TicketOut> = found
                    .iter()
                    .skip(usize::try_from(p.offset).unwrap_or(usize::MAX))
                    .take(p.limit as usize)
                    .map(|t| TicketOut::new(t, &refs, &cp, false))
                    .collect();
                let more = p.offset + (page.len() as u64) < total;
                Ok(TicketListOut::new(page, Some(total), p.offset, more))
            })
        })
        .await
    }

    /// One Kayako ticket by its display id (ABC-123-45678) or internal id: subject, status,
    /// priority, type, department, owner, requester and organisation (names next to ids),
    /// dates, tags, the number of staff notes and a link to the staff control panel; with
    /// include_posts, its posts oldest first. An unknown id is an error naming it.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<TicketOut>())]
    pub async fn kayako_get_ticket(
        &self,
        Parameters(p): Parameters<GetTicketParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.ky_read(&GET_TICKET, move |c| async move {
                let id = ticket_ref(&p.ticket_id)?;
                let (t, refs) = tokio::try_join!(api::ticket(&c, &id), api::refs(&c, false))?;
                Ok(TicketOut::new(
                    &t,
                    &refs,
                    &c.staff_cp_url(),
                    p.include_posts,
                ))
            })
        })
        .await
    }

    /// A page of Kayako tickets (without posts), filtered by department, status, owner
    /// (0 = unassigned) and requester (ids or names), sorted by sort_field (default
    /// lastactivity) in sort_order (default DESC). Without department_id every ticket
    /// department is listed; without status_id every status not marked resolved. The answer
    /// says how many match in all, whether more exist and the next offset.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<TicketListOut>())]
    pub async fn kayako_list_tickets(
        &self,
        Parameters(p): Parameters<ListTicketsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.ky_read(&LIST_TICKETS, move |c| async move {
                let sort = sort_field(p.sort_field.as_deref())?;
                let refs = api::refs(&c, false).await?;
                let filter = list_filter(&p, &refs)?;
                let order = match p.sort_order {
                    SortOrder::ASC => Order::Asc,
                    SortOrder::DESC => Order::Desc,
                };
                let (tickets, total) = tokio::try_join!(
                    api::list_tickets(&c, &filter, p.limit, p.offset, sort, order),
                    api::ticket_count(&c, &filter)
                )?;
                let cp = c.staff_cp_url();
                let page: Vec<TicketOut> = tickets
                    .iter()
                    .map(|t| TicketOut::new(t, &refs, &cp, false))
                    .collect();
                let more = match total {
                    Some(n) => p.offset + (page.len() as u64) < n,
                    None => page.len() as u32 == p.limit,
                };
                Ok(TicketListOut::new(page, total, p.offset, more))
            })
        })
        .await
    }

    /// A Kayako ticket's posts (the requester's and staff replies), oldest first, with
    /// authors, dates, private flags and attachment names; by display id or internal id.
    /// Long threads are paged by the output limit: the answer then gives the next offset.
    /// Kayako drops invisible format characters (such as emoji joiners) from this listing;
    /// kayako_get_ticket with include_posts has the text exactly as written.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<PostsOut>())]
    pub async fn kayako_get_ticket_posts(
        &self,
        Parameters(p): Parameters<TicketPostsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.ky_read(&GET_POSTS, move |c| async move {
                let id = ticket_ref(&p.ticket_id)?;
                let internal = api::internal_id(&c, &id).await?;
                let posts = api::posts(&c, internal).await?;
                let total = posts.len() as u64;
                let shown: Vec<PostOut> = posts
                    .iter()
                    .skip(usize::try_from(p.offset).unwrap_or(usize::MAX))
                    .map(PostOut::new)
                    .collect();
                Ok(PostsOut {
                    ticket_id: internal,
                    posts: shown,
                    total,
                    offset: p.offset,
                    next_offset: None,
                    note: None,
                })
            })
        })
        .await
    }

    /// A Kayako ticket's staff-only notes, oldest first: author, addressee, date and text;
    /// by display id or internal id. Customers never see these.
    #[tool(output_schema = rmcp::handler::server::common::schema_for_output::<NotesOut>())]
    pub async fn kayako_get_ticket_notes(
        &self,
        Parameters(p): Parameters<TicketNotesParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.ky_read(&GET_NOTES, move |c| async move {
                let id = ticket_ref(&p.ticket_id)?;
                let internal = api::internal_id(&c, &id).await?;
                let (notes, refs) =
                    tokio::try_join!(api::notes(&c, internal), api::refs(&c, false))?;
                Ok(NotesOut {
                    ticket_id: internal,
                    notes: notes.iter().map(|n| NoteOut::new(n, &refs)).collect(),
                    note: None,
                })
            })
        })
        .await
    }
}
