//! Example answers of the employer, group and book-of-business commands
//! (`employer find|show`, `group show|billing|plans|subscribers`, `broker
//! book`), built from the types they print; `json_examples::examples` adds them.

use chrono::NaiveDate;

use super::json::{Book, ListPage, Rows, Subscribers};
use super::json_examples::{Example, at, day, ex};
use crate::domain::billing::{Aging, Alert};
use crate::ops::employers::{
    BookView, EmployerFile, EmployerView, GroupBilling, GroupFile, GroupPlans, SubscriberView,
};
use crate::store::book::BookRow;
use crate::store::employers::{
    CommunicationRow, EmployerCase, EmployerCode, EmployerContact, EmployerImport, EmployerRow, EmployerUser, GroupNode,
};
use crate::store::groups::{
    BillingFigures, BundlePlan, Contact, GroupDetail, Invoice, Payment, PlanYearRow, SubscriberRow,
};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid example date")
}

fn employer() -> EmployerRow {
    EmployerRow {
        id: 3,
        ein: "17-0000012".into(),
        legal_name: "Summit Trucking".into(),
        name_key: String::new(),
        groups: 2,
    }
}

fn node(id: i64, number: &str, parent: Option<i64>, suffix: Option<&str>, name: &str) -> GroupNode {
    GroupNode {
        id,
        group_number: number.into(),
        parent_group_id: parent,
        suffix: suffix.map(str::to_owned),
        name: name.into(),
        status: "active".into(),
        original_effective_date: ymd(2018, 9, 1),
        renewal_date: ymd(2027, 9, 1),
        subscribers: 22,
    }
}

fn detail() -> GroupDetail {
    GroupDetail {
        id: 8,
        employer_id: 3,
        employer: "Summit Trucking".into(),
        ein: "17-0000012".into(),
        group_number: "SUM101-01".into(),
        suffix: Some("01".into()),
        name: "Summit Trucking — division 1".into(),
        status: "active".into(),
        parent_group_id: Some(7),
        parent_number: Some("SUM101".into()),
        parent_name: Some("Summit Trucking".into()),
        parent_effective_date: ymd(2018, 9, 1),
        original_effective_date: ymd(2021, 7, 1),
        suffix_effective_date: Some(ymd(2021, 7, 1)),
        cancellation_date: None,
        sic_code: Some("4213".into()),
        rating_type: Some("composite".into()),
        renewal_date: ymd(2027, 7, 1),
        renewal_month: Some(7),
        last_renewal_date: Some(ymd(2026, 7, 1)),
        billing_contact_name: Some("Ethan De la Cruz".into()),
        billing_contact_email: Some("billing@summit.example".into()),
        billing_contact_phone: Some("(681) 555-3666".into()),
        billing_address_line: Some("1 Freight Way".into()),
        billing_city: Some("Houston".into()),
        billing_state: Some("TX".into()),
        billing_zip: Some("77002".into()),
        waiting_period_days: Some(30),
        active_subscribers: 19,
        cancelled_subscribers: 1,
        active_members: 29,
    }
}

fn subscriber() -> SubscriberView {
    SubscriberView {
        row: SubscriberRow {
            id: 145,
            group_id: 8,
            group_number: "SUM101-01".into(),
            member_number: "M0000145".into(),
            first_name: "Miguel".into(),
            last_name: "Choi".into(),
            first_name_key: String::new(),
            last_name_key: String::new(),
            member_type: "SUBSCRIBER".into(),
            birth_date: ymd(1962, 1, 10),
            ssn_last4: Some("7626".into()),
            status: "active".into(),
            plan: Some("medical - Medical PPO 500".into()),
        },
        alerts: vec![Alert::Turning65],
    }
}

fn book_row() -> BookView {
    BookView {
        row: BookRow {
            id: 7,
            group_number: "SUM101".into(),
            parent_number: None,
            suffix: None,
            name: "Summit Trucking".into(),
            status: "active".into(),
            original_effective_date: ymd(2018, 9, 1),
            renewal_date: ymd(2026, 12, 1),
            renewal_month: Some(12),
            cancellation_date: None,
            plan: Some("medical - Medical PPO 500".into()),
            subscribers: 22,
            past_due_raw_cents: 1_352_535,
            turning_65: 0,
        },
        alerts: vec![Alert::PastDue, Alert::Renewal],
    }
}

/// The examples of the employer, group and book commands.
pub fn examples() -> Vec<Example> {
    let figures = BillingFigures {
        invoices: 12,
        balance_forward_cents: 1_200_000,
        current_amount_cents: 1_352_535,
        adjustments_cents: -5_000,
        payments_cents: 1_000_000,
        balance_due_cents: 1_547_535,
        period_start: Some(day(12, 1)),
        due_date: Some(day(12, 1)),
        last_payment_on: Some(day(11, 26)),
        last_payment_cents: Some(1_000_000),
        paid_cents: 15_000_000,
        past_due_raw_cents: 200_000,
    };
    let plan = PlanYearRow {
        plan_id: 4,
        plan_code: "MPPO".into(),
        name: "Medical PPO 500".into(),
        coverage_type: "medical".into(),
        carrier_code: Some("BSCA".into()),
        carrier: Some("Blue Shield of California".into()),
        carrier_phone: Some("(800) 393-6130".into()),
        year: 2026,
        starts_on: ymd(2026, 1, 1),
        ends_on: ymd(2026, 12, 31),
        waiting_period_days: 30,
        cobra_admin_fee_pct: 2,
        rating_type: "composite".into(),
        employee_cents: Some(62_000),
        employee_spouse_cents: Some(124_000),
        employee_children_cents: Some(111_600),
        family_cents: Some(179_800),
    };
    let file = EmployerFile {
        employer: employer(),
        groups: vec![
            node(7, "SUM101", None, None, "Summit Trucking"),
            node(8, "SUM101-01", Some(7), Some("01"), "Summit Trucking — division 1"),
        ],
    };
    vec![
        ex(
            &["employer find"],
            "Employers whose name starts so, or the one with the EIN or group number.",
            &ListPage { view: None, rows: Rows::Employers(vec![employer()]), more: false },
        ),
        ex(
            &["employer show"],
            "An employer with its groups as a tree (parents, then suffixes) and the latest of its account.",
            &EmployerView {
                file,
                contacts: vec![EmployerContact {
                    group_number: "SUM101".into(),
                    role: "admin".into(),
                    name: "André Wang".into(),
                    phone: Some("(487) 555-7145".into()),
                    email: Some("andre.wang@summit.example".into()),
                }],
                portal_users: vec![EmployerUser {
                    id: 4,
                    email: "fatima.obrien@summit.example".into(),
                    first_name: "Fatima".into(),
                    last_name: "O'Brien".into(),
                    status: "active".into(),
                    last_login_at: Some(at(20, 9)),
                }],
                codes: vec![EmployerCode {
                    id: 2,
                    purpose: "employer_registration".into(),
                    last4: "9E1A".into(),
                    issued_by: "lchen".into(),
                    issued_at: at(18, 9),
                    expires_at: at(28, 9),
                    status: "active".into(),
                }],
                imports: vec![EmployerImport {
                    id: 5,
                    kind: "demographic".into(),
                    file_name: "census-2026-11.csv".into(),
                    status: "partial".into(),
                    uploaded_at: at(19, 9),
                    ok_rows: 40,
                    failed_rows: 2,
                }],
                cases: vec![EmployerCase {
                    case_number: "C-000042".into(),
                    queue: "billing".into(),
                    status: "open".into(),
                    subject: "Invoice does not match census".into(),
                    group_number: "SUM101-01".into(),
                    submitted_at: at(20, 9),
                }],
                communications: vec![CommunicationRow {
                    id: 11,
                    sent_at: at(3, 9),
                    channel: "email".into(),
                    subject: "Renewal package sent".into(),
                    body: "The 2027 renewal package is attached.".into(),
                    sent_by: "system".into(),
                    group_number: Some("SUM101-01".into()),
                }],
            },
        ),
        ex(
            &["group show"],
            "A group's details and key dates, contacts, renewal, current premium and alerts.",
            &GroupFile {
                detail: detail(),
                contacts: vec![Contact {
                    role: "admin".into(),
                    name: "Miguel Miller".into(),
                    phone: Some("(984) 555-2373".into()),
                    email: Some("miguel.miller@summit.example".into()),
                    address_line: None,
                    city: None,
                    state: None,
                    zip: None,
                }],
                alerts: vec![Alert::Turning65],
                next_renewal: Some(ymd(2027, 7, 1)),
                current_premium_cents: Some(1_352_535),
            },
        ),
        ex(
            &["group billing"],
            "The billing figures in cents (computed from bills and payments), the aging, bills and latest payments.",
            &GroupBilling {
                group_number: "SUM101-01".into(),
                figures,
                aging: Aging { not_due: 1_347_535, days_0_30: 200_000, ..Aging::default() },
                past_due_cents: 200_000,
                invoices: vec![Invoice {
                    id: 90,
                    period_start: day(12, 1),
                    period_end: day(12, 31),
                    issued_on: day(11, 15),
                    due_date: day(12, 1),
                    amount_cents: 1_352_535,
                    adjustment_cents: -5_000,
                }],
                payments: vec![Payment {
                    id: 70,
                    received_on: day(11, 26),
                    amount_cents: 1_000_000,
                    method: "ach".into(),
                    reference: Some("ACH-2211".into()),
                }],
            },
        ),
        ex(
            &["group plans"],
            "The plans of one plan year with carrier, settings and monthly rates by tier in cents, and the bundles.",
            &GroupPlans {
                year: 2026,
                current_year: 2026,
                years: vec![2026, 2025],
                plans: vec![plan],
                bundles: vec![BundlePlan {
                    bundle_id: 2,
                    code: "MD".into(),
                    name: "Medical and dental".into(),
                    offered_to: "both".into(),
                    plan_code: "MPPO".into(),
                    plan_name: "Medical PPO 500".into(),
                }],
            },
        ),
        ex(
            &["group subscribers"],
            "A page of subscribers with plan, status and alerts (SSNs as their last four); with --csv FILE the answer is \
             `{\"file\": …, \"rows\": N}`, as for `broker book --csv`.",
            &Subscribers {
                group: "SUM101-01".into(),
                family: false,
                status: Some("active".into()),
                subscribers: vec![subscriber()],
                more: true,
            },
        ),
        ex(
            &["broker book"],
            "A page of the broker's book of business under the filters, each group with its alerts.",
            &Book { npn: "1085519".into(), groups: vec![book_row()], more: false },
        ),
    ]
}
