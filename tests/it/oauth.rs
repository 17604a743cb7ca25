//! `serve --http` as an OAuth 2.1 resource server, against an identity provider this test
//! serves on loopback (RFC 8414 metadata and a JWKS it can rotate): RFC 9728 metadata, 401s
//! that say why (expired, another audience, another issuer, a stranger's signature, a
//! symmetric algorithm, no agent claim), one agent per `sub`, a rotated key picked up without
//! a restart, and made-up key ids that do not make the server fetch again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::behaviour::freshdesk_sim;
use crate::common::*;
use crate::http::{call, client, serve_here};
use helpdesk_operator::mcp::http::Auth;
use helpdesk_operator::mcp::oauth::{OAuthSettings, Verifier};

const AUDIENCE: &str = "https://helpdesk.example.com/mcp";

struct SigningKey {
    kid: String,
    der: Vec<u8>,
    public: [u8; 32],
}

impl SigningKey {
    fn new(kid: &str) -> Self {
        let key = ed25519_dalek::SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        Self {
            kid: kid.to_string(),
            der: key.to_pkcs8_der().expect("pkcs8").as_bytes().to_vec(),
            public: key.verifying_key().to_bytes(),
        }
    }

    fn jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": self.kid,
               "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.public)})
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }

    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.to_string());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&self.der)).expect("sign")
    }
}

/// The identity provider: its issuer URL, the JWKS it serves (replaceable) and how often the
/// JWKS was fetched.
struct Issuer {
    url: String,
    jwks: Arc<std::sync::Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn issuer(keys: &[&SigningKey]) -> Issuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let jwks = Arc::new(std::sync::Mutex::new(
        json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()}),
    ));
    let fetches = Arc::new(AtomicUsize::new(0));
    let meta = json!({"issuer": url, "jwks_uri": format!("{url}/jwks"),
                      "authorization_endpoint": format!("{url}/authorize")});
    let (j, f) = (jwks.clone(), fetches.clone());
    let app = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { Json(meta) }),
        )
        .route(
            "/jwks",
            get(move || async move {
                f.fetch_add(1, Ordering::SeqCst);
                let set = j.lock().expect("jwks").clone();
                Json(set)
            }),
        );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .expect("issuer");
    });
    Issuer {
        url,
        jwks,
        fetches,
        _stop: stop,
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(iss: &str, sub: &str) -> Value {
    json!({"iss": iss, "sub": sub, "aud": [AUDIENCE, "https://other.example.com"],
           "iat": now(), "exp": now() + 600})
}

fn settings(issuer: &str, claim: &str) -> OAuthSettings {
    let get = |k: &str| match k {
        "HELPDESK_OPERATOR_OAUTH_ISSUER" => Some(issuer.to_string()),
        "HELPDESK_OPERATOR_OAUTH_AUDIENCE" => Some(AUDIENCE.to_string()),
        "HELPDESK_OPERATOR_OAUTH_AGENT_CLAIM" => Some(claim.to_string()),
        _ => None,
    };
    OAuthSettings::from_lookup(&get)
        .expect("settings")
        .expect("OAuth mode")
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"}}})
}

/// POST initialize with this token: (status, WWW-Authenticate, body).
async fn post(url: &str, token: Option<&str>) -> (u16, String, String) {
    let mut r = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .header("Accept", "application/json, text/event-stream")
        .json(&initialize());
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let resp = r.send().await.expect("post");
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, challenge, resp.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwts_from_the_issuer_name_the_agent_and_nothing_else_opens_mcp() {
    let k1 = SigningKey::new("k1");
    let idp = issuer(&[&k1]).await;
    let sim = freshdesk_sim().await;
    let env = std::collections::HashMap::from([
        ("FRESHDESK_BASE_URL".to_string(), sim.base_url()),
        (
            "FRESHDESK_API_KEY".to_string(),
            "sim-key-CANARY-1234".to_string(),
        ),
        ("DATABASE_URL".to_string(), store_url(Store::Sqlite).await),
    ]);
    let config = config_from(&env);
    let store = helpdesk_operator::audit::AuditStore::new(config.audit_store.clone());
    let server = helpdesk_operator::backends::server(&config, store.clone()).expect("server");
    // Fetches again as soon as a token names a key it does not hold (the default waits 30 s
    // between fetches; the second test checks that).
    let verifier =
        Verifier::with_refetch_gap(settings(&idp.url, "sub"), Duration::ZERO).expect("verifier");
    assert_eq!(verifier.warm().await.expect("the issuer's keys"), 1);
    let (url, _stop) = serve_here(server, store, &config, Auth::OAuth(verifier), vec![]).await;

    // No token: 401 pointing at the RFC 9728 metadata, which names the issuer.
    let (status, challenge, _) = post(&url, None).await;
    assert_eq!(status, 401);
    let metadata_url = format!("{url}/.well-known/oauth-protected-resource/mcp");
    assert!(
        challenge.starts_with("Bearer ")
            && challenge.contains(&format!("resource_metadata=\"{metadata_url}\""))
            && !challenge.contains("error="),
        "{challenge}"
    );
    for at in [
        metadata_url.clone(),
        format!("{url}/.well-known/oauth-protected-resource"),
    ] {
        let meta: Value = reqwest::get(&at)
            .await
            .expect("metadata")
            .json()
            .await
            .expect("json");
        assert_eq!(meta["resource"], AUDIENCE, "{meta}");
        assert_eq!(meta["authorization_servers"], json!([idp.url]), "{meta}");
    }

    // Each refused token says why, in the challenge and the body.
    let stranger = SigningKey::new("k1");
    let mut expired = claims(&idp.url, "triage-bot");
    expired["exp"] = json!(now() - 3600);
    let mut elsewhere = claims(&idp.url, "triage-bot");
    elsewhere["aud"] = json!("https://another-server.example.com/mcp");
    let mut no_sub = claims(&idp.url, "triage-bot");
    no_sub.as_object_mut().expect("claims").remove("sub");
    let mut odd_name = claims(&idp.url, "triage-bot");
    odd_name["sub"] = json!("agent\"; DROP TABLE");
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(&idp.url, "triage-bot"),
        &EncodingKey::from_secret(b"anyone can read a JWKS").expect("key"),
    )
    .expect("hs256");
    let refused = [
        (k1.sign(&expired), "expired"),
        (k1.sign(&elsewhere), "aud must include"),
        (
            k1.sign(&claims("https://evil.example.com", "triage-bot")),
            "not issued by",
        ),
        (
            stranger.sign(&claims(&idp.url, "triage-bot")),
            "verifies this token",
        ),
        (hs256, "not accepted"),
        (k1.sign(&no_sub), "no string claim `sub`"),
        (k1.sign(&odd_name), "not usable as an agent name"),
        ("not-a-jwt".to_string(), "not a JWT"),
    ];
    for (token, why) in &refused {
        let (status, challenge, body) = post(&url, Some(token)).await;
        assert_eq!(status, 401, "{why}: {body}");
        assert!(
            challenge.contains("error=\"invalid_token\"") && challenge.contains(why),
            "{why}: {challenge}"
        );
        assert!(body.contains(why), "{why}: {body}");
        assert!(
            !body.contains(token.as_str()),
            "the token is echoed: {body}"
        );
    }

    // Good tokens: the sub is the agent, each its own session.
    let a = client(&url, &k1.sign(&claims(&idp.url, "triage-bot"))).await;
    let b = client(&url, &k1.sign(&claims(&idp.url, "billing-bot"))).await;
    call(
        &a,
        "set_agent_intent",
        json!({"intent": "triage the queue"}),
    )
    .await;
    let info = |c| async move {
        call(
            c,
            "get_agent_session_info",
            json!({"response_format": "json"}),
        )
        .await
        .to_string()
    };
    let (ia, ib) = (info(&a).await, info(&b).await);
    assert!(
        ia.contains("triage-bot") && ia.contains("triage the queue"),
        "{ia}"
    );
    assert!(
        ib.contains("billing-bot") && !ib.contains("triage the queue"),
        "{ib}"
    );
    call(&a, "freshdesk_get_ticket", json!({"ticket_id": 1})).await;

    // Rotation: the issuer replaces k1 with k2; a k2 token works at once (one fetch).
    let k2 = SigningKey::new("k2");
    *idp.jwks.lock().expect("jwks") = json!({"keys": [k2.jwk()]});
    let before = idp.fetches.load(Ordering::SeqCst);
    let (status, _, body) = post(&url, Some(&k2.sign(&claims(&idp.url, "triage-bot")))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(idp.fetches.load(Ordering::SeqCst), before + 1);
    // The old key is gone from the issuer, so its tokens stop working.
    let (status, _, _) = post(&url, Some(&k1.sign(&claims(&idp.url, "triage-bot")))).await;
    assert_eq!(status, 401);
}

/// The agent claim is configurable, a token without it is refused, and made-up key ids do not
/// make the server fetch the JWKS again and again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_comes_from_the_configured_claim() {
    let k1 = SigningKey::new("k1");
    let idp = issuer(&[&k1]).await;
    let v = Verifier::new(settings(&idp.url, "preferred_username")).expect("verifier");
    let mut c = claims(&idp.url, "0f9c2a71-uuid-like-sub");
    c["preferred_username"] = json!("triage-bot@example.com");
    assert_eq!(
        v.check(&k1.sign(&c)).await.expect("accepted"),
        "triage-bot@example.com"
    );
    let refused = v
        .check(&k1.sign(&claims(&idp.url, "x")))
        .await
        .expect_err("no preferred_username");
    assert!(refused.0.contains("preferred_username"), "{refused:?}");
    let stranger = SigningKey::new("k1");
    for i in 0..5 {
        let forged = stranger.sign_as(&format!("kid-{i}"), &claims(&idp.url, "triage-bot"));
        let refused = v.check(&forged).await.expect_err("unknown kid");
        assert!(
            refused.0.contains("has no EdDSA key with kid"),
            "{refused:?}"
        );
    }
    assert_eq!(
        idp.fetches.load(Ordering::SeqCst),
        1,
        "one fetch for all of them"
    );
}
