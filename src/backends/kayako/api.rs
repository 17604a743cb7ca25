//! Kayako's endpoints as typed functions: ticket lists (`ListAll` path segments) and counts,
//! one ticket (by display or internal id), its posts and notes, search, and the reference
//! data.
//!
//! Owns: the routes and their path segments, the search form's fields, and the quirks of
//! section 10 of the reference notes (posts and notes need the internal id; unknown
//! reference ids answer an empty list). Must not: know about MCP, or format for people.

use super::client::KayakoClient;
use super::models::{self, Note, Post, Refs, Ticket};
use crate::error::{Error, ErrorKind, Result};

/// The sort fields `ListAll` knows; anything else sorts by ticket id.
pub const SORT_FIELDS: &[&str] = &[
    "ticketstatustitle",
    "departmenttitle",
    "userid",
    "ownerstaffid",
    "dateline",
    "totalreplies",
    "hasattachments",
    "hasnotes",
    "lastactivity",
    "duetime",
    "creator",
    "isphonecall",
    "isescalated",
    "hasfollowup",
    "hasratings",
    "islinked",
    "tickettype",
    "tickettypetitle",
    "tickettypeid",
    "creationmode",
    "resolutiondateline",
    "isresolved",
    "iswatched",
    "prioritytitle",
    "lastreplier",
];

/// A ticket as an agent names it: Kayako's internal number, or the display id
/// (`ABC-123-45678`) that people see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    Internal(i64),
    Display(String),
}

impl TicketRef {
    /// `raw` as a ticket reference, or why it cannot be one (for the `field` parameter).
    pub fn parse(field: &str, raw: &str) -> Result<TicketRef> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Error::invalid(
                field,
                "is empty: give a display id like ABC-123-45678 or an internal id like 1234",
            ));
        }
        if s.chars().all(|c| c.is_ascii_digit()) {
            return match s.parse::<i64>() {
                Ok(n) if n > 0 => Ok(TicketRef::Internal(n)),
                _ => Err(Error::invalid(
                    field,
                    format!("{s:?} is not a ticket id: internal ids are positive numbers"),
                )),
            };
        }
        if s.len() > 40 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::invalid(
                field,
                format!(
                    "{s:?} is not a ticket id: give a display id like ABC-123-45678 (letters, \
                     digits and dashes) or an internal id like 1234"
                ),
            ));
        }
        Ok(TicketRef::Display(s.to_ascii_uppercase()))
    }

    fn segment(&self) -> String {
        match self {
            TicketRef::Internal(n) => n.to_string(),
            TicketRef::Display(d) => d.clone(),
        }
    }
}

impl std::fmt::Display for TicketRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TicketRef::Internal(n) => write!(f, "{n}"),
            TicketRef::Display(d) => f.write_str(d),
        }
    }
}

/// `ListAll`'s and `GetTicketCount`'s filters; `None` is Kayako's `-1` (any).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// At least one (Kayako requires it).
    pub departments: Vec<i64>,
    /// `None`: every unresolved status of those departments.
    pub status: Option<i64>,
    /// `Some(0)`: unassigned.
    pub owner: Option<i64>,
    pub user: Option<i64>,
}

impl ListFilter {
    fn segments(&self) -> String {
        let any = |v: Option<i64>| v.map_or_else(|| "-1".to_string(), |n| n.to_string());
        let departments: Vec<String> = self.departments.iter().map(i64::to_string).collect();
        format!(
            "{}/{}/{}/{}",
            departments.join(","),
            any(self.status),
            any(self.owner),
            any(self.user)
        )
    }
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// One page of tickets (without posts): `count` from row `start`, sorted.
pub async fn list_tickets(
    c: &KayakoClient,
    filter: &ListFilter,
    count: u32,
    start: u64,
    sort_field: &str,
    order: Order,
) -> Result<Vec<Ticket>> {
    let order = match order {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    };
    let route = format!(
        "/Tickets/Ticket/ListAll/{}/{count}/{start}/{sort_field}/{order}",
        filter.segments()
    );
    Ok(models::tickets(&c.get(&route, "the ticket list").await?))
}

/// How many tickets match `filter`; `None` on an instance too old for `GetTicketCount`.
pub async fn ticket_count(c: &KayakoClient, filter: &ListFilter) -> Result<Option<u64>> {
    let route = format!("/Tickets/Ticket/GetTicketCount/{}", filter.segments());
    match c.get(&route, "the ticket count").await {
        Ok(root) => Ok(models::total_count(&root)),
        Err(e) if matches!(e.kind, ErrorKind::InvalidInput | ErrorKind::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

fn not_found(e: Error, what: String, hint: &str) -> Error {
    if e.kind == ErrorKind::NotFound {
        Error::new(
            ErrorKind::NotFound,
            format!("{what} not found in Kayako: {hint}"),
        )
    } else {
        e
    }
}

const TICKET_HINT: &str = "check the id (a display id like ABC-123-45678, or the internal \
    number); kayako_search_tickets finds tickets by subject or display id";

/// One ticket with its posts and notes.
pub async fn ticket(c: &KayakoClient, id: &TicketRef) -> Result<Ticket> {
    let route = format!("/Tickets/Ticket/{}", id.segment());
    let root = c
        .get(&route, &format!("ticket {id}"))
        .await
        .map_err(|e| not_found(e, format!("ticket {id}"), TICKET_HINT))?;
    models::tickets(&root).into_iter().next().ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            format!("ticket {id} not found in Kayako: {TICKET_HINT}"),
        )
    })
}

/// A ticket's internal id: a display id is looked up (posts and notes need the number).
pub async fn internal_id(c: &KayakoClient, id: &TicketRef) -> Result<i64> {
    match id {
        TicketRef::Internal(n) => Ok(*n),
        TicketRef::Display(_) => Ok(ticket(c, id).await?.id),
    }
}

/// A ticket's posts, oldest first, with attachment names (`TicketPost/ListAll` takes only the
/// internal id: with a display id it answers an empty list).
pub async fn posts(c: &KayakoClient, ticket_id: i64) -> Result<Vec<Post>> {
    let route = format!("/Tickets/TicketPost/ListAll/{ticket_id}");
    let root = c
        .get(&route, &format!("the posts of ticket {ticket_id}"))
        .await
        .map_err(|e| not_found(e, format!("ticket {ticket_id}"), TICKET_HINT))?;
    Ok(models::posts(&root))
}

/// A ticket's staff notes, oldest first (internal id only, like posts).
pub async fn notes(c: &KayakoClient, ticket_id: i64) -> Result<Vec<Note>> {
    let route = format!("/Tickets/TicketNote/ListAll/{ticket_id}");
    let root = c
        .get(&route, &format!("the notes of ticket {ticket_id}"))
        .await
        .map_err(|e| not_found(e, format!("ticket {ticket_id}"), TICKET_HINT))?;
    Ok(models::notes(&root))
}

/// Where a search looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchIn {
    /// Subject, requester name and e-mail, notes and post text (Kayako's `contents`).
    pub contents: bool,
    /// Display id or subject (Kayako's `ticketid`; Kayako has no subject-only search).
    pub subject: bool,
    pub notes: bool,
    /// The requester's and the creator's e-mail addresses.
    pub user_email: bool,
    /// The requester's full name and the post authors.
    pub user_name: bool,
}

/// Tickets (with posts) matching `query`, as many as the helpdesk's search limit lets through.
pub async fn search(c: &KayakoClient, query: &str, within: SearchIn) -> Result<Vec<Ticket>> {
    let mut form = vec![("query", query.to_string())];
    let on = |form: &mut Vec<(&str, String)>, yes: bool, flags: &[&'static str]| {
        if yes {
            form.extend(flags.iter().map(|f| (*f, "1".to_string())));
        }
    };
    on(&mut form, within.contents, &["contents"]);
    on(&mut form, within.subject, &["ticketid"]);
    on(&mut form, within.notes, &["notes"]);
    on(&mut form, within.user_email, &["email", "creatoremail"]);
    on(&mut form, within.user_name, &["fullname", "author"]);
    Ok(models::tickets(
        &c.post("/Tickets/TicketSearch", &form, "the ticket search")
            .await?,
    ))
}

/// The account's reference data, fetched once per `client::REFS_TTL` (or now with
/// `refresh`), whoever asks at the same time.
pub async fn refs(c: &KayakoClient, refresh: bool) -> Result<std::sync::Arc<Refs>> {
    c.refs_cache().get(refresh, || fetch_refs(c)).await
}

/// Departments, statuses, priorities, types, staff and staff groups, fetched together.
async fn fetch_refs(c: &KayakoClient) -> Result<Refs> {
    let (departments, statuses, priorities, types, staff, groups) = tokio::try_join!(
        c.get("/Base/Department", "the departments"),
        c.get("/Tickets/TicketStatus", "the ticket statuses"),
        c.get("/Tickets/TicketPriority", "the ticket priorities"),
        c.get("/Tickets/TicketType", "the ticket types"),
        c.get("/Base/Staff", "the staff"),
        c.get("/Base/StaffGroup", "the staff groups"),
    )?;
    Ok(Refs {
        departments: models::departments(&departments),
        statuses: models::statuses(&statuses),
        priorities: models::levels(&priorities, "ticketpriority"),
        types: models::levels(&types, "tickettype"),
        staff: models::staff(&staff),
        staff_groups: models::staff_groups(&groups),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_refs() {
        assert_eq!(
            TicketRef::parse("ticket_id", " abc-123-45678 ").unwrap(),
            TicketRef::Display("ABC-123-45678".into())
        );
        assert_eq!(
            TicketRef::parse("ticket_id", "00123").unwrap(),
            TicketRef::Internal(123)
        );
        for bad in ["", "0", "../x", "ABC/123", "a b", "ABC-123-45678?e=/Base"] {
            let e = TicketRef::parse("ticket_id", bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidInput, "{bad}");
            assert!(e.message.contains("ticket_id"), "{e}");
        }
    }

    #[test]
    fn list_segments_use_minus_one_for_any() {
        let f = ListFilter {
            departments: vec![1, 2],
            owner: Some(0),
            ..Default::default()
        };
        assert_eq!(f.segments(), "1,2/-1/0/-1");
    }
}
