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

/// Two workers as two processes would be: each with its own connection
/// pool, on threads of their own, claiming side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_run_each_of_200_jobs_exactly_once() {
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        let mut queued = Vec::new();
        for _ in 0..200 {
            queued.push(enqueue(s, "case-sla", &[]).await);
        }
        let other = Store::open(s.url(), &db.options()).await.unwrap();
        let run = |store: Store, name: &'static str| {
            tokio::spawn(async move {
                let w = worker(&store, name, now()).await;
                let mut done = Vec::new();
                while let Some(ran) = w.run_next().await.unwrap() {
                    match ran {
                        Ran::Succeeded { job, .. } => done.push(job),
                        other => panic!("{other:?}"),
                    }
                }
                done
            })
        };
        let (a, b) = (run(s.clone(), "a"), run(other.clone(), "b"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        other.close().await;
        let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, queued, "{}: every job once ({} by a, {} by b)", db.label, a.len(), b.len());
        if db.label != "sqlite" {
            assert!(!a.is_empty() && !b.is_empty(), "both claimed side by side: {} and {}", a.len(), b.len());
        }
        let (twice,): (i64,) = s
            .fetch_one("SELECT count(*) FROM report_jobs WHERE attempt <> 1 OR status <> 'succeeded'", args![])
            .await
            .unwrap();
        assert_eq!(twice, 0, "{}", db.label);
        let workers: Vec<(Option<String>, i64)> = s
            .fetch_all("SELECT worker, count(*) FROM report_jobs GROUP BY worker ORDER BY worker", args![])
            .await
            .unwrap();
        let counted: i64 = workers.iter().map(|w| w.1).sum();
        assert_eq!(counted, 200, "{}: {workers:?}", db.label);
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

/// The billing fixture and, around it: a second employer, plans, members
/// (QBs with events, subscribers with enrollments), members' payments,
/// import jobs with row errors, agencies, brokers and grants, and
/// commission statements. Each report's test below computes its expected
/// lines from these by hand.
async fn world(s: &Store) {
    tester(s).await;
    billing_fixture(s).await;
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let mut tx = s.begin_write().await.unwrap();
    tx.execute(
        "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES (2, '98-7654321', 'Zephyr Ltd', 'zephyr ltd', $1)",
        args![now()],
    )
    .await
    .unwrap();
    tx.execute("UPDATE employer_groups SET renewal_month = 1 WHERE id = 1", args![]).await.unwrap();
    for (id, group, code, name, kind) in [
        (1_i64, 1_i64, "MPPO", "Medical PPO", "medical"),
        (2, 1, "DBAS", "Dental", "dental"),
        (3, 2, "MPPO", "Medical PPO", "medical"),
    ] {
        tx.execute(
            "INSERT INTO plans (id, group_id, plan_code, name, coverage_type) VALUES ($1, $2, $3, $4, $5)",
            args![id, group, code, name, kind],
        )
        .await
        .unwrap();
    }
    // (id, group, subscriber, type, relationship, first, last, status)
    let people = [
        (1_i64, 1_i64, None, "QB", "self", "Ada", "Lovelace", "active"),
        (2, 2, None, "QB", "self", "Bob", "Brown", "cobra_elected"),
        (3, 1, None, "QB", "self", "Cy", "Chen", "terminated"),
        (4, 1, None, "QB", "self", "Di", "Dee", "active"),
        (5, 1, None, "SUBSCRIBER", "self", "Ed", "Eng", "active"),
        (6, 1, Some(5_i64), "DEPENDENT", "spouse", "Fay", "Eng", "active"),
        (7, 2, None, "SUBSCRIBER", "self", "Gus", "Gray", "active"),
    ];
    for (id, group, sub, kind, rel, first, last, status) in people {
        let fold = portaldesk::domain::text::fold_key;
        tx.execute(
            "INSERT INTO members (id, member_number, individual_id, group_id, subscriber_id, member_type, relationship, \
             first_name, last_name, first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, \
             language, ssn_last4, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'U', \
             '1 Main St', 'Austin', 'TX', '78701', 'English', '1234', $13, $14)",
            args![
                id,
                format!("M{id:07}"),
                format!("I{:07}", id + 1_000_000),
                group,
                sub,
                kind,
                rel,
                first,
                last,
                fold(first),
                fold(last),
                d("1980-05-05"),
                status,
                now()
            ],
        )
        .await
        .unwrap();
    }
    // (member, code, event, loss, notice, election, disability): Ada's
    // older event comes second, so "latest" is by date, not by id.
    let events = [
        (1_i64, 1_i64, "2026-09-30", "2026-10-01", "2026-10-05", None, false),
        (1, 2, "2025-01-31", "2025-02-01", "2025-02-01", None, false),
        (2, 5, "2026-06-15", "2026-07-01", "2026-07-01", Some("2026-08-01"), false),
        (3, 1, "2024-01-31", "2024-02-01", "2024-02-01", None, true),
        (5, 1, "2026-11-01", "2026-11-01", "2026-11-01", None, false),
    ];
    for (member, code, on, loss, notice, elected, disabled) in events {
        tx.execute(
            "INSERT INTO qualifying_events (member_id, event_code, event_date, loss_of_coverage_date, notice_date, \
             election_date, disability_extension, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![member, code, d(on), d(loss), d(notice), elected.map(d), disabled, now()],
        )
        .await
        .unwrap();
    }
    // (member, plan, tier, start, end, status)
    let enrollments = [
        (5_i64, 1_i64, "family", "2024-01-01", None, "active"),
        (6, 1, "family", "2024-01-01", None, "active"),
        (5, 2, "family", "2024-01-01", Some("2026-10-31"), "terminated"),
        (1, 1, "employee", "2026-10-01", None, "active"),
        (4, 1, "employee", "2026-12-01", None, "pending"),
        (7, 3, "employee", "2025-01-01", None, "active"),
        (2, 3, "employee_spouse", "2026-07-01", None, "active"),
    ];
    for (member, plan, tier, start, end, status) in enrollments {
        tx.execute(
            "INSERT INTO enrollments (member_id, plan_id, tier, coverage_start, coverage_end, status) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![member, plan, tier, d(start), end.map(d), status],
        )
        .await
        .unwrap();
    }
    // Members' premiums paid (member, received, cents, method), and a wire from CED300.
    for (member, on, cents, method) in [
        (1_i64, "2026-11-05", 60_000_i64, "check"),
        (2, "2026-11-06", 62_000, "check"),
        (2, "2026-10-06", 62_000, "card"),
        (1, "2026-12-01", 60_000, "ach"),
    ] {
        tx.execute(
            "INSERT INTO payments (member_id, amount_cents, received_on, method) VALUES ($1, $2, $3, $4)",
            args![member, cents, d(on), method],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "INSERT INTO group_payments (group_id, received_on, amount_cents, method) VALUES (3, $1, 5000, 'wire')",
        args![d("2026-11-18")],
    )
    .await
    .unwrap();
    // Import jobs (id, employer, uploaded) and their row errors (job, row, field, code).
    for (id, employer, at) in [
        (1_i64, 1_i64, "2026-11-02T10:00:00Z"),
        (2, 1, "2026-11-10T15:00:00Z"),
        (3, 2, "2026-11-20T08:00:00Z"),
        (4, 2, "2026-10-01T08:00:00Z"),
    ] {
        tx.execute(
            "INSERT INTO import_jobs (id, employer_id, kind, file_name, file_sha256, uploaded_at, uploaded_by, status) \
             VALUES ($1, $2, 'demographic', 'f.csv', 'abc', $3, 'hr@acme.test', 'partial')",
            args![id, employer, t(at)],
        )
        .await
        .unwrap();
    }
    for (job, row, field, code) in [
        (1_i64, 2_i64, "ssn", "invalid_ssn"),
        (1, 2, "birth_date", "invalid_date"),
        (1, 3, "ssn", "invalid_ssn"),
        (1, 3, "subscriber_ssn", "invalid_ssn"),
        (2, 5, "ssn", "invalid_ssn"),
        (3, 2, "last_name", "missing_field"),
        (4, 2, "ssn", "invalid_ssn"),
    ] {
        tx.execute(
            "INSERT INTO import_row_errors (job_id, row_number, field, code, message, raw_values) \
             VALUES ($1, $2, $3, $4, 'bad', '')",
            args![job, row, field, code],
        )
        .await
        .unwrap();
    }
    // Lone Star is upline of Downline Agency; Rosa is of Lone Star, Sam of Downline.
    for (id, name, upline) in [(1_i64, "Lone Star", None), (2, "Downline Agency", Some(1_i64))] {
        tx.execute(
            "INSERT INTO agencies (id, name, upline_agency_id, tax_id_last4, created_at) VALUES ($1, $2, $3, '1111', $4)",
            args![id, name, upline, now()],
        )
        .await
        .unwrap();
    }
    for (id, npn, agency, first, last) in [(1_i64, "1234567", 1_i64, "Rosa", "Díaz"), (2, "7654321", 2, "Sam", "Ortiz")]
    {
        tx.execute(
            "INSERT INTO brokers (id, npn, agency_id, first_name, last_name, last_name_key, email, tax_id_cipher, \
             tax_id_index, tax_id_last4, states_appointed, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'b@agency.example', $7, $8, '6789', 'TX', 'active', $9)",
            args![
                id,
                npn,
                agency,
                first,
                last,
                portaldesk::domain::text::fold_key(last),
                vec![1u8],
                vec![id as u8],
                now()
            ],
        )
        .await
        .unwrap();
    }
    // (group, broker, agency, enroll, bill, ends)
    let grants = [
        (1_i64, Some(1_i64), None, true, false, None),
        (1, None, Some(1_i64), false, true, None),
        (2, None, Some(2), true, true, None),
        (3, Some(1), None, true, true, Some("2026-01-01")),
        (3, Some(2), None, false, false, None),
    ];
    for (group, broker, agency, enroll, bill, ends) in grants {
        tx.execute(
            "INSERT INTO broker_access_grants (employer_id, group_id, broker_id, agency_id, can_enroll, can_bill, \
             starts_on, ends_on, granted_by, created_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7, 'ann', $8)",
            args![group, broker, agency, enroll, bill, d("2025-01-01"), ends.map(d), now()],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    statements(
        s,
        &[
            (1, 1, "2026-10-01", &[(1, 200_000, 450), (2, 100_000, 450)]),
            (2, 2, "2026-10-01", &[(3, 100_000, 500)]),
            (3, 1, "2026-09-01", &[(1, 50_000, 450)]),
        ],
    )
    .await;
}

/// A statement's lines: (group, premium cents, rate in basis points).
type Lines<'a> = &'a [(i64, i64, i64)];

/// Commission statements (id, broker, month, lines), their totals summed from the lines.
async fn statements(s: &Store, list: &[(i64, i64, &str, Lines<'_>)]) {
    let mut tx = s.begin_write().await.unwrap();
    for (id, broker, month, lines) in list {
        let month: NaiveDate = month.parse().unwrap();
        let npn = if *broker == 1 { "1234567" } else { "7654321" };
        let premium: i64 = lines.iter().map(|l| l.1).sum();
        let commission: i64 = lines.iter().map(|l| portaldesk::domain::commission::commission_cents(l.1, l.2)).sum();
        tx.execute(
            "INSERT INTO commission_statements (id, broker_id, npn, month, issued_on, groups, premium_cents, \
             commission_cents, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![*id, *broker, npn, month, month + Duration::days(35), lines.len() as i64, premium, commission, now()],
        )
        .await
        .unwrap();
        for (group, premium, rate) in lines.iter() {
            tx.execute(
                "INSERT INTO commission_statement_lines (statement_id, group_id, subscribers, premium_cents, rate_bps, \
                 commission_cents) VALUES ($1, $2, 3, $3, $4, $5)",
                args![*id, *group, *premium, *rate, portaldesk::domain::commission::commission_cents(*premium, *rate)],
            )
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

/// Runs every queued job and returns each one's CSV, in the order given.
async fn outputs(s: &Store, jobs: &[i64]) -> Vec<String> {
    let w = worker(s, "w", now()).await;
    while let Some(ran) = w.run_next().await.unwrap() {
        assert!(matches!(ran, Ran::Succeeded { .. }), "{ran:?}");
    }
    let mut out = Vec::new();
    for j in jobs {
        out.push(String::from_utf8(output(s, *j).await.unwrap()).unwrap());
    }
    out
}

#[tokio::test]
async fn qb_roster_against_hand_computed_members() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        let active = enqueue(s, "qb-roster", &[]).await;
        let gone = enqueue(s, "qb-roster", &[("status", "terminated")]).await;
        let one = enqueue(s, "qb-roster", &[("status", "all"), ("group", "BIR200")]).await;
        let none = enqueue(s, "qb-roster", &[("group", "NOPE")]).await;
        let got = outputs(s, &[active, gone, one, none]).await;
        let header = "member_number,name,group,event,event_date,coverage_end,election_deadline,status\n";
        // Ada: termination, loss Oct 1 → 18 months to 2028-03-31; elect by
        // the notice (Oct 5) + 60 days. Bob: divorce, 36 months. Di: no event.
        // Cy: disability extends his to 29 months (to 2026-06-30); leap February.
        let bob = "M0000002,\"Brown, Bob\",BIR200,divorce,2026-06-15,2029-06-30,2026-08-30,cobra_elected\n";
        assert_eq!(
            got[0],
            format!(
                "{header}M0000001,\"Lovelace, Ada\",ACM100,termination,2026-09-30,2028-03-31,2026-12-04,active\n\
                 {bob}M0000004,\"Dee, Di\",ACM100,,,,,active\n"
            ),
            "{}",
            db.label
        );
        assert_eq!(
            got[1],
            format!("{header}M0000003,\"Chen, Cy\",ACM100,termination,2024-01-31,2026-06-30,2024-04-01,terminated\n"),
            "{}",
            db.label
        );
        assert_eq!(got[2], format!("{header}{bob}"), "{}", db.label);
        // No rows: the file is the header alone, and the job says 0 rows.
        assert_eq!(got[3], header, "{}", db.label);
        assert_eq!(reports::job(s, none).await.unwrap().unwrap().rows_written, 0);
    }
}

#[tokio::test]
async fn a_roster_longer_than_a_page_comes_whole_and_in_order() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        // 4 500 more QBs: three pages of the worker's 2 000.
        let mut tx = s.begin_write().await.unwrap();
        for id in 100..4_600_i64 {
            tx.execute(
                "INSERT INTO members (id, member_number, individual_id, group_id, member_type, relationship, first_name, \
                 last_name, first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, language, \
                 status, created_at) VALUES ($1, $2, $3, 3, 'QB', 'self', 'Q', 'B', 'q', 'b', '1990-01-01', 'U', 'x', \
                 'y', 'TX', '78701', 'English', 'active', $4)",
                args![id, format!("M{id:07}"), format!("I{id:07}"), now()],
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let job = enqueue(s, "qb-roster", &[("group", "CED300")]).await;
        let text = outputs(s, &[job]).await.remove(0);
        let numbers: Vec<&str> = text.lines().skip(1).map(|l| &l[..8]).collect();
        let want: Vec<String> = (100..4_600).map(|id| format!("M{id:07}")).collect();
        assert_eq!(numbers, want, "{}", db.label);
    }
}

#[tokio::test]
async fn enrollment_census_counts_by_group_plan_and_tier_on_a_day() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        let nov = enqueue(s, "enrollment-census", &[("as_of", "2026-11-01")]).await;
        let oct = enqueue(s, "enrollment-census", &[("as_of", "2026-10-15"), ("group", "ACM100")]).await;
        let got = outputs(s, &[nov, oct]).await;
        // On Nov 1 the dental enrollment had ended and Di's is pending; Ed
        // and Fay share the family cell.
        assert_eq!(
            got[0],
            "group,plan,tier,enrolled\nACM100,MPPO,employee,1\nACM100,MPPO,family,2\n\
             BIR200,MPPO,employee,1\nBIR200,MPPO,employee_spouse,1\n",
            "{}",
            db.label
        );
        assert_eq!(
            got[1], "group,plan,tier,enrolled\nACM100,DBAS,family,1\nACM100,MPPO,employee,1\nACM100,MPPO,family,2\n",
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn import_errors_count_rows_by_employer_and_code_in_a_period() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        let job = enqueue(s, "import-errors", &[("from", "2026-11-01"), ("to", "2026-11-20")]).await;
        let got = outputs(s, &[job]).await;
        // Row 3 of job 1 has two invalid SSNs: one row. Job 4 is before the
        // period; job 3 is on its last day.
        assert_eq!(
            got[0],
            "employer,ein,code,rows,last_seen\n\
             Acme,12-3456789,invalid_date,1,2026-11-02T10:00:00Z\n\
             Acme,12-3456789,invalid_ssn,3,2026-11-10T15:00:00Z\n\
             Zephyr Ltd,98-7654321,missing_field,1,2026-11-20T08:00:00Z\n",
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn broker_book_lists_the_groups_its_grants_in_force_reach() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        let rosa = enqueue(s, "broker-book", &[("npn", "1234567")]).await;
        let sam = enqueue(s, "broker-book", &[("npn", "7654321")]).await;
        let nobody = enqueue(s, "broker-book", &[("npn", "1111111")]).await;
        let w = worker(s, "w", now()).await;
        let mut ran = Vec::new();
        while let Some(r) = w.run_next().await.unwrap() {
            ran.push(r);
        }
        // ACM100: her own grant (enroll) and her agency's (bill); BIR200 by
        // a downline agency's grant: view only; CED300's grant has ended.
        let rosa_csv = String::from_utf8(output(s, rosa).await.unwrap()).unwrap();
        assert_eq!(
            rosa_csv,
            "group,group_name,status,subscribers,renewal_month,access\n\
             ACM100,ACM100,active,4,1,view+enroll+bill\nBIR200,BIR200,active,2,,view\n",
            "{}",
            db.label
        );
        let sam_csv = String::from_utf8(output(s, sam).await.unwrap()).unwrap();
        assert_eq!(
            sam_csv,
            "group,group_name,status,subscribers,renewal_month,access\n\
             BIR200,BIR200,active,2,,view+enroll+bill\nCED300,CED300,active,0,,view\n",
            "{}",
            db.label
        );
        assert!(
            ran.iter().any(
                |r| matches!(r, Ran::Failed { job, error } if *job == nobody && error == "no broker with NPN 1111111")
            ),
            "{ran:?}"
        );
    }
}

#[tokio::test]
async fn payments_received_by_month_source_and_method() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        let job = enqueue(s, "payments-received", &[("from", "2026-10-01"), ("to", "2026-11-30")]).await;
        let got = outputs(s, &[job]).await;
        // Groups: ACM100's Nov 30 and BIR200's Nov 18 by ACH, CED300's wire;
        // the August payment and Ada's December one are outside.
        assert_eq!(
            got[0],
            "month,source,method,payments,amount_cents\n\
             2026-10,member,card,1,62000\n\
             2026-11,group,ach,2,40000\n\
             2026-11,group,wire,1,5000\n\
             2026-11,member,check,2,122000\n",
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn commissions_by_broker_total_a_months_statements() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        let all = enqueue(s, "commissions-by-broker", &[("month", "2026-10")]).await;
        let sam = enqueue(s, "commissions-by-broker", &[("month", "2026-10"), ("npn", "7654321")]).await;
        let empty = enqueue(s, "commissions-by-broker", &[("month", "2026-08")]).await;
        let got = outputs(s, &[all, sam, empty]).await;
        let header = "npn,broker,groups,premium_cents,commission_cents\n";
        // Rosa: 4.5 % of 2 000.00 and 1 000.00; Sam: 5 % of 1 000.00.
        let sam_line = "7654321,\"Ortiz, Sam\",1,100000,5000\n";
        assert_eq!(got[0], format!("{header}1234567,\"Díaz, Rosa\",2,300000,13500\n{sam_line}"), "{}", db.label);
        assert_eq!(got[1], format!("{header}{sam_line}"), "{}", db.label);
        assert_eq!(got[2], header, "{}", db.label);
    }
}

#[tokio::test]
async fn a_paused_schedule_queues_nothing_and_resumes_from_its_next_run() {
    use portaldesk::domain::schedule::Schedule;
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        let mut tx = s.begin_write().await.unwrap();
        staff::insert(&mut tx, "ann", "Ann Agent", Role::Agent, "active", now()).await.unwrap();
        tx.commit().await.unwrap();
        // Daily at 02:00 New York from the 20th, paused on the 19th.
        let made = now() - Duration::days(4);
        let ops = Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(made)).await.unwrap();
        let daily = Schedule::typed("2026-11-20 02:00", "daily", "America/New_York", made).unwrap();
        let id = ops.schedule_report("case-sla", &[], daily).await.unwrap();
        let agent = Ops::for_operator(s.clone(), "ann", false, Clock::Fixed(made)).await.unwrap();
        assert!(matches!(agent.pause_schedule(id).await, Err(OpError::RefusedRole(_))), "{}", db.label);
        ops.pause_schedule(id).await.unwrap();
        let again = ops.pause_schedule(id).await.unwrap_err();
        assert!(again.to_string().contains("paused already"), "{again}");
        assert!(matches!(ops.pause_schedule(999).await, Err(OpError::NotFound(_))));
        assert!(reports::schedules(s).await.unwrap()[0].paused);

        // Four slots pass while paused: the worker queues none.
        assert_eq!(worker(s, "w", now()).await.run_next().await.unwrap(), None, "{}", db.label);
        let (jobs,): (i64,) = s.fetch_one("SELECT count(*) FROM report_jobs", args![]).await.unwrap();
        assert_eq!(jobs, 0, "{}", db.label);

        // Resumed now (the 23rd, 04:30 in New York): those slots are skipped,
        // the next is the 24th at 02:00 there.
        let ops = Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(now())).await.unwrap();
        let skipped = Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap();
        let next = skipped + Duration::days(1);
        assert_eq!(ops.resume_schedule(id).await.unwrap(), Some(next), "{}", db.label);
        let not_paused = ops.resume_schedule(id).await.unwrap_err();
        assert!(not_paused.to_string().contains("is not paused"), "{not_paused}");
        let row = reports::schedules(s).await.unwrap().remove(0);
        assert_eq!((row.paused, row.last_slot_at, row.next_at), (false, Some(skipped), Some(next)), "{}", db.label);
        assert_eq!(worker(s, "w", now()).await.run_next().await.unwrap(), None, "{}: nothing made up", db.label);
        let ran = worker(s, "w", now() + Duration::days(1)).await.run_next().await.unwrap();
        assert!(matches!(ran, Some(Ran::Succeeded { .. })), "{}: {ran:?}", db.label);
        let slots: Vec<(Option<DateTime<Utc>>,)> =
            s.fetch_all("SELECT slot_at FROM report_jobs", args![]).await.unwrap();
        assert_eq!(slots, vec![(Some(next),)], "{}", db.label);

        let audit: Vec<(String, String, String, Option<String>)> = s
            .fetch_all(
                "SELECT operator, action, outcome, after_json FROM audit_log \
                 WHERE action IN ('report.pause','report.resume') ORDER BY id",
                args![],
            )
            .await
            .unwrap();
        let got: Vec<(&str, &str, &str)> = audit.iter().map(|a| (a.0.as_str(), a.1.as_str(), a.2.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("ann", "report.pause", "refused"),
                ("tester", "report.pause", "ok"),
                ("tester", "report.resume", "ok")
            ],
            "{}",
            db.label
        );
        assert!(audit[2].3.as_deref().unwrap_or_default().contains("\"paused\":false"), "{:?}", audit[2]);
    }
}

#[tokio::test]
async fn qualifying_events_in_a_period_with_their_deadlines() {
    for db in common::all_backends().await {
        let s = &db.store;
        world(s).await;
        let job =
            enqueue(s, "qualifying-events", &[("from", "2024-01-01"), ("to", "2026-10-31"), ("group", "ACM100")]).await;
        let got = outputs(s, &[job]).await;
        // Bob's is BIR200's, Ed's after the period; Ada's 2025 event: Feb 1
        // + 60 days is Apr 2; Cy's disability gives 29 months.
        assert_eq!(
            got[0],
            "member_number,name,group,event,event_date,notice_date,election_deadline,coverage_end\n\
             M0000001,\"Lovelace, Ada\",ACM100,termination,2026-09-30,2026-10-05,2026-12-04,2028-03-31\n\
             M0000001,\"Lovelace, Ada\",ACM100,reduction of hours,2025-01-31,2025-02-01,2025-04-02,2026-07-31\n\
             M0000003,\"Chen, Cy\",ACM100,termination,2024-01-31,2024-02-01,2024-04-01,2026-06-30\n",
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn a_jobs_result_is_read_for_a_screen_and_written_whole_through_its_request() {
    use portaldesk::ops::request::{Env, Outcome, Request};
    for db in common::all_backends().await {
        let s = &db.store;
        tester(s).await;
        let ops = Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(now())).await.unwrap();
        let job = enqueue(s, "case-sla", &[]).await;
        // Not finished: the result says its state and holds no output; get refuses.
        let waiting = ops.report_result(job).await.unwrap();
        assert_eq!((waiting.job.status.as_str(), waiting.text.as_str()), ("queued", ""), "{}", db.label);
        let config = common::seeded::config();
        let env = Env::new(&config, None, None);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sla.csv");
        let refused = ops.execute(&env, Request::ReportGet { job, out: out.clone() }).await.unwrap_err();
        assert!(refused.to_string().contains("only a finished job has a file"), "{}: {refused}", db.label);
        assert!(!out.exists());

        assert!(matches!(worker(s, "w", now()).await.run_next().await.unwrap(), Some(Ran::Succeeded { .. })));
        let whole = output(s, job).await.unwrap();
        let shown = ops.report_result(job).await.unwrap();
        assert_eq!(shown.text.as_bytes(), whole.as_slice(), "{}", db.label);
        assert!(!shown.truncated && shown.job.status == "succeeded");
        match ops.execute(&env, Request::ReportGet { job, out: out.clone() }).await.unwrap() {
            Outcome::Written(bytes, lines) => {
                assert_eq!(bytes as usize, whole.len());
                assert_eq!(lines as usize, whole.iter().filter(|b| **b == b'\n').count());
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(std::fs::read(&out).unwrap(), whole, "{}", db.label);
        let (exports,): (i64,) = s
            .fetch_one(
                "SELECT count(*) FROM audit_log WHERE action = 'list.export' AND entity = $1",
                args![format!("report-job:{job}")],
            )
            .await
            .unwrap();
        assert_eq!(exports, 1, "{}: the export is audited once", db.label);
        assert!(matches!(ops.report_result(999).await.unwrap_err(), OpError::NotFound(_)));
    }
}
