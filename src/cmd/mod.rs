//! What each subcommand does; `main.rs` only dispatches here.

pub mod bench;
pub mod case;
pub mod demo;
pub mod info;
pub mod tui;

/// Prints a value as pretty JSON on stdout.
pub fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("our types serialize"));
}
