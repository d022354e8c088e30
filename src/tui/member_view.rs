//! Drawing the member view: a tab bar and the current tab's lines.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::App;
use super::members::{MemberScreen, TABS};
use super::screen::{Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::domain::cobra::{event_facts, event_name, next_due, payment_standing};
use crate::domain::presence::EntityKind;
use crate::domain::ssn::mask;
use crate::domain::text::sanitize;
use crate::store::members::MemberFile;

fn money(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// The lines of the current tab.
pub fn tab_lines<'a>(app: &App, s: &MemberScreen, f: &'a MemberFile) -> Vec<Line<'a>> {
    let date = |d: chrono::NaiveDate| app.day(d);
    let t = &app.theme;
    let m = &f.member;
    let label = |l: &str| Span::styled(format!("{l:<13}"), t.header);
    let none = |what: &str| vec![Line::from(Span::styled(format!("No {what} on file."), t.dim))];
    let links: Vec<Line> = s
        .links()
        .into_iter()
        .enumerate()
        .map(|(i, (text, _, _))| {
            let style = if i == s.selected { t.selected } else { t.key };
            Line::from(vec![Span::raw("  "), Span::styled(text, style)])
        })
        .collect();
    match TABS[s.tab] {
        "Demographics" => {
            let ssn = match &s.revealed {
                Some((ssn, until)) => {
                    let left = until.saturating_sub(app.tick) * app.tick_ms / 1000;
                    Span::styled(format!("{ssn}  (revealed; masked again in {left} s)"), t.error)
                }
                None => Span::raw(mask(m.ssn_last4.as_deref())),
            };
            let mut out = vec![
                Line::from(vec![
                    label("Name"),
                    Span::raw(sanitize(&format!("{}, {}", m.last_name, m.first_name))),
                    Span::styled(format!("  {} · {} · {}", m.member_type, m.relationship, m.status), t.dim),
                ]),
                Line::from(vec![
                    label("Member ID"),
                    Span::raw(format!("{}   individual {}", m.member_number, m.individual_id)),
                ]),
                Line::from(vec![label("SSN"), ssn]),
                Line::from(vec![
                    label("Born"),
                    Span::raw(format!(
                        "{}   gender {}   language {}",
                        date(m.birth_date),
                        m.gender,
                        sanitize(&m.language)
                    )),
                ]),
                Line::from(vec![
                    label("Address"),
                    Span::raw(sanitize(&format!("{}, {}, {} {}", m.address_line, m.city, m.state, m.zip))),
                ]),
                Line::from(vec![
                    label("Contact"),
                    Span::raw(sanitize(&format!(
                        "{}   {}",
                        m.phone.as_deref().unwrap_or("no phone"),
                        m.email.as_deref().unwrap_or("no email")
                    ))),
                ]),
                Line::from(vec![label("Group"), Span::raw(sanitize(&format!("{} · {}", m.group_number, m.employer)))]),
            ];
            if !links.is_empty() {
                out.push(Line::from(Span::styled("Family (Enter opens)", t.header)));
                out.extend(links);
            }
            out
        }
        "Events" if f.events.is_empty() => none("qualifying events"),
        "Events" => f
            .events
            .iter()
            .flat_map(|e| {
                let facts = event_facts(
                    e.event_code,
                    e.disability_extension,
                    e.loss_of_coverage_date,
                    e.notice_date,
                    e.election_date,
                );
                let elected = e.election_date.map(date).unwrap_or_else(|| "not elected".into());
                let premium = match (facts.first_premium_due, facts.first_premium_grace_end) {
                    (Some(d), Some(g)) => format!("first premium due {} (grace to {})", date(d), date(g)),
                    _ => "premiums start 45 days after election".into(),
                };
                vec![
                    Line::from(vec![
                        Span::styled(format!("{} {}", e.event_code, event_name(e.event_code)), t.header),
                        Span::raw(format!(
                            "  event {} · coverage lost {} · notice {} · elected {elected}",
                            date(e.event_date),
                            date(e.loss_of_coverage_date),
                            date(e.notice_date)
                        )),
                    ]),
                    Line::from(format!(
                        "  {} months{} · elect by {} · coverage ends {} · {premium}",
                        facts.months,
                        if e.disability_extension { " (disability extension)" } else { "" },
                        date(facts.election_deadline),
                        date(facts.coverage_end)
                    )),
                ]
            })
            .collect(),
        "Plans" if f.enrollments.is_empty() => none("plan enrollments"),
        "Plans" => f
            .enrollments
            .iter()
            .map(|e| {
                Line::from(format!(
                    "{:<5} {:<20} {:<18} {} – {:<10} {}",
                    e.plan_code,
                    sanitize(&e.plan_name),
                    e.tier,
                    date(e.coverage_start),
                    e.coverage_end.map(date).unwrap_or_else(|| "open".into()),
                    e.status
                ))
            })
            .collect(),
        "Payments" if f.premiums.is_empty() => none("premiums"),
        "Payments" => {
            let today = app.ops.now().date_naive();
            f.premiums
                .iter()
                .map(|p| {
                    let paid = p.paid_cents.zip(p.received_on);
                    let standing = payment_standing(p.amount_cents, p.due_date, paid, today);
                    let got = match paid {
                        Some((c, on)) => {
                            format!("paid {} on {} by {}", money(c), date(on), p.method.as_deref().unwrap_or("?"))
                        }
                        None => "nothing received".into(),
                    };
                    Line::from(vec![
                        Span::raw(format!(
                            "{} due {} {:>10}  {got}  ",
                            p.period_start.format("%b %Y"),
                            date(p.due_date),
                            money(p.amount_cents)
                        )),
                        Span::styled(standing.describe(), t.dim),
                    ])
                })
                .chain(f.premiums.last().map(|p| {
                    Line::from(Span::styled(format!("Next premium due {}", date(next_due(p.due_date))), t.dim))
                }))
                .collect()
        }
        "Communications" if f.communications.is_empty() => none("communications"),
        "Communications" => f
            .communications
            .iter()
            .map(|c| {
                Line::from(vec![
                    Span::styled(format!("{}  {:<6} ", date(c.sent_at.date_naive()), c.channel), t.dim),
                    Span::raw(sanitize(&format!("{} — {}", c.subject, c.body))),
                ])
            })
            .collect(),
        "Letters" if f.letters.is_empty() => none("letters"),
        "Letters" => f
            .letters
            .iter()
            .map(|l| {
                Line::from(format!(
                    "{}  {:<24} {}",
                    date(l.created_at.date_naive()),
                    l.letter_type,
                    sanitize(&l.file_name)
                ))
            })
            .collect(),
        "History" if f.history.is_empty() => none("changes made by hand"),
        "History" => f
            .history
            .iter()
            .map(|h| {
                let mut spans = vec![
                    Span::styled(format!("{} ", h.at.format("%Y-%m-%d %H:%M")), t.dim),
                    Span::raw(sanitize(&format!("{:<10} {}", h.operator, h.summary))),
                ];
                if let Some(c) = &h.case_number {
                    spans.push(Span::styled(format!("  {c}"), t.dim));
                }
                if h.undone_by.is_some() {
                    spans.push(Span::styled("  reverted", t.dim));
                }
                Line::from(spans)
            })
            .collect(),
        _ if links.is_empty() => none("cases"),
        _ => {
            let mut out =
                vec![Line::from(Span::styled("Cases about this member (Enter opens; open ones first)", t.header))];
            out.extend(links);
            out
        }
    }
}

/// Draws the open member in the list's place.
pub fn draw_member(f: &mut Frame, app: &App, s: &MemberScreen, r: Rect) {
    let t = &app.theme;
    let Some(file) = &s.file else {
        f.render_widget(Paragraph::new(format!("Loading {}…", s.number)).style(t.dim), r);
        return;
    };
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(r);
    let mut spans = Vec::new();
    for (i, name) in TABS.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(*name, if i == s.tab { t.tab_active } else { t.tab }));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), tabs);
    let lines = tab_lines(app, s, file);
    let body = super::widgets::presence_line(f, app.presence_line(EntityKind::Member, &s.number), t.key, body);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((s.scroll, 0)), body);
}

impl Screen<App> for MemberScreen {
    fn title(&self) -> String {
        self.number.clone()
    }

    fn loading(&self) -> bool {
        self.loading.is_some()
    }

    fn act(&mut self, action: Action) -> Handled<App> {
        match action {
            Action::Open | Action::MemberView => Handled::Then(Box::new(|app: &mut App| app.follow_member_link())),
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn handle(&mut self, action: Action) -> bool {
        let links = self.links().len();
        match action {
            Action::FocusNext | Action::FocusPrev => {
                let step = if action == Action::FocusNext { 1 } else { TABS.len() - 1 };
                self.tab = (self.tab + step) % TABS.len();
                self.scroll = 0;
                self.selected = 0;
            }
            Action::Down if links > 0 => self.selected = (self.selected + 1).min(links - 1),
            Action::Up if links > 0 => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Top => {
                self.scroll = 0;
                self.selected = 0;
            }
            _ => return false,
        }
        true
    }

    fn offers(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::Back, "back"),
            (Action::FocusNext, "next tab"),
            (Action::Open, "open"),
            (Action::MemberRevealSsn, "reveal SSN"),
            (Action::CommandLine, "command"),
            (Action::Help, "help"),
        ]
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        draw_member(f, app, self, r);
    }

    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        if self.loading != Some(id) {
            return Reported::NotMine(report);
        }
        match report.screen::<Box<crate::store::members::MemberFile>>() {
            Ok(result) => {
                self.loading = None;
                // A member that cannot be read (gone, or not allowed) closes its view.
                result.map_or_else(Reported::Gone, |f| {
                    self.file = Some(f);
                    Reported::Shown
                })
            }
            Err(other) => Reported::NotMine(other),
        }
    }
}
