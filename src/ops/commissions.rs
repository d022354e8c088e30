//! Brokers' commission statements (issue 25, point 4): read by NPN and
//! month within the 18 months kept, written out as CSV (audited), and
//! purged by the report worker once older than that (audited as
//! `system:worker`). The window is `domain::commission`'s, for all three.

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::{OpError, Ops};
use crate::action::Action;
use crate::domain::commission::{self, month_text};
use crate::domain::text::csv_safe;
use crate::store::commissions::{self as store, StatementRow};

/// `commission list`: a broker's statements for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statements {
    pub npn: String,
    /// The month shown (`YYYY-MM`): the one asked for, else the latest on
    /// file in the window; none when the broker has no statement in it.
    pub month: Option<String>,
    /// The months that can be searched, `YYYY-MM`.
    pub searchable_from: String,
    pub searchable_to: String,
    pub statements: Vec<StatementRow>,
}

/// `commission get`: the statement written, with how many lines and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementWritten {
    pub statement: StatementRow,
    pub lines: usize,
    pub file: String,
}

/// What a purge deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    pub statements: u64,
    pub lines: u64,
}

/// The header of a statement's CSV file.
pub const STATEMENT_COLUMNS: [&str; 6] =
    ["group", "group_name", "subscribers", "premium_cents", "rate_bps", "commission_cents"];

impl Ops {
    /// `commission.list`: broker `npn`'s statements for `month` (`YYYY-MM`,
    /// within the 18 months kept), or for the latest month on file.
    pub async fn commission_statements(&self, npn: &str, month: Option<&str>) -> Result<Statements, OpError> {
        let npn = crate::domain::npn::parse_npn(npn).map_err(OpError::Invalid)?;
        let today = self.now().date_naive();
        let month = match month {
            Some(m) => Some(commission::searchable_month(m, today).map_err(OpError::Invalid)?),
            None => None,
        };
        if crate::store::reports::broker_by_npn(self.store(), &npn).await?.is_none() {
            return Err(OpError::NotFound(format!("no broker with NPN {npn}")));
        }
        let from = commission::oldest_kept(today);
        let month = match month {
            Some(m) => Some(m),
            None => store::latest_month(self.store(), &npn, from).await?,
        };
        let statements = match month {
            Some(m) => store::statements(self.store(), &npn, m).await?,
            None => Vec::new(),
        };
        Ok(Statements {
            npn,
            month: month.map(month_text),
            searchable_from: month_text(from),
            searchable_to: month_text(commission::latest_month(today)),
            statements,
        })
    }

    /// `commission.get`: statement `id`'s lines written to `out` as CSV
    /// (formula-safe), audited before the file is written as every export is.
    pub async fn write_statement(&self, id: i64, out: &Path) -> Result<StatementWritten, OpError> {
        let statement = store::statement(self.store(), id)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no commission statement {id}")))?;
        let from = commission::oldest_kept(self.now().date_naive());
        if statement.month < from {
            return Err(OpError::Refused(format!(
                "commission statement {id} is of {}: statements are kept {} months (from {})",
                month_text(statement.month),
                commission::KEPT_MONTHS,
                month_text(from)
            )));
        }
        let lines = store::lines(self.store(), id).await?;
        self.audit_event(Action::CommissionGet, &format!("commission-statement:{id}")).await?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| OpError::Invalid(format!("{}: {e}", out.display()));
        w.write_record(STATEMENT_COLUMNS).map_err(io)?;
        for l in &lines {
            w.write_record([
                csv_safe(&l.group_number),
                csv_safe(&l.group_name),
                l.subscribers.to_string(),
                l.premium_cents.to_string(),
                l.rate_bps.to_string(),
                l.commission_cents.to_string(),
            ])
            .map_err(io)?;
        }
        let bytes = w.into_inner().map_err(|e| OpError::Invalid(e.to_string()))?;
        std::fs::write(out, bytes).map_err(|e| OpError::Invalid(format!("{}: {e}", out.display())))?;
        Ok(StatementWritten { statement, lines: lines.len(), file: out.display().to_string() })
    }

    /// `commission.purge`: deletes the statements of months before the 18
    /// kept, with their lines, in one audited change naming each month
    /// and how many went. Nothing older: no change and no audit row.
    pub async fn purge_statements(&self) -> Result<Purged, OpError> {
        let before: NaiveDate = commission::oldest_kept(self.now().date_naive());
        if !store::any_before(self.store(), before).await? {
            return Ok(Purged::default());
        }
        let entity = "commission-statements";
        let mut change = self.begin(Action::CommissionPurge, entity).await?;
        let months = store::months_before(&mut change.tx, before).await?;
        let (statements, lines) = store::purge_before(&mut change.tx, before).await?;
        if statements == 0 {
            change.tx.commit().await?;
            return Ok(Purged::default());
        }
        let gone: Vec<_> = months.iter().map(|(m, n)| json!({"month": month_text(*m), "statements": n})).collect();
        let after = json!({"kept_from": month_text(before), "statements": statements, "lines": lines});
        self.finish(change, entity, Some(json!(gone)), Some(after), None).await?;
        Ok(Purged { statements, lines })
    }
}
