//! portaldesk: the enrollment department's terminal back office for the
//! COBRA & Direct Billing, enrollment inquiry and broker portals.
//!
//! The binary in `main.rs` is thin; everything lives here so the tests can
//! drive the same code paths the terminal and the CLI use.

pub mod config;
pub mod crypto;
pub mod domain;
pub mod store;
pub mod demo;
