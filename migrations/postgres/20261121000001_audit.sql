-- Agent sessions: one row per agent session, so every audit event can name its session.
CREATE TABLE IF NOT EXISTS agent_sessions (
    id          TEXT PRIMARY KEY,
    agent       TEXT NOT NULL,
    backend     TEXT NOT NULL,
    username    TEXT,
    branch      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    intent      TEXT,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);

-- The audit log: append-only, hash-chained by seq (each row stores the previous row's hash).
CREATE TABLE IF NOT EXISTS audit_events (
    seq             BIGINT PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    at              TIMESTAMPTZ NOT NULL,
    phase           TEXT NOT NULL,
    request_id      TEXT,
    agent           TEXT NOT NULL,
    session_id      TEXT,
    branch          TEXT,
    intent          TEXT,
    backend         TEXT NOT NULL,
    tool            TEXT NOT NULL,
    operation       TEXT NOT NULL,
    target_entity   TEXT,
    target_id       TEXT,
    arguments       JSONB,
    before_image    JSONB,
    after_image     JSONB,
    upstream_status INTEGER,
    duration_ms     BIGINT,
    error           TEXT,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_session ON audit_events (session_id, seq);
