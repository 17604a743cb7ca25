//! django-helpdesk connection settings: base URL and either a password (session login with
//! CSRF, the full feature set) or a DRF token.

use secrecy::SecretString;
use url::Url;

/// The variables this backend reads.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "DJANGO_HELPDESK_URL",
        "base URL of the django-helpdesk instance",
    ),
    (
        "DJANGO_HELPDESK_USERNAME",
        "staff account the agent works as",
    ),
    (
        "DJANGO_HELPDESK_PASSWORD",
        "its password (session login with CSRF, all features)",
    ),
    (
        "DJANGO_HELPDESK_TOKEN",
        "instead of the password: a DRF token (REST only)",
    ),
    (
        "DJANGO_HELPDESK_TIMEOUT_SECS",
        "per-request timeout (default 30)",
    ),
];

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct DjangoHelpdeskConfig {
    /// The helpdesk root, ending in `/` (where `/login/` and `/api/` live).
    pub base_url: Url,
    pub username: Option<String>,
    pub auth: DjangoAuth,
    /// Per-request timeout (`DJANGO_HELPDESK_TIMEOUT_SECS`, default 30).
    pub timeout: std::time::Duration,
}

#[derive(Clone)]
pub enum DjangoAuth {
    /// Session login through `/login/`: needs username and password.
    Password(SecretString),
    /// `Authorization: Token ...`: no HTML views, so no datatables filters.
    Token(SecretString),
}

impl std::fmt::Debug for DjangoHelpdeskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoHelpdeskConfig")
            .field("base_url", &self.base_url.as_str())
            .field("username", &self.username)
            .field(
                "auth",
                &match self.auth {
                    DjangoAuth::Password(_) => "password (hidden)",
                    DjangoAuth::Token(_) => "token (hidden)",
                },
            )
            .finish()
    }
}

impl DjangoHelpdeskConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let Some(url) = get("DJANGO_HELPDESK_URL") else {
            for k in [
                "DJANGO_HELPDESK_USERNAME",
                "DJANGO_HELPDESK_PASSWORD",
                "DJANGO_HELPDESK_TOKEN",
            ] {
                if get(k).is_some() {
                    return Err(Error::config(format!(
                        "{k} is set but DJANGO_HELPDESK_URL is not: set DJANGO_HELPDESK_URL to the \
                         helpdesk's base URL"
                    )));
                }
            }
            return Ok(None);
        };
        let mut base_url = Url::parse(&url).map_err(|e| {
            Error::config(format!(
                "DJANGO_HELPDESK_URL is not a valid URL ({e}); expected something like \
                 https://helpdesk.example.com"
            ))
        })?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(Error::config(
                "DJANGO_HELPDESK_URL must start with http:// or https://",
            ));
        }
        if !base_url.username().is_empty() || base_url.password().is_some() {
            return Err(Error::config(
                "DJANGO_HELPDESK_URL must not contain credentials; use DJANGO_HELPDESK_USERNAME \
                 and DJANGO_HELPDESK_PASSWORD",
            ));
        }
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        let username = get("DJANGO_HELPDESK_USERNAME");
        let auth = match (
            get("DJANGO_HELPDESK_PASSWORD"),
            get("DJANGO_HELPDESK_TOKEN"),
        ) {
            (Some(p), _) => {
                if username.is_none() {
                    return Err(Error::config(
                        "DJANGO_HELPDESK_PASSWORD is set but DJANGO_HELPDESK_USERNAME is not",
                    ));
                }
                DjangoAuth::Password(SecretString::from(p))
            }
            (None, Some(t)) => DjangoAuth::Token(SecretString::from(t)),
            (None, None) => {
                return Err(Error::config(
                    "django-helpdesk needs credentials: set DJANGO_HELPDESK_USERNAME and \
                     DJANGO_HELPDESK_PASSWORD (or DJANGO_HELPDESK_TOKEN)",
                ));
            }
        };
        let timeout = crate::config::timeout_from(get, "DJANGO_HELPDESK_TIMEOUT_SECS")?;
        Ok(Some(Self {
            base_url,
            username,
            auth,
            timeout,
        }))
    }

    /// Identifies the upstream account for rate limiting (no secret in it).
    pub fn account_key(&self) -> String {
        let who = match &self.auth {
            DjangoAuth::Password(_) => format!("user:{}", self.username.as_deref().unwrap_or("")),
            DjangoAuth::Token(t) => format!(
                "token:{}",
                &crate::audit::chain::hash(&serde_json::Value::String(
                    secrecy::ExposeSecret::expose_secret(t).to_string()
                ))[..16]
            ),
        };
        format!("django_helpdesk|{}|{who}", self.base_url)
    }

    /// The same instance with another account's password login (an agent's own).
    pub fn with_login(&self, username: &str, password: SecretString) -> Self {
        Self {
            username: Some(username.to_string()),
            auth: DjangoAuth::Password(password),
            ..self.clone()
        }
    }

    /// The account name used in branch names.
    pub fn account_name(&self) -> String {
        self.username.clone().unwrap_or_else(|| "token".to_string())
    }
}

impl crate::config::BackendSection for DjangoHelpdeskConfig {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn location(&self) -> String {
        self.base_url.to_string()
    }

    fn account_key(&self) -> String {
        Self::account_key(self)
    }

    fn username(&self) -> Option<String> {
        self.username.clone()
    }
}

/// The registry's parser for this section.
pub fn section(
    get: crate::config::Lookup<'_>,
) -> Result<Option<std::sync::Arc<dyn crate::config::BackendSection>>> {
    Ok(DjangoHelpdeskConfig::from_lookup(&get)?.map(|c| std::sync::Arc::new(c) as _))
}
