//! Upstream helpdesks, and the registry: [`ALL`] is the only list of backends in the crate.
//!
//! Each backend folder has the same parts: `mod.rs` (name, API notes, server instructions),
//! `config.rs` (its variables and section), `client.rs` (transport and the backend's one
//! `parse_error`), `models.rs` (upstream JSON), `session.rs` (its part of an agent session),
//! `check.rs` (its part of `helpdesk-operator check`) and its tools. A new backend adds its
//! folder and one [`Kind`] here; nothing in `mcp/`, `policy/`, `audit/`, `session/`,
//! `config.rs`, `cli.rs` or `main.rs` names it.
//!
//! Owns: the registry and what is built from it: the configuration's sections
//! ([`config_from_lookup`]), the environment variables ([`env_vars`]), the tool catalogue
//! policy validates against ([`catalogue`]), and the server ([`server`]).
//! Must not: backend clients know nothing about MCP, policy or the audit log. All HTTP goes
//! out through [`http::send`].

pub mod autotask;
pub mod cache;
pub mod check;
pub mod daktela;
pub mod django_helpdesk;
pub mod freshdesk;
pub mod http;
pub mod kayako;
pub mod reconcile;
pub mod resolve;

use std::path::Path;
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::Tool;

use crate::audit::AuditStore;
use crate::config::{BackendSection, Config, SectionParser};
use crate::error::Result;
use crate::mcp::{HelpdeskOperator, Parts, ToolSet};
use crate::policy::Policy;
use crate::policy::catalog::ToolMeta;
use crate::policy::ratelimit::{AccountLimiter, Budget, Limits};
use crate::session::{BoxFuture, Connector, SessionManager};

/// Opens a backend's sessions from its section, with the account's rate limiter.
pub type Connect = fn(&dyn BackendSection, Arc<AccountLimiter>) -> Result<Arc<dyn Connector>>;

/// One backend, as the rest of the crate sees it.
pub struct Kind {
    /// As in tool names and policy files: `django_helpdesk`.
    pub name: &'static str,
    /// As people write it: `django-helpdesk`.
    pub title: &'static str,
    /// What `check` says when the backend is not configured.
    pub how_to_configure: &'static str,
    /// Its variables, for `--help` and README.
    pub env_vars: &'static [(&'static str, &'static str)],
    /// Its section of the configuration.
    pub section: SectionParser,
    /// Its paragraph of the server instructions.
    pub instructions: &'static str,
    /// Its tools, and their catalogue for policy.
    pub router: fn() -> ToolRouter<HelpdeskOperator>,
    pub catalog: fn() -> Vec<ToolMeta>,
    pub connect: Connect,
    /// Its part of `helpdesk-operator check`.
    pub check: for<'a> fn(&'a dyn BackendSection) -> BoxFuture<'a, bool>,
}

/// Every backend this build has.
pub const ALL: &[Kind] = &[
    Kind {
        name: django_helpdesk::BACKEND,
        title: "django-helpdesk",
        how_to_configure: "set DJANGO_HELPDESK_URL to use it",
        env_vars: django_helpdesk::config::ENV_VARS,
        section: django_helpdesk::config::section,
        instructions: django_helpdesk::INSTRUCTIONS,
        router: django_helpdesk::tools::router,
        catalog: django_helpdesk::tools::catalog,
        connect: django_helpdesk::session::connect,
        check: django_helpdesk::check::check,
    },
    Kind {
        name: freshdesk::BACKEND,
        title: "Freshdesk",
        how_to_configure: "set FRESHDESK_DOMAIN and FRESHDESK_API_KEY to use it",
        env_vars: freshdesk::config::ENV_VARS,
        section: freshdesk::config::section,
        instructions: freshdesk::INSTRUCTIONS,
        router: freshdesk::tools::router,
        catalog: freshdesk::tools::catalog,
        connect: freshdesk::session::connect,
        check: freshdesk::check::check,
    },
    Kind {
        name: autotask::BACKEND,
        title: "Autotask",
        how_to_configure: "set AUTOTASK_API_USERNAME, AUTOTASK_API_SECRET and \
            AUTOTASK_API_INTEGRATION_CODE to use it",
        env_vars: autotask::config::ENV_VARS,
        section: autotask::config::section,
        instructions: autotask::INSTRUCTIONS,
        router: autotask::tools::router,
        catalog: autotask::tools::catalog,
        connect: autotask::session::connect,
        check: autotask::check::check,
    },
    Kind {
        name: kayako::BACKEND,
        title: "Kayako",
        how_to_configure: "set KAYAKO_API_URL, KAYAKO_API_KEY and KAYAKO_SECRET_KEY to use it",
        env_vars: kayako::config::ENV_VARS,
        section: kayako::config::section,
        instructions: kayako::INSTRUCTIONS,
        router: kayako::tools::router,
        catalog: kayako::tools::catalog,
        connect: kayako::session::connect,
        check: kayako::check::check,
    },
    Kind {
        name: daktela::BACKEND,
        title: "Daktela",
        how_to_configure: "set DAKTELA_URL and DAKTELA_USERNAME with DAKTELA_PASSWORD (or \
            DAKTELA_ACCESS_TOKEN) to use it",
        env_vars: daktela::config::ENV_VARS,
        section: daktela::config::section,
        instructions: daktela::INSTRUCTIONS,
        router: daktela::tools::router,
        catalog: daktela::tools::catalog,
        connect: daktela::session::connect,
        check: daktela::check::check,
    },
];

/// The configuration from any key lookup (tests pass a map here).
pub fn config_from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config> {
    Config::from_lookup(get, &sections())
}

/// The configuration from `.env` and the process environment.
pub fn config_from_env() -> Result<Config> {
    Config::from_env(&sections())
}

fn sections() -> Vec<SectionParser> {
    ALL.iter().map(|k| k.section).collect()
}

/// Every variable the server reads, backends first: what `--help` lists and README documents.
pub fn env_vars() -> Vec<(&'static str, &'static str)> {
    ALL.iter()
        .flat_map(|k| k.env_vars.iter().copied())
        .chain(crate::config::ENV_VARS.iter().copied())
        .collect()
}

/// Every tool of every backend this build has, and the session tools, as policy sees them.
pub fn catalogue() -> Vec<ToolMeta> {
    let mut v = crate::mcp::session_catalog();
    for k in ALL {
        v.extend((k.catalog)());
    }
    v
}

/// Every tool this build has, whether or not its backend is configured (for docs and tests).
pub fn all_tools() -> Vec<Tool> {
    let mut router = crate::mcp::declared(
        HelpdeskOperator::session_router(),
        crate::mcp::SESSION_TOOLS,
    );
    for k in ALL {
        router += (k.router)();
    }
    HelpdeskOperator::offered(&router)
}

/// The policy at `path` (a file or folder), or the shipped default, for this build's tools.
pub fn load_policy(path: Option<&Path>) -> Result<Policy> {
    Policy::load(path, catalogue())
}

/// A policy from (file name, text) pairs, for this build's tools.
pub fn policy_from_sources(sources: &[(String, String)]) -> Result<Policy> {
    Policy::from_sources(sources, catalogue())
}

/// The server for `config`, with the policy it names (or the shipped default).
pub fn server(config: &Config, store: Arc<AuditStore>) -> Result<HelpdeskOperator> {
    let policy = load_policy(config.policy_path.as_deref())?;
    server_with_policy(config, store, Arc::new(policy))
}

/// The server for `config` under `policy`: each configured backend's connector (with the
/// account's request budget from policy) and tools.
pub fn server_with_policy(
    config: &Config,
    store: Arc<AuditStore>,
    policy: Arc<Policy>,
) -> Result<HelpdeskOperator> {
    // Replicas on one PostgreSQL share each account's per-minute budget there.
    let limits = if store.shares_budgets() {
        Limits::shared(Arc::new(StoreBudgets(store.clone())))
    } else {
        Limits::default()
    };
    let mut connectors = Vec::new();
    let mut toolsets = Vec::new();
    for kind in ALL {
        let Some(section) = config.backends.iter().find(|s| s.backend() == kind.name) else {
            continue;
        };
        let bp = policy.backend(kind.name);
        let budget = Budget {
            requests_per_minute: bp.requests_per_minute,
            requests_per_hour: bp.requests_per_hour,
            max_concurrent: bp.max_concurrent,
            max_concurrent_per_endpoint: bp.max_concurrent_per_endpoint,
            max_wait: policy.settings.rate_limit_wait,
        };
        let limiter = limits.get(&section.account_key(), kind.title, budget);
        connectors.push((kind.connect)(section.as_ref(), limiter)?);
        toolsets.push(ToolSet {
            router: (kind.router)(),
            instructions: kind.instructions,
        });
    }
    let operators = config
        .operators_path
        .as_deref()
        .map(crate::operators::Principals::load)
        .transpose()?
        .map(Arc::new);
    // Agents' own logins (the agents file), for the backends configured here.
    let mut logins = std::collections::HashMap::new();
    for a in operators.iter().flat_map(|o| o.agents()) {
        for (backend, login) in a.logins(&|k| std::env::var(k).ok())? {
            if config.backends.iter().any(|s| s.backend() == backend) {
                logins.insert((a.name.clone(), backend), login);
            }
        }
    }
    Ok(HelpdeskOperator::assemble(Parts {
        agent: config.agent.clone(),
        store: store.clone(),
        policy,
        operators,
        sessions: SessionManager::new(store, connectors).with_logins(logins),
        toolsets,
    }))
}

/// The audit store as the rate limiter's shared budgets.
struct StoreBudgets(Arc<AuditStore>);

impl crate::policy::ratelimit::SharedBudgets for StoreBudgets {
    fn try_spend<'a>(
        &'a self,
        key: &'a str,
        interval: std::time::Duration,
        burst: u32,
    ) -> crate::policy::ratelimit::BudgetFuture<'a> {
        Box::pin(self.0.spend_budget(key, interval, burst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_defaults_to_the_username_of_a_backend_that_logs_in() {
        let c = config_from_lookup(|k| {
            match k {
                "DJANGO_HELPDESK_URL" => Some("http://127.0.0.1:1"),
                "DJANGO_HELPDESK_USERNAME" => Some("alice"),
                "DJANGO_HELPDESK_PASSWORD" => Some("pw"),
                "HELPDESK_OPERATOR_DATA_DIR" => Some("/tmp/x"),
                _ => None,
            }
            .map(String::from)
        })
        .unwrap();
        assert_eq!(c.agent, "alice");
        assert_eq!(c.backend_names(), ["django_helpdesk"]);
    }

    #[test]
    fn every_backend_is_listed_once() {
        let mut names: Vec<&str> = ALL.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for t in catalogue() {
            assert!(
                t.backend == "session" || names.contains(&t.backend),
                "{} names backend {} which is not in the registry",
                t.name,
                t.backend
            );
        }
    }
}
