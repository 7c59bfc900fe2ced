//! The tab row: a click lands on the tab drawn there, and the view shown
//! keeps its tab however narrow the terminal.

use super::{app, ctx, releases};
use crate::tui::render::chrome::tab_at;
use crate::tui::testing::{self, press};
use crate::tui::views::View;

fn top_row(a: &crate::tui::App, w: u16, h: u16) -> String {
    let t = testing::text(&testing::buffer(a, &crate::tui::Theme::default_dark(), w, h));
    t.lines().next().unwrap_or_default().to_string()
}

#[test]
fn a_click_on_a_tab_opens_that_view_when_a_tab_is_hidden() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 3);
    let mut a = app(&mut ctx, false);
    a.resize(160, 48);
    // No rollout plans: no Rollouts tab, so Insights is the sixth shown.
    let top = top_row(&a, 160, 48);
    assert!(!top.contains("Rollouts"), "{top}");
    let x = top.find("7 Insights").expect("the Insights tab");
    let col = top[..x].chars().count() as u16;
    assert_eq!(tab_at(&a, 160, col), Some(View::Insights), "{top}");
    let x = top.find("5 Audit").expect("the Audit tab");
    assert_eq!(tab_at(&a, 160, top[..x].chars().count() as u16), Some(View::Audit));
}

#[test]
fn at_sixty_columns_the_view_shown_keeps_its_tab() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 3);
    let mut a = app(&mut ctx, false);
    a.resize(60, 20);
    press(&mut ctx, &mut a, &["7"]);
    let top = top_row(&a, 60, 20);
    assert!(top.contains("7 DORA"), "{top}");
    assert!(top.contains("│ 1 │"), "the others by their keys: {top}");
}
