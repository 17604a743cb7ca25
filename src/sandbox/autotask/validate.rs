//! Checking what a write carries, with Autotask-like messages that name the field: types and
//! lengths, read-only fields, picklist values (active ones of this instance, under their
//! parent), references that must exist, required fields, and the rules of each entity
//! (a ticket's queue or resource and service desk role, a contact's integer `isActive`, a
//! project's dates, a time entry's hours, role and ticket or task).
//!
//! Owns: `Store::apply` (a body into a row) and `Store::check` (the whole row before it is
//! stored). Every refusal is HTTP 500 `{"errors": [...]}`, as Autotask answers.
//! Must not: set server fields (`store` does) or know about HTTP.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::schema::{Entity, Field, Ty};
use super::store::{Row, Store, int};
use crate::sandbox::kit::time::{parse_time, ts};

const BOTH: &str = "When assigning a Resource, you must assign both a assignedResourceID and \
                    assignedResourceRoleID.";
const QUEUE_OR_RESOURCE: &str = "Missing Required Field: queueID. A ticket needs a queueID, or \
                                 both an assignedResourceID and an assignedResourceRoleID.";

/// `v` as the type of `f` (`null` stays `null`), or the message naming the field.
pub(super) fn coerce(f: &Field, v: &Value) -> Result<Value, String> {
    let bad = || {
        format!(
            "Unable to convert the value {v} of field {} to type {}.",
            f.name,
            f.ty.name()
        )
    };
    Ok(match (f.ty, v) {
        (_, Value::Null) => Value::Null,
        (Ty::Long | Ty::Integer, Value::Number(n)) => match n.as_i64() {
            Some(i) => json!(i),
            None => match n.as_f64() {
                Some(x) if x.fract() == 0.0 && x.abs() < 9e15 => json!(x as i64),
                _ => return Err(bad()),
            },
        },
        (Ty::Long | Ty::Integer, Value::String(s)) => {
            json!(s.trim().parse::<i64>().map_err(|_| bad())?)
        }
        (Ty::Decimal, Value::Number(n)) => json!(n.as_f64().ok_or_else(bad)?),
        (Ty::Decimal, Value::String(s)) => json!(s.trim().parse::<f64>().map_err(|_| bad())?),
        (Ty::Boolean, Value::Bool(b)) => json!(b),
        (Ty::Boolean, Value::String(s)) => json!(s.trim().parse::<bool>().map_err(|_| bad())?),
        (Ty::DateTime, Value::String(s)) => json!(ts(parse_time(s).ok_or_else(bad)?)),
        (Ty::Str, Value::String(s)) => {
            if s.chars().count() > f.length {
                return Err(format!(
                    "Value for field {} exceeds the maximum length of {} characters.",
                    f.name, f.length
                ));
            }
            json!(s)
        }
        _ => return Err(bad()),
    })
}

fn time_of(row: &Row, field: &str) -> Option<DateTime<Utc>> {
    row.get(field).and_then(Value::as_str).and_then(parse_time)
}

impl Store {
    /// Puts the fields of `body` into `row`: unknown fields, read-only fields that change, wrong
    /// types, invalid picklist values and dangling references are refused. `old` is the stored
    /// row of an update; `parent` the field a child URL sets (left as the URL says).
    pub(super) fn apply(
        &self,
        def: &Entity,
        body: &Map<String, Value>,
        row: &mut Row,
        old: Option<&Row>,
        parent: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        for (key, value) in body {
            if key.eq_ignore_ascii_case("userDefinedFields") && !def.udfs.is_empty() {
                if let Err(e) = set_udfs(def, value, row) {
                    errors.push(e);
                }
                continue;
            }
            let Some(f) = def.field(key) else {
                errors.push(format!("Unknown field {key} on entity {}.", def.singular));
                continue;
            };
            let v = match coerce(f, value) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let stored = old.and_then(|o| o.get(f.name));
            if f.name == "id" || Some(f.name) == parent {
                continue;
            }
            if f.read_only {
                let unchanged = stored.map_or(v.is_null(), |s| *s == v);
                if !unchanged {
                    errors.push(format!("The field {} is read-only.", f.name));
                }
                continue;
            }
            if !v.is_null()
                && stored != Some(&v)
                && let Err(e) = self.value_ok(f, &v)
            {
                errors.push(e);
                continue;
            }
            row.insert(f.name.into(), v);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::many(errors))
        }
    }

    /// A picklist value must be an active one; a reference must exist.
    fn value_ok(&self, f: &Field, v: &Value) -> Result<(), String> {
        let n = v.as_i64().unwrap_or(i64::MIN);
        if let Some(picks) = f.picklist {
            match picks.iter().find(|p| p.value == n) {
                None => {
                    return Err(format!(
                        "Value {n} is not a valid picklist value for field {}.",
                        f.name
                    ));
                }
                Some(p) if !p.active => {
                    return Err(format!(
                        "Value {n} ({}) of field {} is an inactive picklist value.",
                        p.label, f.name
                    ));
                }
                _ => {}
            }
        }
        if let Some(target) = f.reference
            && !self.exists(target, n)
        {
            return Err(format!(
                "Reference value on field {} of type {target} does not exist: {n}.",
                f.name
            ));
        }
        Ok(())
    }

    /// The whole row: required fields, then the entity's own rules (which may fill fields).
    pub(super) fn check(
        &self,
        def: &Entity,
        row: &mut Row,
        old: Option<&Row>,
    ) -> Result<(), ApiError> {
        let missing: Vec<String> = def
            .fields
            .iter()
            .filter(|f| f.required && !f.read_only && row.get(f.name).is_none_or(Value::is_null))
            .map(|f| format!("Missing Required Field: {}", f.name))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::many(missing));
        }
        let result = match def.name {
            "Tickets" => self.ticket_rules(row, old),
            "Contacts" => match int(row, "isActive") {
                Some(0 | 1) => Ok(()),
                _ => Err("The field isActive must be 1 or 0.".to_string()),
            },
            "Projects" => match (time_of(row, "startDateTime"), time_of(row, "endDateTime")) {
                (Some(s), Some(e)) if e < s => {
                    Err("The endDateTime must not be before the startDateTime.".into())
                }
                _ => Ok(()),
            },
            "TimeEntries" => self.time_entry_rules(row),
            "Opportunities" => match int(row, "probability") {
                Some(0..=100) => Ok(()),
                _ => Err("The field probability must be between 0 and 100.".into()),
            },
            _ => Ok(()),
        };
        result.map_err(ApiError::invalid)
    }

    fn ticket_rules(&self, row: &Row, old: Option<&Row>) -> Result<(), String> {
        let resource = int(row, "assignedResourceID");
        let role = int(row, "assignedResourceRoleID");
        let changed = |f: &str| old.is_none_or(|o| o.get(f) != row.get(f));
        match (resource, role) {
            (Some(_), None) | (None, Some(_)) => return Err(BOTH.into()),
            (None, None) if int(row, "queueID").is_none() => return Err(QUEUE_OR_RESOURCE.into()),
            (Some(r), Some(ro))
                if changed("assignedResourceID") || changed("assignedResourceRoleID") =>
            {
                if !self.active_resource(r) {
                    return Err(format!(
                        "The assignedResourceID {r} is not an active resource."
                    ));
                }
                if !self.has_role(r, ro) {
                    return Err(format!(
                        "The assignedResourceRoleID {ro} is not a service desk role of \
                         resource {r}."
                    ));
                }
            }
            _ => {}
        }
        if let Some(sub) = int(row, "subIssueType") {
            let parent = super::picklists::picks("Tickets", "subIssueType")
                .iter()
                .find(|p| p.value == sub)
                .and_then(|p| p.parent);
            if parent != int(row, "issueType") {
                return Err(format!(
                    "The subIssueType {sub} does not belong to the issueType of the ticket."
                ));
            }
        }
        if let Some(contact) = int(row, "contactID") {
            let company = self
                .get("Contacts", contact)
                .and_then(|c| int(c, "companyID"));
            if company != int(row, "companyID") {
                return Err(format!(
                    "The contactID {contact} does not belong to the ticket's companyID."
                ));
            }
        }
        Ok(())
    }

    fn time_entry_rules(&self, row: &mut Row) -> Result<(), String> {
        let (start, end) = (time_of(row, "startDateTime"), time_of(row, "endDateTime"));
        let hours = match (row.get("hoursWorked").and_then(Value::as_f64), start, end) {
            (Some(h), _, _) => h,
            (None, Some(s), Some(e)) => (e - s).num_seconds() as f64 / 3600.0,
            _ => return Err("Missing Required Field: hoursWorked".into()),
        };
        if !(hours > 0.0 && hours <= 24.0) {
            return Err("The hoursWorked must be greater than 0 and at most 24.".into());
        }
        row.insert("hoursWorked".into(), json!(hours));
        if row.get("hoursToBill").is_none_or(Value::is_null) {
            row.insert("hoursToBill".into(), json!(hours));
        }
        let kind = match (int(row, "ticketID"), int(row, "taskID")) {
            (Some(_), None) => 2,
            (None, Some(_)) => 6,
            (Some(_), Some(_)) => {
                return Err("A time entry takes a ticketID or a taskID, not both.".into());
            }
            (None, None) => return Err("Missing Required Field: ticketID or taskID".into()),
        };
        row.insert("timeEntryType".into(), json!(kind));
        let resource = int(row, "resourceID").unwrap_or(0);
        match int(row, "roleID") {
            None => Err("Missing Required Field: roleID".into()),
            Some(role) if !self.has_role(resource, role) => Err(format!(
                "The roleID {role} is not a role of resource {resource}."
            )),
            Some(_) => Ok(()),
        }
    }
}

/// `userDefinedFields: [{name, value}]` into the row's list (names case-insensitive).
fn set_udfs(def: &Entity, value: &Value, row: &mut Row) -> Result<(), String> {
    let items = value
        .as_array()
        .ok_or("userDefinedFields must be a list of {name, value}.")?;
    let mut list: Vec<Value> = row
        .get("userDefinedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for item in items {
        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
        let Some(known) = def.udfs.iter().find(|u| u.eq_ignore_ascii_case(name)) else {
            return Err(format!(
                "Unknown user-defined field {name} on entity {}.",
                def.singular
            ));
        };
        let v = match item.get("value") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(s)) => json!(s),
            Some(other) => json!(other.to_string()),
        };
        for slot in list.iter_mut() {
            if slot["name"] == *known {
                slot["value"] = v.clone();
            }
        }
    }
    row.insert("userDefinedFields".into(), Value::Array(list));
    Ok(())
}
