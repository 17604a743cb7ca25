//! Freshdesk v2 simulator (being written).
