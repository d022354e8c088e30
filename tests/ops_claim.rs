//! `case.claim_next` through the ops layer, on SQLite and PostgreSQL:
//! the right case, its timeline and audit row, read-only refusal, and no
//! case claimed twice by concurrent takers.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use portaldesk::args;
use portaldesk::domain::case::Queue;
use portaldesk::domain::role::Role;
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, audit, cases, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

/// Staff `ann` (agent) and `bob` (agent, disabled), one employer and the
/// given cases: (number, queue, status, priority, due offset in hours).
async fn fixture(store: &Store, cases_: &[(i64, &str, &str, i64, i64)]) {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "ann", "Ann Agent", Role::Agent, "active", t0()).await.unwrap();
    staff::insert(&mut tx, "bob", "Bob Gone", Role::Agent, "disabled", t0()).await.unwrap();
    for (n, queue, status, prio, due_h) in cases_ {
        tx.execute(
            "INSERT INTO cases (id, case_number, queue, status, priority, subject, description, company_name, group_numbers, \
             submitted_at, submitted_by, sla_due_at) VALUES ($1, $2, $3, $4, $5, 'subj', 'desc', 'Acme', 'ACM100', $6, 'hr@acme.test', $7)",
            args![*n, portaldesk::domain::case::case_number(*n), *queue, *status, *prio, t0() - Duration::days(1), t0() + Duration::hours(*due_h)],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn ops_for(store: &Store, login: &str, read_only: bool) -> Ops {
    Ops::for_operator(store.clone(), login, read_only, Clock::Fixed(t0())).await.unwrap()
}

#[tokio::test]
async fn claims_the_earliest_due_new_case_with_timeline_and_audit() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(
            s,
            &[
                (1, "billing", "new", 2, 5),
                (2, "billing", "new", 1, 5),
                (3, "billing", "new", 4, -3),
                (4, "billing", "open", 1, -10),
                (5, "support", "new", 1, -20),
            ],
        )
        .await;
        let ops = ops_for(s, "ann", false).await;

        // Overdue first (3), then equal due by priority (2 before 1).
        let order: Vec<String> = [
            ops.claim_next(Queue::Billing).await.unwrap(),
            ops.claim_next(Queue::Billing).await.unwrap(),
            ops.claim_next(Queue::Billing).await.unwrap(),
        ]
        .into_iter()
        .map(|c| c.expect("a case").case_number)
        .collect();
        assert_eq!(order, ["C-000003", "C-000002", "C-000001"], "{}", db.label);
        assert!(ops.claim_next(Queue::Billing).await.unwrap().is_none(), "{}: queue should be empty", db.label);

        let head = cases::head_by_number(s, "C-000003").await.unwrap().unwrap();
        let ann = staff::by_login(s, "ann").await.unwrap().unwrap();
        assert_eq!(
            (head.status.as_str(), head.assignee_id, head.row_version),
            ("open", Some(ann.id), 2),
            "{}",
            db.label
        );

        let events = cases::events(s, head.id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["assignment", "status"], "{}", db.label);
        assert_eq!(events[0].staff_login.as_deref(), Some("ann"));
        assert_eq!(events[0].at, t0());

        let rows = audit::for_entity(s, "case:C-000003", 10).await.unwrap();
        assert_eq!(rows.len(), 1, "{}", db.label);
        assert_eq!(
            (rows[0].operator.as_str(), rows[0].action.as_str(), rows[0].outcome.as_str()),
            ("ann", "case.claim_next", "ok")
        );
        assert!(rows[0].after_json.as_deref().unwrap().contains("\"open\""));

        // The support queue was untouched.
        let other = cases::head_by_number(s, "C-000005").await.unwrap().unwrap();
        assert_eq!((other.status.as_str(), other.assignee_id), ("new", None), "{}", db.label);
    }
}

#[tokio::test]
async fn read_only_sessions_refuse_and_change_nothing() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, &[(1, "eligibility", "new", 1, 1)]).await;
        let ops = ops_for(s, "ann", true).await;
        let err = ops.claim_next(Queue::Eligibility).await.unwrap_err();
        assert!(matches!(err, OpError::ReadOnly(ref m) if m.contains("read-only")), "{}: {err}", db.label);
        assert_eq!(err.exit_code(), 1);
        let head = cases::head_by_number(s, "C-000001").await.unwrap().unwrap();
        assert_eq!(head.assignee_id, None, "{}", db.label);
        let (n,): (i64,) = s.fetch_one("SELECT count(*) FROM audit_log", args![]).await.unwrap();
        assert_eq!(n, 0, "{}", db.label);
    }
}

#[tokio::test]
async fn unknown_and_disabled_operators_cannot_work() {
    for db in common::all_backends().await {
        fixture(&db.store, &[]).await;
        let e = Ops::for_operator(db.store.clone(), "nobody", false, Clock::System).await.unwrap_err();
        assert!(e.to_string().contains("not a staff account"), "{e}");
        let e = Ops::for_operator(db.store.clone(), "bob", false, Clock::System).await.unwrap_err();
        assert!(e.to_string().contains("disabled"), "{e}");
    }
}

#[tokio::test]
async fn the_audit_log_refuses_edits() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, &[(1, "support", "new", 1, 1)]).await;
        ops_for(s, "ann", false).await.claim_next(Queue::Support).await.unwrap().unwrap();
        assert!(s.execute("UPDATE audit_log SET operator = 'mallory'", args![]).await.is_err(), "{}", db.label);
        assert!(s.execute("DELETE FROM audit_log", args![]).await.is_err(), "{}", db.label);
    }
}

#[tokio::test]
async fn concurrent_takers_on_postgres_never_share_a_case() {
    let Some(db) = common::postgres().await else { return };
    let s = &db.store;
    let cases_: Vec<(i64, &str, &str, i64, i64)> =
        (1..=200).map(|n| (n, "enrollment", "new", 1 + n % 4, n % 50)).collect();
    fixture(s, &cases_).await;
    let mut tx = s.begin_write().await.unwrap();
    for i in 0..32 {
        staff::insert(&mut tx, &format!("taker{i}"), "Taker", Role::Agent, "active", t0()).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut handles = Vec::new();
    for i in 0..32 {
        let ops = ops_for(s, &format!("taker{i}"), false).await;
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                match ops.claim_next(Queue::Enrollment).await {
                    Ok(Some(c)) => got.push(c.case_number),
                    Ok(None) => break,
                    Err(OpError::Conflict(_)) => continue,
                    Err(e) => panic!("{e}"),
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!((total, all.len()), (200, 200), "every case claimed exactly once");
    let (unassigned,): (i64,) =
        s.fetch_one("SELECT count(*) FROM cases WHERE assignee_id IS NULL", args![]).await.unwrap();
    assert_eq!(unassigned, 0);
}
