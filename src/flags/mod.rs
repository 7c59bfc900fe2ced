//! Feature flags: evaluation (bucketing identical to flagd's `fractional`)
//! and the exporters applications read.

pub mod eval;
pub mod export;
pub mod murmur;
pub mod publish;

pub use eval::{describe, evaluate, Evaluation};
pub use export::FlagRow;
