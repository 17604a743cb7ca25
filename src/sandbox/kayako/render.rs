//! Tickets, posts and notes as XML, in the element order of the server's
//! `SWIFT_TicketAPIManager::RenderTickets`: the ticket's fields, watchers, workflows, notes
//! and (where the endpoint includes them) its posts.
//!
//! Owns: the ticket, post and note elements. Must not: choose which records an endpoint
//! answers with, or write anything but elements (the document comes from [`super::xml`]).

use std::sync::LazyLock;

use regex::Regex;

use super::store::{Author, Note, Post, Store, Ticket};
use super::xml::{Xml, attr};

/// Unicode format characters (category Cf: zero-width joiner, bidi marks, ...).
static FORMAT_CHARS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\p{Cf}").expect("valid regex"));

/// The workflows a ticket offers: (id, title, for resolved tickets).
const WORKFLOWS: &[(u32, &str, bool)] = &[(1, "Close & Survey", false), (2, "Reopen", true)];

/// Whether a rendered ticket carries its `<posts>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Posts {
    Without,
    With,
}

/// How post contents are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Contents {
    AsStored,
    /// Unicode format characters removed, as `TicketPost/ListAll` does.
    FormatStripped,
}

/// `<tickets>` with these tickets.
pub(super) fn tickets<'a>(
    store: &Store,
    list: impl IntoIterator<Item = &'a Ticket>,
    posts: Posts,
) -> String {
    let mut x = Xml::new();
    x.open("tickets", &[]);
    for t in list {
        ticket(&mut x, store, t, posts);
    }
    x.close("tickets");
    x.finish()
}

/// Zero becomes an empty value, as the server writes an absent organisation.
fn nonzero(n: u32) -> String {
    if n == 0 { String::new() } else { n.to_string() }
}

fn ticket(x: &mut Xml, store: &Store, t: &Ticket, posts: Posts) {
    let a = store.activity(t);
    let user = store.user(t.user);
    let org = user.map_or(0, |u| u.organization);
    let org_name = store
        .organization(org)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    x.open("ticket", &[attr("id", t.id), attr("flagtype", t.flag)]);
    x.value("displayid", &t.display);
    x.value("departmentid", t.department);
    x.value("statusid", t.status);
    x.value("priorityid", t.priority);
    x.value("typeid", t.kind);
    x.value("userid", t.user);
    x.value("userorganization", org_name);
    x.value("userorganizationid", nonzero(org));
    x.value("ownerstaffid", t.owner);
    x.value("ownerstaffname", store.staff_name(t.owner));
    x.value("fullname", &t.fullname);
    x.value("email", &t.email);
    x.value("lastreplier", &a.lastreplier);
    x.value("subject", &t.subject);
    x.value("creationtime", t.created);
    x.value("lastactivity", a.lastactivity);
    x.value("laststaffreply", a.laststaffreply);
    x.value("lastuserreply", a.lastuserreply);
    x.value("slaplanid", t.slaplan);
    x.value("nextreplydue", t.nextreplydue);
    x.value("resolutiondue", t.resolutiondue);
    x.value("replies", a.replies);
    x.value("ipaddress", &t.ipaddress);
    x.value("creator", t.creator);
    x.value("creationmode", t.creationmode);
    x.value("creationtype", t.creationtype);
    x.value("isescalated", u8::from(t.escalated));
    x.value("escalationruleid", 0);
    x.value("templategroupid", 1);
    x.value("tags", t.tags.join(" "));
    x.value("templategroupname", "Default");
    for w in &t.watchers {
        x.empty(
            "watcher",
            &[attr("staffid", w), attr("name", store.staff_name(*w))],
        );
    }
    let resolved = store.is_resolved(t);
    for (id, title, _) in WORKFLOWS.iter().filter(|w| w.2 == resolved) {
        x.empty("workflow", &[attr("id", id), attr("title", title)]);
    }
    for n in store.notes_of(t.id) {
        note(x, store, n);
    }
    if posts == Posts::With {
        x.open("posts", &[]);
        for p in store.posts_of(t.id) {
            post(x, p, Contents::AsStored);
        }
        x.close("posts");
    }
    x.close("ticket");
}

/// `<note type="ticket" ...>text</note>`.
pub(super) fn note(x: &mut Xml, store: &Store, n: &Note) {
    let attrs = [
        attr("type", "ticket"),
        attr("id", n.id),
        attr("ticketid", n.ticket),
        attr("notecolor", n.color),
        attr("creatorstaffid", n.creator),
        attr("forstaffid", n.for_staff),
        attr("creatorstaffname", store.staff_name(n.creator)),
        attr("creationdate", n.dateline),
    ];
    x.text("note", &attrs, &n.contents);
}

/// `<post>` with its fields.
pub(super) fn post(x: &mut Xml, p: &Post, contents: Contents) {
    let (userid, staffid, creator) = match p.author {
        Author::User(id) => (id, 0, 2),
        Author::Staff(id) => (0, id, 1),
    };
    x.open("post", &[]);
    x.value("id", p.id);
    x.value("ticketpostid", p.id);
    x.value("ticketid", p.ticket);
    x.value("dateline", p.dateline);
    x.value("userid", userid);
    x.value("fullname", &p.fullname);
    x.value("email", &p.email);
    x.value("emailto", &p.emailto);
    x.value("ipaddress", &p.ipaddress);
    x.value("hasattachments", 0);
    x.value("creator", creator);
    x.value("isthirdparty", 0);
    x.value("ishtml", u8::from(p.ishtml));
    x.value("isemailed", u8::from(p.isemailed));
    x.value("staffid", staffid);
    x.value("issurveycomment", 0);
    match contents {
        Contents::AsStored => x.value("contents", &p.contents),
        Contents::FormatStripped => {
            x.value("contents", FORMAT_CHARS.replace_all(&p.contents, ""));
        }
    }
    x.value("isprivate", u8::from(p.isprivate));
    x.close("post");
}

/// `<posts>` with these posts.
pub(super) fn posts<'a>(list: impl IntoIterator<Item = &'a Post>, contents: Contents) -> String {
    let mut x = Xml::new();
    x.open("posts", &[]);
    for p in list {
        post(&mut x, p, contents);
    }
    x.close("posts");
    x.finish()
}

/// `<notes>` with these notes.
pub(super) fn notes<'a>(store: &Store, list: impl IntoIterator<Item = &'a Note>) -> String {
    let mut x = Xml::new();
    x.open("notes", &[]);
    for n in list {
        note(&mut x, store, n);
    }
    x.close("notes");
    x.finish()
}

/// `<tickets><totalcount>N</totalcount></tickets>`.
pub(super) fn count(n: usize) -> String {
    let mut x = Xml::new();
    x.open("tickets", &[]);
    x.value("totalcount", n);
    x.close("tickets");
    x.finish()
}
