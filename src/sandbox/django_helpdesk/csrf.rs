//! `django.middleware.csrf`'s tokens (Django 5.2): the alphabet, the format check, masking and
//! unmasking; what the request cycle hands out and the checks in [`super::csrf_check`] compare.
//!
//! Must not: look at a request (the request cycle and the checks do), or accept a token the
//! real middleware rejects.

use crate::sandbox::kit::text::random_string;

pub(super) const CSRF_CHARS: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn csrf_index(c: u8) -> Option<usize> {
    CSRF_CHARS.iter().position(|x| *x == c)
}

pub(super) fn check_token_format(token: &str) -> Result<(), &'static str> {
    if token.len() != 32 && token.len() != 64 {
        return Err("has incorrect length");
    }
    if !token.bytes().all(|b| csrf_index(b).is_some()) {
        return Err("has invalid characters");
    }
    Ok(())
}

/// `_mask_cipher_secret`: a random mask followed by the secret shifted by it.
pub(super) fn mask_secret(secret: &str) -> String {
    let mask = random_string(32, CSRF_CHARS);
    let n = CSRF_CHARS.len();
    let cipher: String = secret
        .bytes()
        .zip(mask.bytes())
        .map(|(s, m)| {
            let x = csrf_index(s).unwrap_or(0);
            let y = csrf_index(m).unwrap_or(0);
            CSRF_CHARS[(x + y) % n] as char
        })
        .collect();
    format!("{mask}{cipher}")
}

/// `_unmask_cipher_token` (the token is 64 valid characters).
pub(super) fn unmask_token(token: &str) -> String {
    let n = CSRF_CHARS.len();
    let (mask, cipher) = token.split_at(token.len().min(32));
    cipher
        .bytes()
        .zip(mask.bytes())
        .map(|(c, m)| {
            let x = csrf_index(c).unwrap_or(0);
            let y = csrf_index(m).unwrap_or(0);
            CSRF_CHARS[(x + n - y) % n] as char
        })
        .collect()
}
