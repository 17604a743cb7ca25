//! Freshdesk connection settings: the account's domain (or a full base URL, e.g. the
//! simulator's) and the API key.

use secrecy::SecretString;
use url::Url;

/// The variables this backend reads.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "FRESHDESK_DOMAIN",
        "the Freshdesk account (acme for acme.freshdesk.com)",
    ),
    ("FRESHDESK_API_KEY", "a Freshdesk agent's API key"),
    (
        "FRESHDESK_BASE_URL",
        "instead of the domain: a full base URL (e.g. a simulator)",
    ),
    ("FRESHDESK_TIMEOUT_SECS", "per-request timeout (default 30)"),
];

use crate::error::{Error, Result};

const NO_DOMAIN: &str = "FRESHDESK_API_KEY is set but FRESHDESK_DOMAIN is not: set \
    FRESHDESK_DOMAIN (e.g. acme for acme.freshdesk.com)";

#[derive(Clone)]
pub struct FreshdeskConfig {
    /// The account root, e.g. `https://acme.freshdesk.com/` (the client adds `api/v2/`).
    pub base_url: Url,
    pub api_key: SecretString,
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for FreshdeskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshdeskConfig")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"(hidden)")
            .finish()
    }
}

impl FreshdeskConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let base = match (get("FRESHDESK_BASE_URL"), get("FRESHDESK_DOMAIN")) {
            (Some(url), _) => url,
            (None, Some(domain)) => {
                let d = domain
                    .trim()
                    .trim_start_matches("https://")
                    .trim_end_matches('/');
                let host = if d.contains('.') {
                    d.to_string()
                } else {
                    format!("{d}.freshdesk.com")
                };
                format!("https://{host}/")
            }
            (None, None) => {
                if get("FRESHDESK_API_KEY").is_some() {
                    return Err(Error::config(NO_DOMAIN));
                }
                return Ok(None);
            }
        };
        let mut base_url = Url::parse(&base).map_err(|e| {
            Error::config(format!("Freshdesk base URL {base:?} is not a URL ({e})"))
        })?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(Error::config(
                "FRESHDESK_BASE_URL must start with https:// (or http:// for a local simulator)",
            ));
        }
        // Accept a base given with /api/v2 already.
        let path = base_url
            .path()
            .trim_end_matches('/')
            .trim_end_matches("/api/v2")
            .to_string();
        base_url.set_path(&format!("{path}/"));
        let api_key = get("FRESHDESK_API_KEY").ok_or_else(|| {
            Error::config(
                "Freshdesk needs FRESHDESK_API_KEY (Profile settings -> Your API Key in Freshdesk)",
            )
        })?;
        let timeout = crate::config::timeout_from(get, "FRESHDESK_TIMEOUT_SECS")?;
        Ok(Some(Self {
            base_url,
            api_key: SecretString::from(api_key),
            timeout,
        }))
    }

    /// Identifies the account for rate limiting (no secret in it).
    pub fn account_key(&self) -> String {
        let key = crate::audit::chain::hash(&serde_json::Value::String(
            secrecy::ExposeSecret::expose_secret(&self.api_key).to_string(),
        ));
        format!("freshdesk|{}|key:{}", self.base_url, &key[..16])
    }
}

impl crate::config::BackendSection for FreshdeskConfig {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn location(&self) -> String {
        self.base_url.to_string()
    }

    fn account_key(&self) -> String {
        Self::account_key(self)
    }
}

/// The registry's parser for this section.
pub fn section(
    get: crate::config::Lookup<'_>,
) -> Result<Option<std::sync::Arc<dyn crate::config::BackendSection>>> {
    Ok(FreshdeskConfig::from_lookup(&get)?.map(|c| std::sync::Arc::new(c) as _))
}
