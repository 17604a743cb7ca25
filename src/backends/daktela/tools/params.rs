//! The arguments of the `daktela_*` tools: lists take `skip`/`take` (bounded), a sort field
//! from the list's allow-list, and the filters a person reaches for, by name.

use crate::mcp::output::read_params;
use crate::mcp::params::{IdOrName, OneOrMany};

fn fifty() -> u32 {
    50
}

/// Sort direction.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    Asc,
    Desc,
}

read_params! {
    /// A page of tickets.
    pub struct TicketListParams {
        /// OPEN, WAIT, CLOSE or ARCHIVE (one or several).
        #[serde(default)]
        pub stage: Option<OneOrMany<String>>,
        /// LOW, MEDIUM or HIGH (one or several).
        #[serde(default)]
        pub priority: Option<OneOrMany<String>>,
        /// The category, by name (key) or title.
        #[serde(default)]
        pub category: Option<String>,
        /// The assigned user, by login or display name.
        #[serde(default)]
        pub user: Option<String>,
        /// Text in the contact's name.
        #[serde(default)]
        pub contact: Option<String>,
        /// Text in the contact's account (company) name.
        #[serde(default)]
        pub account: Option<String>,
        /// Text in the ticket's title.
        #[serde(default)]
        #[validate(length(min = 1, max = 200))]
        pub search: Option<String>,
        /// Created on or after: YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] (the instance's time).
        #[serde(default)]
        pub date_from: Option<String>,
        /// Created on or before; a date without a time means the end of that day.
        #[serde(default)]
        pub date_to: Option<String>,
        /// Records to skip (from an earlier answer's next_skip).
        #[serde(default)]
        #[validate(range(max = 1000000))]
        pub skip: u64,
        /// Records per page, 1-200 (default 50).
        #[serde(default = "fifty")]
        #[validate(range(min = 1, max = 200))]
        pub take: u32,
        /// A field the list may be sorted by (the tool description lists them).
        #[serde(default)]
        pub sort: Option<String>,
        /// asc or desc (default: the list's own, newest first for tickets).
        #[serde(default)]
        pub sort_dir: Option<SortDir>,
    }
}

read_params! {
    /// A page of any other list.
    pub struct ListParams {
        /// The queue, by name (number) or title.
        #[serde(default)]
        pub queue: Option<String>,
        /// The user (agent), by login or display name.
        #[serde(default)]
        pub user: Option<String>,
        /// Text in the contact's name.
        #[serde(default)]
        pub contact: Option<String>,
        /// Text in the account's name.
        #[serde(default)]
        pub account: Option<String>,
        /// The ticket's number.
        #[serde(default)]
        pub ticket: Option<IdOrName>,
        /// The call's activity (transcripts).
        #[serde(default)]
        pub activity: Option<String>,
        /// Activities: CALL, EMAIL, CHAT, SMS, FBM, IGDM, WAP, VBR, COMMENT, ...
        #[serde(default, rename = "type")]
        pub kind: Option<OneOrMany<String>>,
        /// CRM records: OPEN or CLOSE.
        #[serde(default)]
        pub stage: Option<OneOrMany<String>>,
        /// Calls and e-mails: in, out (calls also internal).
        #[serde(default)]
        pub direction: Option<String>,
        /// Calls and e-mails: only answered (true) or unanswered (false) ones.
        #[serde(default)]
        pub answered: Option<bool>,
        /// Text in the label (title; calls: the caller's number).
        #[serde(default)]
        #[validate(length(min = 1, max = 200))]
        pub search: Option<String>,
        /// On or after: YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] (the instance's time).
        #[serde(default)]
        pub date_from: Option<String>,
        /// On or before; a date without a time means the end of that day.
        #[serde(default)]
        pub date_to: Option<String>,
        /// Records to skip (from an earlier answer's next_skip).
        #[serde(default)]
        #[validate(range(max = 1000000))]
        pub skip: u64,
        /// Records per page, 1-200 (default 50).
        #[serde(default = "fifty")]
        #[validate(range(min = 1, max = 200))]
        pub take: u32,
        /// A field the list may be sorted by (the tool description lists them).
        #[serde(default)]
        pub sort: Option<String>,
        /// asc or desc.
        #[serde(default)]
        pub sort_dir: Option<SortDir>,
    }
}

read_params! {
    /// An account's tickets.
    pub struct AccountTicketsParams {
        /// The account, by name (key) or title.
        #[validate(length(min = 1, max = 200))]
        pub account: String,
        /// OPEN, WAIT, CLOSE or ARCHIVE (one or several).
        #[serde(default)]
        pub stage: Option<OneOrMany<String>>,
        /// Records to skip (from an earlier answer's next_skip).
        #[serde(default)]
        #[validate(range(max = 1000000))]
        pub skip: u64,
        /// Records per page, 1-200 (default 50).
        #[serde(default = "fifty")]
        #[validate(range(min = 1, max = 200))]
        pub take: u32,
    }
}

read_params! {
    /// One record by its key.
    pub struct GetParams {
        /// The record's key (`name`): the ticket number, the call id, or a name like
        /// contacts_5f3a....
        #[serde(alias = "ticket_id", alias = "call_id", alias = "id")]
        pub name: IdOrName,
    }
}

read_params! {
    /// Reference data.
    pub struct RefParams {
        /// Only entries whose title or name contains this (ignoring case).
        #[serde(default)]
        #[validate(length(min = 1, max = 200))]
        pub search: Option<String>,
        /// Read it from Daktela now instead of the five-minute cache.
        #[serde(default)]
        pub refresh: bool,
    }
}

// What policy sees of a read: the arguments as given.
crate::mcp::params::as_given_view!(
    TicketListParams,
    ListParams,
    AccountTicketsParams,
    GetParams,
    RefParams
);
