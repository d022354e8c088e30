//! The employer view (area 7, Enter on an employer or `:employer QUERY`):
//! who the employer is, its groups as a tree (each parent, then its
//! suffixes), and the latest contacts, portal users, registration codes,
//! import jobs, cases and communications on the account. j/k select a row
//! that opens something: a group (the group view), a portal user (the
//! account), a case or an import job.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::part::Part;
use super::screen::{Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::text::{fit, sanitize};
use crate::ops::employers::EmployerView;
use crate::ops::request::{Outcome, Request};

/// What a row of the employer view opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Group(String),
    /// A portal user: its id, and the name the Accounts list is filtered by.
    Account {
        id: i64,
        name: String,
    },
    Case(String),
    Import(i64),
}

/// The employer the Employers area shows instead of its list.
#[derive(Debug, Clone)]
pub struct EmployerScreen {
    /// As typed or selected: an EIN, a group number or a name.
    pub query: String,
    pub file: Part<EmployerView>,
    /// The selected row among those that open something.
    pub selected: usize,
}

impl EmployerScreen {
    /// The view of the employer `query` finds, read once it is shown.
    pub fn new(query: String) -> EmployerScreen {
        EmployerScreen { query, file: Part::Unasked, selected: 0 }
    }

    /// The rows that open something, in the order they are drawn.
    pub fn targets(&self) -> Vec<Target> {
        let Some(v) = self.file.shown() else { return Vec::new() };
        let mut out: Vec<Target> = v.file.groups.iter().map(|g| Target::Group(g.group_number.clone())).collect();
        out.extend(
            v.portal_users
                .iter()
                .map(|u| Target::Account { id: u.id, name: format!("{} {}", u.last_name, u.first_name) }),
        );
        out.extend(v.cases.iter().map(|c| Target::Case(c.case_number.clone())));
        out.extend(v.imports.iter().map(|j| Target::Import(j.id)));
        out
    }

    /// The selected row's target.
    pub fn target(&self) -> Option<Target> {
        self.targets().get(self.selected).cloned()
    }
}

/// One line of the view, and the target it opens (its index among them).
struct Entry {
    line: Line<'static>,
    target: Option<usize>,
}

fn entries(app: &App, v: &EmployerView) -> Vec<Entry> {
    let t = &app.theme;
    let mut out = Vec::new();
    let mut n = 0;
    let head = |out: &mut Vec<Entry>, text: String| {
        out.push(Entry { line: Line::from(Span::styled(text, t.header)), target: None });
    };
    let plain = |out: &mut Vec<Entry>, text: String| out.push(Entry { line: Line::from(text), target: None });
    let mut link = |out: &mut Vec<Entry>, text: String| {
        out.push(Entry { line: Line::from(text), target: Some(n) });
        n += 1;
    };
    let when = |d: chrono::DateTime<chrono::Utc>| app.day(d.date_naive());
    let e = &v.file.employer;
    out.push(Entry {
        line: Line::from(vec![
            Span::styled(sanitize(&e.legal_name), t.header),
            Span::raw(format!("  EIN {} · {} group(s)", e.ein, e.groups)),
        ]),
        target: None,
    });
    head(&mut out, "Groups (parents, then their suffixes)".into());
    for g in &v.file.groups {
        let (indent, name_w) = if g.parent_group_id.is_some() { ("  └ ", 20) } else { ("  ", 22) };
        link(
            &mut out,
            format!(
                "{indent}{:<11} {:<name_w$} {:<10} subs {:<5} renews {}",
                sanitize(&g.group_number),
                fit(&sanitize(&g.name), name_w),
                g.status,
                g.subscribers,
                app.day(g.renewal_date)
            ),
        );
    }
    head(&mut out, "Contacts".into());
    if v.contacts.is_empty() {
        plain(&mut out, "  none on file".into());
    }
    for c in &v.contacts {
        plain(
            &mut out,
            sanitize(&format!(
                "  {:<11} {:<8} {} · {} · {}",
                c.group_number,
                c.role,
                c.name,
                c.phone.as_deref().unwrap_or("no phone"),
                c.email.as_deref().unwrap_or("no email")
            )),
        );
    }
    head(&mut out, "Portal users (Enter opens the account)".into());
    if v.portal_users.is_empty() {
        plain(&mut out, "  none: the employer has not registered on the portal".into());
    }
    for u in &v.portal_users {
        let last = u.last_login_at.map_or_else(|| "never signed in".to_owned(), |d| format!("last in {}", when(d)));
        link(&mut out, sanitize(&format!("  {} {} <{}> · {} · {last}", u.first_name, u.last_name, u.email, u.status)));
    }
    head(&mut out, "Cases (latest; Enter opens)".into());
    if v.cases.is_empty() {
        plain(&mut out, "  none".into());
    }
    for c in &v.cases {
        link(
            &mut out,
            sanitize(&format!(
                "  {} {:<11} {:<18} {:<10} {}",
                c.case_number,
                c.queue,
                c.status,
                c.group_number,
                fit(&c.subject, 30)
            )),
        );
    }
    head(&mut out, "Import jobs (latest; Enter opens)".into());
    if v.imports.is_empty() {
        plain(&mut out, "  none".into());
    }
    for j in &v.imports {
        link(
            &mut out,
            sanitize(&format!(
                "  job {:<5} {:<11} {:<9} {} ok, {} failed · {} · {}",
                j.id,
                j.kind,
                j.status,
                j.ok_rows,
                j.failed_rows,
                when(j.uploaded_at),
                fit(&j.file_name, 24)
            )),
        );
    }
    head(&mut out, "Registration codes".into());
    if v.codes.is_empty() {
        plain(&mut out, "  none issued".into());
    }
    for c in &v.codes {
        plain(
            &mut out,
            format!(
                "  code {:<5} …{} {:<8} issued {} by {} · expires {}",
                c.id,
                c.last4,
                c.status,
                when(c.issued_at),
                sanitize(&c.issued_by),
                when(c.expires_at)
            ),
        );
    }
    head(&mut out, "Communications (latest)".into());
    if v.communications.is_empty() {
        plain(&mut out, "  none".into());
    }
    for c in &v.communications {
        plain(
            &mut out,
            sanitize(&format!(
                "  {} {:<6} {}{}",
                when(c.sent_at),
                c.channel,
                fit(&c.subject, 40),
                c.group_number.as_deref().map(|g| format!(" ({g})")).unwrap_or_default()
            )),
        );
    }
    out
}

/// Draws the employer in the list's place.
pub fn draw_employer(f: &mut Frame, app: &App, s: &EmployerScreen, r: Rect) {
    let t = &app.theme;
    let Some(v) = s.file.shown() else {
        let why = s.file.placeholder(&format!("employer {}", fit(&s.query, 30))).unwrap_or_default();
        let style = if matches!(s.file, Part::Failed(_)) { t.error } else { t.dim };
        let text = vec![Line::styled(why, style), Line::styled("Esc goes back to the list.", t.dim)];
        f.render_widget(Paragraph::new(text), r);
        return;
    };
    let all = entries(app, v);
    let chosen = all.iter().position(|e| e.target == Some(s.selected));
    // Keep the selected row in sight: scroll so it sits in the lower part.
    let height = usize::from(r.height).max(1);
    let first = chosen.map_or(0, |c| c.saturating_sub(height.saturating_sub(3)));
    let lines: Vec<Line> = all
        .into_iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, e)| if Some(i) == chosen { e.line.style(t.selected) } else { e.line.style(Style::new()) })
        .collect();
    f.render_widget(Paragraph::new(lines), r);
}

impl Screen<App> for EmployerScreen {
    fn act(&mut self, action: Action) -> Handled<App> {
        match action {
            // What Enter opens depends on the row and the app's other areas.
            Action::Open => Handled::Then(Box::new(|app: &mut App| app.open_employer_item())),
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn title(&self) -> String {
        match self.file.shown() {
            Some(v) => format!("EIN {}", v.file.employer.ein),
            None => fit(&sanitize(&self.query), 30),
        }
    }

    fn loading(&self) -> bool {
        self.file.loading()
    }

    fn handle(&mut self, action: Action) -> bool {
        let n = self.targets().len();
        self.selected = match action {
            Action::Down => (self.selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.selected.saturating_sub(1),
            Action::PageDown => (self.selected + 10).min(n.saturating_sub(1)),
            Action::PageUp => self.selected.saturating_sub(10),
            Action::Top => 0,
            Action::Bottom => n.saturating_sub(1),
            Action::Refresh => {
                self.file = Part::Unasked;
                self.selected
            }
            _ => return false,
        };
        true
    }

    fn offers(&self) -> Vec<(Action, &'static str)> {
        vec![(Action::Back, "back"), (Action::Open, "open"), (Action::CommandLine, "command"), (Action::Help, "help")]
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        draw_employer(f, app, self, r);
    }

    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        match report {
            Report::Answer(answer) if self.file.waits_for(id) => {
                let answer = answer.and_then(|o| match *o {
                    Outcome::Employer(v) => Ok(*v),
                    other => Err(other.unexpected().to_string()),
                });
                match answer {
                    Ok(v) => {
                        self.file.settle(Ok(v));
                        self.selected = self.selected.min(self.targets().len().saturating_sub(1));
                        Reported::Shown
                    }
                    // An unknown EIN or group number closes the view, saying so.
                    Err(e) => Reported::Gone(e),
                }
            }
            other => Reported::NotMine(other),
        }
    }

    fn wants(&mut self) -> Option<Request> {
        matches!(self.file, Part::Unasked).then(|| {
            self.file = Part::Loading(0);
            Request::EmployerView { query: self.query.clone() }
        })
    }

    fn started(&mut self, id: TaskId) {
        if matches!(self.file, Part::Loading(0)) {
            self.file = Part::Loading(id);
        }
    }
}
