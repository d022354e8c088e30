//! Brokers' commission statements: 24 months of them (six more than are
//! kept, so the report worker's first run purges some), one per broker with
//! a grant of its own per month, a line per group it was granted. Drawn
//! from a generator of their own, so every other row the demo makes stays
//! as it was.

use chrono::{DateTime, Duration, Months, Utc};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::batch::Batch;
use crate::args;
use crate::domain::commission::{commission_cents, latest_month};
use crate::store::Tx;

/// How many months of statements the demo makes.
pub const MONTHS: u32 = 24;

/// Commission rates in basis points.
const RATES: [i64; 5] = [300, 400, 450, 500, 600];

/// Inserts the statements of the brokers in `grants` ((broker id, group
/// id), as made, a broker's grants not necessarily together), `npns` by
/// broker id - 1; returns how many statements.
pub async fn statements(
    tx: &mut Tx,
    seed: u64,
    grants: &[(i64, i64)],
    npns: &[String],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xc0_4415_5104);
    let mut by_broker: Vec<(i64, i64)> = grants.to_vec();
    by_broker.sort_unstable();
    by_broker.dedup();
    let mut st = Batch::new(
        "commission_statements",
        &["id", "broker_id", "npn", "month", "issued_on", "groups", "premium_cents", "commission_cents", "created_at"],
    );
    let mut ln = Batch::new(
        "commission_statement_lines",
        &["statement_id", "group_id", "subscribers", "premium_cents", "rate_bps", "commission_cents"],
    );
    let latest = latest_month(now.date_naive());
    let mut id = 0_i64;
    for same in by_broker.chunk_by(|a, b| a.0 == b.0) {
        let broker = same[0].0;
        let Some(npn) = usize::try_from(broker - 1).ok().and_then(|i| npns.get(i)) else { continue };
        // Each group's subscribers and rate, steady; premiums move a little month to month.
        let lines: Vec<(i64, i64, i64, i64)> = same
            .iter()
            .map(|(_, g)| {
                (*g, rng.gen_range(2..80), RATES[rng.gen_range(0..RATES.len())], rng.gen_range(45_000..95_000))
            })
            .collect();
        for k in (0..MONTHS).rev() {
            let Some(month) = latest.checked_sub_months(Months::new(k)) else { continue };
            id += 1;
            let (mut premium, mut commission) = (0, 0);
            for (group, subscribers, rate, per_head) in &lines {
                let p = subscribers * (per_head + rng.gen_range(-2_000..2_000));
                let c = commission_cents(p, *rate);
                premium += p;
                commission += c;
                ln.push(tx, args![id, *group, *subscribers, p, *rate, c]).await?;
            }
            let issued = month.checked_add_months(Months::new(1)).unwrap_or(month) + Duration::days(4);
            let created = issued.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
            st.push(
                tx,
                args![id, broker, npn.clone(), month, issued, lines.len() as i64, premium, commission, created],
            )
            .await?;
        }
    }
    st.flush(tx).await?;
    ln.flush(tx).await?;
    Ok(st.count)
}
