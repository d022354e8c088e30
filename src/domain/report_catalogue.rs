//! The report catalogue, in one place (issue 25, point 1): each report's
//! name, kind, parameters and columns. The parameter form, `report run
//! --param`, the worker and `docs/reports.md` all read it, so what staff
//! are asked for is what the report checks and what it writes.

use chrono::{Datelike, NaiveDate};

use super::member_query::parse_date;

/// The two shelves of the portal's Imports & Reports page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Standard,
    Accounting,
}

impl ReportKind {
    /// The word shown and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Standard => "standard",
            ReportKind::Accounting => "accounting",
        }
    }
}

/// What a parameter takes, and so how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A day, `YYYY-MM-DD` (or the other forms dates are typed in).
    Date,
    /// A month, `YYYY-MM`.
    Month,
    /// A whole number of days, 1 to 3650.
    Days,
    /// Free text (a group number, an NPN, a queue name).
    Text,
}

impl ParamType {
    /// What the parameter takes, in words (`date (YYYY-MM-DD)`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Date => "date (YYYY-MM-DD)",
            ParamType::Month => "month (YYYY-MM)",
            ParamType::Days => "days (1–3650)",
            ParamType::Text => "text",
        }
    }
}

impl Param {
    /// Checks one typed value as `ReportSpec::check` does (the form checks
    /// each field with it as it is typed); an empty value is not checked here.
    pub fn check_value(&self, value: &str) -> Result<(), String> {
        parse(self, value).map(drop)
    }
}

/// One parameter of a report.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
    /// One line for the form and the docs.
    pub help: &'static str,
    /// The words a text parameter takes, when only some do (empty: any text).
    pub choices: &'static [&'static str],
}

/// One report of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct ReportSpec {
    /// Stable name: schedules and scripts depend on it.
    pub name: &'static str,
    pub title: &'static str,
    pub kind: ReportKind,
    pub help: &'static str,
    pub params: &'static [Param],
    /// The CSV header, in order.
    pub columns: &'static [&'static str],
}

const fn req(name: &'static str, ty: ParamType, help: &'static str) -> Param {
    Param { name, ty, required: true, help, choices: &[] }
}
const fn opt(name: &'static str, ty: ParamType, help: &'static str) -> Param {
    Param { name, ty, required: false, help, choices: &[] }
}
/// An optional text parameter that takes one of `choices`.
const fn one_of(name: &'static str, help: &'static str, choices: &'static [&'static str]) -> Param {
    Param { name, ty: ParamType::Text, required: false, help, choices }
}

const PERIOD: [Param; 2] = [
    req("from", ParamType::Date, "first day of the period"),
    req("to", ParamType::Date, "last day of the period (not before from)"),
];
const GROUP: Param = opt("group", ParamType::Text, "a group number; all groups when absent");

/// Every report, standard first, in the order the catalogue lists them.
pub const REPORTS: &[ReportSpec] = &[
    ReportSpec {
        name: "qb-roster",
        title: "QB roster",
        kind: ReportKind::Standard,
        help: "qualified beneficiaries on file with their coverage and election state",
        params: &[
            GROUP,
            one_of(
                "status",
                "active (not terminated or expired; the default), terminated, or all",
                &["active", "terminated", "all"],
            ),
        ],
        columns: &[
            "member_number",
            "name",
            "group",
            "event",
            "event_date",
            "coverage_end",
            "election_deadline",
            "status",
        ],
    },
    ReportSpec {
        name: "election-deadlines",
        title: "COBRA election deadlines due",
        kind: ReportKind::Standard,
        help: "qualified beneficiaries whose election deadline falls within the next N days",
        params: &[req("days", ParamType::Days, "how many days ahead"), GROUP],
        columns: &["member_number", "name", "group", "event", "event_date", "election_deadline", "days_left"],
    },
    ReportSpec {
        name: "enrollment-census",
        title: "Enrollment census by group",
        kind: ReportKind::Standard,
        help: "active enrollments counted by group, plan and tier on a day",
        params: &[opt("as_of", ParamType::Date, "the day counted (default today)"), GROUP],
        columns: &["group", "plan", "tier", "enrolled"],
    },
    ReportSpec {
        name: "qualifying-events",
        title: "Qualifying events in a period",
        kind: ReportKind::Standard,
        help: "qualifying events dated within the period, with their COBRA deadlines",
        params: &[PERIOD[0], PERIOD[1], GROUP],
        columns: &[
            "member_number",
            "name",
            "group",
            "event",
            "event_date",
            "notice_date",
            "election_deadline",
            "coverage_end",
        ],
    },
    ReportSpec {
        name: "case-sla",
        title: "Case SLA",
        kind: ReportKind::Standard,
        help: "open and overdue cases by queue and assignee",
        params: &[one_of(
            "queue",
            "eligibility, enrollment, billing or support; all when absent",
            &["eligibility", "enrollment", "billing", "support"],
        )],
        columns: &["queue", "assignee", "open", "overdue", "oldest_due"],
    },
    ReportSpec {
        name: "import-errors",
        title: "Import errors by employer and code",
        kind: ReportKind::Standard,
        help: "failed import rows counted by employer and error code in a period",
        params: &[PERIOD[0], PERIOD[1]],
        columns: &["employer", "ein", "code", "rows", "last_seen"],
    },
    ReportSpec {
        name: "broker-book",
        title: "Broker book of business",
        kind: ReportKind::Standard,
        help: "the groups a broker has access to, with subscribers and renewal",
        params: &[req("npn", ParamType::Text, "the broker's NPN")],
        columns: &["group", "group_name", "status", "subscribers", "renewal_month", "access"],
    },
    ReportSpec {
        name: "premiums-billed-paid",
        title: "Premiums billed against paid",
        kind: ReportKind::Accounting,
        help: "per group, premiums invoiced and payments received in the period, in cents",
        params: &[PERIOD[0], PERIOD[1], GROUP],
        columns: &["group", "billed_cents", "adjustments_cents", "paid_cents", "balance_cents"],
    },
    ReportSpec {
        name: "delinquency-aging",
        title: "Delinquency aging",
        kind: ReportKind::Accounting,
        help: "unpaid balances by how long past due on a day: 0–30, 31–60, 61–90, over 90 days",
        params: &[opt("as_of", ParamType::Date, "the day aged to (default today)"), GROUP],
        columns: &["group", "days_0_30_cents", "days_31_60_cents", "days_61_90_cents", "over_90_cents", "total_cents"],
    },
    ReportSpec {
        name: "payments-received",
        title: "Payments received",
        kind: ReportKind::Accounting,
        help: "payments received in the period by month, source (group bills or members' premiums) and method",
        params: &[PERIOD[0], PERIOD[1]],
        columns: &["month", "source", "method", "payments", "amount_cents"],
    },
    ReportSpec {
        name: "commissions-by-broker",
        title: "Commissions by broker",
        kind: ReportKind::Accounting,
        help: "commission statements' totals by broker for a month",
        params: &[req("month", ParamType::Month, "the statement month"), opt("npn", ParamType::Text, "one broker")],
        columns: &["npn", "broker", "groups", "premium_cents", "commission_cents"],
    },
];

/// The report of that name.
pub fn find(name: &str) -> Option<&'static ReportSpec> {
    REPORTS.iter().find(|r| r.name == name.trim())
}

/// A checked parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Date(NaiveDate),
    /// The first day of the month.
    Month(NaiveDate),
    Days(i64),
    Text(String),
}

/// A report's parameters after checking: every required one present, each
/// of its type, a period not running backwards. Stored with the job as
/// `name=value` pairs in the catalogue's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params(pub Vec<(&'static str, Value)>);

impl Params {
    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The date `name`, if given.
    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Some(Value::Date(d) | Value::Month(d)) => Some(*d),
            _ => None,
        }
    }

    /// The text `name`, if given.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// The number of days `name`, if given.
    pub fn days(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Days(n)) => Some(*n),
            _ => None,
        }
    }

    /// `name=value` pairs as a job stores and a person reads them.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(n, v)| {
                let shown = match v {
                    Value::Date(d) => d.to_string(),
                    Value::Month(d) => format!("{:04}-{:02}", d.year(), d.month()),
                    Value::Days(n) => n.to_string(),
                    Value::Text(s) => s.clone(),
                };
                ((*n).to_owned(), shown)
            })
            .collect()
    }
}

impl ReportSpec {
    /// Checks typed `name=value` pairs against the catalogue; the first
    /// problem is named with its parameter, in words for the form and CLI.
    pub fn check(&self, given: &[(String, String)]) -> Result<Params, String> {
        for (name, _) in given {
            if !self.params.iter().any(|p| p.name == name) {
                let known: Vec<&str> = self.params.iter().map(|p| p.name).collect();
                return Err(format!("{} takes no parameter {name:?}; it takes {}", self.name, known.join(", ")));
            }
        }
        let mut out = Vec::new();
        for p in self.params {
            let value = given.iter().rev().find(|(n, _)| n == p.name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
            match value {
                None if p.required => {
                    return Err(format!("{} needs {}: {} ({})", self.name, p.name, p.help, p.ty.as_str()));
                }
                None => {}
                Some(v) => out.push((p.name, parse(p, v)?)),
            }
        }
        let params = Params(out);
        if let (Some(from), Some(to)) = (params.date("from"), params.date("to"))
            && to < from
        {
            return Err(format!("the period runs backwards: to {to} is before from {from}"));
        }
        Ok(params)
    }
}

/// `docs/reports.md`: the catalogue as staff and scripts read it.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Reports\n\n\
         Generated from the report catalogue (`src/domain/report_catalogue.rs`); a test fails when this \
         file and the program disagree. A report is run with its parameters as `name=value` pairs; a \
         required parameter missing, a value of the wrong type or a period running backwards is refused \
         naming the parameter, before any job is queued. Money columns are whole cents.\n",
    );
    for kind in [ReportKind::Standard, ReportKind::Accounting] {
        let shelf = if kind == ReportKind::Standard { "Standard reports" } else { "Accounting reports" };
        out.push_str(&format!("\n## {shelf}\n"));
        for r in REPORTS.iter().filter(|r| r.kind == kind) {
            let mut help = r.help.chars();
            let first = help.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
            out.push_str(&format!("\n### `{}`: {}\n\n{first}{}.\n\n", r.name, r.title, help.as_str()));
            if r.params.is_empty() {
                out.push_str("No parameters.\n");
            } else {
                out.push_str("| Parameter | Type | Required | |\n|---|---|---|---|\n");
                for p in r.params {
                    let need = if p.required { "yes" } else { "no" };
                    let ty = if p.choices.is_empty() {
                        p.ty.as_str().to_owned()
                    } else {
                        format!("one of {}", p.choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))
                    };
                    out.push_str(&format!("| `{}` | {ty} | {need} | {} |\n", p.name, p.help));
                }
            }
            let cols: Vec<String> = r.columns.iter().map(|c| format!("`{c}`")).collect();
            out.push_str(&format!("\nColumns: {}.\n", cols.join(", ")));
        }
    }
    out.push_str(JOBS_AND_STATEMENTS);
    out
}

/// What `docs/reports.md` says after the catalogue: running, scheduling
/// and fetching, and the commission statements.
const JOBS_AND_STATEMENTS: &str = "
## Jobs

`portaldesk report run NAME --param NAME=VALUE` queues a job; `portaldesk worker` (or `worker --once`)
claims jobs under a lease, so several workers never run one job twice, and a worker killed mid-report
leaves its job to the next worker once the lease runs out, which writes it again from the start (the
dead attempt's output is dropped and it can write nothing more). The CSV is stored in chunks as it is
made; `portaldesk report get JOB --out FILE` writes it out. A report with no rows succeeds with a file
holding the header alone, and `worker`, `report show` and `report get` say so.

## Schedules

`portaldesk report schedule NAME --at 'YYYY-MM-DD HH:MM' [--every daily|weekly|monthly] [--zone ZONE]`
(supervisor) runs a report once or repeatedly; runs missed while no worker ran happen once on
catch-up. `report pause ID` holds a schedule: the worker queues none of its runs. `report resume ID`
starts it again from its next run after now: runs that fell while it was paused are skipped, not made
up (a one-off whose moment passed while paused will not run, and resume says so). `report schedules`
shows each schedule as active or paused with its next run.

## Commission statements

A broker has one statement per month, named by its NPN and broker ID, with a line per group
(subscribers, premium, rate in basis points, commission; money in cents). Statements are kept 18 whole
months before the current one; the report worker deletes older ones with their lines, audited as
`system:worker` (`commission.purge`), each time it looks for work. `portaldesk commission list --npn N`
shows the latest month on file; `--month YYYY-MM` searches any of the 18 months kept, and a month
outside them is refused naming the window. `portaldesk commission get ID --out FILE` writes one
statement's lines as CSV (audited as `commission.get`). The demo seeds 24 months of statements for the
brokers granted groups of their own, so a fresh demo's first worker run purges six.

## In the TUI (area 8)

`8` shows the Reports area: the catalogue (name, kind, what it lists; the selected report's parameters
and columns below it), over the job queue. `Enter` on a report (or `:report NAME`) opens its parameter
form: one field per parameter, `*` marking the required ones, each checked as it is typed by the
catalogue's own parsing; `Enter` or `Ctrl-S` queues the job (`report.run`), and a refusal (a period
running backwards) keeps every field. `Tab` (or `:reports catalogue|jobs|schedules`) steps between the
catalogue, the job queue and the schedules.

The job queue lists every report job newest first: status, rows written so far (a running job's
progress; `Ctrl-R` reads it again), who queued it and when; `/` narrows it by report name or
`status:failed`. `:stop-job` cancels the selected queued or running job, after a `y`. `Enter` opens a
job in the pager: a finished job's CSV as aligned columns (`j`/`k`, PgUp/PgDn, `g`/`G` scroll, `h`/`l`
move a column sideways), `/` finds rows (`n` next, `p` previous match), and `:export FILE` writes the
stored output whole, as `report get` does (audited as `list.export`). A failed job shows its error, a
job with no rows says so, a job still queued or running says what it is doing. The pager reads the
first 1 MB of a result; `:export` writes it all.

The schedules list shows each schedule as active or paused, its repeat, time, zone and next run.
`:pause`, `:resume` and `:unschedule` (after a `y`) act on the selected one; they are supervisors'
actions, and an agent is told so. New schedules are made with `portaldesk report schedule`.

A broker's view (area 3) has a statements tab (`Tab` from the book of business, or `:commissions
[YYYY-MM]`): the broker's statements for the latest month on file, `[` and `]` stepping to the month
before or after within the 18 kept (a month outside them is refused in words), and `:statement
FILE.csv` writing the selected statement's lines (`commission.get`; `:statement ID FILE.csv` names
one).

## Benchmark

`portaldesk bench report qb-roster [--samples N]` times the worker making the QB roster (all groups,
active QBs) and then the file written, beside the plain engine writing the same query's rows as CSV
(`sqlite3 -csv`, `psql \\copy (query) TO`), with medians, p99s and the process's peak memory. On
SQLite a report reads through a connection of its own with an 8 MB page cache, so a scan of every member
does not grow a pooled connection's 64 MB cache.
";

fn parse(p: &Param, v: &str) -> Result<Value, String> {
    let bad = || format!("{} takes a {}; got {v:?}", p.name, p.ty.as_str());
    Ok(match p.ty {
        ParamType::Date => Value::Date(parse_date(v).map_err(|_| bad())?),
        ParamType::Month => {
            let first = NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").map_err(|_| bad())?;
            Value::Month(first)
        }
        ParamType::Days => {
            let n: i64 = v.parse().map_err(|_| bad())?;
            if !(1..=3650).contains(&n) {
                return Err(bad());
            }
            Value::Days(n)
        }
        ParamType::Text => {
            super::text::check_visible(p.name, v)?;
            if !p.choices.is_empty() && !p.choices.contains(&v) {
                return Err(format!("{} takes one of {}; got {v:?}", p.name, p.choices.join(", ")));
            }
            Value::Text(super::text::sanitize(v))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_catalogue_has_every_report_the_issue_names_once_with_unique_columns() {
        let names: Vec<&str> = REPORTS.iter().map(|r| r.name).collect();
        for want in ["qb-roster", "election-deadlines", "case-sla", "delinquency-aging", "commissions-by-broker"] {
            assert!(names.contains(&want), "{want} missing");
        }
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "a name twice");
        for r in REPORTS {
            let mut cols = r.columns.to_vec();
            cols.sort_unstable();
            cols.dedup();
            assert_eq!(cols.len(), r.columns.len(), "{} repeats a column", r.name);
        }
        assert_eq!(REPORTS.iter().filter(|r| r.kind == ReportKind::Accounting).count(), 4);
    }

    #[test]
    fn parameters_are_checked_by_type_and_named_when_wrong() {
        let r = find("qualifying-events").unwrap();
        let ok = r.check(&pairs(&[("from", "2026-01-01"), ("to", "2026-03-31")])).unwrap();
        assert_eq!(ok.date("to"), NaiveDate::from_ymd_opt(2026, 3, 31));
        assert_eq!(ok.to_pairs(), pairs(&[("from", "2026-01-01"), ("to", "2026-03-31")]));
        let missing = r.check(&pairs(&[("from", "2026-01-01")])).unwrap_err();
        assert!(missing.contains("needs to"), "{missing}");
        let backwards = r.check(&pairs(&[("from", "2026-03-01"), ("to", "2026-01-01")])).unwrap_err();
        assert!(backwards.contains("runs backwards"), "{backwards}");
        let unknown = r.check(&pairs(&[("from", "2026-01-01"), ("to", "2026-01-02"), ("colour", "red")])).unwrap_err();
        assert!(unknown.contains("no parameter \"colour\"") && unknown.contains("from, to, group"), "{unknown}");
        let days = find("election-deadlines").unwrap();
        assert!(days.check(&pairs(&[("days", "0")])).unwrap_err().contains("days (1–3650)"));
        assert_eq!(days.check(&pairs(&[("days", " 30 ")])).unwrap().get("days"), Some(&Value::Days(30)));
        let month = find("commissions-by-broker").unwrap();
        assert!(month.check(&pairs(&[("month", "2026-13")])).unwrap_err().contains("month (YYYY-MM)"));
        assert_eq!(month.check(&pairs(&[("month", "2026-11")])).unwrap().to_pairs(), pairs(&[("month", "2026-11")]));
        let roster = find("qb-roster").unwrap();
        let bad = roster.check(&pairs(&[("status", "gone")])).unwrap_err();
        assert!(bad.contains("status takes one of active, terminated, all"), "{bad}");
        assert_eq!(roster.check(&pairs(&[("status", "all")])).unwrap().text("status"), Some("all"));
    }
}
