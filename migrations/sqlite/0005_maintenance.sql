-- Eligibility maintenance (src/domain/maintenance.rs, src/ops/maintenance.rs):
-- a member can be flagged disabled (a child covered past 26), a termination
-- keeps its date and reason, and every change made by hand is a row of
-- member_changes: what changed (before → after, SSNs masked), who, when,
-- from which case (the case's timeline shows it), and what to put back for
-- an undo (the member's own fields before the change, its SSN sealed with
-- the data key). Kept in step with migrations/postgres/0005_maintenance.sql.

ALTER TABLE members ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN terminated_on TEXT;
ALTER TABLE members ADD COLUMN termination_reason TEXT;

CREATE TABLE member_changes (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    case_id      INTEGER REFERENCES cases(id),
    kind         TEXT NOT NULL,
    operator     TEXT NOT NULL,
    at           TEXT NOT NULL,
    effective_on TEXT,
    summary      TEXT NOT NULL,
    changes      TEXT NOT NULL,
    restore      TEXT,
    undone_by    INTEGER REFERENCES member_changes(id)
);
CREATE INDEX member_changes_member ON member_changes (member_id, id);
CREATE INDEX member_changes_case ON member_changes (case_id);
