//! The Daktela simulator's entry in the sandbox: seeded, with the sandbox agent's login and a
//! random password, and the variables that point the server's Daktela client at it.
//!
//! Must not: start anything but the simulator, or hand out anything but its own credentials.

use super::{DaktelaSim, DaktelaSimOptions, TICKETS};
use crate::sandbox::kit::sandbox::{Entry, Started, Starting, secret};

/// Daktela in the sandbox.
pub const SANDBOX: Entry = Entry {
    title: "Daktela",
    start,
};

/// The agent logs in with its own account; the static token is random and not handed out.
fn start(agent: &'static str) -> Starting {
    Box::pin(async move {
        let password = secret();
        let sim = DaktelaSim::start(DaktelaSimOptions {
            username: agent.to_string(),
            password: password.clone(),
            static_token: secret(),
            ..DaktelaSimOptions::default()
        })
        .await?;
        let url = sim.base_url();
        Ok(Started {
            env: vec![
                ("DAKTELA_URL", url.clone()),
                ("DAKTELA_USERNAME", agent.to_string()),
                ("DAKTELA_PASSWORD", password),
            ],
            banner: format!(
                "{url}  ({TICKETS} tickets with activities on every channel, call transcripts, \
                 contacts, accounts, queues, users)"
            ),
            running: Box::new(sim),
        })
    })
}
