//! Brokers' commission statements (migration 0008): a statement per broker
//! (NPN and broker ID) per month, and its lines, one per group.

use chrono::NaiveDate;

use super::{Store, Tx};
use crate::args;

/// A statement as listed: its broker, month and totals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct StatementRow {
    pub id: i64,
    pub broker_id: i64,
    pub npn: String,
    /// `Last, First`.
    pub broker: String,
    /// The first day of the statement's month.
    pub month: NaiveDate,
    pub issued_on: NaiveDate,
    pub groups: i64,
    pub premium_cents: i64,
    pub commission_cents: i64,
}

macro_rules! statement_select {
    () => {
        "SELECT s.id, s.broker_id, s.npn, b.last_name || ', ' || b.first_name AS broker, s.month, s.issued_on, \
         s.groups, s.premium_cents, s.commission_cents FROM commission_statements s JOIN brokers b ON b.id = s.broker_id "
    };
}

/// One line of a statement: a group the commission was paid on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct StatementLine {
    pub group_number: String,
    pub group_name: String,
    pub subscribers: i64,
    pub premium_cents: i64,
    /// The commission rate in basis points (450 = 4.5 %).
    pub rate_bps: i64,
    pub commission_cents: i64,
}

/// The statements of broker `npn` for `month`.
pub async fn statements(store: &Store, npn: &str, month: NaiveDate) -> Result<Vec<StatementRow>, sqlx::Error> {
    store
        .fetch_all(concat!(statement_select!(), "WHERE s.npn = $1 AND s.month = $2 ORDER BY s.id"), args![npn, month])
        .await
}

/// The latest month of `npn`'s statements from `from` on, if it has any.
pub async fn latest_month(store: &Store, npn: &str, from: NaiveDate) -> Result<Option<NaiveDate>, sqlx::Error> {
    let row: Option<(NaiveDate,)> = store
        .fetch_optional(
            "SELECT month FROM commission_statements WHERE npn = $1 AND month >= $2 ORDER BY month DESC, id DESC LIMIT 1",
            args![npn, from],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// One statement.
pub async fn statement(store: &Store, id: i64) -> Result<Option<StatementRow>, sqlx::Error> {
    store.fetch_optional(concat!(statement_select!(), "WHERE s.id = $1"), args![id]).await
}

/// A statement's lines, by group number.
pub async fn lines(store: &Store, statement: i64) -> Result<Vec<StatementLine>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT g.group_number, g.name AS group_name, l.subscribers, l.premium_cents, l.rate_bps, l.commission_cents \
             FROM commission_statement_lines l JOIN employer_groups g ON g.id = l.group_id \
             WHERE l.statement_id = $1 ORDER BY g.group_number, l.id",
            args![statement],
        )
        .await
}

/// Deletes the statements of months before `month` with their lines;
/// returns how many statements and lines went.
pub async fn purge_before(tx: &mut Tx, month: NaiveDate) -> Result<(u64, u64), sqlx::Error> {
    let lines = tx
        .execute(
            "DELETE FROM commission_statement_lines WHERE statement_id IN \
             (SELECT id FROM commission_statements WHERE month < $1)",
            args![month],
        )
        .await?;
    let statements = tx.execute("DELETE FROM commission_statements WHERE month < $1", args![month]).await?;
    Ok((statements, lines))
}

/// The months of the statements a purge before `month` would delete,
/// oldest first, with how many each (for its audit row).
pub async fn months_before(tx: &mut Tx, month: NaiveDate) -> Result<Vec<(NaiveDate, i64)>, sqlx::Error> {
    tx.fetch_all(
        "SELECT month, CAST(COUNT(*) AS BIGINT) FROM commission_statements WHERE month < $1 GROUP BY month ORDER BY month",
        args![month],
    )
    .await
}

/// A broker's commission totals for a month, as the accounting report shows them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BrokerTotals {
    pub npn: String,
    pub broker: String,
    pub groups: i64,
    pub premium_cents: i64,
    pub commission_cents: i64,
}

/// Every broker's statement totals for `month` (of one NPN if given), by NPN.
pub async fn totals_for_month(
    store: &Store,
    month: NaiveDate,
    npn: Option<&str>,
) -> Result<Vec<BrokerTotals>, sqlx::Error> {
    store
        .fetch_all(
            "SELECT s.npn, b.last_name || ', ' || b.first_name AS broker, CAST(SUM(s.groups) AS BIGINT) AS groups, \
             CAST(SUM(s.premium_cents) AS BIGINT) AS premium_cents, \
             CAST(SUM(s.commission_cents) AS BIGINT) AS commission_cents \
             FROM commission_statements s JOIN brokers b ON b.id = s.broker_id \
             WHERE s.month = $1 AND ($2 IS NULL OR s.npn = $2) \
             GROUP BY s.npn, b.last_name, b.first_name ORDER BY s.npn",
            args![month, npn],
        )
        .await
}

/// Whether any statement is of a month before `month` (the purge's cheap
/// look before it takes a write transaction).
pub async fn any_before(store: &Store, month: NaiveDate) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> =
        store.fetch_optional("SELECT id FROM commission_statements WHERE month < $1 LIMIT 1", args![month]).await?;
    Ok(row.is_some())
}
