//! Integration tests: one binary, so the real PostgreSQL and django-helpdesk are started once
//! per run (see `common`).

mod common;
mod django_helpdesk;
mod surface;
