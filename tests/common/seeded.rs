//! A small seeded demo with a fixed clock, for screen tests.

use chrono::{DateTime, TimeZone, Utc};
use portaldesk::config::{Config, Overrides};
use portaldesk::crypto::DataKey;
use portaldesk::demo::{DemoOptions, seed};
use portaldesk::keymap::Keymap;
use portaldesk::ops::{Clock, Ops};
use portaldesk::tui::{Headless, Session};

use super::TestDb;

/// The fixed "now" of every screen test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
}

/// The data key of every screen test.
pub fn key() -> DataKey {
    DataKey::from_master([42; 32])
}

/// Seeds `db` with a small deterministic demo whose admin is `tester`.
pub async fn seed_small(db: &TestDb) {
    let opts =
        DemoOptions { members: 300, seed: 7, admin_login: "tester".into(), now: now(), progress: false, cases: None };
    seed(&db.store, &key(), &opts).await.expect("seed");
}

/// The built-in configuration.
pub fn config() -> Config {
    Config::load(None, std::iter::empty(), &Overrides::default()).unwrap()
}

/// A session for `login` on `db` with the fixed clock.
pub async fn session(db: &TestDb, login: &str, keymap: Keymap) -> Session {
    let ops = Ops::for_operator(db.store.clone(), login, false, Clock::Fixed(now())).await.expect("operator");
    Session {
        ops,
        keymap,
        config: config(),
        no_color: true,
        history_file: None,
        key: key(),
        letters_dir: None,
        macros_dir: None,
    }
}

/// The headless app as `tester` with the built-in keymap.
pub async fn headless(db: &TestDb, w: u16, h: u16) -> Headless {
    let s = session(db, "tester", Keymap::from_texts(None).unwrap()).await;
    Headless::start(s, w, h).await.expect("app settles")
}

/// The screen with the temp database path replaced, so snapshots are stable.
pub fn stable(screen: &str, db: &TestDb) -> String {
    let url = db.store.url().to_owned();
    let mut s = screen.replace(&url, "sqlite://<test>");
    // The banner pads to the width; a long temp path may have been clipped.
    if let Some(pos) = url.find("/t.sqlite") {
        s = s.replace(&url[..pos.min(url.len())], "sqlite://<test-dir>");
        // Clipped from the left, only the temp folder's name may be left: keep its width.
        if let Some(dir) = url[..pos].rsplit('/').next().filter(|d| !d.is_empty()) {
            s = s.replace(dir, &"#".repeat(dir.chars().count()));
        }
    }
    s
}
