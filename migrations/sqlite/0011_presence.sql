-- Presence: who has a case or a member open, and who is editing it. One
-- row per running app (session_id, random per run), upserted when a view
-- opens and every few seconds while it stays open (a heartbeat), deleted
-- when it closes; a row not beaten for three heartbeats counts as gone and
-- is purged by whoever beats next. Not business data: no audit row.
-- Kept in step with migrations/postgres/0011_presence.sql.

CREATE TABLE presence (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL UNIQUE,
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    entity_kind TEXT NOT NULL CHECK (entity_kind IN ('case','member')),
    entity_key  TEXT NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('viewing','editing')),
    seen_at     TEXT NOT NULL
);

-- The one read of a heartbeat: the others on the same entity, still alive.
CREATE INDEX presence_entity ON presence (entity_kind, entity_key, seen_at);
-- The purge of rows gone stale.
CREATE INDEX presence_seen ON presence (seen_at);
