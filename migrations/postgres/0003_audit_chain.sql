-- Tamper-evident audit: each audit row carries a SHA-256 hash over the hash
-- of the row before it and its own columns (src/domain/audit_chain.rs), and
-- a one-row head records the last row chained and its hash. Writers lock the
-- head in the transaction that appends, so appends are serialized and the
-- chain has one order. Rows written before this migration keep no hash: the
-- first append after it folds them into the chain (the first hashed row
-- covers them), and `portaldesk audit verify` counts them apart.
-- Kept in step with migrations/sqlite/0003_audit_chain.sql.

ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE TABLE audit_chain_head (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    last_id   BIGINT NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
