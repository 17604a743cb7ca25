//! Confirmations bound to the exact change: tokens, their binding, expiry and single use.
