//! Member lookups and the member view's first frame.

use std::time::{Duration, Instant};

use super::{Figures, Line, headless, time};
use crate::ops::{OpError, Ops};
use crate::store::Dir;
use crate::store::bench;
use crate::store::lists::{self, ListKind, ListRequest};

/// Member lookups on the search path the screen uses (parse, blind index,
/// keyset page), and the member view's first frame.
pub async fn members(ops: &Ops, key: &crate::crypto::DataKey, samples: usize) -> Result<Vec<Line>, OpError> {
    use crate::store::members::MemberSearch;
    let store = ops.store();
    let mut out: Vec<Line> = Vec::new();
    let total = bench::member_count(store).await?;
    out.push(("members in the database".into(), total.to_string()));
    // Sample members spread over the table (set-up: decrypting is the test's privilege).
    let step = (total / samples.max(1) as i64).max(1);
    let picked = bench::sample_members(store, step, samples as i64).await?;
    let ssns: Vec<String> = picked.iter().filter_map(|m| m.ssn_cipher.as_ref().and_then(|c| key.decrypt(c))).collect();
    let search = |q: String| {
        let req = MemberSearch::parse(&q, Some(key)).map(|m| ListRequest {
            kind: ListKind::Members,
            filter: String::new(),
            dir: Dir::First,
            limit: 50,
            me: ops.operator().id,
            now: ops.now(),
            backend_pid: Default::default(),
            date_format: Default::default(),
            search: m.map(lists::Search::Members),
        });
        async move {
            let req = req.map_err(OpError::Invalid)?;
            let page = lists::fetch(store, &req).await?;
            if page.rows.is_empty() {
                return Err(OpError::NotFound(format!(
                    "benchmark query {} found nothing",
                    crate::domain::ssn::redact(&q)
                )));
            }
            Ok(page.rows.len())
        }
    };
    // Warm the caches first: the figures are for a database in use.
    for q in ssns.iter().take(20).chain(picked.iter().take(20).map(|p| &p.member_number)) {
        search(q.clone()).await?;
    }
    let mut i = 0;
    let f = time(ssns.len(), || {
        i += 1;
        search(ssns[i - 1].clone())
    })
    .await?;
    out.push(("SSN (blind index)".into(), f.to_string()));
    let mut i = 0;
    let f = time(picked.len(), || {
        i += 1;
        search(picked[i - 1].member_number.clone())
    })
    .await?;
    out.push(("member ID".into(), f.to_string()));
    let mut i = 0;
    let f = time(picked.len(), || {
        i += 1;
        search(picked[i - 1].last_name_key.chars().take(3).collect())
    })
    .await?;
    out.push(("last-name prefix, first page of 50".into(), f.to_string()));

    // The member view's first frame: Enter on a found member until the frame is drawn.
    let mut h = headless(ops, key).await?;
    let mut frames = Vec::new();
    for number in picked.iter().take(samples.min(100)).map(|m| &m.member_number) {
        h.app.execute_line(&format!("member {number}"));
        h.settle(Duration::from_secs(30)).await.map_err(|e| OpError::Db(e.to_string()))?;
        let start = Instant::now();
        h.app.run(crate::action::Action::Open);
        h.settle(Duration::from_secs(30)).await.map_err(|e| OpError::Db(e.to_string()))?;
        let screen = h.screen();
        frames.push(start.elapsed());
        if !screen.contains("Demographics") {
            return Err(OpError::Db(format!("the member view did not open for {number}")));
        }
        h.app.run(crate::action::Action::Back);
    }
    out.push(("member view, Enter to first frame (audited)".into(), Figures::of(frames).to_string()));
    Ok(out)
}
