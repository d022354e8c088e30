//! The app shell on an off-screen terminal: snapshots at 80x24 and 120x40,
//! and behaviour a person relies on (areas, queues, `:`, filter, help, take).

mod common;

use common::seeded::{headless, seed_small, session, stable};
use portaldesk::args;
use portaldesk::keymap::Keymap;
use portaldesk::tui::Headless;

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
    assert!(h.app.pane().rows.iter().all(|r| !r.cells[0].is_empty()));
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
    let last = h.app.pane().rows.last().unwrap().cells.clone();
    assert!(!h.app.pane().more_after);
    h.press("g").await.unwrap();
    assert!(!h.app.pane().more_before);
    let first = h.app.pane().rows[0].cells.clone();
    assert_ne!(first, last);
    // Stepping down past the page scrolls by one row.
    let n = h.app.pane().rows.len();
    for _ in 0..n {
        h.press("j").await.unwrap();
    }
    assert_eq!(h.app.pane().rows[0].cells, h.app.pane().rows[0].cells);
    assert!(h.app.pane().more_before, "scrolled past the first page");
    assert_eq!(h.app.pane().selected, n - 1);
    h.press("<PageDown><PageUp>k").await.unwrap();
    assert!(h.screen().contains("row "));
}

#[tokio::test]
async fn filter_narrows_the_member_list_and_esc_restores_it() {
    let (_db, mut h) = app(120, 40).await;
    h.press("2").await.unwrap();
    let name = h.app.pane().rows[0].cells[0].clone();
    let prefix: String = name.chars().take(3).collect();
    h.press("/").await.unwrap();
    h.press(&prefix).await.unwrap();
    let rows = &h.app.pane().rows;
    assert!(!rows.is_empty());
    let fold = |s: &str| portaldesk::domain::text::fold_key(s);
    assert!(rows.iter().all(|r| fold(&r.cells[0]).starts_with(&fold(&prefix))), "{rows:?}");
    h.press("<Esc>").await.unwrap();
    assert!(h.app.pane().filter.is_empty());
}

#[tokio::test]
async fn help_is_generated_from_the_live_keymap() {
    let db = common::sqlite().await;
    seed_small(&db).await;
    let km = Keymap::from_texts(Some(("[keys]\n\"nav.down\" = [\"n\"]\n", "test"))).unwrap();
    let mut h = Headless::start(session(&db, "tester", km).await, 120, 40).await.unwrap();
    h.press("?").await.unwrap();
    let s = h.screen();
    assert!(s.lines().any(|l| l.contains(" n ") && l.contains("nav.down")), "{s}");
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
