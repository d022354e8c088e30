//! The app shell on an off-screen terminal: snapshots at 80x24 and 120x40,
//! and behaviour a person relies on (areas, queues, `:`, filter, help, take).

mod common;

use common::seeded::{headless, seed_small, session, stable};
use portaldesk::args;
use portaldesk::domain::case::CaseView;
use portaldesk::keymap::Keymap;
use portaldesk::store::lists::ListItem;
use portaldesk::store::testing::StoreSql;
use portaldesk::tui::Headless;

/// A list row's cells as the screen shows them.
fn shown(h: &Headless, r: &portaldesk::store::lists::ListRow) -> Vec<String> {
    portaldesk::columns::cells(&r.item, h.app.ops.now(), &h.app.date_format)
}

async fn app(w: u16, h: u16) -> (common::TestDb, Headless) {
    let db = common::sqlite().await;
    seed_small(&db).await;
    let h = headless(&db, w, h).await;
    (db, h)
}

#[tokio::test]
async fn main_screen_80x24() {
    let (db, mut h) = app(80, 24).await;
    insta::assert_snapshot!("main_80x24", stable(&h.screen(), &db));
}

#[tokio::test]
async fn main_screen_120x40() {
    let (db, mut h) = app(120, 40).await;
    insta::assert_snapshot!("main_120x40", stable(&h.screen(), &db));
}

#[tokio::test]
async fn too_small_says_so() {
    let (_db, mut h) = app(79, 23).await;
    let s = h.screen();
    assert!(s.contains("needs at least 80x24") && s.contains("79x23"), "{s}");
}

#[tokio::test]
async fn number_keys_switch_areas_and_lists_load() {
    let (_db, mut h) = app(120, 40).await;
    for (key, header) in
        [("2", "Member"), ("3", "NPN"), ("4", "Email"), ("5", "Failed"), ("6", "Purpose"), ("1", "Subscriber")]
    {
        h.press(key).await.unwrap();
        let s = h.screen();
        assert!(
            s.lines().nth(3).unwrap_or("").contains(header) || s.lines().nth(4).unwrap_or("").contains(header),
            "area {key} lacks {header}:\n{s}"
        );
        assert!(h.app.pane().rows.len() > 1, "area {key} shows no rows:\n{s}");
    }
}

#[tokio::test]
async fn command_line_switches_queue_and_reports_unknown_commands() {
    let (_db, mut h) = app(120, 40).await;
    h.press(":cases billing<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.lines().nth(2).unwrap().contains("Cases › billing"), "{s}");
    assert!(h.app.pane().rows.iter().all(|r| !shown(&h, r)[0].is_empty()));
    h.press(":frobnicate<Enter>").await.unwrap();
    assert!(h.screen().contains("unknown command :frobnicate"));
    // History brings the last good command back.
    h.press(":<Up>").await.unwrap();
    assert!(h.screen().contains(":frobnicate"));
    h.press("<Up><Esc>").await.unwrap();
    // Tab completes.
    h.press(":cases sup<Tab><Enter>").await.unwrap();
    assert!(h.screen().lines().nth(2).unwrap().contains("Cases › support"));
}

#[tokio::test]
async fn paging_reaches_the_end_and_back() {
    let (_db, mut h) = app(80, 24).await;
    h.press("2G").await.unwrap();
    let last = shown(&h, h.app.pane().rows.last().unwrap());
    assert!(!h.app.pane().more_after);
    h.press("g").await.unwrap();
    assert!(!h.app.pane().more_before);
    let first = shown(&h, &h.app.pane().rows[0]);
    assert_ne!(first, last);
    // Stepping down past the page scrolls by one row.
    let n = h.app.pane().rows.len();
    let second = shown(&h, &h.app.pane().rows[1]);
    let bottom = shown(&h, &h.app.pane().rows[n - 1]);
    for _ in 0..n {
        h.press("j").await.unwrap();
    }
    // One row past the bottom: the page moved up by one row, the old second row
    // now first, the old bottom row just above the selected new one.
    assert_eq!(shown(&h, &h.app.pane().rows[0]), second, "scrolled by exactly one row");
    assert_eq!(shown(&h, &h.app.pane().rows[n - 2]), bottom);
    assert!(h.app.pane().more_before, "scrolled past the first page");
    assert_eq!(h.app.pane().selected, n - 1);
    h.press("<PageDown><PageUp>k").await.unwrap();
    assert!(h.screen().contains("row "));
}

#[tokio::test]
async fn filter_narrows_the_member_list_and_esc_restores_it() {
    let (_db, mut h) = app(120, 40).await;
    h.press("2").await.unwrap();
    let name = shown(&h, &h.app.pane().rows[0])[0].clone();
    let prefix: String = name.chars().take(3).collect();
    h.press("/").await.unwrap();
    h.press(&prefix).await.unwrap();
    let rows = &h.app.pane().rows;
    assert!(!rows.is_empty());
    let fold = |s: &str| portaldesk::domain::text::fold_key(s);
    assert!(rows.iter().all(|r| fold(&shown(&h, r)[0]).starts_with(&fold(&prefix))), "{rows:?}");
    h.press("<Esc>").await.unwrap();
    assert!(h.app.pane().filter.is_empty());
}

#[tokio::test]
async fn help_is_generated_from_the_live_keymap() {
    let db = common::sqlite().await;
    seed_small(&db).await;
    let km = Keymap::from_texts(Some(("[keys]\n\"nav.down\" = [\"x\"]\n", "test"))).unwrap();
    let mut h = Headless::start(session(&db, "tester", km).await, 120, 40).await.unwrap();
    h.press("?").await.unwrap();
    let s = h.screen();
    assert!(s.lines().any(|l| l.contains(" x ") && l.contains("nav.down")), "{s}");
    h.press("<Esc>").await.unwrap();
    assert!(!h.screen().contains("Help —"));
}

#[tokio::test]
async fn take_claims_a_case_through_the_ops_layer() {
    let (db, mut h) = app(120, 40).await;
    h.press("T").await.unwrap();
    let s = h.screen();
    let msg = s.lines().nth(38).unwrap().to_owned();
    assert!(msg.contains("took C-"), "{s}");
    let number = msg.split_whitespace().find(|w| w.starts_with("C-")).unwrap().to_owned();
    let (status, login): (String, String) = db
        .store
        .fetch_one(
            "SELECT c.status, s.login FROM cases c JOIN staff s ON s.id = c.assignee_id WHERE c.case_number = $1",
            args![number.clone()],
        )
        .await
        .unwrap();
    assert_eq!((status.as_str(), login.as_str()), ("open", "tester"));
    let (n,): (i64,) = db
        .store
        .fetch_one(
            "SELECT count(*) FROM audit_log WHERE entity = $1 AND action = 'case.claim_next'",
            args![format!("case:{number}")],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Outside a queue, take explains itself.
    h.press(":cases all<Enter>T").await.unwrap();
    assert!(h.screen().contains("take works in a queue"));
}

#[tokio::test]
async fn escape_never_quits_and_q_does() {
    let (_db, mut h) = app(80, 24).await;
    h.press("<Esc><Esc>?<Esc>").await.unwrap();
    assert!(!h.app.quit);
    h.press("q").await.unwrap();
    assert!(h.app.quit);
}

/// The case of the seeded demo with the longest timeline: attachments,
/// notes and status changes to show.
async fn busiest_case(db: &common::TestDb) -> String {
    let (number,): (String,) = db
        .store
        .fetch_one(
            "SELECT c.case_number FROM cases c JOIN case_events e ON e.case_id = c.id \
             WHERE c.member_id IS NOT NULL GROUP BY c.case_number ORDER BY count(*) DESC, c.case_number LIMIT 1",
            args![],
        )
        .await
        .unwrap();
    number
}

#[tokio::test]
async fn queue_and_case_view_snapshots() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let (db, mut h) = app(w, hgt).await;
        h.press(":cases billing<Enter>").await.unwrap();
        insta::assert_snapshot!(format!("queue_billing_{w}x{hgt}"), stable(&h.screen(), &db));
        let number = busiest_case(&db).await;
        h.press(&format!(":case {number}<Enter>")).await.unwrap();
        let s = stable(&h.screen(), &db);
        assert!(s.contains(&format!("Cases › billing › {number}")), "{s}");
        insta::assert_snapshot!(format!("case_view_{w}x{hgt}"), s);
        h.press("<Esc>").await.unwrap();
        assert!(h.app.screen::<portaldesk::tui::cases::CaseScreen>().is_none());
    }
}

#[tokio::test]
async fn working_a_case_from_its_view() {
    let (db, mut h) = app(120, 40).await;
    h.press("<Enter>").await.unwrap();
    let number = h.app.top::<portaldesk::tui::cases::CaseScreen>().unwrap().number.clone();
    h.press("A").await.unwrap();
    assert!(h.screen().contains(&format!("{number}: assigned to tester")), "{}", h.screen());
    // A note: typed, switched to the submitter with Tab, saved.
    h.press("NSent the exception form.<Tab><Enter>").await.unwrap();
    // Resolve: empty comments keep the prompt open with a message.
    h.press("R<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("resolution comment is empty") && s.contains("Resolution comments for"), "{s}");
    h.press("Dependent added.<Enter>").await.unwrap();
    assert!(h.screen().contains(&format!("Resolve {number}?")));
    // A stray key at the confirm is ignored with a hint; the comment stays.
    h.press("x").await.unwrap();
    let s = h.screen();
    assert!(s.contains(&format!("Resolve {number}?")) && s.contains("y applies, n or Esc cancels"), "{s}");
    // n goes back to the prompt with the comment still typed.
    h.press("n").await.unwrap();
    let s = h.screen();
    assert!(
        s.contains("Resolution comments for") && s.contains("Dependent added.") && s.contains("not applied"),
        "{s}"
    );
    // Esc keeps it as a draft that Up brings back.
    h.press("<Esc>").await.unwrap();
    assert!(h.screen().contains("cancelled; nothing was changed"));
    h.press("R<Up><Enter>y").await.unwrap();
    let s = h.screen();
    assert!(s.contains("· resolved ·") && s.contains("resolved: Dependent added."), "{s}");

    let rows: Vec<(String, String)> = db
        .store
        .fetch_all(
            "SELECT e.kind, e.body FROM case_events e JOIN cases c ON c.id = e.case_id \
             WHERE c.case_number = $1 AND e.staff_id IS NOT NULL ORDER BY e.id",
            args![number.clone()],
        )
        .await
        .unwrap();
    let kinds: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert!(kinds.ends_with(&["note_submitter", "status"]), "{rows:?}");
    assert_eq!(rows[rows.len() - 2].1, "Sent the exception form.");
}

#[tokio::test]
async fn marks_and_bulk_assign_preview_then_apply() {
    let (db, mut h) = app(120, 40).await;
    h.press(":cases unassigned<Enter>").await.unwrap();
    let numbers: Vec<String> = h.app.pane().rows.iter().take(2).map(|r| shown(&h, r)[0].clone()).collect();
    h.press("<Space><Space>").await.unwrap();
    assert!(h.screen().contains("2 marked"));
    h.press("Bnobody<Enter>").await.unwrap();
    // The database's refusal comes back beside the prompt, the login still typed.
    let s = h.screen();
    assert!(s.contains("no staff account") && s.contains("Assign 2 marked") && s.contains("nobody"), "{s}");
    h.press("<BS><BS><BS><BS><BS><BS>tester<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Assign these 2 cases?") && s.contains(&numbers[0]), "{s}");
    // n at the preview goes back to the typed login; Enter previews again.
    h.press("n").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Assign 2 marked") && s.contains("│tester"), "{s}");
    h.press("<Enter>").await.unwrap();
    assert!(h.screen().contains("Assign these 2 cases?"));
    h.press("y").await.unwrap();
    assert!(h.screen().contains("changed 2 cases"), "{}", h.screen());
    assert!(h.app.marked.is_empty());
    for n in &numbers {
        let (login,): (String,) = db
            .store
            .fetch_one(
                "SELECT s.login FROM cases c JOIN staff s ON s.id = c.assignee_id WHERE c.case_number = $1",
                args![n.clone()],
            )
            .await
            .unwrap();
        assert_eq!(login, "tester");
    }
}

#[tokio::test]
async fn a_stale_case_view_refuses_and_refreshes() {
    let (db, mut h) = app(120, 40).await;
    h.press("<Enter>").await.unwrap();
    let number = h.app.top::<portaldesk::tui::cases::CaseScreen>().unwrap().number.clone();
    // Someone else changes the case behind the screen's back.
    db.store
        .execute(
            "UPDATE cases SET priority = 1, row_version = row_version + 1 WHERE case_number = $1",
            args![number.clone()],
        )
        .await
        .unwrap();
    h.press("P2<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("changed by someone else"), "{s}");
    assert!(s.contains("priority 1"), "the view shows the other change now:\n{s}");
}

#[tokio::test]
async fn the_sweep_runs_on_its_timer() {
    let db = common::sqlite().await;
    seed_small(&db).await;
    let mut s = session(&db, "tester", Keymap::from_texts(None).unwrap()).await;
    s.config.cases.sweep_interval_secs = 1;
    s.config.ui.tick_ms = 250;
    let mut h = Headless::start(s, 120, 40).await.unwrap();
    let overdue = "SELECT count(*) FROM cases WHERE status = 'awaiting_info' AND info_due_at < $1";
    let (before,): (i64,) = db.store.fetch_one(overdue, args![common::seeded::now()]).await.unwrap();
    assert!(before > 0, "the demo has awaiting-info cases past due");
    for _ in 0..3 {
        h.app.on_tick();
    }
    h.settle(std::time::Duration::from_secs(30)).await.unwrap();
    let (n,): (i64,) = db.store.fetch_one(overdue, args![common::seeded::now()]).await.unwrap();
    assert_eq!(n, before, "no sweep before the interval");
    h.app.on_tick();
    h.settle(std::time::Duration::from_secs(30)).await.unwrap();
    let (n,): (i64,) = db.store.fetch_one(overdue, args![common::seeded::now()]).await.unwrap();
    assert_eq!(n, 0);
    assert!(h.screen().contains(&format!("sweep closed {before} case(s)")), "{}", h.screen());
    // The timer's sweep is audited as the system's, not the operator's.
    let rows: Vec<(String, i64)> = db
        .store
        .fetch_all("SELECT operator, count(*) FROM audit_log WHERE action = 'case.sweep' GROUP BY operator", args![])
        .await
        .unwrap();
    assert_eq!(rows, [("system:sweep".to_owned(), before)]);
}

#[tokio::test]
async fn code_list_and_issue_dialog_snapshots() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let (db, mut h) = app(w, hgt).await;
        h.press("6").await.unwrap();
        insta::assert_snapshot!(format!("codes_{w}x{hgt}"), stable(&h.screen(), &db));
        let (ein,): (String,) =
            db.store.fetch_one("SELECT ein FROM employers ORDER BY id LIMIT 1", args![]).await.unwrap();
        // A bad subject keeps the prompt and what was typed.
        h.press("C12-34<Enter>").await.unwrap();
        assert!(h.screen().contains("NN-NNNNNNN"), "{}", h.screen());
        h.press(&format!("{}{ein}<Enter>", "<BS>".repeat(5))).await.unwrap();
        assert!(h.screen().contains(&format!("Issue a registration code for the employer with EIN {ein}?")));
        h.press("y").await.unwrap();
        let code = match &h.app.mode {
            portaldesk::tui::app::Mode::ShowCode(c) => c.issued.code.clone(),
            m => panic!("no code dialog: {m:?}"),
        };
        // The code, and its last four in the list row behind the dialog, are random.
        let s: Vec<String> = stable(&h.screen(), &db)
            .replace(&code, "XXXX-XXXX-XXXX-XXXX")
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 4 { l.replace(&code[15..], "XXXX") } else { l.to_owned() })
            .collect();
        let s = s.join("\n") + "\n";
        insta::assert_snapshot!(format!("code_issued_{w}x{hgt}"), s);
        h.press("c").await.unwrap();
        assert_eq!(h.app.clipboard.as_deref(), Some(code.as_str()));
        h.press("<Esc>").await.unwrap();
        let s = h.screen();
        assert!(!s.contains(&code), "the code is shown once:\n{s}");
        assert!(s.contains(&format!("…{} ", &code[15..])) || s.contains(&code[15..]), "{s}");
        assert_eq!(shown(&h, &h.app.pane().rows[0])[7], "active", "the new code heads the list");
    }
}

#[test]
fn osc52_carries_the_code_base64_encoded() {
    assert_eq!(portaldesk::tui::osc52("7KQH-M3XD"), "\u{1b}]52;c;N0tRSC1NM1hE\u{7}");
}

/// A QB member of the seeded demo with events, premiums and letters.
async fn rich_member(db: &common::TestDb) -> String {
    let (number,): (String,) = db
        .store
        .fetch_one(
            "SELECT m.member_number FROM members m WHERE m.member_type = 'QB' \
             AND EXISTS (SELECT 1 FROM qualifying_events e WHERE e.member_id = m.id) \
             AND EXISTS (SELECT 1 FROM premiums p WHERE p.member_id = m.id) \
             AND EXISTS (SELECT 1 FROM members d WHERE d.subscriber_id = m.id) ORDER BY m.id LIMIT 1",
            args![],
        )
        .await
        .unwrap();
    number
}

#[tokio::test]
async fn member_search_and_every_member_tab_snapshots() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let (db, mut h) = app(w, hgt).await;
        let number = rich_member(&db).await;
        let (last,): (String,) = db
            .store
            .fetch_one("SELECT last_name FROM members WHERE member_number = $1", args![number.clone()])
            .await
            .unwrap();
        h.press(&format!(":member {last}<Enter>")).await.unwrap();
        let s = stable(&h.screen(), &db);
        assert!(!s.contains("(none)") || s.contains("***-**-"), "SSNs masked:\n{s}");
        insta::assert_snapshot!(format!("member_results_{w}x{hgt}"), s);
        h.press(&format!(":member {number}<Enter><Enter>")).await.unwrap();
        for (i, tab) in portaldesk::tui::members::TABS.iter().enumerate() {
            let s = stable(&h.screen(), &db);
            assert!(s.contains(&format!("Members › /{number} › {number}")), "{s}");
            assert!(!s.lines().any(|l| l.starts_with("SSN") && !l.contains("***-**-") && !l.contains("(none)")), "{s}");
            let name = tab.to_lowercase().replace(' ', "_");
            insta::assert_snapshot!(format!("member_tab{i}_{name}_{w}x{hgt}"), s);
            h.press("<Tab>").await.unwrap();
        }
        // Opening a member was audited.
        let (n,): (i64,) = db
            .store
            .fetch_one(
                "SELECT count(*) FROM audit_log WHERE action = 'member.view' AND entity = $1",
                args![format!("member:{number}")],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn a_member_change_form_checks_as_typed_and_its_preview_shows_before_and_after() {
    let (db, mut h) = app(80, 24).await;
    let number = rich_member(&db).await;
    let start = common::seeded::now().date_naive().to_string();
    h.press(&format!(":member {number}<Enter><Enter>:add-dependent<Enter>")).await.unwrap();
    h.press("Ava<Tab>Lindqvist<Tab>2099-01-01<Tab>").await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains("Add a dependent") && s.contains("is in the future"), "{s}");
    insta::assert_snapshot!("member_add_dependent_form_80x24", s);
    h.press(&format!("<BackTab>{}2016-04-01<Tab>child<Tab><Tab><Tab><Tab>{start}<Enter>", "<BS>".repeat(10)))
        .await
        .unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains("dependent Ava Lindqvist added — apply?") && s.contains("relationship: — → child"), "{s}");
    insta::assert_snapshot!("member_change_preview_80x24", s);
    // "n" goes back to the form with every field; Enter asks again.
    h.press("n").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Add a dependent") && s.contains("Lindqvist") && s.contains("2016-04-01"), "{s}");
    h.press("<Enter>").await.unwrap();
    assert!(h.screen().contains("dependent Ava Lindqvist added — apply?"), "{}", h.screen());
    // A colleague changes the member meanwhile: refused, and the form is back.
    db.store
        .execute("UPDATE members SET row_version = row_version + 1 WHERE member_number = $1", args![number.clone()])
        .await
        .unwrap();
    h.press("y").await.unwrap();
    let s = h.screen();
    assert!(s.contains("was changed since you opened it") && s.contains("Add a dependent"), "{s}");
    h.press("<Enter>y").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Lindqvist, Ava (child)"), "{s}");
    h.press(&"<Tab>".repeat(7)).await.unwrap();
    let s = h.screen();
    assert!(s.contains("tester") && s.contains("dependent Ava Lindqvist added"), "the History tab:\n{s}");
}

#[tokio::test]
async fn revealing_an_ssn_asks_why_and_masks_it_again() {
    let (db, mut h) = app(120, 40).await;
    let number = rich_member(&db).await;
    h.press(&format!(":member {number}<Enter><Enter>U<Enter>")).await.unwrap();
    assert!(h.screen().contains("type why you need the SSN"), "{}", h.screen());
    h.press("caller verified<Enter>").await.unwrap();
    let s = h.screen();
    let line = s.lines().find(|l| l.starts_with("SSN")).unwrap().to_owned();
    assert!(line.contains("revealed") && !line.contains("***"), "{line}");
    // Shown for the configured seconds, counted in ticks: still there one tick
    // before the end, masked on the last.
    let ticks = (h.app.config_reveal_seconds() * 1000).div_ceil(h.app.tick_ms);
    for _ in 0..ticks - 1 {
        h.app.on_tick();
    }
    let s = h.screen();
    assert!(!s.lines().find(|l| l.starts_with("SSN")).unwrap().contains("***"), "still revealed:\n{s}");
    h.app.on_tick();
    let s = h.screen();
    let line = s.lines().find(|l| l.starts_with("SSN")).unwrap();
    assert!(line.contains("***-**-"), "masked again after {ticks} ticks: {line}");
    let (reason,): (Option<String>,) = db
        .store
        .fetch_one("SELECT reason FROM audit_log WHERE action = 'member.reveal_ssn' AND outcome = 'ok'", args![])
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("caller verified"));
}

#[tokio::test]
async fn bad_member_queries_say_so_and_keep_the_list() {
    let (_db, mut h) = app(120, 40).await;
    h.press("2").await.unwrap();
    let before = h.app.pane().rows.clone();
    for (q, why) in [("91234567", "9 digits"), ("000-00-0000", "never issued"), ("1234 02/30/2024", "not a date")] {
        h.press(&format!(":member {q}<Enter>")).await.unwrap();
        assert!(h.screen().contains(why), "{q}: {}", h.screen());
        assert_eq!(h.app.pane().rows, before);
    }
    let long = "x".repeat(10_000);
    h.app.execute_line(&format!("member {long}"));
    h.settle(std::time::Duration::from_secs(5)).await.unwrap();
    assert!(h.screen().contains("at most 200"));
    h.press(":member smi\u{1b}[31mth<Enter>").await.ok();
    assert!(!h.screen().contains('\u{1b}'));
}

#[tokio::test]
async fn broker_view_book_and_accounts_snapshots() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let (db, mut h) = app(w, hgt).await;
        let (npn,): (String,) = db
            .store
            .fetch_one(
                "SELECT b.npn FROM brokers b JOIN broker_access_grants a ON a.broker_id = b.id \
                 GROUP BY b.npn ORDER BY count(*) DESC, b.npn LIMIT 1",
                args![],
            )
            .await
            .unwrap();
        h.press(&format!(":broker {npn}<Enter>")).await.unwrap();
        let s = stable(&h.screen(), &db);
        assert!(s.contains(&format!("NPN {npn}")) && s.contains("Book of business"), "{s}");
        insta::assert_snapshot!(format!("broker_view_{w}x{hgt}"), s);
        h.press("j").await.unwrap();
        insta::assert_snapshot!(format!("broker_book_row2_{w}x{hgt}"), stable(&h.screen(), &db));
        h.press("4").await.unwrap();
        insta::assert_snapshot!(format!("accounts_{w}x{hgt}"), stable(&h.screen(), &db));
    }
}

#[tokio::test]
async fn supervisor_actions_on_accounts_and_grants_from_the_screen() {
    let (db, mut h) = app(120, 40).await;
    let (email,): (String,) = db
        .store
        .fetch_one("SELECT email FROM portal_users WHERE status = 'locked' ORDER BY name_key, id LIMIT 1", args![])
        .await
        .unwrap();
    h.press("4").await.unwrap();
    let row =
        h.app.pane().rows.iter().position(|r| shown(&h, r)[0] == email).expect("the locked user on the first page");
    for _ in 0..row {
        h.press("j").await.unwrap();
    }
    h.press("K").await.unwrap();
    assert!(h.screen().contains(&format!("{email} unlocked")), "{}", h.screen());
    h.press("J").await.unwrap();
    assert!(h.screen().contains(&format!("Disable portal user {email}?")));
    h.press("n").await.unwrap();
    let (status,): (String,) =
        db.store.fetch_one("SELECT status FROM portal_users WHERE email = $1", args![email.clone()]).await.unwrap();
    assert_eq!(status, "active");
    // Staff accounts are an admin's, in the same area.
    h.press(":staff<Enter>").await.unwrap();
    assert!(h.screen().contains("Accounts › staff") && h.screen().contains("tester"));
    h.press(":staff-create jdoe agent Jane Doe<Enter>").await.unwrap();
    assert!(h.screen().contains("staff account jdoe created"), "{}", h.screen());
}

#[tokio::test]
async fn import_queue_and_job_error_view_snapshots() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let (db, mut h) = app(w, hgt).await;
        h.press("5").await.unwrap();
        insta::assert_snapshot!(format!("imports_{w}x{hgt}"), stable(&h.screen(), &db));
        let (job,): (i64,) = db
            .store
            .fetch_one(
                "SELECT j.id FROM import_jobs j WHERE EXISTS (SELECT 1 FROM import_row_errors e WHERE e.job_id = j.id) \
                 ORDER BY (SELECT count(*) FROM import_row_errors e WHERE e.job_id = j.id) DESC, j.id LIMIT 1",
                args![],
            )
            .await
            .unwrap();
        h.press(&format!(":import {job}<Enter>")).await.unwrap();
        let s = stable(&h.screen(), &db);
        assert!(s.contains(&format!("Import job {job}")) && s.contains("Errors by code"), "{s}");
        assert!(!s.lines().any(|l| l.contains("912-") || l.contains("934-")), "SSNs masked:\n{s}");
        insta::assert_snapshot!(format!("import_job_{w}x{hgt}"), s);
        h.press("<Tab>").await.unwrap();
        let s = h.screen();
        assert!(s.contains("Showing ") && !s.contains("Showing all codes"), "{s}");
    }
}

#[tokio::test]
async fn export_in_a_job_view_writes_its_row_errors() {
    let (db, mut h) = app(120, 40).await;
    let (job, n): (i64, i64) = db
        .store
        .fetch_one(
            "SELECT job_id, count(*) FROM import_row_errors GROUP BY job_id ORDER BY count(*) DESC, job_id LIMIT 1",
            args![],
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("errors.csv");
    h.press(&format!(":import {job}<Enter>")).await.unwrap();
    h.press(&format!(":export {}<Enter>", file.display())).await.unwrap();
    assert!(h.screen().contains(&format!("{n} row errors written")), "{}", h.screen());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("row,field,code,message,values"));
    assert_eq!(text.lines().count() as i64, n + 1);
}

#[tokio::test]
async fn help_on_a_case_view_shows_what_this_role_may_do_here() {
    let db = common::sqlite().await;
    seed_small(&db).await;
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        for login in ["agarcia", "kokafor"] {
            let s = session(&db, login, Keymap::from_texts(None).unwrap()).await;
            let mut h = Headless::start(s, w, hgt).await.unwrap();
            h.press(":cases unassigned<Enter><Enter>").await.unwrap();
            let footer = h.screen().lines().last().unwrap_or_default().to_owned();
            // An open case offers resolve, not reopen, to both roles.
            assert!(footer.contains("resolve") && !footer.contains("reopen"), "{footer}");
            h.press("?").await.unwrap();
            let s = stable(&h.screen(), &db);
            let role = if login == "agarcia" { "agent" } else { "supervisor" };
            assert!(s.contains(&format!("Here, for you ({role})")), "{s}");
            insta::assert_snapshot!(format!("case_help_{role}_{w}x{hgt}"), s);
            // The agent sees bulk assignment marked as a supervisor's; the supervisor does not.
            let lines = portaldesk::tui::view::help_lines(&h.app);
            let bulk = lines.iter().find(|l| l.contains("Assign every marked case")).expect("bulk assign in the help");
            assert_eq!(bulk.contains("[supervisor+] Assign"), role == "agent", "{bulk}");
            // G shows the end of the help, the last command.
            h.press("G").await.unwrap();
            let (_, last) = portaldesk::command::WORDS.last().expect("commands");
            assert!(h.screen().contains(last), "{}", h.screen());
            h.press("q").await.unwrap();
            assert!(!h.screen().contains("Here, for you"), "q closes the help");
        }
    }
}

#[tokio::test]
async fn a_form_checks_each_field_as_typed_and_keeps_them_all_when_refused() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let (db, mut h) = app(w, hgt).await;
        h.press(":staff-create<Enter>").await.unwrap();
        assert!(h.screen().contains("New staff account"), "{}", h.screen());
        // A login with a space and capitals is marked at once, beside the field.
        h.press("Jane Doe").await.unwrap();
        let s = stable(&h.screen(), &db);
        assert!(s.contains("✗ \"Jane Doe\" is not a login"), "{s}");
        insta::assert_snapshot!(format!("form_field_error_{w}x{hgt}"), s);
        // Submitting with errors and empty fields keeps the form and says which.
        h.press("<C-s>").await.unwrap();
        let s = h.screen();
        assert!(s.contains("New staff account") && s.contains("fix the marked field"), "{s}");
        // Fixed: back to the login with Shift-Tab from the name is not needed; edit it in place.
        h.press(&format!("{}agarcia<Tab>Ana Again<Tab>agent<Enter>", "<BS>".repeat(8))).await.unwrap();
        // The database refuses a login that exists: every field is still there.
        let s = h.screen();
        assert!(s.contains("exists already") && s.contains("New staff account"), "{s}");
        assert_eq!(
            match &h.app.mode {
                portaldesk::tui::app::Mode::Form(f) => f.values().join("|"),
                m => panic!("the form closed: {m:?}"),
            },
            "agarcia|Ana Again|agent"
        );
        // Shift-Tab walks back to the login; a new one goes in.
        h.press(&format!("<S-Tab><S-Tab>{}jdoe<C-s>", "<BS>".repeat(7))).await.unwrap();
        assert!(h.screen().contains("staff account jdoe created (agent)"), "{}", h.screen());
        let (name, role): (String, String) =
            db.store.fetch_one("SELECT name, role FROM staff WHERE login = 'jdoe'", args![]).await.unwrap();
        assert_eq!((name.as_str(), role.as_str()), ("Ana Again", "agent"));
        // Esc with text keeps a draft that opening the form again restores.
        h.press(":staff-create<Enter>xy<Esc>:staff-create<Enter>").await.unwrap();
        assert!(h.screen().contains("your earlier text is back"), "{}", h.screen());
    }
}

#[tokio::test]
async fn a_detail_view_shows_the_whole_record() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let (db, mut h) = app(w, hgt).await;
        h.press("4<Enter>").await.unwrap();
        let email = shown(&h, &h.app.pane().rows[0])[0].clone();
        let s = stable(&h.screen(), &db);
        assert!(s.contains(&format!("Portal user {email}")) && s.contains("Failed logins"), "{s}");
        insta::assert_snapshot!(format!("account_detail_{w}x{hgt}"), s);
        // A stray key leaves it open; Esc closes it.
        h.press("x").await.unwrap();
        assert!(h.screen().contains("Esc, q or Enter closes"));
        h.press("<Esc>").await.unwrap();
        assert!(!h.screen().contains("Failed logins"));
        // The code's record never holds the code.
        h.press("6<Enter>").await.unwrap();
        let s = h.screen();
        assert!(s.contains("stored only as a hash") && s.contains("Expires"), "{s}");
    }
}

#[tokio::test]
async fn a_refusal_by_role_in_the_tui_is_said_in_words_and_audited() {
    let db = common::sqlite().await;
    seed_small(&db).await;
    let s = session(&db, "agarcia", Keymap::from_texts(None).unwrap()).await;
    let mut h = Headless::start(s, 120, 40).await.unwrap();
    h.press("<Space>B").await.unwrap();
    let s = h.screen();
    assert!(s.contains("\"Assign every marked case\" needs the supervisor role; agarcia is an agent"), "{s}");
    assert!(!s.contains("case.bulk_assign"), "no action ids on screen:\n{s}");
    let rows: Vec<(String, String, String)> = db
        .store
        .fetch_all(
            "SELECT operator, action, outcome FROM audit_log WHERE operator = 'agarcia' AND outcome = 'refused'",
            args![],
        )
        .await
        .unwrap();
    assert_eq!(rows, [("agarcia".to_owned(), "case.bulk_assign".to_owned(), "refused".to_owned())]);
}

#[tokio::test]
async fn the_screen_locks_when_idle_hides_records_and_unlocks_with_the_login() {
    let (db, mut h) = app(120, 40).await;
    let number = rich_member(&db).await;
    h.press(&format!(":member {number}<Enter><Enter>Ucaller verified<Enter>")).await.unwrap();
    assert!(h.screen().lines().any(|l| l.starts_with("SSN") && l.contains("revealed")));
    // A prompt half typed when the lock comes is there after it.
    h.press("2/abc").await.unwrap();
    let idle = h.app.idle_lock_ticks;
    assert_eq!(idle, 15 * 60 * 1000 / h.app.tick_ms, "15 minutes by default");
    for _ in 0..idle - 1 {
        h.app.on_tick();
    }
    assert!(h.app.locked.is_none(), "not yet: one tick short");
    h.app.on_tick();
    let s = h.screen();
    assert!(s.contains("portaldesk is locked") && !s.contains(&number) && !s.contains("Members"), "{s}");
    // Keys go to the login field only; a wrong login is refused.
    h.press("2nobody<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("not the login of this session") && h.app.locked.is_some(), "{s}");
    h.press("tester<Enter>").await.unwrap();
    assert!(h.app.locked.is_none());
    let s = h.screen();
    assert!(s.lines().last().unwrap_or_default().contains("undo filter"), "the filter is still open:\n{s}");
    h.press("<Esc><Esc>").await.unwrap();
    h.press(&format!(":member {number}<Enter><Enter>")).await.unwrap();
    let ssn = h.screen().lines().find(|l| l.starts_with("SSN")).unwrap().to_owned();
    assert!(ssn.contains("***-**-"), "the reveal ended with the lock: {ssn}");
    let rows: Vec<(String, String)> = db
        .store
        .fetch_all("SELECT action, entity FROM audit_log WHERE action LIKE 'session.%' ORDER BY id", args![])
        .await
        .unwrap();
    let session = "session:tester".to_owned();
    assert_eq!(rows, [("session.lock".to_owned(), session.clone()), ("session.unlock".to_owned(), session)]);
    // :lock locks at once.
    h.press(":lock<Enter>").await.unwrap();
    assert!(h.screen().contains("portaldesk is locked"));
}

#[tokio::test]
async fn keys_typed_after_a_refused_entry_are_not_typed_into_it() {
    let (_db, mut h) = app(120, 40).await;
    h.press(":cases unassigned<Enter><Enter>I").await.unwrap();
    h.press(&format!("{}2020-01-01", "<BS>".repeat(10))).await.unwrap();
    // Enter starts the change; j and k, typed before it answers, wait for it.
    for k in ["<Enter>", "j", "k"] {
        h.app.on_key(portaldesk::keys::parse_sequence(k).unwrap()[0]);
    }
    assert_eq!(h.app.waiting_keys(), 2, "j and k wait for the change");
    h.settle(std::time::Duration::from_secs(30)).await.unwrap();
    let s = h.screen();
    assert!(s.contains("│2020-01-01 ") && s.contains("not in the future"), "{s}");
    assert!(s.contains("2 key(s) typed after Enter were not run"), "{s}");
    assert_eq!(h.app.waiting_keys(), 0);
}

#[tokio::test]
async fn an_area_left_at_one_size_fills_the_new_size_when_shown_again() {
    let (_db, mut h) = app(80, 24).await;
    let before = h.app.pane().rows.len();
    h.press("2").await.unwrap();
    h.resize(120, 40);
    h.press("1").await.unwrap();
    let after = h.app.pane().rows.len();
    assert!(after > before && after == h.app.page_len(), "{before} rows at 80x24, {after} at 120x40");
}

/// The member numbers of the whole member list, in its order.
async fn member_order(db: &common::TestDb) -> Vec<String> {
    use portaldesk::store::Dir;
    use portaldesk::store::lists::{ListKind, ListRequest, fetch};
    let mut out = Vec::new();
    let mut dir = Dir::First;
    loop {
        let req = ListRequest {
            kind: ListKind::Members,
            filter: String::new(),
            dir,
            limit: 100,
            me: 0,
            now: common::seeded::now(),
            backend_pid: Default::default(),
            date_format: Default::default(),
            search: None,
        };
        let page = fetch(&db.store, &req).await.unwrap();
        out.extend(page.rows.iter().map(|r| r.item.handle()));
        match page.rows.last() {
            Some(last) if page.more_after => dir = Dir::After(last.key.clone()),
            _ => return out,
        }
    }
}

#[tokio::test]
async fn the_counter_says_where_the_selection_is_in_the_whole_list() {
    let (db, mut h) = app(80, 24).await;
    let order = member_order(&db).await;
    let total = order.len();
    assert!(total >= 300, "the demo's member list is several pages: {total}");
    // The footer's "row N of T", checked against the selected row's place in the whole list.
    let check = |h: &mut Headless, what: &str| {
        let selected = h.app.pane().rows[h.app.pane().selected].item.handle();
        let at = order.iter().position(|m| *m == selected).unwrap() + 1;
        let screen = h.screen();
        let expected = format!("row {} of {}", group(at), group(total));
        assert!(screen.contains(&expected), "{what}: wants {expected:?} in\n{screen}");
    };
    fn group(n: usize) -> String {
        portaldesk::store::count::grouped(n as u64)
    }
    h.press("2").await.unwrap();
    check(&mut h, "first row");
    let page = h.app.pane().rows.len();
    for _ in 0..page + 3 {
        h.press("j").await.unwrap();
    }
    check(&mut h, "scrolled three rows past the first page");
    assert_eq!(h.app.pane().position(), Some(page + 4));
    for (keys, what) in [
        ("<PageDown>", "a page down"),
        ("<PageDown><PageDown>", "three pages down"),
        ("<PageUp>", "a page back"),
        ("k", "a row back"),
        ("G", "the last row"),
        ("<PageUp>k", "a page before the end"),
        ("g", "the top again"),
    ] {
        h.press(keys).await.unwrap();
        check(&mut h, what);
    }
    h.press("G").await.unwrap();
    assert!(h.screen().contains(&format!("row {} of {}", group(total), group(total))));

    // Past the cap the total is "cap+", and the position is still absolute.
    h.app.count_cap = 50;
    h.press("g").await.unwrap();
    assert!(h.screen().contains("row 1 of 50+"), "{}", h.screen());
    h.press("<PageDown><PageDown><PageDown>").await.unwrap();
    let at = h.app.pane().position().unwrap();
    assert!(at > 50, "three pages down is past the cap: {at}");
    assert!(h.screen().contains(&format!("row {at} of 50+")), "{}", h.screen());
    // The end of a list too long to count has no known row number.
    h.press("G").await.unwrap();
    assert!(h.screen().contains("near the end of 50+"), "{}", h.screen());
}

#[tokio::test]
async fn every_screen_shows_dates_in_the_configured_format() {
    let db = common::sqlite().await;
    seed_small(&db).await;
    let mut s = session(&db, "tester", Keymap::from_texts(None).unwrap()).await;
    s.config.ui.date_format = "%d/%m/%Y".into();
    let mut h = Headless::start(s, 120, 40).await.unwrap();
    // The member list's Born column, as the view formats it.
    h.press("2").await.unwrap();
    let born = shown(&h, &h.app.pane().rows[0])[4].clone();
    let (d, rest) = born.split_once('/').unwrap_or_else(|| panic!("not dd/mm/yyyy: {born}"));
    assert!(d.len() == 2 && rest.len() == 7 && rest.as_bytes()[2] == b'/', "{born}");
    let screen = h.screen();
    assert!(screen.contains(&born), "{screen}");
    // The member's own page, drawn by the view.
    h.press("<Enter>").await.unwrap();
    let screen = h.screen();
    assert!(screen.contains(&born), "{screen}");
    let iso = regex::Regex::new(r"\b\d{4}-\d{2}-\d{2}\b").unwrap();
    assert!(!iso.is_match(&screen), "an ISO date is left on the member page:\n{screen}");
}

/// Modals stack: help opens over a prompt or a form, and Esc closes the
/// help alone; the prompt or form under it comes back with its text. A
/// confirm waits over the prompt it came from.
#[tokio::test]
async fn help_opens_over_a_prompt_and_esc_closes_only_the_help() {
    use portaldesk::tui::app::Mode;
    let (_db, mut h) = app(120, 40).await;
    h.press("<Enter>").await.unwrap();
    h.press("NHalf a note").await.unwrap();
    h.press("<F1>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Help — Esc closes") && !s.contains("Half a note"), "{s}");
    assert_eq!(h.app.modals.len(), 1, "the prompt waits under the help");
    h.press("<Esc>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Internal note on") && s.contains("Half a note"), "{s}");
    // The text and cursor are as they were: typing goes on at its end.
    h.press(", and the rest").await.unwrap();
    assert_eq!(h.app.input.value(), "Half a note, and the rest");
    h.press("<Esc>").await.unwrap();
    assert_eq!((&h.app.mode, h.app.modals.len()), (&Mode::Normal, 0), "Esc on the prompt closed it");

    // A confirm opens over the prompt it came from; n closes the confirm alone.
    h.press("RDone here.<Enter>").await.unwrap();
    assert!(matches!(h.app.mode, Mode::Confirm(_)), "{:?}", h.app.mode);
    assert_eq!(h.app.modals.len(), 1, "the resolution comment waits under its confirm");
    h.press("n").await.unwrap();
    assert!(matches!(h.app.mode, Mode::Prompt(_)) && h.app.input.value() == "Done here.", "{:?}", h.app.mode);
    h.press("<Esc>").await.unwrap();

    // Over a form: every field is still there when the help closes.
    h.press(":staff-create<Enter>jane<Tab>Jane Doe<F1>").await.unwrap();
    assert_eq!(h.app.mode, Mode::Help);
    h.press("q").await.unwrap();
    match &h.app.mode {
        Mode::Form(f) => assert_eq!(f.values().join("|"), "jane|Jane Doe|"),
        m => panic!("the form did not come back: {m:?}"),
    }
    assert!(h.app.modals.is_empty());
}

/// Each area's list is the bottom screen of its stack: it is in front
/// until Enter opens its row above it, stays under what was opened (rows
/// and selection kept), and is in front again after Esc.
#[tokio::test]
async fn each_area_s_list_is_the_bottom_screen_of_its_stack() {
    use portaldesk::tui::app::Mode;
    let (_db, mut h) = app(120, 40).await;
    for key in ["1", "2", "3", "4", "5", "6"] {
        h.press(key).await.unwrap();
        h.press("j").await.unwrap();
        let area = h.app.area;
        let rows = h.app.in_front().list().map(|p| (p.rows.clone(), p.selected));
        assert!(rows.as_ref().is_some_and(|(r, s)| r.len() > 1 && *s == 1), "area {key}: no list in front");
        assert!(h.app.front().is_none());
        h.press("<Enter>").await.unwrap();
        // Cases, members, brokers and jobs open a screen above the list;
        // accounts and codes their detail view over it.
        let opened = h.app.front().is_some();
        assert!(opened || matches!(h.app.mode, Mode::Record(_)), "area {key}: Enter opened nothing\n{}", h.screen());
        assert_eq!(opened, !matches!(key, "4" | "6"), "area {key}");
        if opened {
            assert!(h.app.in_front().list().is_none(), "area {key}: the opened screen is in front");
        }
        let under = h.app.stack(area).bottom().list().map(|p| (p.rows.clone(), p.selected));
        assert_eq!(under, rows, "area {key}: the list under it keeps its rows and selection");
        h.press("<Esc>").await.unwrap();
        assert!(h.app.front().is_none() && h.app.mode == Mode::Normal, "area {key}: Esc went back to the list");
        assert!(h.app.in_front().list().is_some());
    }
    // `member.view` is the members list's: elsewhere it says where it works.
    h.press("1").await.unwrap();
    h.app.run(portaldesk::action::Action::MemberView);
    assert!(h.screen().contains(":member QUERY finds members"), "{}", h.screen());
}

/// The demo's first parent group that has suffixes, with its employer's EIN.
async fn family_group(db: &common::TestDb) -> (String, String) {
    db.store
        .fetch_one(
            "SELECT g.group_number, e.ein FROM employer_groups g JOIN employers e ON e.id = g.employer_id \
             WHERE g.parent_group_id IS NULL AND EXISTS (SELECT 1 FROM employer_groups s WHERE s.parent_group_id = g.id) \
             ORDER BY g.group_number LIMIT 1",
            args![],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn employer_view_and_every_group_tab_snapshots() {
    let (db, mut h) = app(80, 24).await;
    let (group, ein) = family_group(&db).await;
    h.press("7").await.unwrap();
    let s = h.screen();
    assert!(s.contains("7 Employers") && s.contains("Legal name") && s.contains(&ein), "{s}");
    // Found by EIN in the list, Enter opens the employer: its groups as a tree.
    h.press(&format!("/{ein}<Enter><Enter>")).await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains(&format!("EIN {ein}")) && s.contains(&format!("  {group} ")), "{s}");
    assert!(s.contains(&format!("└ {group}-01")), "the suffix sits under its parent:\n{s}");
    insta::assert_snapshot!("employer_view_80x24", s);

    // Enter on the parent (the first row) opens the group view above the employer.
    h.press("<Enter>").await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains(&format!("EIN {ein} › {group} · Details")) && s.contains("Original eff."), "{s}");
    insta::assert_snapshot!("group_details_80x24", s);

    h.press("<Tab>").await.unwrap();
    let s = stable(&h.screen(), &db);
    let billing = h.app.ops.group_billing(&group).await.unwrap();
    let due = portaldesk::domain::billing::dollars(billing.figures.balance_due_cents);
    assert!(s.contains("Balance due") && s.contains(&due), "{due} not on the billing tab:\n{s}");
    insta::assert_snapshot!("group_billing_80x24", s);

    h.press("<Tab>").await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains("Renewal month") && s.contains("Waiting period"), "{s}");
    insta::assert_snapshot!("group_renewal_80x24", s);

    h.press("<Tab>").await.unwrap();
    let s = stable(&h.screen(), &db);
    let plans = h.app.ops.group_plans(&group, None).await.unwrap();
    assert!(s.contains(&format!("Plan year {} (current)", plans.current_year)), "{s}");
    insta::assert_snapshot!("group_plans_80x24", s);
    // y: the prior year, with its own rates; y again: back to the current.
    h.press("y").await.unwrap();
    let s = stable(&h.screen(), &db);
    let prior = h.app.ops.group_plans(&group, Some(plans.current_year - 1)).await.unwrap();
    let rate = portaldesk::domain::billing::dollars(prior.plans[0].employee_cents.unwrap());
    assert!(s.contains(&format!("Plan year {} (prior)", plans.current_year - 1)) && s.contains(&rate), "{s}");
    insta::assert_snapshot!("group_plans_prior_80x24", s);
    h.press("y").await.unwrap();
    assert!(h.screen().contains("(current)"));

    h.press("<Tab>").await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains("Subscriber") && s.contains("Status all"), "{s}");
    insta::assert_snapshot!("group_subscribers_80x24", s);
    // s: only active subscribers; every row shown says so.
    h.press("s").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Status active"), "{s}");
    let rows: Vec<&str> = s.lines().skip(6).take(14).filter(|l| l.contains(" M0")).collect();
    assert!(!rows.is_empty() && rows.iter().all(|l| l.contains("active")), "{s}");

    // Esc goes back to the employer, then the list.
    h.press("<Esc>").await.unwrap();
    assert!(h.screen().contains("Groups (parents, then their suffixes)"));
    h.press("<Esc>").await.unwrap();
    assert!(h.screen().contains("Legal name"));
}

#[tokio::test]
async fn bad_employer_and_group_input_is_said_in_words() {
    let (db, mut h) = app(80, 24).await;
    h.press("7/99-1111111<Enter>").await.unwrap();
    assert!(h.screen().contains("No employer has EIN 99-1111111"), "{}", h.screen());
    h.press(":employer ZZZ999<Enter>").await.unwrap();
    assert!(h.screen().contains("no group ZZZ999"), "{}", h.screen());
    h.press(":group NOPE1<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("no group NOPE1") && s.contains("Esc goes back"), "{s}");

    // A group never billed, with no plans: each tab says why it is empty.
    let (group, _) = family_group(&db).await;
    db.store
        .execute(
            "INSERT INTO employer_groups (employer_id, group_number, name, status, original_effective_date, renewal_date) \
             SELECT employer_id, 'NEW900', 'New Group', 'pending', $1, $2 FROM employer_groups WHERE group_number = $3",
            args![chrono::NaiveDate::from_ymd_opt(2026, 12, 1), chrono::NaiveDate::from_ymd_opt(2027, 12, 1), group.clone()],
        )
        .await
        .unwrap();
    h.press(":group new900<Enter><Tab>").await.unwrap();
    assert!(h.screen().contains("NEW900 has no bills yet"), "{}", h.screen());
    h.press("<Tab><Tab>").await.unwrap();
    assert!(h.screen().contains("NEW900 has no plans on file"), "{}", h.screen());
    h.press("<Tab>").await.unwrap();
    assert!(h.screen().contains("NEW900 has no subscribers"), "{}", h.screen());
    // A year with no plans says which years there are.
    h.press(&format!(":group {group}<Enter><Tab><Tab><Tab>yy")).await.unwrap();
    assert!(h.screen().contains("(current)"), "{}", h.screen());
    h.press(":book renewal:2027-01-01..2026-01-01<Enter>").await.unwrap();
    assert!(h.screen().contains("open a broker first"), "{}", h.screen());
}

#[tokio::test]
async fn the_book_of_business_filters_and_opens_the_group_view() {
    let (db, mut h) = app(120, 40).await;
    let (npn,): (String,) = db
        .store
        .fetch_one(
            "SELECT b.npn FROM brokers b JOIN broker_access_grants a ON a.broker_id = b.id \
             WHERE a.ends_on IS NULL GROUP BY b.npn ORDER BY count(*) DESC, b.npn LIMIT 1",
            args![],
        )
        .await
        .unwrap();
    h.press(&format!(":broker {npn}<Enter><Tab>")).await.unwrap();
    let s = h.screen();
    assert!(s.contains("Book of business: no filter") && s.contains("Alert"), "{s}");
    let all = h.app.ops.broker_book(&npn, &Default::default(), &portaldesk::store::Dir::First, 50).await.unwrap().rows;
    assert!(!all.is_empty());
    for g in &all {
        assert!(s.contains(&g.row.group_number), "{} missing:\n{s}", g.row.group_number);
    }
    // A filter that keeps nothing says so; one that runs backwards is refused in words.
    h.press(":book status:terminated name:zzzz<Enter>").await.unwrap();
    assert!(h.screen().contains("No group of this broker's book matches"), "{}", h.screen());
    h.press(":book renewal:2027-01-01..2026-01-01<Enter>").await.unwrap();
    assert!(h.screen().contains("renewal date range runs backwards"), "{}", h.screen());
    h.press(":book colour:red<Enter>").await.unwrap();
    assert!(h.screen().contains("no filter \"colour\""), "{}", h.screen());
    // The first group's own name keeps it; Enter opens it in the group view (area 7).
    let first = &all[0].row;
    let word = first.name.split_whitespace().next().unwrap().to_owned();
    h.press(&format!(":book name:{word}<Enter>")).await.unwrap();
    assert!(h.screen().contains(&first.group_number), "{}", h.screen());
    h.press("<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains(&format!("Employers › {} · Details", first.group_number)), "{s}");
}

#[tokio::test]
async fn the_subscribers_tab_pages_through_a_large_group_and_opens_a_member() {
    let (db, mut h) = app(80, 24).await;
    let (group, _) = family_group(&db).await;
    // 80 subscribers in the group: two pages of 50.
    db.store
        .execute(
            "UPDATE members SET group_id = (SELECT id FROM employer_groups WHERE group_number = $1) \
             WHERE id IN (SELECT id FROM members WHERE relationship = 'self' ORDER BY id LIMIT 80)",
            args![group.clone()],
        )
        .await
        .unwrap();
    let (n,): (i64,) = db
        .store
        .fetch_one(
            "SELECT count(*) FROM members m JOIN employer_groups g ON g.id = m.group_id \
             WHERE g.group_number = $1 AND m.relationship = 'self'",
            args![group.clone()],
        )
        .await
        .unwrap();
    h.press(&format!(":group {group}<Enter><S-Tab>")).await.unwrap();
    assert!(h.screen().contains("50 on this page · more after"), "{}", h.screen());
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..n {
        seen.insert(h.app.top::<portaldesk::tui::group_view::GroupScreen>().unwrap().selected_member().unwrap());
        h.press("j").await.unwrap();
    }
    assert_eq!(seen.len() as i64, n, "every subscriber once, across the pages");
    assert!(h.screen().contains("more before"), "{}", h.screen());
    h.press("g").await.unwrap();
    assert!(h.screen().contains("50 on this page · more after"), "{}", h.screen());
    let member = h.app.top::<portaldesk::tui::group_view::GroupScreen>().unwrap().selected_member().unwrap();
    h.press("<Enter>").await.unwrap();
    assert!(h.screen().contains(&member) && h.screen().contains("Members"), "{}", h.screen());
}

/// Runs every queued report job with a worker in tester's session.
async fn run_worker(db: &common::TestDb) -> Vec<portaldesk::ops::reports::Ran> {
    let ops = portaldesk::ops::Ops::for_operator(
        db.store.clone(),
        "tester",
        false,
        portaldesk::ops::Clock::Fixed(common::seeded::now()),
    )
    .await
    .unwrap();
    let w = portaldesk::ops::reports::Worker::new(&ops, "w-test");
    let mut ran = Vec::new();
    while let Some(r) = w.run_next().await.unwrap() {
        ran.push(r);
    }
    ran
}

#[tokio::test]
async fn a_report_runs_from_its_form_and_its_result_opens_in_the_pager() {
    use portaldesk::tui::app::Mode;
    use portaldesk::tui::report_pager::ReportPager;
    let (db, mut h) = app(80, 24).await;
    // 8: the catalogue, over the job queue.
    h.press("8").await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains("8 Reports") && s.contains("Reports › jobs › catalogue"), "{s}");
    assert!(s.contains("qb-roster") && s.contains("accounting") && s.contains("standard"), "{s}");
    insta::assert_snapshot!("reports_catalogue_80x24", s);

    // Enter on qualifying-events: its form, each field checked as typed.
    let i = portaldesk::domain::report_catalogue::REPORTS.iter().position(|r| r.name == "qualifying-events").unwrap();
    h.press(&"j".repeat(i)).await.unwrap();
    h.press("<Enter>").await.unwrap();
    assert!(matches!(h.app.mode, Mode::Form(_)), "{}", h.screen());
    h.press("2025-13-40").await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(
        s.contains("Qualifying events in a period") && s.contains("*from") && s.contains("from takes a date"),
        "{s}"
    );
    insta::assert_snapshot!("report_form_field_error_80x24", s);

    // A period that runs backwards passes each field but the catalogue refuses
    // it whole: the form stays with every field as typed.
    h.press(&"<BS>".repeat(10)).await.unwrap();
    h.press("2030-12-31<Tab>2000-01-01<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("runs backwards"), "{s}");
    match &h.app.mode {
        Mode::Form(f) => assert_eq!(f.values(), ["2030-12-31", "2000-01-01", ""]),
        m => panic!("the form closed on a refusal: {m:?}\n{s}"),
    }
    let (queued,): (i64,) = db.store.fetch_one("SELECT count(*) FROM report_jobs", args![]).await.unwrap();
    assert_eq!(queued, 0, "nothing queued by a refusal");

    // Fixed, it is queued; the job queue shows it.
    h.press("<S-Tab>").await.unwrap();
    h.press(&"<BS>".repeat(10)).await.unwrap();
    h.press("2000-01-01<Tab>").await.unwrap();
    h.press(&"<BS>".repeat(10)).await.unwrap();
    h.press("2030-12-31<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("queued as report job"), "{s}");
    let (job, params, by): (i64, String, String) =
        db.store.fetch_one("SELECT id, params, requested_by FROM report_jobs", args![]).await.unwrap();
    assert!(params.contains("2000-01-01") && params.contains("2030-12-31") && by == "tester", "{params} {by}");
    assert!(s.contains("Reports › jobs") && s.contains("queued"), "{s}");

    // The worker runs it; Ctrl-R shows it done, Enter opens its result.
    let ran = run_worker(&db).await;
    let rows = match ran.as_slice() {
        [portaldesk::ops::reports::Ran::Succeeded { job: j, rows }] if *j == job => *rows,
        r => panic!("the worker ran {r:?}"),
    };
    assert!(rows > 10, "the fixture's events fill more than a page: {rows}");
    h.press("<C-r>").await.unwrap();
    assert!(h.screen().contains("succeeded"), "{}", h.screen());
    h.press("<Enter>").await.unwrap();
    let s = stable(&h.screen(), &db);
    assert!(s.contains(&format!("report job {job}")) && s.contains("member_number") && s.contains("event"), "{s}");
    assert!(s.contains(&format!("of {rows}")), "{s}");
    insta::assert_snapshot!("report_result_80x24", s);
    // l shows the columns cut at the right; h comes back.
    h.press("lll").await.unwrap();
    let s = h.screen();
    assert!(s.contains("election_deadline") && !s.contains("member_number"), "{s}");
    assert!(s.lines().nth(4).is_some_and(|l| l.starts_with("event ")), "a column starts the line:\n{s}");
    h.press("hhh").await.unwrap();
    assert!(h.screen().contains("member_number"));

    // G, then g: the last and first rows.
    let output = portaldesk::ops::reports::output(&db.store, job).await.unwrap();
    let text = String::from_utf8(output.clone()).unwrap();
    let last_member = text.lines().last().unwrap().split(',').next().unwrap().to_owned();
    h.press("G").await.unwrap();
    assert!(h.screen().contains(&last_member), "{}", h.screen());
    h.press("g").await.unwrap();
    assert_eq!(h.app.top::<ReportPager>().unwrap().top, 0);

    // / finds the last member's row; n wraps round to it again.
    h.press(&format!("/{last_member}<Enter>")).await.unwrap();
    let p = h.app.top::<ReportPager>().unwrap();
    assert_eq!(p.matches.len(), 1, "{}", h.screen());
    assert_eq!(p.top, rows as usize - 1);
    assert!(h.screen().contains("1 matching rows"), "{}", h.screen());
    h.press("g").await.unwrap();
    h.press("n").await.unwrap();
    assert_eq!(h.app.top::<ReportPager>().unwrap().top, rows as usize - 1);
    h.press("/zzzz-nothing<Enter>").await.unwrap();
    assert!(h.screen().contains("nothing in this report matches"), "{}", h.screen());
    h.press("<Esc>").await.unwrap();

    // :export writes the stored output whole.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.csv");
    h.press(&format!(":export {}<Enter>", file.display())).await.unwrap();
    assert!(h.screen().contains(&format!("{rows} rows")), "{}", h.screen());
    assert_eq!(std::fs::read(&file).unwrap(), output);
    // Esc: back to the job queue.
    h.press("<Esc>").await.unwrap();
    assert!(h.screen().contains("Reports › jobs") && h.app.front().is_none(), "{}", h.screen());
}

#[tokio::test]
async fn a_failed_or_empty_job_says_so_and_a_queued_one_can_be_cancelled() {
    let (db, mut h) = app(80, 24).await;
    let ops = &h.app.ops;
    let pairs = |v: &[(&str, &str)]| v.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
    let failed = ops.enqueue_report("broker-book", &pairs(&[("npn", "9999999999")])).await.unwrap();
    let empty =
        ops.enqueue_report("import-errors", &pairs(&[("from", "1990-01-01"), ("to", "1990-01-31")])).await.unwrap();
    run_worker(&db).await;
    let waiting = ops.enqueue_report("case-sla", &[]).await.unwrap();
    h.press(":reports jobs<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Reports › jobs") && s.contains("cancel"), "the footer offers cancel:\n{s}");
    // Newest first: the queued job is selected; :stop-job asks, y cancels.
    h.press(":stop-job<Enter>").await.unwrap();
    assert!(h.screen().contains(&format!("Cancel report job {waiting}")), "{}", h.screen());
    h.press("y").await.unwrap();
    let (status,): (String,) =
        db.store.fetch_one("SELECT status FROM report_jobs WHERE id = $1", args![waiting]).await.unwrap();
    assert_eq!(status, "cancelled");
    h.press(":stop-job<Enter>").await.unwrap();
    assert!(h.screen().contains("only a queued or running job stops"), "{}", h.screen());
    // The job with no rows says so; the failed one shows its error.
    h.press("j<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains(&format!("report job {empty}")) && s.contains("No rows"), "{s}");
    h.press("<Esc>jj<Enter>").await.unwrap();
    let s = h.screen();
    let (error,): (String,) =
        db.store.fetch_one("SELECT error FROM report_jobs WHERE id = $1", args![failed]).await.unwrap();
    assert!(
        s.contains(&format!("report job {failed}"))
            && s.contains("It failed")
            && s.contains(&error[..20.min(error.len())]),
        "{s}"
    );
}

#[tokio::test]
async fn a_schedule_pauses_resumes_and_is_deleted_from_the_reports_area() {
    let (db, mut h) = app(120, 40).await;
    let now = h.app.ops.now();
    let at = (now + chrono::Duration::days(2)).format("%Y-%m-%d 07:00").to_string();
    let schedule = portaldesk::domain::schedule::Schedule::typed(&at, "daily", "America/New_York", now).unwrap();
    let id = h.app.ops.schedule_report("case-sla", &[], schedule).await.unwrap();
    let paused = |db: &common::TestDb| {
        let store = db.store.clone();
        async move {
            let (p,): (bool,) =
                store.fetch_one("SELECT paused FROM report_schedules WHERE id = $1", args![id]).await.unwrap();
            p
        }
    };
    h.press("8<Tab><Tab>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("Reports › schedules") && s.contains("case-sla") && s.contains("active"), "{s}");
    assert!(s.contains(":pause pause") && s.contains(":unschedule delete"), "the footer offers them:\n{s}");
    h.press(":pause<Enter>").await.unwrap();
    assert!(paused(&db).await);
    assert!(h.screen().contains("paused"), "{}", h.screen());
    h.press(":pause<Enter>").await.unwrap();
    assert!(h.screen().contains("paused already"), "{}", h.screen());
    h.press(":resume<Enter>").await.unwrap();
    assert!(!paused(&db).await);
    assert!(h.screen().contains(&format!("report schedule {id} resumed; next run")), "{}", h.screen());
    // Delete asks first; n keeps it, y deletes it.
    h.press(":unschedule<Enter>n").await.unwrap();
    let (n,): (i64,) = db.store.fetch_one("SELECT count(*) FROM report_schedules", args![]).await.unwrap();
    assert_eq!(n, 1);
    h.press(":unschedule<Enter>").await.unwrap();
    assert!(h.screen().contains(&format!("Delete report schedule {id}")), "{}", h.screen());
    h.press("y").await.unwrap();
    let (n,): (i64,) = db.store.fetch_one("SELECT count(*) FROM report_schedules", args![]).await.unwrap();
    assert_eq!(n, 0);
    let audit: Vec<(String,)> = db
        .store
        .fetch_all("SELECT action FROM audit_log WHERE entity = $1 ORDER BY id", args![format!("report-schedule:{id}")])
        .await
        .unwrap();
    let audit: Vec<&str> = audit.iter().map(|(a,)| a.as_str()).collect();
    assert_eq!(audit, ["report.pause", "report.resume", "report.unschedule"]);
}

#[tokio::test]
async fn an_agent_may_not_pause_a_schedule_and_is_told_so() {
    let (db, _) = app(80, 24).await;
    let (agent,): (String,) = db
        .store
        .fetch_one("SELECT login FROM staff WHERE role = 'agent' AND status = 'active' ORDER BY login LIMIT 1", args![])
        .await
        .unwrap();
    let mut h = Headless::start(session(&db, &agent, Keymap::from_texts(None).unwrap()).await, 120, 40).await.unwrap();
    let now = h.app.ops.now();
    let at = (now + chrono::Duration::days(2)).format("%Y-%m-%d 07:00").to_string();
    let schedule = portaldesk::domain::schedule::Schedule::typed(&at, "once", "UTC", now).unwrap();
    let sup = portaldesk::ops::Ops::for_operator(
        db.store.clone(),
        "tester",
        false,
        portaldesk::ops::Clock::Fixed(common::seeded::now()),
    )
    .await
    .unwrap();
    sup.schedule_report("case-sla", &[], schedule).await.unwrap();
    h.press(":reports schedules<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("case-sla") && !s.contains(":pause pause"), "an agent is not offered pause:\n{s}");
    h.press(":pause<Enter>").await.unwrap();
    let s = h.screen();
    assert!(s.contains("supervisor"), "the refusal is said in words:\n{s}");
    let (p,): (bool,) = db.store.fetch_one("SELECT paused FROM report_schedules", args![]).await.unwrap();
    assert!(!p);
}

#[tokio::test]
async fn the_broker_view_shows_commission_statements_by_month_and_writes_one() {
    let (db, mut h) = app(120, 40).await;
    let (npn, months): (String, i64) = db
        .store
        .fetch_one(
            "SELECT npn, count(DISTINCT month) FROM commission_statements GROUP BY npn ORDER BY count(*) DESC, npn LIMIT 1",
            args![],
        )
        .await
        .unwrap();
    assert!(months > 2, "the demo seeds months of statements");
    h.press(":commissions<Enter>").await.unwrap();
    assert!(h.screen().contains("open a broker first"), "{}", h.screen());
    h.press(&format!(":broker {npn}<Enter>")).await.unwrap();
    let latest = h.app.ops.commission_statements(&npn, None).await.unwrap();
    let month = latest.month.clone().unwrap();
    // Tab: the book of business; Tab again: the statements of the latest month.
    h.press("<Tab><Tab>").await.unwrap();
    let s = h.screen();
    assert!(s.contains(&format!("Commission statements, {month}")), "{s}");
    assert!(s.contains("[ earlier") && s.contains(":statement write"), "the footer offers them:\n{s}");
    insta::assert_snapshot!("broker_statements_120x40", stable(&s, &db));
    let st = &latest.statements[0];
    assert!(s.contains(&portaldesk::domain::billing::dollars(st.commission_cents)), "{s}");
    // [: the month before, with its own statements.
    let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
    let prev = (first - chrono::Duration::days(1)).format("%Y-%m").to_string();
    h.press("[").await.unwrap();
    let earlier = h.app.ops.commission_statements(&npn, Some(&prev)).await.unwrap();
    let s = h.screen();
    assert!(s.contains(&format!("Commission statements, {prev}")), "{s}");
    assert!(s.contains(&portaldesk::domain::billing::dollars(earlier.statements[0].commission_cents)), "{s}");
    // ] past the latest month kept is refused in words; so is a month long gone.
    h.press("]]").await.unwrap();
    assert!(h.screen().contains("is outside them"), "{}", h.screen());
    h.press(":commissions 2001-01<Enter>").await.unwrap();
    assert!(h.screen().contains("2001-01"), "{}", h.screen());
    // :statement writes the selected statement of the month shown.
    h.press(&format!(":commissions {month}<Enter>")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("statement.csv");
    h.press(&format!(":statement {}<Enter>", file.display())).await.unwrap();
    assert!(h.screen().contains(&format!("statement {} written", st.id)), "{}", h.screen());
    // Tab: back to the grants.
    h.press("<Tab>").await.unwrap();
    assert!(h.screen().contains("Book of business:"), "{}", h.screen());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.lines().count() > 1, "{text}");
}

/// Ticks `h` until its next presence heartbeat has run (a beat every few
/// seconds; a test ticks rather than waits).
async fn beat(h: &mut Headless) {
    for _ in 0..h.app.presence_every() {
        h.app.on_tick();
    }
    h.settle(std::time::Duration::from_secs(30)).await.unwrap();
}

/// Presence with two sessions on one database (SQLite, PostgreSQL, and
/// PostgreSQL through PgBouncer in transaction mode): A opens a case and B
/// sees "A is viewing"; A starts a note and B sees "is editing this case";
/// B starting a change is warned first, and n leaves everything as it was
/// (its typed text too); A leaves and B's line goes; a heartbeat three
/// beats old is not shown, and is purged by the reader.
#[tokio::test]
async fn two_sessions_see_who_is_viewing_and_editing_a_case() {
    for db in common::all_backends().await {
        let label = db.label;
        seed_small(&db).await;
        let (a_login,): (String,) = db
            .store
            .fetch_one(
                "SELECT login FROM staff WHERE role = 'agent' AND status = 'active' ORDER BY login LIMIT 1",
                args![],
            )
            .await
            .unwrap();
        let km = || Keymap::from_texts(None).unwrap();
        let mut a = Headless::start(session(&db, &a_login, km()).await, 80, 24).await.unwrap();
        let mut b = Headless::start(session(&db, "tester", km()).await, 80, 24).await.unwrap();
        let (case,): (String,) = db
            .store
            .fetch_one("SELECT case_number FROM cases WHERE status = 'open' ORDER BY case_number LIMIT 1", args![])
            .await
            .unwrap();
        let open = format!(":case {case}<Enter>");

        a.press(&open).await.unwrap();
        beat(&mut a).await;
        b.press(&open).await.unwrap();
        beat(&mut b).await;
        let s = b.screen();
        assert!(s.contains(&format!("● {a_login} is viewing")), "{label}: B sees A viewing:\n{s}");
        beat(&mut a).await;
        let s = a.screen();
        assert!(s.contains("● tester is viewing"), "{label}: and A sees B at its next beat:\n{s}");

        // A starts a note: B sees A editing at its next beat.
        a.press("N").await.unwrap();
        a.press("half a note").await.unwrap();
        beat(&mut a).await;
        beat(&mut b).await;
        let s = b.screen();
        assert!(s.contains(&format!("● {a_login} is editing this case")), "{label}: B sees A editing:\n{s}");
        if label == "sqlite" {
            // One line above the case at 80x24; the rest of the frame as it was.
            insta::assert_snapshot!("case_with_a_colleague_editing_80x24", stable(&s, &db));
        }

        // B starts a change: warned first; n changes nothing.
        let events = |db: &common::TestDb, case: String| {
            let store = db.store.clone();
            async move {
                let (n,): (i64,) = store
                    .fetch_one(
                        "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_number = $1",
                        args![case],
                    )
                    .await
                    .unwrap();
                n
            }
        };
        let before = events(&db, case.clone()).await;
        b.press("N").await.unwrap();
        let s = b.screen();
        assert!(s.contains(&format!("{a_login} is editing this case — change it anyway?")), "{label}: warned:\n{s}");
        b.press("n").await.unwrap();
        assert_eq!(b.app.mode, portaldesk::tui::app::Mode::Normal, "{label}: n leaves no prompt open");
        // A note typed on the command line: the warning comes over it, and n gives the text back.
        b.press(":note from B<Enter>").await.unwrap();
        assert!(b.screen().contains("change it anyway?"), "{label}");
        b.press("<Esc>").await.unwrap();
        assert_eq!(b.app.input.value(), "from B", "{label}: the typed text is still there");
        assert!(matches!(b.app.mode, portaldesk::tui::app::Mode::Prompt(_)), "{label}");
        b.press("<Esc>").await.unwrap();
        assert_eq!(events(&db, case.clone()).await, before, "{label}: nothing was changed");
        // y goes on: the prompt opens and the note is saved.
        b.press("N").await.unwrap();
        b.press("y").await.unwrap();
        b.press("ok from B<Enter>").await.unwrap();
        let s = b.screen();
        assert_eq!(events(&db, case.clone()).await, before + 1, "{label}: the note after y is saved:\n{s}");

        // A leaves the case: its row goes, and B's line with it.
        a.press("<Esc><Esc>").await.unwrap();
        beat(&mut a).await;
        beat(&mut b).await;
        let s = b.screen();
        assert!(!s.contains('●'), "{label}: nobody else is shown once A left:\n{s}");

        // A heartbeat three beats old (a killed terminal) is not shown, and goes.
        let old = common::seeded::now() - chrono::Duration::seconds(60);
        db.store
            .execute(
                "INSERT INTO presence (session_id, staff_id, entity_kind, entity_key, mode, seen_at) \
                 SELECT 'killed', id, 'case', $1, 'editing', $2 FROM staff WHERE login = $3",
                args![case.clone(), old, a_login.clone()],
            )
            .await
            .unwrap();
        beat(&mut b).await;
        let s = b.screen();
        assert!(!s.contains('●'), "{label}: an expired heartbeat is not shown:\n{s}");
        let (n,): (i64,) =
            db.store.fetch_one("SELECT count(*) FROM presence WHERE session_id = 'killed'", args![]).await.unwrap();
        assert_eq!(n, 0, "{label}: the reader purged it");

        // A member: the same line, above its tabs; an edit form open is "editing".
        let number = rich_member(&db).await;
        let open = format!(":member {number}<Enter><Enter>");
        b.press("<Esc><Esc>").await.unwrap();
        a.press(&open).await.unwrap();
        a.press(":edit<Enter>").await.unwrap();
        beat(&mut a).await;
        b.press(&open).await.unwrap();
        beat(&mut b).await;
        let s = b.screen();
        assert!(
            s.contains(&format!("● {a_login} is editing this member")),
            "{label}: B sees A editing the member:\n{s}"
        );
    }
}

#[tokio::test]
async fn a_case_a_colleague_takes_leaves_the_other_sessions_queue_without_a_key() {
    use std::time::Duration;
    for db in common::all_backends().await {
        seed_small(&db).await;
        let keymap = || Keymap::from_texts(None).unwrap();
        let mut a = Headless::start(session(&db, "agarcia", keymap()).await, 120, 40).await.unwrap();
        let mut b = Headless::start(session(&db, "kokafor", keymap()).await, 120, 40).await.unwrap();
        assert!(b.until_watching(Duration::from_secs(10)).await, "{}: B watches", db.label);
        b.press(":cases unassigned<Enter>jj").await.unwrap();
        let unassigned = |h: &Headless| h.app.counts.iter().find(|(v, _)| *v == CaseView::Unassigned).map(|c| c.1);
        let before = unassigned(&b).expect("counted");
        let number = |h: &Headless, i: usize| match &h.app.pane().rows[i].item {
            ListItem::Case(c) => c.case_number.clone(),
            other => panic!("not a case: {other:?}"),
        };
        let kept = number(&b, b.app.pane().selected);
        assert_eq!(b.app.pane().selected, 2);

        // A takes the top case of the eligibility queue.
        a.press(":take<Enter>").await.unwrap();
        let said = a.app.message.clone().expect("a message").text;
        let taken = said.split_whitespace().nth(1).expect("took C-…").to_owned();
        assert!(said.starts_with("took C-") && taken != kept, "{}: {said}", db.label);
        assert!(b.screen().contains(&taken), "{}: B shows it before", db.label);

        // B, no key pressed, drops it within a second; its count follows.
        b.until_shown(Duration::from_secs(1), |s| !s.contains(&taken))
            .await
            .unwrap_or_else(|e| panic!("{}: B still shows {taken}: {e}", db.label));
        b.settle(Duration::from_secs(1)).await.unwrap();
        assert_eq!(unassigned(&b), Some(before - 1), "{}: the unassigned count", db.label);
        assert!(b.screen().contains(&format!("unassigned {}", before - 1)), "{}", db.label);
        // B's selection stayed on its case.
        assert_eq!(number(&b, b.app.pane().selected), kept, "{}: B's selection", db.label);

        // While B types a command, nothing moves under it; the list catches up once it closes.
        b.press(":note half typed").await.unwrap();
        a.press(":take<Enter>").await.unwrap();
        let said = a.app.message.clone().expect("a message").text;
        let second = said.split_whitespace().nth(1).expect("took C-…").to_owned();
        assert!(said.starts_with("took C-") && second != kept, "{}: {said}", db.label);
        b.idle(Duration::from_millis(1500)).await;
        let s = b.screen();
        assert!(s.contains(&second) && s.contains(":note half typed"), "{}: B's list waits: {s}", db.label);
        b.press("<Esc>").await.unwrap();
        b.settle(Duration::from_secs(5)).await.unwrap();
        let s = b.screen();
        assert!(!s.contains(&second), "{}: caught up once the command line closed: {s}", db.label);
        assert_eq!(number(&b, b.app.pane().selected), kept, "{}: B's selection", db.label);
    }
}

#[tokio::test]
async fn an_open_import_job_follows_its_status_without_a_key() {
    use std::time::Duration;
    let mut dbs = vec![common::sqlite().await];
    // Through a pooler the timeline poll sees case changes only: not tested there.
    dbs.extend(common::postgres().await);
    for db in dbs {
        seed_small(&db).await;
        let (id,): (i64,) = db
            .store
            .fetch_one("SELECT id FROM import_jobs WHERE status = 'queued' ORDER BY id LIMIT 1", args![])
            .await
            .unwrap();
        let mut b = headless(&db, 120, 40).await;
        assert!(b.until_watching(Duration::from_secs(10)).await, "{}: B watches", db.label);
        b.press(&format!(":import {id}<Enter>")).await.unwrap();
        assert!(!b.screen().contains("abandoned"), "{}: {}", db.label, b.screen());
        let a = portaldesk::ops::Ops::for_operator(db.store.clone(), "tester", false, portaldesk::ops::Clock::System)
            .await
            .unwrap();
        a.abandon_import(id, "sent again by the employer").await.unwrap();
        b.until_shown(Duration::from_secs(2), |s| s.contains("abandoned"))
            .await
            .unwrap_or_else(|e| panic!("{}: the job screen did not follow: {e}", db.label));
    }
}
