//! `portaldesk audit …`: checking the audit log's hash chain.

use crate::cli::AuditCmd;
use crate::domain::member_query::parse_date;
use crate::fatal::Fatal;
use crate::startup::{self, Context};
use crate::store::audit::{self, Verified};
use chrono::{DateTime, Utc};

/// Runs an audit subcommand as the configured operator (any active staff
/// account): exit 0 intact, 1 broken, 2 usage or database trouble.
pub async fn run(ctx: &Context, cmd: AuditCmd) -> Result<u8, Fatal> {
    let AuditCmd::Verify { from, json } = cmd;
    let from = match from {
        // The start of that day: rows written on it are checked.
        Some(d) => Some(start_of_day(parse_date(&d).map_err(Fatal::new)?)),
        None => None,
    };
    let store = startup::open_store(ctx, startup::COMMAND_CONNECTIONS).await?;
    let _who = startup::ops(ctx, store.clone()).await?;
    let v = audit::verify(&store, from).await.map_err(|e| Fatal::new(crate::store::short_cause(&e)));
    store.close().await;
    let v = v?;
    print(&v, json.json);
    Ok(if v.broken.is_some() { 1 } else { 0 })
}

fn start_of_day(d: chrono::NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

fn print(v: &Verified, json_out: bool) {
    let range = match (v.first_id, v.last_id) {
        (Some(a), Some(b)) => format!(" (rows {a} to {b})"),
        _ => String::new(),
    };
    let before = match v.before_chain {
        0 => String::new(),
        n => format!("; {n} row(s) from before the chain began, covered through the first chained row"),
    };
    let problem = v.broken.as_ref().map(|b| format!("audit chain broken at row {}: {}", b.id, b.problem));
    if json_out {
        match &problem {
            Some(p) => super::json::print_error(crate::error_code::ErrorCode::AuditBroken, p),
            None => super::json::print_ok(v),
        }
    }
    match problem {
        Some(p) => {
            if !json_out {
                println!("{} row(s) checked before the break{range}", v.checked);
            }
            eprintln!("portaldesk: {p}");
        }
        None if !json_out => {
            println!("{} row(s) checked{range}{before}: chain intact\nhead {}", v.checked, v.head);
        }
        None => {}
    }
}
