//! One group: its details and key dates, contacts, billing figures (computed
//! here in SQL from its invoices and payments), the bills and payments
//! behind them, its subscribers (of the group alone or of a parent's whole
//! family, keyset paged) and its plans by plan year with carrier, rates and
//! settings, and its bundles.

use chrono::NaiveDate;

use super::{Cursor, Dir, Page, Sql, Store};
use crate::args;

/// A group's own fields, its employer's and its parent's.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct GroupDetail {
    pub id: i64,
    pub employer_id: i64,
    pub employer: String,
    pub ein: String,
    pub group_number: String,
    pub suffix: Option<String>,
    pub name: String,
    pub status: String,
    pub parent_group_id: Option<i64>,
    pub parent_number: Option<String>,
    pub parent_name: Option<String>,
    /// The parent's original effective date (a parent's own for a parent).
    pub parent_effective_date: NaiveDate,
    pub original_effective_date: NaiveDate,
    pub suffix_effective_date: Option<NaiveDate>,
    pub cancellation_date: Option<NaiveDate>,
    pub sic_code: Option<String>,
    pub rating_type: Option<String>,
    pub renewal_date: NaiveDate,
    pub renewal_month: Option<i64>,
    pub last_renewal_date: Option<NaiveDate>,
    pub billing_contact_name: Option<String>,
    pub billing_contact_email: Option<String>,
    pub billing_contact_phone: Option<String>,
    pub billing_address_line: Option<String>,
    pub billing_city: Option<String>,
    pub billing_state: Option<String>,
    pub billing_zip: Option<String>,
    pub waiting_period_days: Option<i64>,
    /// Subscribers still covered (any status but terminated or COBRA expired).
    pub active_subscribers: i64,
    /// Subscribers whose coverage ended.
    pub cancelled_subscribers: i64,
    /// Members of any relationship still covered.
    pub active_members: i64,
}

/// A group by number, with its parent and employer. Its subscriber and
/// member counts are one pass over the group's members (three counts of
/// their own read a 30 000-subscriber group three times: 120 ms against 20
/// with `sqlite3`).
pub async fn detail(store: &Store, number: &str) -> Result<Option<GroupDetail>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_optional(
            "SELECT g.id, g.employer_id, e.legal_name AS employer, e.ein, g.group_number, g.suffix, g.name, g.status, \
             g.parent_group_id, p.group_number AS parent_number, p.name AS parent_name, \
             COALESCE(p.original_effective_date, g.original_effective_date) AS parent_effective_date, \
             g.original_effective_date, g.suffix_effective_date, g.cancellation_date, g.sic_code, g.rating_type, \
             g.renewal_date, g.renewal_month, g.last_renewal_date, g.billing_contact_name, g.billing_contact_email, \
             g.billing_contact_phone, g.billing_address_line, g.billing_city, g.billing_state, g.billing_zip, \
             g.waiting_period_days, \
             COALESCE(n.active_subscribers, 0) AS active_subscribers, \
             COALESCE(n.cancelled_subscribers, 0) AS cancelled_subscribers, \
             COALESCE(n.active_members, 0) AS active_members \
             FROM employer_groups g JOIN employers e ON e.id = g.employer_id \
             LEFT JOIN employer_groups p ON p.id = g.parent_group_id \
             LEFT JOIN (SELECT \
               CAST(SUM(CASE WHEN relationship = 'self' AND status NOT IN ('terminated','cobra_expired') \
                 THEN 1 ELSE 0 END) AS BIGINT) AS active_subscribers, \
               CAST(SUM(CASE WHEN relationship = 'self' AND status IN ('terminated','cobra_expired') \
                 THEN 1 ELSE 0 END) AS BIGINT) AS cancelled_subscribers, \
               CAST(SUM(CASE WHEN status NOT IN ('terminated','cobra_expired') THEN 1 ELSE 0 END) AS BIGINT) \
                 AS active_members \
               FROM members WHERE group_id = (SELECT id FROM employer_groups WHERE group_number = $1)) n ON 1 = 1 \
             WHERE g.group_number = $1",
            args![number],
        )
        .await
}

/// Covered members of a group whose 65th birthday is within the alert's
/// window (`domain::billing::turning_65_births`): a range of `members_group_birth`.
pub async fn turning_65(store: &Store, group_id: i64, today: NaiveDate) -> Result<i64, sqlx::Error> {
    let store = store.reads();
    let (from, to) = crate::domain::billing::turning_65_births(today);
    let (n,): (i64,) = store
        .fetch_one(
            "SELECT count(*) FROM members WHERE group_id = $1 AND birth_date >= $2 AND birth_date <= $3 \
             AND status NOT IN ('terminated','cobra_expired')",
            args![group_id, from, to],
        )
        .await?;
    Ok(n)
}

/// A person to reach at the group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Contact {
    pub role: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
}

/// A group's contacts, group administrator first.
pub async fn contacts(store: &Store, group_id: i64) -> Result<Vec<Contact>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT role, name, phone, email, address_line, city, state, zip FROM group_contacts WHERE group_id = $1 \
             ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'billing' THEN 1 WHEN 'hr' THEN 2 ELSE 3 END, id",
            args![group_id],
        )
        .await
}

/// The billing and payment figures of a group on a day, in cents. The
/// current bill is the latest one issued by that day; what came before it,
/// less what was paid before it was issued, is the balance forward.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct BillingFigures {
    /// Bills issued by the day (none: the group has not been billed).
    pub invoices: i64,
    pub balance_forward_cents: i64,
    /// The current bill's premium.
    pub current_amount_cents: i64,
    /// The current bill's adjustments (credits negative).
    pub adjustments_cents: i64,
    /// Paid since the current bill was issued.
    pub payments_cents: i64,
    /// Everything billed through the current bill less everything paid.
    pub balance_due_cents: i64,
    pub period_start: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub last_payment_on: Option<NaiveDate>,
    pub last_payment_cents: Option<i64>,
    /// Paid in all through the day.
    pub paid_cents: i64,
    /// Bills due before the day less everything paid (may be negative: a credit).
    pub past_due_raw_cents: i64,
}

/// The billing figures of a group on `today`, in one statement over its
/// invoices and payments (PostgreSQL's SUM of BIGINT is NUMERIC: cast back).
pub async fn billing(store: &Store, group_id: i64, today: NaiveDate) -> Result<BillingFigures, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_one(
            "WITH cur AS (SELECT period_start, issued_on, due_date, amount_cents, adjustment_cents FROM group_invoices \
               WHERE group_id = $1 AND issued_on <= $2 ORDER BY period_start DESC LIMIT 1), \
             billed AS (SELECT COALESCE(CAST(SUM(amount_cents + adjustment_cents) AS BIGINT), 0) AS cents, count(*) AS n \
               FROM group_invoices WHERE group_id = $1 AND issued_on <= $2), \
             before_cur AS (SELECT COALESCE(CAST(SUM(i.amount_cents + i.adjustment_cents) AS BIGINT), 0) AS cents \
               FROM group_invoices i, cur WHERE i.group_id = $1 AND i.period_start < cur.period_start), \
             paid_before AS (SELECT COALESCE(CAST(SUM(p.amount_cents) AS BIGINT), 0) AS cents \
               FROM group_payments p, cur WHERE p.group_id = $1 AND p.received_on < cur.issued_on), \
             paid_since AS (SELECT COALESCE(CAST(SUM(p.amount_cents) AS BIGINT), 0) AS cents \
               FROM group_payments p, cur WHERE p.group_id = $1 AND p.received_on >= cur.issued_on AND p.received_on <= $2), \
             paid AS (SELECT COALESCE(CAST(SUM(amount_cents) AS BIGINT), 0) AS cents FROM group_payments \
               WHERE group_id = $1 AND received_on <= $2), \
             due_before AS (SELECT COALESCE(CAST(SUM(amount_cents + adjustment_cents) AS BIGINT), 0) AS cents \
               FROM group_invoices WHERE group_id = $1 AND issued_on <= $2 AND due_date < $2), \
             last_pay AS (SELECT received_on, amount_cents FROM group_payments WHERE group_id = $1 AND received_on <= $2 \
               ORDER BY received_on DESC, id DESC LIMIT 1) \
             SELECT billed.n AS invoices, \
               before_cur.cents - paid_before.cents AS balance_forward_cents, \
               COALESCE((SELECT amount_cents FROM cur), 0) AS current_amount_cents, \
               COALESCE((SELECT adjustment_cents FROM cur), 0) AS adjustments_cents, \
               paid_since.cents AS payments_cents, \
               billed.cents - paid.cents AS balance_due_cents, \
               (SELECT period_start FROM cur) AS period_start, (SELECT due_date FROM cur) AS due_date, \
               (SELECT received_on FROM last_pay) AS last_payment_on, \
               (SELECT amount_cents FROM last_pay) AS last_payment_cents, \
               paid.cents AS paid_cents, due_before.cents - paid.cents AS past_due_raw_cents \
             FROM billed, before_cur, paid_before, paid_since, paid, due_before",
            args![group_id, today],
        )
        .await
}

/// One bill.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Invoice {
    pub id: i64,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub issued_on: NaiveDate,
    pub due_date: NaiveDate,
    pub amount_cents: i64,
    pub adjustment_cents: i64,
}

/// One payment received.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Payment {
    pub id: i64,
    pub received_on: NaiveDate,
    pub amount_cents: i64,
    pub method: String,
    pub reference: Option<String>,
}

/// The bills issued to a group by `today`, oldest first (the aging of the
/// balance needs all of them: a group has one a month).
pub async fn invoices(store: &Store, group_id: i64, today: NaiveDate) -> Result<Vec<Invoice>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT id, period_start, period_end, issued_on, due_date, amount_cents, adjustment_cents FROM group_invoices \
             WHERE group_id = $1 AND issued_on <= $2 ORDER BY period_start, id",
            args![group_id, today],
        )
        .await
}

/// The latest `limit` payments of a group received by `today`, newest first.
pub async fn recent_payments(
    store: &Store,
    group_id: i64,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<Payment>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT id, received_on, amount_cents, method, reference FROM group_payments \
             WHERE group_id = $1 AND received_on <= $2 ORDER BY received_on DESC, id DESC LIMIT $3",
            args![group_id, today, limit],
        )
        .await
}

/// Which subscribers a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriberScope {
    /// One group's (a suffix, or a parent alone).
    Group(i64),
    /// A parent's and every suffix's under it.
    Family(i64),
}

/// A subscriber as the group's list shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct SubscriberRow {
    pub id: i64,
    pub group_id: i64,
    pub group_number: String,
    /// The subscriber ID (member number).
    pub member_number: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(skip)]
    pub first_name_key: String,
    #[serde(skip)]
    pub last_name_key: String,
    pub member_type: String,
    pub birth_date: NaiveDate,
    pub ssn_last4: Option<String>,
    pub status: String,
    /// `coverage - plan name` of the subscriber's enrollment (active first), if any.
    pub plan: Option<String>,
}

impl SubscriberRow {
    /// The row's sort key, for the next page.
    pub fn cursor(&self) -> Cursor {
        args![self.group_id, self.last_name_key.clone(), self.first_name_key.clone(), self.id]
    }
}

/// The groups a scope covers, by id: the group, or the parent and its suffixes.
pub async fn scope_groups(store: &Store, scope: SubscriberScope) -> Result<Vec<i64>, sqlx::Error> {
    let store = store.reads();
    let rows: Vec<(i64,)> = match scope {
        SubscriberScope::Group(id) => return Ok(vec![id]),
        SubscriberScope::Family(id) => {
            store
                .fetch_all(
                    "SELECT id FROM employer_groups WHERE id = $1 OR parent_group_id = $1 ORDER BY id",
                    args![id],
                )
                .await?
        }
    };
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A page of subscribers by group, then name; `status` keeps one member
/// status. Each group's are a range of `members_group_subscribers`: within
/// one group the keyset leaves the group out (`group_id = ? AND (name…) >
/// (…)` is a range scan; with the group in the row value SQLite reads the
/// group from its start), so a whole family is best read group by group
/// (`scope_groups`), as the export does.
pub async fn subscribers(
    store: &Store,
    scope: SubscriberScope,
    status: Option<&str>,
    dir: &Dir,
    limit: usize,
) -> Result<Page<SubscriberRow>, sqlx::Error> {
    let store = store.reads();
    let mut q = Sql::new(
        "SELECT m.id, m.group_id, g.group_number, m.member_number, m.first_name, m.last_name, m.first_name_key, \
         m.last_name_key, m.member_type, m.birth_date, m.ssn_last4, m.status, \
         (SELECT p.coverage_type || ' - ' || p.name FROM enrollments n JOIN plans p ON p.id = n.plan_id \
          WHERE n.member_id = m.id ORDER BY CASE WHEN n.status = 'active' THEN 0 ELSE 1 END, p.id LIMIT 1) AS plan \
         FROM members m JOIN employer_groups g ON g.id = m.group_id WHERE m.relationship = 'self' AND ",
    );
    match scope {
        SubscriberScope::Group(id) => q.push("m.group_id = ").bind(id),
        SubscriberScope::Family(id) => q
            .push("m.group_id IN (SELECT id FROM employer_groups WHERE id = ")
            .bind(id)
            .push(" OR parent_group_id = ")
            .bind(id)
            .push(")"),
    };
    if let Some(s) = status {
        q.push(" AND m.status = ").bind(s);
    }
    match scope {
        SubscriberScope::Group(_) => {
            // The cursor's group is this group: key on the name and id alone.
            let tail = |k: &Cursor| k.get(1..).map(<[_]>::to_vec).unwrap_or_default();
            let within = match dir {
                Dir::After(k) => Dir::After(tail(k)),
                Dir::Before(k) => Dir::Before(tail(k)),
                Dir::From(k) => Dir::From(tail(k)),
                other => other.clone(),
            };
            q.keyset(&["m.last_name_key", "m.first_name_key", "m.id"], false, &within, limit, true);
        }
        SubscriberScope::Family(_) => {
            q.keyset(&["m.group_id", "m.last_name_key", "m.first_name_key", "m.id"], false, dir, limit, true);
        }
    }
    let (sql, a) = q.into_parts();
    Ok(Page::from_fetched(store.fetch_all(sql, a).await?, limit, dir))
}

/// A subscriber's fields as an export writes them, borrowed from the row
/// being read (nothing is copied per cell).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubscriberLine<'r> {
    pub group_number: &'r str,
    pub member_number: &'r str,
    pub last_name: &'r str,
    pub first_name: &'r str,
    pub member_type: &'r str,
    pub birth_date: NaiveDate,
    pub ssn_last4: Option<&'r str>,
    pub plan: Option<&'r str>,
    pub status: &'r str,
}

impl SubscriberRow {
    /// The row as an export writes it.
    pub fn line(&self) -> SubscriberLine<'_> {
        SubscriberLine {
            group_number: &self.group_number,
            member_number: &self.member_number,
            last_name: &self.last_name,
            first_name: &self.first_name,
            member_type: &self.member_type,
            birth_date: self.birth_date,
            ssn_last4: self.ssn_last4.as_deref(),
            plan: self.plan.as_deref(),
            status: &self.status,
        }
    }
}

/// Hands every subscriber of group `group` (of `status` if given) to
/// `each`, in the list's order (name, then id), until `each` fails; the
/// rows handed. On SQLite one statement stepped on this thread
/// (`direct`): through sqlx pages of 5 000 the export ran at 0.4–0.7x of
/// `sqlite3 -csv`, its time going to copying every cell into owned rows on
/// sqlx's worker thread and handing them over; memory holds one row. On
/// PostgreSQL pages of 5 000 (`subscribers`).
pub async fn each_subscriber<E>(
    store: &Store,
    group: i64,
    status: Option<&str>,
    mut each: impl FnMut(&SubscriberLine<'_>) -> Result<(), E>,
) -> Result<Result<usize, E>, sqlx::Error> {
    if store.backend() == super::Backend::Sqlite {
        let mut tx = store.reads().begin().await?;
        let read = tx
            .direct(|db| {
                let mut stmt = db.prepare::<2>(
                    "SELECT g.group_number, m.member_number, m.last_name, m.first_name, m.member_type, \
                     m.birth_date, m.ssn_last4, \
                     (SELECT p.coverage_type || ' - ' || p.name FROM enrollments n JOIN plans p ON p.id = n.plan_id \
                      WHERE n.member_id = m.id ORDER BY CASE WHEN n.status = 'active' THEN 0 ELSE 1 END, p.id LIMIT 1), \
                     m.status \
                     FROM members m JOIN employer_groups g ON g.id = m.group_id \
                     WHERE m.relationship = 'self' AND m.group_id = ?1 AND (?2 IS NULL OR m.status = ?2) \
                     ORDER BY m.last_name_key, m.first_name_key, m.id",
                )?;
                let (mut n, mut failed, mut bad) = (0, None, None);
                let status = status.map_or(super::arg::Cell::Null, super::arg::Cell::Text);
                stmt.run_while(&[super::arg::Cell::Int(group), status], |r| {
                    let text = |i| r.text(i).unwrap_or_default();
                    let birth = text(5);
                    let Ok(birth_date) = birth.parse::<NaiveDate>() else {
                        bad = Some(format!("a subscriber's birth date {birth:?} is no date"));
                        return false;
                    };
                    let (last4, plan) = (r.text(6), r.text(7));
                    let line = SubscriberLine {
                        group_number: &text(0),
                        member_number: &text(1),
                        last_name: &text(2),
                        first_name: &text(3),
                        member_type: &text(4),
                        birth_date,
                        ssn_last4: last4.as_deref(),
                        plan: plan.as_deref(),
                        status: &text(8),
                    };
                    match each(&line) {
                        Ok(()) => {
                            n += 1;
                            true
                        }
                        Err(e) => {
                            failed = Some(e);
                            false
                        }
                    }
                })?;
                if let Some(bad) = bad {
                    return Err(sqlx::Error::Decode(bad.into()));
                }
                Ok(failed.map_or(Ok(n), Err))
            })
            .await?;
        tx.commit().await?;
        return Ok(read);
    }
    let scope = SubscriberScope::Group(group);
    let (mut dir, mut n) = (Dir::First, 0);
    loop {
        // Pages of 5 000 rows (about 1 MB): a page is a statement and a
        // round trip, each costing what a few hundred rows do.
        let page = subscribers(store, scope, status, &dir, 5000).await?;
        for s in &page.rows {
            if let Err(e) = each(&s.line()) {
                return Ok(Err(e));
            }
        }
        n += page.rows.len();
        match page.rows.last() {
            Some(last) if page.more_after => dir = Dir::After(last.cursor()),
            _ => return Ok(Ok(n)),
        }
    }
}

/// A plan in one plan year: carrier, settings and monthly rates by tier.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct PlanYearRow {
    pub plan_id: i64,
    pub plan_code: String,
    pub name: String,
    pub coverage_type: String,
    pub carrier_code: Option<String>,
    pub carrier: Option<String>,
    pub carrier_phone: Option<String>,
    pub year: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub waiting_period_days: i64,
    pub cobra_admin_fee_pct: i64,
    pub rating_type: String,
    pub employee_cents: Option<i64>,
    pub employee_spouse_cents: Option<i64>,
    pub employee_children_cents: Option<i64>,
    pub family_cents: Option<i64>,
}

/// A group's plans in plan year `year`, by coverage then code. Rates are
/// the plan's `plan_rates` dated the plan year's first day.
pub async fn plans(store: &Store, group_id: i64, year: i64) -> Result<Vec<PlanYearRow>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT p.id AS plan_id, p.plan_code, p.name, p.coverage_type, c.code AS carrier_code, c.name AS carrier, \
             c.phone AS carrier_phone, y.year, y.starts_on, y.ends_on, y.waiting_period_days, y.cobra_admin_fee_pct, \
             y.rating_type, \
             (SELECT r.monthly_cents FROM plan_rates r WHERE r.plan_id = p.id AND r.effective_on = y.starts_on \
              AND r.tier = 'employee') AS employee_cents, \
             (SELECT r.monthly_cents FROM plan_rates r WHERE r.plan_id = p.id AND r.effective_on = y.starts_on \
              AND r.tier = 'employee_spouse') AS employee_spouse_cents, \
             (SELECT r.monthly_cents FROM plan_rates r WHERE r.plan_id = p.id AND r.effective_on = y.starts_on \
              AND r.tier = 'employee_children') AS employee_children_cents, \
             (SELECT r.monthly_cents FROM plan_rates r WHERE r.plan_id = p.id AND r.effective_on = y.starts_on \
              AND r.tier = 'family') AS family_cents \
             FROM plans p JOIN plan_years y ON y.plan_id = p.id LEFT JOIN carriers c ON c.id = p.carrier_id \
             WHERE p.group_id = $1 AND y.year = $2 \
             ORDER BY CASE p.coverage_type WHEN 'medical' THEN 0 WHEN 'dental' THEN 1 ELSE 2 END, p.plan_code, p.id",
            args![group_id, year],
        )
        .await
}

/// The plan years a group has plans in, with their first and last days, newest first.
pub async fn plan_years(store: &Store, group_id: i64) -> Result<Vec<(i64, NaiveDate, NaiveDate)>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT y.year, MIN(y.starts_on), MAX(y.ends_on) FROM plan_years y JOIN plans p ON p.id = y.plan_id \
             WHERE p.group_id = $1 GROUP BY y.year ORDER BY y.year DESC",
            args![group_id],
        )
        .await
}

/// One plan of a bundle.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct BundlePlan {
    pub bundle_id: i64,
    pub code: String,
    pub name: String,
    /// `QB`, `DIRECT_BILL` or `both`.
    pub offered_to: String,
    pub plan_code: String,
    pub plan_name: String,
}

/// A group's bundles, each with its plans (one row per plan), by code.
pub async fn bundles(store: &Store, group_id: i64) -> Result<Vec<BundlePlan>, sqlx::Error> {
    let store = store.reads();
    store
        .fetch_all(
            "SELECT b.id AS bundle_id, b.code, b.name, b.offered_to, p.plan_code, p.name AS plan_name \
             FROM plan_bundles b JOIN bundle_plans bp ON bp.bundle_id = b.id JOIN plans p ON p.id = bp.plan_id \
             WHERE b.group_id = $1 ORDER BY b.code, b.id, p.plan_code",
            args![group_id],
        )
        .await
}
