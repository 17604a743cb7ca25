//! Confirmations: the gate a write passes when policy says confirm. Redeems a presented token
//! or round-trip answer (bound to session, tool, canonical arguments, object state, and judged
//! by the decision of this moment), or starts one through the first path the deciding rule
//! allows and the client supports: a token, elicitation (inline or the 2026-07-28 round trip),
//! or a person's approval, which counts only when made with an entry of the server's own
//! operators file.
//!
//! Must not: send anything upstream (the caller does, once the gate says proceed).

use chrono::{SubsecRound, Utc};
use rmcp::RoleServer;
use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitationAction, InputRequest, InputRequests,
    InputRequiredResult,
};
use rmcp::service::Peer;
use serde_json::{Value, json};
use sqlx::types::Json;

use super::{CallCtx, ConfirmationRequired, Core, Elicit, Outcome, WriteSpec};
use crate::audit::{Confirmation, Phase};
use crate::error::{Error, ErrorKind, Result};
use crate::policy::confirm::{self, Preview};
use crate::policy::{Decision, Via};
use crate::session::AgentSession;

pub(super) enum Gate<T> {
    Proceed(&'static str),
    Stop(Outcome<T>),
}

const CONFIRM_KEY: &str = "confirm";

/// Refusals of a presented confirmation_token or round-trip answer.
const TOKEN_NOT_KNOWN: &str =
    "the confirmation_token is not known: call again without it to get a new one";
const ROUND_TRIP_NOT_PENDING: &str =
    "the confirmation round trip refers to no pending confirmation: call again";
const TOKEN_OF_ANOTHER_SESSION: &str = "the confirmation_token belongs to another agent session; call again without it to get a new one";
const ARGUMENTS_DIFFER_TOKEN_VOID: &str = "the arguments differ from the call that was previewed, so the token is void; call again without a token to preview these arguments";
/// Why a person's approval cannot count on this server.
const NO_OPERATORS_FILE: &str = "this server has no operators file (HELPDESK_OPERATOR_AGENTS), so it accepts no human approval; ask the person who runs it to set one up";

impl Core {
    /// The confirmation gate: redeem a presented token or round-trip answer, or start a
    /// confirmation through the first path the rule allows and the client supports.
    pub(super) async fn confirm<T>(
        &self,
        session: &AgentSession,
        spec: &WriteSpec,
        decision: &Decision,
        call: &CallCtx,
        before_raw: Option<&Value>,
        before_view: Option<&Value>,
    ) -> Result<Gate<T>> {
        let args_hash = confirm::args_hash(spec.tool.name, &spec.arguments);
        let state_hash = before_raw.map(confirm::state_hash);
        let target = format!(
            "{} {}",
            spec.tool.entity,
            spec.target_id.clone().unwrap_or_else(|| "(new)".into())
        );
        let preview = confirm::preview(
            spec.tool.operation.as_str(),
            target,
            &spec.view,
            before_view,
            before_raw,
        );

        let refused =
            |why: &'static str| self.refuse(session, spec, &decision.rule, Phase::Refused, why);
        // A presented token, or the answer to a 2026-07-28 round trip (with whether the user
        // accepted): either way, one confirmation to redeem against this very call.
        let presented = if let Some(token) = &call.confirmation_token {
            let found = self
                .store
                .confirmation_by_token_hash(&confirm::token_hash(token))
                .await?;
            let Some(c) = found else {
                return Err(refused(TOKEN_NOT_KNOWN).await);
            };
            Some((c, None))
        } else if let (Some(id), Some(responses)) = (&call.request_state, &call.input_responses) {
            let found = self.store.confirmation(id).await?;
            let Some(c) = found.filter(|c| c.via == Via::Elicitation.as_str()) else {
                return Err(refused(ROUND_TRIP_NOT_PENDING).await);
            };
            let accepted = responses.get(CONFIRM_KEY).is_some_and(|r| {
                r.get("action").and_then(Value::as_str) == Some("accept")
                    && r["content"]["confirm"] == json!(true)
            });
            Some((c, Some(accepted)))
        } else {
            None
        };
        if let Some((c, accepted)) = presented {
            return self
                .redeem(
                    session,
                    spec,
                    decision,
                    call,
                    c,
                    &args_hash,
                    state_hash.as_deref(),
                    preview,
                    accepted,
                )
                .await;
        }

        self.start(
            session, spec, decision, call, &args_hash, state_hash, preview, None,
        )
        .await
    }

    /// Starts a confirmation through the first path the deciding rule allows and the client
    /// supports: asks the user now (elicitation), or issues a token (token, human, round
    /// trip). With no available path nothing is sent. `note` prefixes the next step (e.g. why
    /// an earlier token was void).
    #[allow(clippy::too_many_arguments)]
    async fn start<T>(
        &self,
        session: &AgentSession,
        spec: &WriteSpec,
        decision: &Decision,
        call: &CallCtx,
        args_hash: &str,
        state_hash: Option<String>,
        preview: Preview,
        note: Option<&str>,
    ) -> Result<Gate<T>> {
        let path = available_path(decision, call);
        let Some(path) = path else {
            let wanted: Vec<&str> = decision.via.iter().map(|v| v.as_str()).collect();
            let msg = format!(
                "{} needs confirmation (policy rule \"{}\": {}), but none of the allowed ways ({}) is available with this client, so nothing was sent",
                spec.tool.name,
                decision.rule,
                decision.reason,
                wanted.join(", ")
            );
            self.decision_event(
                session,
                spec,
                Phase::Denied,
                "confirm",
                &decision.rule,
                &msg,
            )
            .await?;
            return Err(Error::new(ErrorKind::PolicyDenied, msg));
        };
        if path == Via::Elicitation && call.elicit == Elicit::Inline {
            let peer = call
                .peer
                .clone()
                .ok_or_else(|| Error::internal("elicitation without a peer"))?;
            let accepted = ask(&peer, &message(spec, decision, &preview)).await;
            return match accepted {
                Ok(true) => {
                    self.decision_event(
                        session,
                        spec,
                        Phase::Confirmed,
                        "confirmed",
                        &decision.rule,
                        "confirmed by the user (elicitation)",
                    )
                    .await?;
                    Ok(Gate::Proceed("confirmed"))
                }
                Ok(false) => Err(self
                    .refuse(
                        session,
                        spec,
                        &decision.rule,
                        Phase::Refused,
                        "the user did not confirm the change, so nothing was sent",
                    )
                    .await),
                Err(e) => Err(self
                    .refuse(
                        session,
                        spec,
                        &decision.rule,
                        Phase::Refused,
                        &format!("asking the user to confirm failed ({e}), so nothing was sent"),
                    )
                    .await),
            };
        }
        let (outcome, _) = self
            .issue(
                session, spec, decision, path, args_hash, state_hash, preview, note,
            )
            .await?;
        Ok(Gate::Stop(outcome))
    }

    /// Creates a pending confirmation and the result that asks for it.
    #[allow(clippy::too_many_arguments)]
    async fn issue<T>(
        &self,
        session: &AgentSession,
        spec: &WriteSpec,
        decision: &Decision,
        via: Via,
        args_hash: &str,
        state_hash: Option<String>,
        preview: Preview,
        note: Option<&str>,
    ) -> Result<(Outcome<T>, String)> {
        self.record_session_start(session).await?;
        let (token, id) = confirm::mint();
        let now = Utc::now().trunc_subsecs(6);
        let ttl = chrono::Duration::from_std(self.policy.settings.confirmation_ttl)
            .unwrap_or(chrono::Duration::minutes(10));
        let c = Confirmation {
            id: id.clone(),
            token_hash: confirm::token_hash(&token),
            session_id: session.id.clone(),
            agent: session.agent.clone(),
            tool: spec.tool.name.to_string(),
            args_hash: args_hash.to_string(),
            preview_hash: state_hash,
            preview: serde_json::to_value(&preview).ok().map(Json),
            rule: decision.rule.clone(),
            reason: decision.reason.clone(),
            via: via.as_str().to_string(),
            state: "pending".into(),
            created_at: now,
            expires_at: now + ttl,
            decided_at: None,
            decided_by: None,
        };
        self.store.insert_confirmation(&c).await.map_err(|e| {
            Error::new(
                ErrorKind::AuditUnavailable,
                format!(
                    "{} needs confirmation, but the confirmation could not be stored ({e}), \
                     so nothing was sent",
                    spec.tool.name
                ),
            )
        })?;
        // What the row binds, in the chain too: `audit verify` names a row edited to take
        // another token, object state or expiry.
        let binding = json!({
            "token_hash": c.token_hash,
            "preview_hash": c.preview_hash,
            "expires_at": c.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        });
        let mut ev = self.event(
            session,
            spec,
            Phase::ConfirmationRequired,
            spec.target_id.clone(),
            Some(binding),
            serde_json::to_value(&preview).ok(),
            None,
            None,
            Some(format!(
                "confirmation {id} via {}: {}",
                via.as_str(),
                decision.reason
            )),
        );
        ev.decision = Some("confirm".into());
        ev.rule = Some(decision.rule.clone());
        self.store.append(ev).await?;
        if via == Via::Elicitation {
            let mut requests = InputRequests::new();
            requests.insert(
                CONFIRM_KEY.to_string(),
                elicitation_request(&message(spec, decision, &preview))?,
            );
            return Ok((
                Outcome::Input(InputRequiredResult::new(Some(requests), Some(id.clone()))),
                id,
            ));
        }
        let mut next_step = match via {
            Via::Human => format!(
                "Nothing was sent. This change needs a person's approval, which you cannot give: tell the user that confirmation {id} is waiting for an operator. An operator listed in the operators file reviews it with `helpdesk-operator pending` and runs `helpdesk-operator approve {id}`, which asks for their name and password. Do not try to approve it yourself. Once it is approved, repeat exactly the same call with confirmation_token set to the token above. It expires at {}.",
                c.expires_at.to_rfc3339()
            ),
            _ => format!(
                "Nothing was sent. Show the preview to the user; if they agree, repeat exactly the same call with the same arguments plus confirmation_token. The token works once, for this call only, until {}.",
                c.expires_at.to_rfc3339()
            ),
        };
        if let Some(n) = note {
            next_step = format!("{n} {next_step}");
        }
        Ok((
            Outcome::Confirm(Box::new(ConfirmationRequired {
                status: "confirmation_required".into(),
                tool: spec.tool.name.to_string(),
                rule: decision.rule.clone(),
                reason: decision.reason.clone(),
                via: via.as_str().into(),
                confirmation_id: id.clone(),
                confirmation_token: token,
                expires_at: c.expires_at,
                preview,
                next_step,
            })),
            id,
        ))
    }

    /// Checks a presented confirmation against this exact call and uses it up.
    #[allow(clippy::too_many_arguments)]
    async fn redeem<T>(
        &self,
        session: &AgentSession,
        spec: &WriteSpec,
        decision: &Decision,
        call: &CallCtx,
        c: Confirmation,
        args_hash: &str,
        state_hash: Option<&str>,
        preview: Preview,
        elicitation_accepted: Option<bool>,
    ) -> Result<Gate<T>> {
        let rule = c.rule.clone();
        let cid = c.id.clone();
        let refuse = |why: String| async move {
            Err(self
                .refuse(
                    session,
                    spec,
                    &rule,
                    Phase::Refused,
                    &format!("{why} (confirmation {cid})"),
                )
                .await)
        };
        if c.session_id != session.id {
            return refuse(TOKEN_OF_ANOTHER_SESSION.into()).await;
        }
        if c.tool != spec.tool.name {
            return refuse(format!(
                "the confirmation_token was issued for {}, not {}",
                c.tool, spec.tool.name
            ))
            .await;
        }
        if c.args_hash != args_hash {
            self.void(&c.id, &["pending", "approved"], "refused").await;
            return refuse(ARGUMENTS_DIFFER_TOKEN_VOID.into()).await;
        }
        match c.state.as_str() {
            "used" => {
                return refuse(
                    "the confirmation_token was already used (each token confirms one call)".into(),
                )
                .await;
            }
            "rejected" => {
                return refuse(format!(
                    "a person rejected this change{}",
                    c.decided_by
                        .as_deref()
                        .map(|b| format!(" ({b})"))
                        .unwrap_or_default()
                ))
                .await;
            }
            "refused" | "expired" => {
                return refuse(format!(
                    "the confirmation is {}; call again without a token to get a new one",
                    c.state
                ))
                .await;
            }
            _ => {}
        }
        if Utc::now() >= c.expires_at {
            self.void(&c.id, &["pending", "approved"], "expired").await;
            let msg = format!(
                "the confirmation expired at {}; call again without the token to get a new one",
                c.expires_at.to_rfc3339()
            );
            return Err(self
                .refuse(
                    session,
                    spec,
                    &c.rule,
                    Phase::Expired,
                    &format!("{msg} (confirmation {})", c.id),
                )
                .await);
        }
        if c.via == Via::Human.as_str() && c.state != "approved" {
            return Err(Error::new(
                ErrorKind::ConfirmationRefused,
                format!(
                    "this change is waiting for a person's approval (an operator must approve it with their name and password; you cannot): ask the user to have an operator run `helpdesk-operator approve {}`, then repeat the call with the same token",
                    c.id
                ),
            ));
        }
        if c.via == Via::Human.as_str()
            && let Err(why) = self.approval_is_ours(&c).await
        {
            return refuse(why).await;
        }
        if let Some(false) = elicitation_accepted {
            self.void(&c.id, &["pending"], "refused").await;
            return refuse("the user did not confirm the change, so nothing was sent".into()).await;
        }
        // The confirmation is judged by the decision of this moment, not the one it was
        // issued under: a changed object (or a tightened policy) may need another path.
        let void = if c.preview_hash.as_deref() != state_hash {
            Some((
                "the object changed since the preview; a new confirmation was started",
                "The object changed since the preview, so the old token was refused; here is the new preview.",
            ))
        } else if !Via::parse_str(&c.via).is_some_and(|v| decision.via.contains(&v)) {
            Some((
                "the deciding rule no longer accepts this confirmation's path; a new confirmation was started",
                "The policy now asks for this change to be confirmed another way, so the old token was refused.",
            ))
        } else {
            None
        };
        if let Some((why, note)) = void {
            self.void(&c.id, &["pending", "approved"], "refused").await;
            self.decision_event(
                session,
                spec,
                Phase::Refused,
                "confirm",
                &c.rule,
                &format!("{why} (confirmation {})", c.id),
            )
            .await?;
            return self
                .start(
                    session,
                    spec,
                    decision,
                    call,
                    args_hash,
                    state_hash.map(str::to_string),
                    preview,
                    Some(note),
                )
                .await;
        }
        if !self
            .store
            .transition_confirmation(&c.id, &["pending", "approved"], "used", None)
            .await?
        {
            return refuse(
                "the confirmation_token was already used (each token confirms one call)".into(),
            )
            .await;
        }
        let how = if c.state == "approved" {
            "approved by a person"
        } else {
            "confirmed"
        };
        self.decision_event(
            session,
            spec,
            Phase::Confirmed,
            "confirmed",
            &c.rule,
            &format!("confirmation {} {how} (via {})", c.id, c.via),
        )
        .await?;
        Ok(Gate::Proceed("confirmed"))
    }

    /// Ends a confirmation that can no longer be used. The refusal itself is already an audit
    /// event; if the store cannot record the new state, that is logged (the token stays bound
    /// to its call and object state, so it still cannot confirm anything else).
    async fn void(&self, id: &str, from: &[&str], to: &str) {
        if let Err(e) = self.store.transition_confirmation(id, from, to, None).await {
            tracing::warn!(
                confirmation = id,
                to,
                error = %e,
                "could not record a confirmation's new state"
            );
        }
    }

    /// Whether an approved confirmation was approved with an entry of this server's own
    /// operators file: `approve` reads whatever file its environment names, so an agent with
    /// a shell could name a file of its own. The approval event carries the credential's
    /// fingerprint; it must match an operator here, under the name the row records.
    async fn approval_is_ours(&self, c: &Confirmation) -> std::result::Result<(), String> {
        let Some(ops) = &self.operators else {
            return Err(NO_OPERATORS_FILE.into());
        };
        let event = self
            .store
            .approval_of(&c.id)
            .await
            .map_err(|e| format!("the approval could not be checked ({e})"))?;
        let args = event
            .as_ref()
            .and_then(|e| e.arguments.as_ref())
            .map(|a| &a.0);
        let field = |k: &str| args.and_then(|a| a.get(k)).and_then(Value::as_str);
        let ours = match (field("operator"), field("credential_sha256")) {
            (Some(name), Some(sha)) => {
                c.decided_by.as_deref() == Some(name)
                    && ops
                        .operators()
                        .iter()
                        .any(|o| o.name == name && o.credential_sha256() == sha)
            }
            _ => false,
        };
        if ours {
            Ok(())
        } else {
            Err(format!(
                "the approval was not made by an operator of this server's operators file ({}); an operator listed there must approve it",
                ops.source
            ))
        }
    }
}

impl Via {
    fn parse_str(s: &str) -> Option<Via> {
        match s {
            "token" => Some(Via::Token),
            "elicitation" => Some(Via::Elicitation),
            "human" => Some(Via::Human),
            _ => None,
        }
    }
}

fn message(spec: &WriteSpec, decision: &Decision, preview: &Preview) -> String {
    format!(
        "Confirm {} on {}? {} (policy rule \"{}\")\n\n{}",
        spec.tool.name,
        preview.target,
        decision.reason,
        decision.rule,
        serde_json::to_string_pretty(preview).unwrap_or_default()
    )
}

fn confirm_schema() -> Value {
    json!({
        "type": "object",
        "properties": { "confirm": { "type": "boolean", "title": "Make this change", "description": "true to make the change exactly as previewed" } },
        "required": ["confirm"]
    })
}

fn elicitation_params(message: &str) -> Result<ElicitRequestParams> {
    Ok(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: message.to_string(),
        requested_schema: serde_json::from_value(confirm_schema())
            .map_err(|e| Error::internal(format!("confirmation form: {e}")))?,
    })
}

fn elicitation_request(message: &str) -> Result<InputRequest> {
    Ok(InputRequest::Elicitation(ElicitRequest::new(
        elicitation_params(message)?,
    )))
}

/// Asks the client's user (2025-11-25 elicitation); true only for an explicit yes.
async fn ask(peer: &Peer<RoleServer>, message: &str) -> std::result::Result<bool, String> {
    let params = elicitation_params(message).map_err(|e| e.message)?;
    let r = peer
        .create_elicitation(params)
        .await
        .map_err(|e| e.to_string())?;
    Ok(r.action == ElicitationAction::Accept
        && r.content.as_ref().and_then(|c| c.get("confirm")) == Some(&json!(true)))
}

/// The first confirmation path the deciding rule allows that this client supports.
fn available_path(decision: &Decision, call: &CallCtx) -> Option<Via> {
    decision.via.iter().copied().find(|v| match v {
        Via::Token | Via::Human => true,
        Via::Elicitation => call.elicit != Elicit::No,
    })
}
