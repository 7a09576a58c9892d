//! Identity: merge keys, merge semantics, automatic profile merging (APM) with a journal
//! that explains and undoes every merge.

pub mod apm;
pub mod keys;
pub mod merge;

pub use apm::{Apm, Explanation, IdentitySettings, MergeOutcome, PassStats};
pub use keys::KeyPolicy;
pub use merge::{merge_profiles, touch_field, MergeOptions, Strategy};

#[cfg(test)]
mod tests;
