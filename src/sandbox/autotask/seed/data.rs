//! The demo data's names and texts: companies, people, products, and the titles and bodies
//! tickets, notes and tasks are drawn from (some hostile: markup, entities, emoji, Czech and
//! German text).

/// (id, name, companyType, phone, city).
pub(super) const COMPANIES: &[(i64, &str, i64, &str, &str)] = &[
    (0, "Zeta Managed Services", 18, "+1 555 0100", "Denver"),
    (174, "Acme Dental", 11, "+1 555 0174", "Boulder"),
    (175, "Northwind Logistics", 11, "+1 555 0175", "Aurora"),
    (
        176,
        "Pivovar Bohemia s.r.o.",
        11,
        "+420 221 555 176",
        "Praha",
    ),
    (177, "Müller & Söhne GmbH", 11, "+49 30 555177", "Berlin"),
    (178, "Harbor View Medical", 11, "+1 555 0178", "Golden"),
    (179, "Pinecrest Law Group", 11, "+1 555 0179", "Lakewood"),
    (180, "Redwood Accounting", 11, "+1 555 0180", "Littleton"),
    (181, "Lakeside Schools", 11, "+1 555 0181", "Englewood"),
    (182, "Summit Architects", 11, "+1 555 0182", "Arvada"),
    (183, "Ingram Supply Co.", 17, "+1 555 0183", "Irvine"),
    (184, "Keystone Realty", 13, "+1 555 0184", "Parker"),
    (185, "Orchard Vets", 12, "+1 555 0185", "Louisville"),
];

/// (id, first, last, title, active, roles: default first).
pub(super) type Tech = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [i64],
);

pub(super) const TECHNICIANS: &[Tech] = &[
    (
        29682886,
        "Jana",
        "Nováková",
        "Service Desk Technician",
        true,
        &[29682801, 29682802],
    ),
    (
        29682887,
        "Lukas",
        "Müller",
        "Senior Technician",
        true,
        &[29682802, 29682803],
    ),
    (
        29682888,
        "Priya",
        "Raman",
        "Service Desk Technician",
        true,
        &[29682801],
    ),
    (
        29682889,
        "Tom",
        "Becker",
        "Systems Engineer",
        true,
        &[29682803, 29682804],
    ),
    (
        29682890,
        "Sofia",
        "Alvarez",
        "Project Manager",
        true,
        &[29682804, 29682802],
    ),
    (
        29682891,
        "Mark",
        "Dunn",
        "Former Technician",
        false,
        &[29682801],
    ),
];

/// (id, name, hourly rate).
pub(super) const ROLES: &[(i64, &str, f64)] = &[
    (29682801, "Helpdesk Tier 1", 95.0),
    (29682802, "Helpdesk Tier 2", 125.0),
    (29682803, "Engineer", 150.0),
    (29682804, "Project Manager", 140.0),
];

pub(super) const FIRST_NAMES: &[&str] = &[
    "Alice", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hana", "Ivan", "Julia", "Karel",
    "Lena", "Marek", "Nina", "Oscar", "Petra", "Quinn", "Rosa", "Stefan", "Tereza",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Anderson",
    "Brooks",
    "Černá",
    "Dvořák",
    "Engel",
    "Fischer",
    "García",
    "Horák",
    "Ito",
    "Jensen",
    "Köhler",
    "Lopez",
    "Marsh",
    "Novák",
    "O'Brien",
    "Patel",
    "Quintero",
    "Richter",
    "Schneider",
    "Turner",
];

/// (id, name).
pub(super) const PRODUCTS: &[(i64, &str)] = &[
    (232, "Dell OptiPlex 7010"),
    (233, "Cisco Meraki MX68"),
    (234, "HP LaserJet Pro M404"),
    (235, "Dell PowerEdge R650"),
    (236, "Ubiquiti UniFi AP AC Pro"),
    (237, "Lenovo ThinkPad T14"),
    (238, "Synology DS920+"),
    (239, "APC Smart-UPS 1500"),
];

/// (title, description, issueType, subIssueType).
pub(super) const TICKET_TEXTS: &[(&str, &str, i64, i64)] = &[
    (
        "Printer offline on second floor",
        "The HP printer shows offline for everyone.",
        3,
        31,
    ),
    (
        "Outlook keeps asking for password",
        "Since this morning Outlook prompts again.",
        7,
        71,
    ),
    (
        "VPN disconnects every few minutes",
        "Remote staff lose the VPN tunnel.",
        12,
        121,
    ),
    (
        "New laptop setup for starter",
        "Please prepare a ThinkPad for Monday.",
        3,
        32,
    ),
    (
        "Excel crashes when opening macros",
        "Office repair did not help.",
        7,
        72,
    ),
    (
        "Wi-Fi slow in meeting room",
        "Speed test shows 2 Mbit/s.",
        12,
        122,
    ),
    (
        "Shared mailbox missing",
        "The billing@ mailbox vanished from Outlook.",
        7,
        71,
    ),
    (
        "Laptop battery swelling",
        "The battery bulges; the laptop is unsafe.",
        3,
        32,
    ),
    ("Cannot print PDFs", "PDFs print as blank pages.", 3, 31),
    (
        "Teams meeting audio echo",
        "Echo on every call from the board room.",
        7,
        72,
    ),
    (
        "Firewall blocking supplier portal",
        "The supplier's site times out.",
        12,
        121,
    ),
    (
        "Backup job failed overnight",
        "Synology Hyper Backup reported an error.",
        3,
        32,
    ),
];

/// Tickets whose text is hostile: (index into the seed's tickets, title, description).
pub(super) const HOSTILE: &[(usize, &str, &str)] = &[
    (
        2,
        "<script>alert('x')</script> in portal login",
        "<b>bold</b> <img src=x onerror=1>",
    ),
    (
        9,
        "Invoice &amp; statement export broken",
        "Exports show &amp;amp; and &lt;tags&gt;",
    ),
    (
        19,
        "Drucker im Büro druckt nicht 🖨️",
        "Grüße aus München – der Drucker streikt. 😩",
    ),
    (
        29,
        "Tiskárna nefunguje – prosím o pomoc",
        "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    ),
];

pub(super) const NOTE_TEXTS: &[(&str, &str)] = &[
    (
        "Called the customer",
        "Spoke with the contact; they will test after lunch.",
    ),
    (
        "Remote session",
        "Connected remotely and collected the logs.",
    ),
    (
        "Waiting for vendor",
        "Opened a case with the vendor, reference pending.",
    ),
    ("Fixed", "Replaced the driver and confirmed printing works."),
    ("Escalated", "Escalated to Level II for a deeper look."),
    ("Poznámka", "Zákazník potvrdil opravu. Děkujeme!"),
];

pub(super) const TASK_TITLES: &[&str] = &[
    "Kick-off meeting",
    "Inventory current hardware",
    "Order equipment",
    "Configure servers",
    "Migrate mailboxes",
    "User training",
    "Cut-over weekend",
    "Project close-out",
];

/// (id, name, company, type, status, days from now to start, length in days).
pub(super) const PROJECTS: &[(i64, &str, i64, i64, i64, i64, i64)] = &[
    (3101, "Acme Dental server refresh", 174, 5, 3, -40, 60),
    (3102, "Northwind Wi-Fi rollout", 175, 5, 5, -85, 30),
    (
        3103,
        "Müller & Söhne Microsoft 365 migration",
        177,
        5,
        3,
        -20,
        45,
    ),
    (3104, "Harbor View backup overhaul", 178, 5, 1, 5, 30),
    (3105, "Zeta internal RMM upgrade", 0, 8, 3, -10, 20),
];
