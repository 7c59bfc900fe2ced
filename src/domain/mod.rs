//! Pure types and rules: no I/O, no clock reads (time is passed in).

pub mod body_template;
pub mod checklist;
pub mod checklist_import;
pub mod dora;
pub mod flag;
pub mod freeze;
pub mod gates;
pub mod incident;
pub mod inert;
pub mod release;
pub mod rollout;
pub mod threshold;

pub use flag::{FlagChangeKind, FlagState};
pub use freeze::FreezeWindow;
pub use gates::{Gate, GateInput, InFlight, LeaseState};
pub use inert::inert;
pub use release::{Action, Build, DeploymentStatus, Release, StepState};
