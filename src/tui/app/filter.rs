//! `/`: the filter of the view shown.

use super::App;
use crate::tui::event::Effect;
use crate::tui::views::View;

impl App {
    /// The filter of the view shown (every view has one).
    pub(super) fn set_filter(&mut self, text: String) -> Vec<Effect> {
        let v = &mut self.views;
        match self.view {
            View::Flags => v.flags.set_filter(text),
            View::Audit => v.audit.set_filter(text),
            View::Checklists => v.checklists.set_filter(text),
            View::Health => v.health.set_filter(text),
            View::Dashboard => {
                v.dashboard.set_filter(text);
                // The reader finds its matches: ask for their first window.
                return self.history_window();
            }
            // Nothing to filter: `/` says so before a prompt opens.
            View::Rollouts | View::Insights => {}
        }
        Vec::new()
    }

    /// The filter of the view shown.
    pub(super) fn filter_text(&self) -> &str {
        let v = &self.views;
        match self.view {
            View::Flags => &v.flags.filter,
            View::Audit => &v.audit.filter,
            View::Checklists => &v.checklists.filter,
            View::Health => &v.health.filter,
            View::Dashboard => &v.dashboard.filter,
            View::Rollouts | View::Insights => "",
        }
    }
}
