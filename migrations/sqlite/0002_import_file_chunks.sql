-- Import files stored in chunks rather than as one value, so a run reads
-- (and an upload writes) a file a piece at a time: memory does not grow
-- with the file. And row outcomes recorded as runs of consecutive rows
-- (row_number to last_row_number): a batch of rows applied is one record. Kept in step with migrations/postgres/0002_import_file_chunks.sql.

CREATE TABLE import_file_chunks (
    id     INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES import_jobs(id),
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    bytes  BLOB NOT NULL,
    UNIQUE (job_id, seq)
);

ALTER TABLE import_jobs ADD COLUMN file_bytes INTEGER NOT NULL DEFAULT 0 CHECK (file_bytes >= 0);
UPDATE import_jobs SET file_bytes = length(content);
INSERT INTO import_file_chunks (job_id, seq, bytes) SELECT id, 0, content FROM import_jobs WHERE length(content) > 0;
ALTER TABLE import_jobs DROP COLUMN content;

ALTER TABLE import_rows ADD COLUMN last_row_number INTEGER NOT NULL DEFAULT 0;
UPDATE import_rows SET last_row_number = row_number;
