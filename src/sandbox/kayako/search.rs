//! `POST /Tickets/TicketSearch`: the `query` and the flags (each exactly `1`) that choose what
//! is searched; every enabled flag adds its matches, the union is capped at the helpdesk's
//! search result limit (no paging, no total) and answered as full tickets with their posts.
//!
//! What each flag searches (case-insensitive): `ticketid` the display id or numeric id (equal)
//! or the subject (containing); `contents` the subject, requester name and e-mail, notes and
//! post text, all words of the query (or, with `phrase=1`, the query as one phrase) in one of
//! them; `notes` the notes, likewise; `author` the requester's and the posts' names and
//! e-mails; `email` the ticket's and the posts' e-mails; `creatoremail` the ticket's e-mail;
//! `fullname` the ticket's and the posts' names; `usergroup`, `userorganization` and `user`
//! the requester's group title, organisation name, and name or e-mail; `tags` a tag equal to a
//! word of the query. Those but `contents`, `notes` and `tags` match when the field contains
//! the whole query, as SQL `LIKE '%query%'` does.
//!
//! Owns: matching and the cap. Must not: read the request (it is given the form) or render.

use super::render::{self, Posts};
use super::store::{Store, Ticket};
use crate::sandbox::kit::query::Query;

/// The search flags, in the reference's order.
pub(super) const FLAGS: &[&str] = &[
    "ticketid",
    "contents",
    "author",
    "email",
    "creatoremail",
    "fullname",
    "notes",
    "usergroup",
    "userorganization",
    "user",
    "tags",
];

/// The query as matched: lower-cased, whole and in words.
struct Needle {
    whole: String,
    words: Vec<String>,
    phrase: bool,
}

impl Needle {
    /// `hay` contains the whole query.
    fn like(&self, hay: &str) -> bool {
        hay.to_lowercase().contains(&self.whole)
    }

    /// One of `hays` holds the phrase, or all the words (in any of them).
    fn text<'a>(&self, hays: impl Iterator<Item = &'a str>) -> bool {
        let hays: Vec<String> = hays.map(str::to_lowercase).collect();
        if self.phrase {
            return hays.iter().any(|h| h.contains(&self.whole));
        }
        self.words
            .iter()
            .all(|w| hays.iter().any(|h| h.contains(w.as_str())))
    }
}

fn matches(store: &Store, t: &Ticket, flag: &str, q: &Needle) -> bool {
    let posts = || store.posts_of(t.id);
    let notes = || store.notes_of(t.id).map(|n| n.contents.as_str());
    let user = store.user(t.user);
    match flag {
        "ticketid" => {
            t.display.eq_ignore_ascii_case(&q.whole)
                || t.id.to_string() == q.whole
                || q.like(&t.subject)
        }
        "contents" => {
            let fields = [t.subject.as_str(), t.fullname.as_str(), t.email.as_str()];
            let bodies = posts().map(|p| p.contents.as_str());
            q.text(fields.into_iter().chain(notes()).chain(bodies))
        }
        "notes" => q.text(notes()),
        "author" => {
            q.like(&t.fullname)
                || q.like(&t.email)
                || posts().any(|p| q.like(&p.fullname) || q.like(&p.email))
        }
        "email" => q.like(&t.email) || posts().any(|p| q.like(&p.email)),
        "creatoremail" => q.like(&t.email),
        "fullname" => q.like(&t.fullname) || posts().any(|p| q.like(&p.fullname)),
        "usergroup" => user
            .and_then(|u| store.usergroup(u.group))
            .is_some_and(|g| q.like(&g.title)),
        "userorganization" => user
            .and_then(|u| store.organization(u.organization))
            .is_some_and(|o| q.like(&o.name)),
        "user" => user.is_some_and(|u| q.like(&u.fullname) || q.like(&u.email)),
        "tags" => t
            .tags
            .iter()
            .any(|tag| q.words.iter().any(|w| tag.to_lowercase() == *w)),
        _ => false,
    }
}

/// The answer to a search form; a missing or blank query finds nothing (so does a JSON body,
/// whose fields the server does not read).
pub(super) fn search(store: &Store, form: &Query, limit: usize) -> String {
    let query = form.get("query").unwrap_or("").trim().to_lowercase();
    let on = |name: &str| form.get(name) == Some("1");
    let needle = Needle {
        words: query.split_whitespace().map(str::to_string).collect(),
        whole: query,
        phrase: on("phrase"),
    };
    let flags: Vec<&str> = FLAGS.iter().copied().filter(|f| on(f)).collect();
    let found = store
        .tickets
        .values()
        .filter(|_| !needle.whole.is_empty())
        .filter(|t| flags.iter().any(|f| matches(store, t, f, &needle)))
        .take(limit);
    render::tickets(store, found, Posts::With)
}
