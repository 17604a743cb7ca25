//! Kayako Classic (v4, "SWIFT") REST API: read only.
//!
//! API: `https://{host}/api/index.php?e=/Tickets/Ticket/...` (`KAYAKO_API_URL` is the entry
//! point). Auth: `apikey`, a fresh random `salt` and `signature = base64(HMAC-SHA256(key =
//! secret, message = salt))` on every request, in the query for GET and in the form body for
//! POST. Answers are XML with every value in CDATA; errors are plain text. Lists page with
//! `ListAll` path segments and are counted with `GetTicketCount`; posts and notes need the
//! internal ticket id (display ids are resolved first). Names (departments, statuses,
//! priorities, types, staff) come from the account's reference data, cached per account.
//!
//! Layers: `client.rs` (transport, signature, `parse_error`), `xml.rs` (the XML tree),
//! `api.rs` (one typed function per endpoint), `models.rs` (Kayako's records), `tools/` (the
//! `kayako_*` MCP tools), `check.rs` and `session.rs`.

/// The backend's name in tool names, policy files and the audit log.
pub const BACKEND: &str = "kayako";

/// The error a tool of this backend gives when the backend is not configured.
const NOT_CONFIGURED: &str =
    "Kayako is not configured: set KAYAKO_API_URL, KAYAKO_API_KEY and KAYAKO_SECRET_KEY";

/// What the server instructions say about this backend's tools.
pub const INSTRUCTIONS: &str = "Kayako Classic (kayako_*, read only): search tickets (kayako_search_tickets: subject and display id, contents, notes, requester e-mail or name), list them by department, status, owner or user with real paging (kayako_list_tickets says how many exist and the next offset), get one by its display id (ABC-123-45678) or internal id, read its posts (oldest first) and staff notes, and the reference data (departments, statuses, priorities, types, staff). Every id comes with its name.";

pub mod api;
pub mod check;
pub mod client;
pub mod config;
pub mod models;
pub mod session;
pub mod tools;
pub mod xml;

pub use client::KayakoClient;
pub use config::KayakoConfig;
