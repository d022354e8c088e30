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

/// A home with a fresh 300-member demo database in it.
pub fn demo_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let out = run(home.path(), &["demo", "--members", "300"]);
    assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
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

    /// The screen's text now.
    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Whether the terminal is on the alternate screen / has the cursor hidden.
    pub fn modes(&self) -> (bool, bool) {
        let p = self.parser.lock().unwrap();
        (p.screen().alternate_screen(), p.screen().hide_cursor())
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
