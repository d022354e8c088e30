//! The case queue: pages at every depth, `take`, concurrent takers.

use std::time::Instant;

use super::{Line, request, time};
use crate::domain::case::{CaseView, Queue};
use crate::domain::role::Role;
use crate::ops::{Clock, OpError, Ops};
use crate::store::bench;
use crate::store::lists::{self, ListKind};
use crate::store::{Backend, Dir};

/// Case queue pages at every depth, `take`, and (PostgreSQL) concurrent takers.
pub async fn cases(ops: &Ops, samples: usize, takers: usize) -> Result<Vec<Line>, OpError> {
    let store = ops.store();
    let mut out: Vec<Line> = Vec::new();
    let total = bench::case_count(store).await?;
    out.push(("cases in the database".into(), total.to_string()));

    let all = ListKind::Cases(CaseView::All);
    let page = |dir: Dir| {
        let req = request(all, dir, ops);
        async move { lists::fetch(store, &req).await }
    };
    out.push(("page 1 of `all` (50 rows)".into(), time(samples, || page(Dir::First)).await?.to_string()));
    let depth = 50 * 9_999;
    match bench::case_cursor_at(store, depth).await? {
        Some(key) => {
            let f = time(samples, || page(Dir::After(key.clone()))).await?;
            out.push(("page 10 000 of `all` (rows 499 951…)".into(), f.to_string()));
        }
        None => out.push(("page 10 000 of `all`".into(), format!("fewer than {depth} cases: seed more with --cases"))),
    }
    out.push(("last page of `all`".into(), time(samples, || page(Dir::Last)).await?.to_string()));
    let queue = ListKind::Cases(CaseView::Queue(Queue::Eligibility));
    let qpage = |dir: Dir| {
        let req = request(queue, dir, ops);
        async move { lists::fetch(store, &req).await }
    };
    out.push(("page 1 of `eligibility`".into(), time(samples, || qpage(Dir::First)).await?.to_string()));
    out.push(("last page of `eligibility`".into(), time(samples, || qpage(Dir::Last)).await?.to_string()));
    let floor = time(samples, || bench::case_floor(store)).await?;
    out.push(("engine floor: 51 ids by the index".into(), floor.to_string()));

    let take = time(samples, || ops.claim_next(Queue::Support)).await?;
    out.push(("take (case.claim_next, support)".into(), take.to_string()));

    if store.backend() == Backend::Postgres && takers > 0 {
        out.push(concurrent_takers(ops, takers, samples * 10).await?);
    }
    Ok(out)
}

/// `takers` staff taking from the enrollment queue at once until `claims`
/// cases are taken: throughput, and a check that no case went twice.
async fn concurrent_takers(ops: &Ops, takers: usize, claims: usize) -> Result<Line, OpError> {
    let store = ops.store().clone();
    let mut tx = store.begin_write().await?;
    for i in 0..takers {
        let login = format!("bench_taker{i}");
        if crate::store::staff::by_login(&store, &login).await?.is_none() {
            crate::store::staff::insert(&mut tx, &login, "Bench taker", Role::Agent, "active", ops.now()).await?;
        }
    }
    tx.commit().await?;
    let left = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(claims as i64));
    let start = Instant::now();
    let mut handles = Vec::new();
    for i in 0..takers {
        let o = Ops::for_operator(store.clone(), &format!("bench_taker{i}"), false, Clock::System)
            .await
            .map_err(|e| OpError::Db(e.to_string()))?;
        let left = left.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                match o.claim_next(Queue::Enrollment).await {
                    Ok(Some(c)) => got.push(c.case_number),
                    Ok(None) => break,
                    Err(OpError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(got)
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.map_err(|e| OpError::Db(e.to_string()))??);
    }
    let secs = start.elapsed().as_secs_f64();
    let n = all.len();
    all.sort();
    all.dedup();
    let twice = n - all.len();
    Ok((
        format!("{takers} concurrent takers (PostgreSQL)"),
        format!("{n} cases in {secs:.2} s = {:.0} takes/s; taken twice: {twice}", n as f64 / secs),
    ))
}
