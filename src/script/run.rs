//! Running a script against the app, headless or on a terminal: each step
//! runs until the app is idle; the first expectation that does not hold
//! stops the run with the screen and the step.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::Step;
use crate::tui::Driver;

/// Why a script stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The script line.
    pub line: usize,
    pub message: String,
    /// The screen when it failed.
    pub screen: String,
}

/// Checks, before anything runs, that every screenshot can be written.
pub fn check_paths(steps: &[(usize, Step)], base: &Path) -> Result<(), String> {
    for (line, step) in steps {
        if let Step::Screenshot { file, .. } = step {
            let path = base.join(file);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                return Err(format!("line {line}: screenshot folder {} does not exist", dir.display()));
            }
        }
    }
    Ok(())
}

/// Runs `steps`; screenshots go under `base`. `idle` bounds how long one
/// step may keep the app busy.
pub async fn run<B: ratatui::backend::Backend>(
    d: &mut Driver<B>,
    steps: &[(usize, Step)],
    base: &Path,
    idle: Duration,
) -> Result<(), Failure> {
    for (line, step) in steps {
        let line = *line;
        let fail = |d: &mut Driver<B>, message: String| Failure { line, message, screen: d.screen() };
        match step {
            Step::Keys(keys) => {
                for k in keys {
                    d.app.on_key(*k);
                    if let Err(e) = d.settle(idle).await.map_err(|e| e.to_string()) {
                        return Err(fail(d, e));
                    }
                }
            }
            Step::Command(c) => {
                d.app.type_command(c);
            }
            Step::Action(a) => d.app.run(*a),
            Step::Sleep(t) => {
                for _ in 0..(t.as_millis() as u64 / d.app.tick_ms.max(1)) {
                    d.app.on_tick();
                }
            }
            Step::Wait(re, limit) => {
                let start = Instant::now();
                loop {
                    if let Err(e) = d.settle(idle).await.map_err(|e| e.to_string()) {
                        return Err(fail(d, e));
                    }
                    if re.is_match(&d.screen()) {
                        break;
                    }
                    if start.elapsed() >= *limit {
                        return Err(fail(
                            d,
                            format!("waited {:.1} s for /{re}/ and it did not appear", limit.as_secs_f64()),
                        ));
                    }
                    d.app.on_tick();
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            Step::Expect(re) | Step::ExpectNot(re) => {
                if let Err(e) = d.settle(idle).await.map_err(|e| e.to_string()) {
                    return Err(fail(d, e));
                }
                let found = re.is_match(&d.screen());
                let want = matches!(step, Step::Expect(_));
                if found != want {
                    let m = if want {
                        format!("expected /{re}/ on the screen")
                    } else {
                        format!("did not expect /{re}/ on the screen")
                    };
                    return Err(fail(d, m));
                }
            }
            Step::Screenshot { file, ansi } => {
                if let Err(e) = d.settle(idle).await.map_err(|e| e.to_string()) {
                    return Err(fail(d, e));
                }
                let text = if *ansi { d.screen_ansi() } else { d.screen() };
                let path: PathBuf = base.join(file);
                if let Err(e) = std::fs::write(&path, text) {
                    return Err(fail(d, format!("cannot write {}: {e}", path.display())));
                }
            }
        }
        if let Err(e) = d.settle(idle).await.map_err(|e| e.to_string()) {
            return Err(fail(d, e));
        }
        if d.app.quit {
            break;
        }
    }
    Ok(())
}
