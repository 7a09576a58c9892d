//! Workflows: rules pick flows for each event; flows are graphs of plugin nodes that
//! read and change the profile, session and event through dot paths, with conditions
//! in TQL.

pub mod engine;
pub mod flow;
pub mod notation;
pub mod plugins;
pub mod rules;
pub mod runtime;
pub mod segmentation;
pub mod tql;

#[cfg(test)]
mod flow_tests;
