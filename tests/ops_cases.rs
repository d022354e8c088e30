//! Every case action through the ops layer on SQLite and PostgreSQL: the
//! change, its timeline and audit rows, the permission matrix, conflicts,
//! bad input, bulk changes and the sweep.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use portaldesk::args;
use portaldesk::domain::case::{Queue, case_number};
use portaldesk::domain::case_change::CaseChange;
use portaldesk::domain::role::Role;
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::live::{self, Method, Signal, Watcher};
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Store, audit, cases, staff};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

/// Staff in every role (and a disabled one) and cases 1..=n in billing,
/// new, due `n` hours from now.
async fn fixture(store: &Store, n: i64) {
    let mut tx = store.begin_write().await.unwrap();
    for (login, role, status) in [
        ("ann", Role::Agent, "active"),
        ("sam", Role::Supervisor, "active"),
        ("ada", Role::Admin, "active"),
        ("bob", Role::Agent, "disabled"),
    ] {
        staff::insert(&mut tx, login, login, role, status, t0()).await.unwrap();
    }
    for i in 1..=n {
        tx.execute(
            "INSERT INTO cases (id, case_number, queue, status, priority, subject, description, company_name, \
             group_numbers, submitted_at, submitted_by, sla_due_at) \
             VALUES ($1, $2, 'billing', 'new', 3, 'subj', 'desc', 'Acme', 'ACM100', $3, 'hr@acme.test', $4)",
            args![i, case_number(i), t0() - Duration::days(1), t0() + Duration::hours(i)],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn ops_at(store: &Store, login: &str, at: DateTime<Utc>) -> Ops {
    Ops::for_operator(store.clone(), login, false, Clock::Fixed(at)).await.unwrap()
}

async fn ops(store: &Store, login: &str) -> Ops {
    ops_at(store, login, t0()).await
}

async fn head(store: &Store, n: i64) -> cases::CaseHead {
    cases::head_by_number(store, &case_number(n)).await.unwrap().unwrap()
}

async fn timeline(store: &Store, n: i64) -> Vec<(String, String)> {
    let h = head(store, n).await;
    cases::events(store, h.id).await.unwrap().into_iter().map(|e| (e.kind, e.body)).collect()
}

async fn audit_actions(store: &Store, n: i64) -> Vec<(String, String)> {
    let mut rows = audit::for_entity(store, &format!("case:{}", case_number(n)), 100).await.unwrap();
    rows.sort_by_key(|r| r.id);
    rows.into_iter().map(|r| (r.action, r.outcome)).collect()
}

fn assign_change(id: i64, login: &str) -> CaseChange {
    CaseChange::Assign { to: id, login: login.into() }
}

#[tokio::test]
async fn a_case_goes_through_its_whole_life() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 1).await;
        let ann = ops(s, "ann").await;
        let me = ann.assignment("me").await.unwrap();
        let d = ann.change_case("C-000001", Some(1), me).await.unwrap();
        assert_eq!((d.status.as_str(), d.assignee.as_deref(), d.row_version), ("open", Some("ann"), 2), "{}", db.label);

        let note = CaseChange::Note { text: "Called HR.".into(), to_submitter: false };
        ann.change_case("c-1", Some(2), note).await.unwrap();
        let reply = CaseChange::Note { text: "Please send the form.".into(), to_submitter: true };
        ann.change_case("1", None, reply).await.unwrap();

        let due = t0() + Duration::days(14);
        let d = ann.change_case("C-000001", None, CaseChange::RequestInfo { due }).await.unwrap();
        assert_eq!(d.status, "awaiting_info");
        let h = head(s, 1).await;
        assert_eq!((h.info_due_at, h.paused_at), (Some(due), Some(t0())), "{}", db.label);

        // Three days later the information arrives: the SLA moves by three days.
        let later = ops_at(s, "ann", t0() + Duration::days(3)).await;
        later.change_case("C-000001", None, CaseChange::InfoReceived).await.unwrap();
        let h = head(s, 1).await;
        assert_eq!(h.status, "open");
        assert_eq!(h.sla_due_at, t0() + Duration::hours(1) + Duration::days(3), "{}", db.label);
        assert_eq!(h.info_due_at, None);

        later.change_case("C-000001", None, CaseChange::Priority(1)).await.unwrap();
        let resolve = CaseChange::Resolve { comment: "Form received; dependent added.".into() };
        later.change_case("C-000001", None, resolve).await.unwrap();
        let h = head(s, 1).await;
        assert_eq!(
            (h.status.as_str(), h.resolution.as_deref(), h.closed_at, h.priority),
            ("resolved", Some("Form received; dependent added."), Some(t0() + Duration::days(3)), 1),
            "{}",
            db.label
        );
        later.change_case("C-000001", None, CaseChange::Reopen).await.unwrap();
        let h = head(s, 1).await;
        assert_eq!((h.status.as_str(), h.resolution, h.closed_at), ("open", None, None), "{}", db.label);

        let kinds: Vec<String> = timeline(s, 1).await.into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            [
                "assignment",
                "status",
                "note_internal",
                "note_submitter",
                "info_requested",
                "status",
                "info_received",
                "status",
                "priority",
                "status",
                "status"
            ],
            "{}",
            db.label
        );
        let actions: Vec<String> = audit_actions(s, 1).await.into_iter().map(|(a, _)| a).collect();
        assert_eq!(
            actions,
            [
                "case.assign_me",
                "case.note",
                "case.note",
                "case.request_info",
                "case.info_received",
                "case.priority",
                "case.resolve",
                "case.reopen"
            ],
            "{}",
            db.label
        );
        assert_eq!(head(s, 1).await.row_version, 9, "{}", db.label);
    }
}

#[tokio::test]
async fn the_permission_matrix_holds_and_refusals_are_audited() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 3).await;
        let sam_id = staff::by_login(s, "sam").await.unwrap().unwrap().id;
        let ann_id = staff::by_login(s, "ann").await.unwrap().unwrap().id;
        // (operator, change, allowed)
        let matrix = [
            ("ann", assign_change(sam_id, "sam"), false),
            ("ann", assign_change(ann_id, "ann"), true),
            ("sam", assign_change(ann_id, "ann"), true),
            ("ada", assign_change(sam_id, "sam"), true),
        ];
        for (i, (login, change, allowed)) in matrix.into_iter().enumerate() {
            let o = ops(s, login).await;
            // A fresh case for each row, so rules other than role do not interfere.
            let n = (i % 3) as i64 + 1;
            s.execute("UPDATE cases SET assignee_id = NULL, status = 'new' WHERE id = $1", args![n]).await.unwrap();
            let r = o.change_case(&case_number(n), None, change).await;
            assert_eq!(r.is_ok(), allowed, "{}: {login} row {i}: {r:?}", db.label);
            if !allowed {
                let e = r.unwrap_err();
                assert!(matches!(e, OpError::RefusedRole(ref m) if m.contains("supervisor")), "{e}");
                let rows = audit::for_entity(s, &format!("case:{}", case_number(n)), 10).await.unwrap();
                assert!(rows.iter().any(|r| r.action == "case.assign" && r.outcome == "refused"), "{}", db.label);
                assert_eq!(head(s, n).await.assignee_id, None, "{}", db.label);
            }
        }
        // Bulk changes are for supervisors.
        let ann = ops(s, "ann").await;
        let lines = ann.preview_bulk(&["C-000001".into()], &CaseChange::Resolve { comment: "x".into() }).await.unwrap();
        let e = ann.apply_bulk(&lines, &CaseChange::Resolve { comment: "x".into() }).await.unwrap_err();
        assert!(
            e.to_string().contains("\"Resolve every marked case with one comment\" needs the supervisor role"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn a_change_from_a_stale_view_is_refused_and_nothing_is_overwritten() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 1).await;
        let ann = ops(s, "ann").await;
        let sam = ops(s, "sam").await;
        // Both open the case at version 1; Sam changes it first.
        sam.change_case("C-000001", Some(1), CaseChange::Priority(1)).await.unwrap();
        let e = ann.change_case("C-000001", Some(1), CaseChange::Resolve { comment: "done".into() }).await.unwrap_err();
        assert!(matches!(e, OpError::Conflict(ref m) if m.contains("changed by someone else")), "{}: {e}", db.label);
        let h = head(s, 1).await;
        assert_eq!((h.status.as_str(), h.priority, h.row_version), ("new", 1, 2), "{}", db.label);
        assert_eq!(timeline(s, 1).await.len(), 1, "{}: only Sam's entry", db.label);
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_changes_nothing() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 2).await;
        let ann = ops(s, "ann").await;
        let sam = ops(s, "sam").await;
        let cases_: [(&Ops, &str, CaseChange, &str); 6] = [
            (&ann, "C-000001", CaseChange::Resolve { comment: "   ".into() }, "empty"),
            (&ann, "C-000001", CaseChange::Note { text: "x".repeat(1 << 20), to_submitter: false }, "limit is 20000"),
            (&ann, "C-000099", CaseChange::Reopen, "no case C-000099"),
            (&ann, "C-0000zz", CaseChange::Reopen, "not a case ID"),
            (&ann, "C-000001", CaseChange::Priority(7), "1 (urgent)"),
            (&sam, "C-000001", CaseChange::InfoReceived, "not awaiting"),
        ];
        for (o, number, change, expect) in cases_ {
            let e = o.change_case(number, None, change).await.unwrap_err();
            assert!(e.to_string().contains(expect), "{}: {e}", db.label);
            assert_eq!(e.exit_code(), 1);
        }
        assert!(sam.assignment("nobody").await.unwrap_err().to_string().contains("no staff account"));
        assert!(sam.assignment("bob").await.unwrap_err().to_string().contains("disabled"));

        // A case closed meanwhile refuses further work.
        sam.change_case("C-000002", None, CaseChange::Resolve { comment: "dup of C-000001".into() }).await.unwrap();
        let e = ann.change_case("C-000002", None, CaseChange::Note { text: "hi".into(), to_submitter: false }).await;
        assert!(e.unwrap_err().to_string().contains("resolved"), "{}", db.label);

        // Escape sequences in a note are stored as plain text.
        let evil = "look\u{1b}]52;c;cHduZWQ=\u{7} here\u{1b}[2J";
        ann.change_case("C-000001", None, CaseChange::Note { text: evil.into(), to_submitter: false }).await.unwrap();
        let last = timeline(s, 1).await.pop().unwrap();
        assert_eq!(last, ("note_internal".to_owned(), "look here".to_owned()), "{}", db.label);

        let h = head(s, 1).await;
        assert_eq!((h.status.as_str(), h.priority, h.row_version), ("new", 3, 2), "{}", db.label);
    }
}

#[tokio::test]
async fn bulk_changes_preview_then_apply_all_or_nothing() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 4).await;
        let sam = ops(s, "sam").await;
        let ann_id = staff::by_login(s, "ann").await.unwrap().unwrap().id;
        let to_ann = sam.assignment("ann").await.unwrap();
        assert_eq!(to_ann, assign_change(ann_id, "ann"));
        let numbers: Vec<String> = (1..=3).map(case_number).collect();
        let lines = sam.preview_bulk(&numbers, &to_ann).await.unwrap();
        assert!(lines.iter().all(|l| l.outcome.as_deref() == Ok("unassigned → ann, open")), "{lines:?}");

        // One case moves on after the preview: the whole batch is refused.
        ops(s, "ada").await.change_case("C-000002", None, CaseChange::Priority(1)).await.unwrap();
        let e = sam.apply_bulk(&lines, &to_ann).await.unwrap_err();
        assert!(matches!(e, OpError::Conflict(_)), "{}: {e}", db.label);
        assert_eq!(head(s, 1).await.assignee_id, None, "{}: nothing half-applied", db.label);

        let lines = sam.preview_bulk(&numbers, &to_ann).await.unwrap();
        let done = sam.apply_bulk(&lines, &to_ann).await.unwrap();
        assert_eq!(done.len(), 3);
        for n in 1..=3 {
            assert_eq!(head(s, n).await.assignee_id, Some(ann_id), "{}", db.label);
            assert!(audit_actions(s, n).await.contains(&("case.bulk_assign".into(), "ok".into())), "{}", db.label);
        }
        assert_eq!(head(s, 4).await.assignee_id, None);

        let resolve = CaseChange::Resolve { comment: "Duplicate submissions.".into() };
        let lines = sam.preview_bulk(&numbers, &resolve).await.unwrap();
        sam.apply_bulk(&lines, &resolve).await.unwrap();
        for n in 1..=3 {
            assert_eq!(head(s, n).await.status, "resolved", "{}", db.label);
        }
        // Resolving them again is refused in the preview.
        let lines = sam.preview_bulk(&numbers, &resolve).await.unwrap();
        assert!(lines.iter().all(|l| l.outcome.as_ref().is_err_and(|e| e.contains("already resolved"))));
    }
}

#[tokio::test]
async fn the_sweep_closes_past_due_waits_once() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 3).await;
        let ann = ops(s, "ann").await;
        // 1 waits until tomorrow, 2 until the day after; 3 is not waiting.
        ann.change_case("C-000001", None, CaseChange::RequestInfo { due: t0() + Duration::days(1) }).await.unwrap();
        ann.change_case("C-000002", None, CaseChange::RequestInfo { due: t0() + Duration::days(2) }).await.unwrap();
        let later = ops_at(s, "ann", t0() + Duration::days(1) + Duration::hours(1)).await;
        assert_eq!(later.sweep().await.unwrap(), ["C-000001"], "{}", db.label);
        let again = later.sweep().await.unwrap();
        assert!(again.is_empty(), "{}: second run changes nothing", db.label);
        let h = head(s, 1).await;
        assert_eq!(h.status, "closed_no_response", "{}", db.label);
        let last = timeline(s, 1).await.pop().unwrap();
        assert_eq!(
            last.1,
            format!(
                "awaiting_info → closed_no_response: no information by {}",
                (t0() + Duration::days(1)).format("%Y-%m-%d")
            )
        );
        assert_eq!(head(s, 2).await.status, "awaiting_info");
        assert_eq!(head(s, 3).await.status, "new");
        let (n,): (i64,) =
            s.fetch_one("SELECT count(*) FROM audit_log WHERE action = 'case.sweep'", args![]).await.unwrap();
        assert_eq!(n, 1, "{}: one audit row for the one closed case", db.label);
        // Background work is the system's in the audit, with whose session ran it.
        let timer = ops_at(s, "ann", t0() + Duration::days(2) + Duration::hours(1)).await.as_system("sweep");
        assert_eq!(timer.sweep().await.unwrap(), ["C-000002"], "{}", db.label);
        let rows: Vec<(String, Option<String>)> = s
            .fetch_all("SELECT operator, reason FROM audit_log WHERE action = 'case.sweep' ORDER BY id", args![])
            .await
            .unwrap();
        let timer_row = ("system:sweep".to_owned(), Some("background work in ann's session".to_owned()));
        assert_eq!(rows, [("ann".to_owned(), None), timer_row], "{}", db.label);
    }
}

/// Five open terminals, each with its sweep timer, fire at once: the sweep's
/// turn (an advisory lock on PostgreSQL, the write lock on SQLite) lets one
/// through, and every due case is closed once, in the system's name.
#[tokio::test]
async fn five_sessions_sweeping_at_once_close_each_case_once_as_the_system() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 300).await;
        s.execute("UPDATE cases SET status = 'awaiting_info', info_due_at = $1", args![t0() - Duration::hours(1)])
            .await
            .unwrap();
        let mut handles = Vec::new();
        for login in ["ann", "sam", "ada", "ann", "sam"] {
            let o = ops(s, login).await.as_system("sweep");
            handles.push(tokio::spawn(async move { o.sweep().await.unwrap() }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        let total = all.len();
        all.sort();
        all.dedup();
        assert_eq!((total, all.len()), (300, 300), "{}: every case closed exactly once", db.label);
        let (events,): (i64,) =
            s.fetch_one("SELECT count(*) FROM case_events WHERE kind = 'status'", args![]).await.unwrap();
        assert_eq!(events, 300, "{}", db.label);
        let by: Vec<(String, i64)> = s
            .fetch_all(
                "SELECT operator, count(*) FROM audit_log WHERE action = 'case.sweep' GROUP BY operator",
                args![],
            )
            .await
            .unwrap();
        assert_eq!(by, [("system:sweep".to_owned(), 300)], "{}: the system closed them, once each", db.label);
    }
}

#[tokio::test]
async fn take_uses_the_shared_rules_and_refuses_nothing_to_take() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 1).await;
        let ann = ops(s, "ann").await;
        let c = ann.claim_next(Queue::Billing).await.unwrap().unwrap();
        assert_eq!(c.case_number, "C-000001");
        assert_eq!(timeline(s, 1).await[0], ("assignment".into(), "assigned to ann".into()), "{}", db.label);
        assert!(ann.claim_next(Queue::Billing).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn every_case_action_is_allowed_exactly_from_its_role_up() {
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 1).await;
        let ada_id = staff::by_login(s, "ada").await.unwrap().unwrap().id;
        for (login, role) in [("ann", Role::Agent), ("sam", Role::Supervisor), ("ada", Role::Admin)] {
            let o = ops(s, login).await;
            let me = staff::by_login(s, login).await.unwrap().unwrap().id;
            // Each change from a state where the rules allow it, so only the role decides.
            let steps: [(&str, &str, CaseChange); 8] = [
                ("case.assign_me", "new", assign_change(me, login)),
                ("case.assign", "open", assign_change(if login == "ada" { 0 } else { ada_id }, "ada")),
                ("case.note", "open", CaseChange::Note { text: "n".into(), to_submitter: false }),
                ("case.priority", "open", CaseChange::Priority(1)),
                ("case.request_info", "open", CaseChange::RequestInfo { due: t0() + Duration::days(3) }),
                ("case.info_received", "awaiting_info", CaseChange::InfoReceived),
                ("case.resolve", "open", CaseChange::Resolve { comment: "done".into() }),
                ("case.reopen", "resolved", CaseChange::Reopen),
            ];
            for (name, status, change) in steps {
                if name == "case.assign" && login == "ada" {
                    continue; // Assigning to oneself is case.assign_me, covered above.
                }
                s.execute(
                    "UPDATE cases SET status = $1, assignee_id = NULL, priority = 3, \
                     info_due_at = CASE WHEN $1 = 'awaiting_info' THEN sla_due_at ELSE NULL END",
                    args![status],
                )
                .await
                .unwrap();
                let min = portaldesk::action::Action::by_name(name).unwrap().spec().min_role;
                let r = o.change_case("C-000001", None, change).await;
                assert_eq!(r.is_ok(), role >= min, "{}: {login} {name}: {r:?}", db.label);
            }
        }
    }
}

/// `Ops::execute`: the role check comes from the table (a refusal audited
/// once, against the case), your own login is `me`, and each request
/// answers its typed outcome.
#[tokio::test]
async fn execute_checks_the_tables_role_and_answers_typed_outcomes() {
    use portaldesk::action::Action;
    use portaldesk::ops::cases::Changed;
    use portaldesk::ops::request::{BulkChange, Env, Outcome, Request};
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 3).await;
        let config = portaldesk::config::Config::load(None, std::iter::empty(), &Default::default()).unwrap();
        let env = Env::new(&config, None, None);
        let ann = ops(s, "ann").await;
        let to_sam = Request::CaseAssign { case: "c-1".into(), to: "sam".into(), seen: None };
        assert_eq!(to_sam.action(), Action::CaseAssign);
        let e = ann.execute(&env, to_sam).await.unwrap_err();
        assert!(matches!(&e, OpError::RefusedRole(m) if m.contains("needs the supervisor role")), "{e}");
        let refused = audit::for_entity(s, "case:C-000001", 10).await.unwrap();
        let refused: Vec<_> = refused.iter().filter(|r| r.outcome == "refused").map(|r| r.action.as_str()).collect();
        assert_eq!(refused, ["case.assign"], "{}: audited once, against the case", db.label);
        assert_eq!(head(s, 1).await.assignee_id, None, "{}", db.label);
        // An agent assigning to their own login is case.assign_me.
        let seen = head(s, 1).await.row_version;
        let mine = Request::CaseAssign { case: "C-000001".into(), to: "ann".into(), seen: Some(seen) };
        let done: Changed = ann.ask(&env, mine).await.unwrap();
        assert_eq!(done.assignee.as_deref(), Some("ann"), "{}", db.label);
        // The version a screen saw is checked: this one is stale now.
        let stale = Request::CasePriority { case: "C-000001".into(), priority: 1, seen: Some(seen) };
        assert!(matches!(ann.execute(&env, stale).await, Err(OpError::Conflict(_))), "{}", db.label);
        let fresh = Request::CasePriority { case: "C-000001".into(), priority: 1, seen: Some(done.row_version) };
        let Ok(Outcome::Changed(c)) = ann.execute(&env, fresh).await else { panic!("{}", db.label) };
        assert_eq!((c.priority, c.row_version), (1, done.row_version + 1), "{}", db.label);
        // A take answers the case taken; bulk changes stay a supervisor's.
        let took = ann.execute(&env, Request::CaseClaimNext { queue: Queue::Billing }).await.unwrap();
        assert!(matches!(took, Outcome::Claimed(Some(ref c)) if c.case_number == "C-000002"), "{took:?}");
        let cases = vec!["C-000002".to_owned(), "C-000003".to_owned()];
        let resolve = BulkChange::Resolve("x".into());
        let preview = Request::CaseBulkPreview { cases: cases.clone(), what: resolve };
        assert!(matches!(ann.execute(&env, preview.clone()).await, Err(OpError::RefusedRole(_))), "{}", db.label);
        let bulk = Request::CaseBulkResolve { cases, comment: "x".into(), seen: None };
        assert!(matches!(ann.execute(&env, bulk.clone()).await, Err(OpError::RefusedRole(_))), "{}", db.label);
        // A screen's preview names each case's version; applying it after a
        // colleague changed one of them is refused whole.
        let sam = ops(s, "sam").await;
        let lines: Vec<portaldesk::ops::cases::BulkLine> = sam.ask(&env, preview).await.unwrap();
        assert_eq!(lines.iter().map(|l| l.outcome.is_ok()).collect::<Vec<_>>(), [true, true], "{}", db.label);
        let seen: Vec<i64> = lines.iter().map(|l| l.row_version).collect();
        let bump = Request::CasePriority { case: "C-000003".into(), priority: 2, seen: None };
        sam.execute(&env, bump).await.unwrap();
        let Request::CaseBulkResolve { cases, comment, .. } = bulk.clone() else { unreachable!() };
        let stale = Request::CaseBulkResolve { cases, comment, seen: Some(seen) };
        assert!(sam.execute(&env, stale).await.is_err(), "{}: a moved-on case refuses the bulk", db.label);
        assert_ne!(head(s, 2).await.status, "resolved", "{}: nothing was resolved", db.label);
        let shut: Vec<Changed> = sam.ask(&env, bulk).await.unwrap();
        assert_eq!(shut.iter().map(|c| c.status.as_str()).collect::<Vec<_>>(), ["resolved", "resolved"]);
        // A read answers as its area's action, for any role.
        let shown = ann.execute(&env, Request::CaseShow { case: "3".into() }).await.unwrap();
        assert!(matches!(shown, Outcome::Case(Some(ref f)) if f.case.case_number == "C-000003"), "{}", db.label);
    }
}

/// Presence heartbeats through `Ops::execute`: a beat writes the session's
/// row and answers the others alive on the same entity; moving to another
/// entity moves the row; a row three beats old is not shown and is purged
/// by the reader; a read-only session writes nothing and still sees the
/// others; leaving deletes the row. No audit row for any of it.
#[tokio::test]
async fn presence_beats_show_the_others_and_expire() {
    use portaldesk::domain::presence::{EntityKind, Here, Mode, Present};
    use portaldesk::ops::presence::Beat;
    use portaldesk::ops::request::{Env, Request};
    let config = portaldesk::config::Config::load(None, std::iter::empty(), &Default::default()).unwrap();
    let env = Env::new(&config, None, None);
    let here = |kind, key: &str, mode| Some(Here { kind, key: key.into(), mode });
    let beat = |session: &str, h: Option<Here>| Request::Presence(Beat { session: session.into(), here: h });
    let rows = |s: Store| async move {
        let r: Vec<(String, String, String, String)> = s
            .fetch_all("SELECT session_id, entity_kind, entity_key, mode FROM presence ORDER BY session_id", args![])
            .await
            .unwrap();
        r
    };
    for db in common::all_backends().await {
        let (s, l) = (&db.store, db.label);
        fixture(s, 2).await;
        let (ann, sam) = (ops(s, "ann").await, ops(s, "sam").await);
        let audit_before: Vec<(i64,)> = s.fetch_all("SELECT count(*) FROM audit_log", args![]).await.unwrap();

        let seen: Vec<Present> =
            ann.ask(&env, beat("a1", here(EntityKind::Case, "C-000001", Mode::Viewing))).await.unwrap();
        assert!(seen.is_empty(), "{l}: nobody else yet");
        let seen: Vec<Present> =
            sam.ask(&env, beat("s1", here(EntityKind::Case, "C-000001", Mode::Editing))).await.unwrap();
        assert_eq!(seen, [Present { login: "ann".into(), mode: Mode::Viewing }], "{l}");
        let seen: Vec<Present> =
            ann.ask(&env, beat("a1", here(EntityKind::Case, "C-000001", Mode::Viewing))).await.unwrap();
        assert_eq!(seen, [Present { login: "sam".into(), mode: Mode::Editing }], "{l}: ann sees sam editing");

        // One row per session: sam moving to a member moves its row.
        let seen: Vec<Present> =
            sam.ask(&env, beat("s1", here(EntityKind::Member, "M000001", Mode::Viewing))).await.unwrap();
        assert!(seen.is_empty(), "{l}");
        assert_eq!(
            rows(s.clone()).await,
            [
                ("a1".into(), "case".into(), "C-000001".into(), "viewing".into()),
                ("s1".into(), "member".into(), "M000001".into(), "viewing".into())
            ],
            "{l}"
        );

        // A row last beaten 20 s ago (a killed terminal) is not shown, and goes.
        let late = ops_at(s, "sam", t0() - Duration::seconds(20)).await;
        let _: Vec<Present> =
            late.ask(&env, beat("s2", here(EntityKind::Case, "C-000001", Mode::Editing))).await.unwrap();
        let seen: Vec<Present> =
            ann.ask(&env, beat("a1", here(EntityKind::Case, "C-000001", Mode::Viewing))).await.unwrap();
        assert!(seen.is_empty(), "{l}: an expired heartbeat is not shown: {seen:?}");
        assert_eq!(rows(s.clone()).await.len(), 2, "{l}: and the reader purged it");

        // A read-only session writes nothing, and sees the others.
        let ro = Ops::for_operator(s.clone(), "sam", true, Clock::Fixed(t0())).await.unwrap();
        let seen: Vec<Present> =
            ro.ask(&env, beat("r1", here(EntityKind::Case, "C-000001", Mode::Viewing))).await.unwrap();
        assert_eq!(seen, [Present { login: "ann".into(), mode: Mode::Viewing }], "{l}");
        let _: Vec<Present> = ro.ask(&env, beat("r1", None)).await.unwrap();
        assert_eq!(rows(s.clone()).await.len(), 2, "{l}: a read-only session wrote no row");

        // Leaving deletes the row.
        let _: Vec<Present> = ann.ask(&env, beat("a1", None)).await.unwrap();
        let _: Vec<Present> = sam.ask(&env, beat("s1", None)).await.unwrap();
        assert!(rows(s.clone()).await.is_empty(), "{l}");
        let audit_after: Vec<(i64,)> = s.fetch_all("SELECT count(*) FROM audit_log", args![]).await.unwrap();
        assert_eq!(audit_after, audit_before, "{l}: heartbeats write no audit row");
    }
}

/// Waits at most `limit` for the watcher's next signal.
async fn signal_within(w: &mut Watcher, limit: std::time::Duration) -> Option<Signal> {
    tokio::time::timeout(limit, w.next()).await.ok().map(|r| r.expect("the watch goes on"))
}

#[tokio::test]
async fn the_live_watcher_hears_committed_case_changes_only_and_listens_again_after_a_lost_connection() {
    use std::time::Duration as Span;
    for db in common::all_backends().await {
        let s = &db.store;
        fixture(s, 3).await;
        let poll = Span::from_millis(100);
        let mut w = Watcher::open(s, "the watching session", poll).await.unwrap().expect("a file database is watched");
        let expected = match (db.label, s.backend()) {
            ("pgbouncer", _) => Method::PollTimeline,
            (_, portaldesk::store::Backend::Postgres) => Method::Listen,
            _ => Method::DataVersion,
        };
        assert_eq!(Method::of(s), Some(expected), "{}", db.label);

        // A change rolled back is never announced (nor seen by a poll).
        let mut tx = s.begin_write().await.unwrap();
        live::announce(&mut tx, "another session").await.unwrap();
        tx.execute(
            "INSERT INTO case_events (case_id, at, staff_id, kind, body) VALUES (1, $1, NULL, 'note_internal', 'undone')",
            args![t0()],
        )
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(signal_within(&mut w, Span::from_millis(600)).await, None, "{}: a rollback", db.label);

        // A committed change is, once committed.
        let ann = staff::by_login(s, "ann").await.unwrap().unwrap();
        let o = ops(s, "ann").await;
        o.change_case(&case_number(2), None, assign_change(ann.id, "ann")).await.unwrap();
        assert_eq!(signal_within(&mut w, Span::from_secs(5)).await, Some(Signal::Changed), "{}", db.label);
        // Drained: the same changes are not reported twice.
        while signal_within(&mut w, Span::from_millis(300)).await.is_some() {}

        // The session's own announcements are skipped where they can be told apart (LISTEN).
        if expected == Method::Listen {
            let mut own = Watcher::open(s, o.origin(), poll).await.unwrap().unwrap();
            o.change_case(&case_number(3), None, assign_change(ann.id, "ann")).await.unwrap();
            assert_eq!(signal_within(&mut own, Span::from_millis(600)).await, None, "its own change");
            assert_eq!(signal_within(&mut w, Span::from_secs(5)).await, Some(Signal::Changed), "a colleague's");

            // The listener's server process ends: the watcher listens again,
            // says anything may have changed, and hears the next change.
            let pid = w.backend_pid();
            assert!(pid > 0);
            s.execute("SELECT pg_terminate_backend(CAST($1 AS INTEGER))", args![i64::from(pid)]).await.unwrap();
            assert_eq!(signal_within(&mut w, Span::from_secs(10)).await, Some(Signal::Resync));
            assert_ne!(w.backend_pid(), pid, "a new listening connection");
            o.change_case(&case_number(3), None, CaseChange::Priority(1)).await.unwrap();
            assert_eq!(signal_within(&mut w, Span::from_secs(5)).await, Some(Signal::Changed), "heard again");
        }
    }
}

/// How many cases a view holds, counted from the cases themselves (the
/// list's own conditions), for the kept counts to be checked against.
async fn counted_afresh(s: &Store, view: portaldesk::domain::case::CaseView, me: i64) -> i64 {
    use portaldesk::domain::case::CaseView;
    let (n,): (i64,) = match view {
        CaseView::Queue(q) => s
            .fetch_one(
                "SELECT count(*) FROM cases WHERE queue = $1 AND status IN ('new','open','awaiting_info')",
                args![q.as_str()],
            )
            .await
            .unwrap(),
        CaseView::Mine => s
            .fetch_one(
                "SELECT count(*) FROM cases WHERE assignee_id = $1 AND status IN ('new','open','awaiting_info')",
                args![me],
            )
            .await
            .unwrap(),
        CaseView::Unassigned => s
            .fetch_one(
                "SELECT count(*) FROM cases WHERE assignee_id IS NULL AND status IN ('new','open','awaiting_info')",
                args![],
            )
            .await
            .unwrap(),
        CaseView::Awaiting => {
            s.fetch_one("SELECT count(*) FROM cases WHERE status = 'awaiting_info'", args![]).await.unwrap()
        }
        CaseView::All => s.fetch_one("SELECT count(*) FROM cases", args![]).await.unwrap(),
    };
    n
}

/// The queue strip's counts are kept by triggers (migration 0012), not
/// counted: after a take, a request for information, a resolution, a bulk
/// assignment, the sweep, a new case and a deleted one, each kept count
/// equals the view counted afresh, and the list's own count agrees.
#[tokio::test]
async fn the_kept_queue_counts_follow_every_kind_of_case_change() {
    use portaldesk::domain::case::CaseView;
    for db in common::all_backends().await {
        let (s, l) = (&db.store, db.label);
        fixture(s, 6).await;
        let (ann, sam) = (ops(s, "ann").await, ops(s, "sam").await);
        let me = staff::by_login(s, "ann").await.unwrap().unwrap().id;
        let check = |step: &'static str| async move {
            for (view, kept) in cases::counts(s, me).await.unwrap() {
                let counted = counted_afresh(s, view, me).await;
                assert_eq!(kept, counted, "{l}, after {step}: {view:?}");
            }
        };
        check("the fixture").await;
        assert_eq!(cases::kept_count(s, CaseView::Unassigned).await.unwrap(), Some(6), "{l}");
        ann.change_case("C-000001", None, assign_change(me, "ann")).await.unwrap();
        check("a take").await;
        ann.change_case("C-000002", None, CaseChange::RequestInfo { due: t0() + Duration::hours(1) }).await.unwrap();
        check("a request for information").await;
        ann.change_case("C-000001", None, CaseChange::Resolve { comment: "done".into() }).await.unwrap();
        check("a resolution").await;
        let to_ann = sam.assignment("ann").await.unwrap();
        let lines = sam.preview_bulk(&["C-000003".into(), "C-000004".into()], &to_ann).await.unwrap();
        sam.apply_bulk(&lines, &to_ann).await.unwrap();
        check("a bulk assignment").await;
        let later = ops_at(s, "ann", t0() + Duration::hours(2)).await.as_system("sweep");
        assert_eq!(later.sweep().await.unwrap(), ["C-000002"], "{l}");
        check("the sweep").await;
        s.execute("DELETE FROM cases WHERE case_number = 'C-000006'", args![]).await.unwrap();
        check("a deleted case").await;
        assert_eq!(cases::kept_count(s, CaseView::All).await.unwrap(), Some(5), "{l}");
        assert_eq!(cases::kept_count(s, CaseView::Queue(Queue::Billing)).await.unwrap(), Some(3), "{l}");
    }
}
