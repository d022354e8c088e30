//! Drawing the case view, the prompt box and the confirmation dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::App;
use super::cases::CaseScreen;
use super::screen::{Handled, Reported, Screen};
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::columns::due;
use crate::domain::presence::EntityKind;
use crate::domain::text::sanitize;
use crate::store::cases::CaseFile;

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// The case view's lines (before scrolling): the facts, compact enough
/// that the timeline starts on screen at 80x24, then the timeline, oldest first.
pub fn case_lines<'a>(app: &App, s: &CaseScreen, f: &'a CaseFile) -> Vec<Line<'a>> {
    let t = &app.theme;
    let c = &f.case;
    let now = app.ops.now();
    let label = |l: &str| Span::styled(format!("{l:<12}"), t.header);
    let sla = if c.status == "awaiting_info" {
        Span::styled("SLA paused (awaiting information)", t.dim)
    } else if c.closed_at.is_some() {
        Span::styled(format!("closed {}", c.closed_at.map(when).unwrap_or_default()), t.dim)
    } else {
        let style = if c.sla_due_at < now { t.overdue } else { t.dim };
        Span::styled(format!("SLA due {} ({})", when(c.sla_due_at), due(now, c.sla_due_at)), style)
    };
    let subscriber = match (&c.subscriber_name, &c.subscriber_ref) {
        (Some(n), Some(r)) => format!("{n} ({r})"),
        (Some(n), None) => n.clone(),
        _ => "-".into(),
    };
    let mut out = vec![
        Line::from(vec![
            Span::styled(format!("{}  ", c.case_number), t.header),
            Span::raw(format!("{} · {} · priority {} · v{}", c.queue, c.status, c.priority, c.row_version)),
        ]),
        Line::from(vec![label("Subject"), Span::raw(sanitize(&c.subject))]),
        Line::from(vec![
            label("Company"),
            Span::raw(sanitize(&format!("{} · groups {}", c.company_name, c.group_numbers))),
        ]),
        Line::from(vec![label("Subscriber"), Span::raw(sanitize(&subscriber))]),
        Line::from(vec![
            label("Submitted"),
            Span::raw(format!("{} by {}", when(c.submitted_at), sanitize(&c.submitted_by))),
        ]),
        Line::from(vec![
            label("Assignee"),
            Span::raw(format!("{} · ", c.assignee_login.as_deref().unwrap_or("unassigned"))),
            sla,
            Span::raw(c.info_due_at.map(|d| format!(" · info due {}", when(d))).unwrap_or_default()),
        ]),
    ];
    if let Some(r) = &c.resolution {
        out.push(Line::from(vec![label("Resolution"), Span::raw(sanitize(r))]));
    }
    let links = s.links();
    if !links.is_empty() {
        let mut spans = vec![label("Open")];
        for (i, (what, key)) in links.iter().enumerate() {
            let style = if i == s.link { t.selected } else { t.key };
            spans.push(Span::styled(format!("[{what} {key}]"), style));
            spans.push(Span::raw(" "));
        }
        let (open, next) = (app.keymap.label(Action::Open), app.keymap.label(Action::FocusNext));
        spans.push(Span::styled(format!("{open} opens, {next} moves"), t.dim));
        out.push(Line::from(spans));
    }
    if f.missing_paperwork() {
        out.push(Line::from(Span::styled(
            "! Retroactive request without an Exception Request Form: missing paperwork",
            t.error,
        )));
    }
    let description = crate::domain::text::sanitize_multiline(&c.description);
    for (i, l) in description.lines().enumerate() {
        out.push(Line::from(vec![label(if i == 0 { "Description" } else { "" }), Span::raw(l.to_owned())]));
    }
    let files: Vec<String> = f
        .attachments
        .iter()
        .map(|a| format!("{} ({}, {})", sanitize(&a.file_name), a.kind, size(a.size_bytes)))
        .collect();
    out.push(Line::from(vec![
        label("Attachments"),
        Span::raw(if files.is_empty() { "none".to_owned() } else { files.join(" · ") }),
    ]));
    out.push(Line::from(Span::styled(format!("Timeline ({})", f.events.len()), t.header)));
    for e in &f.events {
        let who = e.staff_login.clone().unwrap_or_else(|| "portal".into());
        let text = crate::domain::text::sanitize_multiline(&e.body);
        let mut body = text.lines();
        let first = body.next().unwrap_or("").to_owned();
        out.push(Line::from(vec![
            Span::styled(format!("  {}  {who:<10} {:<14} ", when(e.at), e.kind), t.dim),
            Span::raw(first),
        ]));
        for more in body {
            out.push(Line::from(format!("{:>45}{more}", "")));
        }
    }
    out
}

/// Draws the open case in the list's place.
pub fn draw_case(f: &mut Frame, app: &App, s: &CaseScreen, r: Rect) {
    let t = &app.theme;
    if let Some(e) = &s.error {
        let msg = format!("Could not load {}: {e}\nPress Ctrl-R to retry, Esc to go back.", s.number);
        f.render_widget(Paragraph::new(msg).style(t.error), r);
        return;
    }
    let Some(file) = &s.file else {
        f.render_widget(Paragraph::new(format!("Loading {}…", s.number)).style(t.dim), r);
        return;
    };
    let lines = case_lines(app, s, file);
    let r = super::widgets::presence_line(f, app.presence_line(EntityKind::Case, &file.case.case_number), t.key, r);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((s.scroll, 0)), r);
}

impl Screen<App> for CaseScreen {
    fn title(&self) -> String {
        self.number.clone()
    }

    fn loading(&self) -> bool {
        self.loading.is_some()
    }

    fn act(&mut self, action: Action) -> Handled<App> {
        match action {
            Action::Open => Handled::Then(Box::new(|app: &mut App| app.follow_case_link())),
            _ if self.handle(action) => Handled::Done,
            _ => Handled::Ignored,
        }
    }

    fn handle(&mut self, action: Action) -> bool {
        match action {
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(10),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::Top => self.scroll = 0,
            Action::FocusNext | Action::FocusPrev => {
                let n = self.links().len().max(1);
                let step = if action == Action::FocusNext { 1 } else { n - 1 };
                self.link = (self.link + step) % n;
            }
            _ => return false,
        }
        true
    }

    fn offers(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::Back, "back"),
            (Action::CaseAssignMe, "mine"),
            (Action::CaseNote, "note"),
            (Action::CaseRequestInfo, "ask info"),
            (Action::CaseInfoReceived, "received"),
            (Action::CaseResolve, "resolve"),
            (Action::CaseReopen, "reopen"),
            (Action::Down, "scroll"),
            (Action::CommandLine, "more"),
            (Action::Help, "help"),
        ]
    }

    fn draw(&self, f: &mut Frame, app: &App, r: Rect) {
        draw_case(f, app, self, r);
    }

    fn on_report(&mut self, id: TaskId, report: Report) -> Reported {
        if self.loading != Some(id) {
            return Reported::NotMine(report);
        }
        match report.screen::<Option<Box<CaseFile>>>() {
            Ok(result) => {
                self.loading = None;
                match result {
                    Ok(Some(f)) => (self.file, self.error) = (Some(f), None),
                    Ok(None) => return Reported::Gone(format!("no case {}", self.number)),
                    Err(e) => self.error = Some(e),
                }
                Reported::Shown
            }
            Err(other) => Reported::NotMine(other),
        }
    }
}
