//! Drives the real binary in a pseudo-terminal and reads its screen with vt100.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_portaldesk")
}

/// Runs the binary without a terminal, with `PORTALDESK_HOME` set, and returns its output.
pub fn run(home: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(bin())
        .args(args)
        .env("PORTALDESK_HOME", home)
        .env("PORTALDESK_OPERATOR", "tester")
        .env_remove("PORTALDESK_DATA_KEY")
        .env_remove("PORTALDESK_DATABASE_URL")
        .output()
        .expect("run portaldesk")
}

/// A home whose data key is the seeded demo's, for the binary to open a
/// database a test seeded through the library (given by `--db`).
pub fn keyed_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("data")).unwrap();
    portaldesk::crypto::write_private(&home.path().join("data/data.key"), &"2a".repeat(32)).unwrap();
    home
}

/// A home with a fresh 300-member demo database in it.
pub fn demo_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &["demo", "--members", "300"]);
    assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
    home
}

/// A home holding a copy of one 100 000-member demo, seeded once per test
/// binary: searches there take long enough that typed-ahead keys arrive
/// before the screen they are meant for.
pub fn big_demo_home() -> tempfile::TempDir {
    static SEED: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let seed = SEED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pty-100k-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = run(&dir, &["demo", "--members", "100000"]);
        assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
        dir
    });
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("data")).unwrap();
    for f in ["demo.sqlite", "data.key"] {
        std::fs::copy(seed.join("data").join(f), home.path().join("data").join(f)).unwrap();
    }
    home
}

/// A program running in a pseudo-terminal.
pub struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// Starts `sh -c script` in a `cols`x`rows` terminal; `$0` in the script is the binary.
    pub fn shell(home: &Path, script: &str, cols: u16, rows: u16) -> Pty {
        let pair =
            native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("openpty");
        let mut cmd = CommandBuilder::new("sh");
        cmd.args(["-c", script, bin()]);
        cmd.env("PORTALDESK_HOME", home);
        cmd.env("PORTALDESK_OPERATOR", "tester");
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("PORTALDESK_DATA_KEY");
        cmd.env_remove("PORTALDESK_DATABASE_URL");
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty { parser, writer, child, _master: pair.master }
    }

    /// Types bytes into the terminal.
    pub fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Types `s` one character at a time, `per_second` of them a second,
    /// the way a fast typist or a keyboard macro does.
    pub fn type_at(&mut self, s: &str, per_second: u64) {
        for c in s.chars() {
            self.send(c.encode_utf8(&mut [0; 4]));
            std::thread::sleep(Duration::from_millis(1000 / per_second));
        }
    }

    /// Pastes `text` as a terminal does with bracketed paste on.
    pub fn paste(&mut self, text: &str) {
        self.send(&format!("\x1b[200~{text}\x1b[201~"));
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Whether the terminal is on the alternate screen / has the cursor hidden.
    pub fn modes(&self) -> (bool, bool) {
        let p = self.parser.lock().unwrap();
        (p.screen().alternate_screen(), p.screen().hide_cursor())
    }

    /// Which mouse reports the terminal was asked for (none unless captured).
    pub fn mouse_mode(&self) -> vt100::MouseProtocolMode {
        self.parser.lock().unwrap().screen().mouse_protocol_mode()
    }

    /// Quits the app from its top level and checks it exited with 0.
    pub fn quit_ok(&mut self) {
        self.send("q");
        let s = self.wait_for("the shell after exit", |s| s.contains("EXIT="));
        assert!(s.contains("EXIT=0"), "{s}");
        let _ = self.child.wait();
    }

    /// Waits until the screen satisfies `pred`, or fails with the screen shown.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
