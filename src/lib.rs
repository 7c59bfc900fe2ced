//! relcon: a terminal release console. See docs/architecture.md.

pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod exec;
pub mod flags;
pub mod fslock;
pub mod health;
pub mod ledger;
pub mod ops;
#[cfg(test)]
mod test_rng;
pub mod tui;

pub use error::{Error, Result};
