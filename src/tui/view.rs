//! Drawing the app: banner, area tabs, breadcrumbs, the list (or the
//! screen in front, which draws itself), status and footer; help and the
//! modals over them. Pure functions of `App`, but for the help's scrolling.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::{App, Mode};
use super::screen::Area;
use super::widgets::{centered, wrap};
use crate::action::Action;
use crate::command::WORDS;
use crate::domain::case::CaseView;
use crate::keys::Key;

const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

/// Draws one frame.
pub fn render(f: &mut Frame, app: &App) {
    let area = f.area();
    if let Some(input) = &app.locked {
        return super::lock::draw_lock(f, app, input);
    }
    if app.too_small() {
        let msg = format!(
            "portaldesk needs at least 80x24; this terminal is {}x{}. Enlarge it, or press q to quit.",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }), area);
        return;
    }
    let strip = if app.area.has_queue_strip() { 1 } else { 0 };
    let [banner, tabs, crumbs, queues, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(strip),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_banner(f, app, banner);
    draw_tabs(f, app, tabs);
    draw_crumbs(f, app, crumbs);
    if strip == 1 {
        draw_queues(f, app, queues);
    }
    app.in_front().draw(f, app, body);
    draw_status(f, app, status);
    draw_footer(f, app, footer);
    match &app.mode {
        Mode::Help => draw_help(f, app, area),
        Mode::Record(v) => super::record_view::draw_record(f, app, v, body),
        Mode::Prompt(p) => super::dialog::draw_prompt(f, app, p, body),
        Mode::Confirm(c) => super::dialog::draw_confirm(f, app, c, area),
        Mode::ShowCode(c) => draw_code(f, app, c, area),
        Mode::Form(form) => super::form_view::draw_form(f, app, form, body),
        _ => {}
    }
}

/// Shortens text from the left (`…/data/demo.sqlite`), keeping the end that tells most.
fn clip_left(s: &str, n: usize) -> String {
    let len = s.chars().count();
    if len <= n {
        return s.to_owned();
    }
    let tail: String = s.chars().skip(len - n.saturating_sub(1)).collect();
    format!("…{tail}")
}

fn draw_banner(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let op = app.ops.operator();
    let env = format!(" {} ", app.environment.to_uppercase());
    let who = format!(" {} ({}) ", op.login, app.ops.role().as_str());
    let ro = match (app.reconnecting, app.ops.read_only()) {
        (true, _) => " reconnecting… ",
        (false, true) => " READ-ONLY ",
        (false, false) => "",
    };
    // The read replica's lag, or why reads go to the primary.
    let replica = app.ops.store().replica_status();
    let width = usize::from(r.width);
    let base = " portaldesk ".len() + env.chars().count() + who.chars().count() + ro.chars().count();
    // The long note where it leaves the database 20 columns, else the short one.
    let replica_note = match &replica {
        Some(s) if !s.note().is_empty() && base + s.note().chars().count() + 2 + 20 <= width => {
            format!(" {} ", s.note())
        }
        Some(s) if !s.note().is_empty() => format!(" {} ", s.short_note()),
        _ => String::new(),
    };
    let replica_style = if replica.is_some_and(|s| s.readable()) { t.banner } else { t.env };
    let clock = app.ops.now().format(" %H:%M UTC ").to_string();
    let fixed = base + replica_note.chars().count();
    // The database gets what is left; the clock goes first when space is short.
    let show_clock = width >= fixed + clock.len() + 30;
    let room = width.saturating_sub(fixed + if show_clock { clock.len() } else { 0 } + 2);
    let db = format!(" {} ", clip_left(app.ops.store().url(), room));
    let mut spans = vec![
        Span::styled(" portaldesk ", t.banner),
        Span::styled(env, t.env),
        Span::styled(db, t.banner),
        Span::styled(who, t.banner),
        Span::styled(ro, t.env),
        Span::styled(replica_note, replica_style),
    ];
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if show_clock {
        spans.push(Span::styled(" ".repeat(width.saturating_sub(used + clock.len())), t.banner));
        spans.push(Span::styled(clock, t.banner));
    }
    f.render_widget(Paragraph::new(Line::from(spans)).style(t.banner), r);
}

fn draw_tabs(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    // Padded tabs with gaps; at 80 columns (eight areas) the padding goes,
    // a single space between tabs is left, and the active tab stands out by colour.
    let label = |a: &Area, pad: &str| format!("{pad}{} {}{pad}", app.keymap.label(a.action()), a.title());
    let fits = |pad: &str, gap: usize| {
        Area::ALL.iter().map(|a| label(a, pad).chars().count() + gap).sum::<usize>() <= usize::from(r.width)
    };
    let (pad, gap) = if fits(" ", 1) {
        (" ", " ")
    } else if fits(" ", 0) {
        (" ", "")
    } else {
        ("", " ")
    };
    if pad.is_empty() {
        spans.push(Span::raw(" "));
    }
    for a in Area::ALL {
        spans.push(Span::styled(label(&a, pad), if a == app.area { t.tab_active } else { t.tab }));
        spans.push(Span::raw(gap));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn crumbs(app: &App) -> String {
    let stack = app.stack(app.area);
    let mut parts = vec![app.area.title().to_owned()];
    // The list's part: its view and filter, if any.
    parts.extend(Some(stack.bottom().title()).filter(|t| !t.is_empty()));
    let screens = stack.titles();
    if screens.is_empty()
        && let Mode::Record(v) = &app.mode
    {
        parts.push(v.record.fields().0);
    }
    parts.extend(screens);
    if app.area.has_queue_strip() && !app.marked.is_empty() {
        parts.push(format!("{} marked", app.marked.len()));
    }
    parts.join(" › ")
}

fn draw_crumbs(f: &mut Frame, app: &App, r: Rect) {
    let pane = app.pane();
    let mut spans = vec![Span::styled(crumbs(app), app.theme.header)];
    if pane.loading.is_some() || app.front().is_some_and(|s| s.loading()) {
        spans.push(Span::styled(
            format!("  {} loading… (Ctrl-C cancels)", SPINNER[(app.tick % 4) as usize]),
            app.theme.dim,
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

/// A short name for narrow terminals.
fn short_view(v: CaseView) -> &'static str {
    match v.name() {
        "eligibility" => "elig",
        "enrollment" => "enrol",
        "support" => "supp",
        "unassigned" => "unasg",
        "awaiting" => "await",
        other => other,
    }
}

fn draw_queues(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let keys = format!("{}/{} ", app.keymap.label(Action::CasePrevQueue), app.keymap.label(Action::CaseNextQueue));
    let label = |v: CaseView, short: bool| {
        let n = app.counts.iter().find(|(c, _)| *c == v).map(|(_, n)| n.to_string()).unwrap_or_else(|| "…".into());
        format!("{} {}", if short { short_view(v) } else { v.name() }, n)
    };
    let full: usize = keys.len() + CaseView::ALL.iter().map(|v| label(*v, false).chars().count() + 1).sum::<usize>();
    let short = full > usize::from(r.width);
    let mut spans = vec![Span::styled(keys, t.key)];
    for v in CaseView::ALL {
        let style = if v == app.case_view() { t.tab_active } else { t.tab };
        spans.push(Span::styled(label(v, short), style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn draw_status(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let (prefix, editing) = match &app.mode {
        Mode::Command => (":", true),
        Mode::Filter(_) => ("/", true),
        _ => ("", false),
    };
    if editing {
        let width = usize::from(r.width.saturating_sub(1));
        let scroll = app.input.visual_scroll(width);
        let shown: String = app.input.value().chars().skip(scroll).collect();
        f.render_widget(Paragraph::new(format!("{prefix}{}", crate::domain::text::sanitize(&shown))), r);
        let x = (app.input.visual_cursor().saturating_sub(scroll) + 1) as u16;
        f.set_cursor_position((r.x + x.min(r.width.saturating_sub(1)), r.y));
        return;
    }
    let pane = app.pane();
    let position = if pane.rows.is_empty() || app.front().is_some() {
        String::new()
    } else {
        // Where the selection stands in the whole list, once counted.
        let of = pane.total.map_or_else(|| "…".to_owned(), |t| t.label());
        match pane.position() {
            Some(n) => format!(" row {} of {of} ", crate::store::count::grouped(n as u64)),
            None => format!(" near the end of {of} "),
        }
    };
    let (mut text, mut style) = match &app.message {
        Some(m) => (m.text.clone(), if m.error { t.error } else { t.ok }),
        None => (String::new(), Style::new()),
    };
    if app.waiting_keys() > 0 {
        // Keys typed ahead wait for the load they follow; say so.
        let spin = SPINNER[(app.tick % 4) as usize];
        text = format!("{spin} {} key(s) waiting for the screen to load; Ctrl-C drops them", app.waiting_keys());
        style = t.dim;
    }
    let position_width = unicode_width::UnicodeWidthStr::width(position.as_str());
    let avail = usize::from(r.width).saturating_sub(position_width).saturating_sub(1);
    // A message cut short says where to read it whole (`clip` adds the "…").
    const WHOLE: &str = " (:messages)";
    let text = if unicode_width::UnicodeWidthStr::width(text.as_str()) > avail {
        format!("{}{WHOLE}", crate::domain::text::clip(&text, avail.saturating_sub(WHOLE.len() + 1)))
    } else {
        text
    };
    let line = Line::from(vec![Span::styled(text, style)]);
    let [left, right] = Layout::horizontal([Constraint::Min(1), Constraint::Length(position_width as u16)]).areas(r);
    f.render_widget(Paragraph::new(line), left);
    f.render_widget(Paragraph::new(position).style(t.dim), right);
}

/// The hints the footer shows in the current mode.
pub fn footer_hints(app: &App) -> Vec<(String, &'static str)> {
    match &app.mode {
        Mode::Command => vec![
            ("Enter".into(), "run"),
            ("Tab".into(), "complete"),
            ("Up/Down".into(), "history"),
            ("Esc".into(), "cancel"),
        ],
        Mode::Filter(_) => vec![("Enter".into(), "keep"), ("Esc".into(), "undo filter")],
        Mode::Help => vec![("j/k/G".into(), "scroll"), ("Esc/q".into(), "close")],
        Mode::Record(_) => vec![("j/k".into(), "scroll"), ("Esc/q/Enter".into(), "close")],
        Mode::Prompt(p) => {
            let mut v = vec![("Enter".into(), "save"), ("Esc".into(), "cancel")];
            if matches!(p.kind, super::modal::PromptKind::Note { .. }) {
                v.push(("Tab".into(), "internal/submitter"));
            }
            v.push(("F1".into(), "help"));
            v
        }
        Mode::Confirm(c) if c.pending == super::modal::Pending::Nothing => vec![("Esc/q/Enter".into(), "close")],
        Mode::Confirm(_) => vec![("y".into(), "apply"), ("n/Esc".into(), "cancel")],
        Mode::ShowCode(_) => vec![("c".into(), "copy"), ("Esc/q/Enter".into(), "close")],
        Mode::Form(_) => {
            vec![
                ("Tab/S-Tab".into(), "field"),
                ("Enter/C-s".into(), "save"),
                ("Esc".into(), "keep as draft"),
                ("F1".into(), "help"),
            ]
        }
        Mode::Normal => {
            let offers = screen_offers(app);
            let offers = offers.into_iter().filter(|(a, _)| offered(app, *a));
            offers.map(|(a, w)| (app.keymap.label(a), w)).collect()
        }
    }
}

/// What the focused screen offers, with the footer's word for each, before
/// the operator's role and the record's state are asked.
fn screen_offers(app: &App) -> Vec<(Action, &'static str)> {
    app.in_front().offers()
}

/// Whether `action` can run here for this operator: their role, and for a
/// case action the open case's status (no "resolve" on a resolved case).
pub fn offered(app: &App, action: Action) -> bool {
    use crate::domain::case_change::{ChangeKind, can_take};
    if app.ops.role() < action.spec().min_role {
        return false;
    }
    let kind = match action {
        Action::CaseAssignMe | Action::CaseAssign => ChangeKind::Assign,
        Action::CaseNote => ChangeKind::Note,
        Action::CaseRequestInfo => ChangeKind::RequestInfo,
        Action::CaseInfoReceived => ChangeKind::InfoReceived,
        Action::CaseResolve => ChangeKind::Resolve,
        Action::CaseReopen => ChangeKind::Reopen,
        Action::CasePriority => ChangeKind::Priority,
        _ => return true,
    };
    let Some(case) = app.top::<super::cases::CaseScreen>().and_then(|s| s.file.as_ref()) else {
        return true;
    };
    let mine = case.case.assignee_login.as_deref() == Some(app.ops.operator().login.as_str());
    let status = crate::domain::case::CaseStatus::parse(&case.case.status);
    !(action == Action::CaseAssignMe && mine) && status.is_none_or(|s| can_take(s, kind))
}

fn draw_footer(f: &mut Frame, app: &App, r: Rect) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for (k, what) in footer_hints(app) {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {what}  "), t.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

/// The help text: what this screen offers now, then every key (those the
/// operator's role does not allow say which role does), then every command.
pub fn help_lines(app: &App) -> Vec<String> {
    let role = app.ops.role();
    // The stable names are for scripts; at 80 columns they leave the help no room.
    let wide = app.size.0 >= 110;
    let line = |action: Action, keys: &[crate::keys::Key], note: &str| {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let help = action.spec().help;
        if wide {
            format!("  {:<16} {:<27} {note}{help}", keys.join(" "), action.name())
        } else {
            format!("  {:<12} {note}{help}", keys.join(" "))
        }
    };
    let mut out = vec![format!("Here, for you ({})", role.as_str())];
    for (action, _) in screen_offers(app).into_iter().filter(|(a, _)| offered(app, *a)) {
        out.push(line(action, app.keymap.keys(action), ""));
    }
    out.push(String::new());
    out.push("Every key (from the live keymap)".to_owned());
    for (action, keys) in app.keymap.bindings() {
        let need = action.spec().min_role;
        let note = if role < need { format!("[{}+] ", need.as_str()) } else { String::new() };
        out.push(line(action, &keys, &note));
    }
    out.push(String::new());
    out.push("Commands".to_owned());
    for (_, usage) in WORDS {
        out.push(format!("  {usage}"));
    }
    // Wrapped here, not by the paragraph, so that a line is a row and G
    // scrolls to the true end.
    let width = usize::from(app.size.0.saturating_sub(6)).max(20);
    let indent = if wide { 47 } else { 15 };
    out.iter().flat_map(|l| wrap(l, width, indent)).collect()
}

fn draw_help(f: &mut Frame, app: &App, area: Rect) {
    let r = centered(area, area.width.saturating_sub(4), area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let text: Vec<Line> = help_lines(app).into_iter().map(Line::from).collect();
    let block = Block::default().borders(Borders::ALL).title(" Help — Esc closes, j/k scroll ");
    let help = Paragraph::new(text).block(block);
    f.render_widget(help.scroll((app.help_scroll, 0)), r);
}

/// The code dialog: the code, whom it is for, until when, where the notice went.
fn draw_code(f: &mut Frame, app: &App, c: &super::modal::ShownCode, area: Rect) {
    let t = &app.theme;
    let i = &c.issued;
    let r = centered(area, 72.min(area.width.saturating_sub(4)), 12);
    f.render_widget(Clear, r);
    let mut lines = vec![
        Line::from(format!("For {} ({})", crate::domain::text::sanitize(&i.subject), i.subject_key)),
        Line::from(""),
        Line::from(Span::styled(format!("    {}", i.code), t.key)),
        Line::from(""),
        Line::from(format!("Single use, expires {}", i.expires_at.format("%Y-%m-%d %H:%M UTC"))),
        Line::from(match &i.emailed_to {
            Some(to) => format!("Notice queued in the outbox for {}", crate::domain::text::sanitize(to)),
            None => "No email address on file: no notice was queued".to_owned(),
        }),
    ];
    if let Some(l) = &c.letter {
        lines.push(Line::from(format!("Letter: {l}")));
    }
    lines.push(Line::from(Span::styled("c copies it (OSC 52) · Esc, q or Enter closes: it is not shown again", t.dim)));
    let block = Block::default().borders(Borders::ALL).title(" Registration code — shown once ");
    f.render_widget(Paragraph::new(lines).block(block).wrap(ratatui::widgets::Wrap { trim: false }), r);
}

impl App {
    /// Opens the help over what is in front (a prompt or form keeps its text under it).
    pub(super) fn open_help(&mut self) {
        self.help_scroll = 0;
        self.open_modal(Mode::Help);
    }

    pub(super) fn help_key(&mut self, key: Key) {
        match self.keymap.action(key) {
            Some(Action::Down) => self.help_scroll = self.help_scroll.saturating_add(1).min(self.help_end()),
            Some(Action::Up) => self.help_scroll = self.help_scroll.saturating_sub(1),
            Some(Action::PageDown) => self.help_scroll = self.help_scroll.saturating_add(10).min(self.help_end()),
            Some(Action::PageUp) => self.help_scroll = self.help_scroll.saturating_sub(10),
            Some(Action::Top) => self.help_scroll = 0,
            Some(Action::Bottom) => self.help_scroll = self.help_end(),
            Some(Action::Help) => self.close_modal(),
            _ if super::modal::closes_popup(key) || key.code == crossterm::event::KeyCode::F(1) => self.close_modal(),
            _ => self.complain("j/k scroll the help; Esc, q or Enter closes it"),
        }
    }

    /// How far the help scrolls: its last line at the bottom of its box.
    fn help_end(&self) -> u16 {
        let lines = u16::try_from(help_lines(self).len()).unwrap_or(u16::MAX);
        lines.saturating_sub(self.size.1.saturating_sub(4))
    }
}
