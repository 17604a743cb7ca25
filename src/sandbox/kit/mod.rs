//! The simulator kit: the resource-independent machinery every upstream simulator is built on,
//! so that each simulator folder holds only what its upstream does.
//!
//! Owns:
//! - [`server`]: binding loopback, serving until dropped, and the request entry point that
//!   records each request, fires armed faults, reads the body and stamps the answer.
//! - [`listener`]: a TCP listener whose connections a handler can kill mid-answer.
//! - [`faults`]: the faults a test arms ([`SimFault`]) and the log of requests seen.
//! - [`rate`]: a fixed per-minute request budget and the seconds until it resets.
//! - [`reply`]: the answer a simulator builds ([`reply::Reply`]) and its HTTP response.
//! - [`request`]: reading common request headers (Basic credentials, `Accept`, content type).
//! - [`query`]: decoded query strings and page links; [`time`]: timestamps; [`text`]: HTML,
//!   plain text, e-mail addresses and random strings.
//! - [`sandbox`]: the entry a simulator hands the sandbox, and its accounts' secrets.
//! - [`lock`], [`paginate`] and [`seeded`] (the demo data's deterministic draws).
//!
//! A simulator supplies (through [`server::Simulator`]): its state and routes (answering a
//! request whose body was read, at once or, through `serve`, after waiting), its body limit
//! and its answer to a larger body, the content type of its JSON, the headers every one of its
//! answers carries, the form of a path (or of the whole URI, for one that routes on its query
//! string) its log records, and its own error shapes, rate-limit headers and authentication
//! rules.
//!
//! Must not: know any upstream (no product names, routes, error bodies or header names of one
//! helpdesk), listen anywhere but loopback, call out to the network, log request bodies, or
//! panic on anything a request carries.

pub mod faults;
pub mod listener;
pub mod query;
pub mod rate;
pub mod reply;
pub mod request;
pub mod sandbox;
pub mod server;
pub mod text;
pub mod time;

use std::sync::{Mutex, MutexGuard, PoisonError};

pub use faults::SimFault;

/// Locks `m`, carrying on with the data when another holder panicked.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Page `page` (from 1) of `items`, `per_page` long, and whether another page exists.
pub fn paginate<T>(items: Vec<T>, page: usize, per_page: usize) -> (Vec<T>, bool) {
    let start = page.saturating_sub(1).saturating_mul(per_page);
    let more = items.len() > start.saturating_add(per_page);
    (items.into_iter().skip(start).take(per_page).collect(), more)
}

/// A deterministic pseudo-random number for (index, salt): how seeds draw their demo data, the
/// same on every run.
pub fn seeded(i: usize, salt: u64) -> usize {
    let mut x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(salt.wrapping_mul(1442695040888963407));
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 29;
    (x % 1_000_003) as usize
}
