//! Import jobs on SQLite and PostgreSQL: each kind applies, bad files and
//! rows end as clear errors, re-running changes nothing, failed rows retry
//! once their cause is fixed, and an interrupted job resumes to the same end.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::crypto::DataKey;
use portaldesk::domain::import_spec::ImportKind;
use portaldesk::domain::role::Role;
use portaldesk::ops::imports::BATCH;
use portaldesk::ops::{Clock, Ops};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, audit, imports, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn key() -> DataKey {
    DataKey::from_master([3; 32])
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/imports").join(name)).unwrap()
}

async fn fixture(store: &Store) -> Ops {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "ann", "Ann", Role::Agent, "active", t0()).await.unwrap();
    tx.execute("INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES (1, '12-3456789', 'Acme', 'acme', $1)", args![t0()])
        .await
        .unwrap();
    let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    tx.execute(
        "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, renewal_date) \
         VALUES (1, 1, 'ACM101', 'Acme', 'active', $1, $1)",
        args![d],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO plans (id, group_id, plan_code, name, coverage_type) VALUES (1, 1, 'MPPO', 'Medical', 'medical')",
        args![],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Ops::for_operator(store.clone(), "ann", false, Clock::Fixed(t0())).await.unwrap()
}

async fn enqueue_run(ops: &Ops, kind: ImportKind, name: &str, content: &[u8]) -> imports::JobHead {
    let id = ops.enqueue_import("12-3456789", kind, name, content, true, None).await.unwrap();
    ops.run_import(&key(), id, None).await.unwrap()
}

async fn members(store: &Store) -> Vec<(String, String, i64)> {
    store.fetch_all("SELECT member_number, last_name, row_version FROM members ORDER BY id", args![]).await.unwrap()
}

/// The rows of a job recorded with `status`.
async fn rows_recorded(store: &Store, job: i64, status: &str) -> i64 {
    let (n,): (i64,) = store
        .fetch_one(
            "SELECT CAST(sum(last_row_number - row_number + 1) AS BIGINT) FROM import_rows \
             WHERE job_id = $1 AND status = $2",
            args![job, status],
        )
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn every_kind_applies_and_running_again_changes_nothing() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        let j =
            enqueue_run(&ops, ImportKind::Demographic, "valid_demographic.csv", &corpus("valid_demographic.csv")).await;
        assert_eq!((j.status.as_str(), j.total_rows, j.ok_rows, j.failed_rows), ("succeeded", 2, 2, 0), "{}", db.label);
        let before = members(s).await;
        assert_eq!(before.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(), ["García", "O'Brien"]);
        // The SSN went in encrypted and findable by its blind index only.
        let (found,): (i64,) = s
            .fetch_one(
                "SELECT count(*) FROM members WHERE ssn_index = $1",
                args![key().blind_index("ssn", "112345678")],
            )
            .await
            .unwrap();
        assert_eq!(found, 1);
        for (kind, file) in [
            (ImportKind::Dependent, "valid_dependent.csv"),
            (ImportKind::Event, "valid_event.csv"),
            (ImportKind::Plan, "valid_plan.csv"),
        ] {
            let j = enqueue_run(&ops, kind, file, &corpus(file)).await;
            assert_eq!((j.status.as_str(), j.failed_rows), ("succeeded", 0), "{}: {file}", db.label);
        }
        let counts: (i64, i64, i64) = s
            .fetch_one(
                "SELECT (SELECT count(*) FROM members WHERE relationship = 'child'), (SELECT count(*) FROM qualifying_events), \
                 (SELECT count(*) FROM enrollments)",
                args![],
            )
            .await
            .unwrap();
        assert_eq!(counts, (1, 1, 1), "{}", db.label);
        // The same demographic file again: every row unchanged, nothing written.
        let after = members(s).await;
        let j = enqueue_run(&ops, ImportKind::Demographic, "again.csv", &corpus("valid_demographic.csv")).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("succeeded", 2));
        assert_eq!(members(s).await, after, "{}: re-running changed records", db.label);
        let unchanged = rows_recorded(s, j.id, "unchanged").await;
        assert_eq!(unchanged, 2);
        let rerun = ops.retry_import(&key(), j.id, false).await.unwrap();
        assert_eq!((rerun.status.as_str(), rerun.ok_rows), ("succeeded", 2));
        assert_eq!(members(s).await, after);
    }
}

#[tokio::test]
async fn bad_files_fail_whole_and_bad_rows_fail_alone() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        for (file, says) in [
            ("binary.xlsx.csv", "not text"),
            ("latin1.csv", "not UTF-8"),
            ("missing_column.csv", "last_name is missing"),
            ("renamed_column.csv", "\"surname\""),
            ("empty.csv", "empty"),
        ] {
            let j = enqueue_run(&ops, ImportKind::Demographic, file, &corpus(file)).await;
            assert_eq!(j.status, "failed", "{}: {file}", db.label);
            assert!(j.file_error.as_deref().unwrap_or("").contains(says), "{file}: {:?}", j.file_error);
        }
        let content = [
            corpus("valid_demographic.csv"),
            b"ACM101,145-67-8901,Omar,Haddad,02/30/1991,M,3 Lake Ter,Chicago,IL,60602\r\n".to_vec(),
        ]
        .concat();
        let j = enqueue_run(&ops, ImportKind::Demographic, "mixed.csv", &content).await;
        assert_eq!((j.status.as_str(), j.ok_rows, j.failed_rows), ("partial", 2, 1), "{}", db.label);
        // The job's end is audited, as its start is: the newest row says how it ended.
        let rows = audit::for_entity(s, &format!("import:{}", j.id), 10).await.unwrap();
        let end = rows[0].after_json.as_deref().unwrap_or("");
        assert!(end.contains("\"status\":\"partial\"") && end.contains("\"failed_rows\":1"), "{}: {end}", db.label);
        assert!(rows[1].after_json.as_deref().unwrap_or("").contains("running"), "{}: {rows:?}", db.label);
        assert!(audit::verify(s, None).await.unwrap().broken.is_none(), "{}", db.label);
        let errors = imports::errors(s, j.id).await.unwrap();
        assert_eq!((errors[0].row_number, errors[0].code.as_str()), (4, "date_invalid"));
        assert!(
            errors[0].raw_values.contains("***-**-8901") && !errors[0].raw_values.contains("145-67"),
            "{:?}",
            errors[0]
        );
        // The same file again for the same employer needs --force.
        let e = ops
            .enqueue_import("12-3456789", ImportKind::Demographic, "mixed.csv", &content[..], false, None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("already uploaded"), "{e}");
        ops.abandon_import(j.id, "sent a corrected file").await.unwrap();
        ops.enqueue_import("12-3456789", ImportKind::Demographic, "mixed.csv", &content[..], false, Some(j.id))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn itins_impossible_birth_dates_and_invisible_characters_fail_their_rows() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        let j = enqueue_run(&ops, ImportKind::Demographic, "hostile_rows.csv", &corpus("hostile_rows.csv")).await;
        assert_eq!((j.status.as_str(), j.ok_rows, j.failed_rows), ("partial", 1, 5), "{}", db.label);
        let errors = imports::errors(s, j.id).await.unwrap();
        let got: Vec<(i64, &str, &str)> =
            errors.iter().map(|e| (e.row_number, e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "ssn", "ssn_itin"),
                (3, "birth_date", "birth_date_future"),
                (4, "birth_date", "birth_date_unconfirmed"),
                (5, "last_name", "invisible_character"),
                (6, "first_name", "invisible_character")
            ],
            "{}",
            db.label
        );
        assert!(errors[2].message.contains("confirm"), "{}", errors[2].message);
        // Only the good row made a member.
        let got: Vec<String> = members(s).await.into_iter().map(|m| m.1).collect();
        assert_eq!(got, ["Good"], "{}", db.label);
    }
}

#[tokio::test]
async fn failed_rows_retry_once_their_cause_is_fixed() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        enqueue_run(&ops, ImportKind::Demographic, "valid_demographic.csv", &corpus("valid_demographic.csv")).await;
        let j = enqueue_run(&ops, ImportKind::Plan, "unknown_plan.csv", &corpus("unknown_plan.csv")).await;
        assert_eq!((j.status.as_str(), j.failed_rows), ("partial", 1), "{}", db.label);
        assert_eq!(imports::errors(s, j.id).await.unwrap()[0].code, "plan_unknown");
        let orphan =
            enqueue_run(&ops, ImportKind::Dependent, "orphan_dependent.csv", &corpus("orphan_dependent.csv")).await;
        assert_eq!(imports::errors(s, orphan.id).await.unwrap()[0].code, "subscriber_unknown");
        // The plan is set up; the failed row goes through.
        s.execute("INSERT INTO plans (id, group_id, plan_code, name, coverage_type) VALUES (2, 1, 'MGOLD', 'Gold', 'medical')", args![])
            .await
            .unwrap();
        let j = ops.retry_import(&key(), j.id, true).await.unwrap();
        assert_eq!((j.status.as_str(), j.ok_rows, j.failed_rows), ("succeeded", 1, 0), "{}", db.label);
        assert!(imports::errors(s, j.id).await.unwrap().is_empty());
    }
}

/// A demographic file of `rows` distinct members of group ACM101.
fn demographic_file(rows: usize) -> String {
    let mut file = "group_number,ssn,first_name,last_name,birth_date,gender,address_line,city,state,zip\n".to_owned();
    for i in 0..rows {
        file.push_str(&format!(
            "ACM101,1{:02}-{:02}-{:04},First{i},Last{i},1980-01-01,F,1 Main St,Austin,TX,78701\n",
            10 + i % 80,
            1 + (i / 80) % 90,
            1 + i % 9999
        ));
    }
    file
}

/// The employer's second group, ACM102.
async fn second_group(s: &Store) {
    s.execute(
        "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, renewal_date) \
         VALUES (2, 1, 'ACM102', 'Acme West', 'active', $1, $1)",
        args![NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()],
    )
    .await
    .unwrap();
}

/// The members with the SSN of `demographic_file`'s first row: (group, address, version).
async fn first_row_member(s: &Store) -> Vec<(i64, String, i64)> {
    s.fetch_all(
        "SELECT group_id, address_line, row_version FROM members WHERE ssn_index = $1",
        args![key().blind_index("ssn", "110010001")],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn one_ssn_in_two_groups_of_a_file_is_one_member() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        second_group(s).await;
        // The first row's person again, in the other group with a new
        // address, far down the same batch: the member the first row adds
        // is found and updated, not added twice.
        let mut file = demographic_file(1500);
        file.push_str("ACM102,110-01-0001,First0,Last0,1980-01-01,F,2 Oak St,Austin,TX,78701\n");
        let j = enqueue_run(&ops, ImportKind::Demographic, "two-groups.csv", file.as_bytes()).await;
        assert_eq!((j.status.as_str(), j.ok_rows, j.failed_rows), ("succeeded", 1501, 0), "{}", db.label);
        assert_eq!(first_row_member(s).await, vec![(1, "2 Oak St".to_owned(), 2)], "{}", db.label);
        assert_eq!(members(s).await.len(), 1500, "{}", db.label);
        let applied = rows_recorded(s, j.id, "applied").await;
        assert_eq!(applied, 1501, "{}", db.label);
    }
}

#[tokio::test]
async fn an_ssn_met_again_in_a_later_batch_is_one_member() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        second_group(s).await;
        // The first row's person again, in the next batch: SQLite knows
        // the SSNs on file from before the run, not the ones it added, so
        // that batch must look every row up and find this one.
        let mut file = demographic_file(BATCH);
        file.push_str("ACM102,110-01-0001,First0,Last0,1980-01-01,F,2 Oak St,Austin,TX,78701\n");
        let j = enqueue_run(&ops, ImportKind::Demographic, "later-batch.csv", file.as_bytes()).await;
        assert_eq!((j.status.as_str(), j.ok_rows, j.failed_rows), ("succeeded", BATCH as i64 + 1, 0), "{}", db.label);
        assert_eq!(first_row_member(s).await, vec![(1, "2 Oak St".to_owned(), 2)], "{}", db.label);
        assert_eq!(members(s).await.len(), BATCH, "{}", db.label);
    }
}

#[tokio::test]
async fn a_file_unreadable_half_way_keeps_every_row_before_it() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ops = fixture(s).await;
        // Past the first 64 KB that are checked up front: a Latin-1 row.
        let mut file = demographic_file(1500).into_bytes();
        file.extend_from_slice(b"ACM101,187-65-4321,Jos\xe9,Ruiz,1980-01-01,M,1 Main St,Austin,TX,78701\n");
        let j = enqueue_run(&ops, ImportKind::Demographic, "latin1-tail.csv", &file).await;
        assert_eq!((j.status.as_str(), j.ok_rows), ("failed", 1500), "{}", db.label);
        assert!(j.file_error.unwrap_or_default().contains("UTF-8"), "{}", db.label);
        assert_eq!(members(s).await.len(), 1500, "{}", db.label);
    }
}

#[tokio::test]
async fn an_interrupted_job_resumes_to_the_same_end_state() {
    // Two whole batches and part of a third.
    let rows = 2 * BATCH + 200;
    let file = demographic_file(rows);
    for backend in 0..2 {
        let mut ends = Vec::new();
        for interrupted in [false, true] {
            let db = if backend == 0 {
                common::sqlite().await
            } else {
                match common::postgres().await {
                    Some(pg) => pg,
                    None => return,
                }
            };
            let s = &db.store;
            let ops = fixture(s).await;
            let id = ops
                .enqueue_import("12-3456789", ImportKind::Demographic, "big.csv", file.as_bytes(), false, None)
                .await
                .unwrap();
            // The file is stored in chunks, and read back in them.
            let (chunks, size): (i64, i64) = s
                .fetch_one("SELECT count(*), sum(length(bytes)) FROM import_file_chunks WHERE job_id = $1", args![id])
                .await
                .unwrap();
            assert_eq!((chunks, size as usize), (file.len().div_ceil(imports::CHUNK_BYTES) as i64, file.len()));
            if interrupted {
                let members = || async {
                    let (n,): (i64,) = s.fetch_one("SELECT count(*) FROM members", args![]).await.unwrap();
                    n as usize
                };
                let j = ops.run_import(&key(), id, Some(1)).await.unwrap();
                assert_eq!(j.status, "running", "{}: stopped after one batch", db.label);
                assert_eq!(members().await, BATCH, "{}: one whole batch, nothing half-applied", db.label);
                // A chunk that cannot be read (here: gone) stops the run in
                // the middle of a batch: the rows before it (the whole first
                // chunk's) are applied and recorded, and the job is left to
                // be run again.
                s.execute("UPDATE import_file_chunks SET seq = 99 WHERE job_id = $1 AND seq = 1", args![id])
                    .await
                    .unwrap();
                let e = ops.run_import(&key(), id, None).await.unwrap_err();
                assert!(e.to_string().contains("lacks its last"), "{}: {e}", db.label);
                assert_eq!(imports::job(s, id).await.unwrap().unwrap().status, "running", "{}", db.label);
                let in_first_chunk =
                    file.as_bytes()[..imports::CHUNK_BYTES].iter().filter(|b| **b == b'\n').count() - 1;
                assert_eq!(members().await, in_first_chunk, "{}", db.label);
                s.execute("UPDATE import_file_chunks SET seq = 1 WHERE job_id = $1 AND seq = 99", args![id])
                    .await
                    .unwrap();
            }
            let j = ops.run_import(&key(), id, None).await.unwrap();
            let r = rows as i64;
            assert_eq!((j.status.as_str(), j.total_rows, j.ok_rows), ("succeeded", r, r), "{}", db.label);
            // Rows applied in a run are recorded as one record, not one each.
            let (records,): (i64,) =
                s.fetch_one("SELECT count(*) FROM import_rows WHERE job_id = $1", args![id]).await.unwrap();
            assert!(records <= (rows / 1000 + 1) as i64, "{}: {records} records", db.label);
            // The same members with the same details, each with a number of
            // its own (PostgreSQL applies two batches at once, so which
            // batch draws its numbers first is not fixed).
            let state: Vec<(String, String, String, String)> = s
                .fetch_all(
                    "SELECT first_name, last_name, ssn_last4, address_line FROM members ORDER BY first_name, ssn_last4",
                    args![],
                )
                .await
                .unwrap();
            let (numbers,): (i64,) =
                s.fetch_one("SELECT count(DISTINCT member_number) FROM members", args![]).await.unwrap();
            assert_eq!(numbers as usize, state.len(), "{}", db.label);
            ends.push(state);
        }
        assert_eq!(ends[0].len(), rows, "{}", backend);
        assert_eq!(ends[0], ends[1]);
    }
}
