//! `portaldesk completions SHELL` and `portaldesk man`: what shells and
//! `man` read, generated from the clap definitions that parse the commands.

use std::io::Write;

use crate::cli::Shell;
use crate::fatal::Fatal;

/// Writes `bytes` to stdout (a closed pipe ends quietly, see `main`).
fn emit(bytes: &[u8]) -> Result<u8, Fatal> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| Fatal::new(format!("cannot write: {e}")))?;
    Ok(0)
}

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Result<u8, Fatal> {
    emit(&crate::cli::completions(shell))
}

/// Prints the manual page (roff).
pub fn man() -> Result<u8, Fatal> {
    emit(crate::cli::man_page().as_bytes())
}
