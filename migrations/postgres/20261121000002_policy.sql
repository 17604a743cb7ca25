-- Policy decisions on audit events, and confirmations bound to the exact change.
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS decision TEXT;
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS rule TEXT;

CREATE TABLE IF NOT EXISTS confirmations (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    session_id   TEXT NOT NULL,
    agent        TEXT NOT NULL,
    tool         TEXT NOT NULL,
    args_hash    TEXT NOT NULL,
    preview_hash TEXT,
    preview      JSONB,
    rule         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    via          TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    decided_by   TEXT
);
CREATE INDEX IF NOT EXISTS confirmations_state ON confirmations (state, expires_at);
