//! portaldesk: the enrollment department's terminal back office for the
//! COBRA & Direct Billing, enrollment inquiry and broker portals.
//!
//! The binary in `main.rs` is thin; everything lives here so the tests can
//! drive the same code paths the terminal and the CLI use.
//!
//! `unsafe` is denied everywhere but `store::direct`, SQLite's C interface.
#![deny(unsafe_code)]

// Linked into every binary of the crate: `store::direct::start_process`
// sets mimalloc's options through its C interface.
extern crate mimalloc as _;

pub mod action;
pub mod bench;
pub mod cli;
pub mod cmd;
pub mod columns;
pub mod command;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod docs;
pub mod domain;
pub mod error_code;
pub mod export;
pub mod fatal;
pub mod import;
pub mod keymap;
pub mod keys;
pub mod ops;
pub mod script;
pub mod startup;
pub mod store;
pub mod tui;
