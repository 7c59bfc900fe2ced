//! The console's Insights view (DESIGN §14): each environment's DORA
//! numbers with their band, a sparkline per metric and deployments per
//! week as bars, from `ops::metrics` over the snapshot — rendered headless
//! at both sizes, and opened with `7` or `:metrics`.

mod tui_support;

use relcon::tui::testing::press;
use tui_support::*;

#[test]
fn insights_view_draws_dora_per_environment() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["7"]);
    let (t, buf) = screen(&a, 160, 48);
    insta::assert_snapshot!("insights_160x48", t);
    // Every env has its block; prod's numbers are the ones `relcon metrics` gives.
    for env in [" dev ", " staging ", " prod "] {
        assert!(t.contains(env), "{env} missing:\n{t}");
    }
    let report = relcon::ops::metrics::metrics(&w.ctx, "prod", now() - chrono::Duration::weeks(12), now()).unwrap();
    let f = &report.metrics.deployment_frequency;
    assert!(t.contains(&format!("{} ({} a week)", f.deployments, f.per_week)), "{t}");
    assert!(t.contains("deployments per week"), "{t}");
    // The band carries its colour: elite/high in the ok colour.
    let theme = theme();
    if let Some((x, y)) = relcon::tui::testing::find(&buf, &format!("[{}]", f.band)) {
        let want = match f.band {
            "elite" | "high" => theme.state(relcon::tui::render::theme::State::Ok).fg,
            "medium" => theme.state(relcon::tui::render::theme::State::Warn).fg,
            _ => theme.state(relcon::tui::render::theme::State::Error).fg,
        };
        assert_eq!(buf[(x, y)].style().fg, want);
    } else {
        panic!("band [{}] not drawn:\n{t}", f.band);
    }
    insta::assert_snapshot!("insights_80x24", screen(&a, 80, 24).0);
}
