//! Request authentication as `Controller_api` does it: `apikey`, `salt` and `signature`, where
//! the signature is `base64(HMAC-SHA256(key = secret, message = salt))` in standard base64.
//!
//! Where the three come from: the query string for GET, DELETE and PUT (PUT authenticates from
//! the query, not the body); the body for POST, as `application/x-www-form-urlencoded` fields
//! or, with `Content-Type: application/json`, a JSON object's members. The server turns spaces
//! in the signature back into `+`, so an un-encoded `+` (decoded as a space) still passes.
//!
//! Owns: [`Credentials`] and [`check`]. Must not: log or answer with the secret, the salt or
//! the signature, or compare signatures in anything but constant time.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;
use base64::Engine;
use serde_json::Value;

use super::errors::{ApiError, FAILED_AUTH, NO_SALT};
use crate::sandbox::kit::query::Query;

/// The three authentication parameters of a request, as sent.
#[derive(Default)]
pub(super) struct Credentials {
    pub(super) apikey: Option<String>,
    pub(super) salt: Option<String>,
    pub(super) signature: Option<String>,
}

impl Credentials {
    /// From decoded query-string or form fields.
    pub(super) fn from_fields(q: &Query) -> Self {
        let get = |k: &str| q.get(k).map(str::to_string);
        Credentials {
            apikey: get("apikey"),
            salt: get("salt"),
            signature: get("signature"),
        }
    }

    /// From a JSON object's members (strings or numbers); anything else has none.
    pub(super) fn from_json(body: &[u8]) -> Self {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Credentials::default();
        };
        let get = |k: &str| match map.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Credentials {
            apikey: get("apikey"),
            salt: get("salt"),
            signature: get("signature"),
        }
    }
}

/// `Ok` when the key is the account's and the signature is the salt's HMAC under the secret.
pub(super) fn check(c: &Credentials, api_key: &str, secret: &str) -> Result<(), ApiError> {
    let salt = c
        .salt
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(ApiError::Unauthorized(NO_SALT))?;
    let failed = ApiError::Unauthorized(FAILED_AUTH);
    let key_ok = c
        .apikey
        .as_deref()
        .is_some_and(|k| verify_slices_are_equal(k.as_bytes(), api_key.as_bytes()).is_ok());
    let signature = c.signature.as_deref().unwrap_or("").replace(' ', "+");
    let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return Err(failed);
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let signed = hmac::verify(&key, salt.as_bytes(), &tag).is_ok();
    if key_ok && signed {
        Ok(())
    } else {
        Err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(apikey: &str, salt: &str, signature: &str) -> Credentials {
        Credentials {
            apikey: Some(apikey.into()),
            salt: Some(salt.into()),
            signature: Some(signature.into()),
        }
    }

    #[test]
    fn the_signature_is_the_salts_hmac_under_the_secret() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"s3cret");
        let tag = hmac::sign(&key, b"12345");
        let sig = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
        assert!(check(&creds("k", "12345", &sig), "k", "s3cret").is_ok());
        assert!(check(&creds("k", "12345", &sig.replace('+', " ")), "k", "s3cret").is_ok());
        assert!(check(&creds("other", "12345", &sig), "k", "s3cret").is_err());
        assert!(check(&creds("k", "12346", &sig), "k", "s3cret").is_err());
        assert!(check(&creds("k", "12345", "not base64!"), "k", "s3cret").is_err());
        assert!(matches!(
            check(&creds("k", "", &sig), "k", "s3cret"),
            Err(ApiError::Unauthorized(NO_SALT))
        ));
    }
}
