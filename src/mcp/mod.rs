//! The MCP surface: the server handler, the agent-session tools, and result mapping.
//!
//! Owns: [`HelpdeskOperator`] (rmcp `ServerHandler`), which lists the tools of every backend
//! and routes each call; the session tools (`get_agent_session_info`, `set_agent_intent`,
//! `finish_agent_session`). Every tool body goes through [`guard::Core`] (`read` or `write`);
//! nothing calls a backend around it, and tools never call other tools.
//! Must not: keep state tied to an MCP transport session (2026-07-28 is stateless): agent
//! sessions belong to the principal, not to the connection.

pub mod guard;
pub mod http;
pub mod oauth;
pub mod output;
pub mod params;
pub mod schema;
pub mod stdio;
pub mod untrusted;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rmcp::handler::server::common::schema_for_output;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{AuditStore, WriteCounts};
use crate::error::Result;
use crate::operators::Principals;
use crate::policy::Policy;
use crate::policy::catalog::{FieldKind, FieldMeta, OpKind, PolicyView, ToolMeta, canonicalize_as};
use crate::session::{SessionManager, SessionMode, validate_intent};
use guard::{CallCtx, Core, Outcome, WriteSpec, Written};
use output::{Render, ResponseFormat, finish};
use params::Parameters;

/// The server instructions: how sessions work, then one paragraph per configured backend.
fn instructions(backends: &[&str]) -> String {
    let mut s = String::from(
        "helpdesk-operator lets you read and write helpdesks inside an audited agent session.\n\
1. Call get_agent_session_info to see your session (branch, intent).\n\
2. Before any write, call set_agent_intent with one sentence saying what you are about to do; writes are refused until an intent is set.\n\
3. Use the backend tools below. Every write is recorded in the audit log with your intent and branch.\n\
4. A write the policy gates answers status \"confirmation_required\" with a preview and nothing is sent: show the preview to the user, then repeat the same call with the confirmation_token it returned (or follow its next_step).\n\
5. Call finish_agent_session when the task is done; the next call starts a new session with a new branch.\n\
Tool errors say what to fix; follow them rather than retrying blindly.\n",
    );
    s.push_str(untrusted::NOTE);
    s.push('\n');
    if backends.is_empty() {
        s.push_str("\nNo helpdesk is configured: only the session tools are available.\n");
    } else {
        s.push_str("\nConfigured helpdesks:\n");
        for b in backends {
            s.push_str("- ");
            s.push_str(b);
            s.push('\n');
        }
    }
    s
}

/// Backend tools say in their description how customer-written text comes marked.
fn note_untrusted(mut tool: Tool) -> Tool {
    let session = SESSION_TOOLS.iter().any(|t| t.name == tool.name);
    if !session && let Some(d) = &tool.description {
        tool.description = Some(format!("{d} {}", untrusted::NOTE).into());
    }
    tool
}

/// How long finish_agent_session waits for the session's running writes.
const FINISH_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The MCP server. Cheap to clone; all state is in [`Core`].
#[derive(Clone)]
pub struct HelpdeskOperator {
    pub core: Arc<Core>,
    router: Arc<ToolRouter<HelpdeskOperator>>,
    /// The server instructions for the configured backends.
    instructions: Arc<str>,
    /// What tools/list answers: the router's tools with [`schema::portable`] schemas.
    tools: Arc<Vec<Tool>>,
}

/// One configured backend's tools, and the paragraph the server instructions give them.
pub struct ToolSet {
    pub router: ToolRouter<HelpdeskOperator>,
    pub instructions: &'static str,
}

/// What a server is made of. The registry (`backends::server`) fills it from the
/// configuration; this module never names a backend.
pub struct Parts {
    /// The principal of stdio calls (the configured agent).
    pub agent: String,
    pub store: Arc<AuditStore>,
    pub policy: Arc<Policy>,
    /// The operators whose approvals this server accepts (human confirmations).
    pub operators: Option<Arc<Principals>>,
    pub sessions: SessionManager,
    /// The configured backends' tools, in the registry's order.
    pub toolsets: Vec<ToolSet>,
}

impl HelpdeskOperator {
    pub fn assemble(parts: Parts) -> Self {
        let mut router = declared(Self::session_router(), SESSION_TOOLS);
        let mut described = Vec::new();
        for set in parts.toolsets {
            router += set.router;
            described.push(set.instructions);
        }
        // Tools that policy denies outright are not offered at all.
        for tool in router.list_all() {
            if parts
                .policy
                .tool(&tool.name)
                .is_some_and(|meta| !parts.policy.lists(meta))
            {
                router.remove_route(&tool.name);
            }
        }
        let core = Arc::new(Core {
            agent: parts.agent,
            store: parts.store,
            sessions: parts.sessions,
            policy: parts.policy,
            operators: parts.operators,
        });
        let tools = Self::offered(&router);
        Self {
            core,
            router: Arc::new(router),
            instructions: instructions(&described).into(),
            tools: Arc::new(tools),
        }
    }

    /// A router's tools as tools/list shows them: portable schemas, and the note on
    /// customer-written text in every backend tool's description.
    pub fn offered(router: &ToolRouter<HelpdeskOperator>) -> Vec<Tool> {
        router
            .list_all()
            .into_iter()
            .map(schema::portable_tool)
            .map(note_untrusted)
            .collect()
    }
}

impl ServerHandler for HelpdeskOperator {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "helpdesk-operator",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(self.instructions.to_string())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let started = std::time::Instant::now();
        // The principal of this request: over HTTP, the agent whose bearer token the request
        // carried (`http::authenticate` put it there); on stdio, the configured agent. An HTTP
        // request without one is refused (fail closed).
        let principal = match context.extensions.get::<axum::http::request::Parts>() {
            Some(parts) => match parts.extensions.get::<guard::Principal>() {
                Some(p) => p.clone(),
                None => {
                    return Err(ErrorData::invalid_request(
                        "this request carries no authenticated agent",
                        None,
                    ));
                }
            },
            None => self.core.stdio_principal(),
        };
        let tcc = ToolCallContext::new(self, request, context);
        let result = guard::as_principal(principal, self.router.call(tcc))
            .await
            .map(argument_error_kind);
        tracing::info!(
            tool = %name,
            ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "tool call"
        );
        result
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }
}

/// An argument error rmcp answered before the tool ran (a missing or mistyped field) carries
/// its kind in structuredContent too, like every other failed call (`invalid_input`).
fn argument_error_kind(response: CallToolResponse) -> CallToolResponse {
    match response {
        CallToolResponse::Complete(r)
            if r.is_error == Some(true) && r.structured_content.is_none() =>
        {
            let message: String = r
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join("\n");
            let e = crate::error::Error::new(crate::error::ErrorKind::InvalidInput, message);
            CallToolResponse::Complete(output::error_result(e))
        }
        other => other,
    }
}

/// No arguments besides the output format.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormatOnly {
    /// "markdown" (default) for a readable summary, or "json" for the same data as JSON text.
    #[serde(default)]
    pub response_format: ResponseFormat,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetIntentParams {
    /// One or two sentences saying what you are about to do and why, e.g. "Triage new printer
    /// tickets in Support: set priorities and assign them". 1 to 512 characters. It is stored
    /// with every write you make in this session.
    pub intent: String,
    /// "markdown" (default) or "json".
    #[serde(default)]
    pub response_format: ResponseFormat,
}

/// An agent session as the tools report it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SessionInfo {
    pub session_id: String,
    /// The agent principal this session belongs to.
    pub agent: String,
    /// The helpdesk account the session works as.
    pub username: Option<String>,
    /// `<username>-<8 chars>`: names this session's changes.
    pub branch: String,
    /// The declared intent; writes are refused while it is null.
    pub intent: Option<String>,
    /// "instance" when the helpdesk keeps branch and intent (its own agent-session
    /// endpoints), "server" when this server keeps them.
    pub mode: SessionMode,
    pub started_at: DateTime<Utc>,
    pub note: Option<String>,
}

impl Render for SessionInfo {
    fn markdown(&self) -> String {
        let mut s = format!(
            "## Agent session\n- **Branch:** `{}`\n- **Intent:** {}\n- **Agent:** {}\n- **Account:** {}\n- **Kept by:** {}\n- **Started:** {}\n- **Session id:** {}\n",
            self.branch,
            self.intent
                .as_deref()
                .unwrap_or("(none: call set_agent_intent before writing)"),
            self.agent,
            self.username.as_deref().unwrap_or("-"),
            match self.mode {
                SessionMode::Instance => "the helpdesk instance (its agent-session endpoints)",
                SessionMode::Server => "helpdesk-operator",
            },
            self.started_at.to_rfc3339(),
            self.session_id
        );
        if let Some(n) = &self.note {
            s.push_str(&format!("- **Note:** {n}\n"));
        }
        s
    }
}

/// What `finish_agent_session` reports.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FinishSummary {
    pub session_id: String,
    pub branch: String,
    pub intent: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The session's write events by phase: requested, succeeded, failed, unknown.
    pub writes: WriteCounts,
    pub next: String,
}

impl Render for FinishSummary {
    fn markdown(&self) -> String {
        format!(
            "## Agent session finished\n- **Branch:** `{}`\n- **Intent:** {}\n- **Writes:** {} requested, {} succeeded, {} failed, {} unknown\n- **Started / finished:** {} / {}\n\n{}\n",
            self.branch,
            self.intent.as_deref().unwrap_or("(none)"),
            self.writes.requested,
            self.writes.succeeded,
            self.writes.failed,
            self.writes.unknown,
            self.started_at.to_rfc3339(),
            self.finished_at.to_rfc3339(),
            self.next
        )
    }
}

impl PolicyView for FormatOnly {
    fn view(&self) -> Result<serde_json::Value> {
        Ok(json!({}))
    }
}

impl PolicyView for SetIntentParams {
    fn view(&self) -> Result<serde_json::Value> {
        Ok(json!({ "intent": self.intent }))
    }
}

const INTENT: &[FieldMeta] = &[FieldMeta {
    name: "intent",
    kind: FieldKind::Text,
}];

/// `get_agent_session_info`.
pub const GET_SESSION_INFO: ToolMeta = ToolMeta {
    name: "get_agent_session_info",
    backend: "session",
    title: "Get agent session info",
    operation: OpKind::Read,
    entity: "agent_session",
    destructive: false,
    idempotent: true,
    fields: &[],
    canonicalize: canonicalize_as::<FormatOnly>,
};

/// `set_agent_intent`.
pub const SET_INTENT: ToolMeta = ToolMeta {
    name: "set_agent_intent",
    backend: "session",
    title: "Set agent intent",
    operation: OpKind::Session,
    entity: "agent_session",
    destructive: false,
    idempotent: true,
    fields: INTENT,
    canonicalize: canonicalize_as::<SetIntentParams>,
};

/// `finish_agent_session`.
pub const FINISH_SESSION: ToolMeta = ToolMeta {
    name: "finish_agent_session",
    backend: "session",
    title: "Finish agent session",
    operation: OpKind::Session,
    entity: "agent_session",
    destructive: false,
    idempotent: false,
    fields: &[],
    canonicalize: canonicalize_as::<FormatOnly>,
};

/// The session tools.
pub const SESSION_TOOLS: &[ToolMeta] = &[GET_SESSION_INFO, SET_INTENT, FINISH_SESSION];

/// The session tools for the policy layer.
pub fn session_catalog() -> Vec<ToolMeta> {
    SESSION_TOOLS.to_vec()
}

/// Fails unless every routed tool has a declaration and every declaration a route (each
/// backend's tests call it with its raw router and its `TOOLS`).
#[cfg(test)]
pub fn assert_declared(router: &ToolRouter<HelpdeskOperator>, decls: &[ToolMeta]) {
    let (undeclared, unrouted) = undeclared(router, decls);
    assert!(
        undeclared.is_empty(),
        "routed without a declaration: {undeclared:?}"
    );
    assert!(
        unrouted.is_empty(),
        "declared without a route: {unrouted:?}"
    );
}

/// Routed tools without a declaration, and declarations without a route: both empty when
/// every tool is declared exactly once (each backend's tests hold this).
pub fn undeclared(
    router: &ToolRouter<HelpdeskOperator>,
    decls: &[ToolMeta],
) -> (Vec<String>, Vec<&'static str>) {
    let routes: Vec<String> = router.map.keys().map(|k| k.to_string()).collect();
    let unrouted = decls
        .iter()
        .map(|d| d.name)
        .filter(|n| !routes.iter().any(|r| r == n))
        .collect();
    let routes = routes
        .into_iter()
        .filter(|r| !decls.iter().any(|d| d.name == r))
        .collect();
    (routes, unrouted)
}

#[cfg(test)]
#[test]
fn every_session_tool_is_declared_once_and_routed() {
    let (undeclared, unrouted) = undeclared(&HelpdeskOperator::session_router(), SESSION_TOOLS);
    assert!(
        undeclared.is_empty() && unrouted.is_empty(),
        "{undeclared:?} {unrouted:?}"
    );
}

/// A router whose tools carry their declarations' annotations (title, read-only, destructive,
/// idempotent, open world). A route without a declaration is dropped and logged: a tool
/// nobody declared is never offered (the surface tests hold routes and declarations equal).
pub fn declared(
    mut router: ToolRouter<HelpdeskOperator>,
    decls: &[ToolMeta],
) -> ToolRouter<HelpdeskOperator> {
    let names: Vec<String> = router.map.keys().map(|k| k.to_string()).collect();
    for name in names {
        let Some(decl) = decls.iter().find(|d| d.name == name) else {
            tracing::error!(tool = %name, "a routed tool has no declaration; it is not offered");
            router.remove_route(&name);
            continue;
        };
        if let Some(route) = router.map.get_mut(name.as_str()) {
            route.attr.annotations = Some(
                ToolAnnotations::with_title(decl.title)
                    .read_only(decl.operation == OpKind::Read)
                    .destructive(decl.destructive)
                    .idempotent(decl.idempotent)
                    .open_world(decl.backend != GET_SESSION_INFO.backend),
            );
        }
    }
    router
}

/// Session tools never ask for confirmation (policy validation refuses such rules).
fn done<T>(r: Result<Outcome<T>>) -> Result<T> {
    match r? {
        Outcome::Done(v) => Ok(v),
        _ => Err(crate::error::Error::internal(
            "a session tool cannot be confirmed",
        )),
    }
}

fn session_info(s: &crate::session::AgentSession) -> SessionInfo {
    SessionInfo {
        session_id: s.id.clone(),
        agent: s.agent.clone(),
        username: s.username.clone(),
        branch: s.branch.clone(),
        intent: s.intent(),
        mode: s.mode,
        started_at: s.started_at,
        note: s.note.clone(),
    }
}

#[tool_router(router = session_router, vis = "pub")]
impl HelpdeskOperator {
    /// Show this agent's session: its branch name, declared intent, and who keeps them. Opens
    /// the session (and logs in to the helpdesk) if none is open. Call it first.
    #[tool(
        output_schema = schema_for_output::<SessionInfo>()
    )]
    pub async fn get_agent_session_info(
        &self,
        Parameters(p): Parameters<FormatOnly>,
    ) -> CallToolResult {
        let r = self
            .core
            .read(&GET_SESSION_INFO, |s| async move { Ok(session_info(&s)) })
            .await;
        finish(r, p.response_format)
    }

    /// Declare what you are about to do in this session, in one or two sentences (1-512
    /// characters). Required before any write; it is recorded with every write you make.
    /// Call it again to change the intent when the task changes.
    #[tool(
        output_schema = schema_for_output::<SessionInfo>()
    )]
    pub async fn set_agent_intent(
        &self,
        Parameters(p): Parameters<SetIntentParams>,
    ) -> CallToolResult {
        let r = async {
            let intent = validate_intent(&p.intent)?;
            let spec = WriteSpec {
                tool: &SET_INTENT,
                target_id: None,
                arguments: json!({ "intent": intent }),
                view: json!({ "intent": intent }),
                before_view: guard::no_view,
            };
            let core = self.core.clone();
            self.core
                .write(
                    spec,
                    CallCtx::plain(),
                    |s| async move { Ok(Some(json!({ "intent": s.intent() }))) },
                    |s, _| async move {
                        core.sessions.set_intent(&s, &intent).await?;
                        Ok(Written {
                            target_id: Some(s.id.clone()),
                            after: Some(json!({ "intent": s.intent(), "branch": s.branch })),
                            status: None,
                            note: None,
                            value: session_info(&s),
                        })
                    },
                )
                .await
        }
        .await;
        finish(done(r), p.response_format)
    }

    /// End this agent session: the helpdesk session is closed (the instance's
    /// finish-agent-session endpoint, or a logout), the login cookies are dropped, and a
    /// summary of the session's writes is returned. The next call opens a new session with a
    /// new branch.
    #[tool(
        output_schema = schema_for_output::<FinishSummary>()
    )]
    pub async fn finish_agent_session(
        &self,
        Parameters(p): Parameters<FormatOnly>,
    ) -> CallToolResult {
        let spec = WriteSpec {
            tool: &FINISH_SESSION,
            target_id: None,
            arguments: json!({}),
            view: json!({}),
            before_view: guard::no_view,
        };
        let core = self.core.clone();
        let r = self
            .core
            .write(
                spec,
                CallCtx::plain(),
                |_| async { Ok(None) },
                |s, _| async move {
                    // Every write of the session has its outcome recorded before the count.
                    s.close_for_writes(FINISH_WAIT).await?;
                    let writes = core.store.write_counts(&s.id).await?;
                    core.sessions.finish(&s).await?;
                    let summary = FinishSummary {
                        session_id: s.id.clone(),
                        branch: s.branch.clone(),
                        intent: s.intent(),
                        started_at: s.started_at,
                        finished_at: Utc::now(),
                        writes,
                        next: "The session is closed. The next tool call opens a new session with a new branch; set an intent again before writing.".into(),
                    };
                    Ok(Written {
                        target_id: Some(s.id.clone()),
                        after: serde_json::to_value(&summary).ok(),
                        status: None,
                        note: None,
                        value: summary,
                    })
                },
            )
            .await;
        finish(done(r), p.response_format)
    }
}
