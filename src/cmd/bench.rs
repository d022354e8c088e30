//! `portaldesk bench …`: prints the measured figures.

use crate::bench;
use crate::cli::BenchCmd;
use crate::fatal::Fatal;
use crate::ops::Ops;

/// Runs a benchmark and prints one line per figure.
pub async fn run(ops: &Ops, key: &crate::crypto::DataKey, cmd: BenchCmd) -> Result<u8, Fatal> {
    let lines = match cmd {
        BenchCmd::Staff { sessions, minutes, think_ms } => {
            bench::staff(ops, key, sessions.max(1), minutes.max(0.05), std::time::Duration::from_millis(think_ms)).await
        }
        BenchCmd::Cases { samples, takers } => bench::cases(ops, samples.max(1), takers).await,
        BenchCmd::Members { samples } => bench::members(ops, key, samples.max(1)).await,
        BenchCmd::Keys { samples } => bench::keys(ops, key, samples.max(1)).await,
        BenchCmd::Maintenance { samples } => bench::maintenance(ops, key, samples.max(1)).await,
        BenchCmd::Script { steps } => bench::script(ops, key, steps.max(1)).await,
        BenchCmd::Imports { rows } => bench::imports(ops, key, rows.max(1), ops.store().url()).await,
        BenchCmd::Report { name, samples } => bench::report(ops, &name, samples.max(1), ops.store().url()).await,
        BenchCmd::Import834 { rows } => bench::import_834(ops, key, rows.max(1)).await,
        BenchCmd::Brokers { groups, samples } => bench::brokers(ops, key, groups.max(1), samples.max(1)).await,
        BenchCmd::Groups { subscribers, samples } => bench::groups(ops, key, subscribers.max(1), samples.max(1)).await,
    }
    .map_err(|e| Fatal::new(e.to_string()))?;
    println!("{} on {}", env!("CARGO_PKG_NAME"), ops.store().url());
    for (what, figure) in lines {
        println!("  {what:<40} {figure}");
    }
    Ok(0)
}
