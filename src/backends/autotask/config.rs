//! Autotask connection settings: the API user's three credentials, and where its database is
//! (a zone, a full REST base, or zone discovery for the username).
//!
//! Must not: log or show the secret or the integration code.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::error::{Error, Result};

/// The variables this backend reads (the names the original Python server used).
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "AUTOTASK_API_USERNAME",
        "the API-only user's username (an e-mail address)",
    ),
    ("AUTOTASK_API_SECRET", "that user's secret"),
    (
        "AUTOTASK_API_INTEGRATION_CODE",
        "the API tracking identifier of the integration",
    ),
    (
        "AUTOTASK_ZONE",
        "optional: the zone (ww6, or webservices6), instead of zone discovery",
    ),
    (
        "AUTOTASK_BASE_URL",
        "optional: a full REST base (https://webservices6.autotask.net/ATServicesRest/V1.0/ or a \
         simulator); skips discovery",
    ),
    (
        "AUTOTASK_ZONE_DISCOVERY_URL",
        "optional: the zoneInformation endpoint (default the official one; for a proxy)",
    ),
    (
        "AUTOTASK_IMPERSONATION_RESOURCE_ID",
        "optional: the resource id writes are made on behalf of (ImpersonationResourceId)",
    ),
    ("AUTOTASK_TIMEOUT_SECS", "per-request timeout (default 30)"),
];

/// The official zone discovery endpoint.
pub const ZONE_DISCOVERY: &str =
    "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation";

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A REST base ending in `V1.0/` (given, or built from the zone).
    Base(Url),
    /// Ask the zone discovery endpoint once, for the username.
    Discover(Url),
}

#[derive(Clone)]
pub struct AutotaskConfig {
    pub username: String,
    pub secret: SecretString,
    pub integration_code: SecretString,
    pub location: Location,
    pub impersonation: Option<i64>,
    pub timeout: Duration,
}

impl std::fmt::Debug for AutotaskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutotaskConfig")
            .field("username", &self.username)
            .field("secret", &"(hidden)")
            .field("integration_code", &"(hidden)")
            .field("location", &self.location)
            .field("impersonation", &self.impersonation)
            .finish()
    }
}

const NEEDS: &str = "Autotask needs AUTOTASK_API_USERNAME, AUTOTASK_API_SECRET and \
    AUTOTASK_API_INTEGRATION_CODE (Admin -> Resources/Users -> an API-only user, and its API \
    tracking identifier)";

fn parse_url(name: &str, value: &str) -> Result<Url> {
    let url = Url::parse(value.trim())
        .map_err(|e| Error::config(format!("{name} {value:?} is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "{name} must start with https:// (or http:// for a local simulator)"
        )));
    }
    Ok(url)
}

/// A REST base that ends in `/V1.0/`, whatever the user gave: the zone's root
/// (`.../ATServicesRest/`), the base with or without its trailing slash.
pub fn rest_base(mut url: Url) -> Url {
    let path = url.path().trim_end_matches('/').to_string();
    let lower = path.to_ascii_lowercase();
    let path = if lower.ends_with("/v1.0") {
        path
    } else {
        format!("{path}/V1.0")
    };
    url.set_path(&format!("{path}/"));
    url
}

/// `ww6`, `webservices6` or `6` -> `https://webservices6.autotask.net/ATServicesRest/V1.0/`.
fn zone_base(zone: &str) -> Result<Url> {
    let z = zone.trim().to_ascii_lowercase();
    let n = z
        .strip_prefix("webservices")
        .or_else(|| z.strip_prefix("ww"))
        .unwrap_or(&z);
    if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::config(format!(
            "AUTOTASK_ZONE {zone:?} is not a zone: give it as ww6 (the number in \
             wwN.autotask.net, where you log in), or set AUTOTASK_BASE_URL"
        )));
    }
    parse_url(
        "AUTOTASK_ZONE",
        &format!("https://webservices{n}.autotask.net/ATServicesRest/V1.0/"),
    )
}

impl AutotaskConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let username = get("AUTOTASK_API_USERNAME");
        let secret = get("AUTOTASK_API_SECRET");
        let code = get("AUTOTASK_API_INTEGRATION_CODE");
        let (username, secret, code) = match (username, secret, code) {
            (None, None, None) => {
                if get("AUTOTASK_BASE_URL").is_some() || get("AUTOTASK_ZONE").is_some() {
                    return Err(Error::config(NEEDS));
                }
                return Ok(None);
            }
            (Some(u), Some(s), Some(c)) => (u, s, c),
            _ => return Err(Error::config(NEEDS)),
        };
        let username = username.trim().to_string();
        if username.is_empty() {
            return Err(Error::config(NEEDS));
        }
        let location = match (get("AUTOTASK_BASE_URL"), get("AUTOTASK_ZONE")) {
            (Some(url), _) => Location::Base(rest_base(parse_url("AUTOTASK_BASE_URL", &url)?)),
            (None, Some(zone)) => Location::Base(zone_base(&zone)?),
            (None, None) => {
                let url = get("AUTOTASK_ZONE_DISCOVERY_URL")
                    .unwrap_or_else(|| ZONE_DISCOVERY.to_string());
                Location::Discover(parse_url("AUTOTASK_ZONE_DISCOVERY_URL", &url)?)
            }
        };
        let impersonation = match get("AUTOTASK_IMPERSONATION_RESOURCE_ID") {
            None => None,
            Some(v) => Some(v.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(
                || {
                    Error::config(format!(
                        "AUTOTASK_IMPERSONATION_RESOURCE_ID {v:?} is not a resource id: give the \
                         number of an active resource (autotask_search_resources shows them)"
                    ))
                },
            )?),
        };
        let timeout = crate::config::timeout_from(get, "AUTOTASK_TIMEOUT_SECS")?;
        Ok(Some(Self {
            username,
            secret: SecretString::from(secret),
            integration_code: SecretString::from(code),
            location,
            impersonation,
            timeout,
        }))
    }

    /// Identifies the database's budget (shared by every integration of the tenant) by its API
    /// user; no secret in it.
    pub fn account_key(&self) -> String {
        let at = match &self.location {
            Location::Base(u) | Location::Discover(u) => u.as_str(),
        };
        format!("autotask|{at}|user:{}", self.username.to_ascii_lowercase())
    }
}

impl crate::config::BackendSection for AutotaskConfig {
    fn backend(&self) -> &'static str {
        super::BACKEND
    }

    fn location(&self) -> String {
        match &self.location {
            Location::Base(u) => u.to_string(),
            Location::Discover(u) => format!("zone of {} (discovered at {u})", self.username),
        }
    }

    fn account_key(&self) -> String {
        Self::account_key(self)
    }
}

/// The registry's parser for this section.
pub fn section(
    get: crate::config::Lookup<'_>,
) -> Result<Option<std::sync::Arc<dyn crate::config::BackendSection>>> {
    Ok(AutotaskConfig::from_lookup(&get)?.map(|c| std::sync::Arc::new(c) as _))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Option<AutotaskConfig>> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AutotaskConfig::from_lookup(&|k: &str| m.get(k).cloned())
    }

    const CREDS: [(&str, &str); 3] = [
        ("AUTOTASK_API_USERNAME", "api@example.com"),
        ("AUTOTASK_API_SECRET", "s3cret"),
        ("AUTOTASK_API_INTEGRATION_CODE", "CODE"),
    ];

    #[test]
    fn location_from_base_zone_or_discovery() {
        let mut v = CREDS.to_vec();
        v.push(("AUTOTASK_ZONE", "ww6"));
        let c = cfg(&v).unwrap().unwrap();
        let want = "https://webservices6.autotask.net/ATServicesRest/V1.0/";
        assert_eq!(c.location, Location::Base(Url::parse(want).unwrap()));
        v.push(("AUTOTASK_BASE_URL", "http://127.0.0.1:9/ATServicesRest"));
        let c = cfg(&v).unwrap().unwrap();
        let want = "http://127.0.0.1:9/ATServicesRest/V1.0/";
        assert_eq!(c.location, Location::Base(Url::parse(want).unwrap()));
        let c = cfg(&CREDS).unwrap().unwrap();
        assert_eq!(
            c.location,
            Location::Discover(Url::parse(ZONE_DISCOVERY).unwrap())
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(!format!("{c:?}").contains("CODE"));
    }

    #[test]
    fn partial_credentials_and_bad_values_are_refused() {
        let e = cfg(&CREDS[..2]).unwrap_err();
        assert!(e.message.contains("AUTOTASK_API_INTEGRATION_CODE"), "{e}");
        let mut v = CREDS.to_vec();
        v.push(("AUTOTASK_ZONE", "europe"));
        assert!(cfg(&v).unwrap_err().message.contains("ww6"));
        let mut v = CREDS.to_vec();
        v.push(("AUTOTASK_IMPERSONATION_RESOURCE_ID", "bob"));
        let e = cfg(&v).unwrap_err();
        assert!(e.message.contains("AUTOTASK_IMPERSONATION_RESOURCE_ID"));
        assert!(cfg(&[]).unwrap().is_none());
    }
}
