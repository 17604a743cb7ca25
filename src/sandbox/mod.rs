//! Stateful simulators of the upstream helpdesks, on loopback: test infrastructure and the
//! product's sandbox mode (`helpdesk-operator sandbox`).
//!
//! Owns: faithful fakes built from the reference notes (status codes, envelopes, headers,
//! pagination, rate limits, error bodies), with seeded demo data and fault-injection hooks;
//! and [`Sandbox`], which starts every simulator of [`SIMULATORS`] and builds the configuration
//! that points at them. A simulator for a new backend adds its folder and its entry there.
//! Must not: be used by a backend client in production paths (clients only see a base URL), or
//! name a simulator's variables or banner text here (its folder's `SANDBOX` entry has them).

pub mod autotask;
pub mod daktela;
pub mod django_helpdesk;
pub mod freshdesk;
pub mod kayako;
pub mod kit;

use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::config::Config;
use crate::error::{Error, Result};
use kit::sandbox::{Entry, Started};

/// The sandbox agent's account, where an upstream has accounts.
pub const SANDBOX_USER: &str = "sandbox-agent";

/// Every simulator the sandbox starts, in the order it starts them and the banner lists them.
pub const SIMULATORS: &[Entry] = &[
    freshdesk::SANDBOX,
    django_helpdesk::SANDBOX,
    autotask::SANDBOX,
    kayako::SANDBOX,
    daktela::SANDBOX,
];

/// The banner's operators line, after the unset variable's name.
const UNSET_OPERATORS: &str =
    "is unset, so changes that need a person (rules with via = \"human\") stay pending";

/// Running simulators and the configuration that points at them.
pub struct Sandbox {
    /// The simulators of [`SIMULATORS`] with their titles, in order; dropping them stops serving.
    simulators: Vec<(&'static str, Started)>,
    pub config: Config,
    /// The embedded audit store of this sandbox run.
    pub audit_path: PathBuf,
}

impl Sandbox {
    /// Starts every simulator with seeded data and an audit store in `dir`.
    pub async fn start(dir: PathBuf) -> Result<Sandbox> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
        let mut simulators = Vec::with_capacity(SIMULATORS.len());
        for sim in SIMULATORS {
            let started = (sim.start)(SANDBOX_USER).await.map_err(|e| {
                Error::internal(format!("cannot start the {} simulator: {e}", sim.title))
            })?;
            simulators.push((sim.title, started));
        }
        let audit_path = dir.join("audit.sqlite3");
        let mut env: HashMap<&str, String> = simulators
            .iter()
            .flat_map(|(_, s)| s.env.iter().cloned())
            .collect();
        env.insert("HELPDESK_OPERATOR_AGENT", SANDBOX_USER.to_string());
        env.insert("DATABASE_URL", format!("sqlite:{}", audit_path.display()));
        if let Ok(p) = std::env::var("HELPDESK_OPERATOR_POLICY") {
            env.insert("HELPDESK_OPERATOR_POLICY", p);
        }
        // Operators are people: the sandbox never makes one (an agent that starts it could read
        // a generated password), it only uses the file a person set up.
        if let Ok(p) = std::env::var(crate::operators::ENV_VAR) {
            env.insert(crate::operators::ENV_VAR, p);
        }
        let config = crate::backends::config_from_lookup(|k| env.get(k).cloned())?;
        Ok(Sandbox {
            simulators,
            config,
            audit_path,
        })
    }

    /// The running simulator of type `T` (a [`freshdesk::FreshdeskSim`], say), if one is.
    pub fn simulator<T: Any>(&self) -> Option<&T> {
        self.simulators
            .iter()
            .find_map(|(_, s)| s.running.downcast_ref::<T>())
    }

    /// What to tell a person starting the sandbox (printed on stderr). It names the audit file
    /// but hands out no way to approve: human approval needs an operator's password, which the
    /// sandbox never makes (an agent that starts it reads this too).
    pub fn banner(&self) -> String {
        let operators = match &self.config.operators_path {
            None => format!("none: {} {UNSET_OPERATORS}", crate::operators::ENV_VAR),
            Some(p) => match crate::operators::Principals::load(p) {
                Ok(o) => format!(
                    "{} operator(s) in {} may approve or deny",
                    o.operators().len(),
                    p.display()
                ),
                Err(e) => format!("{e}"),
            },
        };
        let simulators: Vec<String> = self
            .simulators
            .iter()
            .map(|(title, s)| format!("- {:<28}{}", format!("{title} simulator:"), s.banner))
            .collect();
        // The text, with `{simulators}` for their lines, `{audit}` and `{env}`.
        format!(
            include_str!("banner.txt"),
            simulators = simulators.join("\n"),
            audit = self.audit_path.display(),
            operators = operators,
            env = crate::operators::ENV_VAR,
        )
    }
}
