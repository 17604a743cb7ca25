//! The helpdesk's records as the simulator holds them: departments, ticket statuses,
//! priorities and types, staff groups and staff, user groups, organisations and users, and
//! tickets with their posts and notes.
//!
//! Owns: the record types, [`Store`] with its look-ups, and the values the server derives from
//! a ticket's posts (last activity, last replier, reply count). Must not: render XML, read a
//! request, or decide what an endpoint answers.

use std::collections::BTreeMap;

/// `public` or `private`, as Kayako writes a record's visibility type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }
}

pub(super) struct Department {
    pub(super) id: u32,
    pub(super) title: String,
    pub(super) kind: Visibility,
    /// `tickets` or `livechat`.
    pub(super) app: &'static str,
    pub(super) displayorder: u32,
    pub(super) parent: u32,
    /// The user groups that see it; empty = everyone (`uservisibilitycustom` 0).
    pub(super) usergroups: Vec<u32>,
}

pub(super) struct Status {
    pub(super) id: u32,
    pub(super) title: String,
    pub(super) displayorder: u32,
    /// 0 = every department.
    pub(super) department: u32,
    pub(super) kind: Visibility,
    pub(super) displayinmainlist: bool,
    pub(super) markasresolved: bool,
    pub(super) displaycount: bool,
    pub(super) color: &'static str,
    pub(super) bgcolor: &'static str,
    pub(super) resetduetime: bool,
    pub(super) triggersurvey: bool,
    /// The staff groups that see it; empty = every staff member (`staffvisibilitycustom` 0).
    pub(super) staffgroups: Vec<u32>,
}

pub(super) struct Priority {
    pub(super) id: u32,
    pub(super) title: String,
    pub(super) displayorder: u32,
    pub(super) frcolor: &'static str,
    pub(super) bgcolor: &'static str,
    pub(super) kind: Visibility,
    /// Empty = every user group (`uservisibilitycustom` 0).
    pub(super) usergroups: Vec<u32>,
}

pub(super) struct TicketType {
    pub(super) id: u32,
    pub(super) title: String,
    pub(super) displayorder: u32,
    pub(super) department: u32,
    pub(super) kind: Visibility,
    pub(super) usergroups: Vec<u32>,
}

pub(super) struct StaffGroup {
    pub(super) id: u32,
    pub(super) title: String,
    pub(super) isadmin: bool,
}

pub(super) struct Staff {
    pub(super) id: u32,
    pub(super) group: u32,
    pub(super) first: String,
    pub(super) last: String,
    pub(super) username: String,
    pub(super) email: String,
    pub(super) designation: String,
    pub(super) greeting: String,
    pub(super) mobile: String,
    pub(super) enabled: bool,
    pub(super) timezone: String,
}

impl Staff {
    pub(super) fn fullname(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

pub(super) struct UserGroup {
    pub(super) id: u32,
    pub(super) title: String,
}

pub(super) struct Organization {
    pub(super) id: u32,
    pub(super) name: String,
}

pub(super) struct User {
    pub(super) id: u32,
    pub(super) group: u32,
    /// `user` or `manager`.
    pub(super) role: &'static str,
    /// 0 = none.
    pub(super) organization: u32,
    pub(super) salutation: String,
    pub(super) fullname: String,
    pub(super) email: String,
    pub(super) designation: String,
    pub(super) phone: String,
    pub(super) dateline: i64,
    pub(super) lastvisit: i64,
    pub(super) enabled: bool,
    pub(super) timezone: String,
}

/// Who wrote a post: a user or a staff member (`creator` 2 or 1).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Author {
    User(u32),
    Staff(u32),
}

pub(super) struct Post {
    pub(super) id: u32,
    pub(super) ticket: u32,
    pub(super) dateline: i64,
    pub(super) author: Author,
    pub(super) fullname: String,
    pub(super) email: String,
    pub(super) emailto: String,
    pub(super) ipaddress: String,
    pub(super) ishtml: bool,
    pub(super) isemailed: bool,
    pub(super) isprivate: bool,
    pub(super) contents: String,
}

/// A staff note on a ticket (`type="ticket"`).
pub(super) struct Note {
    pub(super) id: u32,
    pub(super) ticket: u32,
    pub(super) color: u32,
    pub(super) creator: u32,
    /// 0 = for everyone.
    pub(super) for_staff: u32,
    pub(super) dateline: i64,
    pub(super) contents: String,
}

pub(super) struct Ticket {
    pub(super) id: u32,
    pub(super) display: String,
    pub(super) flag: u32,
    pub(super) department: u32,
    pub(super) status: u32,
    pub(super) priority: u32,
    pub(super) kind: u32,
    pub(super) user: u32,
    /// 0 = unassigned.
    pub(super) owner: u32,
    pub(super) fullname: String,
    pub(super) email: String,
    pub(super) subject: String,
    pub(super) created: i64,
    pub(super) ipaddress: String,
    /// 1 staff, 2 user.
    pub(super) creator: u32,
    /// 1 support center, 2 staff CP, 3 email, 4 API, ...
    pub(super) creationmode: u32,
    /// 1 default, 2 phone.
    pub(super) creationtype: u32,
    pub(super) escalated: bool,
    pub(super) slaplan: u32,
    pub(super) nextreplydue: i64,
    pub(super) resolutiondue: i64,
    pub(super) tags: Vec<String>,
    pub(super) watchers: Vec<u32>,
}

/// Everything the helpdesk holds.
#[derive(Default)]
pub(super) struct Store {
    pub(super) departments: Vec<Department>,
    pub(super) statuses: Vec<Status>,
    pub(super) priorities: Vec<Priority>,
    pub(super) types: Vec<TicketType>,
    pub(super) staffgroups: Vec<StaffGroup>,
    pub(super) staff: Vec<Staff>,
    pub(super) usergroups: Vec<UserGroup>,
    pub(super) organizations: Vec<Organization>,
    pub(super) users: Vec<User>,
    pub(super) tickets: BTreeMap<u32, Ticket>,
    pub(super) posts: BTreeMap<u32, Post>,
    pub(super) notes: BTreeMap<u32, Note>,
}

impl Store {
    pub(super) fn department(&self, id: u32) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub(super) fn status(&self, id: u32) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    pub(super) fn priority(&self, id: u32) -> Option<&Priority> {
        self.priorities.iter().find(|p| p.id == id)
    }

    pub(super) fn ticket_type(&self, id: u32) -> Option<&TicketType> {
        self.types.iter().find(|t| t.id == id)
    }

    pub(super) fn staff_member(&self, id: u32) -> Option<&Staff> {
        self.staff.iter().find(|s| s.id == id)
    }

    pub(super) fn staff_name(&self, id: u32) -> String {
        self.staff_member(id)
            .map(Staff::fullname)
            .unwrap_or_default()
    }

    pub(super) fn user(&self, id: u32) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(super) fn organization(&self, id: u32) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == id)
    }

    pub(super) fn usergroup(&self, id: u32) -> Option<&UserGroup> {
        self.usergroups.iter().find(|g| g.id == id)
    }

    /// The ticket with this numeric id or display id (case-insensitive), as
    /// `SWIFT_Ticket::GetObjectOnID` accepts both.
    pub(super) fn find_ticket(&self, key: &str) -> Option<&Ticket> {
        let key = key.trim();
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            return key.parse().ok().and_then(|id| self.tickets.get(&id));
        }
        self.tickets
            .values()
            .find(|t| t.display.eq_ignore_ascii_case(key))
    }

    /// A ticket's posts, by id ascending.
    pub(super) fn posts_of(&self, ticket: u32) -> impl Iterator<Item = &Post> {
        self.posts.values().filter(move |p| p.ticket == ticket)
    }

    /// A ticket's notes, by id ascending.
    pub(super) fn notes_of(&self, ticket: u32) -> impl Iterator<Item = &Note> {
        self.notes.values().filter(move |n| n.ticket == ticket)
    }

    /// What the server keeps up to date from a ticket's posts.
    pub(super) fn activity(&self, t: &Ticket) -> Activity {
        let mut a = Activity {
            lastactivity: t.created,
            lastreplier: t.fullname.clone(),
            laststaffreply: 0,
            lastuserreply: 0,
            replies: 0,
        };
        let mut posts = 0usize;
        for p in self.posts_of(t.id) {
            posts += 1;
            a.lastactivity = a.lastactivity.max(p.dateline);
            a.lastreplier = p.fullname.clone();
            match p.author {
                Author::Staff(_) => a.laststaffreply = p.dateline,
                Author::User(_) => a.lastuserreply = p.dateline,
            }
        }
        a.replies = posts.saturating_sub(1);
        for n in self.notes_of(t.id) {
            a.lastactivity = a.lastactivity.max(n.dateline);
        }
        a
    }

    /// Whether the ticket's status marks it resolved.
    pub(super) fn is_resolved(&self, t: &Ticket) -> bool {
        self.status(t.status).is_some_and(|s| s.markasresolved)
    }
}

/// The values derived from a ticket's posts and notes.
pub(super) struct Activity {
    pub(super) lastactivity: i64,
    pub(super) lastreplier: String,
    pub(super) laststaffreply: i64,
    pub(super) lastuserreply: i64,
    pub(super) replies: usize,
}
