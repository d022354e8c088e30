//! Employers and groups on SQLite and PostgreSQL: billing figures against
//! groups whose bills and payments were worked out by hand, prior-year plans
//! and rates, a parent's subscriber list holding every suffix's, each filter
//! of the book of business, keyset paging, the tree order, the audit of a
//! billing read, bad input in words, and the demo's groups agreeing with
//! the domain's rules.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use portaldesk::args;
use portaldesk::domain::billing::{self, Alert};
use portaldesk::domain::role::Role;
use portaldesk::ops::{Clock, OpError, Ops};
use portaldesk::store::book::BookFilter;
use portaldesk::store::testing::{StoreSql, TxSql};
use portaldesk::store::{Dir, Store, staff};

/// The fixed "now": 2026-11-23.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// (id, employer, parent, number, suffix, name, status, effective, renewal month, renewal date, cancelled)
type Group = (
    i64,
    i64,
    Option<i64>,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    NaiveDate,
    i64,
    NaiveDate,
    Option<NaiveDate>,
);

fn groups() -> Vec<Group> {
    vec![
        (1, 1, None, "ACM101", None, "Acme Tools", "active", d(2019, 3, 1), 12, d(2026, 12, 1), None),
        (2, 1, Some(1), "ACM101-01", Some("01"), "Acme Tools West", "active", d(2021, 7, 1), 3, d(2027, 3, 1), None),
        (
            3,
            1,
            Some(1),
            "ACM101-02",
            Some("02"),
            "Acme Tools East",
            "terminated",
            d(2018, 7, 1),
            7,
            d(2027, 7, 1),
            Some(d(2026, 6, 30)),
        ),
        (4, 2, None, "BIR200", None, "Birch Bakery", "pending", d(2026, 10, 1), 10, d(2027, 10, 1), None),
        (5, 1, None, "ACM050", None, "Acme Labs", "active", d(2020, 1, 1), 1, d(2027, 1, 1), None),
        // A suffix whose number sorts before its parent's: the tree still puts it under ACM101.
        (6, 1, Some(1), "ACM001", Some("03"), "Acme Tools North", "active", d(2022, 5, 1), 5, d(2027, 5, 1), None),
    ]
}

/// (id, group, last, first, born, status, relationship)
type Person = (i64, i64, &'static str, &'static str, NaiveDate, &'static str, &'static str);

fn people() -> Vec<Person> {
    vec![
        // Turns 65 on 2027-01-01, but no longer covered: no alert.
        (1, 1, "Adams", "Chris", d(1962, 1, 1), "terminated", "self"),
        (2, 1, "Baker", "Dana", d(1980, 4, 4), "active", "self"),
        (3, 1, "Baker", "Ely", d(2012, 5, 5), "active", "child"),
        // Turns 65 on 2027-01-10: group 2 is flagged.
        (4, 2, "Cole", "Eve", d(1962, 1, 10), "active", "self"),
        (5, 2, "Diaz", "Finn", d(1990, 2, 2), "cobra_elected", "self"),
        (6, 6, "Evans", "Gus", d(1985, 6, 6), "active", "self"),
        (7, 3, "Fox", "Hal", d(1970, 7, 7), "terminated", "self"),
        (8, 5, "Gray", "Ida", d(1975, 8, 8), "active", "self"),
    ]
}

/// A day as (year, month, day).
type Ymd = (i32, u32, u32);

/// (group, period start month, issued on, due date, amount, adjustment), in cents.
type Bill = (i64, (i32, u32), Ymd, Ymd, i64, i64);

const INVOICES: &[Bill] = &[
    (1, (2026, 9), (2026, 8, 12), (2026, 9, 1), 100_000, 0),
    (1, (2026, 10), (2026, 9, 11), (2026, 10, 1), 100_000, -5_000),
    (1, (2026, 11), (2026, 10, 12), (2026, 11, 1), 120_000, 0),
    (1, (2026, 12), (2026, 11, 11), (2026, 12, 1), 120_000, 2_500),
    // Not issued yet on 2026-11-23: counts nowhere.
    (1, (2027, 1), (2026, 12, 12), (2027, 1, 1), 120_000, 0),
    (2, (2026, 11), (2026, 10, 12), (2026, 11, 1), 50_000, 0),
    (2, (2026, 12), (2026, 11, 11), (2026, 12, 1), 50_000, 0),
    (3, (2026, 6), (2026, 5, 12), (2026, 6, 1), 80_000, 0),
];

/// (group, received on, amount)
const PAYMENTS: &[(i64, Ymd, i64)] = &[
    (1, (2026, 8, 30), 100_000),
    // October's bill paid after its due date.
    (1, (2026, 10, 15), 95_000),
    // Part of November's, after its due date and before December's bill.
    (1, (2026, 11, 5), 60_000),
    // After December's bill was issued: this bill's payments.
    (1, (2026, 11, 20), 30_000),
    // After today: counts nowhere.
    (1, (2026, 11, 25), 10_000),
    (2, (2026, 10, 28), 50_000),
    (2, (2026, 11, 21), 50_000),
];

async fn fixture(store: &Store) {
    let mut tx = store.begin_write().await.unwrap();
    staff::insert(&mut tx, "ann", "Ann", Role::Agent, "active", t0()).await.unwrap();
    for (id, ein, name) in [(1_i64, "12-3456789", "Acme Tools"), (2, "98-7654321", "Birch Bakery")] {
        tx.execute(
            "INSERT INTO employers (id, ein, legal_name, name_key, created_at) VALUES ($1, $2, $3, $4, $5)",
            args![id, ein, name, portaldesk::domain::text::fold_key(name), t0()],
        )
        .await
        .unwrap();
    }
    for (id, employer, parent, number, suffix, name, status, eff, month, renewal, cancelled) in groups() {
        tx.execute(
            "INSERT INTO employer_groups (id, employer_id, parent_group_id, group_number, suffix, name, status, \
             original_effective_date, renewal_date, renewal_month, cancellation_date, suffix_effective_date, \
             waiting_period_days, sic_code, rating_type) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 60, '7372', 'composite')",
            args![
                id,
                employer,
                parent,
                number,
                suffix,
                name,
                status,
                eff,
                renewal,
                month,
                cancelled,
                parent.map(|_| eff)
            ],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "INSERT INTO carriers (id, code, name, phone) VALUES (1, 'HNET', 'Health Net', '(800) 522-0088')",
        args![],
    )
    .await
    .unwrap();
    tx.execute(
        "INSERT INTO carriers (id, code, name, phone) VALUES (2, 'DELT', 'Delta Dental', '(800) 765-6003')",
        args![],
    )
    .await
    .unwrap();
    for (id, group, code, name, coverage, carrier) in [
        (1_i64, 1_i64, "MPPO", "Medical PPO 500", "medical", Some(1_i64)),
        (2, 1, "DBAS", "Dental Basic", "dental", Some(2)),
        (3, 5, "VBAS", "Vision Basic", "vision", None),
    ] {
        tx.execute(
            "INSERT INTO plans (id, group_id, plan_code, name, coverage_type, carrier_id) VALUES ($1, $2, $3, $4, $5, $6)",
            args![id, group, code, name, coverage, carrier],
        )
        .await
        .unwrap();
    }
    // Plan years 2024 (prior) and 2025 (current on 2026-11-23), renewing each December.
    for (plan, year, fee) in [(1_i64, 2024_i64, 2_i64), (1, 2025, 2), (2, 2025, 2)] {
        tx.execute(
            "INSERT INTO plan_years (plan_id, year, starts_on, ends_on, waiting_period_days, cobra_admin_fee_pct, rating_type) \
             VALUES ($1, $2, $3, $4, 60, $5, 'composite')",
            args![plan, year, d(year as i32, 12, 1), d(year as i32 + 1, 11, 30), fee],
        )
        .await
        .unwrap();
    }
    for (plan, tier, cents, on) in [
        (1_i64, "employee", 62_000_i64, d(2025, 12, 1)),
        (1, "family", 179_800, d(2025, 12, 1)),
        (1, "employee", 57_660, d(2024, 12, 1)),
        (1, "family", 167_214, d(2024, 12, 1)),
        (2, "employee", 4_500, d(2025, 12, 1)),
    ] {
        tx.execute(
            "INSERT INTO plan_rates (plan_id, tier, monthly_cents, effective_on) VALUES ($1, $2, $3, $4)",
            args![plan, tier, cents, on],
        )
        .await
        .unwrap();
    }
    tx.execute("INSERT INTO plan_bundles (id, group_id, code, name, offered_to) VALUES (1, 1, 'MD', 'Medical and dental', 'both')", args![])
        .await
        .unwrap();
    for plan in [1_i64, 2] {
        tx.execute("INSERT INTO bundle_plans (bundle_id, plan_id) VALUES (1, $1)", args![plan]).await.unwrap();
    }
    for (id, group, last, first, born, status, rel) in people() {
        let fold = portaldesk::domain::text::fold_key;
        tx.execute(
            "INSERT INTO members (id, member_number, individual_id, group_id, subscriber_id, member_type, relationship, \
             first_name, last_name, first_name_key, last_name_key, birth_date, gender, address_line, city, state, zip, \
             language, ssn_last4, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'U', \
             '1 Main St', 'Austin', 'TX', '78701', 'English', '1234', $13, $14)",
            args![
                id,
                format!("M{id:07}"),
                format!("I{:07}", id + 1_000_000),
                group,
                (rel != "self").then_some(2_i64),
                if rel == "self" { "SUBSCRIBER" } else { "DEPENDENT" },
                rel,
                first,
                last,
                fold(first),
                fold(last),
                born,
                status,
                t0()
            ],
        )
        .await
        .unwrap();
    }
    tx.execute(
        "INSERT INTO enrollments (member_id, plan_id, tier, coverage_start, status) VALUES (2, 1, 'family', $1, 'active')",
        args![d(2020, 1, 1)],
    )
    .await
    .unwrap();
    for (group, (y, m), (iy, im, id), (dy, dm, dd), amount, adj) in INVOICES {
        let start = d(*y, *m, 1);
        let end = start.checked_add_months(chrono::Months::new(1)).unwrap() - chrono::Duration::days(1);
        tx.execute(
            "INSERT INTO group_invoices (group_id, period_start, period_end, issued_on, due_date, amount_cents, adjustment_cents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![*group, start, end, d(*iy, *im, *id), d(*dy, *dm, *dd), *amount, *adj],
        )
        .await
        .unwrap();
    }
    for (i, (group, (y, m, day), amount)) in PAYMENTS.iter().enumerate() {
        tx.execute(
            "INSERT INTO group_payments (group_id, received_on, amount_cents, method, reference) VALUES ($1, $2, $3, 'ach', $4)",
            args![*group, d(*y, *m, *day), *amount, format!("P{i}")],
        )
        .await
        .unwrap();
    }
    for (group, days, subject) in
        [(None, 3_i64, "Renewal package sent"), (Some(2_i64), 1, "Invoice mailed"), (None, 9, "Census received")]
    {
        tx.execute(
            "INSERT INTO account_communications (employer_id, group_id, sent_at, channel, subject, body, sent_by) \
             VALUES (1, $1, $2, 'email', $3, 'text', 'billing')",
            args![group, t0() - chrono::Duration::days(days), subject],
        )
        .await
        .unwrap();
    }
    // A broker whose grants in force reach ACM101 and BIR200; the one on ACM101-01 has ended.
    tx.execute(
        "INSERT INTO brokers (id, npn, first_name, last_name, last_name_key, email, tax_id_cipher, tax_id_index, \
         tax_id_last4, states_appointed, status, created_at) \
         VALUES (1, '1234567', 'Rosa', 'Díaz', 'diaz', 'rosa@agency.example', $1, $2, '6789', 'TX', 'active', $3)",
        args![vec![1u8], vec![2u8], t0()],
    )
    .await
    .unwrap();
    for (group, employer, ends) in [(1_i64, 1_i64, None), (4, 2, None), (2, 1, Some(d(2026, 1, 1)))] {
        tx.execute(
            "INSERT INTO broker_access_grants (employer_id, group_id, broker_id, starts_on, ends_on, granted_by, created_at) \
             VALUES ($1, $2, 1, $3, $4, 'ann', $5)",
            args![employer, group, d(2025, 1, 1), ends, t0()],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn ops(store: &Store, read_only: bool) -> Ops {
    Ops::for_operator(store.clone(), "ann", read_only, Clock::Fixed(t0())).await.unwrap()
}

#[tokio::test]
async fn billing_figures_match_the_hand_computed_groups() {
    for db in common::all_backends().await {
        fixture(&db.store).await;
        let ops = ops(&db.store, false).await;
        let b = ops.group_billing("acm101").await.unwrap();
        let f = &b.figures;
        // December's bill (issued 11-11) is current. Before it: 1 000.00 + 950.00 + 1 200.00 billed,
        // 1 000.00 + 950.00 + 600.00 paid before 11-11: 600.00 forward.
        assert_eq!(f.invoices, 4, "{}", db.label);
        assert_eq!(f.balance_forward_cents, 60_000, "{}", db.label);
        assert_eq!(f.current_amount_cents, 120_000, "{}", db.label);
        assert_eq!(f.adjustments_cents, 2_500, "{}", db.label);
        assert_eq!(f.payments_cents, 30_000, "{}", db.label);
        assert_eq!(f.balance_due_cents, 60_000 + 120_000 + 2_500 - 30_000, "{}", db.label);
        assert_eq!(f.due_date, Some(d(2026, 12, 1)), "{}", db.label);
        assert_eq!(f.period_start, Some(d(2026, 12, 1)), "{}", db.label);
        assert_eq!((f.last_payment_on, f.last_payment_cents), (Some(d(2026, 11, 20)), Some(30_000)), "{}", db.label);
        // Due before today: 3 150.00; paid through today: 2 850.00. November's bill owes 300.00, 22 days late.
        assert_eq!(b.past_due_cents, 30_000, "{}", db.label);
        assert_eq!(b.aging.days_0_30, 30_000, "{}", db.label);
        assert_eq!(b.aging.not_due, 122_500, "{}", db.label);
        assert_eq!(b.aging.past_due(), b.past_due_cents, "{}", db.label);
        assert_eq!(b.invoices.len(), 4, "{}", db.label);
        assert_eq!(b.payments.first().map(|p| p.received_on), Some(d(2026, 11, 20)), "{}", db.label);
        assert_eq!(billing::dollars(f.balance_due_cents), "$1,525.00");

        // Paid ahead: nothing forward, nothing due, nothing late.
        let b = ops.group_billing("ACM101-01").await.unwrap();
        let f = &b.figures;
        assert_eq!(
            (f.balance_forward_cents, f.current_amount_cents, f.payments_cents, f.balance_due_cents),
            (0, 50_000, 50_000, 0),
            "{}",
            db.label
        );
        assert_eq!((b.past_due_cents, b.aging.past_due(), b.aging.credit), (0, 0, 0), "{}", db.label);

        // Cancelled with a bill never paid: over 90 days.
        let b = ops.group_billing("ACM101-02").await.unwrap();
        assert_eq!((b.figures.balance_due_cents, b.aging.over_90), (80_000, 80_000), "{}", db.label);
        assert_eq!(b.aging.worst(), Some(billing::Bucket::Over90), "{}", db.label);

        // Reading billing is audited.
        let rows: Vec<(String, String)> = db
            .store
            .fetch_all("SELECT action, entity FROM audit_log WHERE action = 'group.billing' ORDER BY id", args![])
            .await
            .unwrap();
        let entities: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(entities, ["group:ACM101", "group:ACM101-01", "group:ACM101-02"], "{}", db.label);

        // Never billed, unknown, read-only: said in words.
        let e = ops.group_billing("BIR200").await.unwrap_err();
        assert!(matches!(&e, OpError::NotFound(m) if m.contains("no bills yet")), "{}: {e}", db.label);
        let e = ops.group_billing("NOPE1").await.unwrap_err();
        assert!(matches!(&e, OpError::NotFound(m) if m.contains("no group NOPE1")), "{}: {e}", db.label);
        let ro = self::ops(&db.store, true).await;
        assert!(matches!(ro.group_billing("ACM101").await, Err(OpError::ReadOnly(_))), "{}", db.label);
        let (n,): (i64,) =
            db.store.fetch_one("SELECT count(*) FROM audit_log WHERE action = 'group.billing'", args![]).await.unwrap();
        assert_eq!(n, 3, "{}: refusals and errors leave no billing audit row", db.label);
    }
}

#[tokio::test]
async fn group_details_alerts_and_key_dates() {
    for db in common::all_backends().await {
        fixture(&db.store).await;
        let ops = ops(&db.store, false).await;
        let g = ops.group("acm101-01").await.unwrap();
        assert_eq!(g.detail.parent_number.as_deref(), Some("ACM101"), "{}", db.label);
        assert_eq!(g.detail.parent_effective_date, d(2019, 3, 1), "{}", db.label);
        assert_eq!(g.detail.suffix_effective_date, Some(d(2021, 7, 1)), "{}", db.label);
        assert_eq!((g.detail.active_subscribers, g.detail.cancelled_subscribers), (2, 0), "{}", db.label);
        assert_eq!(g.alerts, vec![Alert::Turning65], "{}", db.label);
        assert_eq!(g.next_renewal, Some(d(2027, 3, 1)), "{}", db.label);
        assert_eq!(g.current_premium_cents, Some(50_000), "{}", db.label);

        let g = ops.group("ACM101").await.unwrap();
        assert_eq!(g.alerts, vec![Alert::PastDue, Alert::Renewal], "{}", db.label);
        assert_eq!((g.detail.active_subscribers, g.detail.cancelled_subscribers), (1, 1), "{}", db.label);
        assert_eq!(g.detail.active_members, 2, "{}", db.label);
        let g = ops.group("ACM101-02").await.unwrap();
        assert_eq!(g.alerts, vec![Alert::PastDue, Alert::Cancelled], "{}", db.label);
        let g = ops.group("BIR200").await.unwrap();
        assert!(g.alerts.is_empty() && g.current_premium_cents.is_none(), "{}", db.label);
    }
}

#[tokio::test]
async fn employers_are_found_by_name_ein_or_group_and_their_groups_form_a_tree() {
    for db in common::all_backends().await {
        fixture(&db.store).await;
        let ops = ops(&db.store, false).await;
        for query in ["acme", "12-3456789", "123456789", "ACM101-02", "ein:12-3456789", "group:acm001"] {
            let page = ops.find_employers(query, &Dir::First, 10).await.unwrap();
            let names: Vec<&str> = page.rows.iter().map(|r| r.legal_name.as_str()).collect();
            assert_eq!(names, ["Acme Tools"], "{}: {query}", db.label);
        }
        let all = ops.find_employers("", &Dir::First, 1).await.unwrap();
        assert_eq!((all.rows[0].legal_name.as_str(), all.more_after), ("Acme Tools", true), "{}", db.label);
        let next = ops.find_employers("", &Dir::After(all.rows[0].cursor()), 1).await.unwrap();
        assert_eq!((next.rows[0].legal_name.as_str(), next.more_after), ("Birch Bakery", false), "{}", db.label);

        let file = ops.employer("12-3456789").await.unwrap();
        let tree: Vec<&str> = file.groups.iter().map(|g| g.group_number.as_str()).collect();
        assert_eq!(tree, ["ACM050", "ACM101", "ACM001", "ACM101-01", "ACM101-02"], "{}", db.label);
        assert_eq!(file.employer.groups, 5, "{}", db.label);
        assert_eq!(file.groups[2].subscribers, 1, "{}", db.label);

        for (query, said) in [
            ("99-1111111", "no employer has EIN 99-1111111"),
            ("ZZZ999", "no group ZZZ999"),
            ("zebra", "no employer's name starts with"),
        ] {
            let e = ops.find_employers(query, &Dir::First, 10).await.unwrap_err();
            assert!(matches!(&e, OpError::NotFound(m) if m.contains(said)), "{}: {query}: {e}", db.label);
        }
        let e = ops.find_employers("ein:12-34", &Dir::First, 10).await.unwrap_err();
        assert!(matches!(&e, OpError::Invalid(m) if m.contains("NN-NNNNNNN")), "{}: {e}", db.label);

        let page = ops.communications(1, None, &Dir::First, 2).await.unwrap();
        let subjects: Vec<&str> = page.rows.iter().map(|c| c.subject.as_str()).collect();
        assert_eq!((subjects, page.more_after), (vec!["Invoice mailed", "Renewal package sent"], true), "{}", db.label);
        let rest = ops.communications(1, None, &Dir::After(page.rows[1].cursor()), 2).await.unwrap();
        assert_eq!(
            rest.rows.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(),
            ["Census received"],
            "{}",
            db.label
        );
        let one = ops.communications(1, Some("ACM101-01"), &Dir::First, 10).await.unwrap();
        assert_eq!(one.rows.len(), 1, "{}", db.label);
        assert_eq!(one.rows[0].group_number.as_deref(), Some("ACM101-01"), "{}", db.label);
    }
}

#[tokio::test]
async fn plans_by_year_with_carrier_rates_and_settings() {
    for db in common::all_backends().await {
        fixture(&db.store).await;
        let ops = ops(&db.store, false).await;
        let p = ops.group_plans("ACM101", None).await.unwrap();
        assert_eq!((p.year, p.current_year, p.years.clone()), (2025, 2025, vec![2025, 2024]), "{}", db.label);
        let codes: Vec<&str> = p.plans.iter().map(|r| r.plan_code.as_str()).collect();
        assert_eq!(codes, ["MPPO", "DBAS"], "{}", db.label);
        let m = &p.plans[0];
        assert_eq!(
            (m.carrier.as_deref(), m.employee_cents, m.family_cents),
            (Some("Health Net"), Some(62_000), Some(179_800))
        );
        assert_eq!((m.employee_spouse_cents, m.cobra_admin_fee_pct, m.waiting_period_days), (None, 2, 60));
        assert_eq!((m.starts_on, m.ends_on), (d(2025, 12, 1), d(2026, 11, 30)));
        assert_eq!(p.plans[1].carrier.as_deref(), Some("Delta Dental"));
        assert_eq!(p.bundles.iter().map(|b| b.plan_code.as_str()).collect::<Vec<_>>(), ["DBAS", "MPPO"]);

        let prior = ops.group_plans("ACM101", Some(2024)).await.unwrap();
        assert_eq!(prior.plans.len(), 1, "{}: the dental plan started in 2025", db.label);
        assert_eq!((prior.plans[0].employee_cents, prior.plans[0].family_cents), (Some(57_660), Some(167_214)));
        assert_eq!(prior.current_year, 2025);

        let e = ops.group_plans("ACM101", Some(2023)).await.unwrap_err();
        assert!(
            matches!(&e, OpError::NotFound(m) if m.contains("no plans for plan year 2023") && m.contains("2025, 2024")),
            "{e}"
        );
        let e = ops.group_plans("BIR200", None).await.unwrap_err();
        assert!(matches!(&e, OpError::NotFound(m) if m.contains("no plans on file")), "{e}");
        // ACM050's vision plan has no plan year: no plans on file either.
        let e = ops.group_plans("ACM050", Some(2025)).await.unwrap_err();
        assert!(matches!(&e, OpError::NotFound(_)), "{e}");
    }
}

#[tokio::test]
async fn a_parents_subscriber_list_holds_every_suffixs_and_pages_once() {
    for db in common::all_backends().await {
        fixture(&db.store).await;
        let ops = ops(&db.store, false).await;
        let mut seen = Vec::new();
        let mut dir = Dir::First;
        loop {
            let page = ops.group_subscribers("ACM101", true, None, &dir, 2).await.unwrap();
            assert!(page.rows.len() <= 2);
            seen.extend(page.rows.iter().map(|s| (s.row.group_number.clone(), s.row.last_name.clone())));
            match page.rows.last() {
                Some(last) if page.more_after => dir = Dir::After(last.row.cursor()),
                _ => break,
            }
        }
        let want: Vec<(String, String)> = [
            ("ACM101", "Adams"),
            ("ACM101", "Baker"),
            ("ACM101-01", "Cole"),
            ("ACM101-01", "Diaz"),
            ("ACM101-02", "Fox"),
            ("ACM001", "Evans"),
        ]
        .iter()
        .map(|(g, n)| (g.to_string(), n.to_string()))
        .collect();
        assert_eq!(seen, want, "{}: by group id, then name; no dependant, no other family", db.label);

        let child = ops.group_subscribers("ACM101-01", false, None, &Dir::First, 50).await.unwrap();
        let cole = &child.rows[0];
        assert_eq!(
            (cole.row.last_name.as_str(), cole.alerts.clone()),
            ("Cole", vec![Alert::Turning65]),
            "{}",
            db.label
        );
        assert_eq!(child.rows.len(), 2, "{}", db.label);
        // One group's pages key on the name alone, both ways.
        let first = ops.group_subscribers("ACM101", false, None, &Dir::First, 1).await.unwrap();
        assert_eq!((first.rows[0].row.last_name.as_str(), first.more_after), ("Adams", true), "{}", db.label);
        let next =
            ops.group_subscribers("ACM101", false, None, &Dir::After(first.rows[0].row.cursor()), 1).await.unwrap();
        assert_eq!((next.rows[0].row.last_name.as_str(), next.more_after), ("Baker", false), "{}", db.label);
        let back =
            ops.group_subscribers("ACM101", false, None, &Dir::Before(next.rows[0].row.cursor()), 1).await.unwrap();
        assert_eq!((back.rows[0].row.last_name.as_str(), back.more_before), ("Adams", false), "{}", db.label);
        let parent_alone = ops.group_subscribers("ACM101", false, None, &Dir::First, 50).await.unwrap();
        let plans: Vec<Option<&str>> = parent_alone.rows.iter().map(|s| s.row.plan.as_deref()).collect();
        assert_eq!(plans, [None, Some("medical - Medical PPO 500")], "{}", db.label);
        assert_eq!(parent_alone.rows[0].alerts, vec![Alert::Cancelled], "{}: Adams' coverage ended", db.label);

        let active = ops.group_subscribers("ACM101", true, Some("Terminated"), &Dir::First, 50).await.unwrap();
        let names: Vec<&str> = active.rows.iter().map(|s| s.row.last_name.as_str()).collect();
        assert_eq!(names, ["Adams", "Fox"], "{}", db.label);

        // The family's export holds every suffix's subscribers, SSNs masked, and is audited first.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("family.csv");
        assert_eq!(ops.export_subscribers("ACM101", true, None, &path).await.unwrap(), 6, "{}", db.label);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "group,subscriber_id,last_name,first_name,type,birth_date,ssn,plan,status,alerts");
        let groups_in: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(groups_in, ["ACM101", "ACM101", "ACM101-01", "ACM101-01", "ACM101-02", "ACM001"], "{}", db.label);
        assert!(
            lines[3].starts_with("ACM101-01,M0000004,Cole,Eve,SUBSCRIBER,1962-01-10,***-**-1234,,active,turning_65"),
            "{}",
            lines[3]
        );
        let child = dir.path().join("child.csv");
        assert_eq!(ops.export_subscribers("ACM101-01", false, None, &child).await.unwrap(), 2, "{}", db.label);
        let audited: Vec<(String,)> = db
            .store
            .fetch_all("SELECT entity FROM audit_log WHERE action = 'list.export' ORDER BY id", args![])
            .await
            .unwrap();
        let audited: Vec<&str> = audited.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(audited, ["group:ACM101 (family)", "group:ACM101-01"], "{}", db.label);

        let e = ops.group_subscribers("ACM101-01", true, None, &Dir::First, 50).await.unwrap_err();
        assert!(matches!(&e, OpError::Invalid(m) if m.contains("its parent ACM101's")), "{e}");
        let e = ops.group_subscribers("ACM101", false, Some("gone"), &Dir::First, 50).await.unwrap_err();
        assert!(matches!(&e, OpError::Invalid(m) if m.contains("cobra_elected")), "{e}");
    }
}

fn numbers(rows: &[portaldesk::ops::employers::BookView]) -> Vec<&str> {
    rows.iter().map(|r| r.row.group_number.as_str()).collect()
}

#[tokio::test]
async fn each_book_of_business_filter_narrows_the_rows() {
    for db in common::all_backends().await {
        fixture(&db.store).await;
        let ops = ops(&db.store, false).await;
        let book = |f: BookFilter| {
            let ops = ops.clone();
            async move { ops.book(&f, &Dir::First, 50).await.unwrap().rows }
        };
        let all = book(BookFilter::default()).await;
        assert_eq!(numbers(&all), ["ACM001", "ACM050", "ACM101", "ACM101-01", "ACM101-02", "BIR200"], "{}", db.label);
        let s = |v: &str| Some(v.to_owned());
        let cases: Vec<(BookFilter, Vec<&str>)> = vec![
            (
                BookFilter { group_name: s("TOOLS"), ..Default::default() },
                vec!["ACM001", "ACM101", "ACM101-01", "ACM101-02"],
            ),
            (
                BookFilter { parent_number: s("ACM101"), ..Default::default() },
                vec!["ACM001", "ACM101", "ACM101-01", "ACM101-02"],
            ),
            (BookFilter { suffix: s("01"), ..Default::default() }, vec!["ACM101-01"]),
            (BookFilter { status: s("terminated"), ..Default::default() }, vec!["ACM101-02"]),
            (BookFilter { status: s("pending"), ..Default::default() }, vec!["BIR200"]),
            (BookFilter { alert: Some(Alert::PastDue), ..Default::default() }, vec!["ACM101", "ACM101-02"]),
            (BookFilter { alert: Some(Alert::Renewal), ..Default::default() }, vec!["ACM050", "ACM101"]),
            (BookFilter { alert: Some(Alert::Turning65), ..Default::default() }, vec!["ACM101-01"]),
            (BookFilter { alert: Some(Alert::Cancelled), ..Default::default() }, vec!["ACM101-02"]),
            (BookFilter { plan_name: s("dental"), ..Default::default() }, vec!["ACM101"]),
            (BookFilter { plan_type: s("vision"), ..Default::default() }, vec!["ACM050"]),
            (
                BookFilter {
                    original_from: Some(d(2020, 1, 1)),
                    original_to: Some(d(2021, 12, 31)),
                    ..Default::default()
                },
                vec!["ACM050", "ACM101-01"],
            ),
            (
                BookFilter {
                    renewal_from: Some(d(2026, 12, 1)),
                    renewal_to: Some(d(2027, 1, 1)),
                    ..Default::default()
                },
                vec!["ACM050", "ACM101"],
            ),
            (BookFilter { broker: Some((1, None)), ..Default::default() }, vec!["ACM101", "BIR200"]),
            (
                BookFilter {
                    parent_number: s("ACM101"),
                    alert: Some(Alert::PastDue),
                    status: s("active"),
                    ..Default::default()
                },
                vec!["ACM101"],
            ),
        ];
        for (filter, want) in cases {
            let rows = book(filter.clone()).await;
            assert_eq!(numbers(&rows), want, "{}: {filter:?}", db.label);
            if let Some(alert) = filter.alert.filter(|a| filter == BookFilter { alert: Some(*a), ..Default::default() })
            {
                // The SQL filter and the domain's alerts agree, both ways.
                let flagged: Vec<&str> =
                    all.iter().filter(|r| r.alerts.contains(&alert)).map(|r| r.row.group_number.as_str()).collect();
                assert_eq!(flagged, want, "{}: {alert:?}", db.label);
            }
        }
        let acm = all.iter().find(|r| r.row.group_number == "ACM101").unwrap();
        assert_eq!((acm.row.subscribers, acm.row.parent_number.clone()), (2, None), "{}", db.label);
        assert_eq!(acm.alerts, vec![Alert::PastDue, Alert::Renewal], "{}", db.label);

        // Keyset paging returns every group once, forwards and backwards.
        let mut seen = Vec::new();
        let mut dir = Dir::First;
        loop {
            let page = ops.book(&BookFilter::default(), &dir, 4).await.unwrap();
            seen.extend(page.rows.iter().map(|r| r.row.id));
            match page.rows.last() {
                Some(last) if page.more_after => dir = Dir::After(last.row.cursor()),
                _ => break,
            }
        }
        assert_eq!(seen, all.iter().map(|r| r.row.id).collect::<Vec<_>>(), "{}", db.label);
        let last = ops.book(&BookFilter::default(), &Dir::Last, 4).await.unwrap();
        assert_eq!(numbers(&last.rows), ["ACM101", "ACM101-01", "ACM101-02", "BIR200"], "{}", db.label);
        let before = ops.book(&BookFilter::default(), &Dir::Before(last.rows[0].row.cursor()), 4).await.unwrap();
        assert_eq!((numbers(&before.rows), before.more_before), (vec!["ACM001", "ACM050"], false), "{}", db.label);

        for (filter, said) in [
            (
                BookFilter {
                    original_from: Some(d(2022, 1, 1)),
                    original_to: Some(d(2021, 1, 1)),
                    ..Default::default()
                },
                "original enrollment date range runs backwards",
            ),
            (
                BookFilter { renewal_from: Some(d(2027, 1, 1)), renewal_to: Some(d(2026, 1, 1)), ..Default::default() },
                "renewal date range runs backwards",
            ),
            (BookFilter { status: s("gone"), ..Default::default() }, "unknown group status"),
            (BookFilter { plan_type: s("life"), ..Default::default() }, "unknown plan type"),
        ] {
            let e = ops.book(&filter, &Dir::First, 10).await.unwrap_err();
            assert!(matches!(&e, OpError::Invalid(m) if m.contains(said)), "{}: {e}", db.label);
        }
    }
}

#[tokio::test]
async fn the_demos_groups_have_the_figures_the_domain_computes() {
    for db in common::all_backends().await {
        common::seeded::seed_small(&db).await;
        let ops =
            Ops::for_operator(db.store.clone(), "tester", false, Clock::Fixed(common::seeded::now())).await.unwrap();
        let mut all = Vec::new();
        let mut dir = Dir::First;
        loop {
            let page = ops.book(&BookFilter::default(), &dir, 7).await.unwrap();
            all.extend(page.rows.iter().cloned());
            match page.rows.last() {
                Some(last) if page.more_after => dir = Dir::After(last.row.cursor()),
                _ => break,
            }
        }
        let (n,): (i64,) = db.store.fetch_one("SELECT count(*) FROM employer_groups", args![]).await.unwrap();
        assert_eq!(all.len() as i64, n, "{}: paging returns every group once", db.label);
        let (mut delinquent, mut billed, mut suffixes, mut prior_years) = (0, 0, 0, 0);
        for g in &all {
            let file = ops.group(&g.row.group_number).await.unwrap();
            assert_eq!(file.alerts, g.alerts, "{}: {} in the book and in the group view", db.label, g.row.group_number);
            if g.row.parent_number.is_some() {
                suffixes += 1;
                assert!(file.detail.suffix_effective_date.is_some(), "{}", db.label);
            }
            match ops.group_billing(&g.row.group_number).await {
                Ok(b) => {
                    billed += 1;
                    let f = &b.figures;
                    assert_eq!(
                        f.balance_due_cents,
                        f.balance_forward_cents + f.current_amount_cents + f.adjustments_cents - f.payments_cents,
                        "{}: {}",
                        db.label,
                        g.row.group_number
                    );
                    assert_eq!(b.aging.past_due(), f.past_due_raw_cents.max(0), "{}: {}", db.label, g.row.group_number);
                    let owed: i64 = b.invoices.iter().map(|i| i.amount_cents + i.adjustment_cents).sum();
                    assert_eq!(owed - f.paid_cents, f.balance_due_cents, "{}", db.label);
                    if b.aging.worst() >= Some(billing::Bucket::Days31To60) {
                        delinquent += 1;
                    }
                }
                Err(OpError::NotFound(m)) => assert!(m.contains("no bills yet"), "{m}"),
                Err(e) => panic!("{}: {e}", db.label),
            }
            if let Ok(p) = ops.group_plans(&g.row.group_number, None).await {
                assert_eq!(p.plans.len(), 3, "{}", db.label);
                assert!(p.plans.iter().all(|r| r.carrier.is_some() && r.employee_cents.is_some()), "{}", db.label);
                if let Some(prior) = p.years.iter().find(|y| **y < p.current_year) {
                    let old = ops.group_plans(&g.row.group_number, Some(*prior)).await.unwrap();
                    assert!(
                        old.plans[0].employee_cents < p.plans[0].employee_cents,
                        "{}: prior rates are lower",
                        db.label
                    );
                    prior_years += 1;
                }
            }
        }
        assert!(
            billed > 0 && delinquent > 0 && suffixes > 0 && prior_years > 0,
            "{}: {billed} {delinquent} {suffixes} {prior_years}",
            db.label
        );
        let (comms,): (i64,) =
            db.store.fetch_one("SELECT count(*) FROM account_communications", args![]).await.unwrap();
        assert!(comms >= n, "{}: {comms}", db.label);
    }
}

#[tokio::test]
async fn the_employer_view_the_book_and_exports_run_through_execute() {
    use portaldesk::ops::request::{Env, Outcome, Request};
    for db in common::all_backends().await {
        fixture(&db.store).await;
        {
            // A portal user of Acme, for the view's users.
            let mut tx = db.store.begin_write().await.unwrap();
            tx.execute(
                "INSERT INTO portal_users (email, kind, employer_id, first_name, last_name, name_key, status, created_at) \
                 VALUES ('hr@acme.example', 'employer', 1, 'Hana', 'Ruiz', 'ruizhana', 'active', $1)",
                args![t0()],
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let ops = ops(&db.store, false).await;
        let env = Env::new(&common::seeded::config(), None, None);
        let view: portaldesk::ops::employers::EmployerView =
            ops.ask(&env, Request::EmployerView { query: "ACM101-01".into() }).await.unwrap();
        assert_eq!(view.file.employer.legal_name, "Acme Tools", "{}", db.label);
        assert_eq!(view.file.groups.len(), 5, "{}", db.label);
        assert_eq!(
            view.portal_users.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
            ["hr@acme.example"],
            "{}",
            db.label
        );
        assert_eq!(
            view.communications.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(),
            ["Invoice mailed", "Renewal package sent", "Census received"],
            "{}",
            db.label
        );
        assert!(view.cases.is_empty() && view.imports.is_empty() && view.codes.is_empty(), "{}", db.label);
        let e = ops.execute(&env, Request::EmployerView { query: "zebra".into() }).await.unwrap_err();
        assert!(
            matches!(&e, OpError::NotFound(m) if m.contains("no employer's name starts with")),
            "{}: {e}",
            db.label
        );

        // The broker's book: its grants in force, filtered, through the one entry point.
        let book = |filter: BookFilter| Request::BrokerBook {
            npn: "1234567".into(),
            filter: Box::new(filter),
            dir: Dir::First,
            limit: 10,
        };
        let rows = match ops.execute(&env, book(BookFilter::default())).await.unwrap() {
            Outcome::Book(p) => p.rows,
            o => panic!("{o:?}"),
        };
        assert_eq!(numbers(&rows), ["ACM101", "BIR200"], "{}", db.label);
        let rows =
            match ops.execute(&env, book(BookFilter { status: Some("pending".into()), ..Default::default() })).await {
                Ok(Outcome::Book(p)) => p.rows,
                o => panic!("{o:?}"),
            };
        assert_eq!(numbers(&rows), ["BIR200"], "{}", db.label);
        let e = ops
            .execute(
                &env,
                Request::BrokerBook { npn: "7654321".into(), filter: Box::default(), dir: Dir::First, limit: 5 },
            )
            .await
            .unwrap_err();
        assert!(matches!(&e, OpError::NotFound(m) if m.contains("no broker with NPN 7654321")), "{}: {e}", db.label);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.csv");
        let n: usize = ops
            .ask(&env, Request::BrokerBookExport { npn: "1234567".into(), filter: Box::default(), path: path.clone() })
            .await
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!((n, text.lines().count()), (2, 3), "{}: {text}", db.label);
        assert!(text.lines().nth(1).unwrap().starts_with("ACM101,,,Acme Tools,active"), "{}: {text}", db.label);

        // A parent's family export holds every child group's subscribers, audited first.
        let path = dir.path().join("family.csv");
        let req = |family| Request::GroupExport { group: "acm101".into(), family, status: None, path: path.clone() };
        let n: usize = ops.ask(&env, req(true)).await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let groups: std::collections::BTreeSet<&str> =
            text.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(n, text.lines().count() - 1, "{}", db.label);
        assert_eq!(
            groups.into_iter().collect::<Vec<_>>(),
            ["ACM001", "ACM101", "ACM101-01", "ACM101-02"],
            "{}",
            db.label
        );
        let one: usize = ops.ask(&env, req(false)).await.unwrap();
        assert!(one < n, "{}: the parent alone has fewer", db.label);
        let (audited,): (i64,) = db
            .store
            .fetch_one(
                "SELECT count(*) FROM audit_log WHERE action = 'list.export' AND entity = 'group:ACM101 (family)'",
                args![],
            )
            .await
            .unwrap();
        assert_eq!(audited, 1, "{}", db.label);
    }
}
