//! Unit tests of key files, signing cadence and checkpoint checks.
use super::*;

#[test]
fn a_signature_verifies_only_with_its_key_and_message() {
    let key = AuditKey::generate();
    let other = AuditKey::generate();
    let c = key.sign(42, &"ab".repeat(32));
    assert_eq!(c.check(&key.public_key()), Ok(()));
    assert_eq!(c.check(&other.public_key()), Err(Fault::OtherKey));
    let mut edited = c.clone();
    edited.seq = 41;
    assert_eq!(edited.check(&key.public_key()), Err(Fault::BadSignature));
    let mut edited = c.clone();
    edited.head_hash = "cd".repeat(32);
    assert_eq!(edited.check(&key.public_key()), Err(Fault::BadSignature));
    let mut edited = c.clone();
    edited.signed_at += chrono::Duration::seconds(1);
    assert_eq!(edited.check(&key.public_key()), Err(Fault::BadSignature));
    // A row naming the attacker's key, signed by the attacker, still fails with ours.
    let forged = other.sign(42, &c.head_hash);
    assert_eq!(forged.check(&key.public_key()), Err(Fault::OtherKey));
    assert_eq!(forged.check(&other.public_key()), Ok(()));
}

#[test]
fn the_signed_message_is_fixed() {
    let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00.123456Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        Checkpoint::message(7, "abc", at),
        "helpdesk-operator checkpoint v1\nseq 7\nhead abc\nsigned_at 2026-12-01T10:00:00.123456Z\n"
    );
}

#[test]
fn key_files_are_private_new_files_and_read_back() {
    let dir = std::env::temp_dir().join(format!("hoc-key-{}", uuid::Uuid::new_v4().simple()));
    let path = dir.join("sub").join("audit-key.pem");
    let mut key = AuditKey::generate();
    key.write_new(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = AuditKey::load(&path).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    let e = AuditKey::generate().write_new(&path).unwrap_err();
    assert!(e.message.contains("already exists"), "{}", e.message);
    assert_eq!(
        AuditKey::load(&path).unwrap().public_key(),
        key.public_key()
    );
    // Debug never shows the secret.
    let debug = format!("{again:?}");
    assert!(!debug.contains(text.lines().nth(1).unwrap()), "{debug}");
    assert!(debug.contains(&key.public_key().to_string()), "{debug}");
    std::fs::write(dir.join("bad.pem"), "not a key CANARY-SECRET").unwrap();
    let e = AuditKey::load(&dir.join("bad.pem")).unwrap_err();
    assert!(!e.message.contains("CANARY"), "{}", e.message);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn public_keys_parse_from_base64_hex_and_pem() {
    use ed25519_dalek::pkcs8::EncodePublicKey;
    let key = AuditKey::generate();
    let p = key.public_key();
    assert_eq!(PublicKey::parse(&p.to_string()).unwrap(), p);
    let hex: String = p.0.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(PublicKey::parse(&hex).unwrap(), p);
    let pem =
        p.0.to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .unwrap();
    assert_eq!(PublicKey::parse(&pem).unwrap(), p);
    assert!(PublicKey::parse("abc").is_err());
}

#[test]
fn anchor_lines_read_back() {
    let c = AuditKey::generate().sign(9, &"ef".repeat(32));
    assert_eq!(Checkpoint::parse_anchor(&c.anchor_line()).unwrap(), c);
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(Checkpoint::parse_anchor(&json).unwrap(), c);
    assert!(Checkpoint::parse_anchor("seq=1").is_err());
}

#[test]
fn settings_have_defaults_and_limits() {
    let none = |_: &str| None;
    let c = CheckpointConfig::from_lookup(&none).unwrap();
    assert_eq!((c.every_events, c.every.as_secs()), (100, 300));
    let bad = |k: &str| (k == EVENTS_VAR).then(|| "0".to_string());
    let e = CheckpointConfig::from_lookup(&bad).unwrap_err();
    assert!(e.message.contains(EVENTS_VAR), "{}", e.message);
}

#[test]
fn a_mismatched_public_key_is_a_configuration_error() {
    let dir = std::env::temp_dir().join(format!("hoc-key-{}", uuid::Uuid::new_v4().simple()));
    let path = dir.join("k.pem");
    AuditKey::generate().write_new(&path).unwrap();
    let config = CheckpointConfig {
        key_file: Some(path.clone()),
        public_key: Some(AuditKey::generate().public_key().to_string()),
        ..Default::default()
    };
    let e = Checkpointing::load(&config).unwrap_err();
    assert!(e.message.contains(PUBKEY_VAR), "{}", e.message);
    let only_file = CheckpointConfig {
        key_file: Some(path),
        ..Default::default()
    };
    let c = Checkpointing::load(&only_file).unwrap();
    assert!(c.key.is_some() && c.trusted.is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// "Every N events or M seconds", on a paused clock.
#[tokio::test(start_paused = true)]
async fn signing_is_due_every_n_events_or_m_seconds() {
    let every = Duration::from_secs(300);
    let mut s = SignState {
        loaded: true,
        last_seq: 10,
        last_hash: String::new(),
        last_at: Some(Instant::now()),
        refused: None,
    };
    assert!(!s.due(10, 5, every), "nothing new");
    assert!(!s.due(14, 5, every), "4 events, 0 s");
    assert!(s.due(15, 5, every), "5 events");
    tokio::time::advance(Duration::from_secs(299)).await;
    assert!(!s.due(11, 5, every));
    assert_eq!(s.until_due(every), Duration::from_secs(1));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert!(s.due(11, 5, every), "300 s");
    assert!(s.until_due(every).is_zero());
    s.last_at = None;
    assert!(s.due(11, 5, every), "never signed: due at once");
    s.refused = Some("broken".into());
    assert!(!s.due(100, 5, every), "a broken chain is not signed");
}
