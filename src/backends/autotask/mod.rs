//! Autotask PSA REST API v1.0: read and write.
//!
//! API: `https://webservicesN.autotask.net/ATServicesRest/V1.0/`, the zone found once through
//! zone discovery for the API user (or given: `AUTOTASK_ZONE`, `AUTOTASK_BASE_URL`). Auth: the
//! `ApiIntegrationCode`, `UserName` and `Secret` headers on every call (optional
//! `ImpersonationResourceId` on writes). Reads: `GET /E/{id}` (`{"item": ...}`) and
//! `POST /E/query` with a JSON filter (`{"items": [...], "pageDetails": {...}}`, 500 a page,
//! the next page POSTed to `nextPageUrl`). Writes: `POST` (`{"itemId": N}`, read back for the
//! after image), `PATCH` with the id in the body, `DELETE` where the API has one; notes,
//! contacts and tasks under their parent's URL. Picklists (status, priority, queue, note
//! type, publish, ...) are the instance's own, read from `entityInformation/fields` and cached
//! per account; never assumed.
//!
//! Layers: `client.rs` (transport, zone, headers, threshold, `parse_error`), `api/` (the
//! endpoints, the entities and their paths, the query grammar), `models.rs` (metadata and the
//! tools' parameters as upstream fields), `store.rs` and `refs.rs` (cached metadata and names,
//! and their fill), `resolve.rs` (labels and names to values), `reconcile.rs` (create once),
//! `tools/` (the `autotask_*` MCP tools, one file per entity).

/// The backend's name in tool names, policy files and the audit log.
pub const BACKEND: &str = "autotask";

/// The error a tool of this backend gives when the backend is not configured.
const NOT_CONFIGURED: &str = "Autotask is not configured: set AUTOTASK_API_USERNAME, \
    AUTOTASK_API_SECRET and AUTOTASK_API_INTEGRATION_CODE";

/// What the server instructions say about this backend's tools.
pub const INSTRUCTIONS: &str = "Autotask PSA (autotask_*): tickets (search with structured conditions, get, create, update; autotask_add_ticket_note is internal unless visibility is \"customer\"), ticket notes, companies, contacts, projects and tasks, time entries, configuration items, contracts, opportunities and resources. Statuses, priorities, queues, types and other picklists are the instance's own: give them by label (autotask_get_field_info lists them); companies, resources and contacts can be given by name. Results show labels and names next to ids. Searches return up to 500 rows a page and say when more exist (pass next_page to continue).";

pub mod api;
pub mod check;
pub mod client;
pub mod config;
pub mod models;
pub mod reconcile;
pub mod refs;
pub mod resolve;
pub mod session;
pub mod store;
pub mod tools;

pub use client::AutotaskClient;
pub use config::AutotaskConfig;
