//! The policy layer: rules from `policies/*.toml` that say what an agent may do alone, what
//! needs confirmation, and what is refused; plus confirmations, rate limits and the retry
//! budget they share.
//!
//! Owns: loading and validating rule files (an unknown tool, backend or field name, or a bad
//! value, is an error with file, line and problem), and [`Policy::decide`], a pure function of
//! (rules, tool, canonical arguments, before image): no I/O, unit-tested table by table.
//! Must not: talk to upstreams or the audit store (the MCP core does that around decisions).

pub mod catalog;
pub mod confirm;
pub mod facts;
pub mod personal_data;
pub mod ratelimit;
mod rules;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

pub use catalog::{FieldKind, OpKind, ToolMeta};
pub use rules::{Predicate, Rule};

use crate::error::{Error, ErrorKind, Result};

/// The policy shipped with the product (used when `HELPDESK_OPERATOR_POLICY` is unset).
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.toml");

/// What a decision says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecisionKind {
    Allow,
    RequireIntent,
    Confirm,
    Deny,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Allow => "allow",
            DecisionKind::RequireIntent => "require_intent",
            DecisionKind::Confirm => "confirm",
            DecisionKind::Deny => "deny",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "allow" => DecisionKind::Allow,
            "require_intent" => DecisionKind::RequireIntent,
            "confirm" => DecisionKind::Confirm,
            "deny" => DecisionKind::Deny,
            _ => return None,
        })
    }
}

/// How a confirmation may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The agent repeats the call with the `confirmation_token` it was given.
    Token,
    /// The client asks its user (MCP elicitation, or the 2026-07-28 input-required round trip).
    Elicitation,
    /// A person approves the pending token out of band: `helpdesk-operator approve`.
    Human,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Token => "token",
            Via::Elicitation => "elicitation",
            Via::Human => "human",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "token" => Via::Token,
            "elicitation" => Via::Elicitation,
            "human" => Via::Human,
            _ => return None,
        })
    }
}

/// The outcome of [`Policy::decide`].
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub kind: DecisionKind,
    /// The rule that decided (`default:...` for the built-in defaults).
    pub rule: String,
    pub reason: String,
    /// For `Confirm`: the acceptable confirmation paths, in order of preference.
    pub via: Vec<Via>,
    /// Every explicit rule that matched, in file order (for `policy explain`).
    pub matched: Vec<String>,
}

/// Per-backend settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendPolicy {
    pub read_only: bool,
    /// Upstream request budget per account.
    pub requests_per_minute: u32,
    /// At most this many requests in any rolling hour, when set.
    pub requests_per_hour: Option<u32>,
    pub max_concurrent: u32,
    /// At most this many requests in flight per upstream object endpoint, when set.
    pub max_concurrent_per_endpoint: Option<u32>,
}

impl Default for BackendPolicy {
    fn default() -> Self {
        Self {
            read_only: false,
            requests_per_minute: 300,
            requests_per_hour: None,
            max_concurrent: 8,
            max_concurrent_per_endpoint: None,
        }
    }
}

/// Global settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub read_only: bool,
    pub confirmation_ttl: Duration,
    pub default_via: Vec<Via>,
    /// How long a call may wait for a rate-limit slot before it fails with a retry time.
    pub rate_limit_wait: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            read_only: false,
            confirmation_ttl: Duration::from_secs(600),
            default_via: vec![Via::Token],
            rate_limit_wait: Duration::from_secs(30),
        }
    }
}

/// A loaded, validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where it came from (paths, or "built-in default").
    pub source: String,
    pub settings: Settings,
    pub backends: HashMap<String, BackendPolicy>,
    pub rules: Vec<Rule>,
    tools: Vec<ToolMeta>,
}

impl Policy {
    /// The shipped default policy, for the tools of `catalogue`.
    pub fn default_policy(catalogue: Vec<ToolMeta>) -> Result<Self> {
        Self::from_sources(
            &[(
                "policies/default.toml (built in)".to_string(),
                DEFAULT_POLICY.to_string(),
            )],
            catalogue,
        )
    }

    /// Loads `HELPDESK_OPERATOR_POLICY` (a file, or a folder of `*.toml` read in name order),
    /// or the built-in default when it is unset.
    pub fn load(path: Option<&Path>, catalogue: Vec<ToolMeta>) -> Result<Self> {
        match path {
            None => Self::default_policy(catalogue),
            Some(p) => {
                let files = policy_files(p)?;
                let mut sources = Vec::new();
                for f in files {
                    let text = std::fs::read_to_string(&f)
                        .map_err(|e| Error::config(format!("{}: cannot read: {e}", f.display())))?;
                    sources.push((f.display().to_string(), text));
                }
                Self::from_sources(&sources, catalogue)
            }
        }
    }

    /// Parses and validates (file name, text) pairs against the tools of `catalogue` (every
    /// tool of every backend this build has: an unknown tool or field name is an error);
    /// later files add rules and override settings.
    pub fn from_sources(sources: &[(String, String)], catalogue: Vec<ToolMeta>) -> Result<Self> {
        let tools = catalogue;
        let mut settings = Settings::default();
        let mut backends: HashMap<String, BackendPolicy> = HashMap::new();
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (name, text) in sources {
            match rules::parse_file(name, text, &tools, &mut settings, &mut backends, &mut rules) {
                Ok(()) => {}
                Err(mut p) => problems.append(&mut p),
            }
        }
        let mut seen = BTreeMap::new();
        for r in &rules {
            if let Some(first) = seen.insert(r.name.clone(), r.location.clone()) {
                problems.push(format!(
                    "{}: rule name \"{}\" is already used at {first}; rule names must be unique",
                    r.location, r.name
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Error::new(
                ErrorKind::Config,
                format!("invalid policy:\n{}", problems.join("\n")),
            ));
        }
        Ok(Self {
            source: sources
                .iter()
                .map(|(n, _)| n.clone())
                .collect::<Vec<_>>()
                .join(", "),
            settings,
            backends,
            rules,
            tools,
        })
    }

    pub fn tool(&self, name: &str) -> Option<&ToolMeta> {
        self.tools.iter().find(|t| t.name == name)
    }

    pub fn backend(&self, name: &str) -> BackendPolicy {
        self.backends.get(name).cloned().unwrap_or_default()
    }

    /// Decides a call. `args` are canonical values (see [`ToolMeta::canonicalize`]); `before`
    /// is the object's canonical state for updates and deletes, when known.
    pub fn decide(&self, tool: &ToolMeta, args: &Value, before: Option<&Value>) -> Decision {
        self.decide_call(tool, args, None, before)
    }

    /// [`Policy::decide`] with the arguments as the agent sent them, so that the virtual
    /// fields (personal data, objects) see every value, not only the canonical view's.
    pub fn decide_call(
        &self,
        tool: &ToolMeta,
        view: &Value,
        arguments: Option<&Value>,
        before: Option<&Value>,
    ) -> Decision {
        let facts = facts::facts(tool, view, arguments, before);
        let args = &facts;
        let writes = tool.operation.is_write();
        if writes && self.settings.read_only {
            return fixed(
                DecisionKind::Deny,
                "settings.read_only",
                "the server is in read-only mode: no writes are sent to any helpdesk",
            );
        }
        if writes && self.backend(tool.backend).read_only {
            return fixed(
                DecisionKind::Deny,
                &format!("backends.{}.read_only", tool.backend),
                &format!(
                    "{} is in read-only mode: no writes are sent to it",
                    tool.backend
                ),
            );
        }
        let matched: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.applies_to(tool) && r.matches(args, before))
            .collect();
        let names: Vec<String> = matched.iter().map(|r| r.name.clone()).collect();
        let top = matched.iter().map(|r| r.decision).max();
        // The most restrictive decision wins; among equals, the first rule in file order.
        if let Some(winner) = top.and_then(|k| matched.iter().copied().find(|r| r.decision == k)) {
            let mut kind = winner.decision;
            if writes && kind == DecisionKind::Allow {
                kind = DecisionKind::RequireIntent; // every write needs an intent, always
            }
            return Decision {
                kind,
                rule: winner.name.clone(),
                reason: winner.reason.clone(),
                via: if winner.via.is_empty() {
                    self.settings.default_via.clone()
                } else {
                    winner.via.clone()
                },
                matched: names,
            };
        }
        let (kind, rule, reason) = match tool.operation {
            OpKind::Read => (
                DecisionKind::Allow,
                "default:read",
                "read-only tools are allowed",
            ),
            OpKind::Session => (
                DecisionKind::Allow,
                "default:session",
                "session tools are allowed",
            ),
            _ if tool.destructive => (
                DecisionKind::Confirm,
                "default:destructive",
                "destructive tools need confirmation",
            ),
            _ => (
                DecisionKind::RequireIntent,
                "default:write",
                "every write requires a declared intent",
            ),
        };
        Decision {
            kind,
            rule: rule.into(),
            reason: reason.into(),
            via: self.settings.default_via.clone(),
            matched: names,
        }
    }

    /// Whether a tool is listed in tools/list: not when policy denies it outright (read-only
    /// modes for writes, or a deny rule without conditions that covers it).
    pub fn lists(&self, tool: &ToolMeta) -> bool {
        if tool.operation.is_write()
            && (self.settings.read_only || self.backend(tool.backend).read_only)
        {
            return false;
        }
        !self
            .rules
            .iter()
            .any(|r| r.decision == DecisionKind::Deny && r.when.is_empty() && r.applies_to(tool))
    }
}

fn fixed(kind: DecisionKind, rule: &str, reason: &str) -> Decision {
    Decision {
        kind,
        rule: rule.into(),
        reason: reason.into(),
        via: vec![],
        matched: vec![],
    }
}

fn policy_files(p: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(p)
        .map_err(|e| Error::config(format!("HELPDESK_OPERATOR_POLICY={}: {e}", p.display())))?;
    if meta.is_file() {
        return Ok(vec![p.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(|e| Error::config(format!("{}: {e}", p.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::config(format!(
            "{}: no *.toml policy files in this folder",
            p.display()
        )));
    }
    Ok(files)
}

#[cfg(test)]
mod tests;
