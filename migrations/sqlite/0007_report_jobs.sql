-- Reports run as jobs (src/ops/reports.rs): a job names a report of the
-- catalogue (src/domain/report_catalogue.rs) with its checked parameters;
-- a worker claims it under a lease (a killed worker's job is claimed again
-- when the lease runs out, its partial output dropped, so no output is
-- ever written twice), and writes its CSV in chunks as import files are
-- stored. Schedules enqueue one job per slot: (schedule_id, slot_at) is
-- unique, so two workers catching up the same slot run it once.
-- Kept in step with migrations/postgres/0007_report_jobs.sql.

CREATE TABLE report_schedules (
    id           INTEGER PRIMARY KEY,
    report       TEXT NOT NULL,
    params       TEXT NOT NULL,
    repeat       TEXT NOT NULL CHECK (repeat IN ('once','daily','weekly','monthly')),
    repeat_on    INTEGER,
    start_date   TEXT NOT NULL,
    at_time      TEXT NOT NULL,
    zone         TEXT NOT NULL,
    paused       INTEGER NOT NULL DEFAULT 0,
    last_slot_at TEXT,
    next_at      TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    row_version  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX report_schedules_next ON report_schedules (paused, next_at);

CREATE TABLE report_jobs (
    id           INTEGER PRIMARY KEY,
    report       TEXT NOT NULL,
    params       TEXT NOT NULL,
    schedule_id  INTEGER REFERENCES report_schedules(id),
    slot_at      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled')),
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    worker       TEXT,
    attempt      INTEGER NOT NULL DEFAULT 0,
    lease_until  TEXT,
    started_at   TEXT,
    finished_at  TEXT,
    rows_written INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    row_version  INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX report_jobs_claim ON report_jobs (status, requested_at, id);
CREATE UNIQUE INDEX report_jobs_slot ON report_jobs (schedule_id, slot_at);

CREATE TABLE report_output_chunks (
    id     INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES report_jobs(id),
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    bytes  BLOB NOT NULL,
    UNIQUE (job_id, seq)
);
