-- Data key rotation (`portaldesk key rotate`, src/ops/key_rotation.rs).
-- Each SSN and tax ID ciphertext names the key it was sealed with: NULL is
-- the key that was current when the row was written (a rotation stamps
-- every row it re-encrypts, and imports wait while one runs, so NULL is
-- never ambiguous). A rotation's progress is one row, advanced in the same
-- transaction as each batch, so a killed run resumes where it stopped; at
-- most one rotation runs at a time (the partial unique index).
-- Kept in step with migrations/postgres/0004_key_rotation.sql.

ALTER TABLE members ADD COLUMN ssn_key_id TEXT;
ALTER TABLE brokers ADD COLUMN tax_id_key_id TEXT;

CREATE TABLE key_rotations (
    id               INTEGER PRIMARY KEY,
    old_key_id       TEXT NOT NULL,
    new_key_id       TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('running','done')),
    started_by       TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    members_total    INTEGER NOT NULL,
    members_done     INTEGER NOT NULL DEFAULT 0,
    last_member_id   INTEGER NOT NULL DEFAULT 0,
    brokers_total    INTEGER NOT NULL,
    brokers_done     INTEGER NOT NULL DEFAULT 0,
    last_broker_id   INTEGER NOT NULL DEFAULT 0,
    outbox_total     INTEGER NOT NULL,
    outbox_done      INTEGER NOT NULL DEFAULT 0,
    last_outbox_id   INTEGER NOT NULL DEFAULT 0,
    codes_revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX key_rotations_one_running ON key_rotations (state) WHERE state = 'running';
