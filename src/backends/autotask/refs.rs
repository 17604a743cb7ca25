//! The database's reference data, cached per account: each entity's field metadata and
//! picklists (`entityInformation/fields`, single flight, [`REFS_TTL`]), and the names of
//! companies, resources, contacts and the other objects references point at, filled in
//! batches: the ids a page of results mentions that are not known yet cost one `in` query per
//! kind of name, never one request per row.
//!
//! Owns: filling and reading the caches of `store.rs` (the name fill). Must not: cache
//! anything a write's before image or policy depends on being fresh (those are read from
//! Autotask at the time).

use crate::backends::cache::Cached;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;
use tokio::time::Instant;

use super::api::entities::{self, Entity};
use super::api::{MAX_RECORDS, Query};
use super::client::AutotaskClient;
use super::models::Fields;
use super::store::{NameMap, REFS_TTL, lock};
use crate::error::Result;

/// The name of a row from its entity's name fields ("Ada Lovelace", "T2026.0001 Printer").
pub fn name_of(entity: &Entity, row: &Value) -> Option<String> {
    let parts: Vec<String> = entity
        .name_fields
        .iter()
        .filter_map(|f| match row.get(*f) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

impl AutotaskClient {
    /// An entity's fields and picklists (cached; concurrent first calls share one fetch).
    pub async fn fields(&self, entity: &'static Entity, refresh: bool) -> Result<Arc<Fields>> {
        let cell = lock(&self.refs.fields)
            .entry(entity.path)
            .or_insert_with(|| Arc::new(Cached::new(REFS_TTL)))
            .clone();
        cell.get(refresh, || self.fetch_fields(entity)).await
    }

    /// The names of `ids` of `entity`, from the cache; the missing ones are fetched in one
    /// `in` query (per 500). Ids Autotask does not show are left out.
    pub async fn names(&self, entity: &'static Entity, ids: &HashSet<i64>) -> Result<NameMap> {
        if ids.is_empty() || entity.name_fields.is_empty() {
            return Ok(NameMap::new());
        }
        let cell = lock(&self.refs.names)
            .entry(entity.path)
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new((Instant::now(), NameMap::new()))))
            .clone();
        // Held while filling: a concurrent caller waits and finds the names.
        let mut guard = cell.lock().await;
        if guard.0.elapsed() >= REFS_TTL {
            *guard = (Instant::now(), NameMap::new());
        }
        let mut missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !guard.1.contains_key(i))
            .collect();
        missing.sort_unstable();
        for chunk in missing.chunks(MAX_RECORDS as usize) {
            let mut q = Query::ids(chunk);
            q.include_fields = entity.name_fields.iter().map(|s| s.to_string()).collect();
            let page = self.query(entity, &q, None).await?;
            for row in &page.items {
                if let (Some(id), Some(name)) =
                    (row.get("id").and_then(Value::as_i64), name_of(entity, row))
                {
                    guard.1.insert(id, name);
                }
            }
            // Not visible or gone: remembered as unnamed so it is not asked for again.
            for id in chunk {
                guard.1.entry(*id).or_default();
            }
        }
        Ok(ids
            .iter()
            .filter_map(|i| {
                guard
                    .1
                    .get(i)
                    .filter(|n| !n.is_empty())
                    .map(|n| (*i, n.clone()))
            })
            .collect())
    }

    /// Remembers a name just written (a created company, a renamed contact), and forgets the
    /// name lookups of its entity.
    pub async fn remember_name(&self, entity: &'static Entity, row: &Value) {
        let (Some(id), Some(name)) = (row.get("id").and_then(Value::as_i64), name_of(entity, row))
        else {
            return;
        };
        // A new or renamed row changes what a name lookup would find.
        lock(&self.refs.found).retain(|(path, _), _| *path != entity.path);
        let cell = lock(&self.refs.names).get(entity.path).cloned();
        if let Some(cell) = cell {
            cell.lock().await.1.insert(id, name);
        }
    }

    /// The ids of `entity` whose name is `name` (exact, ignoring case), at most 25.
    pub async fn find_by_name(
        &self,
        entity: &'static Entity,
        name: &str,
    ) -> Result<Vec<(i64, String)>> {
        let key = (entity.path, name.trim().to_lowercase());
        if let Some((at, rows)) = lock(&self.refs.found).get(&key)
            && at.elapsed() < REFS_TTL
        {
            return Ok(rows.clone());
        }
        let rows = self.query_by_name(entity, name).await?;
        lock(&self.refs.found).insert(key, (Instant::now(), rows.clone()));
        Ok(rows)
    }

    async fn query_by_name(
        &self,
        entity: &'static Entity,
        name: &str,
    ) -> Result<Vec<(i64, String)>> {
        let filter = match entity.name_fields {
            [] => return Ok(Vec::new()),
            [one] => vec![serde_json::json!({"op": "eq", "field": one, "value": name})],
            [first, last, ..] => {
                // "Ada Lovelace": first and last name; one word: either.
                match name.trim().rsplit_once(' ') {
                    Some((f, l)) => vec![
                        serde_json::json!({"op": "eq", "field": first, "value": f.trim()}),
                        serde_json::json!({"op": "eq", "field": last, "value": l.trim()}),
                    ],
                    None => vec![serde_json::json!({"op": "or", "items": [
                        {"op": "eq", "field": first, "value": name.trim()},
                        {"op": "eq", "field": last, "value": name.trim()},
                    ]})],
                }
            }
        };
        let mut q = Query::of(filter);
        q.max_records = 25;
        q.include_fields = entity.name_fields.iter().map(|s| s.to_string()).collect();
        let page = self.query(entity, &q, None).await?;
        Ok(page
            .items
            .iter()
            .filter_map(|r| Some((r.get("id")?.as_i64()?, name_of(entity, r)?)))
            .collect())
    }

    /// The labels and names of a page of rows: for each row, its picklist fields' labels and
    /// its references' names, under the upstream field name. Costs nothing when the names are
    /// cached, else one query per kind of missing name.
    pub async fn labels(
        &self,
        entity: &'static Entity,
        rows: &[Value],
    ) -> Result<Vec<serde_json::Map<String, Value>>> {
        let fields = self.fields(entity, false).await?;
        let mut wanted: HashMap<&'static str, (&'static Entity, HashSet<i64>)> = HashMap::new();
        for f in &fields.fields {
            let Some(target) = f.references() else {
                continue;
            };
            for row in rows {
                if let Some(id) = row.get(&f.name).and_then(Value::as_i64) {
                    wanted
                        .entry(target.path)
                        .or_insert_with(|| (target, HashSet::new()))
                        .1
                        .insert(id);
                }
            }
        }
        let mut names: HashMap<&'static str, NameMap> = HashMap::new();
        for (path, (target, ids)) in wanted {
            names.insert(path, self.names(target, &ids).await?);
        }
        Ok(rows
            .iter()
            .map(|row| {
                let mut m = serde_json::Map::new();
                for f in &fields.fields {
                    let Some(v) = row.get(&f.name).filter(|v| !v.is_null()) else {
                        continue;
                    };
                    if f.is_pick_list {
                        if let Some(l) = f.label_of(v) {
                            m.insert(f.name.clone(), Value::String(l.to_string()));
                        }
                    } else if let Some(t) = f.references()
                        && let Some(n) = v
                            .as_i64()
                            .and_then(|id| names.get(t.path).and_then(|n| n.get(&id)))
                    {
                        m.insert(f.name.clone(), Value::String(n.clone()));
                    }
                }
                m
            })
            .collect())
    }

    /// The resource the API user is (by its username), for defaults such as a time entry's
    /// resource or a company's owner.
    pub async fn api_user(&self) -> Result<Option<i64>> {
        let mut q = Query::of(vec![serde_json::json!(
            {"op": "eq", "field": "userName", "value": self.config().username}
        )]);
        q.max_records = 1;
        q.include_fields = vec!["userName".into()];
        let page = self.query(&entities::RESOURCES, &q, None).await?;
        Ok(page
            .items
            .first()
            .and_then(|r| r.get("id"))
            .and_then(Value::as_i64))
    }

    /// A resource's default service desk role (or its first), if it has any.
    pub async fn default_role(&self, resource: i64) -> Result<Option<i64>> {
        let roles = self.service_desk_roles(resource).await?;
        let role = roles.iter().find(|(_, d)| *d).or(roles.first());
        Ok(role.map(|(r, _)| *r))
    }

    /// A resource's active service desk roles: (role id, is default).
    pub async fn service_desk_roles(&self, resource: i64) -> Result<Vec<(i64, bool)>> {
        let q = Query::of(vec![
            serde_json::json!({"op": "eq", "field": "resourceID", "value": resource}),
            serde_json::json!({"op": "eq", "field": "isActive", "value": true}),
        ]);
        let page = self.query(&entities::SERVICE_DESK_ROLES, &q, None).await?;
        Ok(page
            .items
            .iter()
            .filter_map(|r| {
                let role = r.get("roleID")?.as_i64()?;
                let default = r.get("isDefault").and_then(Value::as_bool).unwrap_or(false);
                Some((role, default))
            })
            .collect())
    }
}
