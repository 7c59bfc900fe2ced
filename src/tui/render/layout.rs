//! Where things go on the screen. Pure functions of the frame size, used
//! by render *and* by update (to know how many rows a list shows), so
//! scrolling state stays in the app and drawing never mutates it.

use ratatui::layout::{Constraint, Layout, Rect};

pub struct Screen {
    pub tabs: Rect,
    pub body: Rect,
    pub footer: Rect,
    pub status: Rect,
}

/// The smallest terminal the views are drawn in; below it a message says so.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn screen(area: Rect) -> Screen {
    let [tabs, body, footer, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Screen {
        tabs,
        body,
        footer,
        status,
    }
}

pub struct Dashboard {
    pub cards: Rect,
    pub history: Rect,
    pub detail: Rect,
    /// The selected env's health panel, when there is room and something to show.
    pub health: Option<Rect>,
    /// Cards show one line per fact when there is room, else a compact form.
    pub compact: bool,
}

/// Card height: full cards from 34 rows up, compact ones below.
/// `health_rows`: endpoints and metrics of the selected env.
pub fn dashboard(body: Rect, health_rows: u16) -> Dashboard {
    let compact = body.height < 32;
    let card_h = if compact { 6 } else { 11 };
    let [cards, rest] = Layout::vertical([Constraint::Length(card_h), Constraint::Min(4)]).areas(body);
    let (history, detail) = if rest.width >= 70 {
        let [h, d] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
        (h, d)
    } else {
        let [h, d] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
        (h, d)
    };
    let (detail, health) = if !compact && rest.width >= 70 && health_rows > 0 {
        let [d, h] =
            Layout::vertical([Constraint::Min(8), Constraint::Length((health_rows + 2).min(14))]).areas(detail);
        (d, Some(h))
    } else {
        (detail, None)
    };
    Dashboard {
        cards,
        history,
        detail,
        health,
        compact,
    }
}

/// Rows of releases the history list shows (inside its border, below its header).
pub fn history_rows(area: Rect) -> u16 {
    dashboard(screen(area).body, 0).history.height.saturating_sub(3)
}

/// Rows the audit table shows.
pub fn audit_rows(area: Rect) -> u16 {
    screen(area).body.height.saturating_sub(3)
}

pub struct Flags {
    pub table: Rect,
    /// The highlighted flag's state in the selected env.
    pub detail: Rect,
    /// Its recorded changes there, when there is room.
    pub history: Option<Rect>,
}

/// The flag table (as tall as its `n` flags need), and below it the
/// highlighted flag's state and history: side by side when wide, stacked
/// when tall enough, else the state alone.
pub fn flags(body: Rect, n: usize) -> Flags {
    let want = body.height.saturating_sub(n.min(1000) as u16 + 3);
    let below = want.clamp(8, 16).min(body.height.saturating_sub(4));
    let [table, rest] = Layout::vertical([Constraint::Min(4), Constraint::Length(below)]).areas(body);
    let (detail, history) = if rest.width >= 120 {
        let [d, h] = Layout::horizontal([Constraint::Percentage(42), Constraint::Percentage(58)]).areas(rest);
        (d, Some(h))
    } else if rest.height >= 12 {
        let [d, h] = Layout::vertical([Constraint::Length(7), Constraint::Min(5)]).areas(rest);
        (d, Some(h))
    } else {
        (rest, None)
    };
    Flags { table, detail, history }
}

/// Rows of flags the table shows (inside its border, below its header).
pub fn flag_rows(area: Rect, n: usize) -> u16 {
    flags(screen(area).body, n).table.height.saturating_sub(3)
}

/// Rows the checklist list shows.
pub fn checklist_rows(area: Rect) -> u16 {
    checklists(screen(area).body).0.height.saturating_sub(2)
}

/// The checklist list and, when wide enough, a pane for the highlighted item.
pub fn checklists(body: Rect) -> (Rect, Option<Rect>) {
    if body.width >= 110 {
        let [l, r] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(body);
        (l, Some(r))
    } else {
        (body, None)
    }
}

/// A centred popup of at most `w`×`h` inside `area`.
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(area.width.min(20));
    let h = h.min(area.height.saturating_sub(2)).max(area.height.min(5));
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
}

/// Keeps `cursor` visible in a list of `rows` rows that starts at `scroll`.
pub fn follow(scroll: u64, cursor: u64, rows: u64) -> u64 {
    let rows = rows.max(1);
    if cursor < scroll {
        cursor
    } else if cursor >= scroll + rows {
        cursor + 1 - rows
    } else {
        scroll
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_scrolls_only_when_the_cursor_leaves_the_view() {
        assert_eq!(follow(0, 5, 10), 0);
        assert_eq!(follow(0, 10, 10), 1);
        assert_eq!(follow(20, 5, 10), 5);
        assert_eq!(follow(3, 7, 10), 3);
    }

    #[test]
    fn compact_cards_at_80x24_full_at_160x48() {
        assert!(dashboard(screen(Rect::new(0, 0, 80, 24)).body, 2).compact);
        assert!(dashboard(screen(Rect::new(0, 0, 80, 24)).body, 2).health.is_none());
        assert!(!dashboard(screen(Rect::new(0, 0, 160, 48)).body, 2).compact);
        assert!(dashboard(screen(Rect::new(0, 0, 160, 48)).body, 2).health.is_some());
        assert!(history_rows(Rect::new(0, 0, 80, 24)) >= 5);
    }

    #[test]
    fn flag_history_beside_the_state_when_wide_below_it_when_tall() {
        let wide = flags(screen(Rect::new(0, 0, 140, 40)).body, 4);
        assert_eq!(wide.history.map(|h| h.y), Some(wide.detail.y));
        assert!(wide.history.is_some_and(|h| h.height >= 12), "room for ten changes");
        let narrow = flags(screen(Rect::new(0, 0, 80, 24)).body, 4);
        assert!(narrow.history.is_some_and(|h| h.y > narrow.detail.y));
        assert!(narrow.table.height >= 7, "four flags, a header and the border");
        // Hundreds of flags: the table keeps most of the screen.
        let many = flags(screen(Rect::new(0, 0, 80, 24)).body, 500);
        assert_eq!(many.detail.height, 8);
        assert!(many.history.is_none());
    }
}
