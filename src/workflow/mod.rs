//! Workflows: dot notation over the profile, session, event and payload, and the
//! condition language (TQL).

pub mod notation;
pub mod tql;
