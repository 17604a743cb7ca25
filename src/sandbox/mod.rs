//! Stateful simulators of the upstream helpdesks, on loopback: test infrastructure and the
//! product's sandbox mode (`helpdesk-operator sandbox`).
//!
//! Owns: faithful fakes built from the reference notes (status codes, envelopes, headers,
//! pagination, rate limits, error bodies), with seeded demo data and fault-injection hooks;
//! and [`Sandbox`], which starts them and builds the configuration that points at them.
//! Must not: be used by a backend client in production paths; clients only see a base URL.

pub mod django_helpdesk;
pub mod freshdesk;
pub mod kit;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::config::Config;
use crate::error::{Error, Result};
use django_helpdesk::{DjangoSim, DjangoSimOptions, DjangoSimUser};
use freshdesk::{FreshdeskSim, SimOptions};
use kit::text::random_string;

/// The sandbox agent's django-helpdesk account.
pub const SANDBOX_USER: &str = "sandbox-agent";

/// Running simulators and the configuration that points at them.
pub struct Sandbox {
    pub freshdesk: FreshdeskSim,
    pub django: DjangoSim,
    pub config: Config,
    /// The embedded audit store of this sandbox run.
    pub audit_path: PathBuf,
}

fn secret() -> String {
    random_string(24, b"abcdefghijklmnopqrstuvwxyz0123456789")
}

impl Sandbox {
    /// Starts both simulators with seeded data and an audit store in `dir`.
    pub async fn start(dir: PathBuf) -> Result<Sandbox> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::config(format!("cannot create {}: {e}", dir.display())))?;
        let api_key = secret();
        let password = secret();
        let freshdesk = FreshdeskSim::start(SimOptions {
            api_key: api_key.clone(),
            requests_per_minute: 200,
            seed: true,
        })
        .await
        .map_err(|e| Error::internal(format!("cannot start the Freshdesk simulator: {e}")))?;
        let users = vec![
            DjangoSimUser {
                username: SANDBOX_USER.into(),
                password: password.clone(),
                staff: true,
                agent: true,
            },
            DjangoSimUser {
                username: "maria".into(),
                password: secret(),
                staff: true,
                agent: false,
            },
            DjangoSimUser {
                username: "tomas".into(),
                password: secret(),
                staff: true,
                agent: false,
            },
        ];
        let django = DjangoSim::start(
            DjangoSimOptions {
                fork: true,
                seed: true,
            },
            users,
        )
        .await
        .map_err(|e| Error::internal(format!("cannot start the django-helpdesk simulator: {e}")))?;
        let audit_path = dir.join("audit.sqlite3");
        let mut env: HashMap<&str, String> = HashMap::from([
            ("DJANGO_HELPDESK_URL", django.base_url()),
            ("DJANGO_HELPDESK_USERNAME", SANDBOX_USER.to_string()),
            ("DJANGO_HELPDESK_PASSWORD", password),
            ("FRESHDESK_BASE_URL", freshdesk.base_url()),
            ("FRESHDESK_API_KEY", api_key),
            ("HELPDESK_OPERATOR_AGENT", SANDBOX_USER.to_string()),
            ("DATABASE_URL", format!("sqlite:{}", audit_path.display())),
        ]);
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
            freshdesk,
            django,
            config,
            audit_path,
        })
    }

    /// What to tell a person starting the sandbox (printed on stderr). It names the audit file
    /// but hands out no way to approve: human approval needs an operator's password, which the
    /// sandbox never makes (an agent that starts it reads this too).
    pub fn banner(&self) -> String {
        let operators = match &self.config.operators_path {
            None => format!(
                "none: {} is unset, so changes that need a person (rules with via = \"human\") stay pending",
                crate::operators::ENV_VAR
            ),
            Some(p) => match crate::operators::Principals::load(p) {
                Ok(o) => format!(
                    "{} operator(s) in {} may approve or deny",
                    o.operators().len(),
                    p.display()
                ),
                Err(e) => format!("{e}"),
            },
        };
        format!(
            "helpdesk-operator sandbox: simulated helpdesks with demo data, nothing to install, no accounts.\n\
             \n\
             - Freshdesk simulator:        {fd}  (~300 tickets, agents, groups, companies, contacts)\n\
             - django-helpdesk simulator:  {dj}  (with agent-session endpoints; you are {user})\n\
             - audit log (SQLite):         {audit}\n\
             - operators (human approval): {operators}\n\
             \n\
             MCP is being served on stdio. Connect a client by running this command as its server, e.g.\n\
             Claude Code:     claude mcp add helpdesk-sandbox -- helpdesk-operator sandbox\n\
             Claude Desktop:  {{\"mcpServers\": {{\"helpdesk-sandbox\": {{\"command\": \"helpdesk-operator\", \"args\": [\"sandbox\"]}}}}}}\n\
             \n\
             Try: get_agent_session_info, set_agent_intent, freshdesk_search_tickets, freshdesk_reply_to_ticket\n\
             (the default policy asks for confirmation), django_helpdesk_list_tickets.\n\
             To read the audit log, in another terminal:\n\
             \x20 DATABASE_URL=sqlite:{audit} helpdesk-operator audit list\n\
             \n\
             Human approval needs an operator: a person listed, with an argon2 password hash, in the\n\
             file {env} names. This sandbox makes none for you. To add yourself, run\n\
             `helpdesk-operator hash-password` (it asks for a password and prints $argon2id$...), and write\n\
             \x20 [[operator]]\n\
             \x20 name = \"your-name\"\n\
             \x20 password_hash = '<the printed hash>'\n\
             to a file agents cannot write; start the sandbox with {env} set to it. Then\n\
             `helpdesk-operator pending` lists what waits, and `approve ID` / `deny ID` ask for your name\n\
             and password (run them with {env} and the audit log above as DATABASE_URL).\n",
            fd = self.freshdesk.base_url(),
            dj = self.django.base_url(),
            user = SANDBOX_USER,
            audit = self.audit_path.display(),
            env = crate::operators::ENV_VAR,
        )
    }
}
