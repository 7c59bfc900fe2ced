//! The Health view: every env's endpoints and metrics, live from the
//! pollers. It owns its scroll position (by line).

mod render;

use ratatui::layout::Rect;
use ratatui::Frame;

pub use render::{view_lines, NO_METRICS};

use super::{ListPos, Shared};
use crate::tui::render::theme::Theme;

#[derive(Debug, Default)]
pub struct HealthView {
    /// `cursor` is the first line shown.
    pub pos: ListPos,
    /// `/`: only the envs and rows that hold every word (see `lines`).
    pub filter: String,
}

impl HealthView {
    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.pos = ListPos::default();
    }

    pub fn render(&self, f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
        render::render(f, area, sh, self, theme);
    }
}
