//! The tools as the policy layer sees them: backend, kind of operation, the fields rules may
//! test, and how raw arguments become the canonical values rules compare against.
//!
//! Owns: [`ToolMeta`]. Each backend describes its tools with it; the registry
//! (`backends::catalogue`) hands the whole list to [`super::Policy`], which validates policy
//! files against it (an unknown tool or field name stops the server).
//! Must not: import rmcp or a backend, or do I/O.

use serde_json::Value;

use crate::error::Result;

/// The kind of operation a tool performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    Read,
    Create,
    Update,
    Delete,
    /// Changes to the agent session itself.
    Session,
}

impl OpKind {
    pub const ALL: &'static [(&'static str, OpKind)] = &[
        ("read", OpKind::Read),
        ("create", OpKind::Create),
        ("update", OpKind::Update),
        ("delete", OpKind::Delete),
        ("session", OpKind::Session),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("read")
    }

    pub fn parse(s: &str) -> Option<OpKind> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }

    /// Creates, updates and deletes (not reads, not session changes).
    pub fn is_write(self) -> bool {
        matches!(self, OpKind::Create | OpKind::Update | OpKind::Delete)
    }
}

/// What values a field holds, for validating rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Integer,
    Bool,
    /// One of these canonical names (e.g. statuses).
    Enum(&'static [&'static str]),
    /// A referenced object (queue, user): its id once resolved, the given id or name in
    /// `policy explain`.
    Ref,
    /// A string that is not free text (an e-mail address, a date, a duration): compared like
    /// text, but not part of the `text` field.
    Plain,
}

/// Turns a tool's typed arguments into the canonical values policy rules compare against.
pub trait PolicyView {
    fn view(&self) -> Result<Value>;
}

/// [`ToolMeta::canonicalize`] for a tool whose arguments deserialize into `T`.
pub fn canonicalize_as<T: serde::de::DeserializeOwned + PolicyView>(raw: &Value) -> Result<Value> {
    let parsed: T = serde_path_to_error::deserialize(raw.clone()).map_err(|e| {
        crate::error::Error::new(
            crate::error::ErrorKind::InvalidInput,
            format!("invalid arguments: {}: {}", e.path(), e.inner()),
        )
    })?;
    parsed.view()
}

#[derive(Debug, Clone, Copy)]
pub struct FieldMeta {
    pub name: &'static str,
    pub kind: FieldKind,
}

/// Fields every tool has, computed from the call (see [`super::facts`]).
pub const VIRTUAL_FIELDS: &[FieldMeta] = &[
    // All free-text fields of the call, normalised as a reader sees them, joined.
    FieldMeta {
        name: "text",
        kind: FieldKind::Text,
    },
    // How many objects the call affects: 1 for single-object tools, or the items of its
    // lists (tags, recipients) when there are more.
    FieldMeta {
        name: "objects",
        kind: FieldKind::Integer,
    },
    // An e-mail address or phone number anywhere in what the call sends.
    FieldMeta {
        name: "personal_data",
        kind: FieldKind::Bool,
    },
    // A customer can see or receive this write (reply, public note or follow-up, a note
    // that notifies someone).
    FieldMeta {
        name: "customer_visible",
        kind: FieldKind::Bool,
    },
    // The write closes or resolves a ticket, whatever the status is called.
    FieldMeta {
        name: "closes",
        kind: FieldKind::Bool,
    },
    // The write raises a ticket to the highest priority its instance has, from a lower one.
    FieldMeta {
        name: "top_priority",
        kind: FieldKind::Bool,
    },
];

/// One tool, declared once: a `const` beside the tool's body that the router (its
/// annotations), policy (operation and fields), the MCP core and the audit log (backend,
/// operation, entity) all read.
#[derive(Debug, Clone, Copy)]
pub struct ToolMeta {
    /// The tool's name; its method in the backend's `#[tool_router]` has the same name.
    pub name: &'static str,
    pub backend: &'static str,
    /// Shown to people as the tool's title (annotations).
    pub title: &'static str,
    pub operation: OpKind,
    /// What the tool reads or changes (see the table in README, "Operations and entities").
    pub entity: &'static str,
    pub destructive: bool,
    /// Repeating the call with the same arguments changes nothing more.
    pub idempotent: bool,
    pub fields: &'static [FieldMeta],
    /// Raw arguments -> canonical values (enum names normalised). No I/O: references stay as
    /// given; the tool itself puts resolved ids in the view it passes at call time.
    pub canonicalize: fn(&Value) -> Result<Value>,
}

impl ToolMeta {
    pub fn field(&self, name: &str) -> Option<FieldMeta> {
        self.fields
            .iter()
            .chain(VIRTUAL_FIELDS.iter())
            .find(|f| f.name == name)
            .copied()
    }

    pub fn text_fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields
            .iter()
            .filter(|f| f.kind == FieldKind::Text)
            .map(|f| f.name)
    }
}

/// Declares a read-only tool of `backend`:
/// `read_decl!(CONST, BACKEND, "kayako_x", "Title", "entity", Params)`.
macro_rules! read_decl {
    ($c:ident, $backend:expr, $name:literal, $title:literal, $entity:literal, $p:ty) => {
        #[doc = concat!("`", $name, "`.")]
        pub const $c: $crate::policy::catalog::ToolMeta = $crate::policy::catalog::ToolMeta {
            name: $name,
            backend: $backend,
            title: $title,
            operation: $crate::policy::catalog::OpKind::Read,
            entity: $entity,
            destructive: false,
            idempotent: true,
            fields: &[],
            canonicalize: $crate::policy::catalog::canonicalize_as::<$p>,
        };
    };
}
pub(crate) use read_decl;
