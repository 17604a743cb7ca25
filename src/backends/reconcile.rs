//! Create once: a create whose answer was lost (`ErrorKind::Ambiguous`) is never sent again;
//! the backend looks for what it may have created, and the call either returns that object
//! (with a note saying it was reconciled) or fails with an ambiguous error that says why the
//! outcome is unknown and how to check before trying again.
//!
//! Owns: [`create_once`], [`create_once_with`], [`reconcile`] and their wording. Must not:
//! know any backend, endpoint or field name (the caller sends, finds and names the object).

use std::future::Future;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// How the reconciliation's messages name the object and tell the model to check.
#[derive(Debug, Clone)]
pub struct Wording {
    /// The object, singular: "ticket", "follow-up".
    pub one: String,
    /// The object, plural: "tickets", "follow-ups".
    pub many: String,
    /// How to check before trying again, the end of an ambiguous error: "check with
    /// some_tool before creating it again."
    pub check: String,
    /// Whether "Several matching tickets were found" lists their ids ("(#3, #4)").
    pub ids_of_several: bool,
    /// Whether the note names the object ("ticket #12 was found") or gives its id only.
    pub kind_in_note: bool,
}

impl Wording {
    /// Names the object in the note, does not list the ids of several matches.
    pub fn new(one: &str, many: &str, check: impl Into<String>) -> Wording {
        Wording {
            one: one.into(),
            many: many.into(),
            check: check.into(),
            ids_of_several: false,
            kind_in_note: true,
        }
    }

    /// "Several matching tickets were found (#3, #4)."
    pub fn with_ids_of_several(mut self) -> Wording {
        self.ids_of_several = true;
        self
    }

    /// "reconciled: #12 was found" instead of "reconciled: ticket #12 was found".
    pub fn without_kind_in_note(mut self) -> Wording {
        self.kind_in_note = false;
        self
    }

    /// The ambiguous error: the first failure, why the outcome is unknown (may be empty),
    /// how to check.
    pub fn unknown(&self, first: &Error, why: &str) -> Error {
        let why = if why.is_empty() {
            String::new()
        } else {
            format!(" {why}")
        };
        Error::new(
            ErrorKind::Ambiguous,
            format!(
                "{}.{why} The outcome is unknown: {}",
                first.message, self.check
            ),
        )
    }

    fn note(&self, first: &Error, raw: &Value) -> String {
        let id = raw.get("id").map(|i| format!("#{i}")).unwrap_or_default();
        let found = if self.kind_in_note {
            format!("{} {id}", self.one)
        } else {
            id
        };
        format!(
            "{}; reconciled: {found} was found, it was not sent again",
            first.message
        )
    }
}

/// What a create made: the object, its raw JSON (the audit image), the HTTP status of the
/// answer (of the failed one when reconciled) and the reconciliation note, if any.
#[derive(Debug, Clone)]
pub struct Created<T> {
    pub object: T,
    pub raw: Value,
    pub status: Option<u16>,
    pub note: Option<String>,
}

impl<T> Created<T> {
    /// The created object's id as its raw JSON gives it (0 if there is none).
    pub fn id(&self) -> i64 {
        self.raw
            .get("id")
            .and_then(Value::as_i64)
            .unwrap_or_default()
    }
}

/// Sends a create (`send` yields the object, its raw JSON and the status); on an ambiguous
/// failure, `find` lists the candidates created since the send (as raw JSON) and exactly one
/// of them is the answer; otherwise the error says why the outcome is unknown.
pub async fn create_once<T, S, F, FFut>(send: S, wording: &Wording, find: F) -> Result<Created<T>>
where
    T: DeserializeOwned,
    S: Future<Output = Result<(T, Value, u16)>>,
    F: FnOnce() -> FFut,
    FFut: Future<Output = Result<Vec<Value>>>,
{
    create_once_with(send, wording, |e| async move {
        reconcile(&e, wording, find().await)
    })
    .await
}

/// [`create_once`] with the caller's own reconciliation: `reconcile` gets the ambiguous error
/// and returns the object it found (or an error, e.g. from [`Wording::unknown`]).
pub async fn create_once_with<T, S, R, RFut>(
    send: S,
    wording: &Wording,
    reconcile: R,
) -> Result<Created<T>>
where
    S: Future<Output = Result<(T, Value, u16)>>,
    R: FnOnce(Error) -> RFut,
    RFut: Future<Output = Result<(T, Value)>>,
{
    match send.await {
        Ok((object, raw, status)) => Ok(Created {
            object,
            raw,
            status: Some(status),
            note: None,
        }),
        Err(e) if e.kind == ErrorKind::Ambiguous => {
            let first = e.clone();
            let (object, raw) = reconcile(e).await?;
            Ok(Created {
                note: Some(wording.note(&first, &raw)),
                object,
                raw,
                status: first.status,
            })
        }
        Err(e) => Err(e),
    }
}

/// The standard reconciliation: exactly one candidate is the object; none, several or a
/// failed search leave the outcome unknown.
pub fn reconcile<T: DeserializeOwned>(
    first: &Error,
    wording: &Wording,
    found: Result<Vec<Value>>,
) -> Result<(T, Value)> {
    let why = match found {
        Ok(mut found) if found.len() == 1 => {
            let raw = found.pop().unwrap_or_default();
            return match serde_json::from_value(raw.clone()) {
                Ok(object) => Ok((object, raw)),
                Err(x) => Err(wording.unknown(
                    first,
                    &format!(
                        "A matching {} was found but could not be read ({x}).",
                        wording.one
                    ),
                )),
            };
        }
        Ok(found) if found.is_empty() => format!("No matching {} was found.", wording.one),
        Ok(found) if wording.ids_of_several => {
            let ids: Vec<String> = found
                .iter()
                .filter_map(|t| t.get("id"))
                .map(|i| format!("#{i}"))
                .collect();
            format!(
                "Several matching {} were found ({}).",
                wording.many,
                ids.join(", ")
            )
        }
        Ok(_) => format!("Several matching {} were found.", wording.many),
        Err(x) => format!("Looking for it failed too ({x})."),
    };
    Err(wording.unknown(first, &why))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn wording() -> Wording {
        Wording::new(
            "ticket",
            "tickets",
            "check with list before creating it again.",
        )
    }

    fn lost() -> Error {
        Error::new(ErrorKind::Ambiguous, "the answer was lost").with_status(502)
    }

    async fn run(found: Result<Vec<Value>>, w: &Wording) -> Result<Created<Value>> {
        create_once(async { Err(lost()) }, w, || async { found }).await
    }

    #[tokio::test]
    async fn a_sent_create_is_returned_as_it_is() {
        let sent = async { Ok((json!({"id": 1}), json!({"id": 1}), 201)) };
        let c = create_once(sent, &wording(), || async { Ok(vec![]) }).await;
        let c = c.expect("created");
        assert_eq!((c.status, c.note), (Some(201), None));
    }

    #[tokio::test]
    async fn one_match_is_the_object_with_a_note() {
        let c = run(Ok(vec![json!({"id": 7})]), &wording())
            .await
            .expect("found");
        assert_eq!(c.status, Some(502));
        assert_eq!(
            c.note.as_deref(),
            Some("the answer was lost; reconciled: ticket #7 was found, it was not sent again")
        );
        let w = wording().without_kind_in_note();
        let c = run(Ok(vec![json!({"id": 7})]), &w).await.expect("found");
        let note = c.note.unwrap_or_default();
        assert!(note.ends_with("reconciled: #7 was found, it was not sent again"));
    }

    #[tokio::test]
    async fn none_several_or_a_failed_search_are_unknown() {
        let msg = |r: Result<Created<Value>>| r.map(|_| ()).unwrap_err().message;
        let end = " The outcome is unknown: check with list before creating it again.";
        let e = msg(run(Ok(vec![]), &wording()).await);
        assert_eq!(
            e,
            format!("the answer was lost. No matching ticket was found.{end}")
        );
        let two = vec![json!({"id": 3}), json!({"id": 4})];
        let e = msg(run(Ok(two.clone()), &wording()).await);
        assert!(
            e.contains("Several matching tickets were found. The"),
            "{e}"
        );
        let e = msg(run(Ok(two), &wording().with_ids_of_several()).await);
        assert!(
            e.contains("Several matching tickets were found (#3, #4)."),
            "{e}"
        );
        let down = Err(Error::new(ErrorKind::Unavailable, "down"));
        let e = msg(run(down, &wording()).await);
        assert!(e.contains("Looking for it failed too (down)."), "{e}");
        let e = wording().unknown(&lost(), "").message;
        assert_eq!(e, format!("the answer was lost.{end}"));
    }

    #[tokio::test]
    async fn other_failures_are_not_reconciled() {
        let refused = async { Err(Error::new(ErrorKind::InvalidInput, "no")) };
        let r: Result<Created<Value>> =
            create_once(refused, &wording(), || async { Ok(vec![json!({"id": 1})]) }).await;
        assert_eq!(r.map(|_| ()).unwrap_err().kind, ErrorKind::InvalidInput);
    }
}
