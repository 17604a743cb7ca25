//! Fault hooks: the faults a test arms for the next matching request, and the log of every
//! request seen, whatever its answer.
//!
//! Owns: [`SimFault`], matching a (method, path prefix) pair against a request ([`PathScope`]),
//! firing each armed fault once in the order armed, and counting requests.
//! Must not: carry out a fault (the [`super::server`] entry point does) or know any upstream's
//! routes beyond the path root its simulator gives.

use std::sync::Mutex;
use std::time::Duration;

use super::lock;

/// A fault for the next request that matches a method and path prefix (see [`Hooks::arm`]).
#[derive(Debug, Clone)]
pub enum SimFault {
    /// Answer with this status (and optional `Retry-After` seconds and body) without processing.
    Status {
        code: u16,
        retry_after: Option<u64>,
        body: Option<String>,
    },
    /// Process the request (the state changes), then wait this long before answering.
    StallAfterCommit(Duration),
    /// Process the request (the state changes), then close the connection without answering.
    DropAfterCommit,
}

/// Which part of a request's path a test's prefix is compared with: a prefix starting with
/// `absolute` is matched against the whole path, any other against the part after `root`
/// (the whole path when it does not start with `root`).
#[derive(Debug, Clone, Copy)]
pub struct PathScope {
    pub absolute: &'static str,
    pub root: &'static str,
}

impl PathScope {
    /// Prefixes are always matched against the whole path.
    pub const WHOLE: PathScope = PathScope {
        absolute: "",
        root: "",
    };

    /// Whether a request (`req_method`, `req_path`) matches `method` (case-insensitive; `*`
    /// matches any) and `prefix`.
    pub fn matches(&self, method: &str, prefix: &str, req_method: &str, req_path: &str) -> bool {
        let method_ok = method == "*" || method.eq_ignore_ascii_case(req_method);
        let path = if prefix.starts_with(self.absolute) {
            req_path
        } else {
            req_path.strip_prefix(self.root).unwrap_or(req_path)
        };
        method_ok && path.starts_with(prefix)
    }
}

struct Armed {
    method: String,
    prefix: String,
    fault: SimFault,
}

/// The armed faults and the requests seen by one simulator.
pub struct Hooks {
    scope: PathScope,
    armed: Mutex<Vec<Armed>>,
    seen: Mutex<Vec<(String, String)>>,
}

impl Hooks {
    pub fn new(scope: PathScope) -> Self {
        Hooks {
            scope,
            armed: Mutex::new(Vec::new()),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// Arms `fault` for the next request matching `method` and `path_prefix`.
    pub fn arm(&self, method: &str, path_prefix: &str, fault: SimFault) {
        lock(&self.armed).push(Armed {
            method: method.to_string(),
            prefix: path_prefix.to_string(),
            fault,
        });
    }

    /// How many requests matching (method, path prefix) arrived so far.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        lock(&self.seen)
            .iter()
            .filter(|(m, p)| self.scope.matches(method, path_prefix, m, p))
            .count()
    }

    /// Records a request and takes the first fault armed for it, if any.
    pub fn arrive(&self, method: &str, path: &str) -> Option<SimFault> {
        lock(&self.seen).push((method.to_string(), path.to_string()));
        let mut armed = lock(&self.armed);
        let at = armed
            .iter()
            .position(|a| self.scope.matches(&a.method, &a.prefix, method, path));
        at.map(|i| armed.remove(i).fault)
    }
}
