-- Employers and groups (issue 24): carriers, plan years with their
-- settings (rates by tier stay in plan_rates, one set per plan year, dated
-- by the year's start), bundles of plans, the group's key dates, renewal
-- and billing fields, its contacts, its invoices and payments (money in
-- integer cents; the billing figures are computed from these two tables by
-- src/store/employers.rs), and the account's communications (an employer,
-- or one of its groups). Kept in step with migrations/postgres/0006_employers.sql.

CREATE TABLE carriers (
    id    INTEGER PRIMARY KEY,
    code  TEXT NOT NULL UNIQUE,
    name  TEXT NOT NULL,
    phone TEXT NOT NULL
);

ALTER TABLE plans ADD COLUMN carrier_id INTEGER REFERENCES carriers(id);

CREATE TABLE plan_years (
    id                  INTEGER PRIMARY KEY,
    plan_id             INTEGER NOT NULL REFERENCES plans(id),
    year                INTEGER NOT NULL,
    starts_on           TEXT NOT NULL,
    ends_on             TEXT NOT NULL,
    waiting_period_days INTEGER NOT NULL CHECK (waiting_period_days >= 0),
    cobra_admin_fee_pct INTEGER NOT NULL CHECK (cobra_admin_fee_pct BETWEEN 0 AND 50),
    rating_type         TEXT NOT NULL CHECK (rating_type IN ('composite','age_banded','tiered')),
    UNIQUE (plan_id, year)
);

CREATE TABLE plan_bundles (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES employer_groups(id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    offered_to TEXT NOT NULL CHECK (offered_to IN ('QB','DIRECT_BILL','both')),
    UNIQUE (group_id, code)
);

CREATE TABLE bundle_plans (
    id        INTEGER PRIMARY KEY,
    bundle_id INTEGER NOT NULL REFERENCES plan_bundles(id),
    plan_id   INTEGER NOT NULL REFERENCES plans(id),
    UNIQUE (bundle_id, plan_id)
);

ALTER TABLE employer_groups ADD COLUMN sic_code TEXT;
ALTER TABLE employer_groups ADD COLUMN rating_type TEXT CHECK (rating_type IN ('composite','age_banded','tiered'));
ALTER TABLE employer_groups ADD COLUMN suffix_effective_date TEXT;
ALTER TABLE employer_groups ADD COLUMN cancellation_date TEXT;
ALTER TABLE employer_groups ADD COLUMN renewal_month INTEGER CHECK (renewal_month BETWEEN 1 AND 12);
ALTER TABLE employer_groups ADD COLUMN last_renewal_date TEXT;
ALTER TABLE employer_groups ADD COLUMN billing_address_line TEXT;
ALTER TABLE employer_groups ADD COLUMN billing_city TEXT;
ALTER TABLE employer_groups ADD COLUMN billing_state TEXT;
ALTER TABLE employer_groups ADD COLUMN billing_zip TEXT;
ALTER TABLE employer_groups ADD COLUMN billing_contact_phone TEXT;
ALTER TABLE employer_groups ADD COLUMN waiting_period_days INTEGER CHECK (waiting_period_days >= 0);
UPDATE employer_groups SET renewal_month = CAST(strftime('%m', renewal_date) AS INTEGER);
CREATE INDEX employer_groups_renewal ON employer_groups (renewal_date, id);
CREATE INDEX employer_groups_status ON employer_groups (status, group_number, id);

CREATE TABLE group_contacts (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES employer_groups(id),
    role         TEXT NOT NULL CHECK (role IN ('admin','hr','billing','other')),
    name         TEXT NOT NULL,
    phone        TEXT,
    email        TEXT,
    address_line TEXT,
    city         TEXT,
    state        TEXT,
    zip          TEXT
);
CREATE INDEX group_contacts_group ON group_contacts (group_id, id);

CREATE TABLE group_invoices (
    id               INTEGER PRIMARY KEY,
    group_id         INTEGER NOT NULL REFERENCES employer_groups(id),
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    issued_on        TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    amount_cents     INTEGER NOT NULL CHECK (amount_cents >= 0),
    adjustment_cents INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, period_start)
);
CREATE INDEX group_invoices_group_due ON group_invoices (group_id, due_date);

CREATE TABLE group_payments (
    id           INTEGER PRIMARY KEY,
    group_id     INTEGER NOT NULL REFERENCES employer_groups(id),
    received_on  TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    method       TEXT NOT NULL CHECK (method IN ('check','ach','card','wire')),
    reference    TEXT
);
CREATE INDEX group_payments_group ON group_payments (group_id, received_on, id);

CREATE TABLE account_communications (
    id          INTEGER PRIMARY KEY,
    employer_id INTEGER NOT NULL REFERENCES employers(id),
    group_id    INTEGER REFERENCES employer_groups(id),
    sent_at     TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('mail','email','phone','portal')),
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    sent_by     TEXT NOT NULL
);
CREATE INDEX account_communications_employer ON account_communications (employer_id, sent_at, id);
CREATE INDEX account_communications_group ON account_communications (group_id, sent_at, id);

-- The subscriber list of a group, by name, and the members-turning-65
-- alert, each a range scan within one group.
CREATE INDEX members_group_subscribers ON members (group_id, last_name_key, first_name_key, id) WHERE relationship = 'self';
CREATE INDEX members_group_birth ON members (group_id, birth_date);
CREATE INDEX plans_carrier ON plans (carrier_id);
CREATE INDEX bundle_plans_plan ON bundle_plans (plan_id);
