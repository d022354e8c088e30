//! Commission statements on SQLite and PostgreSQL: listed by NPN and month
//! within the 18 months kept, written out as CSV (audited), purged by the
//! report worker (audited as system:worker); and the CLI over a demo.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use portaldesk::args;
use portaldesk::domain::role::Role;
use portaldesk::ops::reports::Worker;
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, staff};

fn now() -> DateTime<Utc> {
    common::seeded::now()
}

/// Staff tester, a group, broker 1234567 and statements (id, month, lines
/// of premium cents at 450 bps), on 2026-11-23 the 18 months kept being
/// 2025-05 to 2026-10.
async fn fixture(s: &Store, list: &[(i64, &str, &[i64])]) {
    let mut tx = s.begin_write().await.unwrap();
    staff::insert(&mut tx, "tester", "Tess Tester", Role::Admin, "active", now()).await.unwrap();
    tx.execute(
        "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES (1, '12-3456789', 'Acme', 'acme', $1)",
        args![now()],
    )
    .await
    .unwrap();
    for (id, number, name) in [(1_i64, "ACM100", "=Acme HQ"), (2, "ACM100-01", "Acme West")] {
        tx.execute(
            "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, renewal_date) \
             VALUES ($1, 1, $2, $3, 'active', '2020-01-01', '2027-01-01')",
            args![id, number, name],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "INSERT INTO brokers (id, npn, first_name, last_name, last_name_key, email, tax_id_cipher, tax_id_index, \
         tax_id_last4, states_appointed, status, created_at) \
         VALUES (1, '1234567', 'Rosa', 'Díaz', 'diaz', 'rosa@agency.example', $1, $2, '6789', 'TX', 'active', $3)",
        args![vec![1u8], vec![2u8], now()],
    )
    .await
    .unwrap();
    for (id, month, lines) in list {
        let month: NaiveDate = format!("{month}-01").parse().unwrap();
        let c = |p: i64| portaldesk::domain::commission::commission_cents(p, 450);
        tx.execute(
            "INSERT INTO commission_statements (id, broker_id, npn, month, issued_on, groups, premium_cents, \
             commission_cents, created_at) VALUES ($1, 1, '1234567', $2, $3, $4, $5, $6, $7)",
            args![
                *id,
                month,
                month + Duration::days(35),
                lines.len() as i64,
                lines.iter().sum::<i64>(),
                lines.iter().map(|p| c(*p)).sum::<i64>(),
                now()
            ],
        )
        .await
        .unwrap();
        for (i, premium) in lines.iter().enumerate() {
            tx.execute(
                "INSERT INTO commission_statement_lines (statement_id, group_id, subscribers, premium_cents, rate_bps, \
                 commission_cents) VALUES ($1, $2, 4, $3, 450, $4)",
                args![*id, 2 - i as i64, *premium, c(*premium)],
            )
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

async fn ops(s: &Store) -> Ops {
    Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(now())).await.unwrap()
}

#[tokio::test]
async fn statements_are_listed_by_month_within_the_18_kept_and_written_out() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, &[(1, "2025-04", &[10_000]), (2, "2025-05", &[20_000]), (3, "2026-09", &[30_000, 11_111])]).await;
        let ops = ops(s).await;
        // The latest month on file by default.
        let latest = ops.commission_statements("1234567", None).await.unwrap();
        assert_eq!(latest.month.as_deref(), Some("2026-09"), "{}", db.label);
        assert_eq!((latest.searchable_from.as_str(), latest.searchable_to.as_str()), ("2025-05", "2026-10"));
        let ids: Vec<(i64, i64, &str, i64, i64)> = latest
            .statements
            .iter()
            .map(|s| (s.id, s.broker_id, s.broker.as_str(), s.premium_cents, s.commission_cents))
            .collect();
        // 4.5 % of 300.00 is 13.50; of 111.11, 4.99995 → 5.00.
        assert_eq!(ids, vec![(3, 1, "Díaz, Rosa", 41_111, 1_850)], "{}", db.label);
        let oldest = ops.commission_statements("1234567", Some("2025-05")).await.unwrap();
        assert_eq!(oldest.statements.iter().map(|s| s.id).collect::<Vec<_>>(), vec![2], "{}", db.label);
        let empty = ops.commission_statements("1234567", Some("2026-10")).await.unwrap();
        assert!(empty.statements.is_empty() && empty.month.as_deref() == Some("2026-10"));
        let old = ops.commission_statements("1234567", Some("2025-04")).await.unwrap_err();
        assert!(matches!(old, OpError::Invalid(_)) && old.to_string().contains("2025-05 to 2026-10"), "{old}");
        assert!(matches!(ops.commission_statements("12a", None).await, Err(OpError::Invalid(_))));
        assert!(matches!(ops.commission_statements("7654321", None).await, Err(OpError::NotFound(_))));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.csv");
        let w = ops.write_statement(3, &file).await.unwrap();
        assert_eq!((w.lines, w.statement.id), (2, 3));
        // By group number; a name starting with `=` is neutralised.
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "group,group_name,subscribers,premium_cents,rate_bps,commission_cents\n\
             ACM100,'=Acme HQ,4,11111,450,500\nACM100-01,Acme West,4,30000,450,1350\n",
            "{}",
            db.label
        );
        // Statement 1 is past the 18 months (the worker has not purged it yet).
        let kept = ops.write_statement(1, &file).await.unwrap_err();
        assert!(kept.to_string().contains("kept 18 months"), "{kept}");
        assert!(matches!(ops.write_statement(99, &file).await, Err(OpError::NotFound(_))));
        let audit: Vec<(String, String)> = s
            .fetch_all("SELECT action, entity FROM audit_log WHERE action LIKE 'commission.%' ORDER BY id", args![])
            .await
            .unwrap();
        assert_eq!(audit, vec![("commission.get".to_owned(), "commission-statement:3".to_owned())], "{}", db.label);
    }
}

#[tokio::test]
async fn the_worker_purges_statements_past_18_months_once_audited_as_system() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(
            s,
            &[
                (1, "2024-11", &[1_000, 2_000]),
                (2, "2025-04", &[10_000]),
                (3, "2025-05", &[20_000]),
                (4, "2026-10", &[5]),
            ],
        )
        .await;
        let w = Worker::new(&ops(s).await, "w");
        assert_eq!(w.run_next().await.unwrap(), None, "{}: no job, but the purge ran", db.label);
        let left: Vec<(i64,)> = s.fetch_all("SELECT id FROM commission_statements ORDER BY id", args![]).await.unwrap();
        assert_eq!(left, vec![(3,), (4,)], "{}", db.label);
        let lines: Vec<(i64,)> = s
            .fetch_all("SELECT statement_id FROM commission_statement_lines ORDER BY statement_id", args![])
            .await
            .unwrap();
        assert_eq!(lines, vec![(3,), (4,)], "{}: their lines went with them", db.label);
        // Once: a second run has nothing to purge and writes no audit row.
        assert_eq!(w.run_next().await.unwrap(), None);
        let audit: Vec<(String, String, Option<String>, Option<String>)> = s
            .fetch_all(
                "SELECT operator, entity, before_json, after_json FROM audit_log WHERE action = 'commission.purge'",
                args![],
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), 1, "{}: {audit:?}", db.label);
        let (operator, entity, before, after) = &audit[0];
        assert_eq!((operator.as_str(), entity.as_str()), ("system:worker", "commission-statements"));
        let before: serde_json::Value = serde_json::from_str(before.as_deref().unwrap()).unwrap();
        assert_eq!(
            before,
            serde_json::json!([{"month": "2024-11", "statements": 1}, {"month": "2025-04", "statements": 1}]),
            "{}",
            db.label
        );
        let after: serde_json::Value = serde_json::from_str(after.as_deref().unwrap()).unwrap();
        assert_eq!(after, serde_json::json!({"kept_from": "2025-05", "statements": 2, "lines": 3}), "{}", db.label);
    }
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The demo's 24 months of statements through the CLI: the worker purges
/// six, the latest month shows by default, the oldest kept can be searched
/// and the one before cannot; a statement is written out; a schedule paused
/// and resumed says so.
#[test]
fn commission_and_schedule_commands_over_the_demo() {
    use common::pty::run;
    use portaldesk::domain::commission::{latest_month, month_text, oldest_kept};
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let out = run(h, &["demo", "--members", "300"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("commission statements"), "{}", text(&out.stderr));
    let today = Utc::now().date_naive();
    let (latest, oldest) = (month_text(latest_month(today)), month_text(oldest_kept(today)));
    let before_oldest = month_text(oldest_kept(today) - Duration::days(1));

    // The accounting report names the brokers with statements; the worker also purges.
    let out = run(h, &["report", "run", "commissions-by-broker", "--param", &format!("month={latest}"), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let job = json(&out)["result"]["id"].as_i64().unwrap();
    let out = run(h, &["worker", "--once"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv_path = h.join("by-broker.csv");
    let out = run(h, &["report", "get", &job.to_string(), "--out", csv_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let by_broker = std::fs::read_to_string(&csv_path).unwrap();
    let npn = by_broker.lines().nth(1).expect("a broker with a statement").split(',').next().unwrap().to_owned();

    let out = run(h, &["commission", "list", "--npn", &npn, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["result"]["month"], latest.as_str(), "{v}");
    let statement = v["result"]["statements"][0]["id"].as_i64().unwrap();
    assert_eq!(v["result"]["statements"][0]["npn"], npn.as_str());
    let out = run(h, &["commissions", "list", "--npn", &npn, "--month", &oldest]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("NPN {npn} for {oldest}")), "{}", text(&out.stdout));
    let out = run(h, &["commission", "list", "--npn", &npn, "--month", &before_oldest]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains(&format!("{oldest} to {latest} can be searched")), "{}", text(&out.stderr));
    let out = run(h, &["commission", "list", "--npn", "9999999999"]);
    assert!(text(&out.stderr).contains("no broker with NPN 9999999999"), "{}", text(&out.stderr));

    let file = h.join("statement.csv");
    let out = run(h, &["commission", "get", &statement.to_string(), "--out", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("group,group_name,subscribers,premium_cents,rate_bps,commission_cents\n"));
    assert_eq!(v["result"]["lines"].as_u64().unwrap() as usize, written.lines().count() - 1, "{v}");

    // A schedule paused shows as paused; resumed, it says when it runs next.
    let out = run(h, &["report", "schedule", "case-sla", "--at", "2030-01-07 07:00", "--every", "weekly", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id = json(&out)["result"]["id"].as_i64().unwrap().to_string();
    assert!(run(h, &["report", "pause", &id]).status.success());
    let listed = text(&run(h, &["report", "schedules"]).stdout);
    assert!(listed.contains("paused"), "{listed}");
    let out = run(h, &["report", "resume", &id, "--json"]);
    assert_eq!(json(&out)["result"]["next_at"], "2030-01-07T12:00:00Z", "{}", text(&out.stdout));
    let listed = text(&run(h, &["report", "schedules"]).stdout);
    assert!(listed.contains("active") && !listed.contains("paused"), "{listed}");
    let out = run(h, &["report", "resume", &id]);
    assert!(text(&out.stderr).contains("is not paused"), "{}", text(&out.stderr));
}
