//! The group view: one group in tabs (Tab/Shift-Tab move): details and key
//! dates, billing and payment, renewal and enrollment, plans and bundles
//! (`y` switches between the current and prior plan year), subscribers
//! (paged, `s` steps through the status filter, alerts; `:export FILE.csv
//! [family]` writes them). Opened from an employer, a case's group link, a
//! broker's book of business or `:group NUMBER`. Each tab is read when it
//! is first shown, through `Ops::execute`; opening the billing tab is
//! audited (`group.billing`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::App;
use super::part::{Part, page_move};
use super::screen::{Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::billing::{Alert, dollars, month_name, waiting_period};
use crate::domain::text::{fit, sanitize};
use crate::ops::employers::{GroupBilling, GroupFile, GroupPlans, SUBSCRIBER_STATUSES, SubscriberView};
use crate::ops::request::{Outcome, Request};
use crate::store::{Dir, Page};

/// The tabs of the group view, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupTab {
    Details,
    Billing,
    Renewal,
    Plans,
    Subscribers,
}

impl GroupTab {
    /// Every tab, in order.
    pub const ALL: [GroupTab; 5] =
        [GroupTab::Details, GroupTab::Billing, GroupTab::Renewal, GroupTab::Plans, GroupTab::Subscribers];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            GroupTab::Details => "Details",
            GroupTab::Billing => "Billing",
            GroupTab::Renewal => "Renewal",
            GroupTab::Plans => "Plans",
            GroupTab::Subscribers => "Subscribers",
        }
    }

    fn step(self, forward: bool) -> GroupTab {
        let i = GroupTab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        let n = GroupTab::ALL.len();
        GroupTab::ALL[if forward { (i + 1) % n } else { (i + n - 1) % n }]
    }
}

/// Subscribers read per page.
const SUBSCRIBER_PAGE: usize = 50;

/// A group the Employers area shows.
#[derive(Debug, Clone)]
pub struct GroupScreen {
    /// The group number as asked for (upper case).
    pub number: String,
    pub tab: GroupTab,
    pub file: Part<GroupFile>,
    pub billing: Part<GroupBilling>,
    pub plans: Part<GroupPlans>,
    /// The plan year shown; `None` the current one.
    pub year: Option<i64>,
    pub subscribers: Part<Page<SubscriberView>>,
    /// The subscribers' status filter; `None` every status.
    pub status: Option<&'static str>,
    /// Which page of subscribers to read next.
    pub page: Dir,
    /// The selected subscriber on the page.
    pub selected: usize,
    /// Lines scrolled in the other tabs.
    pub scroll: u16,
}

impl GroupScreen {
    /// The group `number`, on tab `tab`, read as it is shown.
    pub fn new(number: &str, tab: GroupTab) -> GroupScreen {
        GroupScreen {
            number: number.trim().to_uppercase(),
            tab,
            file: Part::Unasked,
            billing: Part::Unasked,
            plans: Part::Unasked,
            year: None,
            subscribers: Part::Unasked,
            status: None,
            page: Dir::First,
            selected: 0,
            scroll: 0,
        }
    }

    /// The selected subscriber's member number.
    pub fn selected_member(&self) -> Option<String> {
        let page = self.subscribers.shown()?;
        page.rows.get(self.selected).map(|s| s.row.member_number.clone())
    }

    /// Whether the group is a parent (it has a family to export).
    pub fn is_parent(&self) -> bool {
        self.file.shown().is_some_and(|f| f.detail.parent_group_id.is_none())
    }

    fn load_subscribers(&mut self, page: Dir, select: usize) {
        self.page = page;
        self.selected = select;
        self.subscribers = Part::Unasked;
    }

    /// Moves in the subscribers' page, reading the next or previous page at its ends.
    fn move_subscribers(&mut self, action: Action) -> bool {
        let Some(p) = self.subscribers.shown() else { return true };
        match page_move(action, &mut self.selected, p, |r| r.row.cursor(), SUBSCRIBER_PAGE) {
            None => false,
            Some(Some((dir, select))) => {
                self.load_subscribers(dir, select);
                true
            }
            Some(None) => true,
        }
    }

    /// `y` on the Plans tab: the prior plan year, or back to the current.
    fn toggle_year(&mut self) {
        // A prior year with no plans is asked for all the same: the
        // answer says so, and lists the years on file.
        self.year = match self.plans.shown() {
            Some(p) if p.year == p.current_year => {
                Some(p.years.iter().copied().find(|y| *y < p.current_year).unwrap_or(p.current_year - 1))
            }
            _ => None,
        };
        self.plans = Part::Unasked;
        self.scroll = 0;
    }

    /// `s` on the Subscribers tab: the next status of the filter (then every status again).
    fn next_status(&mut self) {
        let i = self.status.and_then(|s| SUBSCRIBER_STATUSES.iter().position(|x| *x == s));
        self.status = match i {
            None => Some(SUBSCRIBER_STATUSES[0]),
            Some(i) if i + 1 < SUBSCRIBER_STATUSES.len() => Some(SUBSCRIBER_STATUSES[i + 1]),
            Some(_) => None,
        };
        self.load_subscribers(Dir::First, 0);
    }
}

fn alerts_text(alerts: &[Alert]) -> String {
    if alerts.is_empty() {
        return "none".into();
    }
    alerts.iter().map(|a| format!("{} {}", a.icon(), a.name().replace('_', " "))).collect::<Vec<_>>().join(" · ")
}

fn icons(alerts: &[Alert]) -> String {
    alerts.iter().map(|a| a.icon()).collect::<Vec<_>>().join(" ")
}

/// Two label–value pairs on one line, each half the width.
fn pair(app: &App, a: (&str, String), b: Option<(&str, String)>) -> Line<'static> {
    let t = &app.theme;
    let mut spans =
        vec![Span::styled(format!("{:<16}", a.0), t.header), Span::raw(format!("{:<24}", fit(&sanitize(&a.1), 23)))];
    if let Some((l, v)) = b {
        spans.push(Span::styled(format!("{l:<15}"), t.header));
        spans.push(Span::raw(fit(&sanitize(&v), 24)));
    }
    Line::from(spans)
}

fn opt_day(app: &App, d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "—".to_owned(), |d| app.day(d))
}

fn details(app: &App, f: &GroupFile) -> Vec<Line<'static>> {
    let d = &f.detail;
    let t = &app.theme;
    let parent = match (&d.parent_number, &d.parent_name) {
        (Some(n), Some(name)) => format!("{n} {name}"),
        _ => "— (a parent group)".into(),
    };
    let mut out = vec![
        pair(app, ("Group", d.group_number.clone()), Some(("Status", d.status.clone()))),
        pair(app, ("Parent group", parent), Some(("Suffix", d.suffix.clone().unwrap_or_else(|| "—".into())))),
        pair(app, ("Employer", d.employer.clone()), Some(("EIN", d.ein.clone()))),
        pair(
            app,
            ("SIC code", d.sic_code.clone().unwrap_or_else(|| "—".into())),
            Some(("Rating type", d.rating_type.clone().unwrap_or_else(|| "—".into()))),
        ),
        pair(
            app,
            ("Original eff.", app.day(d.original_effective_date)),
            Some(("Parent eff.", app.day(d.parent_effective_date))),
        ),
        pair(
            app,
            ("Suffix eff.", opt_day(app, d.suffix_effective_date)),
            Some(("Cancellation", opt_day(app, d.cancellation_date))),
        ),
        pair(
            app,
            ("Active subs", d.active_subscribers.to_string()),
            Some(("Cancelled subs", d.cancelled_subscribers.to_string())),
        ),
        Line::from(vec![Span::styled(format!("{:<16}", "Alerts"), t.header), Span::raw(alerts_text(&f.alerts))]),
        Line::styled("Contacts", t.header),
    ];
    if f.contacts.is_empty() {
        out.push(Line::raw("  none on file"));
    }
    for c in &f.contacts {
        out.push(Line::raw(sanitize(&format!(
            "  {:<8} {} · {} · {}",
            c.role,
            c.name,
            c.phone.as_deref().unwrap_or("no phone"),
            c.email.as_deref().unwrap_or("no email")
        ))));
    }
    out
}

fn billing(app: &App, b: &GroupBilling) -> Vec<Line<'static>> {
    let f = &b.figures;
    let t = &app.theme;
    let period = match (f.period_start, f.due_date) {
        (Some(p), _) => app.day(p),
        _ => "—".into(),
    };
    let last = match (f.last_payment_on, f.last_payment_cents) {
        (Some(d), Some(c)) => format!("{} {}", app.day(d), dollars(c)),
        _ => "none received".into(),
    };
    let a = &b.aging;
    let mut out = vec![
        pair(app, ("Balance forward", dollars(f.balance_forward_cents)), Some(("Current bill", period))),
        pair(app, ("Current due", dollars(f.current_amount_cents)), Some(("Due date", opt_day(app, f.due_date)))),
        pair(app, ("Adjustments", dollars(f.adjustments_cents)), Some(("Last payment", last))),
        pair(app, ("Payments", dollars(-f.payments_cents)), Some(("Past due", dollars(b.past_due_cents)))),
        pair(app, ("Balance due", dollars(f.balance_due_cents)), Some(("Bills", f.invoices.to_string()))),
        Line::from(vec![
            Span::styled(format!("{:<16}", "Aging"), t.header),
            Span::raw(format!(
                "not due {} · 1–30 days {} · 31–60 days {}",
                dollars(a.not_due),
                dollars(a.days_0_30),
                dollars(a.days_31_60),
            )),
        ]),
        Line::raw(format!(
            "{:<16}61–90 days {} · over 90 days {} · credit {}",
            "",
            dollars(a.days_61_90),
            dollars(a.over_90),
            dollars(a.credit)
        )),
        Line::styled(format!("{:<40}{}", "Latest bills", "Latest payments"), t.header),
    ];
    let bills: Vec<String> = b
        .invoices
        .iter()
        .rev()
        .map(|i| {
            format!(
                "{} due {} {:>11}",
                app.day(i.period_start),
                app.day(i.due_date),
                dollars(i.amount_cents + i.adjustment_cents)
            )
        })
        .collect();
    let pays: Vec<String> = b
        .payments
        .iter()
        .map(|p| sanitize(&format!("{} {:>11} {}", app.day(p.received_on), dollars(p.amount_cents), p.method)))
        .collect();
    for i in 0..bills.len().max(pays.len()).min(12) {
        let l = bills.get(i).cloned().unwrap_or_default();
        let r = pays.get(i).cloned().unwrap_or_default();
        out.push(Line::raw(format!("{:<40}{r}", fit(&l, 39))));
    }
    out
}

fn renewal(app: &App, f: &GroupFile) -> Vec<Line<'static>> {
    let d = &f.detail;
    let month = d.renewal_month.and_then(|m| u32::try_from(m).ok()).filter(|m| (1..=12).contains(m));
    let next = f.next_renewal.map(|n| format!(" (next {})", app.day(n))).unwrap_or_default();
    let address = [
        d.billing_address_line.clone(),
        d.billing_city.clone(),
        d.billing_state.clone().map(|s| format!("{s} {}", d.billing_zip.clone().unwrap_or_default())),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let label = |l: &str| Span::styled(format!("{l:<18}"), app.theme.header);
    let row = |l: &str, v: String| Line::from(vec![label(l), Span::raw(sanitize(&v))]);
    vec![
        row(
            "Current premium",
            f.current_premium_cents.map_or_else(|| "not billed yet".into(), |c| format!("{} a month", dollars(c))),
        ),
        row("Renewal month", month.map_or_else(|| "not on file".into(), |m| format!("{}{next}", month_name(m)))),
        row("Renewal date", app.day(d.renewal_date)),
        row("Last renewal", opt_day(app, d.last_renewal_date)),
        row("Billing contact", d.billing_contact_name.clone().unwrap_or_else(|| "not on file".into())),
        row("Billing phone", d.billing_contact_phone.clone().unwrap_or_else(|| "not on file".into())),
        row("Billing email", d.billing_contact_email.clone().unwrap_or_else(|| "not on file".into())),
        row("Billing address", if address.is_empty() { "not on file".into() } else { address }),
        row("Waiting period", d.waiting_period_days.map_or_else(|| "not on file".into(), waiting_period)),
        row("Covered members", d.active_members.to_string()),
        row("Alerts", alerts_text(&f.alerts)),
    ]
}

fn plans(app: &App, p: &GroupPlans) -> Vec<Line<'static>> {
    let t = &app.theme;
    let which = if p.year == p.current_year { "current" } else { "prior" };
    let years: Vec<String> = p.years.iter().map(i64::to_string).collect();
    let cents = |c: Option<i64>| c.map_or_else(|| "—".to_owned(), dollars);
    let mut out = vec![
        Line::from(vec![
            Span::styled(format!("Plan year {} ({which})", p.year), t.header),
            Span::styled(format!("  y switches current/prior · on file {}", years.join(", ")), t.dim),
        ]),
        Line::styled(
            format!(
                "{:<7}{:<15}{:<8}{:<9}{:>10}{:>10}{:>10}{:>10}",
                "Plan", "Name", "Type", "Carrier", "EE", "EE+Sp", "EE+Ch", "Family"
            ),
            t.header,
        ),
    ];
    for r in &p.plans {
        out.push(Line::raw(sanitize(&format!(
            "{:<7}{:<15}{:<8}{:<9}{:>10}{:>10}{:>10}{:>10}",
            fit(&r.plan_code, 6),
            fit(&r.name, 14),
            fit(&r.coverage_type, 7),
            fit(r.carrier_code.as_deref().unwrap_or("—"), 8),
            cents(r.employee_cents),
            cents(r.employee_spouse_cents),
            cents(r.employee_children_cents),
            cents(r.family_cents)
        ))));
    }
    out.push(Line::styled("Settings", t.header));
    for r in &p.plans {
        out.push(Line::raw(sanitize(&format!(
            "{:<7}waiting {} days · COBRA fee {}% · {} · {}{}",
            fit(&r.plan_code, 6),
            r.waiting_period_days,
            r.cobra_admin_fee_pct,
            r.rating_type,
            r.carrier.as_deref().unwrap_or("no carrier"),
            r.carrier_phone.as_deref().map(|p| format!(" {p}")).unwrap_or_default()
        ))));
    }
    out.push(Line::styled("Bundles", t.header));
    if p.bundles.is_empty() {
        out.push(Line::raw("  none"));
    }
    let mut i = 0;
    while i < p.bundles.len() {
        let b = &p.bundles[i];
        let plans: Vec<&str> =
            p.bundles[i..].iter().take_while(|x| x.bundle_id == b.bundle_id).map(|x| x.plan_code.as_str()).collect();
        out.push(Line::raw(sanitize(&format!("  {} {} (for {}): {}", b.code, b.name, b.offered_to, plans.join(", ")))));
        i += plans.len();
    }
    out
}

fn draw_subscribers(f: &mut Frame, app: &App, s: &GroupScreen, page: &Page<SubscriberView>, r: Rect) {
    let t = &app.theme;
    let [head, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(r);
    let status = s.status.unwrap_or("all");
    let more = match (page.more_before, page.more_after) {
        (true, true) => " · more before and after",
        (false, true) => " · more after",
        (true, false) => " · more before",
        _ => "",
    };
    let family = if s.is_parent() { " · :export FILE.csv [family]" } else { " · :export FILE.csv" };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!("Status {status}"), t.header),
            Span::styled(format!(" (s: next) · {} on this page{more}{family}", page.rows.len()), t.dim),
        ])),
        head,
    );
    if page.rows.is_empty() {
        let msg = match s.status {
            Some(st) => format!("No subscriber of {} has status {st}: s shows the next status.", s.number),
            None => format!("{} has no subscribers.", s.number),
        };
        f.render_widget(Paragraph::new(msg).style(t.dim), table);
        return;
    }
    let header = Row::new(["Name", "Subscriber", "Group", "Plan", "Status", "Alert"]).style(t.header);
    let visible = usize::from(table.height.saturating_sub(1)).max(1);
    let first = s.selected.saturating_sub(visible - 1);
    let rows = page.rows.iter().skip(first).take(visible).map(|v| {
        let r = &v.row;
        Row::new([
            Cell::from(sanitize(&format!("{}, {}", r.last_name, r.first_name))),
            Cell::from(r.member_number.clone()),
            Cell::from(sanitize(&r.group_number)),
            Cell::from(sanitize(r.plan.as_deref().unwrap_or("—"))),
            Cell::from(r.status.clone()),
            Cell::from(icons(&v.alerts)).style(t.error),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Length(13),
        Constraint::Length(5),
    ];
    let tbl = Table::new(rows, widths).header(header).row_highlight_style(t.selected).column_spacing(1);
    let mut state = TableState::default().with_selected(Some(s.selected.min(page.rows.len() - 1) - first));
    f.render_stateful_widget(tbl, table, &mut state);
}

/// Draws the group in the list's place: its name, the tabs, the tab's body.
pub fn draw_group(f: &mut Frame, app: &App, s: &GroupScreen, r: Rect) {
    let t = &app.theme;
    let [head, tabs, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1)]).areas(r);
    let name = match s.file.shown() {
        Some(f) => {
            let d = &f.detail;
            sanitize(&format!("{} {} · {} · {}", d.group_number, d.name, d.status, d.employer))
        }
        None => s.number.clone(),
    };
    f.render_widget(Paragraph::new(Line::styled(fit(&name, usize::from(r.width)), t.header)), head);
    let mut spans = Vec::new();
    for tab in GroupTab::ALL {
        spans.push(Span::styled(format!(" {} ", tab.title()), if tab == s.tab { t.tab_active } else { t.tab }));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("Tab/S-Tab", t.dim));
    f.render_widget(Paragraph::new(Line::from(spans)), tabs);
    let failed = |p: &dyn Fn() -> bool| if p() { t.error } else { t.dim };
    let say = |f: &mut Frame, text: String, style| {
        let lines = vec![Line::styled(text, style), Line::styled("Esc goes back; Ctrl-R reads it again.", t.dim)];
        f.render_widget(Paragraph::new(lines), body);
    };
    // Every tab needs the group itself: an unknown group says so on each.
    let Some(file) = s.file.shown() else {
        let style = failed(&|| matches!(s.file, Part::Failed(_)));
        return say(f, s.file.placeholder(&format!("group {}", s.number)).unwrap_or_default(), style);
    };
    let lines = match s.tab {
        GroupTab::Details => details(app, file),
        GroupTab::Renewal => renewal(app, file),
        GroupTab::Billing => match s.billing.shown() {
            Some(b) => billing(app, b),
            None => {
                let style = failed(&|| matches!(s.billing, Part::Failed(_)));
                return say(f, s.billing.placeholder("billing").unwrap_or_default(), style);
            }
        },
        GroupTab::Plans => match s.plans.shown() {
            Some(p) => plans(app, p),
            None => {
                let style = failed(&|| matches!(s.plans, Part::Failed(_)));
                let text = s.plans.placeholder("plans").unwrap_or_default();
                let lines = vec![
                    Line::styled(text, style),
                    Line::styled("y goes back to the current plan year; Esc goes back.", t.dim),
                ];
                return f.render_widget(Paragraph::new(lines), body);
            }
        },
        GroupTab::Subscribers => match s.subscribers.shown() {
            Some(p) => return draw_subscribers(f, app, s, p, body),
            None => {
                let style = failed(&|| matches!(s.subscribers, Part::Failed(_)));
                return say(f, s.subscribers.placeholder("subscribers").unwrap_or_default(), style);
            }
        },
    };
    f.render_widget(Paragraph::new(lines).scroll((s.scroll, 0)), body);
}

impl Screen<App> for GroupScreen {
    fn act(&mut self, action: Action) -> Handled<App> {
        match action {
            // What Enter opens depends on the row and the app's other areas.
            Action::Open => Handled::Then(Box::new(|app: &mut App| app.open_employer_item())),
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn title(&self) -> String {
        format!("{} · {}", self.number, self.tab.title())
    }

    fn loading(&self) -> bool {
        self.file.loading() || self.billing.loading() || self.plans.loading() || self.subscribers.loading()
    }

    fn handle(&mut self, action: Action) -> bool {
        match action {
            Action::FocusNext | Action::FocusPrev => {
                self.tab = self.tab.step(action == Action::FocusNext);
                self.scroll = 0;
            }
            Action::Refresh => {
                self.file = Part::Unasked;
                match self.tab {
                    GroupTab::Billing => self.billing = Part::Unasked,
                    GroupTab::Plans => self.plans = Part::Unasked,
                    GroupTab::Subscribers => self.subscribers = Part::Unasked,
                    _ => {}
                }
            }
            Action::GroupPlans if self.tab == GroupTab::Plans => self.toggle_year(),
            Action::GroupSubscribers if self.tab == GroupTab::Subscribers => self.next_status(),
            Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::Top | Action::Bottom
                if self.tab == GroupTab::Subscribers =>
            {
                return self.move_subscribers(action);
            }
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Top => self.scroll = 0,
            // The tabs are short: the end is where they stop.
            Action::Bottom => {}
            _ => return false,
        }
        true
    }

    fn offers(&self) -> Vec<(Action, &'static str)> {
        let mut out = vec![(Action::Back, "back"), (Action::FocusNext, "tab")];
        match self.tab {
            GroupTab::Plans => out.push((Action::GroupPlans, "prior/current year")),
            GroupTab::Subscribers => {
                out.push((Action::Open, "member"));
                out.push((Action::GroupSubscribers, "status"));
            }
            _ => {}
        }
        out.extend([(Action::CommandLine, "command"), (Action::Help, "help")]);
        out
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        draw_group(f, app, self, r);
    }

    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        let Report::Answer(answer) = report else { return Reported::NotMine(report) };
        let answer = answer.map(|o| *o);
        let wrong = |o: Outcome| o.unexpected().to_string();
        let failed = answer.as_ref().err().cloned();
        if self.file.waits_for(id) {
            self.file.settle(answer.and_then(|o| match o {
                Outcome::Group(g) => Ok(*g),
                o => Err(wrong(o)),
            }));
        } else if self.billing.waits_for(id) {
            self.billing.settle(answer.and_then(|o| match o {
                Outcome::Billing(b) => Ok(*b),
                o => Err(wrong(o)),
            }));
        } else if self.plans.waits_for(id) {
            self.plans.settle(answer.and_then(|o| match o {
                Outcome::Plans(p) => Ok(*p),
                o => Err(wrong(o)),
            }));
        } else if self.subscribers.waits_for(id) {
            self.subscribers.settle(answer.and_then(|o| match o {
                Outcome::Subscribers(p) => Ok(p),
                o => Err(wrong(o)),
            }));
            let n = self.subscribers.shown().map_or(0, |p| p.rows.len());
            self.selected = self.selected.min(n.saturating_sub(1));
        } else {
            return Reported::NotMine(Report::Answer(answer.map(Box::new)));
        }
        // A refusal is said on the status line too, and stays in the tab.
        match failed {
            Some(why) => Reported::Failed(why),
            None => Reported::Shown,
        }
    }

    fn wants(&mut self) -> Option<Request> {
        let group = self.number.clone();
        if matches!(self.file, Part::Unasked) {
            self.file = Part::Loading(0);
            return Some(Request::GroupView { group });
        }
        // The tabs wait for the group: an unknown group is said once.
        if !matches!(self.file, Part::Shown(_)) {
            return None;
        }
        match self.tab {
            GroupTab::Billing if matches!(self.billing, Part::Unasked) => {
                self.billing = Part::Loading(0);
                Some(Request::GroupBilling { group })
            }
            GroupTab::Plans if matches!(self.plans, Part::Unasked) => {
                self.plans = Part::Loading(0);
                Some(Request::GroupPlans { group, year: self.year })
            }
            GroupTab::Subscribers if matches!(self.subscribers, Part::Unasked) => {
                self.subscribers = Part::Loading(0);
                Some(Request::GroupSubscribers {
                    group,
                    family: false,
                    status: self.status.map(str::to_owned),
                    dir: self.page.clone(),
                    limit: SUBSCRIBER_PAGE,
                })
            }
            _ => None,
        }
    }

    fn started(&mut self, id: TaskId) {
        for p in [&mut self.billing as &mut dyn Waiting, &mut self.plans, &mut self.subscribers, &mut self.file] {
            if p.take_id(id) {
                return;
            }
        }
    }
}

/// A part that waits for a task id to be given (`Loading(0)`).
trait Waiting {
    fn take_id(&mut self, id: TaskId) -> bool;
}

impl<T> Waiting for Part<T> {
    fn take_id(&mut self, id: TaskId) -> bool {
        if matches!(self, Part::Loading(0)) {
            *self = Part::Loading(id);
            return true;
        }
        false
    }
}
