//! The broker view of a broker with a large book.

use std::time::{Duration, Instant};

use super::{Figures, Line, headless, time};
use crate::ops::{OpError, Ops};
use crate::store::bench;

/// The broker view of a broker with `groups` groups in its book: set up
/// once (an employer with that many groups, a broker, one grant each,
/// through `access.grant`), then `:broker NPN` to first frame.
pub async fn brokers(
    ops: &Ops,
    key: &crate::crypto::DataKey,
    groups: usize,
    samples: usize,
) -> Result<Vec<Line>, OpError> {
    const NPN: &str = "9999999001";
    const EIN: &str = "99-9999001";
    let store = ops.store();
    let now = ops.now();
    if !bench::broker_exists(store, NPN).await? {
        let book = bench::BenchBook {
            ein: EIN,
            npn: NPN,
            groups,
            tax_id_cipher: key.encrypt("999990001"),
            tax_id_index: key.blind_index("tax", "999990001"),
            now,
        };
        let numbers = bench::insert_bench_book(store, book).await?;
        let start = Instant::now();
        ops.grant_access(
            &crate::ops::access::Grantee::Broker(NPN.into()),
            Some(EIN),
            &numbers,
            crate::domain::access::Perms::parse("view,enrollment").map_err(OpError::Invalid)?,
            None,
        )
        .await?;
        let secs = start.elapsed().as_secs_f64();
        return Ok(vec![(
            "set-up: access.grant of all groups in one change".into(),
            format!("{groups} groups in {secs:.2} s (run again to measure)"),
        )]);
    }
    let mut out: Vec<Line> = Vec::new();
    let today = now.date_naive();
    let load = time(samples, || crate::store::brokers::file_by_npn(store, NPN, today)).await?;
    let n = crate::store::brokers::file_by_npn(store, NPN, today).await?.map_or(0, |f| f.book.len());
    out.push((format!("broker file with {n} grants (query)"), load.to_string()));
    let mut h = headless(ops, key).await?;
    let mut frames = Vec::new();
    for _ in 0..samples {
        let start = Instant::now();
        h.app.execute_line(&format!("broker {NPN}"));
        h.settle(Duration::from_secs(30)).await.map_err(|e| OpError::Db(e.to_string()))?;
        let screen = h.screen();
        frames.push(start.elapsed());
        if !screen.contains("Book of business") {
            return Err(OpError::Db("the broker view did not open".into()));
        }
    }
    out.push(("broker view, :broker to first frame".into(), Figures::of(frames).to_string()));
    Ok(out)
}
