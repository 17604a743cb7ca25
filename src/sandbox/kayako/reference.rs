//! The reference records as XML: ticket statuses, priorities and types, departments, staff,
//! staff groups and users, each listed whole (`GetList`) or by id (`Get`), where an unknown or
//! malformed id is an empty list and never a 404.
//!
//! Owns: those documents and the id filter they share. Must not: route a request (it is given
//! the id argument, if any) or render tickets.

use super::store::{Department, Priority, Staff, Status, Store, TicketType, User};
use super::xml::Xml;

/// Which records a request asks for: all, or the one with the id given (none when the
/// argument is not a number, as the server's look-up finds nothing).
#[derive(Clone, Copy)]
pub(super) enum Pick<'a> {
    All,
    Id(&'a str),
}

impl Pick<'_> {
    fn keeps(self, id: u32) -> bool {
        match self {
            Pick::All => true,
            Pick::Id(raw) => raw.trim().parse::<u32>().is_ok_and(|n| n == id),
        }
    }
}

fn flag(b: bool) -> u8 {
    u8::from(b)
}

/// A root with one element per kept record.
fn list<T>(
    root: &str,
    records: &[T],
    id: impl Fn(&T) -> u32,
    pick: Pick<'_>,
    mut write: impl FnMut(&mut Xml, &T),
) -> String {
    let mut x = Xml::new();
    x.open(root, &[]);
    for r in records.iter().filter(|r| pick.keeps(id(r))) {
        write(&mut x, r);
    }
    x.close(root);
    x.finish()
}

pub(super) fn statuses(store: &Store, pick: Pick<'_>) -> String {
    list(
        "ticketstatuses",
        &store.statuses,
        |s| s.id,
        pick,
        |x, s: &Status| {
            x.open("ticketstatus", &[]);
            x.value("id", s.id);
            x.value("title", &s.title);
            x.value("displayorder", s.displayorder);
            x.value("departmentid", s.department);
            x.value("displayicon", "");
            x.value("type", s.kind.as_str());
            x.value("displayinmainlist", flag(s.displayinmainlist));
            x.value("markasresolved", flag(s.markasresolved));
            x.value("displaycount", flag(s.displaycount));
            x.value("statuscolor", s.color);
            x.value("statusbgcolor", s.bgcolor);
            x.value("resetduetime", flag(s.resetduetime));
            x.value("triggersurvey", flag(s.triggersurvey));
            x.value("staffvisibilitycustom", flag(!s.staffgroups.is_empty()));
            for g in &s.staffgroups {
                x.value("staffgroupid", g);
            }
            x.close("ticketstatus");
        },
    )
}

pub(super) fn priorities(store: &Store, pick: Pick<'_>) -> String {
    list(
        "ticketpriorities",
        &store.priorities,
        |p| p.id,
        pick,
        |x, p: &Priority| {
            x.open("ticketpriority", &[]);
            x.value("id", p.id);
            x.value("title", &p.title);
            x.value("displayorder", p.displayorder);
            x.value("frcolorcode", p.frcolor);
            x.value("bgcolorcode", p.bgcolor);
            x.value("type", p.kind.as_str());
            x.value("uservisibilitycustom", flag(!p.usergroups.is_empty()));
            for g in &p.usergroups {
                x.value("usergroupid", g);
            }
            x.close("ticketpriority");
        },
    )
}

pub(super) fn types(store: &Store, pick: Pick<'_>) -> String {
    list(
        "tickettypes",
        &store.types,
        |t| t.id,
        pick,
        |x, t: &TicketType| {
            x.open("tickettype", &[]);
            x.value("id", t.id);
            x.value("title", &t.title);
            x.value("displayorder", t.displayorder);
            x.value("departmentid", t.department);
            x.value("displayicon", "");
            x.value("type", t.kind.as_str());
            x.value("uservisibilitycustom", flag(!t.usergroups.is_empty()));
            for g in &t.usergroups {
                x.value("usergroupid", g);
            }
            x.close("tickettype");
        },
    )
}

pub(super) fn departments(store: &Store, pick: Pick<'_>) -> String {
    list(
        "departments",
        &store.departments,
        |d| d.id,
        pick,
        |x, d: &Department| {
            x.open("department", &[]);
            x.value("id", d.id);
            x.value("title", &d.title);
            x.value("type", d.kind.as_str());
            x.value("module", d.app);
            x.value("app", d.app);
            x.value("displayorder", d.displayorder);
            x.value("parentdepartmentid", d.parent);
            x.value("uservisibilitycustom", flag(!d.usergroups.is_empty()));
            x.open("usergroups", &[]);
            for g in &d.usergroups {
                x.value("id", g);
            }
            x.close("usergroups");
            x.close("department");
        },
    )
}

pub(super) fn staff(store: &Store, pick: Pick<'_>) -> String {
    list(
        "staffusers",
        &store.staff,
        |s| s.id,
        pick,
        |x, s: &Staff| {
            x.open("staff", &[]);
            x.value("id", s.id);
            x.value("staffgroupid", s.group);
            x.value("firstname", &s.first);
            x.value("lastname", &s.last);
            x.value("fullname", s.fullname());
            x.value("username", &s.username);
            x.value("email", &s.email);
            x.value("designation", &s.designation);
            x.value("greeting", &s.greeting);
            x.value("mobilenumber", &s.mobile);
            x.value("isenabled", flag(s.enabled));
            x.value("timezone", &s.timezone);
            x.value("enabledst", 0);
            x.close("staff");
        },
    )
}

pub(super) fn staffgroups(store: &Store, pick: Pick<'_>) -> String {
    list(
        "staffgroups",
        &store.staffgroups,
        |g| g.id,
        pick,
        |x, g| {
            x.open("staffgroup", &[]);
            x.value("id", g.id);
            x.value("title", &g.title);
            x.value("isadmin", flag(g.isadmin));
            x.close("staffgroup");
        },
    )
}

pub(super) fn users(store: &Store, pick: Pick<'_>) -> String {
    list(
        "users",
        &store.users,
        |u| u.id,
        pick,
        |x, u: &User| {
            x.open("user", &[]);
            x.value("id", u.id);
            x.value("usergroupid", u.group);
            x.value("userrole", u.role);
            x.value("userorganizationid", u.organization);
            x.value("salutation", &u.salutation);
            x.value("userexpiry", 0);
            x.value("fullname", &u.fullname);
            x.value("email", &u.email);
            x.value("designation", &u.designation);
            x.value("phone", &u.phone);
            x.value("dateline", u.dateline);
            x.value("lastvisit", u.lastvisit);
            x.value("isenabled", flag(u.enabled));
            x.value("timezone", &u.timezone);
            x.value("enabledst", 0);
            x.value("slaplanid", 0);
            x.value("slaplanexpiry", 0);
            x.close("user");
        },
    )
}
