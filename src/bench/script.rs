//! A headless key script run on the seeded database.

use std::time::{Duration, Instant};

use super::{Line, headless};
use crate::ops::{OpError, Ops};

/// A headless script of `steps` steps (moves, pages, queue and area
/// switches, searches, expectations) on this database: total time.
pub async fn script(ops: &Ops, key: &crate::crypto::DataKey, steps: usize) -> Result<Vec<Line>, OpError> {
    const CYCLE: [&str; 10] = [
        "j",
        "<PageDown>",
        "k",
        "expect /portaldesk/",
        ":cases billing",
        "G",
        "2",
        ":member smith",
        "expect /Members/",
        "1",
    ];
    let text: String = (0..steps).map(|i| format!("{}\n", CYCLE[i % CYCLE.len()])).collect();
    let parsed = crate::script::parse(&text, "bench").map_err(|e| OpError::Invalid(e.to_string()))?;
    let mut h = headless(ops, key).await?;
    let start = Instant::now();
    crate::script::run::run(&mut h, &parsed, std::path::Path::new("."), Duration::from_secs(30))
        .await
        .map_err(|f| OpError::Db(format!("line {}: {}", f.line, f.message)))?;
    let secs = start.elapsed().as_secs_f64();
    Ok(vec![(
        format!("headless script of {steps} steps"),
        format!("{secs:.2} s ({:.2} ms per step)", secs * 1e3 / steps as f64),
    )])
}
