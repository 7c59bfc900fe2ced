//! TUI budgets (DESIGN §7): one dashboard frame (layout + render into a
//! buffer) with a 100 000-release history, 20 envs and 500 flags (< 2 ms),
//! and start-up to the first frame on a 1 000 000-event ledger (< 150 ms,
//! ≤ 2× an empty ledger).

mod support;

// Only its frame is drawn here; its loop runs in the keypress bench.
#[allow(dead_code)]
#[path = "keypress/minimal.rs"]
mod minimal;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use relcon::ops::{self, Ctx};
use relcon::tui::{testing, App, AppInit, Msg, Theme};
use support::{ledger, BenchLedger, Spec};

fn app_on(l: &BenchLedger, size: (u16, u16)) -> (Ctx, App) {
    let mut ctx = Ctx::open(l.config.clone(), "bench".into(), ops::system_clock()).unwrap();
    let mut app = new_app(l, size);
    testing::refresh(&mut ctx, &mut app);
    (ctx, app)
}

/// The console's start: its first snapshot, only what the first frame shows.
fn started_on(l: &BenchLedger, size: (u16, u16)) -> App {
    let ctx = Ctx::open(l.config.clone(), "bench".into(), ops::system_clock()).unwrap();
    let mut app = new_app(l, size);
    let first = relcon::tui::snapshot::Snapshot::first(&ctx, &app.query).unwrap();
    drop(app.update(Msg::Snapshot(Box::new(first))));
    app
}

fn new_app(l: &BenchLedger, size: (u16, u16)) -> App {
    App::new(AppInit {
        config: l.config.clone(),
        actor: "bench".into(),
        read_only: false,
        now: chrono::Utc::now(),
        size,
    })
}

fn frame(c: &mut Criterion) {
    // e0 has 100 000 releases; e1 … e19 a thousand each; 500 flags.
    let l = ledger(Spec {
        envs: 20,
        events: 250_000,
        hot_first_env: true,
        spread: false,
        flags: 500,
    });
    let theme = Theme::default_dark();
    let mut g = c.benchmark_group("frame");
    g.sample_size(30)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for (w, h) in [(160u16, 48u16), (80, 24)] {
        let (mut ctx, mut app) = app_on(&l, (w, h));
        assert!(
            app.shared.history_total() >= 100_000,
            "hot env has {} releases",
            app.shared.history_total()
        );
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        g.bench_with_input(
            BenchmarkId::new("dashboard_100k_20env_500flags", format!("{w}x{h}")),
            &app,
            |b, app| {
                b.iter(|| {
                    term.draw(|f| relcon::tui::draw(f, app, &theme)).unwrap();
                })
            },
        );
        // Deep in the history: the window moves, the frame must not get slower.
        testing::press(&mut ctx, &mut app, &["G"]);
        testing::refresh(&mut ctx, &mut app);
        assert!(
            app.views.dashboard.history.cursor > 90_000,
            "G should move to the oldest release (cursor {})",
            app.views.dashboard.history.cursor
        );
        g.bench_with_input(
            BenchmarkId::new("dashboard_history_end", format!("{w}x{h}")),
            &app,
            |b, app| {
                b.iter(|| {
                    term.draw(|f| relcon::tui::draw(f, app, &theme)).unwrap();
                })
            },
        );
        // Filtered: the reader's window of the matches; j and k move over
        // them (each frame once cost a pass over 100 000 releases per row
        // drawn; later the whole history was loaded and matched in the UI).
        testing::press(&mut ctx, &mut app, &["g", "/"]);
        testing::type_text(&mut ctx, &mut app, "1.5");
        testing::press(&mut ctx, &mut app, &["enter"]);
        testing::refresh(&mut ctx, &mut app);
        assert!(app.views.dashboard.len(&app.shared) > 1_000, "the filter matches");
        g.bench_function(BenchmarkId::new("dashboard_filtered_j_k", format!("{w}x{h}")), |b| {
            b.iter(|| {
                for k in ["j", "k"] {
                    drop(app.update(Msg::Key(testing::key(k))));
                    term.draw(|f| relcon::tui::draw(f, &app, &theme)).unwrap();
                }
            })
        });
        // What the reader does for a filter typed (once per key, and on a
        // reload after an event naming the env): scan the history for the
        // matches' first window.
        if (w, h) == (160, 48) {
            let q = app.query.clone();
            g.bench_function("dashboard_filter_read_100k", |b| {
                b.iter(|| relcon::tui::Snapshot::load(&ctx, &q).unwrap())
            });
        }
    }
    g.finish();
}

fn startup_to_first_frame(c: &mut Criterion) {
    let theme = Theme::default_dark();
    let ledgers = support::startup_ledgers();
    let mut g = c.benchmark_group("startup");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for (label, l) in &ledgers {
        g.bench_with_input(BenchmarkId::new("first_frame", label), l, |b, l| {
            b.iter(|| {
                let app = started_on(l, (160, 48));
                let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
                term.draw(|f| relcon::tui::draw(f, &app, &theme)).unwrap();
            })
        });
    }
    g.finish();
}

/// The frame a key draws when it switches view: layout, render, the diff
/// against the previous view and its escape sequences, written by the real
/// crossterm backend into a byte sink (what a terminal would be sent).
fn view_switch(c: &mut Criterion) {
    use ratatui::backend::CrosstermBackend;
    let l = ledger(Spec {
        envs: 20,
        events: 100_000,
        hot_first_env: false,
        spread: false,
        flags: 20,
    });
    let theme = Theme::default_dark();
    let (mut ctx, mut app) = app_on(&l, (160, 48));
    drop(app.update(Msg::Resize(160, 48)));
    let views = ["1", "2", "3", "4", "5", "6", "7"];
    // Every view's data is loaded once, as a person who opened each would have it.
    for v in views {
        testing::press(&mut ctx, &mut app, &[v]);
        testing::refresh(&mut ctx, &mut app);
    }
    let mut g = c.benchmark_group("view_switch");
    g.sample_size(50)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    let mut term = Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 160, 48)),
        },
    )
    .unwrap();
    // The bare baseline: the keypress bench's minimal loop's frame (a title
    // and a bordered list of 40 rows), drawn after each of two keys.
    g.bench_function("minimal_loop_two_keys", |b| {
        let mut row = 0usize;
        b.iter(|| {
            for _ in 0..2 {
                row = (row + 1) % 40;
                term.draw(|f| minimal::draw(f, 1, 0, row)).unwrap();
            }
        })
    });
    // The same loop repainting the screen on a view key, as relcon does.
    g.bench_function("minimal_full_two_keys", |b| {
        let mut view = 1u8;
        b.iter(|| {
            for _ in 0..2 {
                view = view % 7 + 1;
                term.draw(|f| minimal::draw_full(f, view, 0, 0)).unwrap();
            }
        })
    });
    // A key that changes a line, not the view: the dashboard's j and k.
    testing::press(&mut ctx, &mut app, &["1"]);
    g.bench_function("dashboard_j_k", |b| {
        b.iter(|| {
            for k in ["j", "k"] {
                drop(app.update(Msg::Key(testing::key(k))));
                term.draw(|f| relcon::tui::draw(f, &app, &theme)).unwrap();
            }
        })
    });
    for (i, v) in views.iter().enumerate() {
        let back = views[(i + 1) % views.len()];
        g.bench_function(BenchmarkId::new("to_and_back", format!("{v}-{back}")), |b| {
            // The key's own frame: what it asks the workers for is not served here.
            b.iter(|| {
                drop(app.update(Msg::Key(testing::key(v))));
                term.draw(|f| relcon::tui::draw(f, &app, &theme)).unwrap();
                drop(app.update(Msg::Key(testing::key(back))));
                term.draw(|f| relcon::tui::draw(f, &app, &theme)).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(benches, frame, startup_to_first_frame, view_switch);
criterion_main!(benches);
