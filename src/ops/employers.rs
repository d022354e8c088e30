//! Employers and groups as staff read them: the store's typed rows with the
//! domain's billing aging and alerts added, bad input answered in words
//! (an unknown EIN or group number, a plan year with no plans, a group
//! never billed, date ranges that run backwards). Opening a group's billing
//! is audited, as opening a member record is.

use chrono::NaiveDate;

use super::{OpError, Ops};
use crate::action::Action;
use crate::domain::billing::{self, Aging, Alert, Charge, GroupFacts};
use crate::domain::role::Role;
use crate::domain::text::clip;
use crate::store::book::{self, BookFilter, BookRow};
use crate::store::employers::{self, CommunicationRow, EmployerFind, EmployerRow, GroupNode};
use crate::store::groups::{self, BillingFigures, BundlePlan, Contact, GroupDetail, Invoice, Payment, PlanYearRow};
use crate::store::groups::{SubscriberRow, SubscriberScope};
use crate::store::{Dir, Page};

/// The least role that reads employers and groups. Every staff account has
/// it; the actions of the employer area (issue 24) will name it in the table.
pub const READ_ROLE: Role = Role::Agent;

/// The member statuses a subscriber list can be filtered by.
pub const SUBSCRIBER_STATUSES: [&str; 5] = ["active", "pending", "terminated", "cobra_elected", "cobra_expired"];

/// An employer with its groups as a tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmployerFile {
    pub employer: EmployerRow,
    /// Parents, each followed by its suffixes.
    pub groups: Vec<GroupNode>,
}

/// A group's details, contacts and alerts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupFile {
    pub detail: GroupDetail,
    pub contacts: Vec<Contact>,
    pub alerts: Vec<Alert>,
    /// The next first-of-the-renewal-month on or after today.
    pub next_renewal: Option<NaiveDate>,
    /// The premium of the current bill, if the group has been billed.
    pub current_premium_cents: Option<i64>,
}

/// A group's billing tab: the SQL figures, the aging of what is owed, the
/// bills and the latest payments.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupBilling {
    pub group_number: String,
    pub figures: BillingFigures,
    pub aging: Aging,
    pub past_due_cents: i64,
    pub invoices: Vec<Invoice>,
    pub payments: Vec<Payment>,
}

/// A group's plans in one plan year, and its bundles.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupPlans {
    pub year: i64,
    /// The plan year today falls in (else the latest on file).
    pub current_year: i64,
    /// Every plan year on file, newest first.
    pub years: Vec<i64>,
    pub plans: Vec<PlanYearRow>,
    pub bundles: Vec<BundlePlan>,
}

/// A subscriber with its alerts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SubscriberView {
    #[serde(flatten)]
    pub row: SubscriberRow,
    pub alerts: Vec<Alert>,
}

/// A group of the book of business with its alerts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BookView {
    #[serde(flatten)]
    pub row: BookRow,
    pub alerts: Vec<Alert>,
}

/// An employer as its view shows it: the groups as a tree and, beside them,
/// the latest of each kind of thing on the account.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EmployerView {
    #[serde(flatten)]
    pub file: EmployerFile,
    pub contacts: Vec<employers::EmployerContact>,
    pub portal_users: Vec<employers::EmployerUser>,
    /// Registration codes, their status as shown (`expired` once past their time).
    pub codes: Vec<employers::EmployerCode>,
    pub imports: Vec<employers::EmployerImport>,
    pub cases: Vec<employers::EmployerCase>,
    /// The latest communications, with the groups'.
    pub communications: Vec<CommunicationRow>,
}

/// Reads a book-of-business filter as typed on the `:book` line:
/// `name:… parent:… suffix:… status:… alert:… plan:… type:…
/// enrolled:FROM..TO renewal:FROM..TO` (either end of a range may be left
/// out). Each word names its filter, so a typo is refused, not ignored.
pub fn parse_book_filter(text: &str) -> Result<BookFilter, String> {
    let mut f = BookFilter::default();
    let date = |s: &str| -> Result<Option<NaiveDate>, String> {
        let s = s.trim();
        if s.is_empty() { Ok(None) } else { crate::domain::member_query::parse_date(s).map(Some) }
    };
    let range = |v: &str| -> Result<(Option<NaiveDate>, Option<NaiveDate>), String> {
        match v.split_once("..") {
            Some((a, b)) => Ok((date(a)?, date(b)?)),
            None => Err(format!("a date range is FROM..TO, e.g. 2026-01-01..2026-12-31; got {:?}", clip(v, 30))),
        }
    };
    for word in text.split_whitespace() {
        let Some((name, value)) = word.split_once(':') else {
            return Err(format!(
                "{:?} names no filter: use name: parent: suffix: status: alert: plan: type: enrolled: renewal:",
                clip(word, 20)
            ));
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("{name}: needs a value"));
        }
        match name.to_lowercase().as_str() {
            "name" => f.group_name = Some(value.to_owned()),
            "parent" => f.parent_number = Some(value.to_uppercase()),
            "suffix" => f.suffix = Some(value.to_owned()),
            "status" => f.status = Some(value.to_lowercase()),
            "alert" => f.alert = Some(Alert::parse(value)?),
            "plan" => f.plan_name = Some(value.to_owned()),
            "type" => f.plan_type = Some(value.to_lowercase()),
            "enrolled" => (f.original_from, f.original_to) = range(value)?,
            "renewal" => (f.renewal_from, f.renewal_to) = range(value)?,
            other => {
                return Err(format!(
                    "no filter {:?}: use name: parent: suffix: status: alert: plan: type: enrolled: renewal:",
                    clip(other, 20)
                ));
            }
        }
    }
    Ok(f)
}

/// The alert facts of a book row.
pub fn book_facts(row: &BookRow) -> GroupFacts {
    GroupFacts {
        status: row.status.clone(),
        cancellation_date: row.cancellation_date,
        renewal_month: row.renewal_month.and_then(|m| u32::try_from(m).ok()),
        past_due_cents: row.past_due_raw_cents.max(0),
        turning_65: row.turning_65,
    }
}

/// Refuses a range whose end comes before its start.
fn check_range(what: &str, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), OpError> {
    match (from, to) {
        (Some(f), Some(t)) if t < f => {
            Err(OpError::Invalid(format!("the {what} range runs backwards: {t} is before {f}; swap them")))
        }
        _ => Ok(()),
    }
}

/// A subscriber status filter, checked and lower-cased.
fn check_status(status: Option<&str>) -> Result<Option<String>, OpError> {
    match status.map(|s| s.trim().to_lowercase()) {
        None => Ok(None),
        Some(s) if SUBSCRIBER_STATUSES.contains(&s.as_str()) => Ok(Some(s)),
        Some(s) => Err(OpError::Invalid(format!(
            "unknown status {:?}: use one of {}",
            clip(&s, 20),
            SUBSCRIBER_STATUSES.join(", ")
        ))),
    }
}

/// The subscribers a list of `detail` holds: the group's, or (`family`) a
/// parent's and its suffixes'; a suffix has no family of its own.
fn scope_of(detail: &GroupDetail, family: bool) -> Result<SubscriberScope, OpError> {
    match (family, &detail.parent_number) {
        (false, _) => Ok(SubscriberScope::Group(detail.id)),
        (true, None) => Ok(SubscriberScope::Family(detail.id)),
        (true, Some(parent)) => Err(OpError::Invalid(format!(
            "{} is a suffix: the whole family is its parent {parent}'s",
            detail.group_number
        ))),
    }
}

/// Why a search for employers found none, in words: no employer has the
/// EIN, no group has the number, no name starts so.
pub fn no_match(text: &str) -> String {
    match EmployerFind::parse(text) {
        Ok(EmployerFind::Ein(e)) => format!("No employer has EIN {e}"),
        Ok(EmployerFind::GroupNumber(g)) => format!("No group {} is on file", clip(&g, 20)),
        Ok(EmployerFind::Name(_)) => format!("No employer's name starts with {:?}", clip(text.trim(), 30)),
        Ok(EmployerFind::All) => "There are no employers yet".into(),
        Err(e) => e,
    }
}

impl Ops {
    fn check_read_role(&self) -> Result<(), OpError> {
        if self.role() < READ_ROLE {
            return Err(OpError::RefusedRole(format!(
                "reading employers needs the {} role; {} is {}",
                READ_ROLE.as_str(),
                self.operator().login,
                self.role().as_str()
            )));
        }
        Ok(())
    }

    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Employers found by name, EIN or group number (`EmployerFind::parse`),
    /// a page at a time. An EIN or group number that matches nothing is an
    /// error that says so, not an empty page.
    pub async fn find_employers(&self, text: &str, dir: &Dir, limit: usize) -> Result<Page<EmployerRow>, OpError> {
        self.check_read_role()?;
        let find = EmployerFind::parse(text).map_err(OpError::Invalid)?;
        let page = employers::find(self.store(), &find, dir, limit).await?;
        if page.rows.is_empty() && matches!(dir, Dir::First) {
            return Err(OpError::NotFound(match &find {
                EmployerFind::Ein(e) => format!("no employer has EIN {e}"),
                EmployerFind::GroupNumber(g) => format!("no group {}", clip(g, 20)),
                EmployerFind::Name(n) => format!("no employer's name starts with {:?}", clip(n, 30)),
                EmployerFind::All => "there are no employers yet".into(),
            }));
        }
        Ok(page)
    }

    /// One employer (found as `find_employers` finds one) and its groups as a tree.
    pub async fn employer(&self, text: &str) -> Result<EmployerFile, OpError> {
        let page = self.find_employers(text, &Dir::First, 2).await?;
        if page.rows.len() > 1 {
            return Err(OpError::Invalid(format!(
                "{:?} matches several employers: give the EIN or a group number",
                clip(text.trim(), 30)
            )));
        }
        let Some(employer) = page.rows.into_iter().next() else {
            return Err(OpError::NotFound(format!("no employer matches {:?}", clip(text.trim(), 30))));
        };
        let groups = employers::group_tree(self.store(), employer.id).await?;
        Ok(EmployerFile { employer, groups })
    }

    async fn group_detail(&self, number: &str) -> Result<GroupDetail, OpError> {
        self.check_read_role()?;
        let number = number.trim().to_uppercase();
        groups::detail(self.store(), &number)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no group {}", clip(&number, 20))))
    }

    /// A group's details and key dates, contacts and alerts.
    pub async fn group(&self, number: &str) -> Result<GroupFile, OpError> {
        let detail = self.group_detail(number).await?;
        let today = self.today();
        let contacts = groups::contacts(self.store(), detail.id).await?;
        let figures = groups::billing(self.store(), detail.id, today).await?;
        let turning_65 = groups::turning_65(self.store(), detail.id, today).await?;
        let month = detail.renewal_month.and_then(|m| u32::try_from(m).ok());
        let facts = GroupFacts {
            status: detail.status.clone(),
            cancellation_date: detail.cancellation_date,
            renewal_month: month,
            past_due_cents: figures.past_due_raw_cents.max(0),
            turning_65,
        };
        Ok(GroupFile {
            alerts: billing::group_alerts(&facts, today),
            next_renewal: month.map(|m| billing::next_renewal(m, today)),
            current_premium_cents: (figures.invoices > 0).then_some(figures.current_amount_cents),
            contacts,
            detail,
        })
    }

    /// `group.billing`: a group's billing and payment figures, computed in
    /// SQL, with the aging of what is owed; audited as a member record's
    /// opening is, so a read-only session (which cannot write the audit
    /// row) is refused. A group never billed is an error that says so.
    pub async fn group_billing(&self, number: &str) -> Result<GroupBilling, OpError> {
        let detail = self.group_detail(number).await?;
        let entity = format!("group:{}", detail.group_number);
        if self.read_only() {
            return Err(OpError::ReadOnly(
                "opening a group's billing is audited, and this session is read-only: its details still show".into(),
            ));
        }
        let today = self.today();
        let figures = groups::billing(self.store(), detail.id, today).await?;
        if figures.invoices == 0 {
            return Err(OpError::NotFound(format!(
                "group {} has no bills yet: nothing has been invoiced on or before {today}",
                detail.group_number
            )));
        }
        let invoices = groups::invoices(self.store(), detail.id, today).await?;
        let payments = groups::recent_payments(self.store(), detail.id, today, 24).await?;
        let charges: Vec<Charge> = invoices
            .iter()
            .map(|i| Charge { due_date: i.due_date, cents: i.amount_cents + i.adjustment_cents })
            .collect();
        let aging = billing::aging(&charges, figures.paid_cents, today);
        self.audit_event(Action::GroupBilling, &entity).await?;
        Ok(GroupBilling {
            group_number: detail.group_number,
            past_due_cents: figures.past_due_raw_cents.max(0),
            figures,
            aging,
            invoices,
            payments,
        })
    }

    /// A group's plans in plan year `year` (default: the one today falls
    /// in), with carrier, settings and rates, and its bundles.
    pub async fn group_plans(&self, number: &str, year: Option<i64>) -> Result<GroupPlans, OpError> {
        let detail = self.group_detail(number).await?;
        let today = self.today();
        let spans = groups::plan_years(self.store(), detail.id).await?;
        let Some(latest) = spans.first() else {
            return Err(OpError::NotFound(format!("group {} has no plans on file", detail.group_number)));
        };
        let current_year =
            spans.iter().find(|(_, from, to)| *from <= today && today <= *to).map_or(latest.0, |(y, _, _)| *y);
        let years: Vec<i64> = spans.iter().map(|(y, _, _)| *y).collect();
        let year = year.unwrap_or(current_year);
        if !years.contains(&year) {
            let on_file: Vec<String> = years.iter().map(i64::to_string).collect();
            return Err(OpError::NotFound(format!(
                "group {} has no plans for plan year {year}; plan years on file: {}",
                detail.group_number,
                on_file.join(", ")
            )));
        }
        let plans = groups::plans(self.store(), detail.id, year).await?;
        let bundles = groups::bundles(self.store(), detail.id).await?;
        Ok(GroupPlans { year, current_year, years, plans, bundles })
    }

    /// A page of a group's subscribers with their alerts; `family` takes a
    /// parent's and all its suffixes'. `status` keeps one member status.
    pub async fn group_subscribers(
        &self,
        number: &str,
        family: bool,
        status: Option<&str>,
        dir: &Dir,
        limit: usize,
    ) -> Result<Page<SubscriberView>, OpError> {
        let detail = self.group_detail(number).await?;
        let status = check_status(status)?;
        let scope = scope_of(&detail, family)?;
        let today = self.today();
        let page = groups::subscribers(self.store(), scope, status.as_deref(), dir, limit).await?;
        Ok(page
            .map(|row| SubscriberView { alerts: billing::subscriber_alerts(row.birth_date, &row.status, today), row }))
    }

    /// `list.export` of a group's subscribers (`family`: a parent's and all
    /// its suffixes') to a CSV file, SSNs masked. Audited first, in its own
    /// committed transaction, as every export of member data is; returns
    /// the rows written.
    pub async fn export_subscribers(
        &self,
        number: &str,
        family: bool,
        status: Option<&str>,
        path: &std::path::Path,
    ) -> Result<usize, OpError> {
        let detail = self.group_detail(number).await?;
        let status = check_status(status)?;
        let scope = scope_of(&detail, family)?;
        let entity = format!("group:{}{}", detail.group_number, if family { " (family)" } else { "" });
        let change = self.begin(crate::action::Action::ListExport, &entity).await?;
        let after = serde_json::json!({"file": path.display().to_string(), "status": status});
        self.finish(change, &entity, None, Some(after), None).await?;
        crate::export::subscribers_csv(self.store(), scope, status.as_deref(), self.today(), path)
            .await
            .map_err(OpError::Invalid)
    }

    /// A page of the book of business under `filter`, each group with its
    /// alerts. Date ranges that run backwards are refused.
    pub async fn book(&self, filter: &BookFilter, dir: &Dir, limit: usize) -> Result<Page<BookView>, OpError> {
        self.check_read_role()?;
        check_range("original enrollment date", filter.original_from, filter.original_to)?;
        check_range("renewal date", filter.renewal_from, filter.renewal_to)?;
        if let Some(s) = &filter.status
            && !["active", "pending", "terminated"].contains(&s.as_str())
        {
            return Err(OpError::Invalid(format!(
                "unknown group status {:?}: use active, pending or terminated",
                clip(s, 20)
            )));
        }
        if let Some(t) = &filter.plan_type
            && !["medical", "dental", "vision"].contains(&t.as_str())
        {
            return Err(OpError::Invalid(format!(
                "unknown plan type {:?}: use medical, dental or vision",
                clip(t, 20)
            )));
        }
        let today = self.today();
        let page = book::page(self.store(), filter, today, dir, limit).await?;
        Ok(page.map(|row| BookView { alerts: billing::group_alerts(&book_facts(&row), today), row }))
    }

    /// `employer.view`: one employer (as `employer` finds it) with its
    /// groups' tree, contacts, portal users, codes, import jobs, cases and
    /// latest communications.
    pub async fn employer_view(&self, text: &str) -> Result<EmployerView, OpError> {
        let file = self.employer(text).await?;
        let id = file.employer.id;
        let store = self.store();
        let now = self.now();
        let mut codes = employers::codes(store, id).await?;
        for c in &mut codes {
            c.status = crate::domain::code::shown_status(&c.status, c.expires_at, now).to_owned();
        }
        let communications =
            employers::communications(store, id, None, &Dir::First, employers::SECTION_ROWS as usize).await?.rows;
        Ok(EmployerView {
            contacts: employers::contacts(store, id).await?,
            portal_users: employers::portal_users(store, id).await?,
            codes,
            imports: employers::imports(store, id).await?,
            cases: employers::cases(store, id).await?,
            communications,
            file,
        })
    }

    /// `broker.book`: a page of the book of business of the broker with
    /// NPN `npn` (its grants in force, its agency's and downline's) under
    /// `filter`. An unknown NPN is an error that says so.
    pub async fn broker_book(
        &self,
        npn: &str,
        filter: &BookFilter,
        dir: &Dir,
        limit: usize,
    ) -> Result<Page<BookView>, OpError> {
        self.check_read_role()?;
        let npn = crate::domain::npn::parse_npn(npn).map_err(OpError::Invalid)?;
        let broker = book::broker_of(self.store(), &npn)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no broker with NPN {npn}")))?;
        let filter = BookFilter { broker: Some(broker), ..filter.clone() };
        self.book(&filter, dir, limit).await
    }

    /// The whole book of business of broker `npn` under `filter` as CSV,
    /// a page at a time; returns the rows written. No member data is in it.
    pub async fn export_book(&self, npn: &str, filter: &BookFilter, path: &std::path::Path) -> Result<usize, OpError> {
        // The first page checks the NPN, the role and the filter.
        self.broker_book(npn, filter, &Dir::First, 1).await?;
        let npn = crate::domain::npn::parse_npn(npn).map_err(OpError::Invalid)?;
        let broker = book::broker_of(self.store(), &npn).await?;
        let filter = BookFilter { broker, ..filter.clone() };
        crate::export::book_csv(self.store(), &filter, self.today(), path).await.map_err(OpError::Invalid)
    }

    /// A page of an employer's communications (all, or one group's), newest first.
    pub async fn communications(
        &self,
        employer_id: i64,
        group: Option<&str>,
        dir: &Dir,
        limit: usize,
    ) -> Result<Page<CommunicationRow>, OpError> {
        self.check_read_role()?;
        let group_id = match group {
            None => None,
            Some(n) => Some(self.group_detail(n).await?.id),
        };
        if employers::by_id(self.store(), employer_id).await?.is_none() {
            return Err(OpError::NotFound(format!("no employer {employer_id}")));
        }
        Ok(employers::communications(self.store(), employer_id, group_id, dir, limit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_book_filter_names_each_part_and_refuses_what_it_cannot_read() {
        let f = parse_book_filter(
            "name:acme parent:acm101 suffix:01 status:Active alert:past-due plan:gold type:Dental \
             enrolled:2020-01-01..2021-12-31 renewal:..12/31/2026",
        )
        .unwrap();
        assert_eq!(f.group_name.as_deref(), Some("acme"));
        assert_eq!(f.parent_number.as_deref(), Some("ACM101"));
        assert_eq!(f.suffix.as_deref(), Some("01"));
        assert_eq!(f.status.as_deref(), Some("active"));
        assert_eq!(f.alert, Some(Alert::PastDue));
        assert_eq!(f.plan_name.as_deref(), Some("gold"));
        assert_eq!(f.plan_type.as_deref(), Some("dental"));
        assert_eq!(f.original_from, NaiveDate::from_ymd_opt(2020, 1, 1));
        assert_eq!(f.original_to, NaiveDate::from_ymd_opt(2021, 12, 31));
        assert_eq!((f.renewal_from, f.renewal_to), (None, NaiveDate::from_ymd_opt(2026, 12, 31)));
        assert_eq!(parse_book_filter("  ").unwrap(), BookFilter::default());
        assert!(parse_book_filter("acme").unwrap_err().contains("names no filter"));
        assert!(parse_book_filter("colour:red").unwrap_err().contains("no filter \"colour\""));
        assert!(parse_book_filter("alert:late").unwrap_err().contains("past_due"));
        assert!(parse_book_filter("renewal:2026-01-01").unwrap_err().contains("FROM..TO"));
        assert!(parse_book_filter("name:").unwrap_err().contains("needs a value"));
    }
}
