//! Stateful simulators of the upstream helpdesks, on loopback: test infrastructure and the
//! product's sandbox mode (`helpdesk-operator sandbox`).
//!
//! Owns: faithful fakes built from the reference notes (status codes, envelopes, headers,
//! pagination, rate limits, error bodies), with seeded demo data and fault-injection hooks.
//! Must not: be used by a backend client in production paths; clients only see a base URL.

pub mod django_helpdesk;
pub mod freshdesk;
