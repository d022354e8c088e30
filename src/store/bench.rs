//! What `portaldesk bench` reads and writes besides the screens' own
//! queries: set-up rows, sample picks, log folding, and the statements the
//! plain engines (`sqlite3`, `psql`) are timed on.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, NaiveDate, Utc};

use super::{Arg, Backend, Store};
use crate::args;

/// The paging key of the case `depth` rows into the `all` view, found
/// with OFFSET (set-up only: the timed pages start from it by keyset).
pub async fn case_cursor_at(store: &Store, depth: i64) -> Result<Option<Vec<Arg>>, sqlx::Error> {
    let row: Option<(DateTime<Utc>, i64, i64)> = store
        .fetch_optional(
            "SELECT sla_due_at, priority, id FROM cases ORDER BY sla_due_at, priority, id LIMIT 1 OFFSET $1",
            args![depth],
        )
        .await?;
    Ok(row.map(|(t, p, id)| vec![Arg::Time(Some(t)), Arg::I64(Some(p)), Arg::I64(Some(id))]))
}

/// How many cases are on file.
pub async fn case_count(store: &Store) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = store.fetch_one("SELECT count(*) FROM cases", args![]).await?;
    Ok(n)
}

/// The server connections serving this database now (PostgreSQL; this
/// one's included), for the staff load bench; none on SQLite.
pub async fn server_connections(store: &Store) -> Result<Option<i64>, sqlx::Error> {
    if store.backend() == Backend::Sqlite {
        return Ok(None);
    }
    let (n,): (i64,) = store
        .fetch_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
            args![],
        )
        .await?;
    Ok(Some(n))
}

/// How many members are on file.
pub async fn member_count(store: &Store) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = store.fetch_one("SELECT count(*) FROM members", args![]).await?;
    Ok(n)
}

/// The engine's floor under a case page: the first 51 ids by the queue's index.
pub async fn case_floor(store: &Store) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> =
        store.fetch_all("SELECT id FROM cases ORDER BY sla_due_at, priority, id LIMIT 51", args![]).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A member picked to be searched for, with what it is searched by.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SampleMember {
    pub member_number: String,
    pub last_name_key: String,
    pub ssn_cipher: Option<Vec<u8>>,
}

/// The plain engine's member change: the UPDATE and the record read again,
/// without rules, audit or history (the bench's baseline).
pub async fn plain_city_change(store: &Store, number: &str, city: &str) -> Result<(), sqlx::Error> {
    store
        .execute(
            "UPDATE members SET city = $1, row_version = row_version + 1 WHERE member_number = $2",
            args![city, number],
        )
        .await?;
    super::members::file_by_number(store, number).await?;
    Ok(())
}

/// Up to `n` members spread over the table: every `step`-th id.
pub async fn sample_members(store: &Store, step: i64, n: i64) -> Result<Vec<SampleMember>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT member_number, last_name_key, ssn_cipher FROM members WHERE id % $1 = 0 ORDER BY id LIMIT $2",
            args![step, n],
        )
        .await
}

/// Whether a broker with this NPN is on file.
pub async fn broker_exists(store: &Store, npn: &str) -> Result<bool, sqlx::Error> {
    let have: Option<(i64,)> = store.fetch_optional("SELECT id FROM brokers WHERE npn = $1", args![npn]).await?;
    Ok(have.is_some())
}

/// The broker bench's book, before any grant: an employer with `groups`
/// groups numbered `BEN00000`…, and a broker with the given tax ID (its
/// cipher and blind index), in one transaction.
pub struct BenchBook<'a> {
    pub ein: &'a str,
    pub npn: &'a str,
    pub groups: usize,
    pub tax_id_cipher: Vec<u8>,
    pub tax_id_index: Vec<u8>,
    pub now: DateTime<Utc>,
}

/// Stores the broker bench's employer, groups and broker; the group numbers.
pub async fn insert_bench_book(store: &Store, b: BenchBook<'_>) -> Result<Vec<String>, sqlx::Error> {
    let mut tx = store.begin_write().await?;
    let (employer,): (i64,) = tx
        .fetch_one(
            "INSERT INTO employers (ein, legal_name, name_key, created_at) \
             VALUES ($1, 'Bench Holdings', 'benchholdings', $2) RETURNING id",
            args![b.ein, b.now],
        )
        .await?;
    let numbers: Vec<String> = (0..b.groups).map(|i| format!("BEN{i:05}")).collect();
    let today: NaiveDate = b.now.date_naive();
    for number in &numbers {
        tx.execute(
            "INSERT INTO employer_groups (employer_id, group_number, name, status, original_effective_date, renewal_date) \
             VALUES ($1, $2, 'Bench Holdings', 'active', $3, $3)",
            args![employer, number, today],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO brokers (npn, first_name, last_name, last_name_key, email, tax_id_cipher, tax_id_index, tax_id_last4, \
         states_appointed, status, created_at) VALUES ($1, 'Bench', 'Broker', 'broker', 'bench@agency.example', $2, $3, \
         '0001', 'TX', 'active', $4)",
        args![b.npn, b.tax_id_cipher, b.tax_id_index, b.now],
    )
    .await?;
    tx.commit().await?;
    Ok(numbers)
}

/// The first group on file and its employer's EIN: (group number, EIN).
pub async fn first_group(store: &Store) -> Result<Option<(String, String)>, sqlx::Error> {
    store
        .fetch_optional(
            "SELECT g.group_number, e.ein FROM employer_groups g JOIN employers e ON e.id = g.employer_id \
             ORDER BY g.id LIMIT 1",
            args![],
        )
        .await
}

/// Folds SQLite's log wholly into the database file; false when another
/// connection held it meanwhile (try again).
pub async fn fold_wal(store: &Store) -> Result<bool, sqlx::Error> {
    let (busy, _, _): (i64, i64, i64) = store.fetch_one("PRAGMA wal_checkpoint(TRUNCATE)", args![]).await?;
    Ok(busy == 0)
}

/// Writes PostgreSQL's dirty pages out (a superuser's right: an error otherwise).
pub async fn checkpoint(store: &Store) -> Result<(), sqlx::Error> {
    store.execute("CHECKPOINT", args![]).await?;
    Ok(())
}

/// The columns of the bench's demographic file, as the plain engine's tables hold them.
const COLS: &str = "group_number TEXT, ssn TEXT, first_name TEXT, last_name TEXT, birth_date TEXT, gender TEXT, \
                    address_line TEXT, city TEXT, state TEXT, zip TEXT";

/// The two plain-engine loads of the bench's file `csv` (see
/// `bench::plain_engine`), as the `sqlite3` or `psql` commands to time:
/// into the members table (of `copy` on SQLite, the database at `url` in
/// a rolled-back transaction on PostgreSQL), and into an empty table of
/// the file's columns with three indexes.
pub async fn plain_engine_commands(
    store: &Store,
    dir: &Path,
    copy: &Path,
    csv: &Path,
    url: &str,
) -> Result<(Command, Command), sqlx::Error> {
    let (group, next): (i64, i64) = store
        .fetch_one(
            "SELECT (SELECT MIN(id) FROM employer_groups), (SELECT COALESCE(MAX(id), 0) + 1 FROM members)",
            args![],
        )
        .await?;
    // Numbers from the database and the caller's constants only.
    let members = |n: &str, cipher: &str, index: &str, born: &str, at: &str| {
        format!(
            "INSERT INTO members (id, member_number, individual_id, group_id, member_type, relationship, first_name, \
             last_name, first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, language, \
             ssn_cipher, ssn_index, ssn_last4, status, created_at) \
             SELECT {next} + {n}, 'P' || ({next} + {n}), 'Q' || ({next} + {n}), {group}, 'SUBSCRIBER', 'self', \
             first_name, last_name, lower(first_name), lower(last_name), {born}, gender, address_line, city, state, zip, \
             'English', {cipher}, {index}, substr(ssn, 8, 4), 'active', {at} FROM s"
        )
    };
    Ok(match store.backend() {
        Backend::Sqlite => {
            let mut into_members = Command::new("sqlite3");
            into_members
                .arg(copy)
                .arg("PRAGMA journal_mode = WAL")
                .arg(format!("PRAGMA cache_size = {}", super::SQLITE_BULK_CACHE));
            into_members.arg(format!("CREATE TEMP TABLE s ({COLS})"));
            into_members.arg(format!(".import --csv --skip 1 {} s", csv.display()));
            into_members.arg(format!(
                "BEGIN; {}; COMMIT",
                members(
                    "rowid",
                    "randomblob(40)",
                    "randomblob(32)",
                    "birth_date",
                    "'2026-11-23T00:00:00.000000+00:00'"
                )
            ));
            let mut into_empty = Command::new("sqlite3");
            into_empty.arg(dir.join("plain.sqlite")).arg(format!(
                "CREATE TABLE m ({COLS}); CREATE INDEX m_ssn ON m (ssn); \
                 CREATE INDEX m_name ON m (last_name, first_name); CREATE INDEX m_group ON m (group_number)"
            ));
            into_empty.arg(format!(".import --csv --skip 1 {} m", csv.display()));
            (into_members, into_empty)
        }
        Backend::Postgres => {
            let copy = |table: &str| format!("\\copy {table} FROM '{}' WITH (FORMAT csv, HEADER true)", csv.display());
            let mut into_members = Command::new("psql");
            into_members.arg(url).args(["-q", "-v", "ON_ERROR_STOP=1", "-c", "BEGIN"]);
            into_members.args(["-c", &format!("CREATE TEMP TABLE s ({COLS}, n BIGINT GENERATED ALWAYS AS IDENTITY)")]);
            into_members.args([
                "-c",
                &copy(
                    "s (group_number, ssn, first_name, last_name, birth_date, gender, address_line, city, state, zip)",
                ),
            ]);
            let insert = members("n", "sha512(ssn::bytea)", "sha256(ssn::bytea)", "birth_date::date", "now()");
            into_members.args(["-c", &insert, "-c", "ROLLBACK"]);
            let mut into_empty = Command::new("psql");
            into_empty.arg(url).args(["-q", "-v", "ON_ERROR_STOP=1", "-c"]);
            into_empty.arg(format!(
                "SET client_min_messages = warning; DROP TABLE IF EXISTS pd_bench_m; CREATE TABLE pd_bench_m ({COLS}); \
                 CREATE INDEX ON pd_bench_m (ssn); CREATE INDEX ON pd_bench_m (last_name, first_name); \
                 CREATE INDEX ON pd_bench_m (group_number)"
            ));
            into_empty.args(["-c", &copy("pd_bench_m"), "-c", "DROP TABLE pd_bench_m"]);
            (into_members, into_empty)
        }
    })
}

/// The group bench's parent group (and its suffix `-01`) by number: its id, if set up.
pub async fn bench_group(store: &Store, number: &str) -> Result<Option<i64>, sqlx::Error> {
    let have: Option<(i64,)> =
        store.fetch_optional("SELECT id FROM employer_groups WHERE group_number = $1", args![number]).await?;
    Ok(have.map(|(id,)| id))
}

/// Sets up the group bench: an employer with a parent group `number` and
/// its suffix `number-01`, and `per_group` subscribers of the demo moved
/// into each (the lowest ids first; their dependents stay where they were),
/// with their bills copied from the first group's. Returns the parent's id.
pub async fn insert_bench_groups(
    store: &Store,
    ein: &str,
    number: &str,
    per_group: i64,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let mut tx = store.begin_write().await?;
    let (employer,): (i64,) = tx
        .fetch_one(
            "INSERT INTO employers (ein, legal_name, name_key, created_at) \
             VALUES ($1, 'Bench Large Group', 'benchlargegroup', $2) RETURNING id",
            args![ein, now],
        )
        .await?;
    let today: NaiveDate = now.date_naive();
    let (parent,): (i64,) = tx
        .fetch_one(
            "INSERT INTO employer_groups (employer_id, group_number, name, status, original_effective_date, renewal_date, \
             renewal_month) VALUES ($1, $2, 'Bench Large Group', 'active', $3, $3, 1) RETURNING id",
            args![employer, number, today],
        )
        .await?;
    let (suffix,): (i64,) = tx
        .fetch_one(
            "INSERT INTO employer_groups (employer_id, parent_group_id, group_number, suffix, name, status, \
             original_effective_date, suffix_effective_date, renewal_date, renewal_month) \
             VALUES ($1, $2, $3, '01', 'Bench Large Group West', 'active', $4, $4, $4, 1) RETURNING id",
            args![employer, parent, format!("{number}-01"), today],
        )
        .await?;
    for group in [parent, suffix] {
        tx.execute(
            "UPDATE members SET group_id = $1 WHERE id IN (SELECT id FROM members WHERE relationship = 'self' \
             AND group_id NOT IN ($2, $3) ORDER BY id LIMIT $4)",
            args![group, parent, suffix, per_group],
        )
        .await?;
        tx.execute(
            "INSERT INTO group_invoices (group_id, period_start, period_end, issued_on, due_date, amount_cents, \
             adjustment_cents) SELECT $1, period_start, period_end, issued_on, due_date, amount_cents, adjustment_cents \
             FROM group_invoices WHERE group_id = (SELECT MIN(id) FROM employer_groups)",
            args![group],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(parent)
}

/// The plain engine writing the group bench's family export as CSV: the
/// same rows and columns (SSNs masked, the plan named, by group and name),
/// with `sqlite3 -csv` or `psql \copy (query) TO`, into `out`.
pub fn plain_export_command(store: &Store, url: &str, parent: i64, out: &Path) -> Command {
    // The parent's id is a number from the database: nothing typed is in it.
    let query = format!(
        "SELECT g.group_number, m.member_number, m.last_name, m.first_name, m.member_type, m.birth_date, \
         '***-**-' || m.ssn_last4, (SELECT p.coverage_type || ' - ' || p.name FROM enrollments n \
         JOIN plans p ON p.id = n.plan_id WHERE n.member_id = m.id \
         ORDER BY CASE WHEN n.status = 'active' THEN 0 ELSE 1 END, p.id LIMIT 1), m.status \
         FROM members m JOIN employer_groups g ON g.id = m.group_id \
         WHERE m.relationship = 'self' AND (g.id = {parent} OR g.parent_group_id = {parent}) \
         ORDER BY m.group_id, m.last_name_key, m.first_name_key, m.id"
    );
    match store.backend() {
        Backend::Sqlite => {
            let mut c = Command::new("sqlite3");
            c.args(["-csv", "-header"]).arg(super::sqlite_path(url)).arg(format!(".output {}", out.display()));
            c.arg(query);
            c
        }
        Backend::Postgres => {
            let mut c = Command::new("psql");
            c.arg(url).args(["-q", "-v", "ON_ERROR_STOP=1", "-c"]);
            c.arg(format!("\\copy ({query}) TO '{}' WITH (FORMAT csv, HEADER true)", out.display()));
            c
        }
    }
}

/// The plain engine writing the QB roster's rows (`reports::QB_ROSTER_PLAIN`)
/// as CSV with a header to `out`: `sqlite3 -csv` on the database file, or
/// `psql` with `\copy (query) TO`.
pub fn qb_roster_plain_command(store: &Store, url: &str, out: &Path) -> Command {
    let query = super::reports::QB_ROSTER_PLAIN;
    match store.backend() {
        Backend::Sqlite => {
            let mut c = Command::new("sqlite3");
            c.args(["-csv", "-header", "-readonly"]).arg(super::sqlite_path(url)).arg(query);
            c
        }
        Backend::Postgres => {
            let mut c = Command::new("psql");
            c.arg(url).args(["-q", "-v", "ON_ERROR_STOP=1", "-c"]);
            c.arg(format!("\\copy ({query}) TO '{}' WITH (FORMAT csv, HEADER true)", out.display()));
            c
        }
    }
}

/// Report jobs queued or running (the bench runs its own jobs alone).
pub async fn report_jobs_waiting(store: &Store) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        store.fetch_one("SELECT count(*) FROM report_jobs WHERE status IN ('queued','running')", args![]).await?;
    Ok(n)
}

/// Deletes one of the bench's report jobs and its output, so repeated
/// runs do not fill the database.
pub async fn delete_report_job(store: &Store, job: i64) -> Result<(), sqlx::Error> {
    let mut tx = store.begin_write().await?;
    tx.execute("DELETE FROM report_output_chunks WHERE job_id = $1", args![job]).await?;
    tx.execute("DELETE FROM report_jobs WHERE id = $1", args![job]).await?;
    tx.commit().await
}
