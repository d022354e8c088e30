-- Import jobs of kind 'x12-834' (ASC X12 834 enrollment files). Kept in
-- step with migrations/sqlite/0008_x12_834_imports.sql.

ALTER TABLE import_jobs DROP CONSTRAINT import_jobs_kind_check;
ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_kind_check
    CHECK (kind IN ('demographic','dependent','event','plan','x12-834'));
