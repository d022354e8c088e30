//! The terminal UI: set-up and restore, the event loop, and an off-screen
//! driver that tests (and headless scripts) use to run the same app.

pub mod admin;
pub mod app;
pub mod area;
pub mod book_view;
pub mod broker_view;
pub mod case_view;
pub mod cases;
pub mod codes;
pub mod colleagues;
pub mod commission_tab;
pub mod dialog;
pub mod employer_view;
pub mod employers;
pub mod form;
pub mod form_view;
pub mod group_view;
pub mod import_view;
pub mod imports;
pub mod list_screen;
pub mod lock;
pub mod macros;
pub mod maintenance;
pub mod member_view;
pub mod members;
pub mod modal;
pub mod pane;
pub mod part;
pub mod presence;
pub mod record;
pub mod record_view;
pub mod report_pager;
pub mod reports;
pub mod requests;
pub mod screen;
pub mod task;
pub mod theme;
pub mod typeahead;
pub mod view;
pub mod widgets;

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyCode, KeyEventKind, KeyModifiers,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use self::app::App;
use self::task::{Msg, Tasks};
use crate::config::Config;
use crate::crypto::DataKey;
use crate::keymap::Keymap;
use crate::keys::{Key, KeyError, parse_sequence};
use crate::ops::Ops;

/// Everything the app needs to start.
pub struct Session {
    pub ops: Ops,
    pub keymap: Keymap,
    pub config: Config,
    pub no_color: bool,
    pub history_file: Option<PathBuf>,
    /// The data key: codes are hashed with it.
    pub key: DataKey,
    /// Where New Client Login letters are written; none, none written.
    pub letters_dir: Option<PathBuf>,
    /// Where recorded macros are kept; none, macros are off.
    pub macros_dir: Option<PathBuf>,
}

impl Session {
    fn app(self, tx: mpsc::UnboundedSender<Msg>, size: (u16, u16)) -> App {
        let tasks = Tasks::new(tx, self.ops.store().clone());
        let mut app = App::new(self.ops, self.keymap, &self.config, self.no_color, tasks, size, self.history_file);
        app.key = Some(self.key);
        app.letters_dir = self.letters_dir;
        app.macros_dir = self.macros_dir;
        app
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard of the terminal
/// the operator sits at, through SSH and tmux alike.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

/// Runs the interactive app until the operator quits or a SIGTERM/SIGHUP
/// arrives; the terminal is restored on every way out, panics included
/// (ratatui's hook restores before the panic report is printed).
pub async fn run_terminal(session: Session, prefeed: Vec<crate::script::Step>) -> std::io::Result<()> {
    let tick = Duration::from_millis(session.config.ui.tick_ms);
    let mouse = session.config.ui.mouse;
    let mut terminal = ratatui::try_init()?;
    crossterm::execute!(std::io::stdout(), EnableBracketedPaste)?;
    if mouse {
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    // ratatui's panic hook restores the screen; this one ends bracketed paste
    // and mouse capture too.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
        if mouse {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        }
        hook(info);
    }));
    let result = event_loop(&mut terminal, session, tick, prefeed, mouse).await;
    let _ = std::panic::take_hook();
    let pasting = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    let released =
        if mouse { crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture) } else { Ok(()) };
    let restored = ratatui::try_restore();
    result.and(pasting).and(released).and(restored)
}

/// Ctrl-Z: gives the terminal back to the shell, stops the process as the
/// shell expects, and takes the terminal again on `fg`.
fn suspend(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> std::io::Result<()> {
    crossterm::execute!(std::io::stdout(), DisableBracketedPaste)?;
    if mouse {
        crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture)?;
    }
    ratatui::try_restore()?;
    crossterm::execute!(std::io::stdout(), crossterm::cursor::Show)?;
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    // Running again: the shell's `fg` sent SIGCONT. The terminal is set up
    // by hand, not by `ratatui::try_init`: a new Terminal asks where the
    // cursor is, and the event stream still reading stdin takes the answer
    // ("the cursor position could not be read").
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    terminal.hide_cursor()?;
    // `resize` clears the screen and forgets the last frame without asking
    // for the cursor (`clear` asks), so the next draw paints everything.
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    session: Session,
    tick: Duration,
    prefeed: Vec<crate::script::Step>,
    mouse: bool,
) -> std::io::Result<()> {
    use crossterm::event::MouseEventKind;
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, mut rx) = mpsc::unbounded_channel();
    let size = terminal.size()?;
    let mut app = session.app(tx, (size.width, size.height));
    app.start();
    app.script_queue.extend(prefeed);
    // EventStream needs a terminal: it is created only on this path.
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(tick);
    // After a suspend, one tick, not every one that was missed.
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    loop {
        terminal.draw(|f| view::render(f, &app))?;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.code == KeyCode::Char('z') && k.modifiers == KeyModifiers::CONTROL => {
                    if k.kind != KeyEventKind::Release {
                        suspend(terminal, mouse)?;
                    }
                }
                Some(Ok(Event::Paste(text))) => app.on_paste(text),
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => app.on_key(Key::from_event(k)),
                Some(Ok(Event::Resize(w, h))) => app.on_resize(w, h),
                // The wheel, when `ui.mouse` asks for it; every other mouse event is ignored.
                Some(Ok(Event::Mouse(m))) if mouse => match m.kind {
                    MouseEventKind::ScrollDown => app.on_wheel(true),
                    MouseEventKind::ScrollUp => app.on_wheel(false),
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => break,
            },
            _ = ticker.tick() => {
                app.on_tick();
                app.drain_typeahead();
            }
            Some(msg) = rx.recv() => app.on_msg(msg),
            _ = term.recv() => break,
            _ = hup.recv() => break,
        }
        // A replayed macro moves on whenever the app is idle.
        while app.run_queued_step() {}
        // A copy may come from a key that waited in the queue: written once it ran.
        if let Some(text) = app.clipboard.take() {
            use std::io::Write;
            let mut out = std::io::stdout();
            out.write_all(osc52(&text).as_bytes())?;
            out.flush()?;
        }
        if app.quit {
            break;
        }
    }
    app.tasks.cancel_all();
    // This session's presence row goes now, not when it expires (bounded: quitting never hangs on it).
    if let Some(leave) = app.presence_leave() {
        let _ = tokio::time::timeout(Duration::from_secs(1), leave).await;
    }
    Ok(())
}

/// The app driven by keys and scripts rather than a person: off-screen
/// (`Headless`, for tests and `--headless`) or on a real terminal (a
/// script run where someone can watch). Keys in, settled screens out.
pub struct Driver<B: ratatui::backend::Backend> {
    pub app: App,
    rx: mpsc::UnboundedReceiver<Msg>,
    terminal: Terminal<B>,
    /// The last frame drawn, for screenshots with colours.
    last: Option<ratatui::buffer::Buffer>,
}

/// The app on an off-screen terminal.
pub type Headless = Driver<TestBackend>;

/// A headless run that did not settle in time.
#[derive(Debug, thiserror::Error)]
#[error("the app did not become idle within {0:?} ({1} task(s) still running)")]
pub struct NotIdle(pub Duration, pub usize);

impl Headless {
    /// Starts the app at `width`x`height` and waits for its first lists.
    pub async fn start(session: Session, width: u16, height: u16) -> Result<Headless, NotIdle> {
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("the test backend cannot fail");
        Driver::with_terminal(session, terminal).await
    }

    /// Changes the off-screen terminal's size.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.app.on_resize(width, height);
    }
}

impl<B: ratatui::backend::Backend> Driver<B> {
    /// Starts the app on `terminal` and waits for its first lists.
    pub async fn with_terminal(session: Session, terminal: Terminal<B>) -> Result<Driver<B>, NotIdle> {
        let (tx, rx) = mpsc::unbounded_channel();
        let size = terminal.size().map(|s| (s.width, s.height)).unwrap_or((80, 24));
        let mut app = session.app(tx, size);
        app.start();
        let mut h = Driver { app, rx, terminal, last: None };
        h.settle(Duration::from_secs(30)).await?;
        Ok(h)
    }

    /// Applies task reports until nothing is running, then runs any queued
    /// macro steps the same way.
    pub async fn settle(&mut self, limit: Duration) -> Result<(), NotIdle> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while self.app.busy() {
                match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                    Ok(Some(msg)) => self.app.on_msg(msg),
                    Ok(None) => break,
                    Err(_) => return Err(NotIdle(limit, self.app.tasks.pending())),
                }
            }
            if !self.app.run_queued_step() {
                return Ok(());
            }
        }
    }

    /// Applies task reports one at a time, drawing after each as the
    /// terminal does, until the screen shows what `shown` looks for: the
    /// moment an operator sees a change, while other reloads may still run.
    pub async fn until_shown(&mut self, limit: Duration, shown: impl Fn(&str) -> bool) -> Result<(), NotIdle> {
        let deadline = tokio::time::Instant::now() + limit;
        while !shown(&self.screen()) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.app.on_msg(msg),
                Ok(None) | Err(_) => return Err(NotIdle(limit, self.app.tasks.pending())),
            }
        }
        Ok(())
    }

    /// Waits (at most `limit`) until the live-queue watcher sees changes:
    /// a test then knows a colleague's change made from now on reaches
    /// this app. False when it did not start in time (or `ui.live` is off).
    pub async fn until_watching(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.app.tasks.watching() {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// Lets `time` pass as a terminal would while nobody types: its ticks
    /// (presence heartbeats, health pings) at the app's tick rate, and task
    /// reports (live-queue reloads among them) applied as they arrive.
    pub async fn idle(&mut self, time: Duration) {
        use tokio::time::{Instant, timeout_at};
        let deadline = Instant::now() + time;
        let tick = Duration::from_millis(self.app.tick_ms.max(1));
        let mut next_tick = Instant::now() + tick;
        loop {
            match timeout_at(next_tick.min(deadline), self.rx.recv()).await {
                Ok(Some(msg)) => self.app.on_msg(msg),
                Ok(None) => break,
                Err(_) if Instant::now() >= deadline => break,
                Err(_) => {
                    self.app.on_tick();
                    self.app.drain_typeahead();
                    next_tick += tick;
                }
            }
            while self.app.run_queued_step() {}
        }
    }

    /// Draws a frame, as the terminal does after each key (for timing).
    pub fn draw(&mut self) {
        let app = &self.app;
        // An off-screen draw cannot fail; a bench that times it need not know.
        let _ = self.terminal.draw(|f| view::render(f, app));
    }

    /// Applies the task reports that have arrived, without waiting for more.
    pub fn apply_ready(&mut self) {
        while let Ok(msg) = self.rx.try_recv() {
            self.app.on_msg(msg);
        }
    }

    /// Presses keys in the script notation, settling after each.
    pub async fn press(&mut self, keys: &str) -> Result<(), PressError> {
        for k in parse_sequence(keys)? {
            self.app.on_key(k);
            self.settle(Duration::from_secs(30)).await?;
        }
        Ok(())
    }

    /// Draws and returns the screen as text, one line per row, trailing blanks trimmed.
    pub fn screen(&mut self) -> String {
        let app = &self.app;
        let frame = self.terminal.draw(|f| view::render(f, app)).map(|c| c.buffer.clone());
        match frame {
            Ok(buf) => {
                let text = buffer_text(&buf);
                self.last = Some(buf);
                text
            }
            Err(e) => format!("(the screen could not be drawn: {e})"),
        }
    }

    /// The screen with its colours and styles as ANSI escape sequences.
    pub fn screen_ansi(&mut self) -> String {
        self.screen();
        self.last.as_ref().map(buffer_ansi).unwrap_or_default()
    }
}

/// A buffer as text with SGR escape sequences for colours and styles.
pub fn buffer_ansi(buf: &ratatui::buffer::Buffer) -> String {
    use ratatui::style::{Color, Modifier};
    fn colour(c: Color, bg: bool) -> Option<u8> {
        let base = match c {
            Color::Black => 30,
            Color::Red => 31,
            Color::Green => 32,
            Color::Yellow => 33,
            Color::Blue => 34,
            Color::Magenta => 35,
            Color::Cyan => 36,
            Color::Gray => 37,
            Color::DarkGray => 90,
            Color::LightRed => 91,
            Color::LightGreen => 92,
            Color::LightYellow => 93,
            Color::LightBlue => 94,
            Color::LightMagenta => 95,
            Color::LightCyan => 96,
            Color::White => 97,
            _ => return None,
        };
        Some(if bg { base + 10 } else { base })
    }
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut current = None;
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            let style = (cell.fg, cell.bg, cell.modifier);
            if current != Some(style) {
                let mut codes = vec!["0".to_owned()];
                codes.extend(colour(cell.fg, false).map(|c| c.to_string()));
                codes.extend(colour(cell.bg, true).map(|c| c.to_string()));
                for (m, code) in [(Modifier::BOLD, "1"), (Modifier::UNDERLINED, "4"), (Modifier::REVERSED, "7")] {
                    if cell.modifier.contains(m) {
                        codes.push(code.to_owned());
                    }
                }
                out.push_str(&format!("\x1b[{}m", codes.join(";")));
                current = Some(style);
            }
            out.push_str(cell.symbol());
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

/// A headless key press that failed.
#[derive(Debug, thiserror::Error)]
pub enum PressError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    NotIdle(#[from] NotIdle),
}

/// A buffer as plain text.
pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
