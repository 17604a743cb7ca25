//! The ticket endpoints' semantics: `ListAll` and `GetTicketCount` (department CSV, `-1`
//! wildcards, unresolved statuses by default, owner `0` = unassigned, offset paging, the sort
//! whitelist), one ticket by numeric or display id, and a ticket's posts and notes with their
//! not-found and wrong-ticket errors.
//!
//! Owns: [`Filter`] and those answers. Must not: authenticate, parse the route (it is given the
//! arguments after the action), or write XML itself ([`super::render`] does).

use super::errors::{
    ApiError, NOTE_ELSEWHERE, NOTE_NOT_FOUND, POST_ELSEWHERE, POST_NOT_FOUND, TICKET_NOT_FOUND,
};
use super::render::{self, Contents, Posts};
use super::store::{Store, Ticket};

/// The fields `ListAll` sorts on; anything else sorts on `ticketid`.
pub(super) const SORT_FIELDS: &[&str] = &[
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

/// The numbers of a comma-separated argument (anything else in it is left out).
fn csv(raw: Option<&str>) -> Vec<i64> {
    raw.unwrap_or("")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// A CSV filter where `-1` (or nothing usable) means "any".
fn wildcard(raw: Option<&str>) -> Option<Vec<u32>> {
    let ids = csv(raw);
    if ids.is_empty() || ids.contains(&-1) {
        return None;
    }
    Some(
        ids.into_iter()
            .filter_map(|n| u32::try_from(n).ok())
            .collect(),
    )
}

/// Which tickets `ListAll` and `GetTicketCount` select.
pub(super) struct Filter {
    departments: Vec<u32>,
    statuses: Vec<u32>,
    owners: Option<Vec<u32>>,
    users: Option<Vec<u32>>,
    /// The requester e-mail (read from a POST body only).
    email: Option<String>,
}

impl Filter {
    /// From `$departmentid$/$ticketstatusid$/$ownerstaffid$/$userid$`.
    pub(super) fn parse(store: &Store, args: &[&str], email: Option<&str>) -> Filter {
        let arg = |i: usize| args.get(i).copied();
        let departments: Vec<u32> = csv(arg(0))
            .into_iter()
            .filter_map(|n| u32::try_from(n).ok())
            .filter(|id| store.department(*id).is_some())
            .collect();
        let asked = csv(arg(1));
        let mut statuses: Vec<u32> = asked
            .iter()
            .filter_map(|n| u32::try_from(*n).ok())
            .filter(|id| store.status(*id).is_some())
            .collect();
        if asked.contains(&-1) || statuses.is_empty() {
            statuses = store
                .statuses
                .iter()
                .filter(|s| !s.markasresolved)
                .filter(|s| s.department == 0 || departments.contains(&s.department))
                .map(|s| s.id)
                .collect();
        }
        Filter {
            departments,
            statuses,
            owners: wildcard(arg(2)),
            users: wildcard(arg(3)),
            email: email
                .map(|e| e.trim().to_lowercase())
                .filter(|e| !e.is_empty()),
        }
    }

    fn keeps(&self, t: &Ticket) -> bool {
        self.departments.contains(&t.department)
            && self.statuses.contains(&t.status)
            && self.owners.as_ref().is_none_or(|o| o.contains(&t.owner))
            && self.users.as_ref().is_none_or(|u| u.contains(&t.user))
            && self
                .email
                .as_ref()
                .is_none_or(|e| t.email.to_lowercase() == *e)
    }

    fn select<'a>(&self, store: &'a Store) -> Vec<&'a Ticket> {
        store.tickets.values().filter(|t| self.keeps(t)).collect()
    }
}

/// A sort value: one field's values are all numbers or all text (compared case-insensitively,
/// as MySQL's default collation does).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    N(i64),
    S(String),
}

fn sort_key(store: &Store, t: &Ticket, field: &str) -> Key {
    let text = |s: Option<&String>| Key::S(s.map(|s| s.to_lowercase()).unwrap_or_default());
    let n = |b: bool| Key::N(i64::from(b));
    match field {
        "ticketstatustitle" => text(store.status(t.status).map(|s| &s.title)),
        "departmenttitle" => text(store.department(t.department).map(|d| &d.title)),
        "userid" => Key::N(t.user.into()),
        "ownerstaffid" => Key::N(t.owner.into()),
        "dateline" => Key::N(t.created),
        "totalreplies" => Key::N(store.activity(t).replies as i64),
        "hasnotes" => n(store.notes_of(t.id).next().is_some()),
        "lastactivity" => Key::N(store.activity(t).lastactivity),
        "duetime" => Key::N(t.nextreplydue),
        "creator" => Key::N(t.creator.into()),
        "isphonecall" => n(t.creationtype == 2),
        "isescalated" => n(t.escalated),
        "tickettype" | "tickettypetitle" => text(store.ticket_type(t.kind).map(|k| &k.title)),
        "tickettypeid" => Key::N(t.kind.into()),
        "creationmode" => Key::N(t.creationmode.into()),
        "resolutiondateline" => Key::N(if store.is_resolved(t) {
            store.activity(t).lastactivity
        } else {
            0
        }),
        "isresolved" => n(store.is_resolved(t)),
        "iswatched" => n(!t.watchers.is_empty()),
        "prioritytitle" => text(store.priority(t.priority).map(|p| &p.title)),
        "lastreplier" => Key::S(store.activity(t).lastreplier.to_lowercase()),
        "hasattachments" | "hasfollowup" | "hasratings" | "islinked" => Key::N(0),
        _ => Key::N(t.id.into()),
    }
}

/// `ListAll/$departmentid$/$ticketstatusid$/$ownerstaffid$/$userid$/$count$/$start$/
/// $sortfield$/$sortorder$`: tickets without posts, no total.
pub(super) fn list_all(store: &Store, args: &[&str], email: Option<&str>) -> String {
    let filter = Filter::parse(store, args, email);
    let mut tickets = filter.select(store);
    let field = args
        .get(6)
        .copied()
        .filter(|f| SORT_FIELDS.contains(f))
        .unwrap_or("ticketid");
    let desc = args.get(7).is_some_and(|o| o.eq_ignore_ascii_case("DESC"));
    let mut keyed: Vec<(Key, &Ticket)> = tickets
        .drain(..)
        .map(|t| (sort_key(store, t, field), t))
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        let by_key = if desc { kb.cmp(ka) } else { ka.cmp(kb) };
        // Ties keep ticket id order (ascending) so that pages never overlap.
        by_key.then_with(|| a.id.cmp(&b.id))
    });
    let count = args
        .get(4)
        .and_then(|c| c.trim().parse::<i64>().ok())
        .filter(|c| *c > 0);
    let start = args
        .get(5)
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map_or(0, |s| usize::try_from(s).unwrap_or(0));
    let page = keyed
        .into_iter()
        .skip(start)
        .take(count.map_or(usize::MAX, |c| usize::try_from(c).unwrap_or(usize::MAX)))
        .map(|(_, t)| t);
    render::tickets(store, page, Posts::Without)
}

/// `GetTicketCount/$departmentid$/$ticketstatusid$/$ownerstaffid$/$userid$`.
pub(super) fn count(store: &Store, args: &[&str]) -> String {
    render::count(Filter::parse(store, args, None).select(store).len())
}

fn ticket<'a>(store: &'a Store, key: Option<&str>) -> Result<&'a Ticket, ApiError> {
    key.and_then(|k| store.find_ticket(k))
        .ok_or_else(|| ApiError::not_found(TICKET_NOT_FOUND))
}

/// Whether the argument is the internal id (the listings use it raw in SQL, so a display id
/// matches no post or note there).
fn internal(key: &str) -> bool {
    let key = key.trim();
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit())
}

/// `GET /Tickets/Ticket/$ticketid$`: the ticket with its posts.
pub(super) fn get(store: &Store, key: Option<&str>) -> Result<String, ApiError> {
    let t = ticket(store, key)?;
    Ok(render::tickets(store, [t], Posts::With))
}

/// `GET /Tickets/TicketPost/ListAll/$ticketid$`.
pub(super) fn post_list(store: &Store, key: Option<&str>) -> Result<String, ApiError> {
    let t = ticket(store, key)?;
    let raw = key.unwrap_or("");
    let posts = store.posts_of(t.id).filter(|_| internal(raw));
    Ok(render::posts(posts, Contents::FormatStripped))
}

/// `GET /Tickets/TicketPost/$ticketid$/$ticketpostid$`.
pub(super) fn post_get(
    store: &Store,
    key: Option<&str>,
    post: Option<&str>,
) -> Result<String, ApiError> {
    let t = ticket(store, key)?;
    let p = post
        .and_then(|p| p.trim().parse::<u32>().ok())
        .and_then(|id| store.posts.get(&id))
        .ok_or_else(|| ApiError::not_found(POST_NOT_FOUND))?;
    if p.ticket != t.id {
        return Err(ApiError::bad(POST_ELSEWHERE));
    }
    Ok(render::posts([p], Contents::AsStored))
}

/// `GET /Tickets/TicketNote/ListAll/$ticketid$`.
pub(super) fn note_list(store: &Store, key: Option<&str>) -> Result<String, ApiError> {
    let t = ticket(store, key)?;
    let raw = key.unwrap_or("");
    let notes = store.notes_of(t.id).filter(|_| internal(raw));
    Ok(render::notes(store, notes))
}

/// `GET /Tickets/TicketNote/$ticketid$/$ticketnoteid$`.
pub(super) fn note_get(
    store: &Store,
    key: Option<&str>,
    note: Option<&str>,
) -> Result<String, ApiError> {
    let t = ticket(store, key)?;
    let n = note
        .and_then(|n| n.trim().parse::<u32>().ok())
        .and_then(|id| store.notes.get(&id))
        .ok_or_else(|| ApiError::not_found(NOTE_NOT_FOUND))?;
    if n.ticket != t.id {
        return Err(ApiError::bad(NOTE_ELSEWHERE));
    }
    Ok(render::notes(store, [n]))
}
