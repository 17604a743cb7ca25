//! Where and how to connect: read from environment variables (and an optional `.env`).
//!
//! Owns: [`Config`], the list of variables and their validation. Secrets are kept in
//! `secrecy` types from the moment they are read. Must not: open connections or log secrets.

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::SecretString;

use crate::error::{Error, Result};

/// A variable lookup: the process environment, `.env`, or a test's map. Values come trimmed,
/// and empty ones as unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One backend's settings, read from its own variables. Each backend folder has one
/// (`config.rs`); the registry in `backends/mod.rs` lists their parsers.
pub trait BackendSection: Any + std::fmt::Debug + Send + Sync {
    /// The backend's name, as in tool names and policy files (`django_helpdesk`).
    fn backend(&self) -> &'static str;
    /// Where the backend is, safe to log (no secret): its base URL.
    fn location(&self) -> String;
    /// Identifies the upstream account for its rate limit (no secret in it): sessions and
    /// servers that use the same account share one budget.
    fn account_key(&self) -> String;
    /// The account's own username, when the backend logs in as one (the default agent name).
    fn username(&self) -> Option<String> {
        None
    }
}

/// A section as its backend's own type (the registry hands each backend its own section).
pub fn downcast<T: BackendSection>(section: &dyn BackendSection) -> Result<&T> {
    (section as &dyn Any).downcast_ref::<T>().ok_or_else(|| {
        Error::internal(format!(
            "the {} section is not the type its backend reads",
            section.backend()
        ))
    })
}

/// Reads one backend's section: `None` when its variables are not set.
pub type SectionParser = fn(Lookup<'_>) -> Result<Option<Arc<dyn BackendSection>>>;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The agent's name (`HELPDESK_OPERATOR_AGENT`, default: the django-helpdesk username).
    pub agent: String,
    /// Where the audit log lives.
    pub audit_store: AuditStoreConfig,
    /// The configured backends' sections, in the registry's order (see `backends::ALL`).
    pub backends: Vec<Arc<dyn BackendSection>>,
    /// `HELPDESK_OPERATOR_POLICY`: a policy file or folder; unset = the shipped default.
    pub policy_path: Option<PathBuf>,
    /// `HELPDESK_OPERATOR_AGENTS`: the operators file (people who approve; agents and their
    /// token hashes for the HTTP transport). Unset: nobody can approve or deny.
    pub operators_path: Option<PathBuf>,
    /// Signed checkpoints: `HELPDESK_OPERATOR_AUDIT_KEY`, `_AUDIT_PUBKEY`, `_CHECKPOINT_EVENTS`,
    /// `_CHECKPOINT_SECS` (paths and numbers; the key is read by `AuditStore::from_config`).
    pub audit_checkpoints: crate::audit::checkpoints::CheckpointConfig,
}

/// The audit store: PostgreSQL in production, an embedded SQLite file by default.
#[derive(Debug, Clone)]
pub enum AuditStoreConfig {
    Postgres(SecretString),
    Sqlite(PathBuf),
}

impl AuditStoreConfig {
    /// A description safe to print (no password).
    pub fn describe(&self) -> String {
        match self {
            AuditStoreConfig::Postgres(url) => {
                format!(
                    "PostgreSQL at {}",
                    mask_url(secrecy::ExposeSecret::expose_secret(url))
                )
            }
            AuditStoreConfig::Sqlite(path) => format!("SQLite file {}", path.display()),
        }
    }
}

/// The server's own variables (the backends list theirs in their `config.rs`; see
/// [`env_vars`]).
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "HELPDESK_OPERATOR_AGENT",
        "the agent's name in the audit log (default: the username)",
    ),
    (
        "DATABASE_URL",
        "postgres://... for the audit log (unset: embedded SQLite file; sqlite:PATH works too)",
    ),
    (
        "HELPDESK_OPERATOR_DATA_DIR",
        "where the embedded SQLite audit file lives",
    ),
    (
        "HELPDESK_OPERATOR_POLICY",
        "policy file or folder (default: the shipped policies/default.toml)",
    ),
    (
        "HELPDESK_OPERATOR_AGENTS",
        "operators and agents file: who may approve or deny (hash-password), which agents may \
         call serve --http (agent-token)",
    ),
    (
        "HELPDESK_OPERATOR_ALLOWED_HOSTS",
        "serve --http: more Host values to answer (comma-separated, e.g. mcp.example.com)",
    ),
    (
        "HELPDESK_OPERATOR_ALLOWED_ORIGINS",
        "serve --http: more Origins to accept (comma-separated, e.g. https://app.example.com)",
    ),
    (
        "HELPDESK_OPERATOR_OAUTH_ISSUER",
        "serve --http: accept JWTs from this OAuth issuer instead of agent tokens",
    ),
    (
        "HELPDESK_OPERATOR_OAUTH_AUDIENCE",
        "serve --http: the aud tokens must carry (this server's URL, e.g. https://h/mcp)",
    ),
    (
        "HELPDESK_OPERATOR_OAUTH_AGENT_CLAIM",
        "serve --http: the token claim that names the agent (default sub)",
    ),
    (
        "HELPDESK_OPERATOR_OAUTH_JWKS_URL",
        "serve --http: the issuer's JWKS, when it publishes no discovery metadata",
    ),
    (
        "HELPDESK_OPERATOR_AUDIT_KEY",
        "Ed25519 key file: sign audit checkpoints (audit keygen makes one)",
    ),
    (
        "HELPDESK_OPERATOR_AUDIT_PUBKEY",
        "the public key alone, for audit verify without the key file",
    ),
    (
        "HELPDESK_OPERATOR_CHECKPOINT_EVENTS",
        "sign a checkpoint at least every N events (default 100)",
    ),
    (
        "HELPDESK_OPERATOR_CHECKPOINT_SECS",
        "and every M seconds while events wait unsigned (default 300)",
    ),
    (
        "HELPDESK_OPERATOR_LOG",
        "log filter for stderr (default: info)",
    ),
];

impl Config {
    /// Reads `.env` (if present in the working directory) and then the process environment,
    /// with these backend sections (`backends::SECTIONS`).
    pub fn from_env(sections: &[SectionParser]) -> Result<Self> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|k| std::env::var(k).ok(), sections)
    }

    /// The section of backend type `T`, when it is configured.
    pub fn section<T: BackendSection>(&self) -> Option<&T> {
        self.backends
            .iter()
            .find_map(|s| (s.as_ref() as &dyn Any).downcast_ref::<T>())
    }

    /// The names of the configured backends.
    pub fn backend_names(&self) -> Vec<&'static str> {
        self.backends.iter().map(|s| s.backend()).collect()
    }

    /// Only `HELPDESK_OPERATOR_POLICY` (environment or `.env`): what the `policy` commands need,
    /// so that checking a policy file never depends on backend settings.
    pub fn policy_path_from_env() -> Option<PathBuf> {
        let _ = dotenvy::dotenv();
        std::env::var("HELPDESK_OPERATOR_POLICY")
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// Builds the configuration from any key lookup (tests pass a map here).
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        sections: &[SectionParser],
    ) -> Result<Self> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut backends = Vec::new();
        for parse in sections {
            backends.extend(parse(&get)?);
        }
        let agent = get("HELPDESK_OPERATOR_AGENT")
            .or_else(|| backends.iter().find_map(|s| s.username()))
            .unwrap_or_else(|| "agent".to_string());
        if agent.len() > 150 || agent.chars().any(|c| c.is_control()) {
            return Err(Error::config(
                "HELPDESK_OPERATOR_AGENT must be at most 150 printable characters",
            ));
        }
        let audit_store = match get("DATABASE_URL") {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                AuditStoreConfig::Postgres(SecretString::from(url))
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                AuditStoreConfig::Sqlite(PathBuf::from(path))
            }
            Some(_) => {
                return Err(Error::config(
                    "DATABASE_URL must start with postgres://, postgresql:// or sqlite: (or be unset for the embedded SQLite store)",
                ));
            }
            None => {
                let dir = match get("HELPDESK_OPERATOR_DATA_DIR") {
                    Some(d) => PathBuf::from(d),
                    None => dirs::data_dir()
                        .map(|d| d.join("helpdesk-operator"))
                        .ok_or_else(|| {
                            Error::config(
                                "no user data directory is known here; set HELPDESK_OPERATOR_DATA_DIR or DATABASE_URL",
                            )
                        })?,
                };
                AuditStoreConfig::Sqlite(dir.join("audit.sqlite3"))
            }
        };
        Ok(Self {
            agent,
            audit_store,
            backends,
            policy_path: get("HELPDESK_OPERATOR_POLICY").map(PathBuf::from),
            operators_path: get("HELPDESK_OPERATOR_AGENTS").map(PathBuf::from),
            audit_checkpoints: crate::audit::checkpoints::CheckpointConfig::from_lookup(&get)?,
        })
    }
}

/// A per-request timeout from `var` (seconds, 1 to 600; default 30).
pub fn timeout_from(
    get: &impl Fn(&str) -> Option<String>,
    var: &str,
) -> Result<std::time::Duration> {
    match get(var) {
        None => Ok(std::time::Duration::from_secs(30)),
        Some(v) => match v.parse::<u64>() {
            Ok(n @ 1..=600) => Ok(std::time::Duration::from_secs(n)),
            _ => Err(Error::config(format!(
                "{var}={v}: use a number of seconds from 1 to 600"
            ))),
        },
    }
}

/// Replaces the password in `scheme://user:password@host/...` with `****`.
pub fn mask_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("****"));
            }
            u.to_string()
        }
        Err(_) => "<unparseable URL>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned(), &[])
    }

    #[test]
    fn postgres_url_is_masked_in_descriptions() {
        let c = cfg(&[("DATABASE_URL", "postgres://u:hunter2@db:5432/audit")]).unwrap();
        let d = c.audit_store.describe();
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("****"));
    }

    #[test]
    fn sqlite_is_the_default_store() {
        let c = cfg(&[("HELPDESK_OPERATOR_DATA_DIR", "/tmp/x")]).unwrap();
        assert!(
            matches!(c.audit_store, AuditStoreConfig::Sqlite(ref p) if p.ends_with("audit.sqlite3"))
        );
    }

    #[test]
    fn unknown_database_scheme_is_refused() {
        let e = cfg(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(e.message.contains("DATABASE_URL"));
    }
}
