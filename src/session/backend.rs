//! What the session layer needs from a backend: a [`Connector`] per configured backend, which
//! opens that backend's [`SessionPart`] of each new agent session.
//!
//! Owns: the two traits. A backend implements them in its own folder (`session.rs`); the
//! registry (`backends/mod.rs`) builds the connectors. Must not: name a backend.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use crate::error::Result;

/// A boxed, sendable future (the traits here are used as trait objects).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Opens one backend's part of each new agent session.
pub trait Connector: Send + Sync {
    /// The backend's name (`freshdesk`).
    fn backend(&self) -> &'static str;
    /// Opens the part for `agent`: a client of its own (own login, own cookie jar; `login`
    /// when the agent has its own credentials for this backend) or a shared per-account one,
    /// and what the upstream keeps of agent sessions.
    fn open<'a>(
        &'a self,
        agent: &'a str,
        login: Option<&'a Login>,
    ) -> BoxFuture<'a, Result<Box<dyn SessionPart>>>;
}

/// An agent's own login to one backend (from the agents file), instead of the configured one.
#[derive(Clone)]
pub struct Login {
    pub username: String,
    pub password: secrecy::SecretString,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("username", &self.username)
            .field("password", &"(hidden)")
            .finish()
    }
}

/// Declares a backend's accessor trait for its client in a session, e.g.
/// `session_accessor!(FreshdeskSession, freshdesk, FreshdeskClient)` gives
/// `session.freshdesk()?`: the client, or an error saying how to configure the backend. Use it
/// in the backend's `session.rs`, where `super::BACKEND` and `super::NOT_CONFIGURED` are.
#[macro_export]
macro_rules! session_accessor {
    ($trait:ident, $method:ident, $client:ty) => {
        /// This backend's client in an agent session.
        pub trait $trait {
            /// The client, or a clear error when the backend is not configured.
            fn $method(&self) -> $crate::error::Result<&std::sync::Arc<$client>>;
        }

        impl $trait for $crate::session::AgentSession {
            fn $method(&self) -> $crate::error::Result<&std::sync::Arc<$client>> {
                self.client_or(super::BACKEND, super::NOT_CONFIGURED)
            }
        }
    };
}

/// Branch and intent as an upstream that keeps agent sessions itself reports them.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub branch: Option<String>,
    pub intent: Option<String>,
}

/// One backend's part of one agent session.
pub trait SessionPart: Send + Sync {
    fn backend(&self) -> &'static str;
    /// The client this backend's tools use; they downcast it to their own type.
    fn client(&self) -> &(dyn Any + Send + Sync);
    /// The upstream account's username, when the backend logs in as one.
    fn username(&self) -> Option<String> {
        None
    }
    /// Some when the upstream keeps this agent session (branch and intent) itself.
    fn kept(&self) -> Option<Kept> {
        None
    }
    /// Why the upstream's own agent sessions are not used, when it has them.
    fn note(&self) -> Option<String> {
        None
    }
    /// Sets the intent upstream; called only on the part that keeps the session.
    fn set_intent<'a>(&'a self, _intent: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Ends the part upstream: finishes a kept session, or logs out.
    fn finish(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// The connector of a backend with one client per account (an API key or an API user has no
/// per-agent login): every session gets the same client, and with it the account's caches.
pub struct SharedClient<C> {
    backend: &'static str,
    client: std::sync::Arc<C>,
}

impl<C> SharedClient<C> {
    pub fn new(backend: &'static str, client: std::sync::Arc<C>) -> Self {
        Self { backend, client }
    }
}

struct SharedPart<C>(&'static str, std::sync::Arc<C>);

impl<C: Send + Sync + 'static> Connector for SharedClient<C> {
    fn backend(&self) -> &'static str {
        self.backend
    }

    fn open<'a>(
        &'a self,
        _agent: &'a str,
        _login: Option<&'a Login>,
    ) -> BoxFuture<'a, Result<Box<dyn SessionPart>>> {
        let part: Box<dyn SessionPart> = Box::new(SharedPart(self.backend, self.client.clone()));
        Box::pin(async move { Ok(part) })
    }
}

impl<C: Send + Sync + 'static> SessionPart for SharedPart<C> {
    fn backend(&self) -> &'static str {
        self.0
    }

    fn client(&self) -> &(dyn Any + Send + Sync) {
        &self.1
    }
}
