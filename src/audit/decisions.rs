//! A person's decision on a pending confirmation: the operator verified against the server's
//! own operators file (argon2), the state checks (pending, not expired, confirmed by a person),
//! the one-way transition, and the audit event naming the operator. `approve` and `deny` in the
//! terminal use it; any other place a person decides (the operator console) must use it too.
//!
//! Must not: read credentials from anywhere (callers pass what the person gave), print, or
//! decide anything without a verified operator. A failed attempt is audited and changes
//! nothing.

use chrono::{DateTime, Utc};

use super::{AuditStore, Confirmation, NewEvent, Phase};
use crate::error::Result;
use crate::operators::{OperatorCredentials, Principals};

/// What became of a decision.
#[derive(Debug, Clone)]
pub enum Decided {
    /// No confirmation has that id.
    Unknown,
    /// No credentials, or not an operator's (audited as `refused`).
    Refused { no_credentials: bool },
    /// Decided already, used, or refused before.
    NotPending { state: String },
    /// Too late: marked expired (audited).
    Expired { at: DateTime<Utc> },
    /// Confirmed by its token or the client, not by a person: nothing to approve.
    NotForAPerson { via: String },
    /// Another decision won the race.
    ChangedMeanwhile,
    /// Approved or rejected by `by`.
    Done {
        state: &'static str,
        by: String,
        confirmation: Box<Confirmation>,
    },
}

impl AuditStore {
    /// Decides confirmation `id` (`approve` or deny) as the operator `creds` names, if they
    /// are an operator's; `backend_of` gives a tool's backend for the audit event.
    pub async fn decide(
        &self,
        principals: &Principals,
        backend_of: &dyn Fn(&str) -> String,
        id: &str,
        approve: bool,
        creds: Option<&OperatorCredentials>,
    ) -> Result<Decided> {
        let verb = if approve { "approve" } else { "deny" };
        let Some(c) = self.confirmation(id).await? else {
            return Ok(Decided::Unknown);
        };
        let session = self.get_session(&c.session_id).await?;
        let event = |phase: Phase, agent: String, message: String| NewEvent {
            phase: Some(phase),
            agent,
            session_id: Some(c.session_id.clone()),
            branch: session.as_ref().map(|s| s.branch.clone()),
            intent: session.as_ref().and_then(|s| s.intent.clone()),
            backend: backend_of(&c.tool),
            tool: c.tool.clone(),
            operation: "confirmation".into(),
            target_entity: Some("confirmation".into()),
            target_id: Some(c.id.clone()),
            error: Some(message),
            decision: Some(if approve { "approved" } else { "rejected" }.into()),
            rule: Some(c.rule.clone()),
            ..Default::default()
        };
        // Who is deciding: nothing below runs, and nothing changes, without a verified operator.
        let refused = |why: String| {
            event(
                Phase::Refused,
                "unauthenticated".into(),
                format!("{verb} of confirmation {id} refused: {why}; nothing was decided"),
            )
        };
        let Some(creds) = creds else {
            self.append(refused("no operator name and password were given".into()))
                .await?;
            return Ok(Decided::Refused {
                no_credentials: true,
            });
        };
        let Some(operator) = principals.verify_operator(&creds.name, &creds.password) else {
            // A known name is recorded (names are not secret); anything else is not, since it
            // may be a password typed on the wrong line.
            let who = if principals.is_operator(&creds.name) {
                format!(
                    "the password given for operator \"{}\" is wrong",
                    creds.name
                )
            } else {
                "the operator name given is not in the operators file".into()
            };
            self.append(refused(who)).await?;
            return Ok(Decided::Refused {
                no_credentials: false,
            });
        };
        let by = operator.name.clone();
        let agent = format!("operator:{by}");
        let credential = serde_json::json!({
            "operator": by,
            "operators_file": principals.source,
            "credential_sha256": operator.credential_sha256(),
        });
        if c.state != "pending" {
            return Ok(Decided::NotPending { state: c.state });
        }
        if Utc::now() >= c.expires_at {
            self.transition_confirmation(id, &["pending"], "expired", Some(&by))
                .await?;
            self.append(NewEvent {
                arguments: Some(credential),
                ..event(
                    Phase::Expired,
                    agent,
                    format!("operator {by} tried to decide confirmation {id} after it expired"),
                )
            })
            .await?;
            return Ok(Decided::Expired { at: c.expires_at });
        }
        if approve && c.via != "human" {
            return Ok(Decided::NotForAPerson { via: c.via });
        }
        let (to, phase) = if approve {
            ("approved", Phase::Approved)
        } else {
            ("rejected", Phase::Rejected)
        };
        if !self
            .transition_confirmation(id, &["pending"], to, Some(&by))
            .await?
        {
            return Ok(Decided::ChangedMeanwhile);
        }
        self.append(NewEvent {
            arguments: Some(credential),
            ..event(
                phase,
                agent,
                format!(
                    "operator {by} {to} confirmation {id}: {} ({})",
                    c.tool, c.reason
                ),
            )
        })
        .await?;
        Ok(Decided::Done {
            state: to,
            by,
            confirmation: Box::new(c),
        })
    }
}
