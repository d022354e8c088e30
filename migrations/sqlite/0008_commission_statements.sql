-- Brokers' commission statements (issue 25, point 4): one per broker per
-- month, named by the broker's NPN and broker ID, with a line per group
-- the commission was paid on. Statements are kept 18 months: the report
-- worker deletes older ones (audited as system:worker), so the month index
-- serves both the purge and "commissions by broker" for a month.
-- Kept in step with migrations/postgres/0008_commission_statements.sql.

CREATE TABLE commission_statements (
    id               INTEGER PRIMARY KEY,
    broker_id        INTEGER NOT NULL REFERENCES brokers(id),
    npn              TEXT NOT NULL,
    month            TEXT NOT NULL,
    issued_on        TEXT NOT NULL,
    groups           INTEGER NOT NULL CHECK (groups >= 0),
    premium_cents    INTEGER NOT NULL,
    commission_cents INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    UNIQUE (broker_id, month)
);
CREATE INDEX commission_statements_npn ON commission_statements (npn, month, id);
CREATE INDEX commission_statements_month ON commission_statements (month, id);

CREATE TABLE commission_statement_lines (
    id               INTEGER PRIMARY KEY,
    statement_id     INTEGER NOT NULL REFERENCES commission_statements(id),
    group_id         INTEGER NOT NULL REFERENCES employer_groups(id),
    subscribers      INTEGER NOT NULL CHECK (subscribers >= 0),
    premium_cents    INTEGER NOT NULL,
    rate_bps         INTEGER NOT NULL CHECK (rate_bps >= 0),
    commission_cents INTEGER NOT NULL
);
CREATE INDEX commission_statement_lines_statement ON commission_statement_lines (statement_id, id);
CREATE INDEX commission_statement_lines_group ON commission_statement_lines (group_id);
