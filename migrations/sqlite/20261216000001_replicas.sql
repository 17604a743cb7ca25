-- The agent session each agent works in now (see the PostgreSQL migration): a restarted
-- server adopts it instead of opening a new one. The row goes when the session finishes.
CREATE TABLE IF NOT EXISTS agent_current_sessions (
    agent       TEXT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    backend     TEXT NOT NULL,
    username    TEXT,
    branch      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    intent      TEXT,
    started_at  TEXT NOT NULL
);
