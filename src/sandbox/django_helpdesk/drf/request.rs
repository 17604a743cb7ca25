//! One DRF request after negotiation and authentication ([`Api`]): the renderer, the route,
//! its view's name and `Allow` header, and the user. Its answers are built in [`super`].
//!
//! Must not: hold behaviour; it is what the dispatch found out, read by the views, the
//! answers and the browsable page.

use super::super::urls::Route;
use super::negotiation::Render;

/// One DRF request after negotiation and authentication.
pub(in super::super) struct Api {
    pub(in super::super) render: Render,
    pub(in super::super) route: Route,
    pub(in super::super) name: &'static str,
    pub(in super::super) allow: &'static str,
    pub(in super::super) user: Option<u64>,
}
