//! Kayako's records as the tools use them, read from the XML elements of `xml.rs`.
//!
//! Owns: which of Kayako's fields are numbers (ids, Unix timestamps, counts, 0/1 flags): every
//! other value stays the string Kayako sent, so `00123` stays `00123` and a name `true` stays
//! a string; the names of Kayako's XML elements and attributes.
//! Must not: fetch anything, or format for people (render.rs does).

use super::xml::Element;

/// A number Kayako sends as digits; empty or anything else is 0 (Kayako's "none").
fn int(e: &Element, name: &str) -> i64 {
    e.text_of(name).trim().parse().unwrap_or(0)
}

fn attr_int(e: &Element, name: &str) -> i64 {
    e.attr(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn flag(e: &Element, name: &str) -> bool {
    int(e, name) != 0
}

/// An attachment's description (its contents are not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub filename: String,
    pub size: i64,
    pub mime_type: String,
}

/// One post (a reply by the requester or staff) of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub ticket_id: i64,
    pub dateline: i64,
    pub user_id: i64,
    pub staff_id: i64,
    pub full_name: String,
    pub email: String,
    /// 1 staff, 2 user (the requester or another user).
    pub creator: i64,
    pub third_party: bool,
    pub html: bool,
    pub private: bool,
    pub contents: String,
    pub attachments: Vec<Attachment>,
}

impl Post {
    pub fn from_xml(e: &Element) -> Post {
        let id = match int(e, "id") {
            0 => int(e, "ticketpostid"),
            id => id,
        };
        Post {
            id,
            ticket_id: int(e, "ticketid"),
            dateline: int(e, "dateline"),
            user_id: int(e, "userid"),
            staff_id: int(e, "staffid"),
            full_name: e.text_of("fullname"),
            email: e.text_of("email"),
            creator: int(e, "creator"),
            third_party: flag(e, "isthirdparty"),
            html: flag(e, "ishtml"),
            private: flag(e, "isprivate"),
            contents: e.text_of("contents"),
            attachments: e
                .child("attachments")
                .map(|a| {
                    a.all("attachment")
                        .map(|x| Attachment {
                            id: int(x, "id"),
                            filename: x.text_of("filename"),
                            size: int(x, "filesize"),
                            mime_type: x.text_of("filetype"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether staff wrote it.
    pub fn by_staff(&self) -> bool {
        self.creator == 1 || (self.staff_id != 0 && self.user_id == 0)
    }
}

/// A staff-only note on a ticket (or on its user or organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    /// ticket, user, userorganization or timetrack.
    pub kind: String,
    pub ticket_id: i64,
    pub creator_staff_id: i64,
    pub creator_staff_name: String,
    pub for_staff_id: i64,
    pub created: i64,
    pub contents: String,
}

impl Note {
    pub fn from_xml(e: &Element) -> Note {
        Note {
            id: attr_int(e, "id"),
            kind: e.attr("type").unwrap_or("ticket").to_string(),
            ticket_id: attr_int(e, "ticketid"),
            creator_staff_id: attr_int(e, "creatorstaffid"),
            creator_staff_name: e.attr("creatorstaffname").unwrap_or_default().to_string(),
            for_staff_id: attr_int(e, "forstaffid"),
            created: attr_int(e, "creationdate"),
            contents: e.text.clone(),
        }
    }
}

/// A ticket; `posts` only where Kayako includes them (get and search, not lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: i64,
    pub display_id: String,
    pub department_id: i64,
    pub status_id: i64,
    pub priority_id: i64,
    pub type_id: i64,
    pub user_id: i64,
    pub organization: String,
    pub organization_id: i64,
    pub owner_staff_id: i64,
    pub owner_staff_name: String,
    pub full_name: String,
    pub email: String,
    pub last_replier: String,
    pub subject: String,
    pub created: i64,
    pub last_activity: i64,
    pub last_staff_reply: i64,
    pub last_user_reply: i64,
    pub replies: i64,
    pub escalated: bool,
    pub tags: Vec<String>,
    pub posts: Option<Vec<Post>>,
    pub notes: Vec<Note>,
}

impl Ticket {
    pub fn from_xml(e: &Element) -> Ticket {
        let id = match attr_int(e, "id") {
            0 => int(e, "id"),
            id => id,
        };
        Ticket {
            id,
            display_id: e.text_of("displayid"),
            department_id: int(e, "departmentid"),
            status_id: int(e, "statusid"),
            priority_id: int(e, "priorityid"),
            type_id: int(e, "typeid"),
            user_id: int(e, "userid"),
            organization: e.text_of("userorganization"),
            organization_id: int(e, "userorganizationid"),
            owner_staff_id: int(e, "ownerstaffid"),
            owner_staff_name: e.text_of("ownerstaffname"),
            full_name: e.text_of("fullname"),
            email: e.text_of("email"),
            last_replier: e.text_of("lastreplier"),
            subject: e.text_of("subject"),
            created: int(e, "creationtime"),
            last_activity: int(e, "lastactivity"),
            last_staff_reply: int(e, "laststaffreply"),
            last_user_reply: int(e, "lastuserreply"),
            replies: int(e, "replies"),
            escalated: flag(e, "isescalated"),
            tags: e
                .text_of("tags")
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            posts: e.child("posts").map(|p| {
                let mut posts: Vec<Post> = p.all("post").map(Post::from_xml).collect();
                posts.sort_by_key(|p| (p.dateline, p.id));
                posts
            }),
            notes: e.all("note").map(Note::from_xml).collect(),
        }
    }
}

/// `<tickets><ticket>...` as tickets.
pub fn tickets(root: &Element) -> Vec<Ticket> {
    root.all("ticket").map(Ticket::from_xml).collect()
}

/// `<posts><post>...` as posts, oldest first.
pub fn posts(root: &Element) -> Vec<Post> {
    let mut posts: Vec<Post> = root.all("post").map(Post::from_xml).collect();
    posts.sort_by_key(|p| (p.dateline, p.id));
    posts
}

/// `<notes><note>...` as notes, oldest first.
pub fn notes(root: &Element) -> Vec<Note> {
    let mut notes: Vec<Note> = root.all("note").map(Note::from_xml).collect();
    notes.sort_by_key(|n| (n.created, n.id));
    notes
}

/// `<tickets><totalcount>N</totalcount></tickets>`.
pub fn total_count(root: &Element) -> Option<u64> {
    root.child("totalcount")
        .and_then(|c| c.text.trim().parse().ok())
}

/// A department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    pub title: String,
    /// public or private.
    pub kind: String,
    /// tickets or livechat.
    pub app: String,
    pub parent_id: i64,
    pub display_order: i64,
}

/// A ticket status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub id: i64,
    pub title: String,
    /// 0 for every department.
    pub department_id: i64,
    pub kind: String,
    pub resolved: bool,
    pub display_order: i64,
}

/// A ticket priority or type (same fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub id: i64,
    pub title: String,
    pub kind: String,
    /// Types only: 0 for every department.
    pub department_id: i64,
    pub display_order: i64,
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: i64,
    pub group_id: i64,
    pub full_name: String,
    pub username: String,
    pub email: String,
    pub designation: String,
    pub enabled: bool,
}

/// A staff team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffGroup {
    pub id: i64,
    pub title: String,
}

/// The account's reference data: the names behind the ids on every ticket.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    pub departments: Vec<Department>,
    pub statuses: Vec<Status>,
    pub priorities: Vec<Level>,
    pub types: Vec<Level>,
    pub staff: Vec<Staff>,
    pub staff_groups: Vec<StaffGroup>,
}

impl Refs {
    pub fn department(&self, id: i64) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }
    pub fn status(&self, id: i64) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }
    pub fn priority(&self, id: i64) -> Option<&Level> {
        self.priorities.iter().find(|s| s.id == id)
    }
    pub fn ticket_type(&self, id: i64) -> Option<&Level> {
        self.types.iter().find(|s| s.id == id)
    }
    pub fn staff_member(&self, id: i64) -> Option<&Staff> {
        self.staff.iter().find(|s| s.id == id)
    }
    pub fn staff_group(&self, id: i64) -> Option<&StaffGroup> {
        self.staff_groups.iter().find(|s| s.id == id)
    }
    /// The ticket departments (not live chat ones).
    pub fn ticket_departments(&self) -> impl Iterator<Item = &Department> {
        self.departments
            .iter()
            .filter(|d| d.app.is_empty() || d.app.eq_ignore_ascii_case("tickets"))
    }
}

pub fn departments(root: &Element) -> Vec<Department> {
    root.all("department")
        .map(|e| Department {
            id: int(e, "id"),
            title: e.text_of("title"),
            kind: e.text_of("type"),
            app: match e.text_of("app") {
                a if a.is_empty() => e.text_of("module"),
                a => a,
            },
            parent_id: int(e, "parentdepartmentid"),
            display_order: int(e, "displayorder"),
        })
        .collect()
}

pub fn statuses(root: &Element) -> Vec<Status> {
    root.all("ticketstatus")
        .map(|e| Status {
            id: int(e, "id"),
            title: e.text_of("title"),
            department_id: int(e, "departmentid"),
            kind: e.text_of("type"),
            resolved: flag(e, "markasresolved"),
            display_order: int(e, "displayorder"),
        })
        .collect()
}

/// `<ticketpriorities><ticketpriority>` or `<tickettypes><tickettype>` (`item` names it).
pub fn levels(root: &Element, item: &str) -> Vec<Level> {
    root.all(item)
        .map(|e| Level {
            id: int(e, "id"),
            title: e.text_of("title"),
            kind: e.text_of("type"),
            department_id: int(e, "departmentid"),
            display_order: int(e, "displayorder"),
        })
        .collect()
}

pub fn staff(root: &Element) -> Vec<Staff> {
    root.all("staff")
        .map(|e| {
            let full = e.text_of("fullname");
            let full_name = if full.is_empty() {
                format!("{} {}", e.text_of("firstname"), e.text_of("lastname"))
                    .trim()
                    .to_string()
            } else {
                full
            };
            Staff {
                id: int(e, "id"),
                group_id: int(e, "staffgroupid"),
                full_name,
                username: e.text_of("username"),
                email: e.text_of("email"),
                designation: e.text_of("designation"),
                enabled: e.child("isenabled").is_none() || flag(e, "isenabled"),
            }
        })
        .collect()
}

pub fn staff_groups(root: &Element) -> Vec<StaffGroup> {
    root.all("staffgroup")
        .map(|e| StaffGroup {
            id: int(e, "id"),
            title: e.text_of("title"),
        })
        .collect()
}

macro_rules! named {
    ($($t:ty => $name:ident),* $(,)?) => {$(
        impl crate::backends::resolve::Named for $t {
            fn id(&self) -> i64 {
                self.id
            }
            fn name(&self) -> &str {
                &self.$name
            }
        }
    )*};
}

named!(
    Department => title,
    Status => title,
    Level => title,
    Staff => full_name,
    StaffGroup => title,
);
