//! The paged lists on both engines: every case view, its order and flags,
//! keyset paging through a whole view, the member list's exact filters, and
//! stored characters that fool the eye shown as escapes.

mod common;

use common::seeded::{now, seed_small};
use portaldesk::domain::case::CaseView;
use portaldesk::store::cases::{counts, file_by_number};
use portaldesk::store::lists::{ListKind, ListRequest, Search, fetch};
use portaldesk::store::members::MemberSearch;
use portaldesk::store::testing::StoreSql;
use portaldesk::store::{Dir, Store, staff};

fn request(kind: ListKind, dir: Dir, filter: &str, me: i64) -> ListRequest {
    ListRequest {
        kind,
        filter: filter.into(),
        dir,
        limit: 25,
        me,
        now: now(),
        backend_pid: Default::default(),
        date_format: Default::default(),
        search: None,
    }
}

/// Every row of a list, page by page.
async fn walk(store: &Store, kind: ListKind, me: i64) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut dir = Dir::First;
    loop {
        let req = request(kind, dir, "", me);
        let page = fetch(store, &req).await.unwrap();
        out.extend(page.rows.iter().map(|r| portaldesk::columns::cells(&r.item, req.now, &req.date_format)));
        match page.rows.last() {
            Some(last) if page.more_after => dir = Dir::After(last.key.clone()),
            _ => return out,
        }
    }
}

#[tokio::test]
async fn every_case_view_pages_through_all_its_cases_in_due_order() {
    for db in common::all_backends().await {
        let s = &db.store;
        seed_small(&db).await;
        let me = staff::by_login(s, "tester").await.unwrap().unwrap().id;
        // Each view's rows, all pages, as many as the queue strip says.
        for (view, n) in counts(s, me).await.unwrap() {
            let rows = walk(s, ListKind::Cases(view), me).await;
            assert_eq!(rows.len() as i64, n, "{}: {view}", db.label);
            assert!(n > 0, "{}: {view} is empty in the demo", db.label);
            let statuses: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
            let open = ["new", "open", "awaiting"];
            match view {
                CaseView::All => assert!(statuses.contains(&"resolved") && statuses.contains(&"no_response")),
                CaseView::Awaiting => assert!(statuses.iter().all(|s| *s == "awaiting")),
                _ => assert!(statuses.iter().all(|s| open.contains(s)), "{}: {view}: {statuses:?}", db.label),
            }
            if view == CaseView::Unassigned {
                assert!(rows.iter().all(|r| r[8] == "-"), "{}", db.label);
            }
            if view == CaseView::Mine {
                assert!(rows.iter().all(|r| r[8] == "tester"), "{}", db.label);
            }
        }
        // The paperwork flag agrees with the case view's own check.
        let rows = walk(s, ListKind::Cases(CaseView::All), me).await;
        let flagged: Vec<&Vec<String>> = rows.iter().filter(|r| r[3] == "!").collect();
        assert!(!flagged.is_empty(), "{}: the demo has retroactive cases without the form", db.label);
        for r in rows.iter().take(60) {
            let file = file_by_number(s, &r[0]).await.unwrap().unwrap();
            assert_eq!(file.missing_paperwork(), r[3] == "!", "{}: {}", db.label, r[0]);
        }
    }
}

#[tokio::test]
async fn the_member_list_opens_by_member_id_and_group_number() {
    for db in common::all_backends().await {
        let s = &db.store;
        seed_small(&db).await;
        let search = |q: &str| MemberSearch::parse(q, None).unwrap().map(Search::Members);
        let by_id = ListRequest { search: search("M0000042"), ..request(ListKind::Members, Dir::First, "", 0) };
        let page = fetch(s, &by_id).await.unwrap();
        let ids: Vec<String> = page.rows.iter().map(|r| r.item.handle()).collect();
        assert_eq!(ids, ["M0000042"], "{}", db.label);
        let group_of = |r: &portaldesk::store::lists::ListRow| match &r.item {
            portaldesk::store::lists::ListItem::Member(m) => m.group_number.clone(),
            other => panic!("not a member: {other:?}"),
        };
        let group = group_of(&page.rows[0]);
        let by_group =
            ListRequest { search: search(&format!("group:{group}")), ..request(ListKind::Members, Dir::First, "", 0) };
        let page = fetch(s, &by_group).await.unwrap();
        assert!(page.rows.len() > 1 && page.rows.iter().all(|r| group_of(r) == group), "{}", db.label);

        // A name stored before such characters were refused shows them as escapes.
        s.execute(
            "UPDATE members SET last_name = $1, first_name = $2 WHERE member_number = 'M0000042'",
            portaldesk::args!["Smith\u{202e}evil", "Jo\u{200b}hn"],
        )
        .await
        .unwrap();
        let page = fetch(s, &by_id).await.unwrap();
        let cells = portaldesk::columns::cells(&page.rows[0].item, by_id.now, &by_id.date_format).join("|");
        assert!(cells.contains("Smith\\u{202E}evil, Jo\\u{200B}hn"), "{}: {cells}", db.label);
        assert!(!cells.contains(['\u{202e}', '\u{200b}']), "{}", db.label);
    }
}

#[tokio::test]
async fn detail_records_read_whole_rows_on_both_engines() {
    for db in common::all_backends().await {
        seed_small(&db).await;
        let (id, email, kind): (i64, String, String) = db
            .store
            .fetch_one("SELECT id, email, kind FROM portal_users ORDER BY id LIMIT 1", portaldesk::args![])
            .await
            .unwrap();
        let a = portaldesk::store::records::account(&db.store, id).await.unwrap().expect("the account");
        assert_eq!((a.email.as_str(), a.kind.as_str()), (email.as_str(), kind.as_str()), "{}", db.label);
        // Exactly one of employer and broker says whom the user belongs to.
        assert_eq!(a.employer.is_some(), kind == "employer", "{}: {a:?}", db.label);
        assert_eq!(a.broker.is_some(), kind == "broker_staff", "{}: {a:?}", db.label);
        let (code_id, last4): (i64, String) = db
            .store
            .fetch_one("SELECT id, last4 FROM one_time_codes ORDER BY id LIMIT 1", portaldesk::args![])
            .await
            .unwrap();
        let c = portaldesk::store::records::code(&db.store, code_id).await.unwrap().expect("the code");
        assert_eq!((c.item.id, c.item.last4.as_str()), (code_id, last4.as_str()), "{}", db.label);
        assert!(c.item.subject != "?" && c.item.expires_at > c.item.issued_at, "{}: {c:?}", db.label);
        assert_eq!(portaldesk::store::records::account(&db.store, -1).await.unwrap(), None);
    }
}

/// Every row of a list with a filter, page by page, for comparing with its count.
async fn walk_filtered(store: &Store, kind: ListKind, filter: &str, search: Option<Search>, me: i64) -> usize {
    let mut n = 0;
    let mut dir = Dir::First;
    loop {
        let req = ListRequest { search: search.clone(), ..request(kind, dir, filter, me) };
        let page = fetch(store, &req).await.unwrap();
        n += page.rows.len();
        match page.rows.last() {
            Some(last) if page.more_after => dir = Dir::After(last.key.clone()),
            _ => return n,
        }
    }
}

#[tokio::test]
async fn every_list_counts_its_whole_filtered_length_up_to_a_cap() {
    use portaldesk::store::count::{ListCount, count as count_list};
    for db in common::all_backends().await {
        let s = &db.store;
        seed_small(&db).await;
        let me = staff::by_login(s, "tester").await.unwrap().unwrap().id;
        let members = |q: &str| MemberSearch::parse(q, None).unwrap().map(Search::Members);
        let kinds: Vec<(ListKind, &str, Option<Search>)> = vec![
            (ListKind::Cases(CaseView::All), "", None),
            (ListKind::Cases(CaseView::Unassigned), "", None),
            (ListKind::Cases(CaseView::All), "c-", None),
            (ListKind::Members, "", None),
            (ListKind::Members, "", members("name:a")),
            (ListKind::Brokers, "", None),
            (ListKind::Accounts, "", None),
            (ListKind::Staff, "", None),
            (ListKind::Imports { failed_only: false }, "", None),
            (ListKind::Imports { failed_only: true }, "", None),
            (ListKind::Codes, "", None),
            (ListKind::ReportJobs, "", None),
            (ListKind::ReportSchedules, "", None),
        ];
        for (kind, filter, search) in kinds {
            let walked = walk_filtered(s, kind, filter, search.clone(), me).await as u64;
            // Paging ignores the direction: a count asked with a later page counts the same.
            let req = ListRequest { search: search.clone(), ..request(kind, Dir::Last, filter, me) };
            let exact = count_list(s, &req, 1_000_000).await.unwrap();
            assert_eq!(exact, ListCount::Exact(walked), "{}: {kind:?} /{filter}", db.label);
            if walked > 2 {
                // A small cap: past it, only "more than the cap" is known.
                assert_eq!(count_list(s, &req, 2).await.unwrap(), ListCount::Over(2), "{}: {kind:?}", db.label);
                // Exactly the cap is still exact.
                assert_eq!(count_list(s, &req, walked).await.unwrap(), ListCount::Exact(walked), "{}", db.label);
                assert_eq!(count_list(s, &req, walked - 1).await.unwrap(), ListCount::Over(walked - 1), "{}", db.label);
            }
        }
        // A filter that matches nothing counts zero.
        let none = request(ListKind::Cases(CaseView::All), Dir::First, "no such company anywhere", me);
        assert_eq!(count_list(s, &none, 10).await.unwrap(), ListCount::Exact(0), "{}", db.label);
        // The member list of the demo is the seeded 300 and a few dependants: more than a page.
        let all = count_list(s, &request(ListKind::Members, Dir::First, "", me), 1_000_000).await.unwrap();
        assert!(all.exact().unwrap() >= 300, "{}: {all:?}", db.label);
    }
}

#[tokio::test]
async fn the_report_jobs_and_schedules_lists_page_newest_first_on_both_engines() {
    use portaldesk::ops::{Clock, Ops};
    use portaldesk::store::lists::ListItem;
    for db in common::all_backends().await {
        let s = &db.store;
        seed_small(&db).await;
        let me = staff::by_login(s, "tester").await.unwrap().unwrap().id;
        let ops = Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(now())).await.unwrap();
        // 30 jobs, more than a page of 25, queued one minute apart.
        let mut ids = Vec::new();
        for i in 0..30 {
            let o = Ops::for_operator(s.clone(), "tester", false, Clock::Fixed(now() + chrono::Duration::minutes(i)))
                .await
                .unwrap();
            let report = if i % 2 == 0 { "case-sla" } else { "qb-roster" };
            ids.push(o.enqueue_report(report, &[]).await.unwrap());
        }
        let mut seen = Vec::new();
        let mut dir = Dir::First;
        loop {
            let page = fetch(s, &request(ListKind::ReportJobs, dir, "", me)).await.unwrap();
            seen.extend(page.rows.iter().map(|r| match &r.item {
                ListItem::ReportJob(j) => (j.id, j.status.clone(), j.requested_by.clone()),
                other => panic!("{other:?}"),
            }));
            match page.rows.last() {
                Some(last) if page.more_after => dir = Dir::After(last.key.clone()),
                _ => break,
            }
        }
        let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
        assert_eq!(seen.iter().map(|(id, ..)| *id).collect::<Vec<_>>(), newest_first, "{}", db.label);
        assert!(seen.iter().all(|(_, st, by)| st == "queued" && by == "tester"), "{}", db.label);
        // The filter: a report's name, or status:…
        assert_eq!(walk_filtered(s, ListKind::ReportJobs, "qb-", None, me).await, 15, "{}", db.label);
        assert_eq!(walk_filtered(s, ListKind::ReportJobs, "status:queued", None, me).await, 30, "{}", db.label);
        assert_eq!(walk_filtered(s, ListKind::ReportJobs, "status:failed", None, me).await, 0, "{}", db.label);

        let at = (now() + chrono::Duration::days(1)).format("%Y-%m-%d 06:00").to_string();
        let sched = portaldesk::domain::schedule::Schedule::typed(&at, "weekly", "UTC", now()).unwrap();
        let id = ops.schedule_report("case-sla", &[], sched).await.unwrap();
        ops.pause_schedule(id).await.unwrap();
        let page = fetch(s, &request(ListKind::ReportSchedules, Dir::First, "", me)).await.unwrap();
        let cells: Vec<Vec<String>> =
            page.rows.iter().map(|r| portaldesk::columns::cells(&r.item, now(), &Default::default())).collect();
        assert_eq!(cells.len(), 1, "{}", db.label);
        assert_eq!(
            cells[0][..4],
            [id.to_string(), "case-sla".into(), "paused".into(), "weekly".into()],
            "{}",
            db.label
        );
    }
}
