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
    Ok(page.rows.into_iter().map(|r| r.cells[1].clone()).collect())
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
        assert_eq!(row.rows[0].cells[5], "(none)");
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
