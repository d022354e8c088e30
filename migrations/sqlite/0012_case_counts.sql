-- The queue strip's counts, kept by triggers on cases: every open terminal
-- reads them again on each live change (many times a second with a
-- department at work), and counting the open cases of each view cost 14 ms
-- a read on 40 000 cases (PostgreSQL), which 200 sessions made the server's
-- whole load (`bench staff`). Kept up to date in the transaction that
-- changes a case, so a count is never ahead of or behind the rows.
-- Kept in step with migrations/postgres/0012_case_counts.sql.

CREATE TABLE case_counts (
    id   INTEGER PRIMARY KEY,
    view_name TEXT NOT NULL UNIQUE,
    n    INTEGER NOT NULL
);

INSERT INTO case_counts (id, view_name, n)
SELECT 1, 'all', count(*) FROM cases
UNION ALL SELECT 2, 'awaiting', count(*) FROM cases WHERE status = 'awaiting_info'
UNION ALL SELECT 3, 'unassigned', count(*) FROM cases
    WHERE assignee_id IS NULL AND status IN ('new','open','awaiting_info')
UNION ALL SELECT 4, 'eligibility', count(*) FROM cases
    WHERE queue = 'eligibility' AND status IN ('new','open','awaiting_info')
UNION ALL SELECT 5, 'enrollment', count(*) FROM cases
    WHERE queue = 'enrollment' AND status IN ('new','open','awaiting_info')
UNION ALL SELECT 6, 'billing', count(*) FROM cases
    WHERE queue = 'billing' AND status IN ('new','open','awaiting_info')
UNION ALL SELECT 7, 'support', count(*) FROM cases
    WHERE queue = 'support' AND status IN ('new','open','awaiting_info');

-- A row counts in: all; awaiting when awaiting information; unassigned and
-- its queue when open.
CREATE TRIGGER cases_counts_insert AFTER INSERT ON cases BEGIN
    UPDATE case_counts SET n = n + 1 WHERE view_name = 'all'
        OR (view_name = 'awaiting' AND NEW.status = 'awaiting_info')
        OR (NEW.status IN ('new','open','awaiting_info')
            AND ((view_name = 'unassigned' AND NEW.assignee_id IS NULL) OR view_name = NEW.queue));
END;

CREATE TRIGGER cases_counts_delete AFTER DELETE ON cases BEGIN
    UPDATE case_counts SET n = n - 1 WHERE view_name = 'all'
        OR (view_name = 'awaiting' AND OLD.status = 'awaiting_info')
        OR (OLD.status IN ('new','open','awaiting_info')
            AND ((view_name = 'unassigned' AND OLD.assignee_id IS NULL) OR view_name = OLD.queue));
END;

CREATE TRIGGER cases_counts_change AFTER UPDATE OF queue, status, assignee_id ON cases BEGIN
    UPDATE case_counts SET n = n
        - (view_name = 'awaiting' AND OLD.status = 'awaiting_info')
        - (OLD.status IN ('new','open','awaiting_info')
            AND ((view_name = 'unassigned' AND OLD.assignee_id IS NULL) OR view_name = OLD.queue))
        + (view_name = 'awaiting' AND NEW.status = 'awaiting_info')
        + (NEW.status IN ('new','open','awaiting_info')
            AND ((view_name = 'unassigned' AND NEW.assignee_id IS NULL) OR view_name = NEW.queue))
    WHERE view_name IN ('awaiting', 'unassigned', OLD.queue, NEW.queue);
END;
