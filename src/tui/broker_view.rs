//! Drawing the broker view: who the broker is, licences, office staff, and
//! the book of business with each grant's permissions and dates.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::admin::BrokerScreen;
use super::app::App;
use super::screen::{Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::access::in_force;
use crate::domain::ssn::mask;
use crate::domain::text::sanitize;

/// Draws the open broker in the list's place.
pub fn draw_broker(f: &mut Frame, app: &App, s: &BrokerScreen, r: Rect) {
    let t = &app.theme;
    if let Some(c) = &s.commissions {
        let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(r);
        let who =
            s.file.as_ref().map(|f| format!(", {} {}", f.broker.first_name, f.broker.last_name)).unwrap_or_default();
        f.render_widget(Paragraph::new(Span::styled(sanitize(&format!("NPN {}{who}", s.npn)), t.header)), head);
        return super::commission_tab::draw_commissions(f, app, c, rest);
    }
    if let Some(b) = &s.book {
        let [head, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(r);
        let who =
            s.file.as_ref().map(|f| format!(", {} {}", f.broker.first_name, f.broker.last_name)).unwrap_or_default();
        f.render_widget(Paragraph::new(Span::styled(sanitize(&format!("NPN {}{who}", s.npn)), t.header)), head);
        return super::book_view::draw_book(f, app, b, rest);
    }
    let Some(file) = &s.file else {
        f.render_widget(Paragraph::new(format!("Loading broker {}…", s.npn)).style(t.dim), r);
        return;
    };
    let b = &file.broker;
    let today = app.ops.now().date_naive();
    let label = |l: &str| Span::styled(format!("{l:<10}"), t.header);
    let licences: Vec<String> = file
        .licences
        .iter()
        .map(|l| format!("{} {} (to {})", l.state, sanitize(&l.license_number), app.day(l.expires_on)))
        .collect();
    let office: Vec<String> = file
        .office
        .iter()
        .map(|u| sanitize(&format!("{} {} <{}> {}", u.first_name, u.last_name, u.email, u.status)))
        .collect();
    let head = vec![
        Line::from(vec![
            Span::styled(format!("NPN {}  ", b.npn), t.header),
            Span::raw(sanitize(&format!(
                "{}, {} · {} · tax ID {}",
                b.last_name,
                b.first_name,
                b.status,
                mask(Some(&b.tax_id_last4))
            ))),
        ]),
        Line::from(vec![
            label("Agency"),
            Span::raw(sanitize(&format!(
                "{}{} · {}",
                b.agency.as_deref().unwrap_or("none"),
                b.upline.as_deref().map(|u| format!(" (upline {u})")).unwrap_or_default(),
                b.email
            ))),
        ]),
        Line::from(vec![
            label("Licences"),
            Span::raw(if licences.is_empty() { "none".into() } else { licences.join(" · ") }),
        ]),
        Line::from(vec![
            label("Office"),
            Span::raw(if office.is_empty() { "no office staff users".into() } else { office.join(" · ") }),
        ]),
    ];
    let in_book = file.book.iter().filter(|g| in_force(g.starts_on, g.ends_on, today)).count();
    let [top, title, table] =
        Layout::vertical([Constraint::Length(head.len() as u16 + 1), Constraint::Length(1), Constraint::Min(1)])
            .areas(r);
    f.render_widget(Paragraph::new(head).wrap(ratatui::widgets::Wrap { trim: true }), top);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!("Book of business: {in_book} group(s) in force, {} grant(s) in all", file.book.len()),
                t.header,
            ),
            Span::styled("  Enter members · Tab book · F grant · H perms · W revoke", t.dim),
        ])),
        title,
    );
    // Below 100 columns the group's own dates give way, and years shorten.
    let wide = r.width >= 100;
    let day = |d: chrono::NaiveDate| if wide { app.day(d) } else { d.format("%y-%m-%d").to_string() };
    let mut titles = vec!["Grant", "Group", "Parent", "Status"];
    if wide {
        titles.extend(["Effective", "Renewal"]);
    }
    titles.extend(["Subs", "Via", "Perms", "From", "Until"]);
    let header = Row::new(titles).style(t.header);
    // Only the rows that fit are built: a book may hold thousands of grants.
    let visible = usize::from(table.height.saturating_sub(1)).max(1);
    let first = s.selected.saturating_sub(visible - 1);
    let rows = file.book.iter().skip(first).take(visible).map(|g| {
        let ended = !in_force(g.starts_on, g.ends_on, today);
        let perms = [(g.can_view, "V"), (g.can_enroll, "E"), (g.can_bill, "B")]
            .iter()
            .map(|(on, c)| if *on { *c } else { "-" })
            .collect::<String>();
        let mut cells = vec![
            g.grant_id.to_string(),
            sanitize(&g.group_number),
            g.parent_number.clone().unwrap_or_else(|| "-".into()),
            g.group_status.clone(),
        ];
        if wide {
            cells.extend([day(g.original_effective_date), day(g.renewal_date)]);
        }
        cells.extend([
            g.subscribers.to_string(),
            g.via.clone(),
            perms,
            day(g.starts_on),
            g.ends_on.map(day).unwrap_or_else(|| "-".into()),
        ]);
        let row = Row::new(cells.into_iter().map(Cell::from));
        if ended { row.style(t.dim) } else { row }
    });
    let date_w = if wide { 10 } else { 8 };
    let mut widths = vec![Constraint::Length(5), Constraint::Fill(1), Constraint::Length(9), Constraint::Length(6)];
    if wide {
        widths.extend([Constraint::Length(date_w), Constraint::Length(date_w)]);
    }
    widths.extend([
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Length(date_w),
        Constraint::Length(date_w),
    ]);
    let tbl = Table::new(rows, widths).header(header).row_highlight_style(t.selected).column_spacing(1);
    let mut state = TableState::default().with_selected((!file.book.is_empty()).then_some(s.selected - first));
    f.render_stateful_widget(tbl, table, &mut state);
}

impl Screen<App> for BrokerScreen {
    fn title(&self) -> String {
        format!("NPN {}", self.npn)
    }

    fn loading(&self) -> bool {
        self.loading.is_some()
            || self.book.as_ref().is_some_and(|b| b.page.loading())
            || self.commissions.as_ref().is_some_and(|c| c.part.loading())
    }

    fn act(&mut self, action: Action) -> Handled<App> {
        if let Some(c) = &mut self.commissions
            && let Some(done) = c.handle(action)
        {
            return match done {
                Ok(()) => Handled::Done,
                Err(why) => Handled::Then(Box::new(move |app: &mut App| app.complain(why))),
            };
        }
        match action {
            Action::Open if self.commissions.is_some() => Handled::Then(Box::new(|app: &mut App| {
                app.complain(":statement FILE.csv writes the selected statement")
            })),
            Action::Open | Action::BrokerView => Handled::Then(Box::new(|app: &mut App| app.broker_group_members())),
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn handle(&mut self, action: Action) -> bool {
        if matches!(action, Action::FocusNext | Action::FocusPrev) {
            // Tab steps grants → book of business → commission statements → grants.
            let (book, commissions) = (self.book.take(), self.commissions.take());
            match (book, commissions) {
                (None, None) => self.book = Some(Box::new(super::book_view::BookTab::new("", Default::default()))),
                (Some(_), _) => self.commissions = Some(Box::new(super::commission_tab::CommissionTab::new(None))),
                (None, Some(_)) => {}
            }
            return true;
        }
        if let Some(b) = &mut self.book {
            return b.handle(action);
        }
        let n = self.file.as_ref().map_or(0, |f| f.book.len());
        self.selected = match action {
            Action::Down => (self.selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.selected.saturating_sub(1),
            Action::PageDown => (self.selected + 10).min(n.saturating_sub(1)),
            Action::PageUp => self.selected.saturating_sub(10),
            Action::Top => 0,
            Action::Bottom => n.saturating_sub(1),
            _ => return false,
        };
        true
    }

    fn offers(&self) -> Vec<(Action, &'static str)> {
        if self.commissions.is_some() {
            return vec![
                (Action::Back, "back"),
                (Action::FocusNext, "grants"),
                (Action::CasePrevQueue, "earlier"),
                (Action::CaseNextQueue, "later"),
                (Action::CommissionGet, "write"),
                (Action::CommandLine, "command"),
                (Action::Help, "help"),
            ];
        }
        if self.book.is_some() {
            return vec![
                (Action::Back, "back"),
                (Action::Open, "group"),
                (Action::FocusNext, "statements"),
                (Action::BrokerBook, "filter"),
                (Action::CommandLine, "command"),
                (Action::Help, "help"),
            ];
        }
        vec![
            (Action::Back, "back"),
            (Action::FocusNext, "book"),
            (Action::Open, "members"),
            (Action::AccessGrant, "grant"),
            (Action::AccessChange, "perms"),
            (Action::AccessRevoke, "revoke"),
            (Action::CommandLine, "command"),
            (Action::Help, "help"),
        ]
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        draw_broker(f, app, self, r);
    }

    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        let report = match (report, &mut self.commissions) {
            (Report::Answer(answer), Some(c)) if c.part.waits_for(id) => {
                c.take(answer.map(|o| *o));
                return Reported::Shown;
            }
            (report, _) => report,
        };
        let report = match (report, &mut self.book) {
            (Report::Answer(answer), Some(b)) if b.page.waits_for(id) => {
                return match b.take(answer.map(|o| *o)) {
                    Ok(()) => Reported::Shown,
                    Err(why) => Reported::Failed(why),
                };
            }
            (report, _) => report,
        };
        if self.loading != Some(id) {
            return Reported::NotMine(report);
        }
        let result = match report.screen::<Option<Box<crate::store::brokers::BrokerFile>>>() {
            Ok(result) => result,
            Err(other) => return Reported::NotMine(other),
        };
        self.loading = None;
        match result {
            Ok(Some(f)) => {
                self.selected = self.selected.min(f.book.len().saturating_sub(1));
                self.file = Some(f);
                Reported::Shown
            }
            Ok(None) => Reported::Gone(format!("no broker with NPN {}", self.npn)),
            Err(e) => Reported::Failed(e),
        }
    }

    fn wants(&mut self) -> Option<crate::ops::request::Request> {
        let npn = self.npn.clone();
        if let Some(c) = &mut self.commissions {
            return c.wants(&npn);
        }
        self.book.as_mut().and_then(|b| b.wants(&npn))
    }

    fn started(&mut self, id: TaskId) {
        if let Some(b) = &mut self.book {
            b.started(id);
        }
        if let Some(c) = &mut self.commissions {
            c.started(id);
        }
    }
}
