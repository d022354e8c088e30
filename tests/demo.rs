//! The demo data set: every kind of row the areas show, valid SSNs, and the
//! same data for the same seed.

mod common;

use common::seeded::{key, now};
use portaldesk::args;
use portaldesk::demo::{DemoOptions, seed};
use portaldesk::store::Store;
use portaldesk::store::testing::StoreSql;

async fn seeded(store: &Store, seed_value: u64) {
    let opts = DemoOptions {
        members: 300,
        seed: seed_value,
        admin_login: "tester".into(),
        now: now(),
        progress: false,
        cases: None,
    };
    let s = seed(store, &key(), &opts).await.expect("seed");
    assert_eq!(s.members, 300);
}

async fn values(store: &Store, sql: &'static str) -> Vec<String> {
    let rows: Vec<(String,)> = store.fetch_all(sql, args![]).await.unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn every_table_and_every_state_is_present() {
    for db in common::all_backends().await {
        let s = &db.store;
        seeded(s, 7).await;
        for table in [
            "staff",
            "employers",
            "employer_groups",
            "plans",
            "plan_rates",
            "members",
            "qualifying_events",
            "enrollments",
            "premiums",
            "payments",
            "communications",
            "letters",
            "cases",
            "case_events",
            "case_attachments",
            "import_jobs",
            "import_file_chunks",
            "import_rows",
            "import_row_errors",
            "agencies",
            "brokers",
            "broker_licenses",
            "broker_access_grants",
            "portal_users",
            "one_time_codes",
            "email_outbox",
            "audit_log",
        ] {
            // The table name comes from the list above.
            let (n,): (i64,) =
                s.fetch_one(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")), args![]).await.unwrap();
            assert!(n > 0, "{}: {table} is empty", db.label);
        }
        let set = |v: Vec<String>| v.into_iter().collect::<std::collections::BTreeSet<_>>();
        assert_eq!(set(values(s, "SELECT DISTINCT queue FROM cases").await).len(), 4, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT status FROM cases").await).len(), 5, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT status FROM portal_users").await).len(), 4, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT member_type FROM members").await).len(), 4, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT role FROM staff").await).len(), 3, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT status FROM staff").await).len(), 2, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT kind FROM import_jobs").await).len(), 4, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT status FROM import_jobs").await).len(), 6, "{}", db.label);
        assert_eq!(set(values(s, "SELECT DISTINCT status FROM one_time_codes").await).len(), 4, "{}", db.label);
        let tester: Vec<(String, String)> =
            s.fetch_all("SELECT role, status FROM staff WHERE login = 'tester'", args![]).await.unwrap();
        assert_eq!(tester, vec![("admin".to_owned(), "active".to_owned())], "{}", db.label);
        // Some awaiting-info cases are past their due date; some codes have expired.
        let (overdue,): (i64,) = s
            .fetch_one("SELECT count(*) FROM cases WHERE status = 'awaiting_info' AND info_due_at < $1", args![now()])
            .await
            .unwrap();
        assert!(overdue > 0, "{}", db.label);
        let (expired,): (i64,) = s
            .fetch_one("SELECT count(*) FROM one_time_codes WHERE status = 'active' AND expires_at < $1", args![now()])
            .await
            .unwrap();
        assert!(expired > 0, "{}", db.label);
        // Retroactive eligibility cases with and without the exception form.
        let (with, without): (i64, i64) = s
            .fetch_one(
                "SELECT \
                   (SELECT count(*) FROM cases c WHERE c.retroactive AND EXISTS (SELECT 1 FROM case_attachments a WHERE a.case_id = c.id AND a.kind = 'exception_request_form')), \
                   (SELECT count(*) FROM cases c WHERE c.retroactive AND NOT EXISTS (SELECT 1 FROM case_attachments a WHERE a.case_id = c.id AND a.kind = 'exception_request_form'))",
                args![],
            )
            .await
            .unwrap();
        assert!(with > 0 && without > 0, "{}: {with} with, {without} without", db.label);
    }
}

#[derive(sqlx::FromRow)]
struct Ssn {
    last_name: String,
    ssn_cipher: Option<Vec<u8>>,
    ssn_index: Option<Vec<u8>>,
    ssn_last4: Option<String>,
}

#[tokio::test]
async fn ssns_are_encrypted_indexed_and_never_itins() {
    for db in common::all_backends().await {
        seeded(&db.store, 7).await;
        let rows: Vec<Ssn> = db
            .store
            .fetch_all("SELECT last_name, ssn_cipher, ssn_index, ssn_last4 FROM members ORDER BY id", args![])
            .await
            .unwrap();
        let k = key();
        let mut without = 0;
        let mut pairs = std::collections::HashMap::new();
        for r in &rows {
            match (&r.ssn_cipher, &r.ssn_index, &r.ssn_last4) {
                (Some(c), Some(i), Some(l4)) => {
                    let digits = k.decrypt(c).expect("decrypts with the demo key");
                    assert_eq!(digits.len(), 9);
                    // An SSN as an import would take it: never an ITIN (900–999).
                    let ssn = portaldesk::domain::ssn::Ssn::parse_new(&digits);
                    assert!(ssn.is_ok(), "{}: demo SSN {}: {:?}", db.label, &digits[..3], ssn.err());
                    assert_eq!(&k.blind_index("ssn", &digits), i, "{}", db.label);
                    assert_eq!(&digits[5..], l4.as_str());
                    *pairs.entry((r.last_name.clone(), l4.clone())).or_insert(0) += 1;
                }
                (None, None, None) => without += 1,
                _ => panic!("{}: partial SSN columns", db.label),
            }
        }
        assert!(without > 0, "{}: some dependents have no SSN", db.label);
        assert!(pairs.values().any(|n| *n >= 2), "{}: two members share last name and last four", db.label);
        let names: Vec<String> = rows.iter().map(|r| r.last_name.clone()).collect();
        assert!(
            names.iter().any(|n| n.contains('\'')) && names.iter().any(|n| !n.is_ascii()),
            "{}: apostrophes and accents",
            db.label
        );
    }
}

#[tokio::test]
async fn same_seed_same_data_other_seed_other_data() {
    let (a, b, c) = (common::sqlite().await, common::sqlite().await, common::sqlite().await);
    seeded(&a.store, 11).await;
    seeded(&b.store, 11).await;
    seeded(&c.store, 12).await;
    const Q: &str =
        "SELECT member_number || ' ' || first_name || ' ' || last_name || ' ' || birth_date FROM members ORDER BY id";
    let (va, vb, vc) = (values(&a.store, Q).await, values(&b.store, Q).await, values(&c.store, Q).await);
    assert_eq!(va, vb);
    assert_ne!(va, vc);
    const C: &str = "SELECT case_number || ' ' || queue || ' ' || status || ' ' || company_name FROM cases ORDER BY id";
    assert_eq!(values(&a.store, C).await, values(&b.store, C).await);
}
