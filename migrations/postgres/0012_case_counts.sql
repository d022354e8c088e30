-- The queue strip's counts, kept by triggers on cases: every open terminal
-- reads them again on each live change (many times a second with a
-- department at work), and counting the open cases of each view cost 14 ms
-- a read on 40 000 cases, which 200 sessions made the server's whole load
-- (`bench staff`). Kept up to date in the transaction that changes a case,
-- so a count is never ahead of or behind the rows.
-- Kept in step with migrations/sqlite/0012_case_counts.sql.

CREATE TABLE case_counts (
    id   BIGINT PRIMARY KEY,
    view_name TEXT NOT NULL UNIQUE,
    n    BIGINT NOT NULL
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

-- The views a case row counts in.
CREATE FUNCTION case_count_views(queue TEXT, status TEXT, assignee_id BIGINT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_remove(ARRAY[
        'all',
        CASE WHEN status = 'awaiting_info' THEN 'awaiting' END,
        CASE WHEN assignee_id IS NULL AND status IN ('new','open','awaiting_info') THEN 'unassigned' END,
        CASE WHEN status IN ('new','open','awaiting_info') THEN queue END
    ], NULL)
$$;

CREATE FUNCTION case_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was TEXT[] := '{}';
    now_in TEXT[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        was := case_count_views(OLD.queue, OLD.status, OLD.assignee_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        now_in := case_count_views(NEW.queue, NEW.status, NEW.assignee_id);
    END IF;
    IF was IS DISTINCT FROM now_in THEN
        -- One statement, rows in id order: every writer locks them alike.
        UPDATE case_counts
           SET n = n + (CASE WHEN view_name = ANY (now_in) THEN 1 ELSE 0 END)
                     - (CASE WHEN view_name = ANY (was) THEN 1 ELSE 0 END)
         WHERE id IN (SELECT c.id FROM case_counts c
                       WHERE (c.view_name = ANY (was)) <> (c.view_name = ANY (now_in)) ORDER BY c.id);
    END IF;
    RETURN NULL;
END
$$;

-- Deferred to commit: a case change locks the kept rows only as it
-- commits, after the audit chain's head (which every audited change takes
-- before), so writers hold them for the commit alone, and in one order.
-- Locked at the UPDATE instead, they made every take wait on the one
-- before it for its whole transaction (`bench staff`, 200 sessions).
CREATE CONSTRAINT TRIGGER cases_counts_insert AFTER INSERT ON cases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_counts_follow();
CREATE CONSTRAINT TRIGGER cases_counts_change AFTER UPDATE OF queue, status, assignee_id ON cases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_counts_follow();
CREATE CONSTRAINT TRIGGER cases_counts_delete AFTER DELETE ON cases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_counts_follow();
