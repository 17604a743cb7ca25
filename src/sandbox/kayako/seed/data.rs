//! The demo data's names and texts: staff, organisations, users, and the subjects and post
//! bodies tickets are drawn from, with the hostile ones a client must round-trip (markup and
//! entities, a CDATA terminator, emoji with a zero-width joiner, Czech and Japanese, a control
//! character, a numeric-looking subject, a user called `true`).
//!
//! Owns: those literals. Must not: build records (the parent module does).

/// (id, group, first, last, username, designation, mobile, enabled, timezone).
pub(super) type StaffRow = (
    u32,
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
);

pub(super) const STAFF: &[StaffRow] = &[
    (
        1,
        1,
        "Dana",
        "Whitfield",
        "dana",
        "Support Lead",
        "+1 555 0101",
        true,
        "America/New_York",
    ),
    (
        2,
        2,
        "Tomáš",
        "Dvořák",
        "tomas",
        "Support Engineer",
        "+420 601 555 102",
        true,
        "Europe/Prague",
    ),
    (
        3,
        2,
        "Yuki",
        "Tanaka",
        "yuki",
        "Hardware Specialist",
        "",
        true,
        "Asia/Tokyo",
    ),
    (
        4,
        2,
        "Priya",
        "Nair",
        "priya",
        "Billing Specialist",
        "+91 98 5550 0104",
        true,
        "Asia/Kolkata",
    ),
    (5, 2, "Marcus", "Lee", "marcus", "", "", false, ""),
];

/// (id, name).
pub(super) const ORGANIZATIONS: &[(u32, &str)] = &[
    (1, "Acme Corp"),
    (2, "Pivovar Bohemia s.r.o."),
    (3, "東京システム株式会社"),
];

/// (id, group, role, organisation, salutation, fullname, email, designation, phone, enabled).
pub(super) type UserRow = (
    u32,
    u32,
    &'static str,
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

pub(super) const USERS: &[UserRow] = &[
    (
        1,
        3,
        "manager",
        1,
        "Ms.",
        "Jane Doe",
        "jane.doe@acme.example",
        "Office Manager",
        "+1 555 0142",
        true,
    ),
    (
        2,
        2,
        "user",
        1,
        "Mr.",
        "John Smith",
        "john.smith@acme.example",
        "Accountant",
        "+1 555 0143",
        true,
    ),
    (
        3,
        2,
        "user",
        0,
        "",
        "true",
        "true@example.net",
        "",
        "",
        true,
    ),
    (
        4,
        3,
        "manager",
        2,
        "Ing.",
        "Jiří Novák",
        "jiri.novak@pivovar.example",
        "Sládek",
        "+420 602 555 144",
        true,
    ),
    (
        5,
        2,
        "user",
        2,
        "",
        "Eva Svobodová",
        "eva.svobodova@pivovar.example",
        "",
        "",
        true,
    ),
    (
        6,
        3,
        "user",
        3,
        "",
        "山田 太郎",
        "yamada@tokyo-sys.example",
        "エンジニア",
        "+81 3 5555 0146",
        true,
    ),
    (
        7,
        2,
        "user",
        0,
        "Sra.",
        "María García",
        "maria.garcia@example.org",
        "",
        "",
        true,
    ),
    (
        8,
        1,
        "user",
        0,
        "",
        "Ahmed Hassan",
        "ahmed.hassan@example.org",
        "",
        "",
        true,
    ),
    (
        9,
        2,
        "user",
        1,
        "",
        "Li Wei",
        "li.wei@acme.example",
        "IT Administrator",
        "",
        true,
    ),
    (
        10,
        2,
        "user",
        0,
        "Ms.",
        "Olivia Brown",
        "olivia.brown@example.com",
        "",
        "",
        false,
    ),
    (
        11,
        2,
        "user",
        0,
        "Mr.",
        "Seán O'Brien",
        "sean.obrien@example.ie",
        "",
        "",
        true,
    ),
    (
        12,
        2,
        "user",
        3,
        "",
        "Ken Adams",
        "ken.adams@tokyo-sys.example",
        "",
        "",
        true,
    ),
];

/// (subject, first post) of ordinary tickets, drawn in turn.
pub(super) const TOPICS: &[(&str, &str)] = &[
    (
        "Cannot log in to the customer portal",
        "Since this morning the portal says my password is wrong, but I reset it twice.",
    ),
    (
        "Invoice shows the wrong VAT rate",
        "Our last invoice charged 21 % VAT; we are VAT-registered and should not be charged.",
    ),
    (
        "Replacement power supply for the X200 dock",
        "The dock's power supply makes a buzzing noise and the dock restarts every few minutes.",
    ),
    (
        "How do I export all our tickets?",
        "We would like a CSV export of everything our team raised this year.",
    ),
    (
        "Duplicate charge on the credit card",
        "We were charged twice for the March subscription. Please refund one of them.",
    ),
    (
        "Monitor flickers after firmware update",
        "After updating the firmware yesterday the monitor flickers whenever it wakes up.",
    ),
    (
        "Add a second admin to our account",
        "Please give Li Wei administrator access to our account as well.",
    ),
    (
        "Keyboard missing from the delivery",
        "The order arrived today but the keyboard was not in the box.",
    ),
    (
        "Change the billing address",
        "We moved offices; the new address is in the attached letter (pasted below).",
    ),
    (
        "E-mail notifications arrive late",
        "Notifications about replies reach us hours after the reply was posted.",
    ),
];

/// Later user posts, drawn in turn.
pub(super) const FOLLOW_UPS: &[&str] = &[
    "Thanks, that helped partly, but the problem is back this afternoon.",
    "I tried that and it did not change anything. Anything else I can do?",
    "Any news on this? We are blocked until it is fixed.",
    "That worked, thank you! You can close the ticket.",
];

/// Staff replies, drawn in turn (`{name}` is the requester's name).
pub(super) const REPLIES: &[&str] = &[
    "Hi {name},\n\nthanks for reaching out. Could you send us a screenshot of the error?",
    "Hi {name},\n\nwe have reproduced the problem and passed it to our engineers.",
    "Hi {name},\n\nthis should be fixed now. Please let us know if it happens again.",
    "Hi {name},\n\nI have escalated this to the second line; expect an update tomorrow.",
];

/// Staff notes, drawn in turn.
pub(super) const NOTES: &[&str] = &[
    "Customer is on the enterprise plan: reply within four hours.",
    "Checked the logs: the failures started after the 2.4 deploy.",
    "Called the customer, left a voicemail.",
];

/// Tags, drawn in pairs.
pub(super) const TAGS: &[&str] = &[
    "portal", "billing", "hardware", "urgent", "vip", "refund", "firmware", "export",
];

/// The subject of [`super::NUMERIC_SUBJECT_TICKET`]: must stay a string, not become 123.
pub const NUMERIC_SUBJECT: &str = "00123";
/// The subject of [`super::MARKUP_TICKET`]: markup and an entity that must arrive as text.
pub const MARKUP_SUBJECT: &str = "<b>Invoice</b> for R&D shows &amp; instead of &";
/// The first post of [`super::MARKUP_TICKET`] (an HTML post).
pub const MARKUP_BODY: &str =
    "<p>Hello <b>team</b>,</p><p>the R&amp;D invoice prints <i>&amp;amp;</i> literally.</p>";
/// The first post of [`super::CDATA_TICKET`]: a CDATA terminator, twice.
pub const CDATA_BODY: &str =
    "Our XML export breaks on ]]> in a comment, and on ]]]]> too. Sample: <![CDATA[x]]>";
/// The subject of [`super::EMOJI_TICKET`]: a ZWJ sequence (woman technologist) and more.
pub const EMOJI_SUBJECT: &str = "Laptop 👩‍💻 won't boot 🔥";
/// Its first post, with ZWJ sequences the post listing strips the joiners of.
pub const EMOJI_BODY: &str =
    "Our developer 👩‍💻 and the whole family 👨‍👩‍👧 are stuck: the laptop shows 🚫 at boot.";
pub const CZECH_SUBJECT: &str = "Příliš žluťoučký kůň úpěl ďábelské ódy";
pub const CZECH_BODY: &str =
    "Dobrý den, tiskárna v kanceláři hlásí chybu „papír uvízl“, i když je prázdná. Děkuji, Jiří";
pub const JAPANESE_SUBJECT: &str = "プリンターが動きません";
pub const JAPANESE_BODY: &str =
    "お世話になっております。昨日からプリンターが印刷できません。ご確認をお願いいたします。";
/// The first post of [`super::CONTROL_TICKET`]: terminal escapes and a bell, which the XML
/// writer strips (the rest stays).
pub const CONTROL_BODY: &str =
    "Pasted from the console: \u{1b}[31mERROR\u{1b}[0m disk full\u{7} (see above)";

/// A line of the large post's pasted log.
pub(super) fn log_line(n: usize) -> String {
    format!(
        "{:05} Nov 14 03:{:02}:{:02} host kernel: usb 1-1: device descriptor read/64, error -71\n",
        n,
        (n / 60) % 60,
        n % 60
    )
}
