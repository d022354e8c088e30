//! Report jobs on SQLite and PostgreSQL: a worker streams a report into
//! chunks; a killed worker's job completes on the next worker with the
//! output an uninterrupted run writes; two workers never run a job twice;
//! reports against hand-made fixtures.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::domain::role::Role;
use portaldesk::ops::reports::{Ran, Worker, output};
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, reports, staff};

fn now() -> DateTime<Utc> {
    common::seeded::now()
}

/// Queues `report` with `params` as tester, through the ops layer.
async fn enqueue(store: &Store, report: &str, params: &[(&str, &str)]) -> i64 {
    let pairs: Vec<(String, String)> = params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let ops = Ops::for_operator(store.clone(), "tester", false, Clock::Fixed(now())).await.unwrap();
    ops.enqueue_report(report, &pairs).await.unwrap()
}

/// A worker in tester's session, its clock at `at`.
async fn worker(store: &Store, name: &str, at: DateTime<Utc>) -> Worker {
    let ops = Ops::for_operator(store.clone(), "tester", false, Clock::Fixed(at)).await.unwrap();
    Worker::new(&ops, name).with_chunk_bytes(4096)
}

/// Staff tester (admin), whom the seeded demo also has.
async fn tester(store: &Store) {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "tester", "Tess Tester", Role::Admin, "active", now()).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_killed_workers_job_completes_on_the_next_worker_as_an_uninterrupted_run() {
    for db in common::all_backends().await {
        let s = &db.store;
        common::seeded::seed_small(&db).await;
        let period = [("from", "2000-01-01"), ("to", "2030-12-31")];
        let whole = enqueue(s, "qualifying-events", &period).await;
        let killed = enqueue(s, "qualifying-events", &period).await;

        let ran = worker(s, "w1", now()).await.run_next().await.unwrap().unwrap();
        let Ran::Succeeded { job, rows } = ran else { panic!("{}: {ran:?}", db.label) };
        assert_eq!(job, whole);
        let (events,): (i64,) = s.fetch_one("SELECT count(*) FROM qualifying_events", args![]).await.unwrap();
        assert!(events > 10, "{}: the demo has events ({events})", db.label);
        assert_eq!(rows, events, "{}", db.label);
        let expected = output(s, whole).await.unwrap();
        let text = String::from_utf8(expected.clone()).unwrap();
        assert_eq!(text.lines().count() as i64, events + 1, "{}: a header and a line per event", db.label);
        assert!(
            text.starts_with("member_number,name,group,event,event_date,notice_date,election_deadline,coverage_end\n")
        );
        let (chunks,): (i64,) =
            s.fetch_one("SELECT count(*) FROM report_output_chunks WHERE job_id = $1", args![whole]).await.unwrap();
        assert!(chunks > 1, "{}: the output is stored in chunks ({chunks})", db.label);

        // A worker claims the second job, writes a chunk and dies.
        let mut tx = s.begin_write().await.unwrap();
        let dead = reports::claim(&mut tx, "dead", now(), now() + Duration::minutes(5)).await.unwrap().unwrap();
        assert_eq!((dead.id, dead.attempt), (killed, 1));
        assert!(
            reports::write_chunk(&mut tx, killed, 1, 0, b"half a line,", 1, now() + Duration::minutes(5))
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();

        // Inside its lease nobody takes it; after, the next worker does.
        assert_eq!(worker(s, "w2", now() + Duration::minutes(1)).await.run_next().await.unwrap(), None);
        let later = now() + Duration::minutes(10);
        let ran = worker(s, "w3", later).await.run_next().await.unwrap().unwrap();
        assert_eq!(ran, Ran::Succeeded { job: killed, rows: events }, "{}", db.label);
        assert_eq!(output(s, killed).await.unwrap(), expected, "{}: the same bytes as the uninterrupted run", db.label);
        let job = reports::job(s, killed).await.unwrap().unwrap();
        assert_eq!((job.status.as_str(), job.attempt, job.worker.as_deref()), ("succeeded", 2, Some("w3")));

        // The dead worker, were it to wake, can write nothing more.
        let mut tx = s.begin_write().await.unwrap();
        assert!(!reports::write_chunk(&mut tx, killed, 1, 99, b"late", 1, later).await.unwrap());
        assert!(!reports::finish(&mut tx, killed, 1, "failed", 0, Some("late"), later).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(output(s, killed).await.unwrap(), expected, "{}", db.label);
    }
}

#[tokio::test]
async fn two_workers_run_each_of_200_jobs_exactly_once() {
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        let mut queued = Vec::new();
        for _ in 0..200 {
            queued.push(enqueue(s, "case-sla", &[]).await);
        }
        let run = |name: &'static str| async move {
            let w = worker(s, name, now()).await;
            let mut done = Vec::new();
            while let Some(ran) = w.run_next().await.unwrap() {
                match ran {
                    Ran::Succeeded { job, .. } => done.push(job),
                    other => panic!("{other:?}"),
                }
            }
            done
        };
        let (a, b) = tokio::join!(run("a"), run("b"));
        let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, queued, "{}: every job once ({} by a, {} by b)", db.label, a.len(), b.len());
        let (twice,): (i64,) = s
            .fetch_one("SELECT count(*) FROM report_jobs WHERE attempt <> 1 OR status <> 'succeeded'", args![])
            .await
            .unwrap();
        assert_eq!(twice, 0, "{}", db.label);
    }
}

/// Staff ann and bob, and cases (queue, assignee, status, due in hours from now).
async fn cases_fixture(store: &Store, cases: &[(&str, Option<i64>, &str, i64)]) {
    tester(store).await;
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "ann", "Ann Agent", Role::Agent, "active", now()).await.unwrap();
    staff::insert(&mut tx, "bob", "Bob Agent", Role::Agent, "active", now()).await.unwrap();
    for (i, (queue, assignee, status, due_h)) in cases.iter().enumerate() {
        let n = i as i64 + 1;
        tx.execute(
            "INSERT INTO cases (id, case_number, queue, status, priority, subject, description, company_name, group_numbers, \
             submitted_at, submitted_by, sla_due_at, assignee_id) \
             VALUES ($1, $2, $3, $4, 2, 's', 'd', 'Acme', 'ACM100', $5, 'hr@acme.test', $6, $7)",
            args![
                n,
                portaldesk::domain::case::case_number(n),
                *queue,
                *status,
                now() - Duration::days(3),
                now() + Duration::hours(*due_h),
                *assignee
            ],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn case_sla_counts_open_and_overdue_by_queue_and_assignee() {
    for db in common::all_backends().await {
        let s = &db.store;
        let ann = 2; // after tester
        cases_fixture(
            s,
            &[
                ("billing", Some(ann), "open", -5),
                ("billing", Some(ann), "new", 4),
                ("billing", None, "new", -1),
                ("billing", None, "resolved", -50),
                ("support", Some(ann), "awaiting_info", -2),
                ("support", None, "new", 8),
            ],
        )
        .await;
        let all = enqueue(s, "case-sla", &[]).await;
        let billing = enqueue(s, "case-sla", &[("queue", "billing")]).await;
        for _ in 0..2 {
            assert!(matches!(worker(s, "w", now()).await.run_next().await.unwrap(), Some(Ran::Succeeded { .. })));
        }
        let due = |h: i64| (now() + Duration::hours(h)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let want_billing = format!(
            "queue,assignee,open,overdue,oldest_due\nbilling,(unassigned),1,1,{}\nbilling,ann,2,1,{}\n",
            due(-1),
            due(-5)
        );
        assert_eq!(String::from_utf8(output(s, billing).await.unwrap()).unwrap(), want_billing, "{}", db.label);
        let text = String::from_utf8(output(s, all).await.unwrap()).unwrap();
        assert!(text.starts_with(&want_billing), "{}: {text}", db.label);
        assert!(
            text.ends_with(&format!("support,(unassigned),1,0,{}\nsupport,ann,1,1,{}\n", due(8), due(-2))),
            "{text}"
        );
    }
}

#[tokio::test]
async fn election_deadlines_and_a_job_whose_parameters_no_longer_check() {
    for db in common::all_backends().await {
        let s = &db.store;
        common::seeded::seed_small(&db).await;
        let job = enqueue(s, "election-deadlines", &[("days", "45")]).await;
        let ran = worker(s, "w", now()).await.run_next().await.unwrap().unwrap();
        assert!(matches!(ran, Ran::Succeeded { .. }), "{ran:?}");
        let text = String::from_utf8(output(s, job).await.unwrap()).unwrap();
        let today = now().date_naive();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("member_number,name,group,event,event_date,election_deadline,days_left"));
        let rows: Vec<Vec<String>> = lines.map(|l| l.rsplitn(3, ',').map(str::to_owned).collect()).collect();
        // Every row's deadline lies in the window and its days left agree with it.
        for r in &rows {
            let (left, deadline): (i64, NaiveDate) = (r[0].parse().unwrap(), r[1].parse().unwrap());
            assert!((0..=45).contains(&left), "{r:?}");
            assert_eq!((deadline - today).num_days(), left, "{r:?}");
        }
        // And every such event of the database is there: counted from its own dates.
        let events: Vec<(NaiveDate, NaiveDate, Option<NaiveDate>)> = s
            .fetch_all("SELECT loss_of_coverage_date, notice_date, election_date FROM qualifying_events", args![])
            .await
            .unwrap();
        let want = events
            .iter()
            .filter(|(loss, notice, elected)| {
                let d = portaldesk::domain::cobra::election_deadline(*loss, *notice);
                elected.is_none() && d >= today && d <= today + Duration::days(45)
            })
            .count();
        assert_eq!(rows.len(), want, "{}", db.label);

        // A job stored with a period running backwards fails, saying why.
        let mut tx = s.begin_write().await.unwrap();
        let bad = r#"[["from","2026-03-01"],["to","2026-01-01"]]"#;
        let id = reports::insert_job(&mut tx, "qualifying-events", bad, None, "tester", now()).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        let ran = worker(s, "w", now()).await.run_next().await.unwrap().unwrap();
        let Ran::Failed { job, error } = ran else { panic!("{ran:?}") };
        assert_eq!(job, id);
        assert!(error.contains("runs backwards"), "{error}");
        assert_eq!(reports::job(s, id).await.unwrap().unwrap().status, "failed");
        assert!(output(s, id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_schedules_slot_is_queued_once_however_many_workers_catch_it_up() {
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        let slot = Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap();
        let mut tx = s.begin_write().await.unwrap();
        let id = reports::insert_schedule(
            &mut tx,
            &reports::NewSchedule {
                report: "case-sla",
                params: "[]",
                repeat: "daily",
                repeat_on: None,
                start_date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                at_time: "02:00",
                zone: "America/New_York",
                next_at: Some(slot),
                by: "tester",
                at: now(),
            },
        )
        .await
        .unwrap();
        let first =
            reports::insert_job(&mut tx, "case-sla", "[]", Some((id, slot)), "system:worker", now()).await.unwrap();
        let again =
            reports::insert_job(&mut tx, "case-sla", "[]", Some((id, slot)), "system:worker", now()).await.unwrap();
        assert!(first.is_some(), "{}", db.label);
        assert_eq!(again, None, "{}: the same slot is not queued twice", db.label);
        assert_eq!(reports::due_schedules(&mut tx, now()).await.unwrap().len(), 1);
        reports::set_schedule_slot(&mut tx, id, Some(slot), Some(slot + Duration::days(1))).await.unwrap();
        assert!(reports::due_schedules(&mut tx, now()).await.unwrap().is_empty());
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn queueing_checks_the_catalogue_a_cancel_stops_a_job_and_each_step_is_audited() {
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        let ops = Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(now())).await.unwrap();
        let pairs = |v: &[(&str, &str)]| v.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
        let unknown = ops.enqueue_report("qb-rooster", &[]).await.unwrap_err();
        assert!(matches!(unknown, OpError::NotFound(_)) && unknown.to_string().contains("qb-roster"), "{unknown}");
        let missing = ops.enqueue_report("election-deadlines", &[]).await.unwrap_err();
        assert!(matches!(missing, OpError::Invalid(_)) && missing.to_string().contains("needs days"), "{missing}");
        let (jobs,): (i64,) = s.fetch_one("SELECT count(*) FROM report_jobs", args![]).await.unwrap();
        assert_eq!(jobs, 0, "{}: nothing queued by a refusal", db.label);

        let kept = ops.enqueue_report("case-sla", &[]).await.unwrap();
        let dropped = ops.enqueue_report("case-sla", &pairs(&[("queue", "billing")])).await.unwrap();
        ops.cancel_report(dropped).await.unwrap();
        let again = ops.cancel_report(dropped).await.unwrap_err();
        assert!(again.to_string().contains("cancelled already"), "{again}");
        assert!(matches!(ops.cancel_report(999).await.unwrap_err(), OpError::NotFound(_)));
        let w = worker(s, "w", now()).await;
        assert_eq!(w.run_next().await.unwrap(), Some(Ran::Succeeded { job: kept, rows: 0 }));
        assert_eq!(w.run_next().await.unwrap(), None, "{}: a cancelled job is not run", db.label);

        let audit: Vec<(String, String, String, String)> = s
            .fetch_all(
                "SELECT operator, action, entity, outcome FROM audit_log WHERE action LIKE 'report.%' ORDER BY id",
                args![],
            )
            .await
            .unwrap();
        let want = [
            ("tester", "report.run", "report:case-sla".to_owned(), "ok"),
            ("tester", "report.run", "report:case-sla".to_owned(), "ok"),
            ("tester", "report.cancel", format!("report-job:{dropped}"), "ok"),
            ("system:worker", "report.run", format!("report-job:{kept}"), "ok"),
        ];
        let want: Vec<(String, String, String, String)> =
            want.iter().map(|(o, a, e, r)| ((*o).into(), (*a).into(), e.clone(), (*r).into())).collect();
        assert_eq!(audit, want, "{}", db.label);
    }
}

#[tokio::test]
async fn a_schedule_queues_one_run_for_the_slots_it_missed_and_the_next_when_it_comes() {
    use portaldesk::domain::schedule::Schedule;
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        let mut tx = s.begin_write().await.unwrap();
        staff::insert(&mut tx, "ann", "Ann Agent", Role::Agent, "active", now()).await.unwrap();
        tx.commit().await.unwrap();
        // Made on the 19th: daily at 02:00 New York from the 20th. No worker
        // ran until now, the 23rd at 04:30 there: four slots have passed.
        let made = now() - Duration::days(4);
        let ops = Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(made)).await.unwrap();
        let daily = Schedule::typed("2026-11-20 02:00", "daily", "America/New_York", made).unwrap();
        let agent = Ops::for_operator(s.clone(), "ann", false, Clock::Fixed(made)).await.unwrap();
        assert!(matches!(agent.schedule_report("case-sla", &[], daily).await, Err(OpError::RefusedRole(_))));
        let id = ops.schedule_report("case-sla", &[], daily).await.unwrap();

        let ran = worker(s, "w1", now()).await.run_next().await.unwrap();
        assert!(matches!(ran, Some(Ran::Succeeded { .. })), "{}: {ran:?}", db.label);
        assert_eq!(worker(s, "w2", now()).await.run_next().await.unwrap(), None, "{}: one run for the four", db.label);
        let slot = Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap();
        let jobs: Vec<(Option<i64>, Option<DateTime<Utc>>)> =
            s.fetch_all("SELECT schedule_id, slot_at FROM report_jobs ORDER BY id", args![]).await.unwrap();
        assert_eq!(jobs, vec![(Some(id), Some(slot))], "{}: the latest slot missed", db.label);
        let row = reports::schedules(s).await.unwrap().remove(0);
        assert_eq!((row.last_slot_at, row.next_at), (Some(slot), Some(slot + Duration::days(1))), "{}", db.label);

        // The next morning's slot runs once, however many workers look.
        let next_day = now() + Duration::days(1);
        assert!(matches!(worker(s, "w1", next_day).await.run_next().await.unwrap(), Some(Ran::Succeeded { .. })));
        assert_eq!(worker(s, "w2", next_day).await.run_next().await.unwrap(), None);
        ops.unschedule_report(id).await.unwrap();
        assert!(reports::schedules(s).await.unwrap().is_empty());
        let kept: Vec<(Option<i64>,)> = s.fetch_all("SELECT schedule_id FROM report_jobs", args![]).await.unwrap();
        assert_eq!(kept, vec![(None,), (None,)], "{}: its jobs are kept", db.label);
        assert!(matches!(ops.unschedule_report(id).await, Err(OpError::NotFound(_))));
        let audit: Vec<(String, String)> = s
            .fetch_all(
                "SELECT operator, action FROM audit_log WHERE entity LIKE 'report%' AND outcome = 'ok' ORDER BY id",
                args![],
            )
            .await
            .unwrap();
        let who = |o: &str, a: &str| (o.to_owned(), a.to_owned());
        assert_eq!(
            audit,
            vec![
                who("tester", "report.schedule"),
                who("system:worker", "report.run"),
                who("system:worker", "report.run"),
                who("system:worker", "report.run"),
                who("system:worker", "report.run"),
                who("tester", "report.unschedule"),
            ],
            "{}: queued and ran, twice",
            db.label
        );
    }
}

/// Three groups of one employer with bills and payments (group, period
/// start, issued, due, amount, adjustment; group, received, amount).
async fn billing_fixture(s: &Store) {
    let mut tx = s.begin_write().await.unwrap();
    tx.execute(
        "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES (1, '12-3456789', 'Acme', 'acme', $1)",
        args![now()],
    )
    .await
    .unwrap();
    for (id, number) in [(1, "ACM100"), (2, "BIR200"), (3, "CED300")] {
        tx.execute(
            "INSERT INTO employer_groups (id, employer_id, group_number, name, status, original_effective_date, renewal_date) \
             VALUES ($1, 1, $2, $2, 'active', '2020-01-01', '2027-01-01')",
            args![id, number],
        )
        .await
        .unwrap();
    }
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    // (group, period start, issued, due, amount, adjustment)
    let bills = [
        (1, "2026-07-01", "2026-06-15", "2026-07-01", 100_000, 0),
        (1, "2026-09-01", "2026-08-15", "2026-09-01", 100_000, 0),
        (1, "2026-10-01", "2026-09-15", "2026-10-01", 100_000, -5_000),
        (1, "2026-11-01", "2026-10-15", "2026-11-01", 100_000, 0),
        (1, "2026-12-01", "2026-11-15", "2026-12-01", 100_000, 0),
        (1, "2027-01-01", "2026-12-15", "2027-01-01", 100_000, 0),
        (2, "2026-11-01", "2026-11-01", "2026-11-20", 20_000, 0),
        (3, "2026-05-01", "2026-04-15", "2026-05-01", 30_000, 0),
    ];
    for (g, start, issued, due, cents, adj) in bills {
        tx.execute(
            "INSERT INTO group_invoices (group_id, period_start, period_end, issued_on, due_date, amount_cents, adjustment_cents) \
             VALUES ($1, $2, $2, $3, $4, $5, $6)",
            args![g, d(start), d(issued), d(due), cents, adj],
        )
        .await
        .unwrap();
    }
    for (g, on, cents) in [(1, "2026-08-10", 150_000), (1, "2026-11-30", 20_000), (2, "2026-11-18", 20_000)] {
        tx.execute(
            "INSERT INTO group_payments (group_id, received_on, amount_cents, method) VALUES ($1, $2, $3, 'ach')",
            args![g, d(on), cents],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn delinquency_aging_against_hand_computed_groups() {
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        billing_fixture(s).await;

        let all = enqueue(s, "delinquency-aging", &[("as_of", "2026-11-23")]).await;
        let one = enqueue(s, "delinquency-aging", &[("as_of", "2026-11-23"), ("group", "CED300")]).await;
        for _ in 0..2 {
            assert!(matches!(worker(s, "w", now()).await.run_next().await.unwrap(), Some(Ran::Succeeded { .. })));
        }
        // ACM100: the August payment settles July and half of September; the
        // November one came after the day aged to; December is not due yet.
        // BIR200 paid in full; CED300 paid nothing since May.
        let header = "group,days_0_30_cents,days_31_60_cents,days_61_90_cents,over_90_cents,total_cents\n";
        let text = String::from_utf8(output(s, all).await.unwrap()).unwrap();
        assert_eq!(
            text,
            format!("{header}ACM100,100000,95000,50000,0,245000\nCED300,0,0,0,30000,30000\n"),
            "{}",
            db.label
        );
        let text = String::from_utf8(output(s, one).await.unwrap()).unwrap();
        assert_eq!(text, format!("{header}CED300,0,0,0,30000,30000\n"), "{}", db.label);
    }
}

#[tokio::test]
async fn premiums_billed_against_paid_against_hand_computed_groups() {
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        billing_fixture(s).await;
        // September to November: ACM100 billed three periods (one adjusted)
        // and paid nothing in them; BIR200 billed and paid; CED300 nothing then.
        let job = enqueue(s, "premiums-billed-paid", &[("from", "2026-09-01"), ("to", "2026-11-30")]).await;
        let ran = worker(s, "w", now()).await.run_next().await.unwrap();
        assert!(matches!(ran, Some(Ran::Succeeded { rows: 2, .. })), "{}: {ran:?}", db.label);
        let text = String::from_utf8(output(s, job).await.unwrap()).unwrap();
        assert_eq!(
            text,
            "group,billed_cents,adjustments_cents,paid_cents,balance_cents\n\
             ACM100,300000,-5000,20000,275000\nBIR200,20000,0,20000,0\n",
            "{}",
            db.label
        );
    }
}
