//! The terminal UI: set-up and restore, the event loop, and an off-screen
//! driver that tests (and headless scripts) use to run the same app.

pub mod admin;
pub mod app;
pub mod broker_view;
pub mod case_view;
pub mod cases;
pub mod codes;
pub mod member_view;
pub mod members;
pub mod task;
pub mod theme;
pub mod view;

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
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
}

impl Session {
    fn app(self, tx: mpsc::UnboundedSender<Msg>, size: (u16, u16)) -> App {
        let tasks = Tasks::new(tx, self.ops.store().clone());
        let mut app = App::new(self.ops, self.keymap, &self.config, self.no_color, tasks, size, self.history_file);
        app.key = Some(self.key);
        app.letters_dir = self.letters_dir;
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
pub async fn run_terminal(session: Session) -> std::io::Result<()> {
    let tick = Duration::from_millis(session.config.ui.tick_ms);
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, session, tick).await;
    let restored = ratatui::try_restore();
    result.and(restored)
}

async fn event_loop(terminal: &mut ratatui::DefaultTerminal, session: Session, tick: Duration) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, mut rx) = mpsc::unbounded_channel();
    let size = terminal.size()?;
    let mut app = session.app(tx, (size.width, size.height));
    app.start();
    // EventStream needs a terminal: it is created only on this path.
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(tick);
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    loop {
        terminal.draw(|f| view::render(f, &app))?;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    app.on_key(Key::from_event(k));
                    if let Some(text) = app.clipboard.take() {
                        use std::io::Write;
                        let mut out = std::io::stdout();
                        out.write_all(osc52(&text).as_bytes())?;
                        out.flush()?;
                    }
                }
                Some(Ok(Event::Resize(w, h))) => app.on_resize(w, h),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => break,
            },
            _ = ticker.tick() => app.on_tick(),
            Some(msg) = rx.recv() => app.on_msg(msg),
            _ = term.recv() => break,
            _ = hup.recv() => break,
        }
        if app.quit {
            break;
        }
    }
    app.tasks.cancel_all();
    Ok(())
}

/// The app on an off-screen terminal: keys in, settled screens out.
pub struct Headless {
    pub app: App,
    rx: mpsc::UnboundedReceiver<Msg>,
    terminal: Terminal<TestBackend>,
}

/// A headless run that did not settle in time.
#[derive(Debug, thiserror::Error)]
#[error("the app did not become idle within {0:?} ({1} task(s) still running)")]
pub struct NotIdle(pub Duration, pub usize);

impl Headless {
    /// Starts the app at `width`x`height` and waits for its first lists.
    pub async fn start(session: Session, width: u16, height: u16) -> Result<Headless, NotIdle> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut app = session.app(tx, (width, height));
        app.start();
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("the test backend cannot fail");
        let mut h = Headless { app, rx, terminal };
        h.settle(Duration::from_secs(30)).await?;
        Ok(h)
    }

    /// Applies task reports until nothing is running.
    pub async fn settle(&mut self, limit: Duration) -> Result<(), NotIdle> {
        let deadline = tokio::time::Instant::now() + limit;
        while self.app.busy() {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.app.on_msg(msg),
                Ok(None) => break,
                Err(_) => return Err(NotIdle(limit, self.app.tasks.pending())),
            }
        }
        Ok(())
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
        self.terminal.draw(|f| view::render(f, &self.app)).expect("the test backend cannot fail");
        buffer_text(self.terminal.backend().buffer())
    }

    /// Changes the off-screen terminal's size.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.app.on_resize(width, height);
    }
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
