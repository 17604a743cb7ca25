//! The django-helpdesk simulator's entry in the sandbox: seeded, with the fork's agent-session
//! endpoints, the sandbox's agent and two more staff accounts with random passwords, and the
//! variables that point the server's django-helpdesk client at the agent's account.
//!
//! Must not: start anything but the simulator, or hand out any password but the agent's.

use super::{DjangoSim, DjangoSimOptions, DjangoSimUser};
use crate::sandbox::kit::sandbox::{Entry, Started, Starting, secret};

/// Staff accounts besides the agent, for tickets to be assigned to.
const COLLEAGUES: [&str; 2] = ["maria", "tomas"];

/// django-helpdesk in the sandbox.
pub const SANDBOX: Entry = Entry {
    title: "django-helpdesk",
    start,
};

fn start(agent: &'static str) -> Starting {
    Box::pin(async move {
        let password = secret();
        let me = DjangoSimUser {
            username: agent.into(),
            password: password.clone(),
            staff: true,
            agent: true,
        };
        let colleagues = COLLEAGUES.iter().map(|name| DjangoSimUser {
            username: (*name).into(),
            password: secret(),
            staff: true,
            agent: false,
        });
        let opts = DjangoSimOptions {
            fork: true,
            seed: true,
        };
        let sim = DjangoSim::start(opts, std::iter::once(me).chain(colleagues).collect()).await?;
        let url = sim.base_url();
        Ok(Started {
            env: vec![
                ("DJANGO_HELPDESK_URL", url.clone()),
                ("DJANGO_HELPDESK_USERNAME", agent.to_string()),
                ("DJANGO_HELPDESK_PASSWORD", password),
            ],
            banner: format!("{url}  (with agent-session endpoints; you are {agent})"),
            running: Box::new(sim),
        })
    })
}
