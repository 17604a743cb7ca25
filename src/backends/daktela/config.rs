//! Daktela connection settings: the instance root, and either a login (username and
//! password: the server logs in once and refreshes the token) or an API user's static access
//! token (the names the original Python server used).
//!
//! Must not: log or show the password or a token.

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{Error, Result};

/// The variables this backend reads.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "DAKTELA_URL",
        "the Daktela instance root, e.g. https://acme.daktela.com",
    ),
    (
        "DAKTELA_USERNAME",
        "a Daktela user's login name (the server logs in once and refreshes the token)",
    ),
    ("DAKTELA_PASSWORD", "that user's password"),
    (
        "DAKTELA_ACCESS_TOKEN",
        "instead of username and password: an API user's static access token (no login)",
    ),
    ("DAKTELA_TIMEOUT_SECS", "per-request timeout (default 30)"),
];

/// How the server proves who it is.
#[derive(Clone)]
pub enum Credentials {
    /// Log in with these, reuse the token, refresh it before it expires.
    Login {
        username: String,
        password: SecretString,
    },
    /// An API user's token, sent as it is.
    Static(SecretString),
}

#[derive(Clone)]
pub struct DaktelaConfig {
    /// The instance root, ending in `/` (the client adds `api/v6/`).
    pub base_url: Url,
    pub credentials: Credentials,
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for DaktelaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.credentials {
            Credentials::Login { username, .. } => format!("login {username} (password hidden)"),
            Credentials::Static(_) => "static token (hidden)".to_string(),
        };
        f.debug_struct("DaktelaConfig")
            .field("base_url", &self.base_url.as_str())
            .field("credentials", &auth)
            .finish()
    }
}

fn root(raw: &str) -> Result<Url> {
    let trimmed = raw.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| {
        Error::config(format!(
            "DAKTELA_URL {trimmed:?} is not a URL ({e}): give the instance root, e.g. \
             https://acme.daktela.com"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(
            "DAKTELA_URL must start with https:// (or http:// for a local simulator)",
        ));
    }
    // Accept a root given with /api/v6 (or a page of the web UI's) already.
    let path = url.path().trim_end_matches('/').to_string();
    let path = path
        .strip_suffix("/api/v6")
        .map(str::to_string)
        .unwrap_or(path);
    url.set_path(&format!("{path}/"));
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

impl DaktelaConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let given = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let Some(raw) = given("DAKTELA_URL") else {
            if [
                "DAKTELA_USERNAME",
                "DAKTELA_PASSWORD",
                "DAKTELA_ACCESS_TOKEN",
            ]
            .iter()
            .any(|k| given(k).is_some())
            {
                return Err(Error::config(
                    "Daktela credentials are set but DAKTELA_URL is not: set it to the instance \
                     root, e.g. https://acme.daktela.com",
                ));
            }
            return Ok(None);
        };
        let base_url = root(&raw)?;
        let credentials = match (
            given("DAKTELA_ACCESS_TOKEN"),
            given("DAKTELA_USERNAME"),
            given("DAKTELA_PASSWORD"),
        ) {
            (Some(token), _, _) => {
                Credentials::Static(SecretString::from(token.trim().to_string()))
            }
            (None, Some(username), Some(password)) => Credentials::Login {
                username: username.trim().to_string(),
                password: SecretString::from(password),
            },
            (None, Some(_), None) => {
                return Err(Error::config(
                    "DAKTELA_USERNAME is set but DAKTELA_PASSWORD is not: set the password too \
                     (or DAKTELA_ACCESS_TOKEN instead of both)",
                ));
            }
            (None, None, _) => {
                return Err(Error::config(
                    "Daktela needs DAKTELA_USERNAME and DAKTELA_PASSWORD, or DAKTELA_ACCESS_TOKEN \
                     (an API user's token from Manage -> Users)",
                ));
            }
        };
        Ok(Some(Self {
            base_url,
            credentials,
            timeout: crate::config::timeout_from(get, "DAKTELA_TIMEOUT_SECS")?,
        }))
    }

    /// Who the server is upstream: the login name, or the token's fingerprint.
    pub fn identity(&self) -> String {
        match &self.credentials {
            Credentials::Login { username, .. } => format!("user:{username}"),
            Credentials::Static(t) => {
                let h = crate::audit::chain::hash(&serde_json::Value::String(
                    t.expose_secret().to_string(),
                ));
                format!("token:{}", &h[..16])
            }
        }
    }

    /// Identifies the account for rate limiting and caches (no secret in it).
    pub fn account_key(&self) -> String {
        format!("daktela|{}|{}", self.base_url, self.identity())
    }
}

impl crate::config::BackendSection for DaktelaConfig {
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
    Ok(DaktelaConfig::from_lookup(&get)?.map(|c| std::sync::Arc::new(c) as _))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<Option<DaktelaConfig>> {
        let map: std::collections::HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DaktelaConfig::from_lookup(&|k: &str| map.get(k).cloned())
    }

    #[test]
    fn roots_and_credentials() {
        for raw in [
            "https://acme.daktela.com",
            "https://acme.daktela.com/",
            "acme.daktela.com",
            "https://acme.daktela.com/api/v6/",
        ] {
            let c = parse(&[("DAKTELA_URL", raw), ("DAKTELA_ACCESS_TOKEN", "t")])
                .unwrap()
                .unwrap();
            assert_eq!(c.base_url.as_str(), "https://acme.daktela.com/", "{raw}");
            assert!(matches!(c.credentials, Credentials::Static(_)));
        }
        let c = parse(&[
            ("DAKTELA_URL", "http://127.0.0.1:9/"),
            ("DAKTELA_USERNAME", "jnovak"),
            ("DAKTELA_PASSWORD", "CANARY-pw"),
        ])
        .unwrap()
        .unwrap();
        assert!(matches!(c.credentials, Credentials::Login { .. }));
        assert!(!format!("{c:?} {}", c.account_key()).contains("CANARY"));
    }

    #[test]
    fn missing_parts_name_the_variable() {
        assert!(parse(&[]).unwrap().is_none());
        let e = parse(&[("DAKTELA_URL", "https://a.daktela.com")]).unwrap_err();
        assert!(e.message.contains("DAKTELA_ACCESS_TOKEN"), "{e}");
        let e = parse(&[
            ("DAKTELA_URL", "https://a.daktela.com"),
            ("DAKTELA_USERNAME", "x"),
        ])
        .unwrap_err();
        assert!(e.message.contains("DAKTELA_PASSWORD"), "{e}");
        let e = parse(&[("DAKTELA_PASSWORD", "CANARY")]).unwrap_err();
        assert!(
            e.message.contains("DAKTELA_URL") && !e.message.contains("CANARY"),
            "{e}"
        );
    }
}
