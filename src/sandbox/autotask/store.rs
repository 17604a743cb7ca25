//! The tenant's records: one table of JSON rows per entity, keyed by id, and the writes the API
//! allows (create, merge or replace update, delete) with the fields the server sets itself.
//!
//! Owns: [`Store`], [`Actor`] (who writes: the API user or the impersonated resource) and ticket
//! numbers. Every row holds every field of its entity (`null` when empty) and, for entities with
//! user-defined fields, `userDefinedFields: [{name, value}]`, so a row is its own JSON view.
//! Must not: check field values (`validate` does) or know about HTTP.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::schema::Entity;
use crate::sandbox::kit::time::ts;

pub(super) type Row = Map<String, Value>;

/// Who writes, and when.
pub(super) struct Actor {
    /// The resource the write is attributed to: the impersonated one, else the API user.
    pub(super) resource: i64,
    /// `ImpersonationResourceId`, when given.
    pub(super) impersonator: Option<i64>,
    pub(super) now: DateTime<Utc>,
}

static EMPTY: BTreeMap<i64, Row> = BTreeMap::new();

pub(super) struct Store {
    tables: HashMap<&'static str, BTreeMap<i64, Row>>,
    next: HashMap<&'static str, i64>,
    /// Tickets numbered per day: `T20261202.0001`.
    ticket_days: HashMap<String, u32>,
    pub(super) api_user: i64,
}

/// A row's integer field.
pub(super) fn int(row: &Row, field: &str) -> Option<i64> {
    row.get(field).and_then(Value::as_i64)
}

impl Store {
    pub(super) fn new(api_user: i64) -> Self {
        Store {
            tables: HashMap::new(),
            next: HashMap::new(),
            ticket_days: HashMap::new(),
            api_user,
        }
    }

    pub(super) fn table(&self, entity: &str) -> &BTreeMap<i64, Row> {
        self.tables.get(entity).unwrap_or(&EMPTY)
    }

    pub(super) fn get(&self, entity: &str, id: i64) -> Option<&Row> {
        self.table(entity).get(&id)
    }

    pub(super) fn exists(&self, entity: &str, id: i64) -> bool {
        self.table(entity).contains_key(&id)
    }

    /// A row of `def` with every field `null`, and its `id`.
    pub(super) fn blank(def: &Entity, id: i64) -> Row {
        let mut row: Row = def
            .fields
            .iter()
            .map(|f| (f.name.to_string(), Value::Null))
            .collect();
        row.insert("id".into(), json!(id));
        if !def.udfs.is_empty() {
            let udfs: Vec<Value> = def
                .udfs
                .iter()
                .map(|n| json!({"name": n, "value": null}))
                .collect();
            row.insert("userDefinedFields".into(), Value::Array(udfs));
        }
        row
    }

    /// Stores `row` under its `id` (seeding and writes).
    pub(super) fn insert(&mut self, def: &'static Entity, row: Row) {
        let id = int(&row, "id").unwrap_or(0);
        let next = self.next.entry(def.name).or_insert(def.first_id);
        *next = (*next).max(id + 1);
        self.tables.entry(def.name).or_default().insert(id, row);
    }

    fn next_id(&self, def: &Entity) -> i64 {
        self.next.get(def.name).copied().unwrap_or(def.first_id)
    }

    /// The next ticket number of the day of `at`.
    pub(super) fn ticket_number(&mut self, at: DateTime<Utc>) -> String {
        let day = at.format("%Y%m%d").to_string();
        let n = self.ticket_days.entry(day.clone()).or_insert(0);
        *n += 1;
        format!("T{day}.{n:04}")
    }

    /// Whether `role` is one of `resource`'s active service desk roles.
    pub(super) fn has_role(&self, resource: i64, role: i64) -> bool {
        self.table("ResourceServiceDeskRoles").values().any(|r| {
            int(r, "resourceID") == Some(resource)
                && int(r, "roleID") == Some(role)
                && r.get("isActive") == Some(&Value::Bool(true))
        })
    }

    /// Whether `id` is an active resource.
    pub(super) fn active_resource(&self, id: i64) -> bool {
        self.get("Resources", id)
            .is_some_and(|r| r.get("isActive") == Some(&Value::Bool(true)))
    }

    /// `POST`: a new row from `body`; `parent` is the (field, id) a child URL names.
    pub(super) fn create(
        &mut self,
        def: &'static Entity,
        body: &Value,
        parent: Option<(&str, i64)>,
        actor: &Actor,
    ) -> Result<i64, ApiError> {
        let obj = object(body)?;
        let id = self.next_id(def);
        let mut row = Store::blank(def, id);
        if let Some((field, pid)) = parent {
            self.parent_exists(def, field, pid)?;
            row.insert(field.into(), json!(pid));
        }
        self.apply(def, obj, &mut row, None, parent.map(|p| p.0))?;
        self.check(def, &mut row, None)?;
        self.stamp(def, &mut row, None, actor);
        self.insert(def, row);
        Ok(id)
    }

    /// `PATCH` (merge) or `PUT` (`replace`: fields left out become `null`), by `id` in the body.
    pub(super) fn update(
        &mut self,
        def: &'static Entity,
        body: &Value,
        replace: bool,
        parent: Option<(&str, i64)>,
        actor: &Actor,
    ) -> Result<i64, ApiError> {
        let obj = object(body)?;
        let id = obj
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("id"))
            .and_then(|(_, v)| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            .ok_or_else(|| ApiError::invalid("Missing Required Field: id"))?;
        let old = self
            .get(def.name, id)
            .filter(|r| parent.is_none_or(|(f, pid)| int(r, f) == Some(pid)))
            .cloned()
            .ok_or_else(|| {
                ApiError::invalid(format!("{} with id {id} does not exist.", def.singular))
            })?;
        let mut row = if replace {
            let mut fresh = Store::blank(def, id);
            for f in def.fields.iter().filter(|f| f.read_only) {
                fresh.insert(f.name.into(), old[f.name].clone());
            }
            if let Some((field, _)) = parent {
                fresh.insert(field.into(), old[field].clone());
            }
            fresh
        } else {
            old.clone()
        };
        self.apply(def, obj, &mut row, Some(&old), parent.map(|p| p.0))?;
        self.check(def, &mut row, Some(&old))?;
        self.stamp(def, &mut row, Some(&old), actor);
        self.insert(def, row);
        Ok(id)
    }

    /// `DELETE /.../{id}`.
    pub(super) fn delete(
        &mut self,
        def: &'static Entity,
        id: i64,
        parent: Option<(&str, i64)>,
    ) -> Result<i64, ApiError> {
        let found = self
            .get(def.name, id)
            .is_some_and(|r| parent.is_none_or(|(f, pid)| int(r, f) == Some(pid)));
        if !found {
            return Err(ApiError::invalid(format!(
                "{} with id {id} does not exist.",
                def.singular
            )));
        }
        if let Some(t) = self.tables.get_mut(def.name) {
            t.remove(&id);
        }
        Ok(id)
    }

    fn parent_exists(&self, def: &Entity, field: &str, pid: i64) -> Result<(), ApiError> {
        let target = def.field(field).and_then(|f| f.reference).unwrap_or("");
        if self.exists(target, pid) {
            Ok(())
        } else {
            Err(ApiError::invalid(format!(
                "The parent entity of {} with {field} {pid} does not exist.",
                def.singular
            )))
        }
    }

    /// The fields the server sets: ids, creation and activity stamps, ticket numbers, who.
    fn stamp(&mut self, def: &Entity, row: &mut Row, old: Option<&Row>, actor: &Actor) {
        let now = json!(ts(actor.now));
        let me = json!(actor.resource);
        let set = |row: &mut Row, field: &str, v: Value| {
            if def.has(field) {
                row.insert(field.into(), v);
            }
        };
        for f in [
            "lastActivityDate",
            "lastActivityDateTime",
            "lastModifiedDateTime",
        ] {
            set(row, f, now.clone());
        }
        set(row, "lastActivityResourceID", me.clone());
        if old.is_none() {
            for f in ["createDate", "createDateTime"] {
                set(row, f, now.clone());
            }
            for f in ["creatorResourceID", "createdByResourceID", "creatorUserID"] {
                set(row, f, me.clone());
            }
            set(row, "creatorType", json!(1));
            set(
                row,
                "impersonatorCreatorResourceID",
                json!(actor.impersonator),
            );
            if def.name == "Tickets" {
                let number = self.ticket_number(actor.now);
                row.insert("ticketNumber".into(), json!(number));
            }
        }
        let done = match def.name {
            "Tickets" => Some(("status", 11, "completedDate", "completedByResourceID")),
            "Projects" => Some(("status", 5, "completedDateTime", "")),
            _ => None,
        };
        if let Some((status, complete, at, by)) = done {
            let was = old.and_then(|o| int(o, status));
            let is = int(row, status);
            if is == Some(complete) && was != Some(complete) {
                set(row, at, now.clone());
                set(row, by, me);
            } else if is != Some(complete) {
                set(row, at, Value::Null);
                set(row, by, Value::Null);
            }
        }
    }
}

fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object()
        .ok_or_else(|| ApiError::invalid("The request body must be a JSON object."))
}
