//! Black-box tests: the real binary, real HTTP, a temp data dir. One test binary, one
//! module per area.

mod cli;
mod collector;
mod durability;
mod support;
