use super::*;

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
}

#[test]
fn no_variables_is_the_agents_file_mode() {
    assert!(
        OAuthSettings::from_lookup(&lookup(&[]))
            .expect("ok")
            .is_none()
    );
}

#[test]
fn the_issuer_and_the_audience_come_together() {
    let only_issuer = lookup(&[(ISSUER_VAR, "https://id.example.com")]);
    let e = OAuthSettings::from_lookup(&only_issuer).expect_err("no audience");
    assert!(e.message.contains(AUDIENCE_VAR), "{e}");
    let only_audience = lookup(&[(AUDIENCE_VAR, "https://mcp.example.com/mcp")]);
    let e = OAuthSettings::from_lookup(&only_audience).expect_err("no issuer");
    assert!(e.message.contains(ISSUER_VAR), "{e}");
    let stray = lookup(&[(JWKS_URL_VAR, "https://id.example.com/jwks")]);
    let e = OAuthSettings::from_lookup(&stray).expect_err("jwks alone");
    assert!(e.message.contains(ISSUER_VAR), "{e}");
}

#[test]
fn keys_are_fetched_over_https_except_on_loopback() {
    for (issuer, ok) in [
        ("https://id.example.com/realms/support", true),
        ("http://127.0.0.1:8443", true),
        ("http://localhost:9000/", true),
        ("http://id.example.com", false),
        ("id.example.com", false),
    ] {
        let get = lookup(&[
            (ISSUER_VAR, issuer),
            (AUDIENCE_VAR, "https://m.example.com/mcp"),
        ]);
        let got = OAuthSettings::from_lookup(&get);
        assert_eq!(got.is_ok(), ok, "{issuer}: {got:?}");
        if let Err(e) = got {
            assert!(e.message.contains(ISSUER_VAR), "{e}");
        }
    }
    let get = lookup(&[
        (ISSUER_VAR, "https://id.example.com"),
        (AUDIENCE_VAR, "https://m.example.com/mcp"),
        (JWKS_URL_VAR, "http://id.example.com/jwks"),
    ]);
    let e = OAuthSettings::from_lookup(&get).expect_err("jwks in the clear");
    assert!(e.message.contains(JWKS_URL_VAR), "{e}");
}

#[test]
fn the_agent_claim_defaults_to_sub() {
    let get = lookup(&[
        (ISSUER_VAR, "https://id.example.com"),
        (AUDIENCE_VAR, "https://m.example.com/mcp"),
    ]);
    let s = OAuthSettings::from_lookup(&get)
        .expect("ok")
        .expect("oauth");
    assert_eq!(s.agent_claim, "sub");
    assert_eq!(s.issuer, "https://id.example.com");
    assert!(s.jwks_url.is_none());
}

#[tokio::test]
async fn tokens_that_are_not_asymmetric_jwts_are_refused_before_any_fetch() {
    let get = lookup(&[
        (ISSUER_VAR, "http://127.0.0.1:9"),
        (AUDIENCE_VAR, "https://m.example.com/mcp"),
    ]);
    let s = OAuthSettings::from_lookup(&get)
        .expect("ok")
        .expect("oauth");
    let v = Verifier::new(s).expect("verifier");
    let refused = v.verify("a.b").await.expect_err("not a JWT");
    assert!(refused.0.contains("not a JWT"), "{refused:?}");
    // alg none: header {"alg":"none","typ":"JWT"}.
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.";
    assert!(v.verify(none).await.is_err());
    assert!(v.keys.read().await.fetched.is_none(), "nothing was fetched");
}
