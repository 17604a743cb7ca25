//! Where the account's reference data is kept: each entity's field metadata (single flight,
//! [`REFS_TTL`]) and each entity's names by id. Storage only: `refs.rs` fills and reads it.
//!
//! Must not: send anything.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::models::Fields;
use crate::backends::cache::Cached;

/// How long field metadata and names are reused.
pub const REFS_TTL: Duration = Duration::from_secs(300);

pub(super) type NameMap = HashMap<i64, String>;
/// One entity's names and when they were first cached.
pub(super) type NameCell = Arc<tokio::sync::Mutex<(Instant, NameMap)>>;

/// The rows a name lookup found, and when it was made.
pub(super) type Found = (Instant, Vec<(i64, String)>);

/// Field metadata per entity and names per entity.
#[derive(Default)]
pub struct Refs {
    pub(super) fields: std::sync::Mutex<HashMap<&'static str, Arc<Cached<Fields>>>>,
    pub(super) names: std::sync::Mutex<HashMap<&'static str, NameCell>>,
    /// (entity, name in lower case) -> the rows of that name found, and when.
    pub(super) found: std::sync::Mutex<HashMap<(&'static str, String), Found>>,
}

pub(super) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}
