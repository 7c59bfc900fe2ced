//! Live health: pollers, answer parsers, Prometheus metrics, version drift.

pub mod board;
pub mod drift;
pub mod metrics;
pub mod once;
pub mod parse;
pub mod poller;
pub mod probe;
pub mod state;

pub use board::{Board, EnvHealth, HealthUpdate};
pub use drift::{version_check, VersionCheck};
pub use state::{MetricSample, Sample, State, SubCheck};
