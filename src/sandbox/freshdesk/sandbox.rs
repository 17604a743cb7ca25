//! The Freshdesk simulator's entry in the sandbox: seeded, with a random API key, and the
//! variables that point the server's Freshdesk client at it.
//!
//! Must not: start anything but the simulator, or hand out anything but its own key.

use super::{FreshdeskSim, SimOptions};
use crate::sandbox::kit::sandbox::{Entry, Started, Starting, secret};

/// The account's budget per minute in the sandbox.
const REQUESTS_PER_MINUTE: u32 = 200;

/// Freshdesk in the sandbox.
pub const SANDBOX: Entry = Entry {
    title: "Freshdesk",
    start,
};

/// Freshdesk has no account for the agent: the server acts with the API key.
fn start(_agent: &'static str) -> Starting {
    Box::pin(async {
        let api_key = secret();
        let sim = FreshdeskSim::start(SimOptions {
            api_key: api_key.clone(),
            requests_per_minute: REQUESTS_PER_MINUTE,
            seed: true,
        })
        .await?;
        let url = sim.base_url();
        Ok(Started {
            env: vec![
                ("FRESHDESK_BASE_URL", url.clone()),
                ("FRESHDESK_API_KEY", api_key),
            ],
            banner: format!("{url}  (~300 tickets, agents, groups, companies, contacts)"),
            running: Box::new(sim),
        })
    })
}
