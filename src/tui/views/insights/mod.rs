//! The Insights view: each environment's DORA metrics (deployment
//! frequency, change lead time, change fail rate, recovery time, rework)
//! with their performance band, a sparkline per metric over the last
//! weeks and a bar chart of deployments per week. The data comes with the
//! snapshot while the view is open (`Query::insights`), and while the
//! reader keeps what it last read (the ledger has not moved) with every
//! snapshot, so reopening shows it at once; the view owns only its
//! scroll position (by environment).

mod render;

use ratatui::layout::Rect;
use ratatui::Frame;

pub use render::{block_height, spark};

use super::{ListPos, Shared};
use crate::tui::render::theme::Theme;

#[derive(Debug, Default)]
pub struct Insights {
    /// `cursor` is the first environment shown.
    pub pos: ListPos,
}

impl Insights {
    pub fn render(&self, f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
        render::render(f, area, sh, self, theme);
    }
}
