//! tracardictl: a Tracardi-compatible customer data platform in one binary.
//!
//! Layers, never depended on in reverse: `domain` ← `tracking` ← `store` ← `daemon` ←
//! `cli`.

pub mod cli;
pub mod client;
pub mod config;
pub mod daemon;
pub mod domain;
pub mod identity;
pub mod store;
pub mod tracking;
pub mod tui;
pub mod workflow;

/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
