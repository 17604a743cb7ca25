-- Several replicas on one database.
--
-- The agent session each agent works in now, shared by every replica: a replica that has no
-- session for an agent adopts this one instead of opening its own. The row goes when the
-- session finishes (agent_sessions keeps the record; this table only says which is current).
CREATE TABLE IF NOT EXISTS agent_current_sessions (
    agent       TEXT PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    backend     TEXT NOT NULL,
    username    TEXT,
    branch      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    intent      TEXT,
    started_at  TIMESTAMPTZ NOT NULL
);

-- The chain head, one row: an append updates it and inserts the event in one statement, so
-- concurrent replicas queue on this row's lock instead of racing for the next seq.
CREATE TABLE IF NOT EXISTS audit_head (
    id        SMALLINT PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, prev_hash, hash)
SELECT 1,
       COALESCE((SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1), 0),
       '',
       COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1),
                '0000000000000000000000000000000000000000000000000000000000000000')
ON CONFLICT (id) DO NOTHING;

-- Request budgets shared by replicas: one GCRA per upstream account (and window), its
-- theoretical arrival time in microseconds of the database's clock.
CREATE TABLE IF NOT EXISTS rate_budgets (
    account TEXT PRIMARY KEY,
    tat_us  BIGINT NOT NULL
);
