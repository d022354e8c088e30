//! The app's state and how keys and task reports change it: a key goes to
//! the modal in front when one is open, else to the screen in front of the
//! area (its list, or what is open above it), else to the global actions;
//! a task report goes to the screen waiting for it, else to the counts and
//! changes kept here. Nothing here awaits: database work is spawned through
//! `Tasks` and comes back as a `Msg`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub use super::modal::Mode;
use super::modal::{Confirm, Draft};
pub use super::pane::{Pane, Select};
use super::screen::{Area, Handled, Reported, Screen, Stack};
use super::task::{Msg, Report, TaskId, Tasks};
use super::theme::Theme;
use super::typeahead::Typed;
use crate::action::Action;
use crate::command::{self, Command};
use crate::config::Config;
use crate::domain::case::CaseView;
use crate::keymap::Keymap;
use crate::keys::Key;
use crate::ops::Ops;
use crate::ops::request::{Request, Runner};
use crate::store::{Dir, short_cause};

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The whole state of the terminal app.
pub struct App {
    pub ops: Ops,
    pub keymap: Keymap,
    pub theme: Theme,
    pub environment: String,
    /// The area in front (its tab is highlighted).
    pub area: Area,
    /// Each area's screens, in tab order: its list at the bottom, what was
    /// opened above it on top (the breadcrumb).
    stacks: Vec<Stack<App>>,
    pub counts: Vec<(CaseView, i64)>,
    /// Where counting a list stops (the footer then says "10 000+"); tests lower it.
    pub count_cap: u64,
    /// How every screen shows a date (`ui.date_format`, checked at start).
    pub date_format: crate::domain::date_format::DateFormat,
    counts_task: Option<TaskId>,
    pub(super) op_task: Option<TaskId>,
    /// Case numbers marked for a bulk change.
    pub marked: BTreeSet<String>,
    /// A running import: its job, the tick it started at, and its progress.
    pub(super) import_progress: Option<(i64, u64, std::sync::Arc<crate::ops::imports::Progress>)>,
    /// How long a revealed SSN stays, in seconds and in ticks.
    pub(super) reveal_seconds: u64,
    pub(super) reveal_ticks: u64,
    /// Milliseconds per tick (config).
    pub tick_ms: u64,
    /// Business days given for requested information (config).
    pub(super) info_due_days: u32,
    /// Ticks between awaiting-info sweeps; 0 when the timer is off.
    sweep_every: u64,
    /// The data key, for codes (absent only in tests that need none).
    pub key: Option<crate::crypto::DataKey>,
    /// The retro and undo limits of member changes.
    pub maintenance: crate::config::MaintenanceConfig,
    /// Code lifetimes and lockout (config).
    pub(super) code_policy: crate::ops::codes::CodePolicy,
    /// Where New Client Login letters go.
    pub letters_dir: Option<PathBuf>,
    /// Text to put on the terminal's clipboard (OSC 52) after this key.
    pub clipboard: Option<String>,
    /// Macro steps still to run (`:macro NAME`), one whenever the app is idle.
    pub script_queue: std::collections::VecDeque<crate::script::Step>,
    /// The session's own ops while a macro runs as itself (audited with its name).
    pub(super) macro_ops: Option<(String, Ops)>,
    /// The script lines of a macro being recorded.
    pub recording: Option<Vec<String>>,
    /// Where macros are saved.
    pub macros_dir: Option<PathBuf>,
    /// The modal in front, `Mode::Normal` when none is open: it takes every key.
    pub mode: Mode,
    /// The modals under it, each with its text, shown again as the one above closes.
    pub modals: super::modal::Modals,
    pub input: Input,
    history: Vec<String>,
    history_pos: Option<usize>,
    history_size: usize,
    history_file: Option<PathBuf>,
    pub message: Option<Message>,
    pub tasks: Tasks,
    pub size: (u16, u16),
    pub quit: bool,
    pub tick: u64,
    pub help_scroll: u16,
    /// Keys and pastes waiting for the load or change they were typed after.
    pub typeahead: std::collections::VecDeque<Typed>,
    /// The text of the last prompt left with Esc; Up in that prompt brings it back.
    pub(super) draft: Option<Draft>,
    /// A submitted prompt, to open again should its task report a refusal.
    pub(super) reopen: Option<(TaskId, super::modal::Unsent)>,
    /// A form left with Esc; opening that form again brings it back.
    pub(super) form_draft: Option<Box<super::form::Form>>,
    /// The record being loaded for the detail view.
    pub(super) record_task: Option<TaskId>,
    /// How many refusals were said so far: tells whether an action was refused.
    pub(super) refusals: u64,
    /// The lock screen's login field while the screen is locked.
    pub locked: Option<Input>,
    /// Why the lock screen's last login was refused.
    pub(super) lock_error: Option<String>,
    /// Ticks without a key before the screen locks; 0 never.
    pub idle_lock_ticks: u64,
    /// The tick of the last key or paste.
    pub(super) last_input: u64,
    /// The recent messages, newest last, for `:messages`.
    pub messages: std::collections::VecDeque<Message>,
    /// The database connection was lost: the banner says "reconnecting",
    /// changes are refused (never queued, so none can apply twice) and the
    /// health ping runs often until the server answers.
    pub reconnecting: bool,
    /// The health ping in flight.
    health_task: Option<TaskId>,
    /// Who else has the open case or member, and this session's heartbeat.
    pub(super) presence: super::presence::Presence,
    /// Live queues (`ui.live`): follow other sessions' changes; and how
    /// often the watcher polls, the least time between two live reloads.
    live: Option<std::time::Duration>,
    /// The areas whose list missed a live change while hidden or covered
    /// (a screen above it, a modal in front): read again once shown.
    live_stale: BTreeSet<usize>,
    /// The queue counts missed a live change while the Cases area was hidden.
    counts_stale: bool,
    /// How many reloads live changes caused (lists and counts), for the staff bench.
    pub live_reloads: u64,
}

/// Ticks between health pings on PostgreSQL, and while reconnecting.
const HEALTH_EVERY: u64 = 8;
const RECONNECT_EVERY: u64 = 2;

/// The least time between two live reloads of one terminal: under a
/// steady stream of colleagues' changes its lists and counts are read
/// again once a second, not once per change (200 terminals each reloading
/// on every change of the 199 others would load the server for nothing).
const LIVE_GAP: std::time::Duration = std::time::Duration::from_secs(1);

/// How many messages `:messages` keeps.
const MESSAGE_LOG: usize = 50;

impl App {
    /// A new app on the Cases area; call `start` to load the first lists.
    pub fn new(
        ops: Ops,
        keymap: Keymap,
        config: &Config,
        no_color: bool,
        tasks: Tasks,
        size: (u16, u16),
        history_file: Option<PathBuf>,
    ) -> App {
        let history = history_file
            .as_ref()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        App {
            ops,
            keymap,
            theme: Theme::named(&config.ui.theme, no_color),
            environment: config.environment.clone(),
            area: Area::Cases,
            stacks: App::initial_stacks(),
            counts: Vec::new(),
            count_cap: crate::store::count::CAP,
            date_format: crate::domain::date_format::DateFormat::parse(&config.ui.date_format).unwrap_or_default(),
            counts_task: None,
            op_task: None,
            marked: BTreeSet::new(),
            import_progress: None,
            reveal_seconds: config.ui.reveal_seconds,
            tick_ms: config.ui.tick_ms.max(1),
            reveal_ticks: (config.ui.reveal_seconds * 1000).div_ceil(config.ui.tick_ms.max(1)),
            info_due_days: config.cases.info_due_business_days,
            key: None,
            maintenance: config.maintenance,
            code_policy: (&config.codes).into(),
            letters_dir: None,
            clipboard: None,
            script_queue: std::collections::VecDeque::new(),
            macro_ops: None,
            recording: None,
            macros_dir: None,
            sweep_every: (config.cases.sweep_interval_secs * 1000).checked_div(config.ui.tick_ms.max(1)).unwrap_or(0),
            mode: Mode::Normal,
            modals: Default::default(),
            input: Input::default(),
            history,
            history_pos: None,
            history_size: config.ui.history_size,
            history_file,
            message: None,
            tasks,
            size,
            quit: false,
            tick: 0,
            help_scroll: 0,
            typeahead: std::collections::VecDeque::new(),
            draft: None,
            reopen: None,
            form_draft: None,
            record_task: None,
            refusals: 0,
            messages: std::collections::VecDeque::new(),
            reconnecting: false,
            health_task: None,
            presence: super::presence::Presence::new(config.ui.tick_ms),
            live: config.ui.live.then(|| std::time::Duration::from_millis(config.ui.live_poll_ms)),
            live_stale: BTreeSet::new(),
            counts_stale: false,
            live_reloads: 0,
            locked: None,
            lock_error: None,
            idle_lock_ticks: (config.ui.idle_lock_minutes * 60_000).checked_div(config.ui.tick_ms.max(1)).unwrap_or(0),
            last_input: 0,
        }
    }

    /// Loads the first area's list and the queue counts.
    pub fn start(&mut self) {
        self.load(self.area, Dir::First, Select::First);
        self.load_counts();
        if let Some(poll) = self.live {
            self.tasks.watch(self.ops.origin().to_owned(), poll, poll.max(LIVE_GAP));
        }
    }

    /// Rows a page holds at the current size: the screen less banner, tabs,
    /// breadcrumbs, table header, status and footer (and the queue strip).
    pub fn page_len(&self) -> usize {
        let chrome = if self.area.has_queue_strip() { 7 } else { 6 };
        usize::from(self.size.1.saturating_sub(chrome)).max(1)
    }

    /// A date as every screen shows it: `ui.date_format`, ISO by default.
    pub fn day(&self, d: chrono::NaiveDate) -> String {
        self.date_format.show(d)
    }

    /// Whether the terminal is big enough to work in.
    pub fn too_small(&self) -> bool {
        self.size.0 < 80 || self.size.1 < 24
    }

    /// How long a revealed SSN stays on screen, in seconds (config `ui.reveal_seconds`).
    pub fn config_reveal_seconds(&self) -> u64 {
        self.reveal_seconds
    }

    /// The pane of the current area.
    pub fn pane(&self) -> &Pane {
        self.pane_of(self.area)
    }

    /// The list of area `a`: the bottom screen of its stack.
    pub fn pane_of(&self, a: Area) -> &Pane {
        self.stacks[a.index()].bottom().list().expect("every area's stack starts with its list")
    }

    /// The list of area `a`, to change.
    pub(super) fn pane_mut(&mut self, a: Area) -> &mut Pane {
        self.stacks[a.index()].bottom_mut().list_mut().expect("every area's stack starts with its list")
    }

    /// The list in front, when no screen is open above it: its kind tells
    /// which list it is.
    pub(super) fn list_in_front(&self) -> Option<&Pane> {
        self.front().is_none().then(|| self.pane())
    }

    /// The screens above area `a`'s list: its breadcrumb.
    pub fn stack(&self, a: Area) -> &Stack<App> {
        &self.stacks[a.index()]
    }

    /// The screens above area `a`'s list, to open or close one.
    pub(super) fn stack_mut(&mut self, a: Area) -> &mut Stack<App> {
        &mut self.stacks[a.index()]
    }

    /// The screen in front, if one is open above the list.
    pub fn front(&self) -> Option<&dyn Screen<App>> {
        self.stacks[self.area.index()].top()
    }

    /// What the area in front shows: the screen on top of its stack, or its list.
    pub fn in_front(&self) -> &dyn Screen<App> {
        self.stacks[self.area.index()].front()
    }

    /// The screen in front when it is a `T`.
    pub fn top<T: Screen<App>>(&self) -> Option<&T> {
        self.front().and_then(|s| (s as &dyn std::any::Any).downcast_ref::<T>())
    }

    /// The open screen of type `T`, in front or not (an open case while
    /// the Members area shows).
    pub fn screen<T: Screen<App>>(&self) -> Option<&T> {
        self.stacks.iter().find_map(|s| s.find::<T>())
    }

    /// As `screen`, to change it (a report arrived for it).
    pub(super) fn screen_mut<T: Screen<App>>(&mut self) -> Option<&mut T> {
        self.stacks.iter_mut().find_map(|s| s.find_mut::<T>())
    }

    /// Shows `screen` above area `a`'s list, and that area.
    pub(super) fn open_screen(&mut self, a: Area, screen: Box<dyn Screen<App>>) {
        self.area = a;
        self.close_modals();
        self.stack_mut(a).open(screen);
    }

    // ---- the modal stack (src/tui/modal.rs) ---------------------------------

    /// Opens `mode` in front; the modal that was in front waits under it
    /// with its text.
    pub(super) fn open_modal(&mut self, mode: Mode) {
        let below = std::mem::replace(&mut self.mode, mode);
        self.modals.push(super::modal::Layer { mode: below, input: self.input.clone() });
    }

    /// Closes the modal in front: the one under it comes back as it was.
    pub(super) fn close_modal(&mut self) {
        match self.modals.pop() {
            Some(layer) => {
                self.mode = layer.mode;
                self.input = layer.input;
            }
            None => self.mode = Mode::Normal,
        }
    }

    /// Closes every modal (the operator went to another screen).
    pub(super) fn close_modals(&mut self) {
        self.modals.clear();
        self.mode = Mode::Normal;
    }

    pub(super) fn say(&mut self, text: impl Into<String>) {
        self.tell(text.into(), false);
    }

    /// Shows a message, SSNs masked (only an audited reveal shows one), and logs it.
    fn tell(&mut self, text: String, error: bool) {
        let m = Message { text: crate::domain::ssn::redact(&text), error };
        if self.messages.len() == MESSAGE_LOG {
            self.messages.pop_front();
        }
        self.messages.push_back(m.clone());
        self.message = Some(m);
    }

    /// Says so and returns true when the operator's role may not run
    /// `action` (the ops layer checks again; this saves typing in vain).
    pub(super) fn lacks_role(&mut self, action: Action) -> bool {
        let spec = action.spec();
        let lacks = self.ops.role() < spec.min_role;
        if lacks {
            // Audited as the ops layer audits every refusal; nobody waits for it.
            let ops = self.ops.clone();
            self.tasks.spawn_background(async move {
                let audited = ops.audit_refusal(action, "tui").await;
                Report::Op(audited.map(|()| String::new()).map_err(|e| e.to_string()))
            });
            self.complain(spec.refusal(&self.ops.operator().login, self.ops.role()));
        }
        lacks
    }

    /// Says why nothing opened: the list is empty, or still loading.
    pub(super) fn nothing_selected(&mut self) {
        let loading = self.pane().loading.is_some();
        self.complain(if loading { "the list is still loading: try again when it shows" } else { "nothing selected" });
    }

    pub(super) fn complain(&mut self, text: impl Into<String>) {
        self.refusals += 1;
        self.tell(text.into(), true);
    }

    /// Whether any query or operation is still running.
    pub fn busy(&self) -> bool {
        self.tasks.pending() > 0
    }

    // ---- loading (a list's pages: list_screen.rs) ------------------------

    pub(super) fn load_counts(&mut self) {
        if let Some(id) = self.counts_task.take() {
            self.tasks.cancel(id);
        }
        let store = self.ops.store().clone();
        let me = self.ops.operator().id;
        self.counts_task = Some(self.tasks.spawn_background(async move {
            // A failed count leaves the strip as it was ("…" before the first).
            Report::Counts(crate::store::cases::counts(&store, me).await.unwrap_or_default())
        }));
    }

    /// Applies a task's report; a refused prompt opens again with its text,
    /// and keys typed meanwhile run once nothing they wait for is left.
    pub fn on_msg(&mut self, msg: Msg) {
        let reopen = self.reopen.take_if(|(id, _)| *id == msg.id);
        let refusals = self.refusals;
        self.report(msg);
        // A screen that took its answer may want the next read (a tab's, after the group's).
        self.pump_screen();
        match reopen {
            Some((_, unsent)) if self.refusals != refusals && self.mode == Mode::Normal => {
                self.restore_unsent(unsent);
                // Keys typed after the Enter were meant for what follows a
                // saved entry, not for the entry: they are not typed into it.
                let dropped = std::mem::take(&mut self.typeahead).len();
                if dropped > 0 {
                    let reason = self.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
                    self.complain(format!("{reason} ({dropped} key(s) typed after Enter were not run)"));
                }
            }
            // A preview (a bulk change's, a member change's): the text or
            // the form waits under its confirm, for "n" or a refusal of the change.
            Some((_, unsent)) => {
                if let Mode::Confirm(c) = &self.mode
                    && self.modals.is_empty()
                    && c.pending != super::modal::Pending::Nothing
                {
                    self.modals.push(super::modal::Layer::of(unsent));
                }
            }
            _ => {}
        }
        self.drain_typeahead();
        self.live_catch_up();
    }

    fn report(&mut self, msg: Msg) {
        self.tasks.finished(msg.id);
        // Whatever the report, the change that was running is over.
        if self.op_task == Some(msg.id) {
            self.op_task = None;
        }
        if msg.report.lost_connection() && !self.reconnecting {
            self.reconnecting = true;
            tracing::warn!("database connection lost; reconnecting");
        }
        // The screen that asked for it takes its report.
        let Some(report) = self.presence_report(msg.id, msg.report) else { return };
        let Some(report) = self.route_to_screens(msg.id, report) else { return };
        match report {
            // A page or a count of a list that loads another since.
            Report::List(_) | Report::ListCount(_) => {}
            Report::Counts(c) => {
                if self.counts_task == Some(msg.id) {
                    self.counts_task = None;
                    // A count that failed keeps the last ones ("…" before the first).
                    if !c.is_empty() {
                        self.counts = c;
                    }
                }
            }
            Report::Op(result) => {
                match result {
                    // A timer's sweep that closed nothing has nothing to say, nor to reload.
                    Ok(text) if text.is_empty() => return,
                    Ok(text) => self.say(text),
                    Err(text) => self.complain(text),
                }
                self.after_change();
            }
            Report::Bulk(result) => {
                match result {
                    Ok(text) => {
                        self.marked.clear();
                        self.say(text);
                    }
                    Err(text) => self.complain(text),
                }
                self.after_change();
            }
            Report::Preview { change, lines } => self.on_preview(change, lines),
            Report::ChangePreview { request, result } => self.on_change_preview(*request, result),
            Report::Issued(result) => self.on_issued(result),
            // A screen's record for a screen that was closed, or that asked again since.
            Report::Screen(_) => {}
            Report::Revealed { number, result } => self.on_revealed(number, result),
            Report::Info { title, lines } => self.on_info(title, lines),
            Report::Record(result) => self.on_record(msg.id, result),
            Report::Health(result) => self.on_health(msg.id, result),
            // A screen's answer for a screen that was closed, or that asked again since.
            Report::Answer(_) => {}
            Report::Live(signal) => self.on_live(signal),
        }
    }

    /// Offers a task's report to the open screens; the report back when
    /// none of them was waiting for it.
    fn route_to_screens(&mut self, id: TaskId, mut report: Report) -> Option<Report> {
        for i in 0..self.stacks.len() {
            match self.stacks[i].route(id, report) {
                Reported::NotMine(r) => report = r,
                Reported::Shown => return None,
                Reported::Failed(why) | Reported::Gone(why) => {
                    self.complain(why);
                    return None;
                }
            }
        }
        Some(report)
    }

    /// Pings the database now and then on PostgreSQL (a server that
    /// restarts is noticed even while nobody types), and often while
    /// reconnecting. A ping that hangs counts as a lost connection. With a
    /// read replica, its lag is measured too (the store keeps it: reads
    /// route by it and the banner shows it).
    fn health_tick(&mut self) {
        let every = if self.reconnecting { RECONNECT_EVERY } else { HEALTH_EVERY };
        if self.health_task.is_some()
            || self.ops.store().backend() != crate::store::Backend::Postgres
            || !self.tick.is_multiple_of(every)
        {
            return;
        }
        let store = self.ops.store().clone();
        self.health_task = Some(self.tasks.spawn_background(async move {
            let wait = std::time::Duration::from_secs(2);
            let pinged = match tokio::time::timeout(wait, store.ping()).await {
                Ok(r) => r.map_err(|e| short_cause(&e)),
                Err(_) => Err(format!("{} (no answer in 2 s)", crate::store::CONNECTION_LOST)),
            };
            // Bounded by its own 2 s; an unreachable replica is a status, not an error.
            store.check_replica().await;
            Report::Health(pinged)
        }));
    }

    /// A ping's answer: once the server answers again, the banner clears and
    /// what the screen shows is read again (reads are safe to repeat; a
    /// change that failed is not repeated: its message said to try again).
    fn on_health(&mut self, id: TaskId, result: Result<(), String>) {
        if self.health_task == Some(id) {
            self.health_task = None;
        }
        match result {
            Ok(()) if self.reconnecting => {
                self.reconnecting = false;
                tracing::info!("database connection back");
                self.say("reconnected to the database");
                self.after_change();
            }
            Ok(()) => {}
            // A lost connection was noted above; any other error is the
            // next list's or change's to report.
            Err(e) => tracing::debug!("health ping: {e}"),
        }
    }

    /// Reloads what a change may have touched: the list, the open case, the counts.
    fn after_change(&mut self) {
        self.reload_in_place(self.area);
        self.reload_member();
        self.reload_case();
        self.reload_broker();
        self.reload_import();
        self.load_counts();
    }

    /// Another session committed changes (or the watcher's connection came
    /// back, `Signal::Resync`: anything may have changed). Every list is
    /// stale; what is on screen is read again now, the rest when shown.
    fn on_live(&mut self, signal: crate::store::live::Signal) {
        tracing::trace!("live queues: {signal:?}");
        self.live_stale = (0..self.stacks.len()).collect();
        self.counts_stale = true;
        // An import job open in front follows its job's progress.
        if self.mode == Mode::Normal {
            self.follow_import();
        }
        self.live_catch_up();
    }

    /// Reads again what a live change left stale and is on screen now: the
    /// list in front, when no screen and no modal covers it (a prompt's
    /// text or a confirm refers to the selected row, which a reload could
    /// move), with the selection kept on its row; the queue counts, when
    /// the Cases area shows them. Run after each key and report, so that a
    /// list shown again catches up.
    pub(super) fn live_catch_up(&mut self) {
        if self.live_stale.is_empty() && !self.counts_stale {
            return;
        }
        if self.counts_stale && self.area.has_queue_strip() && self.locked.is_none() {
            self.counts_stale = false;
            self.live_reloads += 1;
            self.load_counts();
        }
        let i = self.area.index();
        if !self.live_stale.contains(&i) || self.mode != Mode::Normal || self.locked.is_some() || self.front().is_some()
        {
            return;
        }
        let pane = self.pane();
        // Not loaded yet, or loading now: what arrives is fresh.
        if !pane.loaded || pane.loading.is_some() {
            self.live_stale.remove(&i);
            return;
        }
        self.live_stale.remove(&i);
        self.live_reloads += 1;
        self.reload_keeping(self.area);
    }

    /// Advances clocks and the spinner.
    pub fn on_tick(&mut self) {
        self.tick = self.tick.wrapping_add(1);
        self.expire_reveal();
        self.idle_tick();
        self.show_import_progress();
        self.health_tick();
        self.presence_tick();
        if self.sweep_every > 0 && self.tick.is_multiple_of(self.sweep_every) && !self.ops.read_only() {
            self.sweep(true);
        }
    }

    /// The terminal changed size: refill the page to the new height.
    pub fn on_resize(&mut self, w: u16, h: u16) {
        let old = self.page_len();
        self.size = (w, h);
        if self.page_len() != old && self.pane().loaded {
            self.reload_in_place(self.area);
        }
    }

    // ---- keys -------------------------------------------------------------

    /// A mouse wheel step: moves the selection of a list, or scrolls a help
    /// or detail view, as the arrow keys do there; it does nothing while
    /// text is typed or a choice is asked for (an arrow there recalls
    /// history or moves a cursor). Queued behind typed-ahead keys like one.
    pub fn on_wheel(&mut self, down: bool) {
        if matches!(self.mode, Mode::Normal | Mode::Help | Mode::Record(_)) {
            self.on_key(Key::plain(if down { KeyCode::Down } else { KeyCode::Up }));
        }
    }

    /// Handles one key press now (`on_key` decides when).
    pub(super) fn handle_key(&mut self, key: Key) {
        if self.locked.is_some() {
            return self.lock_key(key);
        }
        if self.too_small() {
            return self.small_key(key);
        }
        self.record_key(key);
        match self.mode.clone() {
            Mode::Command => self.command_key(key),
            Mode::Filter(before) => self.filter_key(key, before),
            Mode::Help => self.help_key(key),
            Mode::Record(v) => self.record_view_key(key, v),
            Mode::Prompt(p) => self.prompt_key(key, p),
            Mode::Confirm(c) => self.confirm_key(key, *c),
            Mode::ShowCode(_) => self.show_code_key(key),
            Mode::Form(f) => self.form_key(key, f),
            Mode::Normal => self.normal_key(key),
        }
    }

    /// Below the least size the screen shows no prompt, so only leaving acts.
    fn small_key(&mut self, key: Key) {
        match self.keymap.action(key) {
            Some(Action::Quit | Action::Cancel) => self.quit = true,
            Some(Action::Back) => self.close_modal(),
            _ => {}
        }
    }

    fn normal_key(&mut self, key: Key) {
        // A message belongs to the action that said it.
        self.message = None;
        match self.keymap.action(key) {
            Some(a) => self.run(a),
            None if key.code == KeyCode::Esc => self.mode = Mode::Normal,
            None => {
                self.complain(format!("{key} does nothing here; {} shows the keys", self.keymap.label(Action::Help)))
            }
        }
    }

    /// Runs an action (from a key, a command or a script).
    pub fn run(&mut self, action: Action) {
        // The screen in front (the list, or what is open above it) acts first;
        // what it shows then may need reading (another tab, page or year).
        if !matches!(action, Action::Quit | Action::Back | Action::Cancel) {
            match self.stack_mut(self.area).front_mut().act(action) {
                Handled::Ignored => {}
                Handled::Done => return self.pump_screen(),
                Handled::Then(then) => {
                    then(self);
                    return self.pump_screen();
                }
            }
        }
        match action {
            Action::Quit if self.mode == Mode::Normal && self.front().is_some() => {
                self.stack_mut(self.area).pop();
            }
            Action::Quit => {
                if self.mode != Mode::Normal {
                    self.close_modal();
                } else {
                    self.quit_or_ask();
                }
            }
            Action::Back => {
                if self.mode != Mode::Normal {
                    self.close_modal();
                } else if self.front().is_some() {
                    // Back to the screen below, or the list.
                    self.stack_mut(self.area).pop();
                } else if !self.pane().filter.is_empty() {
                    self.pane_mut(self.area).filter.clear();
                    self.load(self.area, Dir::First, Select::First);
                    self.say("filter cleared");
                } else {
                    self.message = None;
                }
            }
            Action::Cancel => {
                let n = self.cancel_running();
                if n > 0 {
                    self.say(format!("cancelled {n} running {}", if n == 1 { "query" } else { "queries" }));
                } else if self.mode != Mode::Normal {
                    self.close_modal();
                } else {
                    self.quit = true;
                }
            }
            // Movement and Enter belong to the screen in front; here they did nothing.
            Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp
            | Action::Open => {}
            Action::MemberView => self.complain(":member QUERY finds members; Enter opens one"),
            Action::BrokerView => self.complain(":broker NPN opens a broker; Enter opens the selected one"),
            Action::EmployerView => self.complain(":employer NAME|EIN|GROUP opens an employer"),
            Action::GroupView => self.complain(":group NUMBER opens a group"),
            Action::GroupPlans | Action::GroupSubscribers | Action::BrokerBook => self.group_key_elsewhere(action),
            Action::FocusNext | Action::FocusPrev => {}
            Action::SearchNext | Action::SearchPrev => {
                self.complain("n and p step through a search in a report's result")
            }
            Action::ScrollLeft | Action::ScrollRight => {}
            Action::AreaCases
            | Action::AreaMembers
            | Action::AreaBrokers
            | Action::AreaAccounts
            | Action::AreaImports
            | Action::AreaCodes
            | Action::AreaEmployers
            | Action::AreaReports => {
                if let Some(a) = Area::of_action(action) {
                    self.switch_area(a);
                }
            }
            Action::CommandLine => {
                self.open_modal(Mode::Command);
                self.input.reset();
                self.history_pos = None;
            }
            Action::Filter => {
                let current = self.pane().filter.clone();
                // An SSN is never put back on screen: that search starts afresh.
                let shown =
                    if crate::domain::ssn::redact(&current) == current { current.clone() } else { String::new() };
                self.open_modal(Mode::Filter(current));
                self.input = Input::new(shown);
            }
            Action::Help => self.open_help(),
            Action::Refresh => {
                self.reload_in_place(self.area);
                self.load_counts();
            }
            Action::CaseNextQueue | Action::CasePrevQueue => {
                let i = CaseView::ALL.iter().position(|v| *v == self.case_view()).unwrap_or(0);
                let n = CaseView::ALL.len();
                let next = if action == Action::CaseNextQueue { (i + 1) % n } else { (i + n - 1) % n };
                self.set_case_view(CaseView::ALL[next]);
            }
            Action::CaseClaimNext => self.claim_next(),
            Action::CaseMark
            | Action::CaseAssignMe
            | Action::CaseAssign
            | Action::CaseNote
            | Action::CaseRequestInfo
            | Action::CaseInfoReceived
            | Action::CaseResolve
            | Action::CaseReopen
            | Action::CasePriority
            | Action::CaseBulkAssign
            | Action::CaseBulkResolve => self.case_action(action),
            Action::CaseSweep => self.sweep(false),
            Action::CodeIssue | Action::CodeRevoke | Action::CodeReissue | Action::CodeRedeem => {
                self.code_action(action)
            }
            Action::MemberRevealSsn => self.reveal(None),
            Action::MemberEligibility => self.complain("type :elig MEMBER-ID|LAST-NAME MM/DD/YYYY"),
            Action::ListExport => self.complain("type :export FILE.csv"),
            Action::MacroRecord => self.toggle_recording(),
            Action::SessionLock => self.lock("locked on request"),
            Action::SessionUnlock => self.complain("the screen is not locked"),
            Action::ImportRetry => self.retry_selected_import(),
            Action::MemberAdd
            | Action::MemberAddDependent
            | Action::MemberUpdate
            | Action::MemberChangeType
            | Action::MemberTerminate
            | Action::MemberReinstate
            | Action::MemberAddEvent
            | Action::MemberEnroll
            | Action::MemberChangeTier
            | Action::MemberEndEnrollment
            | Action::MemberUndo => self.maintain(action, String::new()),
            Action::KeyRotate
            | Action::KeyStatus
            | Action::ReportSchedule
            | Action::GroupBilling
            | Action::CommissionPurge
            | Action::ImportTerminateMissing => {
                self.complain(format!("run `portaldesk {}` from a shell", action.spec().cli.unwrap_or("key status")))
            }
            Action::ReportRun => self.show_reports("catalogue"),
            Action::ReportCancel | Action::ReportPause | Action::ReportResume | Action::ReportUnschedule => {
                self.report_row_action(action)
            }
            Action::CommissionList => self.commissions(""),
            Action::CommissionGet => self.complain("type :statement ID FILE.csv in a broker's view"),
            Action::ImportEnqueue | Action::ImportRun | Action::ImportAbandon => {
                self.complain(format!("type :{}", action.spec().command.unwrap_or("imports")))
            }
            Action::AccessGrant
            | Action::AccessChange
            | Action::AccessRevoke
            | Action::AccountUnlock
            | Action::AccountDisable
            | Action::AccountEnable
            | Action::AccountResendRegistration
            | Action::AccountResetPassword
            | Action::AccountTools
            | Action::StaffCreate
            | Action::StaffSetRole
            | Action::StaffDisable
            | Action::StaffEnable => self.admin_action(action, String::new()),
        }
    }

    /// Quits, asking first while a change is still running.
    fn quit_or_ask(&mut self) {
        if self.op_task.is_none() {
            self.quit = true;
            return;
        }
        self.confirm(Confirm {
            title: "A change is still running. Quit anyway?".into(),
            lines: vec!["Quitting stops it; what it has not committed is not saved.".into()],
            pending: super::modal::Pending::Quit,
        });
    }

    /// Stops every running query and change; returns how many there were.
    pub(super) fn cancel_running(&mut self) -> usize {
        let n = self.tasks.cancel_all();
        for s in &mut self.stacks {
            if let Some(p) = s.bottom_mut().list_mut() {
                p.loading = None;
            }
        }
        self.counts_task = None;
        self.op_task = None;
        self.reopen = None;
        self.record_task = None;
        n
    }

    fn switch_area(&mut self, i: Area) {
        self.area = i;
        self.close_modals();
        let (pane, page) = (self.pane_of(i), self.page_len());
        if !pane.loaded && pane.loading.is_none() {
            self.load(i, Dir::First, Select::First);
        } else if pane.loading.is_none() && (pane.rows.len() > page || pane.rows.len() < page && pane.more_after) {
            // The terminal changed size while this area was hidden: refill its page.
            self.reload_in_place(i);
        }
    }

    pub(super) fn set_filter(&mut self, area: Area, filter: &str) {
        self.area = area;
        self.close_modals();
        // A new search shows its list, not the record that was open.
        if matches!(area, Area::Members | Area::Brokers) {
            self.stack_mut(area).clear();
        }
        self.pane_mut(area).filter = crate::domain::text::sanitize(filter);
        self.load(area, Dir::First, Select::First);
    }

    /// The ops layer under this session's settings, for a task to carry:
    /// every change and audited read goes through its `execute`, as the
    /// CLI's and the scripts' do.
    pub(super) fn runner(&self) -> Runner {
        Runner::new(self.ops.clone(), self.key.clone(), self.code_policy, self.letters_dir.clone(), self.maintenance)
    }

    /// Runs a change as a task whose report is shown in the status line;
    /// refuses while another change is still running.
    pub(super) fn spawn_op(&mut self, doing: String, work: impl std::future::Future<Output = Report> + Send + 'static) {
        if self.op_task.is_some() {
            self.complain("still working on the last action");
            return;
        }
        if self.reconnecting {
            self.complain("not applied: the database connection was lost (reconnecting); try again once it is back");
            return;
        }
        self.op_task = Some(self.tasks.spawn(work));
        if !doing.is_empty() {
            self.say(doing);
        }
    }

    fn claim_next(&mut self) {
        let CaseView::Queue(queue) = self.case_view() else {
            self.complain(format!("take works in a queue, not in {}: try :cases eligibility", self.case_view()));
            return;
        };
        let run = self.runner();
        self.spawn_op(format!("taking the next {} case…", queue.as_str()), async move {
            let r = match run.ask::<Option<crate::ops::cases::Claimed>>(Request::CaseClaimNext { queue }).await {
                Ok(Some(c)) => Ok(format!(
                    "took {} ({}, priority {}) — it is now yours (:cases mine)",
                    c.case_number, c.queue, c.priority
                )),
                Ok(None) => Ok(format!("nothing to take: {} has no unassigned new case", queue.as_str())),
                Err(e) => Err(e.to_string()),
            };
            Report::Op(r)
        });
    }

    // ---- command line -------------------------------------------------------

    fn command_key(&mut self, key: Key) {
        match (key.code, key.mods) {
            (KeyCode::Esc, _) | (KeyCode::Char('c'), KeyModifiers::CONTROL) => {
                // What was typed stays in the history: Up brings it back.
                let line = self.input.value().trim().to_owned();
                if !line.is_empty() {
                    self.remember(&line);
                    self.say("command line closed; Up on the command line brings the text back");
                }
                self.close_modal();
            }
            (KeyCode::Enter, _) => {
                let line = self.input.value().trim().to_owned();
                self.close_modal();
                if !line.is_empty() {
                    self.remember(&line);
                    self.execute_line(&line);
                }
            }
            (KeyCode::Tab, _) => {
                let c = command::complete(self.input.value());
                match c.len() {
                    0 => self.complain("no completion"),
                    1 => self.input = Input::new(format!("{} ", c[0])),
                    _ => {
                        let p = command::common_prefix(&c).unwrap_or_default();
                        self.input = Input::new(p);
                        self.say(c.join("  "));
                    }
                }
            }
            (KeyCode::Up, _) => self.history_step(true),
            (KeyCode::Down, _) => self.history_step(false),
            _ => {
                self.input.handle_event(&Event::Key(key.to_event()));
            }
        }
    }

    fn history_step(&mut self, back: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        let pos = match (self.history_pos, back) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p < last => Some(p + 1),
            (Some(_), false) => None,
        };
        self.history_pos = pos;
        self.input = Input::new(pos.map(|p| self.history[p].clone()).unwrap_or_default());
    }

    /// Keeps a command in the history, with SSNs masked: the history is a
    /// file, and an SSN typed into `:member` must not end up in it.
    fn remember(&mut self, line: &str) {
        let line = &crate::domain::ssn::redact(line);
        if self.history.last().map(String::as_str) != Some(line) {
            self.history.push(line.to_owned());
        }
        let excess = self.history.len().saturating_sub(self.history_size);
        self.history.drain(..excess);
        if let Some(f) = &self.history_file {
            // History is a convenience: failing to save it must not disturb work.
            let _ = std::fs::write(f, self.history.join("\n") + "\n");
        }
    }

    /// Runs a `:` command line (also used by scripts).
    pub fn execute_line(&mut self, line: &str) {
        match command::parse(line) {
            Ok(cmd) => self.execute(cmd),
            Err(e) => self.complain(e),
        }
    }

    fn execute(&mut self, cmd: Command) {
        let later = |what: &str, issue: u32| format!("{what} is not built yet (issue #{issue}); nothing was done");
        match cmd {
            Command::Cases(Some(v)) => self.set_case_view(v),
            Command::Cases(None) => self.switch_area(Area::Cases),
            Command::Take => {
                self.area = Area::Cases;
                self.run(Action::CaseClaimNext)
            }
            Command::Case(number) => self.open_case(&number),
            Command::Mark => self.run(Action::CaseMark),
            Command::Sweep => self.run(Action::CaseSweep),
            Command::Assign(_)
            | Command::Note { .. }
            | Command::RequestInfo(_)
            | Command::Received
            | Command::Resolve(_)
            | Command::Reopen
            | Command::Priority(_)
            | Command::BulkAssign(_)
            | Command::BulkResolve(_) => self.case_command(cmd),
            Command::Brokers(q) => self.set_filter(Area::Brokers, &q),
            Command::Accounts(q) => self.show_accounts(&q),
            Command::Admin(action, arg) => self.admin_action(action, arg),
            Command::Maintain(action, arg) => self.maintain(action, arg),
            Command::Imports { failed_only } => self.show_imports(failed_only),
            Command::Codes(q) => self.set_filter(Area::Codes, &q),
            Command::IssueCode(who) => self.code_command(Action::CodeIssue, who),
            Command::RevokeCode(reason) => self.code_command(Action::CodeRevoke, reason),
            Command::ReissueCode => self.code_command(Action::CodeReissue, String::new()),
            Command::Redeem(args) => self.code_command(Action::CodeRedeem, args),
            Command::Macro(name) => self.replay_macro(&name),
            Command::Import2(action, args) => self.import_command(action, &args),
            Command::Record => self.run(Action::MacroRecord),
            Command::Help => self.run(Action::Help),
            Command::Refresh => self.run(Action::Refresh),
            Command::Quit => self.quit_or_ask(),
            Command::Messages => self.show_messages(),
            Command::Lock => self.lock("locked on request"),
            Command::Member(q) => self.set_filter(Area::Members, &q),
            Command::Elig(args) => self.eligibility(&args),
            Command::Reveal(reason) => self.reveal(Some(reason)),
            Command::Export(file) => self.export(&file),
            Command::Broker(npn) => self.open_broker(Some(npn)),
            Command::Employers(q) => self.find_employers(&q),
            Command::Employer(q) => self.open_employer(&q),
            Command::Group(g) => self.open_group_details(&g),
            Command::Book(f) => self.book_command(&f),
            Command::Staff => self.show_staff(),
            Command::Reports(view) => self.show_reports(&view),
            Command::Report(name) => self.report_command(&name),
            Command::ReportRow(action) => self.report_row_action(action),
            Command::Commissions(month) => self.commissions(&month),
            Command::Statement(args) => self.statement_command(&args),
            Command::Import(id) => match id.trim().parse::<i64>() {
                Ok(id) => self.open_import(Some(id)),
                Err(_) => self.complain(":import takes a job number, e.g. :import 12"),
            },
            Command::Audit(_) => self.complain(later(":audit", 6)),
        }
    }

    /// `:messages`: the recent messages, whole, newest first.
    fn show_messages(&mut self) {
        let lines: Vec<String> =
            self.messages.iter().rev().map(|m| format!("{}{}", if m.error { "! " } else { "  " }, m.text)).collect();
        let title =
            if lines.is_empty() { "No messages yet".to_owned() } else { "Recent messages, newest first".to_owned() };
        self.confirm(Confirm { title, lines, pending: super::modal::Pending::Nothing });
    }

    // ---- filter -------------------------------------------------------------

    fn filter_key(&mut self, key: Key, before: String) {
        match (key.code, key.mods) {
            (KeyCode::Esc, _) | (KeyCode::Char('c'), KeyModifiers::CONTROL) => {
                self.close_modal();
                if self.pane().filter != before {
                    self.pane_mut(self.area).filter = before;
                    self.load(self.area, Dir::First, Select::First);
                }
            }
            (KeyCode::Enter, _) => self.close_modal(),
            _ => {
                if self.input.handle_event(&Event::Key(key.to_event())).is_some() {
                    self.filter_typed();
                }
            }
        }
    }

    /// Filters as you type; the previous query is cancelled by `load`.
    pub(super) fn filter_typed(&mut self) {
        let f = crate::domain::text::sanitize(self.input.value());
        self.pane_mut(self.area).filter = f;
        self.load(self.area, Dir::First, Select::First);
    }
}

impl App {
    /// A key from the terminal or a script: acts now, or waits its turn.
    pub fn on_key(&mut self, key: Key) {
        // A terminal sends Esc and the key typed right after it as one
        // Alt-key; bound to nothing, it was meant as those two keys
        // (Alt-Backspace excepted: text fields delete a word with it).
        if key.mods == KeyModifiers::ALT && key.code != KeyCode::Backspace && self.keymap.action(key).is_none() {
            self.on_typed(Typed::Key(Key::plain(KeyCode::Esc)));
            self.on_typed(Typed::Key(Key::plain(key.code)));
            return;
        }
        self.on_typed(Typed::Key(key));
    }

    /// A bracketed paste from the terminal: goes into the focused field, in its turn.
    pub fn on_paste(&mut self, text: String) {
        self.on_typed(Typed::Paste(text));
    }

    fn on_typed(&mut self, typed: Typed) {
        let ctrl_c = matches!(typed, Typed::Key(k) if super::modal::is_ctrl_c(k));
        if ctrl_c && self.waiting() {
            // Ctrl-C stops what the keys wait for, and the keys with it.
            let dropped = self.typeahead.len();
            self.typeahead.clear();
            self.cancel_running();
            if dropped > 0 {
                self.say(format!("cancelled; {dropped} typed key(s) were not run"));
            }
            return;
        }
        if self.waiting() {
            self.typeahead.push_back(typed);
            return;
        }
        self.act(typed);
    }

    /// Whether typed input must wait: work the operator started is running,
    /// or earlier input is still waiting.
    pub fn waiting(&self) -> bool {
        self.tasks.foreground() || !self.typeahead.is_empty()
    }

    /// Runs waiting input for as long as nothing it started is running.
    pub fn drain_typeahead(&mut self) {
        while !self.tasks.foreground() {
            let Some(typed) = self.typeahead.pop_front() else { break };
            self.act(typed);
        }
    }

    fn act(&mut self, typed: Typed) {
        self.last_input = self.tick;
        match typed {
            Typed::Key(key) => self.handle_key(key),
            Typed::Paste(_) if self.locked.is_some() => self.complain("the screen is locked: type your login"),
            Typed::Paste(_) if self.too_small() => {
                self.complain("the terminal is too small to type in: enlarge it first")
            }
            Typed::Paste(text) => self.paste(&text),
        }
        self.live_catch_up();
    }

    /// Keys that wait, for the spinner in the status line.
    pub fn waiting_keys(&self) -> usize {
        self.typeahead.len()
    }
}
