//! `serve --http` as an OAuth 2.1 resource server: JWT access tokens from the organisation's
//! identity provider instead of the agents file's bearer tokens.
//!
//! Owns: the settings (`HELPDESK_OPERATOR_OAUTH_ISSUER`, `_AUDIENCE`, `_AGENT_CLAIM`,
//! `_JWKS_URL`), the issuer's signing keys (found through its RFC 8414 / OpenID metadata or the
//! JWKS URL given, cached for [`KEYS_TTL`], fetched again when a token names a key id the cache
//! does not hold: that is how a rotation arrives, at most once per [`REFETCH_GAP`] so a flood
//! of made-up key ids cannot turn into a flood of fetches), the token check (signature with an
//! asymmetric algorithm the key allows, `iss`, `aud` containing the audience, `exp`, `nbf`) and
//! the RFC 9728 protected-resource metadata.
//! Must not: accept a symmetric (`HS*`) or `none` algorithm, pass a token on to any upstream,
//! log or echo a token, or fall back to the agents file's tokens (one mode at a time).

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind as JwtError;
use jsonwebtoken::jwk::{JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tokio::sync::{Mutex, RwLock};

use crate::error::{Error, Result};

pub const ISSUER_VAR: &str = "HELPDESK_OPERATOR_OAUTH_ISSUER";
pub const AUDIENCE_VAR: &str = "HELPDESK_OPERATOR_OAUTH_AUDIENCE";
pub const AGENT_CLAIM_VAR: &str = "HELPDESK_OPERATOR_OAUTH_AGENT_CLAIM";
pub const JWKS_URL_VAR: &str = "HELPDESK_OPERATOR_OAUTH_JWKS_URL";

/// How long fetched keys are used before they are fetched again.
pub const KEYS_TTL: Duration = Duration::from_secs(600);
/// The least time between two fetches of the keys.
pub const REFETCH_GAP: Duration = Duration::from_secs(30);
/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;
/// Only asymmetric algorithms: a JWKS holds public keys, and a symmetric one would let anyone
/// who can read the JWKS mint tokens.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Where tokens come from and what they must say.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The `iss` every token must carry, and where the keys are discovered.
    pub issuer: String,
    /// What `aud` must contain: this server's resource identifier (RFC 8707), e.g.
    /// `https://mcp.example.com/mcp`.
    pub audience: String,
    /// The claim that names the agent (default `sub`).
    pub agent_claim: String,
    /// The JWKS, when the issuer publishes no metadata.
    pub jwks_url: Option<url::Url>,
}

/// An https URL, or http on loopback (a local identity provider, tests).
fn secure_url(var: &str, text: &str) -> Result<url::Url> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| Error::config(format!("{var}: {text:?} is not a URL ({e})")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(Error::config(format!(
            "{var}: {text:?} must be an https URL (http only on loopback): signing keys fetched \
             in the clear could be replaced on the way"
        ))),
    }
}

impl OAuthSettings {
    /// The settings from the environment: `None` when neither the issuer nor the audience is
    /// set; an error naming the missing one when only one is.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let (issuer, audience) = match (nonempty(ISSUER_VAR), nonempty(AUDIENCE_VAR)) {
            (None, None) => {
                if nonempty(JWKS_URL_VAR).is_some() || nonempty(AGENT_CLAIM_VAR).is_some() {
                    return Err(Error::config(format!(
                        "{JWKS_URL_VAR} or {AGENT_CLAIM_VAR} is set without {ISSUER_VAR} and \
                         {AUDIENCE_VAR}; set both to serve OAuth tokens"
                    )));
                }
                return Ok(None);
            }
            (Some(i), Some(a)) => (i.trim().to_string(), a.trim().to_string()),
            (Some(_), None) => {
                return Err(Error::config(format!(
                    "{ISSUER_VAR} is set but {AUDIENCE_VAR} is not: set it to this server's \
                     resource URL (e.g. https://mcp.example.com/mcp), which tokens must name \
                     in aud"
                )));
            }
            (None, Some(_)) => {
                return Err(Error::config(format!(
                    "{AUDIENCE_VAR} is set but {ISSUER_VAR} is not: set it to the identity \
                     provider's issuer URL (the iss of its tokens)"
                )));
            }
        };
        secure_url(ISSUER_VAR, &issuer)?;
        let jwks_url = nonempty(JWKS_URL_VAR)
            .map(|u| secure_url(JWKS_URL_VAR, &u))
            .transpose()?;
        let agent_claim = nonempty(AGENT_CLAIM_VAR).unwrap_or_else(|| "sub".to_string());
        Ok(Some(Self {
            issuer,
            audience,
            agent_claim: agent_claim.trim().to_string(),
            jwks_url,
        }))
    }
}

/// Why a token was not accepted: the text goes into `WWW-Authenticate`'s
/// `error_description`, so it names the claim to fix and never repeats the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected(pub String);

struct Key {
    kid: Option<String>,
    /// The algorithm the JWK pins, if it does.
    alg: Option<Algorithm>,
    key: DecodingKey,
}

#[derive(Default)]
struct Keys {
    keys: Vec<Key>,
    fetched: Option<Instant>,
}

/// Checks access tokens against the issuer's keys.
pub struct Verifier {
    settings: OAuthSettings,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// One fetch at a time; the others wait for its keys.
    fetching: Mutex<()>,
    /// [`REFETCH_GAP`], shorter in tests that rotate keys.
    refetch_gap: Duration,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    pub fn new(settings: OAuthSettings) -> Result<Arc<Self>> {
        Self::with_refetch_gap(settings, REFETCH_GAP)
    }

    /// As [`new`](Self::new), with another least time between two fetches of the keys.
    pub fn with_refetch_gap(settings: OAuthSettings, gap: Duration) -> Result<Arc<Self>> {
        // One provider for the process; an Err means one is installed already.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::internal(format!("no HTTP client for the JWKS: {e}")))?;
        Ok(Arc::new(Self {
            settings,
            http,
            keys: RwLock::new(Keys::default()),
            fetching: Mutex::new(()),
            refetch_gap: gap,
        }))
    }

    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    /// Fetches the keys now (at start-up), so the first call does not wait and a wrong issuer
    /// shows in the log at once.
    pub async fn warm(&self) -> Result<usize> {
        let _one = self.fetching.lock().await;
        self.refresh().await
    }

    /// The agent a token names, or why it is refused.
    async fn verify(&self, token: &str) -> Result<String, Rejected> {
        let reject = |m: &str| Rejected(m.to_string());
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| reject("the access token is not a JWT"))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Rejected(format!(
                "tokens signed with {:?} are not accepted; the issuer must sign with RS*, PS*, \
                 ES256, ES384 or EdDSA",
                header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let mut last = reject("no key of the issuer's JWKS verifies this token");
        for attempt in 0..2 {
            let tried = self
                .with_keys(header.kid.as_deref(), header.alg, |key| {
                    jsonwebtoken::decode::<serde_json::Map<String, Value>>(token, key, &validation)
                })
                .await;
            match tried {
                Some(Ok(data)) => return self.agent_of(&data.claims),
                Some(Err(e)) if !matches!(e.kind(), JwtError::InvalidSignature) => {
                    return Err(self.explain(e.kind()));
                }
                Some(Err(_)) => {}
                None if attempt == 0 => {
                    last = Rejected(format!(
                        "the issuer's JWKS has no {:?} key{}",
                        header.alg,
                        header
                            .kid
                            .as_deref()
                            .map(|k| format!(" with kid {k:?}"))
                            .unwrap_or_default()
                    ));
                }
                None => {}
            }
            if attempt == 0 && !self.refetch_if_due().await {
                break;
            }
        }
        Err(last)
    }

    /// Runs `check` on each cached key that could have signed a token with this kid and
    /// algorithm: the first success, else the last failure, else `None` (no candidate key).
    async fn with_keys<T>(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        check: impl Fn(&DecodingKey) -> jsonwebtoken::errors::Result<T>,
    ) -> Option<jsonwebtoken::errors::Result<T>> {
        let keys = self.keys.read().await;
        let mut last = None;
        let candidates = keys.keys.iter().filter(|k| {
            (kid.is_none() || k.kid.as_deref() == kid) && k.alg.is_none_or(|a| a == alg)
        });
        for k in candidates {
            match check(&k.key) {
                Ok(v) => return Some(Ok(v)),
                Err(e) => last = Some(Err(e)),
            }
        }
        last
    }

    /// Fetches the keys again unless that happened less than [`REFETCH_GAP`] ago; true when
    /// new keys were fetched.
    async fn refetch_if_due(&self) -> bool {
        let _one = self.fetching.lock().await;
        let recent = self
            .keys
            .read()
            .await
            .fetched
            .is_some_and(|t| t.elapsed() < self.refetch_gap);
        if recent {
            return false;
        }
        match self.refresh().await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!("could not fetch the OAuth issuer's keys: {e}");
                false
            }
        }
    }

    /// Fetches when the cache is older than [`KEYS_TTL`]; called before each check.
    async fn expire(&self) {
        let stale = self
            .keys
            .read()
            .await
            .fetched
            .is_none_or(|t| t.elapsed() >= KEYS_TTL);
        if stale {
            self.refetch_if_due().await;
        }
    }

    /// Fetches the JWKS (after the issuer's metadata when no JWKS URL is set) and replaces the
    /// cache; on failure the old keys stay, and the failure is remembered as a fetch so the
    /// next attempt waits [`REFETCH_GAP`].
    async fn refresh(&self) -> Result<usize> {
        let fetched = self.fetch().await;
        let mut keys = self.keys.write().await;
        keys.fetched = Some(Instant::now());
        let fresh = fetched?;
        let n = fresh.len();
        keys.keys = fresh;
        tracing::info!(keys = n, issuer = %self.settings.issuer, "OAuth signing keys fetched");
        Ok(n)
    }

    async fn fetch(&self) -> Result<Vec<Key>> {
        let jwks_url = match &self.settings.jwks_url {
            Some(u) => u.clone(),
            None => self.discover_jwks().await?,
        };
        let set: JwkSet = self.get_json(jwks_url.as_str()).await.and_then(|v| {
            serde_json::from_value(v)
                .map_err(|e| Error::config(format!("{jwks_url} is not a JWK set: {e}")))
        })?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
                continue;
            }
            let alg = jwk
                .common
                .key_algorithm
                .and_then(|a| serde_json::to_value(a).ok())
                .and_then(|v| serde_json::from_value::<Algorithm>(v).ok());
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => keys.push(Key {
                    kid: jwk.common.key_id.clone(),
                    alg,
                    key,
                }),
                Err(e) => tracing::warn!(
                    kid = jwk.common.key_id.as_deref().unwrap_or("-"),
                    "skipping a JWK that cannot verify signatures: {e}"
                ),
            }
        }
        if keys.is_empty() {
            return Err(Error::config(format!(
                "{jwks_url} holds no signing key this server can use"
            )));
        }
        Ok(keys)
    }

    /// The issuer's `jwks_uri`: RFC 8414 metadata first, then OpenID Connect discovery.
    async fn discover_jwks(&self) -> Result<url::Url> {
        let issuer = url::Url::parse(&self.settings.issuer)
            .map_err(|e| Error::config(format!("{ISSUER_VAR}: {e}")))?;
        let path = issuer.path().trim_end_matches('/');
        let origin = issuer.origin().ascii_serialization();
        let candidates = [
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ];
        let mut problems = Vec::new();
        for at in &candidates {
            match self.get_json(at).await {
                Ok(meta) => {
                    let named = meta.get("issuer").and_then(Value::as_str);
                    if named != Some(self.settings.issuer.as_str()) {
                        problems.push(format!(
                            "{at} names issuer {named:?}, not {:?}",
                            self.settings.issuer
                        ));
                        continue;
                    }
                    let Some(jwks) = meta.get("jwks_uri").and_then(Value::as_str) else {
                        problems.push(format!("{at} has no jwks_uri"));
                        continue;
                    };
                    return secure_url("jwks_uri", jwks);
                }
                Err(e) => problems.push(e.message),
            }
        }
        Err(Error::config(format!(
            "cannot find the issuer's keys ({}); set {JWKS_URL_VAR} to its JWKS URL",
            problems.join("; ")
        )))
    }

    async fn get_json(&self, url: &str) -> Result<Value> {
        let resp = self
            .http
            .get(url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| Error::config(format!("{url} did not answer: {e}")))?;
        if !resp.status().is_success() {
            return Err(Error::config(format!("{url} answered {}", resp.status())));
        }
        resp.json()
            .await
            .map_err(|e| Error::config(format!("{url} did not answer JSON: {e}")))
    }

    fn agent_of(&self, claims: &serde_json::Map<String, Value>) -> Result<String, Rejected> {
        let claim = &self.settings.agent_claim;
        let name = claims
            .get(claim)
            .and_then(Value::as_str)
            .map(str::trim)
            .ok_or_else(|| {
                Rejected(format!(
                    "the token has no string claim `{claim}` naming the agent"
                ))
            })?;
        if let Some(p) = crate::operators::name_problem(name) {
            return Err(Rejected(format!(
                "the token's `{claim}` claim is not usable as an agent name: it {p}"
            )));
        }
        Ok(name.to_string())
    }

    fn explain(&self, kind: &JwtError) -> Rejected {
        Rejected(match kind {
            JwtError::ExpiredSignature => "the access token has expired; get a new one".into(),
            JwtError::ImmatureSignature => "the access token is not valid yet (nbf)".into(),
            JwtError::InvalidAudience => format!(
                "the access token is not for this server: its aud must include {:?}",
                self.settings.audience
            ),
            JwtError::InvalidIssuer => format!(
                "the access token was not issued by {:?}",
                self.settings.issuer
            ),
            JwtError::MissingRequiredClaim(c) => format!("the access token has no {c} claim"),
            JwtError::InvalidAlgorithm => "the token's algorithm does not fit its key".into(),
            _ => "the access token is malformed".into(),
        })
    }

    /// RFC 9728 metadata for `resource`.
    pub fn metadata(&self, resource: &str) -> Value {
        json!({
            "resource": resource,
            "authorization_servers": [self.settings.issuer],
            "bearer_methods_supported": ["header"],
            "resource_name": "helpdesk-operator",
        })
    }

    /// The checks, with the key cache kept fresh.
    pub async fn check(&self, token: &str) -> Result<String, Rejected> {
        self.expire().await;
        self.verify(token).await
    }
}

#[cfg(test)]
mod tests;
