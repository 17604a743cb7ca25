//! This instance's picklist values. The numbers are deliberately not the common defaults, so a
//! client that assumes them fails against the simulator as it would against a real instance.
//!
//! Owns: the picklist table by (entity, field). Must not: validate values (`validate` does).

/// One picklist value of this instance.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pick {
    pub(super) value: i64,
    pub(super) label: &'static str,
    pub(super) default: bool,
    pub(super) active: bool,
    /// The value of the parent picklist this one belongs to (`subIssueType` under `issueType`).
    pub(super) parent: Option<i64>,
}

const fn p(value: i64, label: &'static str) -> Pick {
    Pick {
        value,
        label,
        default: false,
        active: true,
        parent: None,
    }
}

/// The default value.
const fn d(value: i64, label: &'static str) -> Pick {
    Pick {
        default: true,
        ..p(value, label)
    }
}

/// An inactive value: shown, but refused on writes.
const fn x(value: i64, label: &'static str) -> Pick {
    Pick {
        active: false,
        ..p(value, label)
    }
}

/// A value under `parent` of the parent picklist.
const fn c(value: i64, label: &'static str, parent: i64) -> Pick {
    Pick {
        parent: Some(parent),
        ..p(value, label)
    }
}

pub(super) const TICKET_STATUS: &[Pick] = &[
    d(2, "New"),
    p(7, "In Progress"),
    p(9, "Waiting Customer"),
    p(11, "Complete"),
    p(14, "On Hold"),
    x(16, "Cancelled"),
];
const TICKET_PRIORITY: &[Pick] = &[p(1, "Critical"), p(2, "High"), d(3, "Medium"), p(4, "Low")];
const QUEUE: &[Pick] = &[
    d(29682833, "Level I Support"),
    p(29682969, "Level II Support"),
    p(8, "Monitoring Alert"),
    p(5, "Client Portal"),
];
const TICKET_TYPE: &[Pick] = &[
    d(1, "Service Request"),
    p(2, "Incident"),
    p(3, "Problem"),
    p(4, "Change Request"),
    p(5, "Alert"),
];
const ISSUE: &[Pick] = &[p(3, "Hardware"), p(7, "Software"), p(12, "Network")];
const SUB_ISSUE: &[Pick] = &[
    c(31, "Printer", 3),
    c(32, "Laptop", 3),
    c(71, "Email", 7),
    c(72, "Office", 7),
    c(121, "VPN", 12),
    c(122, "Wi-Fi", 12),
];
const SOURCE: &[Pick] = &[
    p(2, "Phone"),
    d(4, "Email"),
    p(6, "Client Portal"),
    p(9, "Monitoring"),
];
const NOTE_TYPE: &[Pick] = &[
    p(1, "Task Summary"),
    p(3, "Task Detail"),
    d(13, "Internal Note"),
    p(18, "Resolution"),
];
const PUBLISH: &[Pick] = &[
    p(2, "All Autotask Users"),
    d(5, "Internal Project Team"),
    p(8, "Internal & Co-managed"),
];
const COMPANY_TYPE: &[Pick] = &[
    d(11, "Customer"),
    p(12, "Lead"),
    p(13, "Prospect"),
    p(17, "Vendor"),
    p(18, "Partner"),
];
const PROJECT_STATUS: &[Pick] = &[p(1, "New"), d(3, "Active"), p(5, "Complete")];
const PROJECT_TYPE: &[Pick] = &[
    p(2, "Proposal"),
    p(4, "Template"),
    d(5, "Client"),
    p(8, "Internal"),
];
const TASK_STATUS: &[Pick] = &[d(1, "New"), p(4, "In Progress"), p(5, "Complete")];
const TASK_TYPE: &[Pick] = &[d(1, "Fixed Work"), p(2, "Fixed Duration")];
const STAGE: &[Pick] = &[d(1, "Qualify"), p(2, "Propose"), p(3, "Close")];
const OPPORTUNITY_STATUS: &[Pick] = &[
    p(0, "Inactive"),
    d(1, "Active"),
    p(2, "Lost"),
    p(3, "Closed"),
    p(4, "Implemented"),
];
const CONTRACT_TYPE: &[Pick] = &[
    p(1, "Time and Materials"),
    p(3, "Fixed Price"),
    p(4, "Block Hours"),
    p(7, "Retainer"),
    p(8, "Recurring Service"),
];
const CONTRACT_CATEGORY: &[Pick] = &[d(1, "Standard"), p(2, "Managed Services")];
const CONTRACT_STATUS: &[Pick] = &[p(0, "Inactive"), d(1, "Active")];
const CI_TYPE: &[Pick] = &[p(1, "Workstation"), p(2, "Server"), p(3, "Network Device")];
const TIME_ENTRY_TYPE: &[Pick] = &[p(2, "Ticket"), p(6, "Task"), p(7, "Regular")];

/// The values of a picklist field (empty for a field without one).
pub(super) fn picks(entity: &str, field: &str) -> &'static [Pick] {
    match (entity, field) {
        ("Tickets", "status") => TICKET_STATUS,
        ("Tickets", "priority") => TICKET_PRIORITY,
        ("Tickets", "queueID") => QUEUE,
        ("Tickets", "ticketType") => TICKET_TYPE,
        ("Tickets", "issueType") => ISSUE,
        ("Tickets", "subIssueType") => SUB_ISSUE,
        ("Tickets", "source") => SOURCE,
        ("TicketNotes", "noteType") => NOTE_TYPE,
        ("TicketNotes", "publish") => PUBLISH,
        ("Companies", "companyType") => COMPANY_TYPE,
        ("Projects", "status") => PROJECT_STATUS,
        ("Projects", "projectType") => PROJECT_TYPE,
        ("Tasks", "status") => TASK_STATUS,
        ("Tasks", "taskType") => TASK_TYPE,
        ("Opportunities", "stage") => STAGE,
        ("Opportunities", "status") => OPPORTUNITY_STATUS,
        ("Contracts", "contractType") => CONTRACT_TYPE,
        ("Contracts", "contractCategory") => CONTRACT_CATEGORY,
        ("Contracts", "status") => CONTRACT_STATUS,
        ("ConfigurationItems", "configurationItemType") => CI_TYPE,
        ("TimeEntries", "timeEntryType") => TIME_ENTRY_TYPE,
        _ => &[],
    }
}
