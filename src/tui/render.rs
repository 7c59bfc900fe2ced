//! One frame: tabs, the current view, footer, status line, then popups
//! bottom to top. Draws an owned snapshot; reads no config or clock.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Block;
use ratatui::Frame;

use super::app::{App, View};
use super::components::{audit, cards, checklists, detail, flags, footer, health, health_view, history};
use super::layout;
use super::theme::Theme;

pub fn draw(f: &mut Frame, app: &App, theme: &Theme) {
    let full = f.area();
    f.render_widget(Block::new().style(theme.base()), full);
    // The banner (ledger gone, chain broken) takes the top row; the views
    // get the rest, as `App::view_area` tells the update logic.
    let area = match app.banner(full.width as usize) {
        Some((text, level)) if full.height > 1 => {
            banner(f, Rect { height: 1, ..full }, &text, theme.state(level));
            Rect {
                y: full.y + 1,
                height: full.height - 1,
                ..full
            }
        }
        _ => full,
    };
    let s = layout::screen(area);
    footer::tabs(f, s.tabs, app, theme);
    match app.view {
        View::Dashboard => {
            let d = layout::dashboard(s.body, health::rows(app));
            cards::render(f, d.cards, app, theme, d.compact);
            history::render(f, d.history, app, theme);
            detail::render(f, d.detail, app, theme);
            if let Some(h) = d.health {
                health::render(f, h, app, theme);
            }
        }
        View::Checklists => checklists::render(f, s.body, app, theme),
        View::Flags => flags::render(f, s.body, app, theme),
        View::Health => health_view::render_view(f, s.body, app, theme),
        View::Audit => audit::render(f, s.body, app, theme),
    }
    footer::hints(f, s.footer, app, theme);
    footer::status(f, s.status, app, theme);
    for p in &app.popups {
        p.component().render(f, full, theme, app.spin);
    }
    scrub(f.buffer_mut());
}

/// A full-width line in the error colour, reversed so it reads as a banner
/// without colour too (and it starts with a symbol: ▲ or ✖).
fn banner(f: &mut Frame, area: Rect, text: &str, style: Style) {
    let style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let line = super::format::pad(&format!(" {text}"), area.width as usize);
    f.render_widget(Line::styled(line, style), area);
}

/// Shown in a cell that would have carried a character acting on the
/// terminal. Views draw data with `format::text`, so this never shows; it
/// is the net under a field drawn without it.
pub const SCRUBBED: &str = "\u{fffd}";

/// The last net under every frame: ratatui drops control characters itself,
/// but a bidi override (U+202E …) would reach the terminal as it is.
fn scrub(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(crate::domain::inert::is_hazard) {
            cell.set_symbol(SCRUBBED);
        }
    }
}
