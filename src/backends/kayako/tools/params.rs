//! The arguments of the `kayako_*` tools: the original server's names and defaults, so
//! prompts written for it keep working, plus ids or names where a person would use names.

use crate::mcp::output::read_params;
use crate::mcp::params::IdOrName;

fn yes() -> bool {
    true
}

fn twenty() -> u32 {
    20
}

/// Sort order.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
pub enum SortOrder {
    #[serde(alias = "asc")]
    ASC,
    /// Default: newest activity first.
    #[default]
    #[serde(alias = "desc")]
    DESC,
}

read_params! {
    /// A full-text search.
    pub struct SearchTicketsParams {
        /// What to look for: words (all must match) or a display id like ABC-123-45678.
        #[validate(length(min = 1, max = 500))]
        pub query: String,
        /// Search the ticket contents: subject, requester name and e-mail, notes and post
        /// text (default true).
        #[serde(default = "yes")]
        pub search_contents: bool,
        /// Search subjects and display ids (default true).
        #[serde(default = "yes")]
        pub search_subject: bool,
        /// Search staff notes (default false).
        #[serde(default)]
        pub search_notes: bool,
        /// Search the requester's e-mail address (default false).
        #[serde(default)]
        pub search_user_email: bool,
        /// Search the requester's and post authors' names (default false).
        #[serde(default)]
        pub search_user_name: bool,
        /// Tickets per page, 1-100 (default 20).
        #[serde(default = "twenty")]
        #[validate(range(min = 1, max = 100))]
        pub limit: u32,
        /// Matches to skip (from an earlier answer's next_offset).
        #[serde(default)]
        #[validate(range(max = 100000))]
        pub offset: u64,
    }
}

read_params! {
    /// One ticket.
    pub struct GetTicketParams {
        /// The display id people see (ABC-123-45678) or the internal id (a number).
        pub ticket_id: IdOrName,
        /// Also show the ticket's posts, oldest first (default false).
        #[serde(default)]
        pub include_posts: bool,
    }
}

read_params! {
    /// A page of tickets.
    pub struct ListTicketsParams {
        /// The department, by id or name (default: every ticket department).
        #[serde(default)]
        pub department_id: Option<IdOrName>,
        /// The status, by id or name (default: every status not marked resolved).
        #[serde(default)]
        pub status_id: Option<IdOrName>,
        /// The owner, by staff id or name; 0 for unassigned tickets.
        #[serde(default)]
        pub owner_staff_id: Option<StaffOrNone>,
        /// The requester's user id.
        #[serde(default)]
        #[validate(range(min = 1))]
        pub user_id: Option<i64>,
        /// Tickets per page, 1-100 (default 20).
        #[serde(default = "twenty")]
        #[validate(range(min = 1, max = 100))]
        pub limit: u32,
        /// Tickets to skip (from an earlier answer's next_offset).
        #[serde(default)]
        #[validate(range(max = 10000000))]
        pub offset: u64,
        /// One of Kayako's sort fields (default lastactivity): lastactivity, dateline,
        /// duetime, resolutiondateline, ticketstatustitle, departmenttitle, prioritytitle,
        /// tickettypetitle, lastreplier, totalreplies, ownerstaffid, userid, creator,
        /// isescalated, hasattachments, hasnotes, ...
        #[serde(default)]
        #[validate(length(min = 1, max = 40))]
        pub sort_field: Option<String>,
        /// ASC or DESC (default DESC).
        #[serde(default)]
        pub sort_order: SortOrder,
    }
}

/// An owner: a staff member by id or name, or 0 for unassigned tickets.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum StaffOrNone {
    Id(i64),
    Name(String),
}

read_params! {
    /// A ticket's posts.
    pub struct TicketPostsParams {
        /// The display id (ABC-123-45678) or the internal id.
        pub ticket_id: IdOrName,
        /// Posts to skip, oldest first (from an earlier answer's next_offset).
        #[serde(default)]
        #[validate(range(max = 100000))]
        pub offset: u64,
    }
}

read_params! {
    /// A ticket's staff notes.
    pub struct TicketNotesParams {
        /// The display id (ABC-123-45678) or the internal id.
        pub ticket_id: IdOrName,
    }
}

read_params! {
    /// Reference data; no arguments besides the format.
    pub struct RefParams {}
}

read_params! {
    /// Staff members.
    pub struct StaffParams {
        /// Only members of this staff group, by id or name.
        #[serde(default)]
        pub group: Option<IdOrName>,
        /// Also list disabled staff (default false).
        #[serde(default)]
        pub include_disabled: bool,
    }
}

// What policy sees of a read: the arguments as given.
crate::mcp::params::as_given_view!(
    SearchTicketsParams,
    GetTicketParams,
    ListTicketsParams,
    TicketPostsParams,
    TicketNotesParams,
    RefParams,
    StaffParams,
);
