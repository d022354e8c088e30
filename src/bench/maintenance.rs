//! A member change from the form's submit to the member view redrawn with it.

use std::time::{Duration, Instant};

use super::{Figures, Line, headless};
use crate::ops::{OpError, Ops};
use crate::store::bench;

/// `:edit city=…` on members spread over the table: the time from `y` at
/// the preview to the member view drawn again showing the new city (the
/// change through the ops layer with its audit and history rows, then the
/// record read again). Beside it, the plain engine: the same UPDATE and
/// the record read, without rules, audit or history.
pub async fn maintenance(ops: &Ops, key: &crate::crypto::DataKey, samples: usize) -> Result<Vec<Line>, OpError> {
    let store = ops.store();
    let total = bench::member_count(store).await?;
    let mut out: Vec<Line> = vec![("members in the database".into(), total.to_string())];
    let step = (total / samples.max(1) as i64).max(1);
    let picked = bench::sample_members(store, step, samples as i64).await?;
    let mut h = headless(ops, key).await?;
    h.resize(80, 24);
    let limit = Duration::from_secs(60);
    let fail = |e: String| OpError::Db(e);
    let mut submit = Vec::with_capacity(picked.len());
    let mut plain = Vec::with_capacity(picked.len());
    // A city no earlier run left behind (a run stopped midway leaves its
    // last one, and setting it again would be "nothing to change").
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() % 1_000_000);
    for (i, m) in picked.iter().enumerate() {
        let city = format!("Benchton{run}x{i}");
        h.press(&format!("2:member {}<Enter><Enter>", m.member_number)).await.map_err(|e| fail(e.to_string()))?;
        h.press(&format!(":edit city={city}<Enter>")).await.map_err(|e| fail(e.to_string()))?;
        if !h.screen().contains("apply?") {
            return Err(OpError::Invalid(format!("no preview for {}: {}", m.member_number, h.screen())));
        }
        let t = Instant::now();
        h.app.on_key(crate::keys::Key::plain(crossterm::event::KeyCode::Char('y')));
        // Timed to the first frame that shows the change, as the operator
        // sees it; the other reloads a change sets off go on in the background.
        // (The member view writes "street, city, state zip".)
        let shown = format!(", {city}, ");
        h.until_shown(limit, |screen| screen.contains(&shown))
            .await
            .map_err(|e| fail(format!("{} does not show {city}: {e}", m.member_number)))?;
        submit.push(t.elapsed());
        h.settle(limit).await.map_err(|e| fail(e.to_string()))?;
        h.press("<Esc><Esc>").await.map_err(|e| fail(e.to_string()))?;
        let t = Instant::now();
        bench::plain_city_change(store, &m.member_number, &format!("Plainton{i}")).await?;
        plain.push(t.elapsed());
    }
    out.push(("y at the preview to the member view redrawn".into(), Figures::of(submit).to_string()));
    out.push(("plain engine: UPDATE and read the record".into(), Figures::of(plain).to_string()));
    Ok(out)
}
