//! Registration codes on SQLite and PostgreSQL: issue, redeem exactly once,
//! expiry, revoke, lockout, reissue, the stored value, no code in clear in
//! any table or the log, and letters that are written before the code is
//! kept and never collide across databases.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::crypto::{DataKey, SEALED_PREFIX};
use portaldesk::domain::role::Role;
use portaldesk::ops::codes::{CodeFor, CodePolicy, NO_MATCH};
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Backend, Store, staff};

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
        let issued = sam.issue_code(&key(), POLICY, &acme(), None).await.unwrap();
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
        // Sealed at rest; the data key opens it for the mailer.
        assert!(body.starts_with(SEALED_PREFIX) && !body.contains(&issued.code), "{}: {body}", db.label);
        let body = key().open_text(&body).unwrap();
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
        let issued = sam.issue_code(&key(), POLICY, &acme(), None).await.unwrap();
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
        let b = sam.issue_code(&key(), POLICY, &CodeFor::parse("npn:1234567").unwrap(), None).await.unwrap();
        assert_eq!((b.purpose.as_str(), b.expires_at), ("broker_verification", t0() + Duration::hours(48)));
        let late = ops_at(s, "sam", t0() + Duration::hours(49)).await;
        let e = late.redeem_code(&key(), POLICY, &b.code, &CodeFor::Broker("1234567".into())).await.unwrap_err();
        assert!(e.to_string().contains("expired"), "{}: {e}", db.label);
        let e = late.revoke_code(b.id, "too late").await.unwrap_err();
        assert!(e.to_string().contains("expired"), "{}: {e}", db.label);

        // Reissuing revokes the previous code.
        let first = sam.issue_code(&key(), POLICY, &acme(), None).await.unwrap();
        let second = sam.reissue_code(&key(), POLICY, first.id, None).await.unwrap();
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
        let e = sam.issue_code(&key(), POLICY, &CodeFor::parse("11-1111111").unwrap(), None).await.unwrap_err();
        assert!(e.to_string().contains("no employer with EIN 11-1111111"), "{e}");
        assert!(CodeFor::parse("12-34567").is_err());
        assert!(CodeFor::parse("npn:12a").is_err());
        let ann = ops_at(s, "ann", t0()).await;
        let e = ann.issue_code(&key(), POLICY, &acme(), None).await.unwrap_err();
        assert!(e.to_string().contains("needs the supervisor role"), "{e}");
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
        let issued = ops_at(s, "sam", t0()).await.issue_code(&key(), POLICY, &acme(), None).await.unwrap();
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

/// Every column of every row of every table, as bytes: PostgreSQL `bytea`
/// as stored, anything else as its text; SQLite values cast to BLOB.
async fn dump_every_table(s: &Store) -> Vec<(String, Vec<u8>)> {
    let tables: Vec<(String,)> = s
        .fetch_all(
            s.pick(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
            ),
            args![],
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    for (table,) in tables {
        let cols: Vec<(String, String)> = s
            .fetch_all(
                s.pick(
                    "SELECT name, lower(type) FROM pragma_table_info($1)",
                    "SELECT column_name::text, data_type::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1",
                ),
                args![table.clone()],
            )
            .await
            .unwrap();
        assert!(!cols.is_empty(), "{table} has columns");
        for (col, ty) in cols {
            // Names come from the catalog, not from input.
            let sql = match s.backend() {
                Backend::Sqlite => format!("SELECT CAST(\"{col}\" AS BLOB) FROM \"{table}\""),
                Backend::Postgres if ty == "bytea" => format!("SELECT \"{col}\" FROM \"{table}\""),
                Backend::Postgres => format!("SELECT convert_to(\"{col}\"::text, 'UTF8') FROM \"{table}\""),
            };
            let values: Vec<(Option<Vec<u8>>,)> = s.fetch_all(sqlx::AssertSqlSafe(sql), args![]).await.unwrap();
            out.extend(values.into_iter().filter_map(|(v,)| v).map(|v| (format!("{table}.{col}"), v)));
        }
    }
    out
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_table_holds_an_issued_code_or_reset_token_in_clear() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        for (id, email, status) in
            [(1_i64, "new@acme.example", "pending_registration"), (2, "pat@acme.example", "active")]
        {
            s.execute(
                "INSERT INTO portal_users (id, email, kind, employer_id, first_name, last_name, name_key, status, \
                 failed_logins, created_at) VALUES ($1, $2, 'employer', 1, 'Pat', 'Lee', 'leepat', $3, 0, $4)",
                args![id, email, status, t0()],
            )
            .await
            .unwrap();
        }
        let sam = ops_at(s, "sam", t0()).await;
        let employer = sam.issue_code(&key(), POLICY, &acme(), None).await.unwrap();
        let broker = sam.issue_code(&key(), POLICY, &CodeFor::parse("npn:1234567").unwrap(), None).await.unwrap();
        let reissued = sam.reissue_code(&key(), POLICY, employer.id, None).await.unwrap();
        let registration = sam.resend_registration(&key(), "new@acme.example").await.unwrap();
        let reset = sam.reset_password(&key(), "pat@acme.example").await.unwrap().unwrap();
        let issued = [&employer, &broker, &reissued, &registration, &reset];

        // Each notice is in the outbox, sealed, and the data key opens it to its code.
        let mails: Vec<(String, String)> =
            s.fetch_all("SELECT entity, body FROM email_outbox ORDER BY id", args![]).await.unwrap();
        assert_eq!(mails.len(), issued.len(), "{}", db.label);
        for (i, (entity, body)) in issued.iter().zip(&mails) {
            assert_eq!(entity, &format!("code:{}", i.id));
            assert!(body.starts_with(SEALED_PREFIX), "{}: {body}", db.label);
            assert!(key().open_text(body).unwrap().contains(&i.code), "{}: {entity}", db.label);
        }

        let dump = dump_every_table(s).await;
        // The dump sees what is there: names, last fours, the sealed bodies.
        assert!(dump.iter().any(|(c, v)| c == "employers.legal_name" && holds(v, b"Acme Bakery")), "{}", db.label);
        assert!(dump.iter().any(|(c, v)| c == "one_time_codes.last4" && holds(v, &reset.code.as_bytes()[15..])));
        assert!(
            dump.iter().any(|(c, _)| c == "email_outbox.body") && dump.iter().any(|(c, _)| c.starts_with("audit_log."))
        );
        for i in issued {
            for form in [i.code.clone(), i.code.replace('-', ""), i.code.replace('-', " ")] {
                for (col, v) in &dump {
                    assert!(!holds(v, form.as_bytes()), "{}: {col} holds {} code {form}", db.label, i.purpose);
                }
            }
        }
    }
}

#[tokio::test]
async fn the_log_never_holds_a_code() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, so that SQLite's worker threads log here too; the only test here that sets one.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops_at(s, "sam", t0()).await;
        let letters = tempfile::tempdir().unwrap();
        let a = sam.issue_code(&key(), POLICY, &acme(), Some(letters.path())).await.unwrap();
        let b = sam.reissue_code(&key(), POLICY, a.id, Some(letters.path())).await.unwrap();
        sam.redeem_code(&key(), POLICY, &b.code, &acme()).await.unwrap();
        sam.redeem_code(&key(), POLICY, &a.code, &acme()).await.unwrap_err();
        let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
        assert!(text.contains("one_time_codes"), "{}: the log captured the statements", db.label);
        for form in [&a.code, &b.code, &a.code.replace('-', ""), &b.code.replace('-', "")] {
            assert!(!text.contains(form.as_str()), "{}: the log holds {form}", db.label);
        }
    }
}

#[tokio::test]
async fn a_letter_that_cannot_be_written_leaves_no_new_code() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops_at(s, "sam", t0()).await;
        let dir = tempfile::tempdir().unwrap();
        let letters = dir.path().join("letters");
        let first = sam.issue_code(&key(), POLICY, &acme(), Some(&letters)).await.unwrap();
        let path = first.letter.clone().expect("an employer code writes its letter");
        assert!(std::fs::read_to_string(&path).unwrap().contains(&first.code), "{}", db.label);

        // A letters "folder" that is a file: nothing can be written there (even by root).
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, "not a folder").unwrap();
        for e in [
            sam.issue_code(&key(), POLICY, &acme(), Some(&blocked)).await.unwrap_err(),
            sam.reissue_code(&key(), POLICY, first.id, Some(&blocked)).await.unwrap_err(),
        ] {
            let e = e.to_string();
            assert!(e.contains("cannot create the letters folder") && e.contains("no code was issued"), "{e}");
        }
        // The first code is still the one active code; nothing else was kept.
        let codes: Vec<(i64, String)> =
            s.fetch_all("SELECT id, status FROM one_time_codes ORDER BY id", args![]).await.unwrap();
        assert_eq!(codes, vec![(first.id, "active".to_owned())], "{}", db.label);
        let (mails,): (i64,) = s.fetch_one("SELECT count(*) FROM email_outbox", args![]).await.unwrap();
        assert_eq!(mails, 1, "{}", db.label);
        let (audits,): (i64,) = s
            .fetch_one("SELECT count(*) FROM audit_log WHERE action IN ('code.issue', 'code.reissue')", args![])
            .await
            .unwrap();
        assert_eq!(audits, 1, "{}", db.label);
        sam.redeem_code(&key(), POLICY, &first.code, &acme()).await.unwrap();
        // A broker code has no letter, so a bad folder does not stop it.
        let npn = CodeFor::parse("npn:1234567").unwrap();
        assert_eq!(sam.issue_code(&key(), POLICY, &npn, Some(&blocked)).await.unwrap().letter, None);
    }
}

#[tokio::test]
async fn databases_sharing_a_letters_folder_never_collide() {
    let letters = tempfile::tempdir().unwrap();
    let mut pairs = vec![(common::sqlite().await, common::sqlite().await)];
    if let (Some(a), Some(b)) = (common::postgres().await, common::postgres().await) {
        pairs.push((a, b));
    }
    let databases = 2 * pairs.len();
    for (a, b) in pairs {
        fixture(&a.store).await;
        fixture(&b.store).await;
        let ia = ops_at(&a.store, "sam", t0()).await.issue_code(&key(), POLICY, &acme(), Some(letters.path())).await;
        let ib = ops_at(&b.store, "sam", t0()).await.issue_code(&key(), POLICY, &acme(), Some(letters.path())).await;
        let (ia, ib) = (ia.unwrap(), ib.unwrap());
        assert_eq!(ia.id, ib.id, "{}: the same id in both databases", a.label);
        let (la, lb) = (ia.letter.clone().unwrap(), ib.letter.clone().unwrap());
        assert_ne!(la, lb, "{}", a.label);
        assert!(std::fs::read_to_string(&la).unwrap().contains(&ia.code));
        assert!(std::fs::read_to_string(&lb).unwrap().contains(&ib.code));
        assert_eq!(status(&a.store, ia.id).await.0, "active");
        assert_eq!(status(&b.store, ib.id).await.0, "active");
    }
    assert_eq!(std::fs::read_dir(letters.path()).unwrap().count(), databases);
}

/// Key rotation and codes (issue 22 point 8): a code issued under the old
/// key redeems while the rotation runs (its hash is checked under both
/// keys); outbox bodies and the broker's tax ID are sealed afresh; when the
/// rotation finishes the codes still active are revoked, since their hashes
/// cannot be re-made without the code, and must be reissued.
#[tokio::test]
async fn codes_redeem_during_a_key_rotation_and_are_revoked_when_it_finishes() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let (old, new) = (key(), DataKey::from_master([8; 32]));
        let both = old.clone().with_next(new.clone());
        let mut tx = s.begin_write().await.unwrap();
        staff::insert(&mut tx, "ada", "Ada", Role::Admin, "active", t0()).await.unwrap();
        tx.execute(
            "UPDATE brokers SET tax_id_cipher = $1, tax_id_index = $2",
            args![old.encrypt("123456789"), old.blind_index("tax", "123456789")],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let sam = ops_at(s, "sam", t0()).await;
        let a = sam.issue_code(&old, POLICY, &acme(), None).await.unwrap();
        let b = sam.issue_code(&old, POLICY, &CodeFor::Broker("1234567".into()), None).await.unwrap();
        let ada = ops_at(s, "ada", t0()).await;
        ada.start_rotation(&old, &new).await.unwrap();
        let (r, complete) = ada.rotate_batches(&old, &new, 1, None).await.unwrap();
        assert!(complete);
        assert_eq!((r.brokers_done, r.outbox_done, r.outbox_total), (1, 2, 2), "{}", db.label);
        // Redeemed mid-rotation by a session holding both keys.
        assert_eq!(sam.redeem_code(&both, POLICY, &a.code, &acme()).await.unwrap().subject, "Acme Bakery");
        // Outbox bodies and the tax ID are now under the new key alone.
        let bodies: Vec<(String,)> = s.fetch_all("SELECT body FROM email_outbox", args![]).await.unwrap();
        for (body,) in &bodies {
            assert!(new.open_text(body).is_some() && old.open_text(body).is_none(), "{}", db.label);
        }
        let (tax, tax_key): (Vec<u8>, Option<String>) =
            s.fetch_one("SELECT tax_id_cipher, tax_id_key_id FROM brokers", args![]).await.unwrap();
        assert_eq!(new.decrypt(&tax).as_deref(), Some("123456789"));
        assert_eq!(tax_key.as_deref(), Some(new.id()));
        let done = ada.finish_rotation(new.id()).await.unwrap();
        assert_eq!(done.codes_revoked, 1, "{}", db.label);
        let (status, reason): (String, Option<String>) =
            s.fetch_one("SELECT status, revoke_reason FROM one_time_codes WHERE id = $1", args![b.id]).await.unwrap();
        assert_eq!(status, "revoked");
        assert!(reason.unwrap().contains("reissued"));
        let broker = CodeFor::Broker("1234567".into());
        let e = sam.redeem_code(&new, POLICY, &b.code, &broker).await.unwrap_err();
        assert_eq!(e.to_string(), format!("refused: {NO_MATCH}"), "{}", db.label);
        let e = sam.redeem_code(&both, POLICY, &b.code, &broker).await.unwrap_err();
        assert!(e.to_string().contains("no longer valid: ask your account manager for a new one"), "{}: {e}", db.label);
        // Reissued under the new key, it redeems.
        let c = sam.issue_code(&new, POLICY, &broker, None).await.unwrap();
        assert!(sam.redeem_code(&new, POLICY, &c.code, &broker).await.is_ok(), "{}", db.label);
    }
}
