//! Key press to drawn frame, idle and while a search runs.

use std::time::{Duration, Instant};

use super::{Figures, Line, headless};
use crate::ops::{OpError, Ops};
use crate::store::bench;

/// Key press to drawn frame at 80x24, off-screen. Beside it, a frame drawn
/// with no key (the plain engine: what drawing alone costs). Idle, keys act
/// at once and the type-ahead queue must add nothing; while a member search
/// over the whole table runs, keys wait in the queue and the frame shows
/// them waiting. Keys come 5 ms apart, a fast macro's pace.
pub async fn keys(ops: &Ops, key: &crate::crypto::DataKey, samples: usize) -> Result<Vec<Line>, OpError> {
    use crate::keys::Key;
    use crossterm::event::{KeyCode, KeyModifiers};
    let mut h = headless(ops, key).await?;
    h.resize(80, 24);
    let limit = Duration::from_secs(60);
    h.press("2").await.map_err(|e| OpError::Db(e.to_string()))?;
    let (j, k) = (Key::plain(KeyCode::Char('j')), Key::plain(KeyCode::Char('k')));
    let pace = Duration::from_millis(5);
    let mut out: Vec<Line> =
        vec![("members in the database".into(), bench::member_count(ops.store()).await?.to_string())];

    let mut draw_only = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        h.draw();
        draw_only.push(t.elapsed());
    }
    out.push(("frame alone (no key; plain engine)".into(), Figures::of(draw_only).to_string()));

    let mut idle = Vec::with_capacity(samples);
    for i in 0..samples {
        let t = Instant::now();
        h.app.on_key(if i % 2 == 0 { j } else { k });
        h.draw();
        idle.push(t.elapsed());
        h.settle(limit).await.map_err(|e| OpError::Db(e.to_string()))?;
        tokio::time::sleep(pace).await;
    }
    out.push(("key to frame, nothing loading".into(), Figures::of(idle).to_string()));

    // A search by the SSN's last four and a birth date.
    let mut busy = Vec::with_capacity(samples);
    let mut searches = Vec::new();
    while busy.len() < samples {
        let start = Instant::now();
        h.app.execute_line("member 6789 01/31/1980");
        if !h.app.tasks.foreground() {
            let why = h.app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
            return Err(OpError::Invalid(format!("the search did not start: {why}")));
        }
        while h.app.tasks.foreground() && busy.len() < samples {
            let t = Instant::now();
            h.app.on_key(j);
            h.draw();
            busy.push(t.elapsed());
            tokio::time::sleep(pace).await;
            h.apply_ready();
        }
        if h.app.tasks.foreground() {
            h.app.on_key(Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        } else {
            searches.push(start.elapsed());
        }
        h.settle(limit).await.map_err(|e| OpError::Db(e.to_string()))?;
    }
    out.push(("key to frame, while a search runs".into(), Figures::of(busy).to_string()));
    if !searches.is_empty() {
        out.push(("the search itself (keys typed meanwhile)".into(), Figures::of(searches).to_string()));
    }
    Ok(out)
}
