//! The console's views, in the order of their number keys.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dashboard,
    Checklists,
    Flags,
    Health,
    Audit,
}

impl View {
    /// In the order of the number keys.
    pub const ALL: [View; 5] = [
        View::Dashboard,
        View::Checklists,
        View::Flags,
        View::Health,
        View::Audit,
    ];
    /// The keymap mode whose bindings apply in this view.
    pub fn mode(self) -> &'static str {
        match self {
            View::Dashboard => "dashboard",
            View::Checklists => "checklists",
            View::Flags => "flags",
            View::Health => "health",
            View::Audit => "audit",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            View::Dashboard => "Dashboard",
            View::Checklists => "Checklists",
            View::Flags => "Flags",
            View::Health => "Health",
            View::Audit => "Audit",
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
        }
    }
}
