//! Broker access, portal user accounts and staff accounts on SQLite and
//! PostgreSQL: every action and refusal by role, the cascade of a revoke to
//! office staff, the last-admin rule, outbox emails and single-use tokens.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::crypto::DataKey;
use portaldesk::domain::access::Perms;
use portaldesk::domain::role::Role;
use portaldesk::ops::access::Grantee;
use portaldesk::ops::accounts::Tools;
use portaldesk::ops::codes::{CodeFor, CodePolicy};
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::brokers::office_user_groups;
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, audit, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    t0().date_naive()
}

fn key() -> DataKey {
    DataKey::from_master([5; 32])
}

const POLICY: CodePolicy = CodePolicy { employer_days: 30, broker_hours: 48, max_attempts: 5 };

async fn fixture(store: &Store) {
    let mut tx = store.begin_write().await.unwrap();
    for (login, role) in [("ann", Role::Agent), ("sam", Role::Supervisor), ("ada", Role::Admin)] {
        staff::insert(&mut tx, login, login, role, "active", t0()).await.unwrap();
    }
    let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for (e, ein, groups) in [(1_i64, "12-3456789", ["ACM101", "ACM101-01"]), (2, "98-7654321", ["BIR101", "BIR101-01"])]
    {
        tx.execute(
            "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES ($1, $2, $3, $3, $4)",
            args![e, ein, format!("employer{e}"), t0()],
        )
        .await
        .unwrap();
        for (i, g) in groups.iter().enumerate() {
            tx.execute(
                "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, renewal_date) \
                 VALUES ($1, $2, $3, $3, 'active', $4, $4)",
                args![e * 10 + i as i64, e, *g, d],
            )
            .await
            .unwrap();
        }
    }
    tx.execute(
        "INSERT INTO agencies (id, name, tax_id_last4, created_at) VALUES (1, 'Lone Star Benefits', '1111', $1)",
        args![t0()],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO brokers (id, npn, agency_id, first_name, last_name, last_name_key, email, tax_id_cipher, tax_id_index, \
         tax_id_last4, states_appointed, status, created_at) VALUES (1, '1234567', 1, 'Rosa', 'Díaz', 'diaz', \
         'rosa@agency.example', $1, $2, '6789', 'TX', 'active', $3)",
        args![key().encrypt("912346789"), key().blind_index("tax", "912346789"), t0()],
    )
    .await
    .unwrap();
    for (id, email, kind, broker, status) in [
        (1_i64, "office@agency.example", "broker_staff", Some(1_i64), "active"),
        (2, "locked@employer.example", "employer", None, "locked"),
        (3, "new@employer.example", "employer", None, "pending_registration"),
        (4, "gone@employer.example", "employer", None, "disabled"),
    ] {
        tx.execute(
            "INSERT INTO portal_users (id, email, kind, employer_id, broker_id, first_name, last_name, name_key, status, \
             failed_logins, created_at) VALUES ($1, $2, $3, $4, $5, 'Pat', 'Lee', 'leepat', $6, 5, $7)",
            args![id, email, kind, broker.is_none().then_some(1_i64), broker, status, t0()],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn ops(store: &Store, login: &str) -> Ops {
    Ops::for_operator(store.clone(), login, false, Clock::Fixed(t0())).await.unwrap()
}

fn broker() -> Grantee {
    Grantee::Broker("1234567".into())
}

fn groups(g: &[&str]) -> Vec<String> {
    g.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn grants_are_checked_dated_and_cascade_to_office_staff_when_revoked() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops(s, "sam").await;
        let view = Perms::parse("view").unwrap();
        let ids = sam
            .grant_access(&broker(), Some("12-3456789"), &groups(&["ACM101", "acm101-01"]), view, None)
            .await
            .unwrap();
        assert_eq!(ids.len(), 2, "{}", db.label);
        assert_eq!(office_user_groups(s, 1, today()).await.unwrap(), ["ACM101", "ACM101-01"], "{}", db.label);

        // A group of another employer than named, or granted twice: refused, nothing granted.
        let e = sam.grant_access(&broker(), Some("12-3456789"), &groups(&["BIR101"]), view, None).await.unwrap_err();
        assert!(e.to_string().contains("belongs to employer 98-7654321"), "{e}");
        let e = sam.grant_access(&broker(), None, &groups(&["BIR101", "ACM101"]), view, None).await.unwrap_err();
        // Without an employer named, the first group's employer holds for the rest.
        assert!(e.to_string().contains("ACM101 belongs to employer 12-3456789, not 98-7654321"), "{e}");
        let (n,): (i64,) = s.fetch_one("SELECT count(*) FROM broker_access_grants", args![]).await.unwrap();
        assert_eq!(n, 2, "{}: nothing half-granted", db.label);
        let e = sam.grant_access(&broker(), None, &groups(&["ACM101"]), view, None).await.unwrap_err();
        assert!(e.to_string().contains("already has access"), "{e}");

        sam.change_access(ids[0], Perms::parse("view,enrollment").unwrap()).await.unwrap();
        let (enroll,): (bool,) =
            s.fetch_one("SELECT can_enroll FROM broker_access_grants WHERE id = $1", args![ids[0]]).await.unwrap();
        assert!(enroll);

        sam.revoke_access(ids[0], None).await.unwrap();
        assert_eq!(
            office_user_groups(s, 1, today()).await.unwrap(),
            ["ACM101-01"],
            "{}: the office lost it too",
            db.label
        );
        let (ends,): (Option<NaiveDate>,) =
            s.fetch_one("SELECT ends_on FROM broker_access_grants WHERE id = $1", args![ids[0]]).await.unwrap();
        assert_eq!(ends, Some(today()), "{}: ended, not deleted", db.label);
        assert!(sam.revoke_access(ids[0], None).await.unwrap_err().to_string().contains("already ended"));
        assert!(sam.change_access(ids[0], view).await.unwrap_err().to_string().contains("ended"));

        // The group's side: which brokers can see it, with what, since when.
        let history = portaldesk::store::brokers::grants_for_group(s, "ACM101").await.unwrap();
        assert_eq!((history.len(), history[0].holder.as_str()), (1, "broker 1234567"), "{}", db.label);

        for bad in ["12a4567", "12345678901"] {
            let e = sam
                .grant_access(&Grantee::Broker(bad.into()), None, &groups(&["ACM101"]), view, None)
                .await
                .unwrap_err();
            assert!(matches!(e, OpError::Invalid(_)), "{bad}: {e}");
        }
        // An agency grant reaches the agency's brokers and their office.
        sam.grant_access(&Grantee::Agency(1), None, &groups(&["BIR101"]), view, None).await.unwrap();
        assert_eq!(office_user_groups(s, 1, today()).await.unwrap(), ["ACM101-01", "BIR101"], "{}", db.label);
    }
}

#[tokio::test]
async fn account_actions_change_status_and_refuse_the_wrong_state() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops(s, "sam").await;
        let a = sam.unlock_account("Locked@Employer.example").await.unwrap();
        assert_eq!((a.status.as_str(), a.failed_logins), ("active", 0), "{}", db.label);
        assert!(sam.unlock_account("locked@employer.example").await.unwrap_err().to_string().contains("not locked"));
        sam.disable_account("locked@employer.example").await.unwrap();
        assert!(
            sam.disable_account("locked@employer.example").await.unwrap_err().to_string().contains("already disabled")
        );
        sam.enable_account("gone@employer.example").await.unwrap();
        let t = Tools::parse("eligibility,book").unwrap();
        let a = sam.set_tools("office@agency.example", t).await.unwrap();
        assert_eq!((a.tool_eligibility, a.tool_billing, a.tool_book), (true, false, true));
        let e = sam.unlock_account("x@y.example\nBcc: z@w.example").await.unwrap_err();
        assert!(matches!(e, OpError::Invalid(_)), "{e}");
        assert!(matches!(sam.unlock_account("nobody@y.example").await, Err(OpError::NotFound(_))));
        let rows: (i64,) = s
            .fetch_one("SELECT count(*) FROM audit_log WHERE action LIKE 'account.%' AND outcome = 'ok'", args![])
            .await
            .unwrap();
        assert_eq!(rows.0, 4, "{}", db.label);
    }
}

#[tokio::test]
async fn tokens_go_to_the_outbox_and_work_once() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let sam = ops(s, "sam").await;
        let first = sam.resend_registration(&key(), "new@employer.example").await.unwrap();
        let second = sam.resend_registration(&key(), "new@employer.example").await.unwrap();
        assert_eq!(second.revoked, vec![first.id], "{}: the previous link stops working", db.label);
        // A portal user's link is not reissued as an employer's code.
        let e = sam.reissue_code(&key(), POLICY, second.id, None).await.unwrap_err();
        assert!(e.to_string().contains("account resend-registration"), "{}: {e}", db.label);
        let mails: Vec<(String, String, String)> =
            s.fetch_all("SELECT template, recipient, body FROM email_outbox ORDER BY id", args![]).await.unwrap();
        assert_eq!(mails.len(), 2);
        assert_eq!((mails[1].0.as_str(), mails[1].1.as_str()), ("registration", "new@employer.example"));
        assert!(!mails[1].2.contains(&second.code), "{}: sealed at rest", db.label);
        assert!(key().open_text(&mails[1].2).unwrap().contains(&second.code));
        assert!(
            sam.resend_registration(&key(), "office@agency.example").await.unwrap_err().to_string().contains("pending")
        );

        let reset = sam.reset_password(&key(), "office@agency.example").await.unwrap().unwrap();
        let (template, recipient): (String, String) = s
            .fetch_one("SELECT template, recipient FROM email_outbox ORDER BY id DESC LIMIT 1", args![])
            .await
            .unwrap();
        assert_eq!((template.as_str(), recipient.as_str()), ("password_reset", "office@agency.example"));
        assert_eq!(reset.expires_at, t0() + Duration::hours(24));
        // No account: no error, no email, an audit row.
        assert!(sam.reset_password(&key(), "nobody@agency.example").await.unwrap().is_none());
        let (n,): (i64,) = s.fetch_one("SELECT count(*) FROM email_outbox", args![]).await.unwrap();
        assert_eq!(n, 3, "{}", db.label);

        let who = CodeFor::parse("office@agency.example").unwrap();
        sam.redeem_code(&key(), POLICY, &reset.code, &who).await.unwrap();
        let again = sam.redeem_code(&key(), POLICY, &reset.code, &who).await.unwrap_err();
        assert!(again.to_string().contains("already used"), "{}: {again}", db.label);
        let old = sam.redeem_code(&key(), POLICY, &first.code, &CodeFor::parse("new@employer.example").unwrap()).await;
        assert!(old.unwrap_err().to_string().contains("no longer valid"), "{}", db.label);
    }
}

#[tokio::test]
async fn staff_accounts_keep_one_active_admin() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let ada = ops(s, "ada").await;
        assert!(
            ada.set_staff_role("ada", Role::Supervisor).await.unwrap_err().to_string().contains("last active admin")
        );
        assert!(ada.disable_staff("ada").await.unwrap_err().to_string().contains("last active admin"));
        ada.create_staff("bo.k", "Bo K", Role::Admin).await.unwrap();
        assert!(ada.create_staff("bo.k", "Bo again", Role::Agent).await.unwrap_err().to_string().contains("exists"));
        assert!(matches!(ada.create_staff("Bad Login", "x", Role::Agent).await, Err(OpError::Invalid(_))));
        // A name that reads otherwise than it is stored is refused, not cleaned.
        let e = ada.create_staff("eve", "Eve\u{202e}nimda", Role::Agent).await.unwrap_err();
        assert!(matches!(&e, OpError::Invalid(m) if m.contains("\\u{202E}")), "{}: {e}", db.label);
        ada.set_staff_role("ada", Role::Supervisor).await.unwrap();
        let bo = ops(s, "bo.k").await;
        assert!(bo.disable_staff("bo.k").await.unwrap_err().to_string().contains("last active admin"));
        bo.disable_staff("ann").await.unwrap();
        assert!(Ops::for_operator(s.clone(), "ann", false, Clock::System).await.is_err(), "{}", db.label);
        bo.enable_staff("ann").await.unwrap();
        let rows: (i64,) = s
            .fetch_one("SELECT count(*) FROM audit_log WHERE action LIKE 'staff.%' AND outcome = 'ok'", args![])
            .await
            .unwrap();
        assert_eq!(rows.0, 4, "{}", db.label);
    }
}

#[tokio::test]
async fn the_permission_matrix_refuses_and_audits() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let view = Perms::parse("view").unwrap();
        for (login, role) in [("ann", Role::Agent), ("sam", Role::Supervisor), ("ada", Role::Admin)] {
            let o = ops(s, login).await;
            let sup = role >= Role::Supervisor;
            let adm = role >= Role::Admin;
            let checks: Vec<(&str, bool, Result<(), OpError>)> = vec![
                (
                    "access.grant",
                    sup,
                    o.grant_access(&broker(), None, &groups(&["BIR101-01"]), view, None).await.map(|_| ()),
                ),
                (
                    "account.tools",
                    sup,
                    o.set_tools("office@agency.example", Tools::parse(if adm { "book" } else { "billing" }).unwrap())
                        .await
                        .map(|_| ()),
                ),
                ("account.reset_password", sup, o.reset_password(&key(), "office@agency.example").await.map(|_| ())),
                ("staff.create", adm, o.create_staff(&format!("new.{login}"), "New", Role::Agent).await.map(|_| ())),
            ];
            for (name, allowed, r) in checks {
                match (&r, allowed) {
                    (Ok(()), true) => {}
                    (Err(OpError::RefusedRole(m)), false) => {
                        assert!(m.contains("needs the"), "{}: {login} {name}: {m}", db.label)
                    }
                    (Err(OpError::Refused(m)), true) if name == "access.grant" && m.contains("already") => {}
                    _ => panic!("{}: {login} {name}: {r:?}", db.label),
                }
                if !allowed {
                    let (n,): (i64,) = s
                        .fetch_one(
                            "SELECT count(*) FROM audit_log WHERE action = $1 AND operator = $2 AND outcome = 'refused'",
                            args![name, login],
                        )
                        .await
                        .unwrap();
                    assert_eq!(n, 1, "{}: {login} {name} refusal audited", db.label);
                }
            }
        }
    }
}

/// Drops the append-only triggers, as someone editing the database by hand would.
async fn drop_append_only(s: &Store) {
    if s.pick("sqlite", "postgres") == "sqlite" {
        s.execute("DROP TRIGGER audit_log_no_update", args![]).await.unwrap();
        s.execute("DROP TRIGGER audit_log_no_delete", args![]).await.unwrap();
    } else {
        s.execute("DROP TRIGGER audit_log_no_update ON audit_log", args![]).await.unwrap();
    }
}

#[tokio::test]
async fn audit_verify_catches_an_altered_row_and_a_deleted_row() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let ada = ops(s, "ada").await;
        for login in ["bo.a", "bo.b", "bo.c", "bo.d"] {
            ada.create_staff(login, login, Role::Agent).await.unwrap();
        }
        // A refusal by role is chained too.
        assert!(ops(s, "ann").await.create_staff("eve", "Eve", Role::Agent).await.is_err());
        let v = audit::verify(s, None).await.unwrap();
        assert_eq!((v.checked, v.first_id, v.last_id), (5, Some(1), Some(5)), "{}", db.label);
        assert!(v.broken.is_none(), "{}: {:?}", db.label, v.broken);

        drop_append_only(s).await;
        s.execute("UPDATE audit_log SET operator = 'mallory' WHERE id = 3", args![]).await.unwrap();
        let b = audit::verify(s, None).await.unwrap().broken.expect("the altered row is caught");
        assert_eq!(b.id, 3, "{}: {b:?}", db.label);
        assert!(b.problem.contains("altered"), "{}", b.problem);
        // Put back as it was, the chain holds again: the hash is the content's.
        s.execute("UPDATE audit_log SET operator = 'ada' WHERE id = 3", args![]).await.unwrap();
        assert!(audit::verify(s, None).await.unwrap().broken.is_none(), "{}", db.label);

        s.execute("DELETE FROM audit_log WHERE id = 5", args![]).await.unwrap();
        let b = audit::verify(s, None).await.unwrap().broken.expect("the removed last row is caught");
        assert_eq!(b.id, 5, "{}: {b:?}", db.label);
        assert!(b.problem.contains("missing"), "{}", b.problem);

        s.execute("DELETE FROM audit_log WHERE id = 2", args![]).await.unwrap();
        let v = audit::verify(s, None).await.unwrap();
        let b = v.broken.expect("the removed row is caught");
        assert_eq!((b.id, b.problem.as_str()), (3, "does not follow row 1: rows 2 to 2 are missing"), "{}", db.label);
        assert_eq!(v.checked, 1, "{}", db.label);
    }
}

#[tokio::test]
async fn rows_from_before_the_chain_are_folded_into_it() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        // A row as a database migrated from before the chain holds it: no hash.
        s.execute(
            "INSERT INTO audit_log (id, at, operator, action, entity, outcome) VALUES (1, $1, 'ada', 'staff.create', 'staff:old', 'ok')",
            args![t0()],
        )
        .await
        .unwrap();
        ops(s, "ada").await.create_staff("bo.a", "Bo", Role::Agent).await.unwrap();
        let v = audit::verify(s, None).await.unwrap();
        assert_eq!((v.before_chain, v.checked, v.last_id), (1, 1, Some(2)), "{}", db.label);
        assert!(v.broken.is_none(), "{}: {:?}", db.label, v.broken);
        drop_append_only(s).await;
        s.execute("UPDATE audit_log SET entity = 'staff:other' WHERE id = 1", args![]).await.unwrap();
        assert_eq!(audit::verify(s, None).await.unwrap().broken.map(|b| b.id), Some(2), "{}", db.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_writers_keep_one_chain() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        let ada = ops(s, "ada").await;
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let ada = ada.clone();
                tokio::spawn(async move { ada.create_staff(&format!("w{i:02}"), "Writer", Role::Agent).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let v = audit::verify(s, None).await.unwrap();
        assert!(v.broken.is_none(), "{}: {:?}", db.label, v.broken);
        assert_eq!((v.checked, v.first_id, v.last_id), (32, Some(1), Some(32)), "{}", db.label);
        let (n,): (i64,) = s.fetch_one("SELECT count(DISTINCT hash) FROM audit_log", args![]).await.unwrap();
        assert_eq!(n, 32, "{}", db.label);
    }
}

#[tokio::test]
async fn verify_from_a_day_checks_the_rows_from_that_day_on() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s).await;
        ops(s, "ada").await.create_staff("bo.a", "Bo", Role::Agent).await.unwrap();
        let next_day = t0() + Duration::days(1);
        let later = Ops::for_operator(s.clone(), "ada", false, Clock::Fixed(next_day)).await.unwrap();
        later.create_staff("bo.b", "Bo", Role::Agent).await.unwrap();
        later.create_staff("bo.c", "Bo", Role::Agent).await.unwrap();
        let from = next_day.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
        let v = audit::verify(s, Some(from)).await.unwrap();
        assert_eq!((v.checked, v.first_id, v.last_id), (2, Some(2), Some(3)), "{}", db.label);
        assert!(v.broken.is_none(), "{}: {:?}", db.label, v.broken);
        // A day with nothing after it: nothing to walk, and the end still matches the head.
        let v = audit::verify(s, Some(from + Duration::days(1))).await.unwrap();
        assert_eq!((v.checked, v.broken.is_none()), (0, true), "{}", db.label);
        // An edit on the day checked is caught from there.
        drop_append_only(s).await;
        s.execute("UPDATE audit_log SET entity = 'staff:eve' WHERE id = 3", args![]).await.unwrap();
        assert_eq!(audit::verify(s, Some(from)).await.unwrap().broken.map(|b| b.id), Some(3), "{}", db.label);
    }
}
