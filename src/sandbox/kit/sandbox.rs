//! What a simulator hands the sandbox (`helpdesk-operator sandbox`): its [`Entry`] (its title and
//! how to start it seeded) and, once started, what [`Started`] carries (the running simulator,
//! the variables that point the server at it, its banner line).
//!
//! Owns: the shape of an entry and the random secrets sandbox accounts get.
//! Must not: name an upstream, a variable or a banner text (each simulator folder has its own),
//! or start anything itself; the sandbox holds the list of entries and loops over it.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use super::text::random_string;

/// A simulator starting: the future [`Entry::start`] returns.
pub type Starting = Pin<Box<dyn Future<Output = std::io::Result<Started>> + Send>>;

/// One simulator of the sandbox.
pub struct Entry {
    /// As people write it, in the banner and in errors: `Freshdesk`.
    pub title: &'static str,
    /// Starts it with its demo data; the sandbox's agent (the name given) gets an account where
    /// the upstream has accounts.
    pub start: fn(agent: &'static str) -> Starting,
}

/// A simulator started for the sandbox.
pub struct Started {
    /// The running simulator; dropping it stops serving.
    pub running: Box<dyn Any + Send + Sync>,
    /// The variables that point the server at it, with their values.
    pub env: Vec<(&'static str, String)>,
    /// Its line of the banner after the label: where it serves and what it holds.
    pub banner: String,
}

/// A random password or API key for a sandbox account.
pub fn secret() -> String {
    random_string(24, b"abcdefghijklmnopqrstuvwxyz0123456789")
}
