//! Working cases in the TUI: the case view, the prompts that collect what
//! an action needs, confirmation of destructive and bulk changes, marks,
//! and the sweep timer. Every change is a task calling the ops layer.

use super::app::App;
use super::modal::{Confirm, Draft, Pending, Prompt, PromptKind};
use super::screen::Area;
use super::task::{Report, TaskId};
use crate::action::Action;
use crate::command::Command;
use crate::domain::case_change::{CaseChange, clean_text, default_info_due, end_of_day};
use crate::domain::member_query::parse_date;
use crate::domain::presence::EntityKind;
use crate::ops::cases::{BulkLine, Changed};
use crate::ops::request::{BulkChange, Request};
use crate::store::cases::{self as store, CaseFile};
use crate::store::lists::ListKind;
use crate::store::short_cause;

/// The case the Cases area shows instead of its list.
#[derive(Debug, Clone)]
pub struct CaseScreen {
    pub number: String,
    pub file: Option<Box<CaseFile>>,
    pub loading: Option<TaskId>,
    pub error: Option<String>,
    /// Lines scrolled down.
    pub scroll: u16,
    /// The focused link: 0 the member, 1 the group.
    pub link: usize,
}

impl CaseScreen {
    /// The case's number and the version on screen, once loaded.
    fn target(&self) -> Option<(String, Option<i64>)> {
        self.file.as_ref().map(|f| (f.case.case_number.clone(), Some(f.case.row_version)))
    }

    /// The links the view offers, as (label, what opening it filters the Members list by).
    pub fn links(&self) -> Vec<(&'static str, String)> {
        let Some(f) = &self.file else { return Vec::new() };
        let mut out = Vec::new();
        if let Some(m) = &f.case.member_number {
            out.push(("member", m.clone()));
        }
        if let Some(g) = &f.case.group_number {
            out.push(("group", g.clone()));
        }
        out
    }
}

pub(super) fn result_text(r: Result<String, crate::ops::OpError>) -> Report {
    Report::Op(r.map_err(|e| e.to_string()))
}

impl App {
    /// The case an action applies to: the open case, else the selected row
    /// of the case list; with the version the operator is looking at.
    fn current_case(&self) -> Option<(String, Option<i64>)> {
        if let Some(s) = self.top::<CaseScreen>() {
            return s.target();
        }
        let p = self.list_in_front().filter(|p| matches!(p.kind, ListKind::Cases(_)))?;
        p.rows.get(p.selected).map(|r| (r.item.handle(), r.version))
    }

    /// Enter in the case view: follows the focused link; the group link
    /// opens the group view (area 7), the member link finds the member.
    pub(super) fn follow_case_link(&mut self) {
        let Some(s) = self.top::<CaseScreen>() else { return };
        let links = s.links();
        match links.get(s.link.min(links.len().saturating_sub(1))) {
            Some(("group", key)) => {
                let key = key.clone();
                self.open_group_details(&key);
            }
            Some((what, key)) => {
                let (what, key) = (*what, key.clone());
                self.set_filter(Area::Members, &key);
                self.say(format!("{what} {key}: Enter opens a member"));
            }
            None => self.complain("this case links to no member or group"),
        }
    }

    /// `:case C-000123`: shows that case.
    pub(super) fn open_case(&mut self, typed: &str) {
        let number = match crate::ops::cases::normalize_number(typed) {
            Ok(n) => n,
            Err(e) => return self.complain(e.to_string()),
        };
        let screen = CaseScreen { number: number.clone(), file: None, loading: None, error: None, scroll: 0, link: 0 };
        self.open_screen(Area::Cases, Box::new(screen));
        self.load_case(number);
    }

    fn load_case(&mut self, number: String) {
        let store = self.ops.store().clone();
        if let Some(old) = self.screen_mut::<CaseScreen>().and_then(|s| s.loading.take()) {
            self.tasks.cancel(old);
        }
        let id = self.tasks.spawn_screen(async move {
            store::file_by_number(&store, &number).await.map(|f| f.map(Box::new)).map_err(|e| short_cause(&e))
        });
        if let Some(s) = self.screen_mut::<CaseScreen>() {
            s.loading = Some(id);
        }
    }

    /// Reloads the open case (after a change, or a refused one).
    pub(super) fn reload_case(&mut self) {
        if let Some(number) = self.screen::<CaseScreen>().map(|s| s.number.clone()) {
            self.load_case(number);
        }
    }

    /// A case action from a key: marks, starts a prompt, or runs at once.
    pub(super) fn case_action(&mut self, action: Action) {
        if self.lacks_role(action) {
            return;
        }
        if action == Action::CaseMark {
            return self.toggle_mark();
        }
        if matches!(action, Action::CaseBulkAssign | Action::CaseBulkResolve) {
            if !matches!(self.pane().kind, ListKind::Cases(_)) || self.marked.is_empty() {
                return self.complain("no cases are marked: mark some in a case list with Space first");
            }
            let kind = if action == Action::CaseBulkAssign { PromptKind::BulkAssign } else { PromptKind::BulkResolve };
            return self.prompt(Prompt { kind, number: String::new(), seen: None }, String::new());
        }
        let Some((number, seen)) = self.current_case() else {
            return self.complain("open or select a case first (1 shows the case queues)");
        };
        let me = self.ops.operator();
        let at_once = match action {
            Action::CaseAssignMe => Some(CaseChange::Assign { to: me.id, login: me.login.clone() }),
            Action::CaseInfoReceived => Some(CaseChange::InfoReceived),
            Action::CaseReopen => Some(CaseChange::Reopen),
            _ => None,
        };
        if let Some(change) = at_once {
            if let Some(who) = self.presence_editors(EntityKind::Case, &number) {
                let pending = Pending::Case { number, seen, change };
                return self.confirm(collision(&who, pending));
            }
            return self.submit(number, seen, change);
        }
        let (kind, initial) = match action {
            Action::CaseAssign => (PromptKind::Assign, String::new()),
            Action::CaseNote => (PromptKind::Note { to_submitter: false }, String::new()),
            Action::CaseRequestInfo => {
                let due = default_info_due(self.ops.now(), self.info_due_days);
                (PromptKind::RequestInfo, due.format("%Y-%m-%d").to_string())
            }
            Action::CaseResolve => (PromptKind::Resolve, String::new()),
            Action::CasePriority => (PromptKind::Priority, String::new()),
            _ => return,
        };
        if let Some(who) = self.presence_editors(EntityKind::Case, &number) {
            let cursor = initial.chars().count();
            let draft = Draft { prompt: Prompt { kind, number, seen }, text: initial, cursor };
            return self.confirm(collision(&who, Pending::Prompt { draft, submit: false }));
        }
        self.prompt(Prompt { kind, number, seen }, initial);
    }

    fn toggle_mark(&mut self) {
        let Some(p) = self.list_in_front().filter(|p| matches!(p.kind, ListKind::Cases(_))) else {
            return self.complain("marks are set in a case list");
        };
        let Some(row) = p.rows.get(p.selected) else { return self.nothing_selected() };
        let number = row.item.handle();
        if !self.marked.remove(&number) {
            self.marked.insert(number);
        }
        let n = self.marked.len();
        let (b, x) = (self.keymap.label(Action::CaseBulkAssign), self.keymap.label(Action::CaseBulkResolve));
        self.say(format!("{n} case(s) marked; {b} assigns them, {x} resolves them"));
        self.run(Action::Down);
    }

    /// A `:` command for the current case.
    pub(super) fn case_command(&mut self, cmd: Command) {
        let (kind, text) = match cmd {
            Command::Received => return self.case_action(Action::CaseInfoReceived),
            Command::Reopen => return self.case_action(Action::CaseReopen),
            Command::Assign(t) => (PromptKind::Assign, t),
            Command::Note { text, to_submitter } => (PromptKind::Note { to_submitter }, text),
            Command::RequestInfo(d) => (
                PromptKind::RequestInfo,
                d.unwrap_or_else(|| {
                    default_info_due(self.ops.now(), self.info_due_days).format("%Y-%m-%d").to_string()
                }),
            ),
            Command::Resolve(t) => (PromptKind::Resolve, t),
            Command::Priority(t) => (PromptKind::Priority, t),
            Command::BulkAssign(t) => (PromptKind::BulkAssign, t),
            Command::BulkResolve(t) => (PromptKind::BulkResolve, t),
            _ => return,
        };
        let bulk = matches!(kind, PromptKind::BulkAssign | PromptKind::BulkResolve);
        let target = if bulk { Some((String::new(), None)) } else { self.current_case() };
        let Some((number, seen)) = target else {
            return self.complain("open or select a case first (1 shows the case queues)");
        };
        if !bulk && let Some(who) = self.presence_editors(EntityKind::Case, &number) {
            // The typed text waits in its prompt under the warning: n shows it again.
            let p = Prompt { kind, number, seen };
            let submit = !text.trim().is_empty();
            self.prompt(p.clone(), text.clone());
            let draft = Draft { prompt: p, cursor: text.chars().count(), text };
            return self.confirm(collision(&who, Pending::Prompt { draft, submit }));
        }
        if let Err(e) = self.submit_prompt(Prompt { kind, number, seen }, &text) {
            self.complain(e);
        }
    }

    /// Turns typed text into a change: checks it here first, so a mistake
    /// is reported while the text is still there to correct.
    pub(super) fn submit_prompt(&mut self, p: Prompt, text: &str) -> Result<(), String> {
        let Prompt { kind, number, seen } = p;
        match kind {
            PromptKind::IssueCode | PromptKind::RevokeCode(_) => return self.submit_code_prompt(&kind, text),
            PromptKind::RevealReason => return self.submit_reveal(text),
            PromptKind::MacroName => return self.save_macro(text),
            PromptKind::Search => return self.search_report(text),
            PromptKind::Grant | PromptKind::Perms(_) | PromptKind::Tools => {
                return self.submit_admin_prompt(&kind, &number, text);
            }
            PromptKind::Note { to_submitter } => {
                let text = clean_text("note", text)?;
                self.submit(number, seen, CaseChange::Note { text, to_submitter });
            }
            PromptKind::RequestInfo => {
                let due = end_of_day(parse_date(text)?);
                self.submit(number, seen, CaseChange::RequestInfo { due });
            }
            PromptKind::Priority => {
                let p = text.trim().parse::<i64>().ok().filter(|p| (1..=4).contains(p));
                let p = p.ok_or_else(|| {
                    format!("{:?} is not a priority: 1 (urgent) to 4 (low)", crate::domain::text::clip(text, 10))
                })?;
                self.submit(number, seen, CaseChange::Priority(p));
            }
            PromptKind::Resolve => {
                let comment = clean_text("resolution comment", text)?;
                self.confirm(Confirm {
                    title: format!("Resolve {number}?"),
                    lines: comment.lines().map(str::to_owned).collect(),
                    pending: Pending::Case { number, seen, change: CaseChange::Resolve { comment } },
                });
            }
            PromptKind::Assign => {
                let login = non_empty_login(text)?;
                let run = self.runner();
                self.spawn_op(format!("assigning {number} to {login}…"), async move {
                    let req = Request::CaseAssign { case: number, to: login, seen };
                    result_text(
                        run.ask::<Changed>(req).await.map(|done| {
                            format!("{} assigned to {}", done.case_number, done.assignee.unwrap_or_default())
                        }),
                    )
                });
            }
            PromptKind::BulkAssign => {
                self.spawn_preview(BulkChange::Assign(non_empty_login(text)?));
            }
            PromptKind::BulkResolve => {
                self.spawn_preview(BulkChange::Resolve(clean_text("resolution comment", text)?));
            }
        }
        Ok(())
    }

    /// Asks what a bulk change would do to the marked cases.
    fn spawn_preview(&mut self, change: BulkChange) {
        let run = self.runner();
        let cases = self.marked.iter().cloned().collect();
        self.spawn_op("previewing the bulk change…".into(), async move {
            match run.ask(Request::CaseBulkPreview { cases, what: change.clone() }).await {
                Ok(lines) => Report::Preview { change, lines },
                Err(e) => Report::Op(Err(e.to_string())),
            }
        });
    }

    /// The preview of a bulk change arrived: ask to confirm it.
    pub(super) fn on_preview(&mut self, change: BulkChange, lines: Vec<BulkLine>) {
        let refused = lines.iter().filter(|l| l.outcome.is_err()).count();
        let text = lines
            .iter()
            .map(|l| match &l.outcome {
                Ok(what) => format!("{}  {what}", l.case_number),
                Err(why) => format!("{}  REFUSED: {why}", l.case_number),
            })
            .collect();
        let verb = if matches!(change, BulkChange::Assign(_)) { "Assign" } else { "Resolve" };
        let (title, pending) = if refused > 0 {
            (
                format!("{refused} of {} marked cases cannot change: unmark them (Space) and retry", lines.len()),
                Pending::Nothing,
            )
        } else {
            (format!("{verb} these {} cases?", lines.len()), Pending::Bulk { lines, change })
        };
        self.message = None;
        self.confirm(Confirm { title, lines: text, pending });
    }

    /// Runs what a confirm said yes to.
    pub(super) fn apply_confirmed(&mut self, pending: Pending) {
        match pending {
            Pending::Case { number, seen, change } => self.submit(number, seen, change),
            Pending::Bulk { lines, change } => {
                let run = self.runner();
                let n = lines.len();
                let (cases, seen) = lines.into_iter().map(|l| (l.case_number, l.row_version)).unzip();
                let req = match change {
                    BulkChange::Assign(to) => Request::CaseBulkAssign { cases, to, seen: Some(seen) },
                    BulkChange::Resolve(comment) => Request::CaseBulkResolve { cases, comment, seen: Some(seen) },
                };
                self.spawn_op(format!("changing {n} cases…"), async move {
                    Report::Bulk(match run.ask::<Vec<Changed>>(req).await {
                        Ok(done) => Ok(format!("changed {} cases", done.len())),
                        Err(e) => Err(e.to_string()),
                    })
                });
            }
            Pending::Code(job) => self.run_code_job(job),
            Pending::Admin(job) => self.run_admin_job(*job.0),
            Pending::Member(req) => self.run_member_change(*req),
            Pending::Quit => self.quit = true,
            Pending::Nothing => {}
            Pending::Prompt { draft, submit: false } => self.restore(draft),
            Pending::Prompt { draft, submit: true } => {
                if let Err(e) = self.submit_prompt(draft.prompt.clone(), &draft.text) {
                    self.restore(draft);
                    self.complain(e);
                }
            }
        }
    }

    /// Runs one change on one case.
    fn submit(&mut self, number: String, seen: Option<i64>, change: CaseChange) {
        let run = self.runner();
        let what = match &change {
            CaseChange::Assign { login, .. } => format!("assigned to {login}"),
            CaseChange::Note { to_submitter: true, .. } => "note to the submitter added".into(),
            CaseChange::Note { .. } => "internal note added".into(),
            CaseChange::RequestInfo { due } => format!("information requested by {}", due.format("%Y-%m-%d")),
            CaseChange::InfoReceived => "information received; SLA clock resumed".into(),
            CaseChange::Resolve { .. } => "resolved".into(),
            CaseChange::Reopen => "reopened".into(),
            CaseChange::Priority(p) => format!("priority set to {p}"),
            CaseChange::CloseNoResponse => "closed: no response".into(),
        };
        let case = number.clone();
        let req = match change {
            CaseChange::Assign { login, .. } => Request::CaseAssign { case, to: login, seen },
            CaseChange::Note { text, to_submitter } => Request::CaseNote { case, text, to_submitter, seen },
            CaseChange::RequestInfo { due } => Request::CaseRequestInfo { case, due, seen },
            CaseChange::InfoReceived => Request::CaseInfoReceived { case, seen },
            CaseChange::Resolve { comment } => Request::CaseResolve { case, comment, seen },
            CaseChange::Reopen => Request::CaseReopen { case, seen },
            CaseChange::Priority(priority) => Request::CasePriority { case, priority, seen },
            CaseChange::CloseNoResponse => return self.complain("only the sweep closes a case for no response"),
        };
        self.spawn_op(format!("{number}: saving…"), async move {
            result_text(run.ask::<Changed>(req).await.map(|d| format!("{}: {what}", d.case_number)))
        });
    }

    /// Closes cases awaiting information past due. The timer's sweeps say
    /// nothing unless they closed something.
    pub(super) fn sweep(&mut self, quiet: bool) {
        if quiet && self.op_task.is_some() {
            return;
        }
        // The timer's sweep is the system's, not the operator's, in the audit.
        let mut run = self.runner();
        if quiet {
            run = run.as_system("sweep");
        }
        let work = async move {
            match run.ask::<Vec<String>>(Request::CaseSweep).await {
                Ok(closed) if closed.is_empty() && quiet => Report::Op(Ok(String::new())),
                Ok(closed) => Report::Op(Ok(format!(
                    "sweep closed {} case(s) awaiting information past due{}",
                    closed.len(),
                    closed.first().map(|c| format!(" (first {c})")).unwrap_or_default()
                ))),
                Err(e) => Report::Op(Err(e.to_string())),
            }
        };
        if quiet {
            // The timer's own sweep: nobody typed anything that should wait for it.
            self.tasks.spawn_background(work);
        } else {
            self.spawn_op("sweeping…".into(), work);
        }
    }
}

/// The warning before changing a case someone else is editing (presence).
fn collision(who: &str, pending: Pending) -> Confirm {
    let lines = vec![
        "They have a change of it open now; yours may cross theirs.".into(),
        "A change saved in between is refused, never overwritten.".into(),
    ];
    Confirm { title: format!("{who} is editing this case — change it anyway? y/n"), lines, pending }
}

fn non_empty_login(text: &str) -> Result<String, String> {
    let t = crate::domain::text::sanitize(text).trim().to_owned();
    if t.is_empty() { Err("type a staff login, or me".into()) } else { Ok(t) }
}
