//! Member search on SQLite and PostgreSQL: every mode finds the right
//! members and nothing else; the SSN goes through the blind index; views
//! and reveals are audited, refusals too.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::crypto::DataKey;
use portaldesk::domain::role::Role;
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::lists::{ListKind, ListRequest, Search, fetch};
use portaldesk::store::members::{MemberSearch, coverage_on};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Dir, Store, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn key() -> DataKey {
    DataKey::from_master([9; 32])
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// (id, first, last, type, group, born, ssn)
type Person = (i64, &'static str, &'static str, &'static str, i64, (i32, u32, u32), Option<&'static str>);

const PEOPLE: &[Person] = &[
    (1, "Siobhán", "O'Brien", "SUBSCRIBER", 1, (1980, 1, 31), Some("912-34-5678")),
    (2, "Zoë", "Müller", "QB", 1, (1975, 6, 2), Some("923-45-1111")),
    (3, "Liam", "Müller", "DEPENDENT", 1, (2015, 3, 3), None),
    (4, "Ana", "Nguyễn", "SUBSCRIBER", 2, (1990, 9, 9), Some("934-56-2222")),
    // Two subscribers sharing a last name and the last four of their SSNs.
    (5, "Jo", "Smith", "SUBSCRIBER", 1, (1970, 1, 1), Some("945-67-4321")),
    (6, "Jo", "Smith", "DIRECT_BILL", 2, (1988, 8, 8), Some("956-78-4321")),
    (7, "Kai", "Smithers", "SUBSCRIBER", 2, (1999, 9, 19), Some("967-89-7777")),
];

async fn fixture(store: &Store) {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "ann", "Ann", Role::Agent, "active", t0()).await.unwrap();
    staff::insert(&mut tx, "sam", "Sam", Role::Supervisor, "active", t0()).await.unwrap();
    tx.execute(
        "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES (1, '12-3456789', 'Acme', 'acme', $1)",
        args![t0()],
    )
    .await
    .unwrap();
    for (g, number) in [(1_i64, "ACM101"), (2, "ACM101-01")] {
        tx.execute(
            "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, renewal_date) \
             VALUES ($1, 1, $2, 'Acme', 'active', $3, $3)",
            args![g, number, d(2020, 1, 1)],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "INSERT INTO plans (id, group_id, plan_code, name, coverage_type) VALUES (1, 1, 'MPPO', 'Medical PPO', 'medical')",
        args![],
    )
    .await
    .unwrap();
    for (id, first, last, mtype, group, (y, m, day), ssn) in PEOPLE {
        let k = key();
        let (cipher, index, last4) = match ssn {
            Some(s) => {
                let digits = s.replace('-', "");
                (Some(k.encrypt(&digits)), Some(k.blind_index("ssn", &digits)), Some(digits[5..].to_owned()))
            }
            None => (None, None, None),
        };
        let fold = portaldesk::domain::text::fold_key;
        tx.execute(
            "INSERT INTO members (id, member_number, individual_id, group_id, subscriber_id, member_type, relationship, \
             first_name, last_name, first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, \
             language, ssn_cipher, ssn_index, ssn_last4, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, 'U', '1 Main St', 'Austin', 'TX', '78701', 'English', $13, $14, $15, 'active', $16)",
            args![
                *id,
                format!("M{id:07}"),
                format!("I{:07}", id + 1_000_000),
                *group,
                (*mtype == "DEPENDENT").then_some(2_i64),
                *mtype,
                if *mtype == "DEPENDENT" { "child" } else { "self" },
                *first,
                *last,
                fold(first),
                fold(last),
                d(*y, *m, *day),
                cipher,
                index,
                last4,
                t0()
            ],
        )
        .await
        .unwrap();
    }
    // Müller (2) is covered from 2026-01-01 to 2026-06-30.
    tx.execute(
        "INSERT INTO enrollments (member_id, plan_id, tier, coverage_start, coverage_end, status) \
         VALUES (2, 1, 'employee', $1, $2, 'terminated')",
        args![d(2026, 1, 1), d(2026, 6, 30)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// The first page of the member list, narrowed by `search`.
fn members_request(search: Option<Search>) -> ListRequest {
    ListRequest {
        kind: ListKind::Members,
        filter: String::new(),
        dir: Dir::First,
        limit: 50,
        me: 0,
        now: t0(),
        backend_pid: Default::default(),
        date_format: Default::default(),
        search,
    }
}

async fn find(store: &Store, query: &str) -> Result<Vec<String>, String> {
    let search = MemberSearch::parse(query, Some(&key()))?.map(Search::Members);
    let req = members_request(search);
    let page = fetch(store, &req).await.map_err(|e| e.to_string())?;
    Ok(page.rows.into_iter().map(|r| r.item.handle()).collect())
}

async fn ops(store: &Store, login: &str) -> Ops {
    Ops::for_operator(store.clone(), login, false, Clock::Fixed(t0())).await.unwrap()
}

#[tokio::test]
async fn every_search_mode_finds_the_right_members_and_nothing_else() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let ids = |v: &[i64]| v.iter().map(|i| format!("M{i:07}")).collect::<Vec<_>>();
        let cases: &[(&str, &[i64])] = &[
            ("912-34-5678", &[1]),
            ("912345678", &[1]),
            ("ssn:956-78-4321", &[6]),
            ("m0000004", &[4]),
            ("id:M0000004", &[4]),
            ("I1000003", &[3]),
            ("ind:I1000003", &[3]),
            ("obrien", &[1]),
            ("O'Brien", &[1]),
            ("o brien", &[1]),
            ("MULLER", &[3, 2]),
            ("Müller, Zoë", &[2]),
            ("name:muller,li", &[3]),
            ("nguyen", &[4]),
            ("smith", &[5, 6, 7]),
            ("name:smith type:SUBSCRIBER", &[5, 7]),
            ("smith group:ACM101-01", &[6, 7]),
            ("4321 smith", &[5, 6]),
            ("4321 01/01/1970", &[5]),
            ("1970-01-01 4321", &[5]),
            ("4321 smithers", &[]),
            ("type:DEPENDENT", &[3]),
            ("913-01-0001", &[]),
            ("zzz", &[]),
        ];
        for (q, want) in cases {
            let got = find(s, q).await.unwrap_or_else(|e| panic!("{}: {q}: {e}", db.label));
            assert_eq!(got, ids(want), "{}: {q}", db.label);
        }
        for (q, why) in [
            ("91234567", "9 digits"),
            ("9123456789", "9 digits"),
            ("000-00-0000", "never issued"),
            ("12a-45-6789", "not a name"),
            ("4321 02/30/2024", "not a date"),
        ] {
            let e = find(s, q).await.unwrap_err();
            assert!(e.contains(why), "{}: {q}: {e}", db.label);
        }
    }
}

#[tokio::test]
async fn the_ssn_is_found_through_the_blind_index_not_by_decrypting() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        // With the ciphertext destroyed the index still finds the member…
        s.execute("UPDATE members SET ssn_cipher = $1 WHERE id = 1", args![vec![0u8; 40]]).await.unwrap();
        assert_eq!(find(s, "912-34-5678").await.unwrap(), ["M0000001"], "{}", db.label);
        // …and with the index changed it does not.
        s.execute("UPDATE members SET ssn_index = $1 WHERE id = 1", args![vec![1u8; 32]]).await.unwrap();
        assert!(find(s, "912-34-5678").await.unwrap().is_empty(), "{}", db.label);
        // A search with another data key finds nothing either.
        let other = MemberSearch::parse("923-45-1111", Some(&DataKey::from_master([1; 32]))).unwrap();
        let req = ListRequest {
            kind: ListKind::Members,
            filter: String::new(),
            dir: Dir::First,
            limit: 5,
            me: 0,
            now: t0(),
            backend_pid: Default::default(),
            date_format: Default::default(),
            search: other.map(Search::Members),
        };
        assert!(fetch(s, &req).await.unwrap().rows.is_empty());
        // Members without an SSN show none, masked or not.
        let row = fetch(
            s,
            &ListRequest { search: MemberSearch::parse("M0000003", None).unwrap().map(Search::Members), ..req },
        )
        .await
        .unwrap();
        assert_eq!(portaldesk::columns::cells(&row.rows[0].item, chrono::Utc::now(), &Default::default())[5], "(none)");
    }
}

#[tokio::test]
async fn views_and_reveals_are_audited_and_refusals_too() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let ann = ops(s, "ann").await;
        let file = ann.view_member("m0000001").await.unwrap();
        assert_eq!(file.member.ssn_last4.as_deref(), Some("5678"));
        let audit = |action: &'static str| async move {
            let rows: Vec<(String, String, Option<String>)> = s
                .fetch_all(
                    "SELECT outcome, operator, reason FROM audit_log WHERE action = $1 ORDER BY id",
                    args![action],
                )
                .await
                .unwrap();
            rows
        };
        assert_eq!(audit("member.view").await, [("ok".into(), "ann".into(), None)], "{}", db.label);

        let e = ann.reveal_ssn(&key(), "M0000001", "caller asked").await.unwrap_err();
        assert!(matches!(e, OpError::RefusedRole(ref m) if m.contains("supervisor")), "{e}");
        assert_eq!(audit("member.reveal_ssn").await, [("refused".into(), "ann".into(), None)], "{}", db.label);

        let sam = ops(s, "sam").await;
        assert!(matches!(sam.reveal_ssn(&key(), "M0000001", "  ").await, Err(OpError::Invalid(_))));
        assert_eq!(sam.reveal_ssn(&key(), "M0000001", "verified caller").await.unwrap(), "912-34-5678");
        let rows = audit("member.reveal_ssn").await;
        assert_eq!(rows[1], ("ok".into(), "sam".into(), Some("verified caller".into())), "{}", db.label);
        assert!(sam.reveal_ssn(&key(), "M0000003", "why").await.unwrap_err().to_string().contains("no SSN"));
        // No audit row holds an SSN.
        let (n,): (i64,) = s
            .fetch_one("SELECT count(*) FROM audit_log WHERE COALESCE(after_json, '') LIKE '%5678%' OR COALESCE(reason, '') LIKE '%912%'", args![])
            .await
            .unwrap();
        assert_eq!(n, 0);

        let ro = Ops::for_operator(s.clone(), "ann", true, Clock::Fixed(t0())).await.unwrap();
        assert!(ro.view_member("M0000001").await.unwrap_err().to_string().contains("read-only"));
    }
}

#[tokio::test]
async fn eligibility_on_a_date() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let search = MemberSearch::parse("M0000002", None).unwrap().unwrap();
        let covered = coverage_on(s, &search, d(2026, 3, 1), 10).await.unwrap();
        assert_eq!(covered[0].plan_code.as_deref(), Some("MPPO"), "{}", db.label);
        let after = coverage_on(s, &search, d(2026, 7, 1), 10).await.unwrap();
        assert_eq!((after.len(), after[0].plan_code.clone()), (1, None), "{}: not eligible after the end", db.label);
    }
}

#[tokio::test]
async fn a_member_export_is_audited_before_its_file_is_written() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let dir = tempfile::tempdir().unwrap();
        let req = members_request(None);
        let exports = || async {
            let rows: Vec<(String, String, Option<String>)> = s
                .fetch_all(
                    "SELECT operator, entity, after_json FROM audit_log WHERE action = 'list.export' ORDER BY id",
                    args![],
                )
                .await
                .unwrap();
            rows
        };
        let ann = ops(s, "ann").await;
        let ok = dir.path().join("members.csv");
        let n = ann.export_list(req.clone(), &ok, "members:912-34-5678").await.unwrap();
        assert_eq!(n, PEOPLE.len(), "{}", db.label);
        assert!(std::fs::read_to_string(&ok).unwrap().contains("O'Brien"));
        let rows = exports().await;
        assert_eq!(rows.len(), 1, "{}", db.label);
        assert_eq!((rows[0].0.as_str(), rows[0].1.as_str()), ("ann", "members:***-**-5678"), "{}", db.label);
        assert!(rows[0].2.as_deref().unwrap().contains("members.csv"), "{rows:?}");

        // The file cannot be written: the audit row was already committed,
        // the record of the attempt.
        let nowhere = dir.path().join("no such folder").join("members.csv");
        assert!(ann.export_list(req.clone(), &nowhere, "members:all").await.is_err());
        assert!(!nowhere.exists());
        assert_eq!(exports().await.len(), 2, "{}", db.label);

        // The audit row cannot be written: no file either.
        let ro = Ops::for_operator(s.clone(), "ann", true, Clock::Fixed(t0())).await.unwrap();
        let refused = dir.path().join("refused.csv");
        let e = ro.export_list(req.clone(), &refused, "members:all").await.unwrap_err();
        assert!(matches!(e, OpError::ReadOnly(_)), "{e}");
        assert!(!refused.exists(), "{}: a member export without its audit row", db.label);
        assert_eq!(exports().await.len(), 2, "{}", db.label);
    }
}

// ---- Eligibility maintenance: the changes a case asks for, made by hand.

use portaldesk::config::MaintenanceConfig;
use portaldesk::domain::maintenance::ChangeKind;
use portaldesk::ops::maintenance::{ChangeDone, ChangeRequest};

const RULES: MaintenanceConfig = MaintenanceConfig { retro_days: 60, undo_minutes: 30 };

fn change(kind: ChangeKind, member: Option<&str>, fields: &[(&str, &str)]) -> ChangeRequest {
    ChangeRequest {
        kind,
        member: member.map(str::to_owned),
        fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        case: None,
        version: None,
        dry_run: false,
    }
}

async fn apply(ops: &Ops, req: ChangeRequest) -> Result<ChangeDone, OpError> {
    ops.change_member(&key(), RULES, req).await
}

async fn one_i64(store: &Store, sql: &'static str, id: i64) -> i64 {
    store.fetch_one::<(i64,)>(sql, args![id]).await.unwrap().0
}

async fn one_text(store: &Store, sql: &'static str, id: i64) -> Option<String> {
    store.fetch_one::<(Option<String>,)>(sql, args![id]).await.unwrap().0
}

/// Rows of the tables a change writes, and the audit rows that succeeded.
async fn written(store: &Store) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT count(*) FROM members",
        "SELECT count(*) FROM member_changes",
        "SELECT count(*) FROM enrollments",
        "SELECT count(*) FROM qualifying_events",
        "SELECT count(*) FROM audit_log",
        "SELECT CAST(COALESCE(SUM(row_version), 0) AS BIGINT) FROM members",
    ] {
        out.push(store.fetch_one::<(i64,)>(sql, args![]).await.unwrap().0);
    }
    out
}

/// A case in the eligibility queue, with an Exception Request Form when `form`.
async fn a_case(store: &Store, id: i64, form: bool) -> String {
    let number = format!("C-{id:06}");
    let mut tx = store.begin_write().await.unwrap();
    tx.execute(
        "INSERT INTO cases (id, case_number, queue, status, priority, subject, description, company_name, \
         group_numbers, retroactive, submitted_at, submitted_by, sla_due_at) \
         VALUES ($1, $2, 'eligibility', 'open', 2, 'Add my son', 'please', 'Acme', 'ACM101', $3, $4, 'hr@acme', $4)",
        args![id, number.as_str(), form, t0()],
    )
    .await
    .unwrap();
    if form {
        tx.execute(
            "INSERT INTO case_attachments (case_id, file_name, kind, size_bytes, uploaded_at) \
             VALUES ($1, 'erf.pdf', 'exception_request_form', 10, $2)",
            args![id, t0()],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    number
}

#[tokio::test]
async fn every_change_kind_is_written_with_its_audit_row_and_history() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let ann = ops(s, "ann").await;
        let l = &db.label;

        let done =
            apply(&ann, change(ChangeKind::Demographics, Some("m0000001"), &[("city", "Dallas"), ("zip", "75001")]))
                .await
                .unwrap();
        assert_eq!(done.summary, "M0000001: address changed", "{l}");
        assert_eq!(one_text(s, "SELECT city FROM members WHERE id = $1", 1).await.as_deref(), Some("Dallas"), "{l}");
        assert_eq!(one_i64(s, "SELECT row_version FROM members WHERE id = $1", 1).await, 2, "{l}");
        let (before, after): (Option<String>, Option<String>) = s
            .fetch_one(
                "SELECT before_json, after_json FROM audit_log WHERE action = 'member.update' AND outcome = $1",
                args!["ok"],
            )
            .await
            .unwrap();
        assert_eq!(before.as_deref(), Some(r#"{"city":"Austin","zip":"78701"}"#), "{l}");
        assert_eq!(after.as_deref(), Some(r#"{"city":"Dallas","zip":"75001"}"#), "{l}");

        apply(
            &ann,
            change(
                ChangeKind::MemberType,
                Some("M0000001"),
                &[("member_type", "QB"), ("effective_date", "2026-12-01")],
            ),
        )
        .await
        .unwrap();
        assert_eq!(one_text(s, "SELECT member_type FROM members WHERE id = $1", 1).await.as_deref(), Some("QB"), "{l}");

        // Enroll, change the tier, end it.
        apply(
            &ann,
            change(
                ChangeKind::Enroll,
                Some("M0000001"),
                &[("plan_code", "MPPO"), ("tier", "employee"), ("coverage_start", "2026-11-01")],
            ),
        )
        .await
        .unwrap();
        let again = apply(
            &ann,
            change(
                ChangeKind::Enroll,
                Some("M0000001"),
                &[("plan_code", "MPPO"), ("tier", "family"), ("coverage_start", "2026-11-15")],
            ),
        )
        .await
        .unwrap_err();
        assert!(again.to_string().contains("already has an active medical enrollment"), "{l}: {again}");
        apply(
            &ann,
            change(ChangeKind::ChangeTier, Some("M0000001"), &[("tier", "family"), ("effective_date", "2026-12-01")]),
        )
        .await
        .unwrap();
        assert_eq!(
            one_text(s, "SELECT tier FROM enrollments WHERE member_id = $1 AND status = 'active'", 1).await.as_deref(),
            Some("family"),
            "{l}"
        );

        // Terminate ends the enrollment; reinstate opens it again.
        apply(&ann, change(ChangeKind::Terminate, Some("M0000001"), &[("end_date", "2026-12-31"), ("reason", "left")]))
            .await
            .unwrap();
        assert_eq!(
            one_text(s, "SELECT status FROM members WHERE id = $1", 1).await.as_deref(),
            Some("terminated"),
            "{l}"
        );
        assert_eq!(
            one_i64(s, "SELECT count(*) FROM enrollments WHERE member_id = $1 AND status = 'active'", 1).await,
            0,
            "{l}"
        );
        apply(&ann, change(ChangeKind::Reinstate, Some("M0000001"), &[("effective_date", "2026-12-31")]))
            .await
            .unwrap();
        assert_eq!(one_text(s, "SELECT status FROM members WHERE id = $1", 1).await.as_deref(), Some("active"), "{l}");
        assert_eq!(
            one_i64(s, "SELECT count(*) FROM enrollments WHERE member_id = $1 AND status = 'active'", 1).await,
            1,
            "{l}"
        );
        apply(&ann, change(ChangeKind::EndEnrollment, Some("M0000001"), &[("end_date", "2026-12-15")])).await.unwrap();
        assert_eq!(
            one_text(s, "SELECT status FROM enrollments WHERE member_id = $1", 1).await.as_deref(),
            Some("terminated"),
            "{l}"
        );

        // A qualifying event with its COBRA deadline.
        let ev = apply(
            &ann,
            change(ChangeKind::Event, Some("M0000001"), &[("event_code", "1"), ("event_date", "2026-11-20")]),
        )
        .await
        .unwrap();
        let deadline = ev.changes.iter().find(|c| c.field == "election_deadline").and_then(|c| c.after.clone());
        assert_eq!(deadline.as_deref(), Some("2027-01-19"), "{l}: {ev:?}");
        assert_eq!(one_i64(s, "SELECT count(*) FROM qualifying_events WHERE member_id = $1", 1).await, 1, "{l}");

        // A dependent and a new subscriber.
        let dep = apply(
            &ann,
            change(
                ChangeKind::AddDependent,
                Some("M0000001"),
                &[
                    ("first_name", "Noah"),
                    ("last_name", "O'Brien"),
                    ("birth_date", "2016-04-01"),
                    ("relationship", "child"),
                    ("coverage_start", "2026-12-01"),
                ],
            ),
        )
        .await
        .unwrap();
        assert_eq!(dep.summary, "M0000001: dependent Noah O'Brien added", "{l}");
        assert_eq!(
            one_i64(s, "SELECT count(*) FROM members WHERE subscriber_id = $1 AND first_name = 'Noah'", 1).await,
            1,
            "{l}"
        );
        let new = apply(
            &ann,
            change(
                ChangeKind::AddMember,
                None,
                &[
                    ("group_number", "ACM101"),
                    ("member_type", "DIRECT_BILL"),
                    ("ssn", "123-45-6789"),
                    ("first_name", "Ines"),
                    ("last_name", "Ortiz"),
                    ("birth_date", "1991-02-03"),
                    ("gender", "F"),
                    ("address_line", "9 Oak Ave"),
                    ("city", "Austin"),
                    ("state", "TX"),
                    ("zip", "78701"),
                    ("coverage_start", "2026-12-01"),
                ],
            ),
        )
        .await
        .unwrap();
        let ssn_shown = new.changes.iter().find(|c| c.field == "ssn").and_then(|c| c.after.clone());
        assert_eq!(ssn_shown.as_deref(), Some("***-**-6789"), "{l}");
        assert_eq!(find(s, "123-45-6789").await.unwrap(), vec![new.member_number.clone()], "{l}");

        let history = ann.member_history("M0000001").await.unwrap();
        let kinds: Vec<&str> = history.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "add_dependent",
                "event",
                "end_enrollment",
                "reinstate",
                "terminate",
                "change_tier",
                "enroll",
                "member_type",
                "demographics"
            ],
            "{l}"
        );
        for action in [
            "member.update",
            "member.change_type",
            "member.enroll",
            "member.change_tier",
            "member.terminate",
            "member.reinstate",
            "member.end_enrollment",
            "member.add_event",
            "member.add_dependent",
            "member.add",
        ] {
            let (n,): (i64,) = s
                .fetch_one("SELECT count(*) FROM audit_log WHERE action = $1 AND outcome = $2", args![action, "ok"])
                .await
                .unwrap();
            assert_eq!(n, 1, "{l}: {action}");
        }
    }
}

#[tokio::test]
async fn a_retro_change_needs_a_supervisor_and_the_form_and_a_case_gets_its_timeline_entry() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let l = &db.label;
        let (ann, sam) = (ops(s, "ann").await, ops(s, "sam").await);
        let bare = a_case(s, 1, false).await;
        let with_form = a_case(s, 2, true).await;
        let retro = |case: &str| {
            let mut r =
                change(ChangeKind::Terminate, Some("M0000004"), &[("end_date", "2026-06-30"), ("reason", "quit")]);
            r.case = Some(case.to_owned());
            r
        };
        let agent = apply(&ann, retro(&with_form)).await.unwrap_err();
        assert!(
            matches!(agent, OpError::RefusedRole(_)) && agent.to_string().contains("needs a supervisor"),
            "{l}: {agent}"
        );
        let no_form = apply(&sam, retro(&bare)).await.unwrap_err();
        assert!(no_form.to_string().contains("attach an Exception Request Form"), "{l}: {no_form}");
        let refused: (i64,) = s
            .fetch_one(
                "SELECT count(*) FROM audit_log WHERE action = 'member.terminate' AND outcome = $1",
                args!["refused"],
            )
            .await
            .unwrap();
        assert_eq!(refused.0, 1, "{l}: the agent's refusal is audited");
        assert_eq!(one_text(s, "SELECT status FROM members WHERE id = $1", 4).await.as_deref(), Some("active"), "{l}");

        let done = apply(&sam, retro(&with_form)).await.unwrap();
        assert_eq!(done.case_number.as_deref(), Some(with_form.as_str()), "{l}");
        assert_eq!(one_i64(s, "SELECT member_id FROM cases WHERE id = $1", 2).await, 4, "{l}: the case is linked");
        let events = portaldesk::store::cases::events(s, 2).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!((last.kind.as_str(), last.body.as_str()), ("member_change", "M0000004: coverage terminated"), "{l}");
        assert_eq!(last.staff_login.as_deref(), Some("sam"), "{l}");
        // A change of another member from the same case is refused.
        let mut other = change(ChangeKind::Demographics, Some("M0000005"), &[("city", "Waco")]);
        other.case = Some(with_form.clone());
        let e = apply(&sam, other).await.unwrap_err();
        assert!(e.to_string().contains("is about another member"), "{l}: {e}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_written() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let l = &db.label;
        let (ann, sam) = (ops(s, "ann").await, ops(s, "sam").await);
        apply(&sam, change(ChangeKind::Demographics, Some("M0000004"), &[("ssn", "234-56-7890")])).await.unwrap();
        apply(
            &ann,
            change(
                ChangeKind::AddDependent,
                Some("M0000001"),
                &[
                    ("first_name", "Pat"),
                    ("last_name", "O'Brien"),
                    ("birth_date", "1982-01-01"),
                    ("relationship", "spouse"),
                    ("coverage_start", "2026-11-01"),
                ],
            ),
        )
        .await
        .unwrap();
        let form = a_case(s, 1, true).await;
        let mut early = change(ChangeKind::Terminate, Some("M0000002"), &[("end_date", "2025-12-31"), ("reason", "x")]);
        early.case = Some(form);
        let before = written(s).await;
        let dependent = |born: &'static str, rel: &'static str| {
            change(
                ChangeKind::AddDependent,
                Some("M0000001"),
                &[
                    ("first_name", "Kim"),
                    ("last_name", "O'Brien"),
                    ("birth_date", born),
                    ("relationship", rel),
                    ("coverage_start", "2026-11-01"),
                ],
            )
        };
        let long = "x".repeat(10_000);
        let cases: Vec<(ChangeRequest, &Ops, &str)> = vec![
            (dependent("2027-01-01", "child"), &ann, "birth_date"),
            (dependent("1986-01-01", "child"), &ann, "a child is covered until 26"),
            (dependent("1985-01-01", "spouse"), &ann, "already has a spouse"),
            (early, &sam, "before the coverage start"),
            (
                change(
                    ChangeKind::Enroll,
                    Some("M0000004"),
                    &[("plan_code", "MPPO"), ("tier", "employee"), ("coverage_start", "2026-11-01")],
                ),
                &ann,
                "not a plan of the member's group",
            ),
            (
                change(ChangeKind::Demographics, Some("M0000005"), &[("ssn", "234-56-7890")]),
                &sam,
                "on file for member M0000004",
            ),
            (change(ChangeKind::Demographics, Some("M0000005"), &[("first_name", long.as_str())]), &ann, "first_name"),
            (
                change(ChangeKind::Demographics, Some("M0000005"), &[("last_name", "Smith\u{202e}evil")]),
                &ann,
                "last_name",
            ),
            (
                change(ChangeKind::Terminate, Some("M0000005"), &[("end_date", "31.12.2026"), ("reason", "x")]),
                &ann,
                "end_date",
            ),
            (
                change(ChangeKind::Demographics, Some("M0000005"), &[("birth_date", "1970-01-02")]),
                &ann,
                "needs the supervisor role",
            ),
            (
                change(ChangeKind::Demographics, Some("M0000005"), &[("shoe_size", "9")]),
                &ann,
                "not a field of this change",
            ),
            (change(ChangeKind::Demographics, Some("M0000005"), &[("city", "Austin")]), &ann, "nothing to change"),
            (
                change(ChangeKind::Reinstate, Some("M0000005"), &[("effective_date", "2026-11-20")]),
                &ann,
                "nothing to reinstate",
            ),
            (change(ChangeKind::Demographics, Some("M0009999"), &[("city", "Waco")]), &ann, "no member M0009999"),
        ];
        for (req, who, says) in cases {
            let what = format!("{:?} {:?}", req.kind, req.fields.iter().map(|f| &f.0).collect::<Vec<_>>());
            let e = apply(who, req).await.unwrap_err();
            assert!(e.to_string().contains(says), "{l}: {what}: {e}");
        }
        let mut after = written(s).await;
        // Refusals by role are audited (one, the birth date); nothing else moved.
        after[4] -= 1;
        assert_eq!(after, before, "{l}");
    }
}

#[tokio::test]
async fn a_stale_version_is_refused_undo_reverts_within_its_window_and_a_dry_run_writes_nothing() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let l = &db.label;
        let (ann, sam) = (ops(s, "ann").await, ops(s, "sam").await);
        apply(&ann, change(ChangeKind::Demographics, Some("M0000005"), &[("city", "Waco"), ("phone", "512-555-0100")]))
            .await
            .unwrap();
        // Someone who read version 1 is refused and told what changed.
        let mut stale = change(ChangeKind::Demographics, Some("M0000005"), &[("city", "Tyler")]);
        stale.version = Some(1);
        let e = apply(&sam, stale).await.unwrap_err();
        assert!(
            matches!(e, OpError::Conflict(_)) && e.to_string().contains("address, phone changed by ann"),
            "{l}: {e}"
        );

        // A dry run: the preview, and not a row or audit row more.
        let before = written(s).await;
        let mut dry =
            change(ChangeKind::Terminate, Some("M0000005"), &[("end_date", "2026-12-31"), ("reason", "left")]);
        dry.dry_run = true;
        let preview = apply(&ann, dry).await.unwrap();
        assert!(!preview.applied && preview.changes.iter().any(|c| c.field == "status"), "{l}: {preview:?}");
        assert_eq!(written(s).await, before, "{l}");

        // Undo: a supervisor's, within the window, as a new change.
        let e = apply(&ann, change(ChangeKind::Undo, Some("M0000005"), &[])).await.unwrap_err();
        assert!(matches!(e, OpError::RefusedRole(_)), "{l}: {e}");
        let late = Ops::for_operator(s.clone(), "sam", false, Clock::Fixed(t0() + chrono::Duration::minutes(31)))
            .await
            .unwrap();
        let e = apply(&late, change(ChangeKind::Undo, Some("M0000005"), &[])).await.unwrap_err();
        assert!(e.to_string().contains("over 30 minutes ago"), "{l}: {e}");
        let undone = apply(&sam, change(ChangeKind::Undo, Some("M0000005"), &[])).await.unwrap();
        assert_eq!(undone.summary, "M0000005: last change reverted", "{l}");
        assert_eq!(one_text(s, "SELECT city FROM members WHERE id = $1", 5).await.as_deref(), Some("Austin"), "{l}");
        assert_eq!(one_text(s, "SELECT phone FROM members WHERE id = $1", 5).await, None, "{l}");
        let e = apply(&sam, change(ChangeKind::Undo, Some("M0000005"), &[])).await.unwrap_err();
        assert!(e.to_string().contains("already reverted"), "{l}: {e}");
        let history = sam.member_history("M0000005").await.unwrap();
        assert_eq!(history.len(), 2, "{l}");
        assert_eq!(history[1].undone_by, Some(history[0].id), "{l}");
    }
}

async fn find_with(store: &Store, query: &str, k: &DataKey) -> Vec<String> {
    let search = MemberSearch::parse(query, Some(k)).unwrap().map(Search::Members);
    let page = fetch(store, &members_request(search)).await.unwrap();
    page.rows.into_iter().map(|r| r.item.handle()).collect()
}

/// Every member with an SSN: (member number, SSN).
fn with_ssn() -> Vec<(String, &'static str)> {
    PEOPLE.iter().filter_map(|p| p.6.map(|s| (format!("M{:07}", p.0), s))).collect()
}

/// Key rotation (issue 22 point 8): stopped midway as a kill would stop it,
/// searches under both keys find everyone, imports wait, a second rotation
/// is refused; resumed, every SSN is found and opened with the new key
/// alone and none with the old; start and finish are audited.
#[tokio::test]
async fn a_key_rotation_stopped_midway_resumes_and_leaves_only_the_new_key() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let mut tx = s.begin_write().await.unwrap();
        staff::insert(&mut tx, "ada", "Ada", Role::Admin, "active", t0()).await.unwrap();
        tx.commit().await.unwrap();
        let (old, new) = (key(), DataKey::from_master([10; 32]));
        let both = old.clone().with_next(new.clone());
        let ann = ops(s, "ann").await;
        assert!(matches!(ann.start_rotation(&old, &new).await, Err(OpError::RefusedRole(_))), "{}", db.label);
        let ada = ops(s, "ada").await;
        let r = ada.start_rotation(&old, &new).await.unwrap();
        assert_eq!((r.state.as_str(), r.members_total, r.members_done), ("running", 6, 0), "{}", db.label);
        // A second rotation, to another key, is refused; the same one resumes.
        let third = DataKey::from_master([11; 32]);
        let e = ada.start_rotation(&old, &third).await.unwrap_err();
        assert!(e.to_string().contains("under way"), "{e}");
        assert_eq!(ada.start_rotation(&old, &new).await.unwrap().id, r.id);
        // One batch of two, then the process "dies".
        let (r, complete) = ada.rotate_batches(&old, &new, 2, Some(1)).await.unwrap();
        assert!(!complete);
        assert_eq!((r.members_done, r.last_member_id), (2, 2), "{}", db.label);
        drop(ada);
        for (number, ssn) in with_ssn() {
            assert_eq!(find_with(s, ssn, &both).await, [number.as_str()], "{} {ssn}", db.label);
        }
        // Member 1 is under the new key now, 7 not yet: a reveal opens both.
        let sam = ops(s, "sam").await;
        assert!(find_with(s, "912-34-5678", &old).await.is_empty(), "{}", db.label);
        assert_eq!(sam.reveal_ssn(&both, "M0000001", "check").await.unwrap(), "912-34-5678");
        assert_eq!(sam.reveal_ssn(&both, "M0000007", "check").await.unwrap(), "967-89-7777");
        // Imports wait while it runs, with a message that says why.
        let e = sam.run_import(&both, 1, None).await.unwrap_err();
        assert!(matches!(&e, OpError::Refused(m) if m.contains("key rotation")), "{e}");
        // Resumed by a new process: it goes on from member 3.
        let ada = ops(s, "ada").await;
        assert_eq!(ada.start_rotation(&old, &new).await.unwrap().last_member_id, 2);
        let (r, complete) = ada.rotate_batches(&old, &new, 2, None).await.unwrap();
        assert!(complete);
        assert_eq!((r.members_done, r.members_total), (6, 6), "{}", db.label);
        let done = ada.finish_rotation(new.id()).await.unwrap();
        assert_eq!(done.state, "done");
        // With the new key alone everyone is found and opened; with the old, no one.
        for (number, ssn) in with_ssn() {
            assert_eq!(find_with(s, ssn, &new).await, [number.as_str()], "{} {ssn}", db.label);
            assert!(find_with(s, ssn, &old).await.is_empty(), "{} {ssn}", db.label);
            assert_eq!(sam.reveal_ssn(&new, &number, "check").await.unwrap(), ssn);
            assert!(sam.reveal_ssn(&old, &number, "check").await.is_err(), "{} {number}", db.label);
        }
        let ids: Vec<(Option<String>,)> =
            s.fetch_all("SELECT ssn_key_id FROM members WHERE ssn_cipher IS NOT NULL", args![]).await.unwrap();
        assert!(ids.iter().all(|(k,)| k.as_deref() == Some(new.id())), "{ids:?}");
        let audit: Vec<(String, Option<String>)> = s
            .fetch_all(
                "SELECT operator, reason FROM audit_log WHERE action = 'key.rotate' AND outcome = 'ok' ORDER BY id",
                args![],
            )
            .await
            .unwrap();
        let want =
            [("ada".to_owned(), Some("rotation started".to_owned())), ("ada".into(), Some("rotation finished".into()))];
        assert_eq!(audit, want, "{}", db.label);
        // Another rotation may start now that this one is done.
        assert_eq!(ada.start_rotation(&new, &third).await.unwrap().state, "running");
    }
}
