//! What each report of the catalogue writes: its queries, a page at a
//! time where a report may run to millions of rows, and each line's cells
//! (the COBRA facts from `domain::cobra`, a group's aging from
//! `domain::billing`). `reports.rs` runs the job around it.

use chrono::{Duration, NaiveDate};

use super::reports::{Output, Stop};
use crate::domain::billing::{self, Charge};
use crate::domain::cobra;
use crate::domain::report_catalogue::{Params, ReportSpec};
use crate::store::Store;
use crate::store::reports::{self as store, EventRow};

/// Rows read per query: a page, never the whole report.
const PAGE: i64 = 2_000;

impl Output<'_> {
    /// The report's rows, read through `store`.
    pub(super) async fn report_on(&mut self, store: &Store, spec: &ReportSpec, params: &Params) -> Result<(), Stop> {
        let group = params.text("group");
        let now = self.now();
        match spec.name {
            "qualifying-events" => {
                let (from, to) = (params.date("from").unwrap_or_default(), params.date("to").unwrap_or_default());
                let mut after = 0;
                loop {
                    let page = store::events_in_period(store, from, to, group, after, PAGE).await?;
                    for e in &page {
                        let f = facts(e);
                        self.row(event_cells(e, vec![e.notice_date.to_string(), f.0.to_string(), f.1.to_string()]))
                            .await?;
                    }
                    match page.last() {
                        Some(last) if page.len() as i64 == PAGE => after = last.id,
                        _ => break,
                    }
                }
            }
            "election-deadlines" => {
                let days = params.days("days").unwrap_or(30);
                let today = now.date_naive();
                // deadline = the later of loss and notice + 60 days, so a
                // deadline in today..=today+days is a later date in this window.
                let (from, to) = (today - Duration::days(60), today + Duration::days(days - 60));
                let mut after = 0;
                loop {
                    let page = store::unelected_events(store, from, to, group, after, PAGE).await?;
                    for e in &page {
                        let deadline = facts(e).0;
                        let left = (deadline - today).num_days();
                        self.row(event_cells(e, vec![deadline.to_string(), left.to_string()])).await?;
                    }
                    match page.last() {
                        Some(last) if page.len() as i64 == PAGE => after = last.id,
                        _ => break,
                    }
                }
            }
            "case-sla" => {
                for r in store::case_sla(store, params.text("queue"), now).await? {
                    let cells = vec![
                        r.queue,
                        r.assignee.unwrap_or_else(|| "(unassigned)".into()),
                        r.open.to_string(),
                        r.overdue.to_string(),
                        r.oldest_due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    ];
                    self.row(cells).await?;
                }
            }
            "delinquency-aging" => {
                // A group's bills arrive together (ordered by group); its
                // payments settle its oldest bills first (domain::billing).
                let as_of = params.date("as_of").unwrap_or_else(|| now.date_naive());
                let paid: std::collections::HashMap<String, i64> =
                    store::paid_by_group(store, as_of, group).await?.into_iter().collect();
                let bills = store::bills_by_group(store, as_of, group).await?;
                for chunk in bills.chunk_by(|a, b| a.group_number == b.group_number) {
                    let number = &chunk[0].group_number;
                    let charges: Vec<Charge> =
                        chunk.iter().map(|b| Charge { due_date: b.due_date, cents: b.cents }).collect();
                    let a = billing::aging(&charges, paid.get(number).copied().unwrap_or(0), as_of);
                    if a.past_due() > 0 {
                        let cents = [a.days_0_30, a.days_31_60, a.days_61_90, a.over_90, a.past_due()];
                        self.row(money_cells(number, &cents)).await?;
                    }
                }
            }
            "premiums-billed-paid" => {
                let (from, to) = (params.date("from").unwrap_or_default(), params.date("to").unwrap_or_default());
                for t in store::premiums_in_period(store, from, to, group).await? {
                    let balance = t.billed_cents + t.adjustments_cents - t.paid_cents;
                    let cents = [t.billed_cents, t.adjustments_cents, t.paid_cents, balance];
                    self.row(money_cells(&t.group_number, &cents)).await?;
                }
            }
            "qb-roster" => {
                let status = params.text("status").unwrap_or("active");
                let mut after = 0;
                let mut cells = RosterCells::default();
                if store.backend() == crate::store::Backend::Sqlite {
                    // Rows stepped straight into the chunk being filled, a
                    // chunk stored each time one is full, all in one read
                    // transaction (see `qb_roster_each`).
                    let mut snapshot = store.begin().await?;
                    loop {
                        let read = store::qb_roster_each(&mut snapshot, group, status, after, |m| {
                            cells.fill(m);
                            self.push_row(&cells.as_array())
                        })
                        .await?;
                        after = read.last_id;
                        if read.ended {
                            break;
                        }
                        self.flush_full().await?;
                    }
                    snapshot.rollback().await?;
                } else if let Some(mut copy) = store::qb_roster_copy(store, group, status).await? {
                    loop {
                        let ended = copy
                            .each(|m| {
                                cells.fill(m);
                                self.push_row(&cells.as_array())
                            })
                            .await?;
                        if ended {
                            break;
                        }
                        self.flush_full().await?;
                    }
                } else if store.backend() == crate::store::Backend::Postgres {
                    loop {
                        let page = store::qb_roster(store, group, status, after, PAGE).await?;
                        for m in &page {
                            cells.fill(&m.line());
                            self.row_of(&cells.as_array()).await?;
                        }
                        match page.last() {
                            Some(last) if page.len() as i64 == PAGE => after = last.id,
                            _ => break,
                        }
                    }
                }
            }
            "enrollment-census" => {
                let day = params.date("as_of").unwrap_or_else(|| now.date_naive());
                for r in store::census(store, day, group).await? {
                    self.row(vec![r.group_number, r.plan, r.tier, r.enrolled.to_string()]).await?;
                }
            }
            "import-errors" => {
                let (from, to) = (params.date("from").unwrap_or_default(), params.date("to").unwrap_or_default());
                let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                for r in store::import_errors(store, start(from), start(to) + Duration::days(1)).await? {
                    let last = r.last_seen.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                    self.row(vec![r.employer, r.ein, r.code, r.rows.to_string(), last]).await?;
                }
            }
            "broker-book" => {
                let npn =
                    crate::domain::npn::parse_npn(params.text("npn").unwrap_or_default()).map_err(Stop::Failed)?;
                let Some((broker, agency)) = store::broker_by_npn(store, &npn).await? else {
                    return Err(Stop::Failed(format!("no broker with NPN {npn}")));
                };
                let grants = store::book_grants(store, broker, agency, now.date_naive()).await?;
                for same in grants.chunk_by(|a, b| a.group_number == b.group_number) {
                    self.row(book_cells(same)).await?;
                }
            }
            "payments-received" => {
                let (from, to) = (params.date("from").unwrap_or_default(), params.date("to").unwrap_or_default());
                // Days fold into months; (month, source, method) is the order.
                let mut months: std::collections::BTreeMap<(String, String, String), (i64, i64)> = Default::default();
                for d in store::payments_by_day(store, from, to).await? {
                    let key = (crate::domain::commission::month_text(d.received_on), d.source, d.method);
                    let e = months.entry(key).or_default();
                    e.0 += d.payments;
                    e.1 += d.amount_cents;
                }
                for ((month, source, method), (n, cents)) in months {
                    self.row(vec![month, source, method, n.to_string(), cents.to_string()]).await?;
                }
            }
            "commissions-by-broker" => {
                let month = params.date("month").unwrap_or_default();
                for t in crate::store::commissions::totals_for_month(store, month, params.text("npn")).await? {
                    let cells = vec![
                        t.npn,
                        t.broker,
                        t.groups.to_string(),
                        t.premium_cents.to_string(),
                        t.commission_cents.to_string(),
                    ];
                    self.row(cells).await?;
                }
            }
            other => return Err(Stop::Failed(format!("{other} is not a report of the catalogue"))),
        }
        Ok(())
    }
}

/// A group's line of an accounting report: its number, then amounts in cents.
fn money_cells(group: &str, cents: &[i64]) -> Vec<String> {
    std::iter::once(group.to_owned()).chain(cents.iter().map(i64::to_string)).collect()
}

/// A QB roster line: the member, its latest event with the deadline and
/// coverage end it gives (blank without one), and its status. Its texts
/// are kept from row to row, so a line copies its cells into buffers
/// already grown rather than into new strings.
#[derive(Debug, Default)]
struct RosterCells {
    member: String,
    name: String,
    group: String,
    event: &'static str,
    date: String,
    end: String,
    deadline: String,
    status: String,
}

impl RosterCells {
    fn fill(&mut self, m: &store::RosterLine<'_>) {
        use std::fmt::Write;
        let set = |to: &mut String, from: &str| {
            to.clear();
            to.push_str(from);
        };
        set(&mut self.member, m.member_number);
        self.name.clear();
        let _ = write!(self.name, "{}, {}", m.last_name, m.first_name);
        set(&mut self.group, m.group_number);
        set(&mut self.status, m.status);
        self.event = "";
        self.date.clear();
        self.end.clear();
        self.deadline.clear();
        if let (Some(code), Some(date), Some(loss), Some(notice)) =
            (m.event_code, m.event_date, m.loss_of_coverage_date, m.notice_date)
        {
            let disabled = m.disability_extension.unwrap_or(false);
            let f = cobra::event_facts(code, disabled, loss, notice, m.election_date);
            self.event = cobra::event_name(code);
            let _ = write!(self.date, "{date}");
            let _ = write!(self.end, "{}", f.coverage_end);
            let _ = write!(self.deadline, "{}", f.election_deadline);
        }
    }

    fn as_array(&self) -> [&str; 8] {
        [&self.member, &self.name, &self.group, self.event, &self.date, &self.end, &self.deadline, &self.status]
    }
}

/// A group of a broker's book from the grants in force that reach it:
/// what they allow together (a downline agency's grant allows viewing only).
fn book_cells(grants: &[store::BookGrant]) -> Vec<String> {
    let g = &grants[0];
    let own = |f: fn(&store::BookGrant) -> bool| grants.iter().any(|a| a.via != "downline" && f(a));
    let mut access = vec!["view"];
    if own(|a| a.can_enroll) {
        access.push("enroll");
    }
    if own(|a| a.can_bill) {
        access.push("bill");
    }
    vec![
        g.group_number.clone(),
        g.group_name.clone(),
        g.status.clone(),
        g.subscribers.to_string(),
        g.renewal_month.map(|m| m.to_string()).unwrap_or_default(),
        access.join("+"),
    ]
}

/// An event's election deadline and coverage end.
fn facts(e: &EventRow) -> (NaiveDate, NaiveDate) {
    let f = cobra::event_facts(
        e.event_code,
        e.disability_extension,
        e.loss_of_coverage_date,
        e.notice_date,
        e.election_date,
    );
    (f.election_deadline, f.coverage_end)
}

/// The member and event columns the event reports share, then `rest`.
fn event_cells(e: &EventRow, rest: Vec<String>) -> Vec<String> {
    let mut cells = vec![
        e.member_number.clone(),
        format!("{}, {}", e.last_name, e.first_name),
        e.group_number.clone(),
        cobra::event_name(e.event_code).to_owned(),
        e.event_date.to_string(),
    ];
    cells.extend(rest);
    cells
}
