//! The `:` command line: the CLI's own verbs, parsed by the CLI's own clap
//! definition, turned into what they ask for — the same intents (and
//! dialogs) the keys make.

pub mod complete;
mod parse;
mod words;

pub use complete::{complete, Words};
pub use parse::parse;

#[cfg(test)]
mod tests;
