-- Signed checkpoints: the chain head (seq, hash) signed with an Ed25519 key that is held outside
-- the database (HELPDESK_OPERATOR_AUDIT_KEY). `audit verify` checks them against a key it is
-- given, never against the public_key stored here (whoever can write this table can write that).
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq         INTEGER NOT NULL,
    head_hash   TEXT NOT NULL,
    signed_at   TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL,
    PRIMARY KEY (seq, public_key)
);
