//! Drawing: one frame (tabs, the current view, footer, status line, then
//! popups bottom to top) from the app's owned state — no config read, no
//! clock; and what every view draws with: layout, theme, format.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::Frame;

pub mod chrome;
pub mod format;
pub mod layout;
pub mod redraw_at;
pub mod rows;
pub mod theme;

use super::app::App;
use super::views::View;
use theme::Theme;

pub fn draw(f: &mut Frame, app: &App, theme: &Theme) {
    let full = f.area();
    base(f.buffer_mut(), theme.base());
    if full.width < layout::MIN_WIDTH || full.height < layout::MIN_HEIGHT {
        too_small(f, full, theme);
        return;
    }
    // The banner (ledger gone, chain broken) takes the top row; the views
    // get the rest, as `App::view_area` tells the update logic.
    let sh = &app.shared;
    let area = match sh.banner(full.width as usize) {
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
    // The tab line wears the selected env's skin: a loud prod is loud everywhere.
    chrome::tabs(f, s.tabs, app, sh.skin(sh.env_name(), theme));
    let v = &app.views;
    match app.view {
        View::Dashboard => v.dashboard.render(f, s.body, sh, theme),
        View::Checklists => v.checklists.render(f, s.body, sh, theme),
        View::Flags => v.flags.render(f, s.body, sh, theme),
        View::Health => v.health.render(f, s.body, sh, theme),
        View::Insights => v.insights.render(f, s.body, sh, theme),
        View::Audit => v.audit.render(f, s.body, sh, theme),
        View::Rollouts => v.rollouts.render(f, s.body, sh, theme),
    }
    chrome::hints(f, s.footer, app, theme);
    chrome::status(f, s.status, app, theme);
    for p in &app.popups {
        p.component().render(f, full, theme, sh.spin);
    }
    scrub(f.buffer_mut());
}

/// Below the smallest size the views are drawn for: say so (and how big
/// it is), rather than draw lists with no rows.
fn too_small(f: &mut Frame, area: Rect, theme: &Theme) {
    let msg = format!(
        "terminal too small: {}×{} — relcon needs at least {}×{}. Make the window bigger (q quits).",
        area.width,
        area.height,
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT
    );
    let lines = (msg.chars().count() as u16).div_ceil(area.width.max(1));
    let top = area.height.saturating_sub(lines) / 2;
    let r = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    f.render_widget(
        ratatui::widgets::Paragraph::new(msg)
            .style(theme.warn())
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(ratatui::widgets::Wrap { trim: true }),
        r,
    );
}

/// A full-width line in the error colour, reversed so it reads as a banner
/// without colour too (and it starts with a symbol: ▲ or ✖).
fn banner(f: &mut Frame, area: Rect, text: &str, style: Style) {
    let style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let line = format::pad(&format!(" {text}"), area.width as usize);
    f.render_widget(Line::styled(line, style), area);
}

/// Shown in a cell that would have carried a character acting on the
/// terminal. Views draw data with `format::text`, so this never shows; it
/// is the net under a field drawn without it.
pub const SCRUBBED: &str = "\u{fffd}";

/// Every cell in the theme's base style: the frame starts from blank
/// cells, so one prepared cell copied over them is what a styled `Block`
/// would leave, without patching the style into each cell in turn (that
/// loop was a tenth of an idle console's frame).
fn base(buf: &mut Buffer, style: ratatui::style::Style) {
    let mut cell = ratatui::buffer::Cell::default();
    cell.set_style(style);
    // The terminal's own colours (the default theme): blank cells already are.
    if cell == ratatui::buffer::Cell::default() {
        return;
    }
    buf.content.fill(cell);
}

/// The last net under every frame: ratatui drops control characters itself,
/// but a bidi override (U+202E …) would reach the terminal as it is.
fn scrub(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        // Most cells hold printable ASCII: no need to decode it.
        let symbol = cell.symbol();
        if !rows::printable_ascii(symbol) && symbol.chars().any(crate::domain::inert::is_hazard) {
            cell.set_symbol(SCRUBBED);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::widgets::{Block, Widget};

    #[test]
    fn the_base_fill_leaves_what_a_styled_block_leaves_on_a_blank_frame() {
        let area = Rect::new(0, 0, 37, 9);
        let style = Style::new()
            .fg(Color::Rgb(1, 2, 3))
            .bg(Color::Indexed(236))
            .add_modifier(Modifier::BOLD);
        let mut block = Buffer::empty(area);
        Block::new().style(style).render(area, &mut block);
        let mut filled = Buffer::empty(area);
        super::base(&mut filled, style);
        assert_eq!(filled, block);
        assert_eq!(filled[(36, 8)].bg, Color::Indexed(236));
        // The terminal's own colours leave the blank frame as it is.
        let own = Style::new().fg(Color::Reset).bg(Color::Reset);
        let mut block = Buffer::empty(area);
        Block::new().style(own).render(area, &mut block);
        let mut filled = Buffer::empty(area);
        super::base(&mut filled, own);
        assert_eq!(filled, block);
    }
}
