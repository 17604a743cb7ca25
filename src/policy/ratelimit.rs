//! Rate limits per upstream account.
