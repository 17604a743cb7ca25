//! Kayako Classic connection settings: the REST entry point (`.../api/index.php`), the API key
//! and the secret key (the names the original Python server used).
//!
//! Must not: log or show the API key or the secret.

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{Error, Result};

/// The variables this backend reads.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "KAYAKO_API_URL",
        "the REST entry point, e.g. https://support.example.com/api/index.php (a trailing ? or / \
         is dropped)",
    ),
    (
        "KAYAKO_API_KEY",
        "the API key (Admin CP -> REST API -> API Information)",
    ),
    ("KAYAKO_SECRET_KEY", "the secret key next to it"),
    ("KAYAKO_TIMEOUT_SECS", "per-request timeout (default 30)"),
];

#[derive(Clone)]
pub struct KayakoConfig {
    /// The entry point, without query (`https://support.example.com/api/index.php`).
    pub api_url: Url,
    pub api_key: SecretString,
    pub secret: SecretString,
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for KayakoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KayakoConfig")
            .field("api_url", &self.api_url.as_str())
            .field("api_key", &"(hidden)")
            .field("secret", &"(hidden)")
            .finish()
    }
}

/// `raw` as the entry point: a trailing `?` or `/` (which the original's README warns about)
/// and a query are dropped.
fn entry_point(raw: &str) -> Result<Url> {
    let trimmed = raw.trim().trim_end_matches(['?', '/']);
    let mut url = Url::parse(trimmed).map_err(|e| {
        Error::config(format!(
            "KAYAKO_API_URL {trimmed:?} is not a URL ({e}): give the REST entry point, e.g. \
             https://support.example.com/api/index.php"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(
            "KAYAKO_API_URL must start with https:// (or http:// for a local simulator)",
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

impl KayakoConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let given = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let Some(raw) = given("KAYAKO_API_URL") else {
            if given("KAYAKO_API_KEY").is_some() || given("KAYAKO_SECRET_KEY").is_some() {
                return Err(Error::config(
                    "KAYAKO_API_KEY or KAYAKO_SECRET_KEY is set but KAYAKO_API_URL is not: set \
                     it to the REST entry point, e.g. https://support.example.com/api/index.php",
                ));
            }
            return Ok(None);
        };
        let api_url = entry_point(&raw)?;
        let need = |k: &str| {
            given(k)
                .map(|v| SecretString::from(v.trim().to_string()))
                .ok_or_else(|| {
                    Error::config(format!(
                        "Kayako needs {k} (Admin CP -> REST API -> API Information in Kayako)"
                    ))
                })
        };
        Ok(Some(Self {
            api_url,
            api_key: need("KAYAKO_API_KEY")?,
            secret: need("KAYAKO_SECRET_KEY")?,
            timeout: crate::config::timeout_from(get, "KAYAKO_TIMEOUT_SECS")?,
        }))
    }

    /// Identifies the account for rate limiting and caches (no secret in it).
    pub fn account_key(&self) -> String {
        let key = crate::audit::chain::hash(&serde_json::Value::String(
            self.api_key.expose_secret().to_string(),
        ));
        format!("kayako|{}|key:{}", self.api_url, &key[..16])
    }
}

impl crate::config::BackendSection for KayakoConfig {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn location(&self) -> String {
        self.api_url.to_string()
    }

    fn account_key(&self) -> String {
        Self::account_key(self)
    }
}

/// The registry's parser for this section.
pub fn section(
    get: crate::config::Lookup<'_>,
) -> Result<Option<std::sync::Arc<dyn crate::config::BackendSection>>> {
    Ok(KayakoConfig::from_lookup(&get)?.map(|c| std::sync::Arc::new(c) as _))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Option<KayakoConfig>> {
        let map: std::collections::HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        KayakoConfig::from_lookup(&|k: &str| map.get(k).cloned())
    }

    #[test]
    fn a_trailing_question_mark_or_slash_is_dropped() {
        for raw in [
            "https://support.example.com/api/index.php",
            "https://support.example.com/api/index.php?",
            "https://support.example.com/api/index.php/",
            "https://support.example.com/api/index.php?e=/Tickets/Ticket",
        ] {
            let c = parse(&[
                ("KAYAKO_API_URL", raw),
                ("KAYAKO_API_KEY", "k"),
                ("KAYAKO_SECRET_KEY", "s"),
            ])
            .unwrap()
            .unwrap();
            assert_eq!(
                c.api_url.as_str(),
                "https://support.example.com/api/index.php",
                "{raw}"
            );
        }
    }

    #[test]
    fn missing_parts_name_the_variable_and_never_the_secret() {
        assert!(parse(&[]).unwrap().is_none());
        let e = parse(&[("KAYAKO_API_URL", "https://s.example/api/index.php")]).unwrap_err();
        assert!(e.message.contains("KAYAKO_API_KEY"), "{e}");
        let e = parse(&[("KAYAKO_SECRET_KEY", "CANARY-secret")]).unwrap_err();
        assert!(e.message.contains("KAYAKO_API_URL"), "{e}");
        assert!(!e.message.contains("CANARY"), "{e}");
        let e = parse(&[("KAYAKO_API_URL", "ftp://x"), ("KAYAKO_API_KEY", "k")]).unwrap_err();
        assert!(e.message.contains("https://"), "{e}");
        let c = parse(&[
            ("KAYAKO_API_URL", "http://127.0.0.1:1/api/index.php"),
            ("KAYAKO_API_KEY", "CANARY-key"),
            ("KAYAKO_SECRET_KEY", "CANARY-secret"),
        ])
        .unwrap()
        .unwrap();
        let shown = format!("{c:?} {}", c.account_key());
        assert!(!shown.contains("CANARY"), "{shown}");
    }
}
