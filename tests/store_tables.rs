//! Every table round-trips through the store on both engines: each column
//! is bound with the store's own `Arg` encoding and read back decoded into
//! its Rust type, equal to what went in (timestamps to the microsecond,
//! dates, booleans, bytes, non-ASCII text). Also: the two migration folders
//! define the same tables, columns and indexes, and migrating twice is a no-op.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::store::testing::Sql;
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Arg, Backend, Cell, Store};

fn int(v: i64) -> Arg {
    Arg::I64(Some(v))
}
fn text(v: &str) -> Arg {
    Arg::Text(Some(v.to_owned()))
}
fn time() -> Arg {
    Arg::Time(Some(Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 15).unwrap() + chrono::Duration::microseconds(123_456)))
}
fn date() -> Arg {
    Arg::Date(Some(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()))
}
fn bytes() -> Arg {
    Arg::Bytes(Some(vec![0, 1, 2, 0x7f, 0x80, 0xff]))
}

/// Reads one column back as the type its sample was written as.
async fn read_back(store: &Store, table: &'static str, col: &'static str, like: &Arg) -> Arg {
    read_row(store, table, col, like, 1).await
}

async fn read_row(store: &Store, table: &'static str, col: &'static str, like: &Arg, id: i64) -> Arg {
    let mut q = Sql::new("SELECT ");
    q.push(col).push(" FROM ").push(table).push(" WHERE id = ").bind(id);
    let (sql, a) = q.into_parts();
    match like {
        Arg::I64(_) => Arg::I64(store.fetch_one::<(Option<i64>,)>(sql, a).await.unwrap().0),
        Arg::Text(_) => Arg::Text(store.fetch_one::<(Option<String>,)>(sql, a).await.unwrap().0),
        Arg::Bool(_) => Arg::Bool(store.fetch_one::<(Option<bool>,)>(sql, a).await.unwrap().0),
        Arg::Time(_) => Arg::Time(store.fetch_one::<(Option<DateTime<Utc>>,)>(sql, a).await.unwrap().0),
        Arg::Date(_) => Arg::Date(store.fetch_one::<(Option<NaiveDate>,)>(sql, a).await.unwrap().0),
        Arg::Bytes(_) => Arg::Bytes(store.fetch_one::<(Option<Vec<u8>>,)>(sql, a).await.unwrap().0),
    }
}

/// Removes the rows the migrations seed (the audit chain's head, the kept
/// case counts), so the samples' own rows of those tables can be written.
async fn clear_seeded(store: &Store) {
    store.execute("DELETE FROM audit_chain_head", args![]).await.unwrap();
    store.execute("DELETE FROM case_counts", args![]).await.unwrap();
}

async fn insert(store: &Store, table: &'static str, cols: &[(&'static str, Arg)]) {
    let mut q = Sql::new("INSERT INTO ");
    q.push(table).push(" (");
    for (i, (c, _)) in cols.iter().enumerate() {
        q.push(if i == 0 { "" } else { ", " }).push(c);
    }
    q.push(") VALUES (");
    for (i, (_, v)) in cols.iter().enumerate() {
        q.push(if i == 0 { "" } else { ", " }).bind(v.clone());
    }
    q.push(")");
    let (sql, a) = q.into_parts();
    store.execute(sql, a).await.unwrap_or_else(|e| panic!("insert into {table}: {e}"));
}

#[tokio::test]
async fn every_column_of_every_table_round_trips() {
    for db in common::all_backends().await {
        clear_seeded(&db.store).await;
        for (table, cols) in samples() {
            insert(&db.store, table, &cols).await;
            for (col, written) in &cols {
                let read = read_back(&db.store, table, col, written).await;
                assert_eq!(&read, written, "{}: {table}.{col}", db.label);
            }
        }
    }
}

/// The same through the bulk path (`COPY` on PostgreSQL), plus text with
/// every character COPY's text format escapes.
#[tokio::test]
async fn every_column_round_trips_through_bulk_inserts() {
    for db in common::all_backends().await {
        clear_seeded(&db.store).await;
        for (table, cols) in samples() {
            let names: &'static [&'static str] = Box::leak(cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().into());
            let mut tx = db.store.begin_write().await.unwrap();
            let n = tx.insert_rows(table, names, cols.iter().map(|(_, v)| v.clone()).collect()).await;
            assert_eq!(n.unwrap_or_else(|e| panic!("{}: {table}: {e}", db.label)), 1);
            tx.commit().await.unwrap();
            for (col, written) in &cols {
                let read = read_back(&db.store, table, col, written).await;
                assert_eq!(&read, written, "{}: {table}.{col}", db.label);
            }
        }
        let awkward = text("tab\there, back\\slash, new\nline, return\r, \\N, \\x00, ∅");
        let mut tx = db.store.begin_write().await.unwrap();
        let row = args![2_i64, 1_i64, 4_i64, "f", "c", awkward.clone(), Arg::Text(None)];
        let cols = &["id", "job_id", "row_number", "field", "code", "message", "raw_values"];
        // raw_values is NOT NULL: the NULL must arrive as NULL, not as text.
        assert!(tx.insert_rows("import_row_errors", cols, row).await.is_err(), "{}", db.label);
        drop(tx);
        let mut tx = db.store.begin_write().await.unwrap();
        let row = args![2_i64, 1_i64, 4_i64, "f", "c", awkward.clone(), ""];
        tx.insert_rows("import_row_errors", cols, row).await.unwrap();
        tx.commit().await.unwrap();
        let read = read_row(&db.store, "import_row_errors", "message", &awkward, 2).await;
        assert_eq!(read, awkward, "{}", db.label);

        // Values bound where they lie (SQLite): each row still gets its own.
        let rows = [(10_i64, "ssn", "c1", "m"), (11, "ssn", "c2", "m"), (12, "zip", "c1", "m"), (13, "zip", "c1", "")];
        let values = rows.iter().flat_map(|&(id, f, c, m)| args![id, 1_i64, id, f, c, m, f]).collect();
        let mut tx = db.store.begin_write().await.unwrap();
        assert_eq!(tx.insert_rows("import_row_errors", cols, values).await.unwrap(), 4, "{}", db.label);
        tx.commit().await.unwrap();
        let read: Vec<(i64, String, String, String, String)> = db
            .store
            .fetch_all(
                "SELECT id, field, code, message, raw_values FROM import_row_errors WHERE id >= 10 ORDER BY id",
                vec![],
            )
            .await
            .unwrap();
        let expected: Vec<_> = rows.iter().map(|&(id, f, c, m)| (id, f.into(), c.into(), m.into(), f.into())).collect();
        assert_eq!(read, expected, "{}", db.label);
    }
}

#[tokio::test]
async fn many_rows_go_in_by_several_statements_and_a_broken_key_says_so() {
    for db in common::all_backends().await {
        let cols = &["id", "login", "name", "role", "status", "created_at"];
        // More rows than one SQLite statement takes, and a part of one more.
        let rows = 1000_i64;
        let values = (1..=rows).flat_map(|i| args![i, format!("u{i:04}"), "N", "agent", "active", time()]).collect();
        let mut tx = db.store.begin_write().await.unwrap();
        assert_eq!(tx.insert_rows("staff", cols, values).await.unwrap(), rows as u64, "{}", db.label);
        tx.commit().await.unwrap();
        let (n, ids, last): (i64, i64, String) = db
            .store
            .fetch_one("SELECT count(*), CAST(sum(id) AS BIGINT), max(login) FROM staff", vec![])
            .await
            .unwrap();
        assert_eq!((n, ids, last.as_str()), (rows, rows * (rows + 1) / 2, "u1000"), "{}", db.label);
        assert_eq!(read_row(&db.store, "staff", "created_at", &time(), rows).await, time(), "{}", db.label);
        let mut tx = db.store.begin_write().await.unwrap();
        let again =
            args![rows + 1, "new", "N", "agent", "active", time(), rows + 2, "u0007", "N", "agent", "active", time()];
        let e = tx.insert_rows("staff", cols, again).await.unwrap_err();
        let unique = e.as_database_error().is_some_and(|d| d.is_unique_violation());
        assert!(unique, "{}: {e}", db.label);
        drop(tx);
        let (n,): (i64,) = db.store.fetch_one("SELECT count(*) FROM staff", vec![]).await.unwrap();
        assert_eq!(n, rows, "{}: the failed insert left nothing", db.label);
    }
}

/// A direct statement is prepared for exactly the values each run binds
/// (`Stmt<N>` takes `[Cell; N]`): preparing it for fewer or more than the
/// statement's parameters is refused before anything runs, and so is a
/// bulk row one value short.
#[tokio::test]
async fn direct_statements_refuse_what_they_cannot_run() {
    for db in common::all_backends().await {
        let mut tx = db.store.begin_write().await.unwrap();
        let r = tx
            .direct(|d| {
                let bad = d.prepare::<0>("SELEC 1").err().map(|e| e.to_string()).unwrap_or_default();
                let short = d.prepare::<1>("SELECT ?1 + ?2").err().map(|e| e.to_string()).unwrap_or_default();
                let long = d.prepare::<3>("SELECT ?1 + ?2").err().map(|e| e.to_string()).unwrap_or_default();
                let mut two = d.prepare::<2>("SELECT ?1 + ?2")?;
                let mut sum = 0;
                two.run(&[Cell::Int(2), Cell::Int(3)], |r| sum = r.int(0))?;
                // A second run binds its own values, none left from the first.
                two.run(&[Cell::Int(10), Cell::Null], |r| sum += r.int(0))?;
                Ok((bad, short, long, sum))
            })
            .await;
        match db.store.backend() {
            Backend::Sqlite => {
                let (bad, short, long, sum) = r.unwrap();
                assert!(bad.contains("syntax error"), "{bad}");
                assert!(short.contains("a statement of 2 parameters prepared to be run with 1 values"), "{short}");
                assert!(long.contains("a statement of 2 parameters prepared to be run with 3 values"), "{long}");
                assert_eq!(sum, 5, "NULL + 10 is NULL, read as 0");
            }
            Backend::Postgres => assert!(r.is_err(), "direct statements are SQLite's"),
        }
        let cols: &'static [&'static str] = &["id", "login", "name", "role", "status", "created_at"];
        let at = Utc::now();
        let short_row = [[Cell::Int(1), Cell::Text("a"), Cell::Text("A"), Cell::Text("agent"), Cell::Text("active")]];
        let e = tx.insert_cells("staff", cols, &short_row).await.unwrap_err().to_string();
        assert!(e.contains("staff: a row of 5 values for 6 columns"), "{}: {e}", db.label);
        let whole = [[
            Cell::Int(1),
            Cell::Text("a"),
            Cell::Text("A"),
            Cell::Text("agent"),
            Cell::Text("active"),
            Cell::Time(&at),
        ]];
        assert_eq!(tx.insert_cells("staff", cols, &whole).await.unwrap(), 1, "{}", db.label);
    }
}

/// Each stored value of `table.col` as the engine holds it, row by row:
/// SQLite's literal and storage class, PostgreSQL's text form and type.
async fn stored(store: &Store, table: &'static str, col: &'static str) -> Vec<String> {
    let mut q = Sql::new(store.pick("SELECT quote(", "SELECT COALESCE(CAST("));
    q.push(col).push(store.pick(") || ' ' || typeof(", " AS TEXT), 'NULL') || ' ' || CAST(pg_typeof("));
    q.push(col).push(store.pick(") FROM ", ") AS TEXT) FROM ")).push(table).push(" ORDER BY 1");
    let (sql, a) = q.into_parts();
    let rows: Vec<(String,)> = store.fetch_all(sql, a).await.unwrap_or_else(|e| panic!("{table}.{col}: {e}"));
    rows.into_iter().map(|r| r.0).collect()
}

/// The bulk path (SQLite's direct statements, PostgreSQL's COPY) stores
/// every column of every table exactly as the store's ordinary sqlx
/// inserts do: the same rows written both ways into two databases, then
/// compared column by column as each engine holds them.
#[tokio::test]
async fn the_bulk_path_stores_what_sqlx_inserts_store() {
    let by_sqlx = common::all_backends().await;
    let by_bulk = common::all_backends().await;
    for (plain, bulk) in by_sqlx.iter().zip(&by_bulk) {
        clear_seeded(&plain.store).await;
        clear_seeded(&bulk.store).await;
        for (table, cols) in samples() {
            insert(&plain.store, table, &cols).await;
            let names: &'static [&'static str] = Box::leak(cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().into());
            let mut tx = bulk.store.begin_write().await.unwrap();
            tx.insert_rows(table, names, cols.iter().map(|(_, v)| v.clone()).collect()).await.unwrap();
            tx.commit().await.unwrap();
            for (col, _) in &cols {
                let (a, b) = (stored(&plain.store, table, col).await, stored(&bulk.store, table, col).await);
                assert_eq!(b, a, "{}: {table}.{col} by the bulk path vs by sqlx", bulk.label);
                assert_eq!(a.len(), 1, "{}: {table}.{col}", plain.label);
            }
        }
    }
}

async fn schema(store: &Store) -> (Vec<(String, String)>, Vec<String>) {
    let sql = store.pick(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite%' ORDER BY m.name, p.cid",
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name, ordinal_position",
    );
    let cols: Vec<(String, String)> = store.fetch_all(sql, args![]).await.unwrap();
    let sql = store.pick(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        "SELECT indexname::text FROM pg_indexes i WHERE schemaname = current_schema() \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY indexname",
    );
    let idx: Vec<(String,)> = store.fetch_all(sql, args![]).await.unwrap();
    (cols, idx.into_iter().map(|r| r.0).collect())
}

#[tokio::test]
async fn both_migrations_define_the_same_schema_and_the_samples_cover_it() {
    let lite = common::sqlite().await;
    let (cols, idx) = schema(&lite.store).await;
    let covered: Vec<(String, String)> = samples()
        .into_iter()
        .flat_map(|(t, c)| c.into_iter().map(move |(n, _)| (t.to_owned(), n.to_owned())))
        .collect();
    let mut sorted = covered.clone();
    sorted.sort();
    let mut want = cols.clone();
    want.sort();
    assert_eq!(sorted, want, "the samples must cover every column of every table");
    assert!(idx.len() > 30, "{idx:?}");
    if let Some(pg) = common::postgres().await {
        let (pcols, pidx) = schema(&pg.store).await;
        let mut pc = pcols.clone();
        pc.sort();
        assert_eq!(pc, want, "SQLite and PostgreSQL tables and columns differ");
        assert_eq!(pidx, idx, "SQLite and PostgreSQL indexes differ");
    }
}

/// Two processes opening a new SQLite file at once (staff starting
/// together after an upgrade) both get a migrated database; neither fails
/// on what the other created.
#[tokio::test]
async fn two_opens_migrating_one_sqlite_file_at_once_both_succeed() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("race.sqlite").display());
        let opts = portaldesk::store::OpenOptions { create: true, ..Default::default() };
        let (a, b) = tokio::join!(Store::open(&url, &opts), Store::open(&url, &opts));
        let (a, b) =
            (a.unwrap_or_else(|e| panic!("round {round}: {e}")), b.unwrap_or_else(|e| panic!("round {round}: {e}")));
        let (n,): (i64,) = a.fetch_one("SELECT count(*) FROM _sqlx_migrations", args![]).await.unwrap();
        let (m,): (i64,) = b.fetch_one("SELECT count(*) FROM _sqlx_migrations", args![]).await.unwrap();
        let known = std::fs::read_dir("migrations/sqlite").unwrap().count() as i64;
        assert_eq!((n, m), (known, known), "round {round}");
        a.close().await;
        b.close().await;
    }
}

#[tokio::test]
async fn migrating_again_changes_nothing() {
    for db in common::all_backends().await {
        let before = schema(&db.store).await;
        let (table, cols) = samples().into_iter().next().unwrap();
        insert(&db.store, table, &cols).await;
        if db.label == "pgbouncer" {
            // Behind a transaction pooler the migrator's session lock cannot
            // hold: it refuses and names the way that works.
            let e = db.store.migrate().await.unwrap_err().to_string();
            assert!(e.contains("against the server directly"), "{e}");
            continue;
        }
        db.store.migrate().await.expect("second migration");
        db.store.migrate().await.expect("third migration");
        assert_eq!(schema(&db.store).await, before, "{}", db.label);
        let (n,): (i64,) = db.store.fetch_one("SELECT count(*) FROM staff", args![]).await.unwrap();
        assert_eq!(n, 1, "{}", db.label);
    }
}

/// A database made by the first migration only: an employer and a job
/// whose file is stored whole, in the column that came before chunks,
/// and one row of it recorded.
const FIRST_SCHEMA_ROWS: [&str; 3] = [
    "INSERT INTO employers (id, ein, legal_name, name_key, created_at) \
     VALUES (1, '12-3456789', 'Acme', 'acme', '2026-01-01T00:00:00Z')",
    "INSERT INTO import_jobs (id, employer_id, kind, file_name, file_sha256, content, uploaded_at, uploaded_by, status) \
     VALUES (1, 1, 'plan', 'p.csv', 'x', CONTENT, '2026-01-01T00:00:00Z', 'hr', 'queued')",
    "INSERT INTO import_rows (job_id, row_number, natural_key, status) VALUES (1, 2, 'k', 'applied')",
];

#[tokio::test]
async fn an_older_database_keeps_its_import_files_when_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let lite = format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite").display());
    let mut urls = vec![(lite, "sqlite")];
    if let Some(base) = common::pg_url() {
        urls.push((common::pg_schema_url(&base).await, "postgres"));
    }
    let folder = |engine: &str| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    for (url, engine) in urls {
        let migrator = sqlx::migrate::Migrator::new(folder(engine)).await.unwrap();
        // "a,b" as stored bytes, written as each engine writes a literal.
        let content = if engine == "sqlite" { "X'612C62'" } else { "'\\x612C62'::bytea" };
        let rows = FIRST_SCHEMA_ROWS.map(|s| s.replace("CONTENT", content));
        if engine == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            migrator.run_to(1, &pool).await.unwrap();
            for sql in rows {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
            }
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            migrator.run_to(1, &pool).await.unwrap();
            for sql in rows {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        let store = Store::open(&url, &portaldesk::store::OpenOptions::default()).await.unwrap();
        let job = portaldesk::store::imports::job(&store, 1).await.unwrap().unwrap();
        assert_eq!(job.file_bytes, 3, "{engine}");
        let chunk = portaldesk::store::imports::chunk(&store, 1, 0).await.unwrap();
        assert_eq!(chunk.as_deref(), Some(&b"a,b"[..]), "{engine}");
        assert_eq!(portaldesk::store::imports::chunk(&store, 1, 1).await.unwrap(), None, "{engine}");
        // A row recorded alone is a run of one.
        let (last,): (i64,) = store.fetch_one("SELECT last_row_number FROM import_rows", args![]).await.unwrap();
        assert_eq!(last, 2, "{engine}");
    }
}

/// Every table with a sample value for every column, in dependency order
/// (made from migrations/sqlite/0001_portal.sql; a test checks it covers every column).
fn samples() -> Vec<(&'static str, Vec<(&'static str, Arg)>)> {
    vec![
        (
            "staff",
            vec![
                ("id", int(1)),
                ("login", text("login: Nguyễn O'Brien")),
                ("name", text("name: Nguyễn O'Brien")),
                ("role", text("agent")),
                ("status", text("active")),
                ("created_at", time()),
                ("row_version", int(3)),
            ],
        ),
        (
            "employers",
            vec![
                ("id", int(1)),
                ("ein", text("ein: Nguyễn O'Brien")),
                ("legal_name", text("legal_name: Nguyễn O'Brien")),
                ("name_key", text("name_key: Nguyễn O'Brien")),
                ("created_at", time()),
                ("row_version", int(3)),
            ],
        ),
        (
            "employer_groups",
            vec![
                ("id", int(1)),
                ("employer_id", int(1)),
                ("parent_group_id", int(1)),
                ("group_number", text("group_number: Nguyễn O'Brien")),
                ("suffix", text("suffix: Nguyễn O'Brien")),
                ("name", text("name: Nguyễn O'Brien")),
                ("status", text("active")),
                ("original_effective_date", date()),
                ("renewal_date", date()),
                ("billing_contact_name", text("billing_contact_name: Nguyễn O'Brien")),
                ("billing_contact_email", text("billing_contact_email: Nguyễn O'Brien")),
                ("row_version", int(3)),
                ("sic_code", text("sic_code: Nguyễn O'Brien")),
                ("rating_type", text("age_banded")),
                ("suffix_effective_date", date()),
                ("cancellation_date", date()),
                ("renewal_month", int(2)),
                ("last_renewal_date", date()),
                ("billing_address_line", text("billing_address_line: Nguyễn O'Brien")),
                ("billing_city", text("billing_city: Nguyễn O'Brien")),
                ("billing_state", text("billing_state: Nguyễn O'Brien")),
                ("billing_zip", text("billing_zip: Nguyễn O'Brien")),
                ("billing_contact_phone", text("billing_contact_phone: Nguyễn O'Brien")),
                ("waiting_period_days", int(3)),
            ],
        ),
        (
            "carriers",
            vec![
                ("id", int(1)),
                ("code", text("code: Nguyễn O'Brien")),
                ("name", text("name: Nguyễn O'Brien")),
                ("phone", text("phone: Nguyễn O'Brien")),
            ],
        ),
        (
            "plans",
            vec![
                ("id", int(1)),
                ("group_id", int(1)),
                ("plan_code", text("plan_code: Nguyễn O'Brien")),
                ("name", text("name: Nguyễn O'Brien")),
                ("coverage_type", text("medical")),
                ("carrier_id", int(1)),
            ],
        ),
        (
            "plan_years",
            vec![
                ("id", int(1)),
                ("plan_id", int(1)),
                ("year", int(2024)),
                ("starts_on", date()),
                ("ends_on", date()),
                ("waiting_period_days", int(3)),
                ("cobra_admin_fee_pct", int(2)),
                ("rating_type", text("tiered")),
            ],
        ),
        (
            "plan_bundles",
            vec![
                ("id", int(1)),
                ("group_id", int(1)),
                ("code", text("code: Nguyễn O'Brien")),
                ("name", text("name: Nguyễn O'Brien")),
                ("offered_to", text("QB")),
            ],
        ),
        ("bundle_plans", vec![("id", int(1)), ("bundle_id", int(1)), ("plan_id", int(1))]),
        (
            "group_contacts",
            vec![
                ("id", int(1)),
                ("group_id", int(1)),
                ("role", text("hr")),
                ("name", text("name: Nguyễn O'Brien")),
                ("phone", text("phone: Nguyễn O'Brien")),
                ("email", text("email: Nguyễn O'Brien")),
                ("address_line", text("address_line: Nguyễn O'Brien")),
                ("city", text("city: Nguyễn O'Brien")),
                ("state", text("state: Nguyễn O'Brien")),
                ("zip", text("zip: Nguyễn O'Brien")),
            ],
        ),
        (
            "group_invoices",
            vec![
                ("id", int(1)),
                ("group_id", int(1)),
                ("period_start", date()),
                ("period_end", date()),
                ("issued_on", date()),
                ("due_date", date()),
                ("amount_cents", int(3)),
                ("adjustment_cents", int(-3)),
            ],
        ),
        (
            "group_payments",
            vec![
                ("id", int(1)),
                ("group_id", int(1)),
                ("received_on", date()),
                ("amount_cents", int(3)),
                ("method", text("wire")),
                ("reference", text("reference: Nguyễn O'Brien")),
            ],
        ),
        (
            "account_communications",
            vec![
                ("id", int(1)),
                ("employer_id", int(1)),
                ("group_id", int(1)),
                ("sent_at", time()),
                ("channel", text("portal")),
                ("subject", text("subject: Nguyễn O'Brien")),
                ("body", text("body: Nguyễn O'Brien")),
                ("sent_by", text("sent_by: Nguyễn O'Brien")),
            ],
        ),
        (
            "plan_rates",
            vec![
                ("id", int(1)),
                ("plan_id", int(1)),
                ("tier", text("employee")),
                ("monthly_cents", int(3)),
                ("effective_on", date()),
            ],
        ),
        (
            "members",
            vec![
                ("id", int(1)),
                ("member_number", text("member_number: Nguyễn O'Brien")),
                ("individual_id", text("individual_id: Nguyễn O'Brien")),
                ("group_id", int(1)),
                ("subscriber_id", int(1)),
                ("member_type", text("QB")),
                ("relationship", text("self")),
                ("first_name", text("first_name: Nguyễn O'Brien")),
                ("last_name", text("last_name: Nguyễn O'Brien")),
                ("first_name_key", text("first_name_key: Nguyễn O'Brien")),
                ("last_name_key", text("last_name_key: Nguyễn O'Brien")),
                ("birth_date", date()),
                ("gender", text("F")),
                ("address_line", text("address_line: Nguyễn O'Brien")),
                ("city", text("city: Nguyễn O'Brien")),
                ("state", text("state: Nguyễn O'Brien")),
                ("zip", text("zip: Nguyễn O'Brien")),
                ("phone", text("phone: Nguyễn O'Brien")),
                ("email", text("email: Nguyễn O'Brien")),
                ("language", text("language: Nguyễn O'Brien")),
                ("ssn_cipher", bytes()),
                ("ssn_index", bytes()),
                ("ssn_key_id", text("ssn_key_id: Nguyễn O'Brien")),
                ("ssn_last4", text("ssn_last4: Nguyễn O'Brien")),
                ("status", text("active")),
                ("created_at", time()),
                ("row_version", int(3)),
                ("disabled", Arg::Bool(Some(true))),
                ("terminated_on", date()),
                ("termination_reason", text("termination_reason: Nguyễn O'Brien")),
            ],
        ),
        (
            "qualifying_events",
            vec![
                ("id", int(1)),
                ("member_id", int(1)),
                ("event_code", int(3)),
                ("event_date", date()),
                ("loss_of_coverage_date", date()),
                ("notice_date", date()),
                ("election_date", date()),
                ("disability_extension", Arg::Bool(Some(true))),
                ("created_at", time()),
            ],
        ),
        (
            "enrollments",
            vec![
                ("id", int(1)),
                ("member_id", int(1)),
                ("plan_id", int(1)),
                ("tier", text("tier: Nguyễn O'Brien")),
                ("coverage_start", date()),
                ("coverage_end", date()),
                ("status", text("active")),
            ],
        ),
        (
            "premiums",
            vec![
                ("id", int(1)),
                ("member_id", int(1)),
                ("period_start", date()),
                ("due_date", date()),
                ("amount_cents", int(3)),
            ],
        ),
        (
            "payments",
            vec![
                ("id", int(1)),
                ("member_id", int(1)),
                ("premium_id", int(1)),
                ("amount_cents", int(3)),
                ("received_on", date()),
                ("method", text("check")),
                ("reference", text("reference: Nguyễn O'Brien")),
            ],
        ),
        (
            "communications",
            vec![
                ("id", int(1)),
                ("member_id", int(1)),
                ("channel", text("mail")),
                ("subject", text("subject: Nguyễn O'Brien")),
                ("body", text("body: Nguyễn O'Brien")),
                ("sent_at", time()),
            ],
        ),
        (
            "letters",
            vec![
                ("id", int(1)),
                ("member_id", int(1)),
                ("letter_type", text("letter_type: Nguyễn O'Brien")),
                ("file_name", text("file_name: Nguyễn O'Brien")),
                ("created_at", time()),
            ],
        ),
        (
            "cases",
            vec![
                ("id", int(1)),
                ("case_number", text("case_number: Nguyễn O'Brien")),
                ("queue", text("eligibility")),
                ("status", text("new")),
                ("priority", int(3)),
                ("subject", text("subject: Nguyễn O'Brien")),
                ("description", text("description: Nguyễn O'Brien")),
                ("company_name", text("company_name: Nguyễn O'Brien")),
                ("group_numbers", text("group_numbers: Nguyễn O'Brien")),
                ("subscriber_name", text("subscriber_name: Nguyễn O'Brien")),
                ("subscriber_ref", text("subscriber_ref: Nguyễn O'Brien")),
                ("member_id", int(1)),
                ("group_id", int(1)),
                ("retroactive", Arg::Bool(Some(true))),
                ("submitted_at", time()),
                ("submitted_by", text("submitted_by: Nguyễn O'Brien")),
                ("assignee_id", int(1)),
                ("sla_due_at", time()),
                ("info_due_at", time()),
                ("resolution", text("resolution: Nguyễn O'Brien")),
                ("closed_at", time()),
                ("row_version", int(3)),
            ],
        ),
        (
            "case_events",
            vec![
                ("id", int(1)),
                ("case_id", int(1)),
                ("at", time()),
                ("staff_id", int(1)),
                ("kind", text("created")),
                ("body", text("body: Nguyễn O'Brien")),
            ],
        ),
        (
            "case_attachments",
            vec![
                ("id", int(1)),
                ("case_id", int(1)),
                ("file_name", text("file_name: Nguyễn O'Brien")),
                ("kind", text("exception_request_form")),
                ("size_bytes", int(3)),
                ("uploaded_at", time()),
            ],
        ),
        (
            "import_jobs",
            vec![
                ("id", int(1)),
                ("employer_id", int(1)),
                ("parent_job_id", int(1)),
                ("kind", text("demographic")),
                ("file_name", text("file_name: Nguyễn O'Brien")),
                ("file_sha256", text("file_sha256: Nguyễn O'Brien")),
                ("uploaded_at", time()),
                ("uploaded_by", text("uploaded_by: Nguyễn O'Brien")),
                ("status", text("queued")),
                ("total_rows", int(3)),
                ("ok_rows", int(3)),
                ("failed_rows", int(3)),
                ("file_error", text("file_error: Nguyễn O'Brien")),
                ("started_at", time()),
                ("finished_at", time()),
                ("abandoned_reason", text("abandoned_reason: Nguyễn O'Brien")),
                ("row_version", int(3)),
                ("file_bytes", int(3)),
            ],
        ),
        ("import_file_chunks", vec![("id", int(1)), ("job_id", int(1)), ("seq", int(3)), ("bytes", bytes())]),
        (
            "import_rows",
            vec![
                ("id", int(1)),
                ("job_id", int(1)),
                ("row_number", int(3)),
                ("natural_key", text("natural_key: Nguyễn O'Brien")),
                ("status", text("applied")),
                ("last_row_number", int(3)),
            ],
        ),
        (
            "import_row_errors",
            vec![
                ("id", int(1)),
                ("job_id", int(1)),
                ("row_number", int(3)),
                ("field", text("field: Nguyễn O'Brien")),
                ("code", text("code: Nguyễn O'Brien")),
                ("message", text("message: Nguyễn O'Brien")),
                ("raw_values", text("raw_values: Nguyễn O'Brien")),
            ],
        ),
        (
            "agencies",
            vec![
                ("id", int(1)),
                ("name", text("name: Nguyễn O'Brien")),
                ("upline_agency_id", int(1)),
                ("tax_id_last4", text("tax_id_last4: Nguyễn O'Brien")),
                ("created_at", time()),
            ],
        ),
        (
            "brokers",
            vec![
                ("id", int(1)),
                ("npn", text("npn: Nguyễn O'Brien")),
                ("agency_id", int(1)),
                ("first_name", text("first_name: Nguyễn O'Brien")),
                ("last_name", text("last_name: Nguyễn O'Brien")),
                ("last_name_key", text("last_name_key: Nguyễn O'Brien")),
                ("email", text("email: Nguyễn O'Brien")),
                ("tax_id_cipher", bytes()),
                ("tax_id_index", bytes()),
                ("tax_id_key_id", text("tax_id_key_id: Nguyễn O'Brien")),
                ("tax_id_last4", text("tax_id_last4: Nguyễn O'Brien")),
                ("states_appointed", text("states_appointed: Nguyễn O'Brien")),
                ("status", text("active")),
                ("created_at", time()),
                ("row_version", int(3)),
            ],
        ),
        (
            "broker_licenses",
            vec![
                ("id", int(1)),
                ("broker_id", int(1)),
                ("state", text("state: Nguyễn O'Brien")),
                ("license_number", text("license_number: Nguyễn O'Brien")),
                ("expires_on", date()),
            ],
        ),
        (
            "broker_access_grants",
            vec![
                ("id", int(1)),
                ("employer_id", int(1)),
                ("group_id", int(1)),
                ("broker_id", int(1)),
                ("agency_id", Arg::I64(None)),
                ("can_view", Arg::Bool(Some(true))),
                ("can_enroll", Arg::Bool(Some(true))),
                ("can_bill", Arg::Bool(Some(true))),
                ("starts_on", date()),
                ("ends_on", date()),
                ("granted_by", text("granted_by: Nguyễn O'Brien")),
                ("created_at", time()),
                ("row_version", int(3)),
            ],
        ),
        (
            "portal_users",
            vec![
                ("id", int(1)),
                ("email", text("email: Nguyễn O'Brien")),
                ("kind", text("employer")),
                ("employer_id", int(1)),
                ("broker_id", int(1)),
                ("first_name", text("first_name: Nguyễn O'Brien")),
                ("last_name", text("last_name: Nguyễn O'Brien")),
                ("name_key", text("name_key: Nguyễn O'Brien")),
                ("status", text("active")),
                ("last_login_at", time()),
                ("failed_logins", int(3)),
                ("tool_eligibility", Arg::Bool(Some(true))),
                ("tool_billing", Arg::Bool(Some(true))),
                ("tool_commissions", Arg::Bool(Some(true))),
                ("tool_book", Arg::Bool(Some(true))),
                ("created_at", time()),
                ("row_version", int(3)),
            ],
        ),
        (
            "one_time_codes",
            vec![
                ("id", int(1)),
                ("purpose", text("employer_registration")),
                ("subject_kind", text("employer")),
                ("subject_id", int(1)),
                ("code_hash", bytes()),
                ("last4", text("last4: Nguyễn O'Brien")),
                ("issued_by", text("issued_by: Nguyễn O'Brien")),
                ("issued_at", time()),
                ("expires_at", time()),
                ("status", text("active")),
                ("attempts", int(3)),
                ("used_at", time()),
                ("revoked_at", time()),
                ("revoke_reason", text("revoke_reason: Nguyễn O'Brien")),
                ("row_version", int(3)),
            ],
        ),
        (
            "email_outbox",
            vec![
                ("id", int(1)),
                ("template", text("template: Nguyễn O'Brien")),
                ("recipient", text("recipient: Nguyễn O'Brien")),
                ("subject", text("subject: Nguyễn O'Brien")),
                ("body", text("body: Nguyễn O'Brien")),
                ("entity", text("entity: Nguyễn O'Brien")),
                ("created_at", time()),
                ("sent_at", time()),
            ],
        ),
        (
            "audit_log",
            vec![
                ("id", int(1)),
                ("at", time()),
                ("operator", text("operator: Nguyễn O'Brien")),
                ("action", text("action: Nguyễn O'Brien")),
                ("entity", text("entity: Nguyễn O'Brien")),
                ("outcome", text("ok")),
                ("reason", text("reason: Nguyễn O'Brien")),
                ("before_json", text("before_json: Nguyễn O'Brien")),
                ("after_json", text("after_json: Nguyễn O'Brien")),
                ("script", text("script: Nguyễn O'Brien")),
                ("hash", text("hash: Nguyễn O'Brien")),
            ],
        ),
        (
            "key_rotations",
            vec![
                ("id", int(1)),
                ("old_key_id", text("old_key_id: Nguyễn O'Brien")),
                ("new_key_id", text("new_key_id: Nguyễn O'Brien")),
                ("state", text("running")),
                ("started_by", text("started_by: Nguyễn O'Brien")),
                ("started_at", time()),
                ("finished_at", time()),
                ("members_total", int(3)),
                ("members_done", int(3)),
                ("last_member_id", int(3)),
                ("brokers_total", int(3)),
                ("brokers_done", int(3)),
                ("last_broker_id", int(3)),
                ("outbox_total", int(3)),
                ("outbox_done", int(3)),
                ("last_outbox_id", int(3)),
                ("codes_revoked", int(3)),
            ],
        ),
        (
            "audit_chain_head",
            vec![("id", int(1)), ("last_id", int(1)), ("last_hash", text("last_hash: Nguyễn O'Brien"))],
        ),
        (
            "member_changes",
            vec![
                ("id", int(1)),
                ("member_id", int(1)),
                ("case_id", int(1)),
                ("kind", text("kind: Nguyễn O'Brien")),
                ("operator", text("operator: Nguyễn O'Brien")),
                ("at", time()),
                ("effective_on", date()),
                ("summary", text("summary: Nguyễn O'Brien")),
                ("changes", text("changes: Nguyễn O'Brien")),
                ("restore", text("restore: Nguyễn O'Brien")),
                ("undone_by", int(1)),
            ],
        ),
        (
            "report_schedules",
            vec![
                ("id", int(1)),
                ("report", text("report: Nguyễn O'Brien")),
                ("params", text("params: Nguyễn O'Brien")),
                ("repeat", text("monthly")),
                ("repeat_on", int(31)),
                ("start_date", date()),
                ("at_time", text("02:30")),
                ("zone", text("America/New_York")),
                ("paused", Arg::Bool(Some(true))),
                ("last_slot_at", time()),
                ("next_at", time()),
                ("created_by", text("created_by: Nguyễn O'Brien")),
                ("created_at", time()),
                ("row_version", int(1)),
            ],
        ),
        (
            "report_jobs",
            vec![
                ("id", int(1)),
                ("report", text("report: Nguyễn O'Brien")),
                ("params", text("params: Nguyễn O'Brien")),
                ("schedule_id", int(1)),
                ("slot_at", time()),
                ("status", text("running")),
                ("requested_by", text("requested_by: Nguyễn O'Brien")),
                ("requested_at", time()),
                ("worker", text("worker: Nguyễn O'Brien")),
                ("attempt", int(2)),
                ("lease_until", time()),
                ("started_at", time()),
                ("finished_at", time()),
                ("rows_written", int(5_000_000_000)),
                ("error", text("error: Nguyễn O'Brien")),
                ("row_version", int(1)),
            ],
        ),
        ("report_output_chunks", vec![("id", int(1)), ("job_id", int(1)), ("seq", int(0)), ("bytes", bytes())]),
        (
            "commission_statements",
            vec![
                ("id", int(1)),
                ("broker_id", int(1)),
                ("npn", text("npn: Nguyễn O'Brien")),
                ("month", date()),
                ("issued_on", date()),
                ("groups", int(2)),
                ("premium_cents", int(5_000_000_000)),
                ("commission_cents", int(-250)),
                ("created_at", time()),
            ],
        ),
        (
            "commission_statement_lines",
            vec![
                ("id", int(1)),
                ("statement_id", int(1)),
                ("group_id", int(1)),
                ("subscribers", int(12)),
                ("premium_cents", int(5_000_000_000)),
                ("rate_bps", int(450)),
                ("commission_cents", int(-250)),
            ],
        ),
        ("case_counts", vec![("id", int(1)), ("view_name", text("view_name: Nguyễn O'Brien")), ("n", int(42))]),
        (
            "presence",
            vec![
                ("id", int(1)),
                ("session_id", text("session_id: Nguyễn O'Brien")),
                ("staff_id", int(1)),
                ("entity_kind", text("case")),
                ("entity_key", text("entity_key: Nguyễn O'Brien")),
                ("mode", text("editing")),
                ("seen_at", time()),
            ],
        ),
    ]
}

/// A database filled under an older schema and analyzed, then migrated:
/// the indexes the new migrations add get statistics too, so SQLite's
/// planner does not take one of them for the Members list's order.
#[tokio::test]
async fn a_migration_on_a_filled_sqlite_database_leaves_statistics_for_its_new_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite").display());
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join("sqlite");
    let migrator = sqlx::migrate::Migrator::new(folder).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    migrator.run_to(1, &pool).await.unwrap();
    for sql in FIRST_SCHEMA_ROWS.map(|s| s.replace("CONTENT", "X'612C62'")) {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
    }
    migrator.run_to(5, &pool).await.unwrap();
    sqlx::query(
        "INSERT INTO employer_groups (employer_id, group_number, name, status, original_effective_date, renewal_date) \
         VALUES (1, 'ACM100', 'Acme', 'active', '2020-01-01', '2027-01-01')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    pool.close().await;
    let store = Store::open(&url, &portaldesk::store::OpenOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let stats: Vec<(String,)> = store.fetch_all("SELECT idx FROM sqlite_stat1 ORDER BY idx", args![]).await.unwrap();
    let stats: Vec<String> = stats.into_iter().map(|r| r.0).collect();
    assert!(stats.contains(&"import_jobs_status".to_owned()), "the old statistics stay: {stats:?}");
    assert!(stats.contains(&"employer_groups_renewal".to_owned()), "a new index has statistics: {stats:?}");
}
