//! Employers, groups, plans and members with their events, enrollments,
//! premiums, payments, communications and letters.

use crate::domain::cobra::first_of_next_month;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::batch::Batch;
use super::names::*;
use crate::args;
use crate::crypto::DataKey;
use crate::domain::text::fold_key;
use crate::store::Tx;

/// What later seeding steps need to know about the groups.
pub struct Groups {
    /// (group id, employer id, group number) of every group.
    pub all: Vec<(i64, i64, String)>,
    /// Employer legal names by id - 1.
    pub employer_names: Vec<String>,
    /// Employer EINs by id - 1.
    pub eins: Vec<String>,
    /// Every group as the billing seeder needs it (subscribers counted by `members`).
    pub billed: Vec<super::accounts::BilledGroup>,
}

/// A few members that cases and tests can point at.
pub struct MemberRef {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub group: usize,
}

fn company(rng: &mut ChaCha8Rng) -> String {
    format!("{} {}", COMPANY_A.choose(rng).unwrap(), COMPANY_B.choose(rng).unwrap())
}

fn letters(name: &str) -> String {
    let l: String = fold_key(name).chars().filter(char::is_ascii_alphabetic).take(3).collect::<String>().to_uppercase();
    format!("{l:X<3}")
}

/// Employers (with EINs) and their parent and suffix groups with their key
/// dates, contacts, plans, plan years, rates and bundles (the extras drawn
/// from `xr`, see `super::accounts`).
pub async fn employers(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    xr: &mut ChaCha8Rng,
    n: usize,
    now: DateTime<Utc>,
) -> Result<Groups, sqlx::Error> {
    let mut emp = Batch::new("employers", &["id", "ein", "legal_name", "name_key", "created_at"]);
    let mut grp = Batch::new(
        "employer_groups",
        &[
            "id",
            "employer_id",
            "parent_group_id",
            "group_number",
            "suffix",
            "name",
            "status",
            "original_effective_date",
            "renewal_date",
            "billing_contact_name",
            "billing_contact_email",
            "sic_code",
            "rating_type",
            "suffix_effective_date",
            "cancellation_date",
            "renewal_month",
            "last_renewal_date",
            "billing_address_line",
            "billing_city",
            "billing_state",
            "billing_zip",
            "billing_contact_phone",
            "waiting_period_days",
        ],
    );
    let mut plans = super::accounts::PlanRows::new();
    let mut out = Groups { all: Vec::new(), employer_names: Vec::new(), eins: Vec::new(), billed: Vec::new() };
    let (mut gid, mut pid) = (0i64, 0i64);
    let today = now.date_naive();
    let mut parent_effective = today;
    for e in 1..=n as i64 {
        let name = company(rng);
        // Unique by construction: the employer number is in the serial part.
        let ein = format!("{:02}-{:07}", rng.gen_range(10..99), e * 10 + rng.gen_range(0..10));
        emp.push(
            tx,
            args![e, ein.clone(), name.clone(), fold_key(&name), now - Duration::days(rng.gen_range(30..3000))],
        )
        .await?;
        let base = format!("{}{}", letters(&name), 100 + e);
        let suffixes = rng.gen_range(0..3);
        let parent = gid + 1;
        for s in 0..=suffixes {
            gid += 1;
            let (number, suffix, parent_id) = if s == 0 {
                (base.clone(), None, None)
            } else {
                (format!("{base}-{s:02}"), Some(format!("{s:02}")), Some(parent))
            };
            let eff = NaiveDate::from_ymd_opt(rng.gen_range(2012..2026), rng.gen_range(1..13), 1).unwrap();
            let status = if rng.gen_bool(0.9) {
                "active"
            } else if rng.gen_bool(0.5) {
                "pending"
            } else {
                "terminated"
            };
            let contact = format!("{} {}", FIRST.choose(rng).unwrap(), LAST.choose(rng).unwrap());
            let email = format!("billing{e}@{}.example", letters(&name).to_lowercase());
            let gname = if s == 0 { name.clone() } else { format!("{name} — division {s}") };
            if s == 0 {
                parent_effective = eff;
            }
            let x = super::accounts::group_extras(xr, eff, (s > 0).then_some(parent_effective), status, today);
            let (line, city, state, zip) = x.address.clone();
            let row = args![
                gid,
                e,
                parent_id,
                number.clone(),
                suffix,
                gname,
                status,
                eff,
                x.renewal_date,
                contact,
                email,
                x.sic_code,
                x.rating_type,
                x.suffix_effective_date,
                x.cancellation_date,
                i64::from(x.renewal_month),
                x.last_renewal_date,
                line,
                city,
                state,
                zip,
                x.phone.clone(),
                x.waiting_period_days
            ];
            grp.push(tx, row).await?;
            plans.group(tx, xr, (gid, e, pid + 1), eff, &x).await?;
            pid += 3;
            out.billed.push(super::accounts::BilledGroup {
                id: gid,
                employer: e,
                status: status.to_owned(),
                effective: eff,
                cancellation_date: x.cancellation_date,
                subscribers: 0,
            });
            out.all.push((gid, e, number));
        }
        out.employer_names.push(name);
        out.eins.push(ein);
    }
    for b in [&mut emp, &mut grp] {
        b.flush(tx).await?;
    }
    plans.flush(tx).await?;
    Ok(out)
}

/// A random date between two dates.
pub fn date_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(1);
    from + Duration::days(rng.gen_range(0..days))
}

/// Members in families (returns how many, and some to point cases at): (subscriber or QB or direct-bill, with spouse and
/// children as dependents), with everything the member view shows. Counts
/// each group's subscribers into `groups.billed`.
pub async fn members(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    key: &DataKey,
    groups: &mut Groups,
    n: u64,
    now: DateTime<Utc>,
) -> Result<(u64, Vec<MemberRef>), sqlx::Error> {
    let mut m = Batch::new("members", crate::store::members::INSERT_COLUMNS);
    let mut ev = Batch::new(
        "qualifying_events",
        &[
            "member_id",
            "event_code",
            "event_date",
            "loss_of_coverage_date",
            "notice_date",
            "election_date",
            "disability_extension",
            "created_at",
        ],
    );
    let mut en =
        Batch::new("enrollments", &["member_id", "plan_id", "tier", "coverage_start", "coverage_end", "status"]);
    let mut pr = Batch::new("premiums", &["id", "member_id", "period_start", "due_date", "amount_cents"]);
    let mut pay =
        Batch::new("payments", &["member_id", "premium_id", "amount_cents", "received_on", "method", "reference"]);
    let mut com = Batch::new("communications", &["member_id", "channel", "subject", "body", "sent_at"]);
    let mut let_ = Batch::new("letters", &["member_id", "letter_type", "file_name", "created_at"]);
    let today = now.date_naive();
    let mut refs = Vec::new();
    let (mut id, mut premium_id) = (0i64, 0i64);
    let mut shared: Option<(String, String)> = None;
    let mut families = 0u64;
    while (id as u64) < n {
        families += 1;
        let g = rng.gen_range(0..groups.all.len());
        if let Some(b) = groups.billed.get_mut(g) {
            b.subscribers += 1;
        }
        let (group_id, _, _) = &groups.all[g];
        let plan_base = (group_id - 1) * 3;
        let last = LAST.choose(rng).unwrap().to_string();
        let (city, state, zip) = *CITIES.choose(rng).unwrap();
        let address = format!("{} {}", rng.gen_range(1..9999), STREETS.choose(rng).unwrap());
        let language = *LANGUAGES.choose(rng).unwrap();
        let r: f64 = rng.r#gen();
        let sub_type = if r < 0.5 {
            "SUBSCRIBER"
        } else if r < 0.8 {
            "QB"
        } else {
            "DIRECT_BILL"
        };
        let family = if rng.gen_bool(0.4) { rng.gen_range(1..4) } else { 0 };
        let sub_id = id + 1;
        for k in 0..=family {
            if id as u64 >= n {
                break;
            }
            id += 1;
            let (mtype, rel) = match k {
                0 => (sub_type, "self"),
                1 => ("DEPENDENT", if rng.gen_bool(0.6) { "spouse" } else { "child" }),
                _ => ("DEPENDENT", "child"),
            };
            let mut last_name = last.clone();
            let mut ssn = if rel == "child" && rng.gen_bool(0.3) {
                None
            } else {
                Some(format!("{}{:02}{:04}", rng.gen_range(100..200), rng.gen_range(1..100), rng.gen_range(1..10_000)))
            };
            // Two subscribers sharing a last name and the last four of
            // their SSNs: searches must tell them apart.
            if k == 0 {
                match &shared {
                    None => shared = ssn.as_ref().map(|s| (last.clone(), s[5..].to_owned())),
                    Some((ln, l4)) if families == 2 => {
                        last_name = ln.clone();
                        ssn = Some(format!("{}{:02}{l4}", rng.gen_range(100..200), rng.gen_range(1..100)));
                    }
                    _ => {}
                }
            }
            let first = FIRST.choose(rng).unwrap().to_string();
            let born = match rel {
                "child" => date_between(rng, today - Duration::days(365 * 25), today - Duration::days(30)),
                _ => date_between(rng, today - Duration::days(365 * 75), today - Duration::days(365 * 22)),
            };
            let gender = ["F", "M", "F", "M", "X", "U"][rng.gen_range(0..6)];
            let status = match (mtype, rng.gen_range(0..10)) {
                ("QB", 0..=5) => "cobra_elected",
                ("QB", 6..=7) => "pending",
                ("QB", _) => "cobra_expired",
                (_, 0) => "terminated",
                _ => "active",
            };
            let (cipher, index, last4) = match &ssn {
                Some(s) => (Some(key.encrypt(s)), Some(key.blind_index("ssn", s)), Some(s[5..].to_owned())),
                None => (None, None, None),
            };
            let phone =
                (rel != "child").then(|| format!("({}) 555-{:04}", rng.gen_range(201..990), rng.gen_range(0..10_000)));
            let email =
                (rel == "self").then(|| format!("{}.{}{}@mail.example", fold_key(&first), fold_key(&last_name), id));
            let (number, individual) = crate::store::members::numbers(id);
            m.push(
                tx,
                args![
                    id,
                    number.clone(),
                    individual,
                    *group_id,
                    (k > 0).then_some(sub_id),
                    mtype,
                    rel,
                    first.clone(),
                    last_name.clone(),
                    fold_key(&first),
                    fold_key(&last_name),
                    born,
                    gender,
                    address.clone(),
                    city,
                    state,
                    zip,
                    phone,
                    email,
                    language,
                    cipher,
                    index,
                    last4,
                    status,
                    now - Duration::days(rng.gen_range(1..2000))
                ],
            )
            .await?;
            if refs.len() < 64 && (k == 0 || rng.gen_bool(0.2)) {
                refs.push(MemberRef { id, number: number.clone(), name: format!("{last_name}, {first}"), group: g });
            }
            let start = date_between(rng, today - Duration::days(900), today - Duration::days(60));
            let tier = if family == 0 { "employee" } else { "family" };
            let ended = status == "terminated" || status == "cobra_expired";
            en.push(
                tx,
                args![
                    id,
                    plan_base + 1,
                    tier,
                    start,
                    ended.then(|| today - Duration::days(10)),
                    if ended { "terminated" } else { "active" }
                ],
            )
            .await?;
            if rng.gen_bool(0.5) {
                en.push(tx, args![id, plan_base + 2, tier, start, None::<NaiveDate>, "active"]).await?;
            }
            if k == 0 && mtype == "QB" {
                let code = [1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 7][rng.gen_range(0..11)];
                let event = date_between(rng, today - Duration::days(700), today - Duration::days(5));
                let loss = first_of_next_month(event);
                let notice = event + Duration::days(rng.gen_range(7..30));
                let elected = (status == "cobra_elected").then(|| notice + Duration::days(rng.gen_range(5..55)));
                ev.push(tx, args![id, code as i64, event, loss, notice, elected, code <= 2 && rng.gen_bool(0.05), now])
                    .await?;
                let sent = now - Duration::days(rng.gen_range(3..300));
                let body = format!("Election notice mailed to {address}, {city}, {state} {zip}.");
                com.push(tx, args![id, "mail", "COBRA election notice", body, sent]).await?;
                let file = format!("election-notice-{number}.pdf");
                let_.push(tx, args![id, "cobra_election_notice", file, sent]).await?;
            }
            if k == 0 && (mtype == "QB" || mtype == "DIRECT_BILL") {
                let due_cents = [61_200_i64, 48_750, 125_000, 89_900][rng.gen_range(0..4)];
                for month in 0..2 {
                    premium_id += 1;
                    let period = first_of_next_month(today - Duration::days(62 - 31 * month));
                    let due = period;
                    pr.push(tx, args![premium_id, id, period, due, due_cents]).await?;
                    let roll = rng.gen_range(0..10);
                    let (amount, late) = match roll {
                        0 => continue,                                                       // missed
                        1 => (due_cents - rng.gen_range(100..4_000).min(due_cents / 10), 0), // short, within the rule
                        2 => (due_cents, rng.gen_range(31..45)),                             // after the grace period
                        _ => (due_cents, rng.gen_range(-10..25)),
                    };
                    let method = ["check", "ach", "card"][rng.gen_range(0..3)];
                    let reference = format!("PMT-{premium_id:08}");
                    pay.push(tx, args![id, premium_id, amount, due + Duration::days(late), method, reference]).await?;
                }
            }
        }
    }
    for b in [&mut m, &mut ev, &mut en, &mut pr, &mut pay, &mut com, &mut let_] {
        b.flush(tx).await?;
    }
    Ok((m.count, refs))
}
