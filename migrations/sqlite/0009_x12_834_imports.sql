-- Import jobs of kind 'x12-834' (ASC X12 834 enrollment files). SQLite
-- cannot change a CHECK constraint in place: import_jobs is made anew with
-- the kind added, and with it the three tables whose rows name a job (a
-- table named by foreign keys cannot be dropped while their rows exist,
-- even with the checks deferred). The new tables name import_jobs_new, and
-- renaming it to import_jobs renames their references with it. Rows and ids
-- are copied as they are.
-- Kept in step with migrations/postgres/0008_x12_834_imports.sql.

CREATE TABLE import_jobs_new (
    id               INTEGER PRIMARY KEY,
    employer_id      INTEGER NOT NULL REFERENCES employers(id),
    parent_job_id    INTEGER REFERENCES import_jobs_new(id),
    kind             TEXT NOT NULL CHECK (kind IN ('demographic','dependent','event','plan','x12-834')),
    file_name        TEXT NOT NULL,
    file_sha256      TEXT NOT NULL,
    uploaded_at      TEXT NOT NULL,
    uploaded_by      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','partial','abandoned')),
    total_rows       INTEGER NOT NULL DEFAULT 0,
    ok_rows          INTEGER NOT NULL DEFAULT 0,
    failed_rows      INTEGER NOT NULL DEFAULT 0,
    file_error       TEXT,
    started_at       TEXT,
    finished_at      TEXT,
    abandoned_reason TEXT,
    row_version      INTEGER NOT NULL DEFAULT 1,
    file_bytes       INTEGER NOT NULL DEFAULT 0 CHECK (file_bytes >= 0)
);
INSERT INTO import_jobs_new (id, employer_id, parent_job_id, kind, file_name, file_sha256, uploaded_at, uploaded_by,
    status, total_rows, ok_rows, failed_rows, file_error, started_at, finished_at, abandoned_reason, row_version,
    file_bytes)
SELECT id, employer_id, parent_job_id, kind, file_name, file_sha256, uploaded_at, uploaded_by, status, total_rows,
    ok_rows, failed_rows, file_error, started_at, finished_at, abandoned_reason, row_version, file_bytes
FROM import_jobs;

CREATE TABLE import_rows_new (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES import_jobs_new(id),
    row_number      INTEGER NOT NULL,
    natural_key     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('applied','failed','unchanged')),
    last_row_number INTEGER NOT NULL DEFAULT 0,
    UNIQUE (job_id, row_number)
);
INSERT INTO import_rows_new (id, job_id, row_number, natural_key, status, last_row_number)
SELECT id, job_id, row_number, natural_key, status, last_row_number FROM import_rows;

CREATE TABLE import_row_errors_new (
    id         INTEGER PRIMARY KEY,
    job_id     INTEGER NOT NULL REFERENCES import_jobs_new(id),
    row_number INTEGER NOT NULL,
    field      TEXT NOT NULL,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL,
    raw_values TEXT NOT NULL
);
INSERT INTO import_row_errors_new (id, job_id, row_number, field, code, message, raw_values)
SELECT id, job_id, row_number, field, code, message, raw_values FROM import_row_errors;

CREATE TABLE import_file_chunks_new (
    id     INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES import_jobs_new(id),
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    bytes  BLOB NOT NULL,
    UNIQUE (job_id, seq)
);
INSERT INTO import_file_chunks_new (id, job_id, seq, bytes) SELECT id, job_id, seq, bytes FROM import_file_chunks;

DROP TABLE import_file_chunks;
DROP TABLE import_row_errors;
DROP TABLE import_rows;
DROP TABLE import_jobs;
ALTER TABLE import_jobs_new RENAME TO import_jobs;
ALTER TABLE import_rows_new RENAME TO import_rows;
ALTER TABLE import_row_errors_new RENAME TO import_row_errors;
ALTER TABLE import_file_chunks_new RENAME TO import_file_chunks;

CREATE INDEX import_jobs_status ON import_jobs (status, uploaded_at, id);
CREATE INDEX import_jobs_uploaded ON import_jobs (uploaded_at, id);
CREATE INDEX import_jobs_sha ON import_jobs (employer_id, file_sha256);
CREATE INDEX import_row_errors_job ON import_row_errors (job_id, code, row_number);
