//! The Kayako Classic simulator's entry in the sandbox: seeded, with a random API key and
//! secret, and the variables that point the server's Kayako client at it.
//!
//! Must not: start anything but the simulator, or hand out anything but its own credentials.

use super::{KayakoSim, KayakoSimOptions, TICKETS};
use crate::sandbox::kit::sandbox::{Entry, Started, Starting, secret};

/// Kayako Classic in the sandbox.
pub const SANDBOX: Entry = Entry {
    title: "Kayako Classic",
    start,
};

/// Kayako's REST API has no per-staff accounts: the server acts with the API key.
fn start(_agent: &'static str) -> Starting {
    Box::pin(async {
        let api_key = uuid::Uuid::new_v4().to_string();
        let secret = secret();
        let sim = KayakoSim::start(KayakoSimOptions {
            api_key: api_key.clone(),
            secret: secret.clone(),
            ..KayakoSimOptions::default()
        })
        .await?;
        let url = sim.base_url();
        Ok(Started {
            env: vec![
                ("KAYAKO_API_URL", url.clone()),
                ("KAYAKO_API_KEY", api_key),
                ("KAYAKO_SECRET_KEY", secret),
            ],
            banner: format!(
                "{url}  ({TICKETS} tickets with posts and notes, 4 departments, staff, users)"
            ),
            running: Box::new(sim),
        })
    })
}
