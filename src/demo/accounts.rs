//! The employer side of the demo: carriers, each group's key dates and
//! billing fields, contacts, plan years (prior and current, with rates and
//! settings) and bundles, its monthly bills and payments (most groups pay
//! on time; some pay late, some short, some stopped paying months ago), and
//! each account's communications.
//!
//! These draw from a generator of their own (`extras_rng`), so adding them
//! left every name, number and date the main generator makes as it was.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use rand::Rng;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::batch::Batch;
use super::names::*;
use crate::args;
use crate::domain::billing::next_renewal;
use crate::store::Tx;

/// The generator of the employer extras, apart from the main one.
pub fn extras_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ 0x0e3b_1a7e_5eed_0024)
}

/// The carriers every plan belongs to: (code, name, phone).
const CARRIERS: &[(&str, &str, &str)] = &[
    ("HNET", "Health Net", "(800) 522-0088"),
    ("BSCA", "Blue Shield of California", "(888) 256-1915"),
    ("KPCA", "Kaiser Permanente", "(800) 464-4000"),
    ("DELT", "Delta Dental", "(800) 765-6003"),
    ("VSPV", "VSP Vision Care", "(800) 877-7195"),
];

/// Standard industrial classification codes of the demo's employers.
const SIC_CODES: &[&str] = &["7372", "8011", "5812", "1521", "8062", "6411", "4213", "5411", "8211", "3599", "7389"];

/// Inserts the carriers.
pub async fn carriers(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let mut b = Batch::new("carriers", &["id", "code", "name", "phone"]);
    for (i, (code, name, phone)) in CARRIERS.iter().enumerate() {
        b.push(tx, args![i as i64 + 1, *code, *name, *phone]).await?;
    }
    b.flush(tx).await
}

/// The carrier of a group's plan: medical by employer, dental and vision their own.
pub fn carrier_of(coverage: &str, employer: i64) -> i64 {
    match coverage {
        "medical" => 1 + employer.rem_euclid(3),
        "dental" => 4,
        _ => 5,
    }
}

/// A group's key dates and billing fields, beside what the main generator drew.
pub struct GroupExtras {
    pub renewal_date: NaiveDate,
    pub renewal_month: u32,
    pub last_renewal_date: Option<NaiveDate>,
    pub suffix_effective_date: Option<NaiveDate>,
    pub cancellation_date: Option<NaiveDate>,
    pub sic_code: &'static str,
    pub rating_type: &'static str,
    pub address: (String, &'static str, &'static str, &'static str),
    pub phone: String,
    pub waiting_period_days: i64,
    /// First day of the plan year today falls in.
    pub plan_year_start: NaiveDate,
}

/// Draws a group's extras. `parent_effective` is its parent's original
/// effective date for a suffix.
pub fn group_extras(
    xr: &mut ChaCha8Rng,
    effective: NaiveDate,
    parent_effective: Option<NaiveDate>,
    status: &str,
    today: NaiveDate,
) -> GroupExtras {
    let month = effective.month();
    let renewal_date = next_renewal(month, today);
    let plan_year_start =
        if renewal_date == today { today } else { renewal_date.checked_sub_months(Months::new(12)).unwrap_or(today) };
    let (city, state, zip) = *CITIES.choose(xr).unwrap();
    GroupExtras {
        renewal_date,
        renewal_month: month,
        last_renewal_date: (plan_year_start > effective).then_some(plan_year_start),
        suffix_effective_date: parent_effective.map(|p| p.max(effective)),
        cancellation_date: (status == "terminated").then(|| today - Duration::days(xr.gen_range(10..400))),
        sic_code: SIC_CODES.choose(xr).unwrap(),
        rating_type: if xr.gen_bool(0.6) { "composite" } else { "age_banded" },
        address: (format!("{} {}", xr.gen_range(100..9999), STREETS.choose(xr).unwrap()), city, state, zip),
        phone: format!("({}) 555-{:04}", xr.gen_range(201..990), xr.gen_range(0..10_000)),
        waiting_period_days: [0, 30, 60, 90][xr.gen_range(0..4)],
        plan_year_start,
    }
}

/// The rows of the groups' plans, plan years, rates, bundles and contacts.
pub struct PlanRows {
    pub plans: Batch,
    pub years: Batch,
    pub rates: Batch,
    pub bundles: Batch,
    pub bundle_plans: Batch,
    pub contacts: Batch,
    next_rate: i64,
    next_year: i64,
    next_bundle: i64,
    next_bundle_plan: i64,
}

/// The three plans each group offers: (code, name, coverage, employee rate in cents).
pub const GROUP_PLANS: [(&str, &str, &str, i64); 3] = [
    ("MPPO", "Medical PPO 500", "medical", 62_000),
    ("DBAS", "Dental Basic", "dental", 4_500),
    ("VBAS", "Vision Basic", "vision", 1_200),
];

impl PlanRows {
    /// Empty batches.
    pub fn new() -> PlanRows {
        PlanRows {
            plans: Batch::new("plans", &["id", "group_id", "plan_code", "name", "coverage_type", "carrier_id"]),
            years: Batch::new(
                "plan_years",
                &[
                    "id",
                    "plan_id",
                    "year",
                    "starts_on",
                    "ends_on",
                    "waiting_period_days",
                    "cobra_admin_fee_pct",
                    "rating_type",
                ],
            ),
            rates: Batch::new("plan_rates", &["id", "plan_id", "tier", "monthly_cents", "effective_on"]),
            bundles: Batch::new("plan_bundles", &["id", "group_id", "code", "name", "offered_to"]),
            bundle_plans: Batch::new("bundle_plans", &["id", "bundle_id", "plan_id"]),
            contacts: Batch::new(
                "group_contacts",
                &["group_id", "role", "name", "phone", "email", "address_line", "city", "state", "zip"],
            ),
            next_rate: 0,
            next_year: 0,
            next_bundle: 0,
            next_bundle_plan: 0,
        }
    }

    /// A group's three plans (ids `first_plan`, +1, +2), each with the
    /// current plan year and, if the group is old enough, the prior one,
    /// rates by tier for each (the prior year's 7% lower), its bundles and
    /// its contacts.
    pub async fn group(
        &mut self,
        tx: &mut Tx,
        xr: &mut ChaCha8Rng,
        (group_id, employer, first_plan): (i64, i64, i64),
        effective: NaiveDate,
        x: &GroupExtras,
    ) -> Result<(), sqlx::Error> {
        let year_end =
            |start: NaiveDate| start.checked_add_months(Months::new(12)).unwrap_or(start) - Duration::days(1);
        let prior = x.plan_year_start.checked_sub_months(Months::new(12)).unwrap_or(x.plan_year_start);
        let mut starts = vec![(x.plan_year_start, 100)];
        if prior >= effective.with_day(1).unwrap_or(effective) {
            starts.push((prior, 93));
        }
        for (k, (code, name, coverage, employee)) in GROUP_PLANS.iter().enumerate() {
            let plan = first_plan + k as i64;
            self.plans.push(tx, args![plan, group_id, *code, *name, *coverage, carrier_of(coverage, employer)]).await?;
            for (start, pct) in &starts {
                self.next_year += 1;
                let year = i64::from(start.year());
                let row = args![
                    self.next_year,
                    plan,
                    year,
                    *start,
                    year_end(*start),
                    x.waiting_period_days,
                    2_i64,
                    x.rating_type
                ];
                self.years.push(tx, row).await?;
                for (tier, mult) in
                    [("employee", 100), ("employee_spouse", 200), ("employee_children", 180), ("family", 290)]
                {
                    self.next_rate += 1;
                    let cents = employee * mult / 100 * pct / 100;
                    self.rates.push(tx, args![self.next_rate, plan, tier, cents, *start]).await?;
                }
            }
        }
        for (code, name, offered_to, plans) in [
            ("MD", "Medical and dental", "both", &[0_i64, 1][..]),
            ("ALL", "Medical, dental and vision", "QB", &[0, 1, 2][..]),
            ("DV", "Dental and vision", "DIRECT_BILL", &[1, 2][..]),
        ] {
            self.next_bundle += 1;
            self.bundles.push(tx, args![self.next_bundle, group_id, code, name, offered_to]).await?;
            for k in plans {
                self.next_bundle_plan += 1;
                self.bundle_plans.push(tx, args![self.next_bundle_plan, self.next_bundle, first_plan + k]).await?;
            }
        }
        let (line, city, state, zip) = &x.address;
        for role in ["admin", "hr"] {
            if role == "hr" && xr.gen_bool(0.5) {
                continue;
            }
            let (first, last) = (FIRST.choose(xr).unwrap(), LAST.choose(xr).unwrap());
            let email = format!("{}.{}@group{group_id}.example", first.to_lowercase(), last.to_lowercase());
            let phone = format!("({}) 555-{:04}", xr.gen_range(201..990), xr.gen_range(0..10_000));
            let row = args![group_id, role, format!("{first} {last}"), phone, email, line.clone(), *city, *state, *zip];
            self.contacts.push(tx, row).await?;
        }
        Ok(())
    }

    /// Inserts what is left.
    pub async fn flush(&mut self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        for b in [
            &mut self.plans,
            &mut self.years,
            &mut self.rates,
            &mut self.bundles,
            &mut self.bundle_plans,
            &mut self.contacts,
        ] {
            b.flush(tx).await?;
        }
        Ok(())
    }
}

/// How a group pays its bills.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Payer {
    OnTime,
    Late,
    Short,
    /// Stopped paying this many months ago.
    Stopped(u32),
}

/// A group as the billing seeder needs it.
pub struct BilledGroup {
    pub id: i64,
    pub employer: i64,
    pub status: String,
    pub effective: NaiveDate,
    pub cancellation_date: Option<NaiveDate>,
    /// Its subscribers, of every status.
    pub subscribers: u64,
}

/// Monthly bills for the last year (issued on the 11th of the month before
/// the period, due on its first day) and the payments against them, then
/// each employer's communications. Groups with no subscribers, and pending
/// ones, have never been billed.
pub async fn billing_and_communications(
    tx: &mut Tx,
    xr: &mut ChaCha8Rng,
    groups: &[BilledGroup],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let today = now.date_naive();
    let mut inv = Batch::new(
        "group_invoices",
        &["group_id", "period_start", "period_end", "issued_on", "due_date", "amount_cents", "adjustment_cents"],
    );
    let mut pay = Batch::new("group_payments", &["group_id", "received_on", "amount_cents", "method", "reference"]);
    let mut com = Batch::new(
        "account_communications",
        &["employer_id", "group_id", "sent_at", "channel", "subject", "body", "sent_by"],
    );
    let this_month = today.with_day(1).unwrap_or(today);
    let (mut payment_no, mut billed) = (0u64, 0u64);
    for g in groups {
        if g.subscribers > 0 && g.status != "pending" {
            // In every ten groups billed, one stopped paying, one pays short
            // and one late: even the smallest demo has each kind.
            billed += 1;
            let payer = match billed % 10 {
                3 => Payer::Stopped(xr.gen_range(2..6)),
                6 => Payer::Short,
                9 => Payer::Late,
                _ => Payer::OnTime,
            };
            let base = g.subscribers as i64 * (62_000 + 4_500) + xr.gen_range(0..10_000);
            for m in -11..=1_i32 {
                let Some(period) = shift_months(this_month, m) else { continue };
                let issued = period - Duration::days(20);
                if issued > today
                    || period < g.effective.with_day(1).unwrap_or(g.effective)
                    || g.cancellation_date.is_some_and(|c| period > c)
                {
                    continue;
                }
                let amount = base + base * i64::from(xr.gen_range(-3..=3_i32)) / 100;
                let adjustment = match xr.gen_range(0..100) {
                    0..10 => -xr.gen_range(1_000..(amount / 20).max(1_001)),
                    10..15 => xr.gen_range(1_000..20_000),
                    _ => 0,
                };
                let end = shift_months(period, 1).unwrap_or(period) - Duration::days(1);
                inv.push(tx, args![g.id, period, end, issued, period, amount, adjustment]).await?;
                let owed = amount + adjustment;
                let months_ago =
                    (this_month.year() - period.year()) * 12 + this_month.month() as i32 - period.month() as i32;
                let (paid, received) = match payer {
                    Payer::OnTime => (owed, period - Duration::days(xr.gen_range(0..10))),
                    Payer::Late => (owed, period + Duration::days(xr.gen_range(5..25))),
                    Payer::Short => (owed * 9 / 10, period - Duration::days(xr.gen_range(0..5))),
                    Payer::Stopped(k) if months_ago >= k as i32 => (owed, period - Duration::days(xr.gen_range(0..10))),
                    Payer::Stopped(_) => (0, period),
                };
                if paid > 0 && received <= today {
                    payment_no += 1;
                    let method = ["check", "ach", "ach", "wire", "card"][xr.gen_range(0..5)];
                    pay.push(tx, args![g.id, received, paid, method, format!("GP-{payment_no:08}")]).await?;
                }
            }
            if matches!(payer, Payer::Stopped(_)) {
                let sent = now - Duration::days(xr.gen_range(1..20));
                let body = "Your group's premium is past due. Pay the balance to keep coverage in force.";
                com.push(tx, args![g.employer, g.id, sent, "mail", "Past-due notice", body, "billing"]).await?;
            }
        }
        for _ in 0..xr.gen_range(1..4) {
            let (channel, subject, body, by) = *[
                (
                    "email",
                    "Renewal package sent",
                    "The renewal rates and plan options for next year are attached.",
                    "renewals",
                ),
                ("mail", "Invoice mailed", "The monthly invoice was mailed to the billing address on file.", "billing"),
                (
                    "phone",
                    "Billing question answered",
                    "The group administrator asked about a retro credit; explained.",
                    "support",
                ),
                (
                    "portal",
                    "Census file received",
                    "A demographic file was uploaded through the employer portal.",
                    "portal",
                ),
            ]
            .choose(xr)
            .unwrap();
            let sent = now - Duration::days(xr.gen_range(1..400)) - Duration::minutes(xr.gen_range(0..1440));
            let group = xr.gen_bool(0.5).then_some(g.id);
            com.push(tx, args![g.employer, group, sent, channel, subject, body, by]).await?;
        }
    }
    for b in [&mut inv, &mut pay, &mut com] {
        b.flush(tx).await?;
    }
    Ok(())
}

fn shift_months(d: NaiveDate, m: i32) -> Option<NaiveDate> {
    if m >= 0 {
        d.checked_add_months(Months::new(m as u32))
    } else {
        d.checked_sub_months(Months::new(m.unsigned_abs()))
    }
}
