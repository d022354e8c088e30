//! `portaldesk employer|group …` and `broker book`: employers, groups and
//! the book of business without a screen. Each builds its `Request` and
//! asks `Ops::execute`; refusals (an unknown EIN or group, a year with no
//! plans, a group never billed, a date range that runs backwards) are
//! printed in words with exit code 1.

use super::json::{Book, Exported, ListPage, Rows, Subscribers};
use super::{read, report};
use crate::cli::{BookArgs, BrokerCmd, Cmd, EmployerCmd, GroupCmd};
use crate::domain::billing::{Alert, dollars, month_name, waiting_period};
use crate::domain::member_query::parse_date;
use crate::domain::text::{clip, sanitize};
use crate::fatal::Fatal;
use crate::ops::employers::{EmployerView, GroupBilling, GroupFile, GroupPlans, SubscriberView};
use crate::ops::request::{Env, Request};
use crate::ops::{OpError, Ops};
use crate::store::book::BookFilter;
use crate::store::employers::EmployerRow;
use crate::store::lists::ListItem;
use crate::store::{Dir, Page};

fn icons(alerts: &[Alert]) -> String {
    alerts.iter().map(|a| a.name()).collect::<Vec<_>>().join(",")
}

fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

/// The book's filters from the flags, dates and alert read as typed.
pub fn book_filter(a: &BookArgs) -> Result<BookFilter, OpError> {
    let date = |s: &Option<String>| s.as_deref().map(parse_date).transpose().map_err(OpError::Invalid);
    Ok(BookFilter {
        broker: None,
        group_name: a.name.clone(),
        parent_number: a.parent.as_ref().map(|p| p.trim().to_uppercase()),
        suffix: a.suffix.clone(),
        status: a.status.as_ref().map(|s| s.trim().to_lowercase()),
        alert: a.alert.as_deref().map(Alert::parse).transpose().map_err(OpError::Invalid)?,
        plan_name: a.plan.clone(),
        plan_type: a.plan_type.as_ref().map(|s| s.trim().to_lowercase()),
        original_from: date(&a.enrolled_from)?,
        original_to: date(&a.enrolled_to)?,
        renewal_from: date(&a.renewal_from)?,
        renewal_to: date(&a.renewal_to)?,
    })
}

fn employer_text(v: &EmployerView) -> String {
    let e = &v.file.employer;
    let mut out = vec![sanitize(&format!("{}  EIN {}  {} group(s)", e.legal_name, e.ein, e.groups))];
    for g in &v.file.groups {
        let indent = if g.parent_group_id.is_some() { "  └ " } else { "" };
        out.push(sanitize(&format!(
            "group       {indent}{} {} · {} · {} subscribers · renews {}",
            g.group_number, g.name, g.status, g.subscribers, g.renewal_date
        )));
    }
    for c in &v.contacts {
        out.push(sanitize(&format!(
            "contact     {} {} {} {} {}",
            c.group_number,
            c.role,
            c.name,
            c.phone.as_deref().unwrap_or("-"),
            c.email.as_deref().unwrap_or("-")
        )));
    }
    for u in &v.portal_users {
        out.push(sanitize(&format!("portal user {} {} <{}> {}", u.first_name, u.last_name, u.email, u.status)));
    }
    for c in &v.codes {
        out.push(format!("code        {} …{} {} expires {}", c.id, c.last4, c.status, c.expires_at.date_naive()));
    }
    for j in &v.imports {
        out.push(sanitize(&format!(
            "import      {} {} {} {} ({} ok, {} failed)",
            j.id, j.kind, j.status, j.file_name, j.ok_rows, j.failed_rows
        )));
    }
    for c in &v.cases {
        out.push(sanitize(&format!(
            "case        {} {} {} {} {}",
            c.case_number,
            c.queue,
            c.status,
            c.group_number,
            clip(&c.subject, 40)
        )));
    }
    for c in &v.communications {
        out.push(sanitize(&format!(
            "message     {} {} {}{}",
            c.sent_at.date_naive(),
            c.channel,
            clip(&c.subject, 50),
            c.group_number.as_deref().map(|g| format!(" ({g})")).unwrap_or_default()
        )));
    }
    out.join("\n")
}

fn group_text(f: &GroupFile) -> String {
    let d = &f.detail;
    let month = d.renewal_month.and_then(|m| u32::try_from(m).ok()).filter(|m| (1..=12).contains(m));
    let mut out = vec![
        sanitize(&format!("{} {} · {} · {} (EIN {})", d.group_number, d.name, d.status, d.employer, d.ein)),
        format!("parent           {}", d.parent_number.as_deref().unwrap_or("- (a parent group)")),
        format!("sic code         {}", d.sic_code.as_deref().unwrap_or("-")),
        format!("rating type      {}", d.rating_type.as_deref().unwrap_or("-")),
        format!("original eff.    {}", d.original_effective_date),
        format!("parent eff.      {}", d.parent_effective_date),
        format!("suffix eff.      {}", day(d.suffix_effective_date)),
        format!("cancellation     {}", day(d.cancellation_date)),
        format!("subscribers      {} active, {} cancelled", d.active_subscribers, d.cancelled_subscribers),
        format!("current premium  {}", f.current_premium_cents.map_or_else(|| "not billed yet".into(), dollars)),
        format!(
            "renewal          {}{} · last {}",
            month.map_or("month not on file", month_name),
            f.next_renewal.map(|n| format!(" (next {n})")).unwrap_or_default(),
            day(d.last_renewal_date)
        ),
        format!("waiting period   {}", d.waiting_period_days.map_or_else(|| "-".into(), waiting_period)),
        sanitize(&format!(
            "billing contact  {} {}",
            d.billing_contact_name.as_deref().unwrap_or("-"),
            d.billing_contact_phone.as_deref().unwrap_or("-")
        )),
        format!("alerts           {}", if f.alerts.is_empty() { "none".into() } else { icons(&f.alerts) }),
    ];
    for c in &f.contacts {
        out.push(sanitize(&format!(
            "contact          {} {} {} {}",
            c.role,
            c.name,
            c.phone.as_deref().unwrap_or("-"),
            c.email.as_deref().unwrap_or("-")
        )));
    }
    out.join("\n")
}

fn billing_text(b: &GroupBilling) -> String {
    let f = &b.figures;
    let mut out = vec![
        format!("group            {}", b.group_number),
        format!("balance forward  {}", dollars(f.balance_forward_cents)),
        format!("current due      {} (period from {})", dollars(f.current_amount_cents), day(f.period_start)),
        format!("adjustments      {}", dollars(f.adjustments_cents)),
        format!("payments         {}", dollars(f.payments_cents)),
        format!("balance due      {} by {}", dollars(f.balance_due_cents), day(f.due_date)),
        format!(
            "last payment     {}",
            match (f.last_payment_on, f.last_payment_cents) {
                (Some(d), Some(c)) => format!("{d} {}", dollars(c)),
                _ => "none".into(),
            }
        ),
        format!("past due         {}", dollars(b.past_due_cents)),
    ];
    for i in b.invoices.iter().rev().take(12) {
        out.push(format!(
            "bill             {} due {} {} adj {}",
            i.period_start,
            i.due_date,
            dollars(i.amount_cents),
            dollars(i.adjustment_cents)
        ));
    }
    for p in &b.payments {
        out.push(sanitize(&format!("payment          {} {} {}", p.received_on, dollars(p.amount_cents), p.method)));
    }
    out.join("\n")
}

fn plans_text(p: &GroupPlans) -> String {
    let cents = |c: Option<i64>| c.map_or_else(|| "-".to_owned(), dollars);
    let years: Vec<String> = p.years.iter().map(i64::to_string).collect();
    let mut out = vec![format!(
        "plan year {}{} · on file {}",
        p.year,
        if p.year == p.current_year { " (current)" } else { "" },
        years.join(", ")
    )];
    for r in &p.plans {
        out.push(sanitize(&format!(
            "plan {} {} {} · {} · EE {} · EE+spouse {} · EE+children {} · family {} · {} · COBRA fee {}% · {}",
            r.plan_code,
            r.name,
            r.coverage_type,
            r.carrier.as_deref().unwrap_or("no carrier"),
            cents(r.employee_cents),
            cents(r.employee_spouse_cents),
            cents(r.employee_children_cents),
            cents(r.family_cents),
            waiting_period(r.waiting_period_days),
            r.cobra_admin_fee_pct,
            r.rating_type
        )));
    }
    for (i, b) in p.bundles.iter().enumerate() {
        if i > 0 && p.bundles[i - 1].bundle_id == b.bundle_id {
            continue;
        }
        let plans: Vec<&str> =
            p.bundles[i..].iter().take_while(|x| x.bundle_id == b.bundle_id).map(|x| x.plan_code.as_str()).collect();
        out.push(sanitize(&format!("bundle {} {} (for {}): {}", b.code, b.name, b.offered_to, plans.join(", "))));
    }
    out.join("\n")
}

fn subscriber_line(s: &SubscriberView) -> String {
    let r = &s.row;
    sanitize(&format!(
        "{} {} {}, {} {} {} {} {}",
        r.group_number,
        r.member_number,
        r.last_name,
        r.first_name,
        r.status,
        r.plan.as_deref().unwrap_or("-"),
        crate::domain::ssn::mask(r.ssn_last4.as_deref()),
        icons(&s.alerts)
    ))
}

/// Runs an employer or group subcommand, or `broker book`.
pub async fn run(ops: &Ops, env: &Env<'_>, cmd: Cmd) -> Result<u8, Fatal> {
    let limit = |n: usize| n.clamp(1, 10_000);
    Ok(match cmd {
        Cmd::Employer(EmployerCmd::Find { query, limit: n, json }) => {
            let req = Request::EmployerFind { query, dir: Dir::First, limit: limit(n) };
            let r = read(ops.ask::<Page<EmployerRow>>(env, req).await)?;
            let r = r.map(|p| ListPage { view: None, more: p.more_after, rows: Rows::Employers(p.rows) });
            report(json.json, r, |p| {
                let Rows::Employers(rows) = &p.rows else { return String::new() };
                rows.iter()
                    .map(|e| {
                        crate::columns::cells(&ListItem::Employer(e.clone()), ops.now(), &Default::default()).join("  ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Cmd::Employer(EmployerCmd::Show { query, json }) => {
            let r = read(ops.ask::<EmployerView>(env, Request::EmployerView { query }).await)?;
            report(json.json, r, employer_text)
        }
        Cmd::Group(GroupCmd::Show { group, json }) => {
            let r = read(ops.ask::<GroupFile>(env, Request::GroupView { group }).await)?;
            report(json.json, r, group_text)
        }
        Cmd::Group(GroupCmd::Billing { group, json }) => {
            let r = read(ops.ask::<GroupBilling>(env, Request::GroupBilling { group }).await)?;
            report(json.json, r, billing_text)
        }
        Cmd::Group(GroupCmd::Plans { group, year, json }) => {
            let r = read(ops.ask::<GroupPlans>(env, Request::GroupPlans { group, year }).await)?;
            report(json.json, r, plans_text)
        }
        Cmd::Group(GroupCmd::Subscribers { group, status, family, csv: Some(path), json, .. }) => {
            let req = Request::GroupExport { group, family, status, path: path.clone() };
            let r = read(ops.ask::<usize>(env, req).await)?;
            let r = r.map(|rows| Exported { file: path.display().to_string(), rows });
            report(json.json, r, |e| format!("exported {} subscribers to {}", e.rows, e.file))
        }
        Cmd::Group(GroupCmd::Subscribers { group, status, family, csv: None, limit: n, json }) => {
            let req = Request::GroupSubscribers {
                group: group.clone(),
                family,
                status: status.clone(),
                dir: Dir::First,
                limit: limit(n),
            };
            let r = read(ops.ask::<Page<SubscriberView>>(env, req).await)?;
            let r = r.map(|p| Subscribers {
                group: group.trim().to_uppercase(),
                family,
                status,
                more: p.more_after,
                subscribers: p.rows,
            });
            report(json.json, r, |s| {
                let mut lines: Vec<String> = s.subscribers.iter().map(subscriber_line).collect();
                if lines.is_empty() {
                    lines.push(format!(
                        "{} has no subscribers{}",
                        s.group,
                        s.status.as_deref().map(|st| format!(" with status {st}")).unwrap_or_default()
                    ));
                }
                if s.more {
                    lines.push("… more: raise --limit or write them all with --csv FILE".into());
                }
                lines.join("\n")
            })
        }
        Cmd::Broker(BrokerCmd::Book { npn, filter, csv, limit: n, json }) => {
            let filter = match book_filter(&filter) {
                Ok(f) => Box::new(f),
                Err(e) => return Ok(report(json.json, Err::<(), _>(e), |_| String::new())),
            };
            if let Some(path) = csv {
                let req = Request::BrokerBookExport { npn, filter, path: path.clone() };
                let r = read(ops.ask::<usize>(env, req).await)?;
                let r = r.map(|rows| Exported { file: path.display().to_string(), rows });
                return Ok(report(json.json, r, |e| format!("exported {} groups to {}", e.rows, e.file)));
            }
            let req = Request::BrokerBook { npn: npn.clone(), filter, dir: Dir::First, limit: limit(n) };
            let r = read(ops.ask::<Page<crate::ops::employers::BookView>>(env, req).await)?;
            let r = r.map(|p| Book { npn, more: p.more_after, groups: p.rows });
            report(json.json, r, |b| {
                let mut lines: Vec<String> = b
                    .groups
                    .iter()
                    .map(|g| {
                        let r = &g.row;
                        sanitize(&format!(
                            "{:<12} {:<28} {:<10} eff {} renews {} subs {:<5} {}",
                            r.group_number,
                            clip(&r.name, 28),
                            r.status,
                            r.original_effective_date,
                            r.renewal_date,
                            r.subscribers,
                            icons(&g.alerts)
                        ))
                    })
                    .collect();
                if lines.is_empty() {
                    lines.push("no group of this broker's book matches".into());
                }
                if b.more {
                    lines.push("… more: raise --limit or narrow with the filters".into());
                }
                lines.join("\n")
            })
        }
        _ => return Err(Fatal::new("not an employer, group or book command")),
    })
}
