//! The Autotask simulator's entry in the sandbox: seeded, with a random secret, and the
//! variables that point the server's Autotask client at it.
//!
//! Must not: start anything but the simulator, or hand out anything but its own credentials.

use super::{AutotaskSim, AutotaskSimOptions};
use crate::sandbox::kit::sandbox::{Entry, Started, Starting, secret};

const USERNAME: &str = "sandbox-api@zeta-msp.example";
const INTEGRATION_CODE: &str = "SANDBOXINTEGRATION";
const REQUESTS_PER_HOUR: u32 = 10_000;
const THREAD_LIMIT: usize = 3;

/// Autotask in the sandbox.
pub const SANDBOX: Entry = Entry {
    title: "Autotask",
    start,
};

/// The server acts as the tenant's API user (Autotask API users are resources of their own).
fn start(_agent: &'static str) -> Starting {
    Box::pin(async {
        let secret = secret();
        let sim = AutotaskSim::start(AutotaskSimOptions {
            username: USERNAME.into(),
            secret: secret.clone(),
            integration_code: INTEGRATION_CODE.into(),
            requests_per_hour: REQUESTS_PER_HOUR,
            thread_limit: THREAD_LIMIT,
            seed: true,
        })
        .await?;
        let url = sim.base_url();
        Ok(Started {
            env: vec![
                ("AUTOTASK_API_USERNAME", USERNAME.to_string()),
                ("AUTOTASK_API_SECRET", secret),
                (
                    "AUTOTASK_API_INTEGRATION_CODE",
                    INTEGRATION_CODE.to_string(),
                ),
                ("AUTOTASK_BASE_URL", url.clone()),
            ],
            banner: format!(
                "{url}  (650 tickets with notes, companies, contacts, projects, time entries)"
            ),
            running: Box::new(sim),
        })
    })
}
