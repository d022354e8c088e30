//! Registration codes on SQLite and PostgreSQL: issue, redeem exactly once,
//! expiry, revoke, lockout, reissue, the stored value, and no code in the
//! audit log.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::crypto::DataKey;
use portaldesk::domain::role::Role;
use portaldesk::ops::codes::{CodeFor, CodePolicy, NO_MATCH};
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn key() -> DataKey {
    DataKey::from_master([7; 32])
}

const POLICY: CodePolicy = CodePolicy { employer_days: 30, broker_hours: 48, max_attempts: 5 };

/// Staff `sam` (supervisor) and `ann` (agent); employers Acme (12-3456789,
/// with a billing contact) and Birch (98-7654321); broker NPN 1234567.
async fn fixture(store: &Store) {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "sam", "Sam", Role::Supervisor, "active", t0()).await.unwrap();
    staff::insert(&mut tx, "ann", "Ann", Role::Agent, "active", t0()).await.unwrap();
    for (id, ein, name) in [(1_i64, "12-3456789", "Acme Bakery"), (2, "98-7654321", "Birch Dental")] {
        tx.execute(
            "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES ($1, $2, $3, $4, $5)",
            args![id, ein, name, name.to_lowercase(), t0()],
        )
        .await
        .unwrap();
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        tx.execute(
            "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, \
             renewal_date, billing_contact_email) VALUES ($1, $1, $2, $3, 'active', $4, $4, $5)",
            args![id, format!("GRP{id}"), name, d, format!("billing@{}.example", name.to_lowercase().replace(' ', ""))],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "INSERT INTO brokers (id, npn, first_name, last_name, last_name_key, email, tax_id_cipher, tax_id_index, \
         tax_id_last4, states_appointed, status, created_at) \
         VALUES (1, '1234567', 'Rosa', 'Díaz', 'diaz', 'rosa@agency.example', $1, $2, '6789', 'TX', 'active', $3)",
        args![vec![1u8], vec![2u8], t0()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn ops_at(store: &Store, login: &str, at: DateTime<Utc>) -> Ops {
    Ops::for_operator(store.clone(), login, false, Clock::Fixed(at)).await.unwrap()
}

fn acme() -> CodeFor {
    CodeFor::parse("12-3456789").unwrap()
}

fn birch() -> CodeFor {
    CodeFor::parse("98-7654321").unwrap()
}

async fn status(store: &Store, id: i64) -> (String, i64) {
    store.fetch_one("SELECT status, attempts FROM one_time_codes WHERE id = $1", args![id]).await.unwrap()
}

#[tokio::test]
async fn issue_redeem_once_and_the_code_is_stored_only_as_a_hash() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops_at(s, "sam", t0()).await;
        let issued = sam.issue_code(&key(), POLICY, &acme()).await.unwrap();
        assert_eq!(issued.code.len(), 19, "{}", issued.code);
        assert_eq!(issued.expires_at, t0() + Duration::days(30));
        assert_eq!(issued.purpose, "employer_registration");

        // Stored: the keyed hash and last four, never the code.
        let (hash, last4): (Vec<u8>, String) =
            s.fetch_one("SELECT code_hash, last4 FROM one_time_codes WHERE id = $1", args![issued.id]).await.unwrap();
        let canonical = issued.code.replace('-', "");
        assert_eq!(last4, canonical[12..]);
        assert_eq!(hash, key().code_hash(&canonical));
        assert!(!hash.windows(canonical.len()).any(|w| w == canonical.as_bytes()));

        // The notice went to the outbox, to the billing contact.
        let (template, recipient, body): (String, String, String) = s
            .fetch_one(
                "SELECT template, recipient, body FROM email_outbox WHERE entity = $1",
                args![format!("code:{}", issued.id)],
            )
            .await
            .unwrap();
        assert_eq!((template.as_str(), recipient.as_str()), ("new_client_login", "billing@acmebakery.example"));
        assert!(body.contains(&issued.code) && body.contains("Acme Bakery") && body.contains("New User Registration"));

        // Redeemed once, typed the way people type it.
        let typed = issued.code.to_lowercase().replace('-', " ").replace('1', "l").replace('0', "O");
        let r = ops_at(s, "ann", t0() + Duration::days(1)).await.redeem_code(&key(), POLICY, &typed, &acme()).await;
        assert_eq!(r.unwrap().subject, "Acme Bakery", "{}", db.label);
        assert_eq!(status(s, issued.id).await, ("used".into(), 0));
        let again = sam.redeem_code(&key(), POLICY, &issued.code, &acme()).await.unwrap_err();
        assert!(again.to_string().contains("already used"), "{}: {again}", db.label);

        // No audit row holds the code, whatever column.
        let rows: Vec<(String, String)> = s
            .fetch_all(
                "SELECT action, entity || ' ' || COALESCE(reason, '') || ' ' || COALESCE(before_json, '') || ' ' || \
                 COALESCE(after_json, '') FROM audit_log",
                args![],
            )
            .await
            .unwrap();
        assert!(rows.iter().any(|r| r.0 == "code.issue") && rows.iter().any(|r| r.0 == "code.redeem"));
        for (_, text) in &rows {
            assert!(!text.contains(&issued.code) && !text.contains(&canonical), "{}: {text}", db.label);
        }
    }
}

#[tokio::test]
async fn a_wrong_code_and_a_wrong_ein_answer_alike_and_attempts_lock_the_code() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops_at(s, "sam", t0()).await;
        let issued = sam.issue_code(&key(), POLICY, &acme()).await.unwrap();
        let wrong_code = sam.redeem_code(&key(), POLICY, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", &acme()).await.unwrap_err();
        let wrong_ein = sam.redeem_code(&key(), POLICY, &issued.code, &birch()).await.unwrap_err();
        let malformed = sam.redeem_code(&key(), POLICY, "hello", &acme()).await.unwrap_err();
        for e in [&wrong_code, &wrong_ein, &malformed] {
            assert!(matches!(e, OpError::Refused(m) if m == NO_MATCH), "{}: {e}", db.label);
        }
        // Only the wrong EIN for a real code counted against it.
        assert_eq!(status(s, issued.id).await, ("active".into(), 1), "{}", db.label);
        for _ in 0..4 {
            sam.redeem_code(&key(), POLICY, &issued.code, &birch()).await.unwrap_err();
        }
        assert_eq!(status(s, issued.id).await, ("locked".into(), 5), "{}", db.label);
        let e = sam.redeem_code(&key(), POLICY, &issued.code, &acme()).await.unwrap_err();
        assert!(e.to_string().contains("locked"), "{}: {e}", db.label);
        let refused: (i64,) = s
            .fetch_one("SELECT count(*) FROM audit_log WHERE action = 'code.redeem' AND outcome = 'refused'", args![])
            .await
            .unwrap();
        assert_eq!(refused.0, 8, "{}: every failed attempt is audited", db.label);
    }
}

#[tokio::test]
async fn expiry_revoke_and_reissue() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops_at(s, "sam", t0()).await;
        // Broker verification lives 48 hours.
        let b = sam.issue_code(&key(), POLICY, &CodeFor::parse("npn:1234567").unwrap()).await.unwrap();
        assert_eq!((b.purpose.as_str(), b.expires_at), ("broker_verification", t0() + Duration::hours(48)));
        let late = ops_at(s, "sam", t0() + Duration::hours(49)).await;
        let e = late.redeem_code(&key(), POLICY, &b.code, &CodeFor::Broker("1234567".into())).await.unwrap_err();
        assert!(e.to_string().contains("expired"), "{}: {e}", db.label);
        let e = late.revoke_code(b.id, "too late").await.unwrap_err();
        assert!(e.to_string().contains("expired"), "{}: {e}", db.label);

        // Reissuing revokes the previous code.
        let first = sam.issue_code(&key(), POLICY, &acme()).await.unwrap();
        let second = sam.reissue_code(&key(), POLICY, first.id).await.unwrap();
        assert_eq!(second.revoked, vec![first.id]);
        assert_eq!(status(s, first.id).await.0, "revoked");
        let e = sam.redeem_code(&key(), POLICY, &first.code, &acme()).await.unwrap_err();
        assert!(e.to_string().contains("no longer valid"), "{}: {e}", db.label);

        // Revoke needs a reason, and happens once.
        assert!(matches!(sam.revoke_code(second.id, "  ").await, Err(OpError::Invalid(_))));
        sam.revoke_code(second.id, "employer asked").await.unwrap();
        let (st, reason): (String, String) = s
            .fetch_one("SELECT status, revoke_reason FROM one_time_codes WHERE id = $1", args![second.id])
            .await
            .unwrap();
        assert_eq!((st.as_str(), reason.as_str()), ("revoked", "employer asked"), "{}", db.label);
        assert!(sam.revoke_code(second.id, "again").await.unwrap_err().to_string().contains("is revoked"));
    }
}

#[tokio::test]
async fn bad_subjects_and_roles_are_refused() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops_at(s, "sam", t0()).await;
        let e = sam.issue_code(&key(), POLICY, &CodeFor::parse("11-1111111").unwrap()).await.unwrap_err();
        assert!(e.to_string().contains("no employer with EIN 11-1111111"), "{e}");
        assert!(CodeFor::parse("12-34567").is_err());
        assert!(CodeFor::parse("npn:12a").is_err());
        let ann = ops_at(s, "ann", t0()).await;
        let e = ann.issue_code(&key(), POLICY, &acme()).await.unwrap_err();
        assert!(e.to_string().contains("code.issue needs the supervisor role"), "{e}");
        let (n,): (i64,) = s.fetch_one("SELECT count(*) FROM one_time_codes", args![]).await.unwrap();
        assert_eq!(n, 0, "{}", db.label);
    }
}

#[tokio::test]
async fn two_racing_redemptions_on_postgres_one_wins() {
    let Some(db) = common::postgres().await else { return };
    let s = &db.store;
    fixture(s).await;
    for _ in 0..10 {
        let issued = ops_at(s, "sam", t0()).await.issue_code(&key(), POLICY, &acme()).await.unwrap();
        let mut handles = Vec::new();
        for _ in 0..2 {
            let (o, code) = (ops_at(s, "ann", t0()).await, issued.code.clone());
            handles.push(tokio::spawn(async move { o.redeem_code(&key(), POLICY, &code, &acme()).await.is_ok() }));
        }
        let mut wins = 0;
        for h in handles {
            wins += usize::from(h.await.unwrap());
        }
        assert_eq!(wins, 1);
        assert_eq!(status(s, issued.id).await.0, "used");
    }
}
