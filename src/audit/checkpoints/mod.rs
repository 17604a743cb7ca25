//! Signed checkpoints: the chain head, signed with an Ed25519 key held outside the database.
//!
//! A hash chain alone proves nothing to someone who can write the table: they can edit an old
//! event and recompute every hash after it. A checkpoint is the head (seq and hash) signed with
//! a key the database never sees, so such a rewrite (and the deletion of covered events) no
//! longer verifies.
//!
//! Owns: the key file (`audit keygen`: PKCS#8 PEM, mode 0600), the public key's text form, the
//! signed message, the `audit_checkpoints` rows and when the server signs: after an append once
//! N events or M seconds have passed since its last checkpoint, from a timer while events wait
//! unsigned, and on request ([`AuditStore::checkpoint_now`], e.g. at shutdown). The signer only
//! signs a head whose chain verifies from its previous checkpoint.
//!
//! Must not: trust a public key read from the database (verify is given the key to trust), or
//! print, log or `Debug` the private key.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, SubsecRound, Utc};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, KeypairBytes};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokio::time::Instant;

use super::{AuditStore, EVENT_COLUMNS, Event, Pool, chain};
use crate::error::{Error, ErrorKind, Result};

/// The key file the server signs with (and whose public key `verify` trusts).
pub const KEY_VAR: &str = "HELPDESK_OPERATOR_AUDIT_KEY";
/// A public key to verify with, where the key file is not at hand (base64 or hex).
pub const PUBKEY_VAR: &str = "HELPDESK_OPERATOR_AUDIT_PUBKEY";
/// Sign at least every this many events (default 100).
pub const EVENTS_VAR: &str = "HELPDESK_OPERATOR_CHECKPOINT_EVENTS";
/// Sign at least every this many seconds while events wait unsigned (default 300).
pub const SECS_VAR: &str = "HELPDESK_OPERATOR_CHECKPOINT_SECS";

pub const DEFAULT_EVENTS: u64 = 100;
pub const DEFAULT_SECS: u64 = 300;

/// What the environment says about checkpoints (paths and numbers only; nothing is read yet).
#[derive(Debug, Clone)]
pub struct CheckpointConfig {
    /// `HELPDESK_OPERATOR_AUDIT_KEY`: the key file.
    pub key_file: Option<PathBuf>,
    /// `HELPDESK_OPERATOR_AUDIT_PUBKEY`: the public key to verify with.
    pub public_key: Option<String>,
    /// `HELPDESK_OPERATOR_CHECKPOINT_EVENTS`.
    pub every_events: u64,
    /// `HELPDESK_OPERATOR_CHECKPOINT_SECS`.
    pub every: Duration,
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        Self {
            key_file: None,
            public_key: None,
            every_events: DEFAULT_EVENTS,
            every: Duration::from_secs(DEFAULT_SECS),
        }
    }
}

impl CheckpointConfig {
    /// Reads the four variables (values already trimmed, empty = unset).
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self> {
        let number = |var: &str, default: u64, max: u64| -> Result<u64> {
            match get(var) {
                None => Ok(default),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(Error::config(format!(
                        "{var}={v}: use a whole number from 1 to {max}"
                    ))),
                },
            }
        };
        Ok(Self {
            key_file: get(KEY_VAR).map(PathBuf::from),
            public_key: get(PUBKEY_VAR),
            every_events: number(EVENTS_VAR, DEFAULT_EVENTS, 1_000_000)?,
            every: Duration::from_secs(number(SECS_VAR, DEFAULT_SECS, 86_400)?),
        })
    }
}

/// The private signing key. Never printed: `Debug` shows the file and the public key only, and
/// the key bytes are wiped when it is dropped.
pub struct AuditKey {
    signing: SigningKey,
    file: Option<PathBuf>,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey")
            .field("file", &self.file)
            .field("public_key", &self.public_key().to_string())
            .finish_non_exhaustive()
    }
}

impl AuditKey {
    /// A new random key (256 bits from rand's thread generator, a CSPRNG seeded by the OS).
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let signing = SigningKey::from_bytes(&seed);
        seed.fill(0);
        Self {
            signing,
            file: None,
        }
    }

    /// Reads a key file: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `audit keygen` or
    /// `openssl genpkey -algorithm ed25519` write it. Errors never quote the file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!(
                "{KEY_VAR}: cannot read the audit key file {}: {e}",
                path.display()
            ))
        })?;
        let text = SecretString::from(text);
        let signing = SigningKey::from_pkcs8_pem(text.expose_secret().trim()).map_err(|_| {
            Error::config(format!(
                "{KEY_VAR}: {} is not an Ed25519 private key in PKCS#8 PEM form (make one with `helpdesk-operator audit keygen`)",
                path.display()
            ))
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(
                    file = %path.display(),
                    "the audit key file can be read by other users; chmod 600 it"
                );
            }
        }
        Ok(Self {
            signing,
            file: Some(path.to_path_buf()),
        })
    }

    /// Writes the key to a new file, readable by its owner only (0600); never overwrites.
    pub fn write_new(&mut self, path: &Path) -> Result<()> {
        use std::io::Write;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::config(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let pem = KeypairBytes {
            secret_key: self.signing.to_bytes(),
            public_key: None,
        }
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|_| Error::internal("encoding the audit key failed"))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::config(format!(
                    "{} already exists; it is not overwritten (move it away first, or choose another path with --out)",
                    path.display()
                ))
            } else {
                Error::config(format!("cannot create {}: {e}", path.display()))
            }
        })?;
        file.write_all(pem.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::config(format!("cannot write {}: {e}", path.display())))?;
        self.file = Some(path.to_path_buf());
        Ok(())
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Signs the head `seq`/`head_hash` as of now.
    pub fn sign(&self, seq: i64, head_hash: &str) -> Checkpoint {
        let signed_at = Utc::now().trunc_subsecs(6);
        let signature = self
            .signing
            .sign(Checkpoint::message(seq, head_hash, signed_at).as_bytes());
        Checkpoint {
            seq,
            head_hash: head_hash.to_string(),
            signed_at,
            public_key: self.public_key().to_string(),
            signature: base64::engine::general_purpose::STANDARD.encode(signature.to_bytes()),
        }
    }
}

/// An Ed25519 public key; its text form is the 32 bytes in standard base64.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&base64::engine::general_purpose::STANDARD.encode(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl PublicKey {
    /// Base64 (as `audit keygen` prints it), 64 hex digits, or a PEM `PUBLIC KEY` block.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        if text.starts_with("-----BEGIN PUBLIC KEY-----") {
            return VerifyingKey::from_public_key_pem(text)
                .map(PublicKey)
                .map_err(|_| "not an Ed25519 public key in PEM form".to_string());
        }
        let bytes: Option<Vec<u8>> =
            if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
                (0..32)
                    .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
                    .collect()
            } else {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                    .ok()
            };
        let bytes: [u8; 32] = bytes
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| "not a 32-byte Ed25519 public key in base64 or hex".to_string())?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| "not a valid Ed25519 public key".to_string())
    }
}

/// The key `verify` trusts and where it came from (for the report).
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub key: PublicKey,
    pub source: String,
}

/// How this store signs and verifies checkpoints.
#[derive(Debug, Clone)]
pub struct Checkpointing {
    /// The signing key; none = this process does not sign.
    pub key: Option<Arc<AuditKey>>,
    /// The public key `verify` checks signatures against: `HELPDESK_OPERATOR_AUDIT_PUBKEY`, or
    /// the key file's. None = signatures cannot be checked (and `verify` says so).
    pub trusted: Option<TrustedKey>,
    pub every_events: u64,
    pub every: Duration,
}

impl Default for Checkpointing {
    fn default() -> Self {
        Self {
            key: None,
            trusted: None,
            every_events: DEFAULT_EVENTS,
            every: Duration::from_secs(DEFAULT_SECS),
        }
    }
}

impl Checkpointing {
    /// Reads the key file and the public key the configuration names.
    pub fn load(config: &CheckpointConfig) -> Result<Self> {
        let key = config.key_file.as_deref().map(AuditKey::load).transpose()?;
        let env_key = config
            .public_key
            .as_deref()
            .map(|t| PublicKey::parse(t).map_err(|e| Error::config(format!("{PUBKEY_VAR}: {e}"))))
            .transpose()?;
        let trusted = match (&key, env_key) {
            (Some(k), Some(p)) if k.public_key() != p => {
                return Err(Error::config(format!(
                    "{PUBKEY_VAR} ({p}) is not the public key of the key in {KEY_VAR} ({}); set only one, or the matching pair",
                    k.public_key()
                )));
            }
            (_, Some(p)) => Some(TrustedKey {
                key: p,
                source: PUBKEY_VAR.to_string(),
            }),
            (Some(k), None) => Some(TrustedKey {
                key: k.public_key(),
                source: format!(
                    "the key file {}",
                    k.file()
                        .map(|f| f.display().to_string())
                        .unwrap_or_default()
                ),
            }),
            (None, None) => None,
        };
        Ok(Self {
            key: key.map(Arc::new),
            trusted,
            every_events: config.every_events,
            every: config.every,
        })
    }

    /// Signs with `key` (and trusts its public key), every `every_events` events or `every`.
    pub fn signing(key: AuditKey, every_events: u64, every: Duration) -> Self {
        let trusted = Some(TrustedKey {
            key: key.public_key(),
            source: key
                .file()
                .map(|f| format!("the key file {}", f.display()))
                .unwrap_or_else(|| "the signing key".into()),
        });
        Self {
            key: Some(Arc::new(key)),
            trusted,
            every_events: every_events.max(1),
            every,
        }
    }
}

/// One signed checkpoint: the chain's head at `seq`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Checkpoint {
    /// The seq of the newest event it covers.
    pub seq: i64,
    /// That event's hash (which commits to every event before it).
    pub head_hash: String,
    pub signed_at: DateTime<Utc>,
    /// The signer's public key (base64). Informational: never trusted by itself.
    pub public_key: String,
    /// Ed25519 over [`Checkpoint::message`] (base64).
    pub signature: String,
}

/// Why a checkpoint does not verify with the trusted key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// It names another public key (so it was not signed with ours).
    OtherKey,
    /// It names our key, but the signature does not verify: forged or altered.
    BadSignature,
}

const ANCHOR_TAG: &str = "helpdesk-operator-checkpoint v1";

impl Checkpoint {
    /// The exact bytes that are signed.
    pub fn message(seq: i64, head_hash: &str, signed_at: DateTime<Utc>) -> String {
        format!(
            "helpdesk-operator checkpoint v1\nseq {seq}\nhead {head_hash}\nsigned_at {}\n",
            signed_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    }

    /// Checks the signature against `key`, ignoring what key the row itself names except to
    /// say which kind of fault it is.
    pub fn check(&self, key: &PublicKey) -> std::result::Result<(), Fault> {
        let names_ours = PublicKey::parse(&self.public_key).ok().as_ref() == Some(key);
        let sig = base64::engine::general_purpose::STANDARD
            .decode(&self.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b));
        let valid = sig.is_some_and(|s| {
            key.0
                .verify_strict(
                    Self::message(self.seq, &self.head_hash, self.signed_at).as_bytes(),
                    &s,
                )
                .is_ok()
        });
        match (valid, names_ours) {
            (true, _) => Ok(()),
            (false, true) => Err(Fault::BadSignature),
            (false, false) => Err(Fault::OtherKey),
        }
    }

    /// One line to paste elsewhere (`audit anchor`), read back by `audit verify --anchor`.
    pub fn anchor_line(&self) -> String {
        format!(
            "{ANCHOR_TAG} seq={} head={} signed_at={} key={} sig={}",
            self.seq,
            self.head_hash,
            self.signed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            self.public_key,
            self.signature
        )
    }

    /// Reads an [`anchor_line`](Self::anchor_line) (or the `--json` form of `audit anchor`).
    pub fn parse_anchor(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        if text.starts_with('{') {
            return serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| {
                    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
                    Some(Checkpoint {
                        seq: v.get("seq")?.as_i64()?,
                        head_hash: s("head_hash")?,
                        signed_at: DateTime::parse_from_rfc3339(&s("signed_at")?)
                            .ok()?
                            .with_timezone(&Utc),
                        public_key: s("public_key")?,
                        signature: s("signature")?,
                    })
                })
                .ok_or_else(|| {
                    "the JSON anchor lacks seq, head_hash, signed_at, public_key or signature"
                        .into()
                });
        }
        let rest = text
            .strip_prefix(ANCHOR_TAG)
            .ok_or_else(|| format!("an anchor line starts with \"{ANCHOR_TAG}\""))?;
        let mut fields = std::collections::HashMap::new();
        for part in rest.split_whitespace() {
            if let Some((k, v)) = part.split_once('=') {
                fields.insert(k, v);
            }
        }
        let get = |k: &str| {
            fields
                .get(k)
                .map(|v| v.to_string())
                .ok_or_else(|| format!("the anchor line has no {k}="))
        };
        Ok(Checkpoint {
            seq: get("seq")?
                .parse()
                .map_err(|_| "seq= is not a number".to_string())?,
            head_hash: get("head")?,
            signed_at: DateTime::parse_from_rfc3339(&get("signed_at")?)
                .map_err(|_| "signed_at= is not an RFC 3339 time".to_string())?
                .with_timezone(&Utc),
            public_key: get("key")?,
            signature: get("sig")?,
        })
    }
}

/// What the signer remembers between appends (guarded by the store's append lock).
#[derive(Debug, Default)]
pub(super) struct SignState {
    loaded: bool,
    /// Our newest checkpoint: seq and head hash (0 and GENESIS before the first).
    last_seq: i64,
    last_hash: String,
    /// When it was signed, on tokio's clock; None = due now (none yet, or long ago).
    last_at: Option<Instant>,
    /// Set when the chain failed to verify before signing: no more signing in this process.
    refused: Option<String>,
}

impl SignState {
    /// Whether a head at `head_seq` should be signed now.
    fn due(&self, head_seq: i64, every_events: u64, every: Duration) -> bool {
        if head_seq <= self.last_seq || self.refused.is_some() {
            return false;
        }
        let by_count = (head_seq - self.last_seq) as u64 >= every_events;
        let by_time = self.last_at.is_none_or(|t| t.elapsed() >= every);
        by_count || by_time
    }

    /// How long until signing is due by time (for the timer).
    fn until_due(&self, every: Duration) -> Duration {
        self.last_at
            .map(|t| every.saturating_sub(t.elapsed()))
            .unwrap_or(every)
    }
}

const CHECKPOINT_COLUMNS: &str = "seq, head_hash, signed_at, public_key, signature";

impl AuditStore {
    /// How this store signs and verifies checkpoints.
    pub fn checkpointing(&self) -> &Checkpointing {
        &self.checkpointing
    }

    /// Every checkpoint row, oldest first.
    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let pool = self.pool().await?;
        on_pool!(pool, |p| {
            sqlx::query_as::<_, Checkpoint>(sqlx::AssertSqlSafe(format!(
                "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq ASC, signed_at ASC"
            )))
            .fetch_all(p)
            .await
        })
        .map_err(|e| self.unavailable(e))
    }

    /// The newest checkpoint whose signature verifies with `key` (with no key: the newest row,
    /// unverified).
    pub async fn latest_checkpoint(&self, key: Option<&PublicKey>) -> Result<Option<Checkpoint>> {
        let pool = self.pool().await?;
        let page = 100i64;
        let mut offset = 0i64;
        loop {
            let rows = on_pool!(pool, |p| {
                sqlx::query_as::<_, Checkpoint>(sqlx::AssertSqlSafe(format!(
                    "SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC, signed_at DESC LIMIT $1 OFFSET $2"
                )))
                .bind(page)
                .bind(offset)
                .fetch_all(p)
                .await
            })
            .map_err(|e| self.unavailable(e))?;
            let n = rows.len() as i64;
            if let Some(found) = rows
                .into_iter()
                .find(|c| key.is_none_or(|k| c.check(k).is_ok()))
            {
                return Ok(Some(found));
            }
            if n < page {
                return Ok(None);
            }
            offset += page;
        }
    }

    /// Signs the current head now if events arrived since this process's last checkpoint
    /// (at shutdown, or on request). None = nothing to sign, or no key configured.
    pub async fn checkpoint_now(&self) -> Result<Option<Checkpoint>> {
        if self.checkpointing.key.is_none() {
            return Ok(None);
        }
        let pool = self.pool().await?;
        let mut state = self.append_lock.lock().await;
        let Some((seq, hash)) = self.head(pool).await? else {
            return Ok(None);
        };
        self.load_sign_state(pool, &mut state).await?;
        if seq <= state.last_seq {
            return Ok(None);
        }
        self.sign_head(pool, &mut state, seq, &hash).await.map(Some)
    }

    /// After a successful append (append lock held): signs when due. Never fails the append.
    pub(super) async fn after_append(&self, pool: &Pool, state: &mut SignState, event: &Event) {
        if self.checkpointing.key.is_none() {
            return;
        }
        self.start_timer();
        if let Err(e) = self.load_sign_state(pool, state).await {
            tracing::warn!(error = %e, "could not read the last audit checkpoint; will try again");
            return;
        }
        let c = &self.checkpointing;
        if state.due(event.seq, c.every_events, c.every)
            && let Err(e) = self.sign_head(pool, state, event.seq, &event.hash).await
        {
            tracing::warn!(
                seq = event.seq,
                error = %e,
                "could not sign an audit checkpoint (the event is recorded)"
            );
        }
    }

    async fn head(&self, pool: &Pool) -> Result<Option<(i64, String)>> {
        on_pool!(pool, |p| {
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(p)
                .await
        })
        .map_err(|e| self.unavailable(e))
    }

    /// Finds this key's newest valid checkpoint, once per process.
    async fn load_sign_state(&self, _pool: &Pool, state: &mut SignState) -> Result<()> {
        if state.loaded {
            return Ok(());
        }
        let Some(key) = &self.checkpointing.key else {
            return Ok(());
        };
        let ours = key.public_key();
        let latest = self.latest_checkpoint(Some(&ours)).await?;
        state.last_seq = 0;
        state.last_hash = chain::GENESIS.to_string();
        state.last_at = None;
        if let Some(c) = latest {
            state.last_seq = c.seq;
            state.last_hash = c.head_hash;
            let age = (Utc::now() - c.signed_at).to_std().unwrap_or_default();
            state.last_at = Instant::now()
                .checked_sub(age)
                .filter(|_| age < self.checkpointing.every);
        }
        state.loaded = true;
        Ok(())
    }

    /// Walks the chain from our last checkpoint to the head and signs the head if it verifies.
    async fn sign_head(
        &self,
        pool: &Pool,
        state: &mut SignState,
        head_seq: i64,
        head_hash: &str,
    ) -> Result<Checkpoint> {
        let Some(key) = self.checkpointing.key.clone() else {
            return Err(Error::config("no audit key configured"));
        };
        if let Some(why) = &state.refused {
            return Err(Error::new(ErrorKind::Internal, why.clone()));
        }
        let mut expected = state.last_seq + 1;
        let mut prev = state.last_hash.clone();
        while expected <= head_seq {
            let rows = on_pool!(pool, |p| {
                sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq ASC LIMIT 500"
                )))
                .bind(expected)
                .bind(head_seq)
                .fetch_all(p)
                .await
            })
            .map_err(|e| self.unavailable(e))?;
            if rows.is_empty() {
                break;
            }
            for ev in rows {
                let problem = if ev.seq != expected {
                    Some(format!("event {expected} is missing"))
                } else if ev.prev_hash != prev {
                    Some(format!(
                        "event {} does not follow the event before it",
                        ev.seq
                    ))
                } else if ev.compute_hash() != ev.hash {
                    Some(format!("event {} does not match its hash", ev.seq))
                } else {
                    None
                };
                if let Some(p) = problem {
                    let why = format!(
                        "not signing audit checkpoints any more in this process: {p} (since the checkpoint at seq {}); run `helpdesk-operator audit verify`",
                        state.last_seq
                    );
                    tracing::error!("{why}");
                    state.refused = Some(why.clone());
                    return Err(Error::new(ErrorKind::Internal, why));
                }
                prev = ev.hash;
                expected += 1;
            }
        }
        if expected <= head_seq || prev != head_hash {
            return Err(Error::new(
                ErrorKind::Internal,
                format!("the head at seq {head_seq} changed while it was being signed"),
            ));
        }
        let checkpoint = key.sign(head_seq, head_hash);
        on_pool!(pool, |p| {
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, head_hash, signed_at, public_key, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(checkpoint.seq)
            .bind(&checkpoint.head_hash)
            .bind(checkpoint.signed_at)
            .bind(&checkpoint.public_key)
            .bind(&checkpoint.signature)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(|e| self.unavailable(e))?;
        state.last_seq = head_seq;
        state.last_hash = head_hash.to_string();
        state.last_at = Some(Instant::now());
        tracing::debug!(seq = head_seq, "signed an audit checkpoint");
        Ok(checkpoint)
    }

    /// Starts, once, the task that signs waiting events M seconds after the last checkpoint
    /// when no append comes to do it. It holds the store weakly and ends with it.
    fn start_timer(&self) {
        if self
            .timer_started
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        let weak = self.me.clone();
        let every = self.checkpointing.every;
        tokio::spawn(async move {
            let mut wait = every;
            loop {
                tokio::time::sleep(wait.max(Duration::from_secs(1))).await;
                let Some(store) = weak.upgrade() else { break };
                wait = store.timer_tick().await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "could not sign an audit checkpoint on time");
                    every
                });
            }
        });
    }

    /// Signs the head if events are waiting and the time is up; returns how long to wait.
    async fn timer_tick(&self) -> Result<Duration> {
        let every = self.checkpointing.every;
        let pool = self.pool().await?;
        let mut state = self.append_lock.lock().await;
        self.load_sign_state(pool, &mut state).await?;
        if state.refused.is_some() {
            return Ok(every);
        }
        let left = state.until_due(every);
        if !left.is_zero() {
            return Ok(left);
        }
        if let Some((seq, hash)) = self.head(pool).await?
            && seq > state.last_seq
        {
            self.sign_head(pool, &mut state, seq, &hash).await?;
        }
        Ok(every)
    }
}

#[cfg(test)]
mod tests;
