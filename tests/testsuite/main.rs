//! Black-box tests: the real binary, real HTTP, a temp data dir. One test binary, one
//! module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod bridges_broker;
mod bridges_segment;
mod cli;
mod client_cli;
mod collector;
mod destinations;
mod durability;
mod export_import;
mod help;
mod identity;
mod init;
mod migrate;
mod pipeline;
mod postgres;
mod private_api;
mod queue_model;
mod scheduled;
mod segments;
mod store_model;
mod support;
mod tms;
mod tui;
mod worker;
mod workflow;
