//! The book of business: groups (all, or those a broker's grants reach)
//! with the facts behind their alerts, filtered by the seed's fields and
//! keyset paged by group number (a suffix's number extends its parent's, so
//! each parent is followed by its suffixes).

use chrono::NaiveDate;

use super::{Cursor, Dir, Page, Sql, Store};
use crate::args;
use crate::domain::billing::{Alert, turning_65_births};

/// The filters of the book of business; `None` keeps every group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookFilter {
    /// Only groups a grant in force on `today` gives this broker (broker id,
    /// its agency): its own, its agency's, its agency's downline's.
    pub broker: Option<(i64, Option<i64>)>,
    /// Part of the group's name, any case.
    pub group_name: Option<String>,
    /// A parent group number: that parent and its suffixes.
    pub parent_number: Option<String>,
    /// A suffix ID (`01`).
    pub suffix: Option<String>,
    /// `active`, `pending` or `terminated`.
    pub status: Option<String>,
    pub alert: Option<Alert>,
    /// Part of the name of one of the group's plans, any case.
    pub plan_name: Option<String>,
    /// A coverage type of one of its plans: `medical`, `dental`, `vision`.
    pub plan_type: Option<String>,
    /// Original effective date within this range (inclusive).
    pub original_from: Option<NaiveDate>,
    pub original_to: Option<NaiveDate>,
    /// Renewal date within this range (inclusive).
    pub renewal_from: Option<NaiveDate>,
    pub renewal_to: Option<NaiveDate>,
}

/// A group in the book of business, with the facts its alerts come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct BookRow {
    pub id: i64,
    pub group_number: String,
    pub parent_number: Option<String>,
    pub suffix: Option<String>,
    pub name: String,
    pub status: String,
    pub original_effective_date: NaiveDate,
    pub renewal_date: NaiveDate,
    pub renewal_month: Option<i64>,
    pub cancellation_date: Option<NaiveDate>,
    /// `coverage - name` of its first plan.
    pub plan: Option<String>,
    pub subscribers: i64,
    /// Bills due before today less all paid through today (negative: a credit).
    pub past_due_raw_cents: i64,
    /// Covered members whose 65th birthday is within the alert's window.
    pub turning_65: i64,
}

impl BookRow {
    /// The row's sort key, for the next page.
    pub fn cursor(&self) -> Cursor {
        args![self.group_number.clone(), self.id]
    }
}

fn contains_pattern(s: &str) -> String {
    format!("%{}%", super::sql::escape_like(&s.trim().to_lowercase()))
}

/// A page of the book of business on `today` under `filter`.
pub async fn page(
    store: &Store,
    filter: &BookFilter,
    today: NaiveDate,
    dir: &Dir,
    limit: usize,
) -> Result<Page<BookRow>, sqlx::Error> {
    let store = store.reads();
    let (born_from, born_to) = turning_65_births(today);
    let mut q = Sql::new(
        "SELECT g.id, g.group_number, p.group_number AS parent_number, g.suffix, g.name, g.status, \
         g.original_effective_date, g.renewal_date, g.renewal_month, g.cancellation_date, \
         (SELECT pl.coverage_type || ' - ' || pl.name FROM plans pl WHERE pl.group_id = g.id ORDER BY pl.id LIMIT 1) AS plan, \
         (SELECT count(*) FROM members m WHERE m.group_id = g.id AND m.relationship = 'self') AS subscribers, \
         COALESCE((SELECT CAST(SUM(i.amount_cents + i.adjustment_cents) AS BIGINT) FROM group_invoices i \
           WHERE i.group_id = g.id AND i.issued_on <= ",
    );
    q.bind(today).push(" AND i.due_date < ").bind(today);
    q.push(
        "), 0) - COALESCE((SELECT CAST(SUM(pa.amount_cents) AS BIGINT) FROM group_payments pa \
           WHERE pa.group_id = g.id AND pa.received_on <= ",
    );
    q.bind(today).push("), 0) AS past_due_raw_cents, ");
    q.push("(SELECT count(*) FROM members m WHERE m.group_id = g.id AND m.birth_date >= ").bind(born_from);
    q.push(" AND m.birth_date <= ").bind(born_to);
    q.push(" AND m.status NOT IN ('terminated','cobra_expired')) AS turning_65 ");
    q.push("FROM employer_groups g LEFT JOIN employer_groups p ON p.id = g.parent_group_id WHERE 1 = 1");
    if let Some((broker, agency)) = filter.broker {
        q.push(" AND g.id IN (SELECT a.group_id FROM broker_access_grants a WHERE (a.broker_id = ").bind(broker);
        q.push(" OR a.agency_id = ").bind(agency);
        q.push(" OR a.agency_id IN (SELECT id FROM agencies WHERE upline_agency_id = ").bind(agency);
        q.push(")) AND a.starts_on <= ").bind(today).push(" AND (a.ends_on IS NULL OR a.ends_on > ").bind(today);
        q.push("))");
    }
    if let Some(name) = &filter.group_name {
        q.push(" AND lower(g.name) LIKE ").bind(contains_pattern(name)).push(" ESCAPE '\\'");
    }
    if let Some(parent) = &filter.parent_number {
        q.push(" AND (g.group_number = ").bind(parent.clone()).push(" OR p.group_number = ").bind(parent.clone());
        q.push(")");
    }
    if let Some(suffix) = &filter.suffix {
        q.push(" AND g.suffix = ").bind(suffix.clone());
    }
    if let Some(status) = &filter.status {
        q.push(" AND g.status = ").bind(status.clone());
    }
    if let Some(plan) = &filter.plan_name {
        q.push(" AND EXISTS (SELECT 1 FROM plans pl WHERE pl.group_id = g.id AND lower(pl.name) LIKE ")
            .bind(contains_pattern(plan))
            .push(" ESCAPE '\\')");
    }
    if let Some(kind) = &filter.plan_type {
        q.push(" AND EXISTS (SELECT 1 FROM plans pl WHERE pl.group_id = g.id AND pl.coverage_type = ")
            .bind(kind.clone())
            .push(")");
    }
    for (col, bound, lower) in [
        ("g.original_effective_date", filter.original_from, true),
        ("g.original_effective_date", filter.original_to, false),
        ("g.renewal_date", filter.renewal_from, true),
        ("g.renewal_date", filter.renewal_to, false),
    ] {
        if let Some(d) = bound {
            q.push(" AND ").push(col).push(if lower { " >= " } else { " <= " }).bind(d);
        }
    }
    // The alert facts are columns of the select: filter on them from outside.
    q.prepend("SELECT * FROM (");
    q.push(") b WHERE 1 = 1");
    match filter.alert {
        None => {}
        Some(Alert::PastDue) => {
            q.push(" AND b.past_due_raw_cents > 0");
        }
        Some(Alert::Turning65) => {
            q.push(" AND b.turning_65 > 0");
        }
        Some(Alert::Cancelled) => {
            q.push(" AND (b.status = 'terminated' OR b.cancellation_date <= ").bind(today).push(")");
        }
        Some(Alert::Renewal) => {
            q.push(" AND b.status <> 'terminated' AND (b.cancellation_date IS NULL OR b.cancellation_date > ");
            q.bind(today).push(") AND b.renewal_month IN (0");
            for m in crate::domain::billing::renewal_months_within(today) {
                q.push(", ").bind(i64::from(m));
            }
            q.push(")");
        }
    }
    q.keyset(&["b.group_number", "b.id"], false, dir, limit, true);
    let (sql, a) = q.into_parts();
    Ok(Page::from_fetched(store.fetch_all(sql, a).await?, limit, dir))
}

/// A broker's id and agency by NPN, for the book's `broker` filter.
pub async fn broker_of(store: &Store, npn: &str) -> Result<Option<(i64, Option<i64>)>, sqlx::Error> {
    let store = store.reads();
    store.fetch_optional("SELECT id, agency_id FROM brokers WHERE npn = $1", args![npn]).await
}
