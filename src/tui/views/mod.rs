//! The console's views. Each owns its state (selection, scroll, filter,
//! caches) and draws itself from that state and what every view shares
//! (`Shared`: the config, the snapshot, the clock, live health, the team).
//! Views never mutate while drawing and never do I/O: what they need
//! loaded they ask for as an `Effect`.

pub mod audit;
pub mod checklists;
pub mod dashboard;
pub mod flags;
pub mod health;
pub mod insights;
pub mod live;
pub mod rollouts;
mod shared;
pub mod team;

pub use shared::Shared;

/// A cursor and the first row shown, for one list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListPos {
    pub cursor: u64,
    pub scroll: u64,
}

/// Every view's own state.
#[derive(Debug, Default)]
pub struct Views {
    pub dashboard: dashboard::Dashboard,
    pub checklists: checklists::Checklists,
    pub flags: flags::Flags,
    pub health: health::HealthView,
    pub audit: audit::Audit,
    pub rollouts: rollouts::Rollouts,
    pub insights: insights::Insights,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dashboard,
    Checklists,
    Flags,
    Health,
    Audit,
    Rollouts,
    Insights,
}

impl View {
    /// In the order of the number keys.
    pub const ALL: [View; 7] = [
        View::Dashboard,
        View::Checklists,
        View::Flags,
        View::Health,
        View::Audit,
        View::Rollouts,
        View::Insights,
    ];
    /// The keymap mode whose bindings apply in this view.
    pub fn mode(self) -> &'static str {
        match self {
            View::Dashboard => "dashboard",
            View::Checklists => "checklists",
            View::Flags => "flags",
            View::Health => "health",
            View::Audit => "audit",
            View::Rollouts => "rollouts",
            View::Insights => "insights",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            View::Dashboard => "Dashboard",
            View::Checklists => "Checklists",
            View::Flags => "Flags",
            View::Health => "Health",
            View::Audit => "Audit",
            View::Rollouts => "Rollouts",
            View::Insights => "Insights",
        }
    }
    /// The keymap command that shows this view.
    pub fn command(self) -> crate::config::Command {
        use crate::config::Command as C;
        match self {
            View::Dashboard => C::ViewDashboard,
            View::Checklists => C::ViewChecklists,
            View::Flags => C::ViewFlags,
            View::Health => C::ViewHealth,
            View::Audit => C::ViewAudit,
            View::Rollouts => C::ViewRollouts,
            View::Insights => C::ViewInsights,
        }
    }
}
