//! `audit verify` in full: the hash chain, the signed checkpoints, anchors kept elsewhere, and
//! the `confirmations` and `agent_sessions` tables against the chain.
//!
//! Owns: what counts as a problem and how each is named (one message per item, with the seq,
//! id and time needed to look it up), and the chain walk that [`AuditStore::verify`] shares.
//! Must not: trust the public key stored in a checkpoint row, or change anything.
//!
//! How the tables are tied to the chain (see `mcp::guard` and `cli::decide_confirmation`):
//! - a session's row is written just before its `agent_session_start` event, whose after image
//!   is the row; `set_agent_intent` and `finish_agent_session` change the row just before
//!   their `succeeded` event;
//! - a confirmation's row is written just before its `confirmation_required` event, whose error
//!   text starts `confirmation ID via VIA:` and whose after image is the preview; `approve`,
//!   `deny` and a late `approve` record `approved`/`rejected`/`expired` events targeting
//!   `confirmation ID`; a redeemed token records `confirmed` with `confirmation ID ...` in its
//!   text. Refusals and expiries inside the server name no id: they are matched by session and
//!   tool, after the confirmation was issued (weaker, and only ever for a closed state).
//!
//! The tables' side lives in [`tables`].

mod tables;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::checkpoints::{Checkpoint, Fault, PublicKey};
use super::{AuditStore, Broken, EVENT_COLUMNS, Event, Pool, SessionRow, chain};
use crate::error::Result;
use tables::ChainTables;

/// One thing that does not verify.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// chain, checkpoint, anchor, confirmation or session.
    pub area: &'static str,
    /// The event it concerns, when there is one.
    pub seq: Option<i64>,
    /// A sentence naming the item and what is wrong with it.
    pub message: String,
}

/// Everything `audit verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Events stored.
    pub events: i64,
    /// Events whose chain verified, before the first broken one.
    pub verified: i64,
    pub head_seq: i64,
    pub head_hash: String,
    pub chain_intact: bool,
    /// The public key signatures were checked with, and where it came from; None = no key was
    /// configured, so no signature was checked.
    pub key: Option<String>,
    /// Checkpoint rows, and how many of them the configured key signed.
    pub checkpoints: usize,
    pub signed: usize,
    /// The newest signed checkpoint that still matches the chain.
    pub latest: Option<Checkpoint>,
    /// Events after it: not yet covered by a signed checkpoint (first and last seq).
    pub uncovered: Option<(i64, i64)>,
    /// How many rows of each table were checked against the chain.
    pub confirmations: usize,
    pub sessions: usize,
    pub problems: Vec<Problem>,
    /// Things worth a look that are not proof of tampering.
    pub warnings: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn when(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn short(h: &str) -> &str {
    &h[..h.len().min(16)]
}

/// The hash-chain walk: sequence without gaps, each event linked to the one before, each
/// event's content matching its hash. Stops judging at the first broken event.
pub(super) struct Walker {
    expected: i64,
    pub(super) prev_hash: String,
    pub(super) verified: i64,
    pub(super) broken: Option<Broken>,
}

impl Walker {
    pub(super) fn new() -> Self {
        Self {
            expected: 1,
            prev_hash: chain::GENESIS.to_string(),
            verified: 0,
            broken: None,
        }
    }

    /// The seq the walk needs next (for paging).
    pub(super) fn next_seq(&self) -> i64 {
        self.expected
    }

    pub(super) fn step(&mut self, ev: &Event) {
        if self.broken.is_some() {
            return;
        }
        let broken = |problem: String| Broken {
            seq: ev.seq,
            id: Some(ev.id.clone()),
            problem,
        };
        if ev.seq != self.expected {
            self.broken = Some(Broken {
                seq: self.expected,
                id: None,
                problem: format!(
                    "event {} is missing (the next stored event is {}): deleted",
                    self.expected, ev.seq
                ),
            });
        } else if ev.prev_hash != self.prev_hash {
            self.broken = Some(broken(
                "its prev_hash does not match the previous event's hash: events were removed, inserted or reordered before it".into(),
            ));
        } else if ev.compute_hash() != ev.hash {
            self.broken = Some(broken(
                "its content does not match its hash: the row was edited".into(),
            ));
        } else {
            self.prev_hash = ev.hash.clone();
            self.expected += 1;
            self.verified += 1;
        }
    }
}

impl AuditStore {
    /// The full check behind `audit verify`: the chain, every checkpoint's signature against
    /// the configured key (never the key in the row), every signed checkpoint and `anchors`
    /// against the events they cover, and the `confirmations` and `agent_sessions` tables
    /// against the chain.
    pub async fn verify_all(&self, anchors: &[Checkpoint]) -> Result<Report> {
        let pool = self.pool().await?;
        let trusted = self.checkpointing.trusted.clone();
        let mut problems = Vec::new();
        let mut warnings = Vec::new();

        // Signatures first: only checkpoints signed by the configured key count below.
        let rows = self.checkpoints().await?;
        let mut usable: Vec<Checkpoint> = Vec::new();
        let mut signed = 0usize;
        for c in &rows {
            let Some(t) = &trusted else {
                usable.push(c.clone());
                continue;
            };
            match c.check(&t.key) {
                Ok(()) => {
                    signed += 1;
                    usable.push(c.clone());
                }
                Err(Fault::OtherKey) => problems.push(Problem {
                    area: "checkpoint",
                    seq: Some(c.seq),
                    message: format!(
                        "checkpoint at seq {} (signed at {}) is not signed by the configured key ({}): it names the key {}, so it was written into audit_checkpoints by someone without ours",
                        c.seq,
                        when(c.signed_at),
                        t.key,
                        c.public_key
                    ),
                }),
                Err(Fault::BadSignature) => problems.push(Problem {
                    area: "checkpoint",
                    seq: Some(c.seq),
                    message: format!(
                        "checkpoint at seq {} (signed at {}): its signature does not verify with the configured key: the row was forged or altered",
                        c.seq,
                        when(c.signed_at)
                    ),
                }),
            }
        }
        let mut good_anchors = Vec::new();
        for a in anchors {
            let key = match &trusted {
                Some(t) => Some(t.key),
                None => PublicKey::parse(&a.public_key).ok(),
            };
            match key.map(|k| a.check(&k)) {
                Some(Ok(())) => good_anchors.push(a.clone()),
                _ => problems.push(Problem {
                    area: "anchor",
                    seq: Some(a.seq),
                    message: format!(
                        "the anchor for seq {} (signed at {}) is not signed by {}",
                        a.seq,
                        when(a.signed_at),
                        trusted
                            .as_ref()
                            .map(|t| format!("the configured key ({})", t.key))
                            .unwrap_or_else(|| "the key it names".into())
                    ),
                }),
            }
        }
        let wanted: HashSet<i64> = usable
            .iter()
            .chain(good_anchors.iter())
            .map(|c| c.seq)
            .collect();

        // One pass over the events: the chain, the hashes checkpoints need, the tables' story.
        let mut walker = Walker::new();
        let mut tables = ChainTables::default();
        let mut found: HashMap<i64, String> = HashMap::new();
        let (mut count, mut max_seq, mut head_hash) = (0i64, 0i64, chain::GENESIS.to_string());
        let page = 500i64;
        loop {
            let rows = on_pool!(pool, |p| {
                sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq ASC LIMIT $2"
                )))
                .bind(max_seq)
                .bind(page)
                .fetch_all(p)
                .await
            })
            .map_err(|e| self.unavailable(e))?;
            let n = rows.len() as i64;
            for ev in rows {
                walker.step(&ev);
                if wanted.contains(&ev.seq) {
                    found.insert(ev.seq, ev.hash.clone());
                }
                tables.event(&ev);
                count += 1;
                max_seq = ev.seq;
                head_hash = ev.hash.clone();
            }
            if n < page {
                break;
            }
        }
        if let Some(b) = &walker.broken {
            problems.push(Problem {
                area: "chain",
                seq: Some(b.seq),
                message: format!(
                    "event {}{}: {}",
                    b.seq,
                    b.id.as_ref().map(|i| format!(" ({i})")).unwrap_or_default(),
                    b.problem
                ),
            });
        }

        // Signed checkpoints against the events they cover.
        usable.sort_by_key(|c| c.seq);
        let mut latest: Option<Checkpoint> = None;
        let mut mismatched: Vec<(&Checkpoint, &String, Option<i64>)> = Vec::new();
        let mut truncated: Option<&Checkpoint> = None;
        let unverified = if trusted.is_none() {
            " (its signature was not checked: no key configured)"
        } else {
            ""
        };
        for c in &usable {
            match found.get(&c.seq) {
                Some(h) if *h == c.head_hash => latest = Some(c.clone()),
                Some(h) => mismatched.push((c, h, latest.as_ref().map(|l| l.seq))),
                None if c.seq > max_seq => truncated = Some(c),
                None => problems.push(Problem {
                    area: "checkpoint",
                    seq: Some(c.seq),
                    message: format!(
                        "event {} (covered by the signed checkpoint at seq {}, signed at {}{unverified}) is missing: deleted",
                        c.seq,
                        c.seq,
                        when(c.signed_at)
                    ),
                }),
            }
        }
        if let Some((c, now, good)) = mismatched.first() {
            let from = good.map(|g| g + 1).unwrap_or(1);
            let still = good
                .map(|g| format!(" (the signed checkpoint at seq {g} still matches)"))
                .unwrap_or_default();
            let more = match mismatched.len() {
                1 => String::new(),
                n => format!(
                    "; {} later signed checkpoints (up to seq {}) no longer match either",
                    n - 1,
                    mismatched[n - 1].0.seq
                ),
            };
            problems.push(Problem {
                area: "checkpoint",
                seq: Some(c.seq),
                message: format!(
                    "event {} (signed checkpoint at seq {}, signed at {}{unverified}) no longer matches: the checkpoint signed the hash {}..., the event now hashes to {}...: the history in events {from}..{} was rewritten{still}{more}",
                    c.seq,
                    c.seq,
                    when(c.signed_at),
                    short(&c.head_hash),
                    short(now),
                    c.seq
                ),
            });
        }
        if let Some(c) = truncated {
            problems.push(Problem {
                area: "checkpoint",
                seq: Some(max_seq + 1),
                message: format!(
                    "events {}..{} are missing: the newest events were deleted (the signed checkpoint at seq {}, signed at {}{unverified}, covers them)",
                    max_seq + 1,
                    c.seq,
                    c.seq,
                    when(c.signed_at)
                ),
            });
        }
        for a in &good_anchors {
            let problem = match found.get(&a.seq) {
                Some(h) if *h == a.head_hash => None,
                Some(h) => Some(format!(
                    "event {} no longer matches the anchor kept elsewhere (seq {}, signed at {}): it signed the hash {}..., the event now hashes to {}...: the history up to it was rewritten",
                    a.seq,
                    a.seq,
                    when(a.signed_at),
                    short(&a.head_hash),
                    short(h)
                )),
                None if a.seq > max_seq => Some(format!(
                    "events {}..{} are missing: the newest events were deleted (the anchor kept elsewhere, signed at {}, covers them)",
                    max_seq + 1,
                    a.seq,
                    when(a.signed_at)
                )),
                None => Some(format!(
                    "event {} of the anchor kept elsewhere (signed at {}) is missing: deleted",
                    a.seq,
                    when(a.signed_at)
                )),
            };
            if let Some(message) = problem {
                problems.push(Problem {
                    area: "anchor",
                    seq: Some(a.seq),
                    message,
                });
            }
        }
        let covered = latest.as_ref().map(|c| c.seq).unwrap_or(0);
        let uncovered = (max_seq > covered).then_some((covered + 1, max_seq));
        if let (Some(t), Some((from, to))) = (&trusted, uncovered) {
            let n = (to - from + 1) as u64;
            if n > self.checkpointing.every_events {
                warnings.push(format!(
                    "{n} events (from seq {from}) are not covered by a checkpoint signed with {}, more than the {} after which a server with the key signs: checkpoints may have been deleted, or these events were written without the key; compare with an anchor kept elsewhere (`audit verify --anchor`)",
                    t.key, self.checkpointing.every_events
                ));
            }
        }

        // The tables against the chain.
        let sessions = on_pool!(pool, |p| {
            sqlx::query_as::<_, SessionRow>(
                "SELECT id, agent, backend, username, branch, mode, intent, started_at, finished_at FROM agent_sessions ORDER BY started_at, id",
            )
            .fetch_all(p)
            .await
        })
        .map_err(|e| self.unavailable(e))?;
        let confirmations = self.all_confirmations().await?;
        tables.check_sessions(&sessions, &mut problems);
        tables.check_confirmations(&confirmations, &mut problems);

        Ok(Report {
            events: count,
            verified: walker.verified,
            head_seq: max_seq,
            head_hash,
            chain_intact: walker.broken.is_none(),
            key: trusted.map(|t| format!("{}, from {}", t.key, t.source)),
            checkpoints: rows.len(),
            signed,
            latest,
            uncovered,
            confirmations: confirmations.len(),
            sessions: sessions.len(),
            problems,
            warnings,
        })
    }
}
