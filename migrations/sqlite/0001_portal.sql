-- The portal schema (SQLite). Kept in step with migrations/postgres/0001_portal.sql:
-- same tables, same columns, same indexes; only the types differ
-- (TEXT timestamps written by the app as RFC 3339 UTC, INTEGER booleans, BLOB bytes).

CREATE TABLE staff (
    id          INTEGER PRIMARY KEY,
    login       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('agent','supervisor','admin')),
    status      TEXT NOT NULL CHECK (status IN ('active','disabled')),
    created_at  TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE employers (
    id          INTEGER PRIMARY KEY,
    ein         TEXT NOT NULL UNIQUE,
    legal_name  TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX employers_name ON employers (name_key, id);

CREATE TABLE employer_groups (
    id                      INTEGER PRIMARY KEY,
    employer_id             INTEGER NOT NULL REFERENCES employers(id),
    parent_group_id         INTEGER REFERENCES employer_groups(id),
    group_number            TEXT NOT NULL UNIQUE,
    suffix                  TEXT,
    name                    TEXT NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('active','pending','terminated')),
    original_effective_date TEXT NOT NULL,
    renewal_date            TEXT NOT NULL,
    billing_contact_name    TEXT,
    billing_contact_email   TEXT,
    row_version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX employer_groups_employer ON employer_groups (employer_id, group_number);
CREATE INDEX employer_groups_parent ON employer_groups (parent_group_id);

CREATE TABLE plans (
    id            INTEGER PRIMARY KEY,
    group_id      INTEGER NOT NULL REFERENCES employer_groups(id),
    plan_code     TEXT NOT NULL,
    name          TEXT NOT NULL,
    coverage_type TEXT NOT NULL CHECK (coverage_type IN ('medical','dental','vision')),
    UNIQUE (group_id, plan_code)
);

CREATE TABLE plan_rates (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans(id),
    tier          TEXT NOT NULL CHECK (tier IN ('employee','employee_spouse','employee_children','family')),
    monthly_cents INTEGER NOT NULL CHECK (monthly_cents >= 0),
    effective_on  TEXT NOT NULL,
    UNIQUE (plan_id, tier, effective_on)
);

CREATE TABLE members (
    id              INTEGER PRIMARY KEY,
    member_number   TEXT NOT NULL UNIQUE,
    individual_id   TEXT NOT NULL UNIQUE,
    group_id        INTEGER NOT NULL REFERENCES employer_groups(id),
    subscriber_id   INTEGER REFERENCES members(id),
    member_type     TEXT NOT NULL CHECK (member_type IN ('QB','DIRECT_BILL','SUBSCRIBER','DEPENDENT')),
    relationship    TEXT NOT NULL CHECK (relationship IN ('self','spouse','child')),
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    first_name_key  TEXT NOT NULL,
    last_name_key   TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    gender          TEXT NOT NULL CHECK (gender IN ('F','M','X','U')),
    address_line    TEXT NOT NULL,
    city            TEXT NOT NULL,
    state           TEXT NOT NULL,
    zip             TEXT NOT NULL,
    phone           TEXT,
    email           TEXT,
    language        TEXT NOT NULL,
    ssn_cipher      BLOB,
    ssn_index       BLOB,
    ssn_last4       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('active','pending','terminated','cobra_elected','cobra_expired')),
    created_at      TEXT NOT NULL,
    row_version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX members_ssn_index ON members (ssn_index);
CREATE INDEX members_name ON members (last_name_key, first_name_key, id);
CREATE INDEX members_last4 ON members (ssn_last4, last_name_key);
CREATE INDEX members_group ON members (group_id, id);
CREATE INDEX members_subscriber ON members (subscriber_id);

CREATE TABLE qualifying_events (
    id                    INTEGER PRIMARY KEY,
    member_id             INTEGER NOT NULL REFERENCES members(id),
    event_code            INTEGER NOT NULL CHECK (event_code BETWEEN 1 AND 7),
    event_date            TEXT NOT NULL,
    loss_of_coverage_date TEXT NOT NULL,
    notice_date           TEXT NOT NULL,
    election_date         TEXT,
    disability_extension  INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL
);
CREATE INDEX qualifying_events_member ON qualifying_events (member_id, event_date);

CREATE TABLE enrollments (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members(id),
    plan_id        INTEGER NOT NULL REFERENCES plans(id),
    tier           TEXT NOT NULL,
    coverage_start TEXT NOT NULL,
    coverage_end   TEXT,
    status         TEXT NOT NULL CHECK (status IN ('active','terminated','pending'))
);
CREATE INDEX enrollments_member ON enrollments (member_id, coverage_start);
CREATE INDEX enrollments_plan ON enrollments (plan_id);

CREATE TABLE premiums (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    period_start TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    UNIQUE (member_id, period_start)
);

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    premium_id   INTEGER REFERENCES premiums(id),
    amount_cents INTEGER NOT NULL,
    received_on  TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('check','ach','card')),
    reference    TEXT
);
CREATE INDEX payments_member ON payments (member_id, received_on);
CREATE INDEX payments_premium ON payments (premium_id);

CREATE TABLE communications (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    channel   TEXT NOT NULL CHECK (channel IN ('mail','email','phone')),
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    sent_at   TEXT NOT NULL
);
CREATE INDEX communications_member ON communications (member_id, sent_at);

CREATE TABLE letters (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    letter_type TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX letters_member ON letters (member_id, created_at);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    case_number     TEXT NOT NULL UNIQUE,
    queue           TEXT NOT NULL CHECK (queue IN ('eligibility','enrollment','billing','support')),
    status          TEXT NOT NULL CHECK (status IN ('new','open','awaiting_info','resolved','closed_no_response')),
    priority        INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    subject         TEXT NOT NULL,
    description     TEXT NOT NULL,
    company_name    TEXT NOT NULL,
    group_numbers   TEXT NOT NULL,
    subscriber_name TEXT,
    subscriber_ref  TEXT,
    member_id       INTEGER REFERENCES members(id),
    group_id        INTEGER REFERENCES employer_groups(id),
    retroactive     INTEGER NOT NULL DEFAULT 0,
    submitted_at    TEXT NOT NULL,
    submitted_by    TEXT NOT NULL,
    assignee_id     INTEGER REFERENCES staff(id),
    sla_due_at      TEXT NOT NULL,
    info_due_at     TEXT,
    resolution      TEXT,
    closed_at       TEXT,
    row_version     INTEGER NOT NULL DEFAULT 1
);
-- One index per case view, each matching its view's WHERE, so a page at
-- any depth is an index range scan (see src/store/lists.rs).
CREATE INDEX cases_open_queue ON cases (queue, sla_due_at, priority, id)
    WHERE status IN ('new','open','awaiting_info');
CREATE INDEX cases_open_assignee ON cases (assignee_id, sla_due_at, priority, id)
    WHERE status IN ('new','open','awaiting_info');
CREATE INDEX cases_unassigned_queue ON cases (queue, sla_due_at, priority, id)
    WHERE assignee_id IS NULL AND status IN ('new','open','awaiting_info');
CREATE INDEX cases_unassigned ON cases (sla_due_at, priority, id)
    WHERE assignee_id IS NULL AND status IN ('new','open','awaiting_info');
CREATE INDEX cases_awaiting ON cases (sla_due_at, priority, id) WHERE status = 'awaiting_info';
CREATE INDEX cases_awaiting_due ON cases (info_due_at) WHERE status = 'awaiting_info';
CREATE INDEX cases_all ON cases (sla_due_at, priority, id);
CREATE INDEX cases_member ON cases (member_id);
CREATE INDEX cases_group ON cases (group_id);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    at          TEXT NOT NULL,
    staff_id    INTEGER REFERENCES staff(id),
    kind        TEXT NOT NULL CHECK (kind IN ('created','note_internal','note_submitter','status','assignment','priority','info_requested','info_received')),
    body        TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, at, id);
CREATE INDEX case_events_staff ON case_events (staff_id);

CREATE TABLE case_attachments (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    file_name   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('exception_request_form','census','correspondence','other')),
    size_bytes  INTEGER NOT NULL CHECK (size_bytes >= 0),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id);

CREATE TABLE import_jobs (
    id               INTEGER PRIMARY KEY,
    employer_id      INTEGER NOT NULL REFERENCES employers(id),
    parent_job_id    INTEGER REFERENCES import_jobs(id),
    kind             TEXT NOT NULL CHECK (kind IN ('demographic','dependent','event','plan')),
    file_name        TEXT NOT NULL,
    file_sha256      TEXT NOT NULL,
    content          BLOB NOT NULL,
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
    row_version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX import_jobs_status ON import_jobs (status, uploaded_at, id);
CREATE INDEX import_jobs_uploaded ON import_jobs (uploaded_at, id);
CREATE INDEX import_jobs_sha ON import_jobs (employer_id, file_sha256);

CREATE TABLE import_rows (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES import_jobs(id),
    row_number  INTEGER NOT NULL,
    natural_key TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied','failed','unchanged')),
    UNIQUE (job_id, row_number)
);

CREATE TABLE import_row_errors (
    id         INTEGER PRIMARY KEY,
    job_id     INTEGER NOT NULL REFERENCES import_jobs(id),
    row_number INTEGER NOT NULL,
    field      TEXT NOT NULL,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL,
    raw_values TEXT NOT NULL
);
CREATE INDEX import_row_errors_job ON import_row_errors (job_id, code, row_number);

CREATE TABLE agencies (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    upline_agency_id INTEGER REFERENCES agencies(id),
    tax_id_last4     TEXT NOT NULL,
    created_at       TEXT NOT NULL
);

CREATE TABLE brokers (
    id               INTEGER PRIMARY KEY,
    npn              TEXT NOT NULL UNIQUE,
    agency_id        INTEGER REFERENCES agencies(id),
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    last_name_key    TEXT NOT NULL,
    email            TEXT NOT NULL,
    tax_id_cipher    BLOB NOT NULL,
    tax_id_index     BLOB NOT NULL,
    tax_id_last4     TEXT NOT NULL,
    states_appointed TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active','pending','suspended','terminated')),
    created_at       TEXT NOT NULL,
    row_version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX brokers_name ON brokers (last_name_key, id);
CREATE INDEX brokers_tax_index ON brokers (tax_id_index);
CREATE INDEX brokers_agency ON brokers (agency_id);

CREATE TABLE broker_licenses (
    id             INTEGER PRIMARY KEY,
    broker_id      INTEGER NOT NULL REFERENCES brokers(id),
    state          TEXT NOT NULL,
    license_number TEXT NOT NULL,
    expires_on     TEXT NOT NULL,
    UNIQUE (broker_id, state)
);

CREATE TABLE broker_access_grants (
    id          INTEGER PRIMARY KEY,
    employer_id INTEGER NOT NULL REFERENCES employers(id),
    group_id    INTEGER NOT NULL REFERENCES employer_groups(id),
    broker_id   INTEGER REFERENCES brokers(id),
    agency_id   INTEGER REFERENCES agencies(id),
    can_view    INTEGER NOT NULL DEFAULT 1,
    can_enroll  INTEGER NOT NULL DEFAULT 0,
    can_bill    INTEGER NOT NULL DEFAULT 0,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT,
    granted_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1,
    CHECK ((broker_id IS NULL) <> (agency_id IS NULL))
);
CREATE INDEX broker_access_broker ON broker_access_grants (broker_id, group_id);
CREATE INDEX broker_access_agency ON broker_access_grants (agency_id, group_id);
CREATE INDEX broker_access_group ON broker_access_grants (group_id);
CREATE INDEX broker_access_employer ON broker_access_grants (employer_id, group_id);

CREATE TABLE portal_users (
    id                  INTEGER PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL CHECK (kind IN ('employer','broker_staff')),
    employer_id         INTEGER REFERENCES employers(id),
    broker_id           INTEGER REFERENCES brokers(id),
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('active','locked','pending_registration','disabled')),
    last_login_at       TEXT,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    tool_eligibility    INTEGER NOT NULL DEFAULT 0,
    tool_billing        INTEGER NOT NULL DEFAULT 0,
    tool_commissions    INTEGER NOT NULL DEFAULT 0,
    tool_book           INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    row_version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX portal_users_name ON portal_users (name_key, id);
CREATE INDEX portal_users_status ON portal_users (status, name_key, id);
CREATE INDEX portal_users_broker ON portal_users (broker_id);
CREATE INDEX portal_users_employer ON portal_users (employer_id);

CREATE TABLE one_time_codes (
    id            INTEGER PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('employer_registration','broker_verification','portal_registration','password_reset')),
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('employer','broker','portal_user')),
    subject_id    INTEGER NOT NULL,
    code_hash     BLOB NOT NULL UNIQUE,
    last4         TEXT NOT NULL,
    issued_by     TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active','used','revoked','locked')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    used_at       TEXT,
    revoked_at    TEXT,
    revoke_reason TEXT,
    row_version   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX one_time_codes_subject ON one_time_codes (subject_kind, subject_id, status);
CREATE INDEX one_time_codes_issued ON one_time_codes (issued_at, id);

CREATE TABLE email_outbox (
    id         INTEGER PRIMARY KEY,
    template   TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    entity     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX email_outbox_pending ON email_outbox (sent_at, id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    operator    TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok','refused')),
    reason      TEXT,
    before_json TEXT,
    after_json  TEXT,
    script      TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, id);
CREATE INDEX audit_log_at ON audit_log (at, id);

-- The audit log is append-only: the database itself refuses edits.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case timeline is append-only'); END;
