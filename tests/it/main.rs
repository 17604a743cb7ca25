//! Integration tests: one binary, so the real PostgreSQL and django-helpdesk are started once
//! per run (see `common`).

mod attacks;
mod audit;
mod autotask;
mod behaviour;
mod checkpoints;
mod common;
mod compat;
mod conformance;
mod daktela;
mod django_helpdesk;
mod faults;
mod freshdesk;
mod http;
mod kayako;
mod npm;
mod oauth;
mod operators;
mod policy;
mod replicas;
mod sessions;
mod stdio;
mod surface;
mod tidy;
mod ts_client;
