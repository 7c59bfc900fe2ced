//! The mouse: a click selects a tab, an environment card or a history row;
//! the wheel scrolls the list under it (or the popup on top). Hit-testing
//! asks the same layout functions the frame is drawn with.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::navigate::Move;
use super::App;
use crate::tui::event::Effect;
use crate::tui::render::{chrome, layout};
use crate::tui::views::dashboard::{cards, health_panel};
use crate::tui::views::View;

/// Lines one wheel notch moves.
const WHEEL: i64 = 3;

impl App {
    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        let by = match m.kind {
            MouseEventKind::ScrollDown => WHEEL,
            MouseEventKind::ScrollUp => -WHEEL,
            MouseEventKind::Down(MouseButton::Left) => return self.click(m.column, m.row),
            _ => return Vec::new(),
        };
        self.dirty = true;
        if let Some(top) = self.popups.last_mut() {
            // A popup scrolls with its own keys.
            let code = if by > 0 { KeyCode::Down } else { KeyCode::Up };
            for _ in 0..WHEEL {
                let _ = top.component_mut().on_key(&KeyEvent::new(code, KeyModifiers::NONE));
            }
            return Vec::new();
        }
        self.move_cursor(Move::By(by))
    }

    fn click(&mut self, x: u16, y: u16) -> Vec<Effect> {
        if !self.popups.is_empty() || self.loading() {
            return Vec::new();
        }
        self.dirty = true;
        let area = self.shared.view_area();
        let s = layout::screen(area);
        if y == s.tabs.y {
            return match chrome::tab_at(self, area.width, x) {
                Some(v) => self.show(v),
                None => Vec::new(),
            };
        }
        if self.view != View::Dashboard {
            return Vec::new();
        }
        let d = layout::dashboard(s.body, health_panel::rows(&self.shared));
        let inside = |r: ratatui::layout::Rect| x >= r.x && x < r.right() && y >= r.y && y < r.bottom();
        if inside(d.cards) {
            return match cards::card_at(d.cards, &self.shared, d.compact, x) {
                Some(i) => self.select_env_index(i),
                None => Vec::new(),
            };
        }
        // History rows start below the border and the header line.
        if inside(d.history) && y >= d.history.y + 2 {
            let pos = self.views.dashboard.history;
            let row = pos.scroll + u64::from(y - d.history.y - 2);
            if row < self.views.dashboard.len(&self.shared) {
                return self.move_cursor(Move::By(row as i64 - pos.cursor as i64));
            }
        }
        Vec::new()
    }
}
