-- Policy decisions on audit events, and confirmations bound to the exact change.
ALTER TABLE audit_events ADD COLUMN decision TEXT;
ALTER TABLE audit_events ADD COLUMN rule TEXT;

CREATE TABLE IF NOT EXISTS confirmations (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    session_id   TEXT NOT NULL,
    agent        TEXT NOT NULL,
    tool         TEXT NOT NULL,
    args_hash    TEXT NOT NULL,
    preview_hash TEXT,
    preview      TEXT,
    rule         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    via          TEXT NOT NULL,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   TEXT
);
CREATE INDEX IF NOT EXISTS confirmations_state ON confirmations (state, expires_at);
