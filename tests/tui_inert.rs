//! The console draws data inert (DESIGN §10): ratatui writes each cell's
//! text to the terminal as it is, so a user name, reason, note, commit,
//! artifact, flag target, checklist item or a health endpoint's reason and
//! version holding escape sequences or a bidi override must reach the
//! cells as visible escapes — and columns must still line up, widths being
//! counted on what is shown. Every view is rendered headlessly.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use ratatui::buffer::Buffer;
use relcon::config::Config;
use relcon::exec::CancelToken;
use relcon::health::{HealthUpdate, Sample, State, SubCheck};
use relcon::ops::checklist::TickRequest;
use relcon::ops::deploy::Options;
use relcon::ops::flags::Change;
use relcon::ops::register::NewBuild;
use relcon::ops::{self, Ctx};
use relcon::tui::testing::{self, buffer, find, press, text};
use relcon::tui::{App, AppInit, Msg, Theme};

const EVIL: &str =
    "<\u{1b}]0;pwned\u{7}|\u{1b}[2J|\u{1b}]52;c;cHduZWQ=\u{7}|\u{7}|\r|\nfake|\u{202e}desrever|\u{9b}31m>";

/// The item text as TOML escapes, so the config itself can carry it.
const CONFIG: &str = r#"
[project]
name = "shop"

[ledger]
url = "sqlite:ledger.db"

[[environment]]
name = "dev"
deploy = 'echo "deploying $RELCON_VERSION"'
checklists = { before = [], after = ["smoke"] }

[[environment.health]]
name = "api"
url = "http://127.0.0.1:9/health"

[[environment]]
name = "staging"
promote_from = "dev"
deploy = 'echo "deploying $RELCON_VERSION"'

[flag.beta]
env.dev = { enabled = true, rollout = 10 }

[checklist.smoke]
items = ["item <\u001b]0;pwned\u0007|\u001b[2J|\u202edesrever>", "second"]
"#;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap()
}

/// Ledger rows by a hostile user and a plain one, so rows of both kinds
/// sit one under the other.
fn world(dir: &std::path::Path) -> Ctx {
    let path = dir.join("relcon.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let config = Config::load(&path).unwrap();
    let at = now() - Duration::hours(3);
    let mut ctx = Ctx::open(config, format!("mallory{EVIL}"), Arc::new(move || at)).unwrap();
    let cancel = CancelToken::default();
    let opts = Options {
        reason: Some(EVIL.into()),
        ..Options::default()
    };
    for (i, v) in ["1.0", "2.0", "3.0"].iter().enumerate() {
        ctx.actor = if i == 1 { "ana".into() } else { format!("mallory{EVIL}") };
        ops::register::register(
            &mut ctx,
            NewBuild {
                version: (*v).into(),
                commit: format!("c0ffee{EVIL}"),
                artifact: Some(format!("registry/shop{EVIL}")),
                notes: Some(EVIL.into()),
            },
        )
        .unwrap();
        ops::deploy::deploy(&mut ctx, "dev", v, &opts, &mut |_| {}, &cancel).unwrap();
    }
    ctx.actor = format!("mallory{EVIL}");
    ops::flags::set(
        &mut ctx,
        "dev",
        "beta",
        &Change {
            switch: None,
            add_targets: vec![format!("tenant{EVIL}")],
            remove_targets: vec![],
        },
        Some(EVIL.into()),
        false,
    )
    .unwrap();
    ops::checklist::tick(
        &mut ctx,
        TickRequest {
            env: "dev".into(),
            checklist: "smoke".into(),
            item: "1".into(),
            undo: false,
            note: Some(EVIL.into()),
            role: None,
            version: None,
        },
    )
    .unwrap();
    ctx
}

/// A failing sample whose every text field is EVIL.
fn evil_health() -> Msg {
    Msg::Health(HealthUpdate::Check {
        env: "dev".into(),
        check: "api".into(),
        sample: Sample {
            at: now(),
            state: State::Unhealthy,
            reason: Some(EVIL.into()),
            latency_ms: Some(12),
            version: Some(format!("9.9{EVIL}")),
            http_status: Some(503),
            checks: vec![SubCheck {
                name: format!("db{EVIL}"),
                state: State::Unhealthy,
                detail: Some(EVIL.into()),
            }],
        },
    })
}

/// What the test itself counts as acting on a terminal.
fn acts_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{fffd}')
}

fn assert_cells_inert(what: &str, b: &Buffer) {
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            let sym = b[(x, y)].symbol();
            assert!(
                !sym.chars().any(acts_on_terminal),
                "{what}: cell ({x},{y}) holds {sym:?}:\n{}",
                text(b)
            );
        }
    }
}

/// Column where `needle` starts on row `y`, if it is there.
fn col_on_row(b: &Buffer, y: u16, needle: &str) -> Option<u16> {
    find(b, needle).filter(|(_, yy)| *yy == y).map(|(x, _)| x).or_else(|| {
        // `find` returns the first hit on screen; search this row alone.
        let row: Vec<&str> = (0..b.area.width).map(|x| b[(x, y)].symbol()).collect();
        let joined = row.concat();
        let byte = joined.find(needle)?;
        let mut acc = 0;
        row.iter()
            .position(|s| {
                let hit = acc >= byte;
                acc += s.len();
                hit
            })
            .map(|x| x as u16)
    })
}

/// Rows of `b` holding `marker`, below row `from`.
fn rows_with(b: &Buffer, from: u16, marker: &str) -> Vec<u16> {
    (from..b.area.height)
        .filter(|&y| col_on_row(b, y, marker).is_some())
        .collect()
}

#[test]
fn every_view_draws_hostile_data_as_visible_escapes_with_columns_in_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = world(dir.path());
    let theme = Theme::load("default").unwrap();
    for (w, h) in [(160u16, 48u16), (80, 24)] {
        let mut app = App::new(AppInit {
            config: ctx.config.clone(),
            actor: format!("mallory{EVIL}"),
            read_only: false,
            now: now(),
            size: (w, h),
        });
        testing::refresh(&mut ctx, &mut app);
        app.update(evil_health());
        let mut shown = String::new();
        for (key, view) in [
            ("1", "dashboard"),
            ("2", "checklists"),
            ("3", "flags"),
            ("4", "health"),
            ("5", "audit"),
        ] {
            press(&mut ctx, &mut app, &[key]);
            let b = buffer(&app, &theme, w, h);
            let what = format!("{view} at {w}x{h}");
            assert_cells_inert(&what, &b);
            shown.push_str(&text(&b));
            if w < 160 {
                continue;
            }
            match view {
                "dashboard" => {
                    // History: descriptions start under the header's word.
                    let head = rows_with(&b, 0, "description");
                    let y0 = *head
                        .first()
                        .unwrap_or_else(|| panic!("no history header:\n{}", text(&b)));
                    let x0 = col_on_row(&b, y0, "description").unwrap();
                    let rows = rows_with(&b, y0 + 1, "deploy 1.0")
                        .into_iter()
                        .chain(rows_with(&b, y0 + 1, "deploy 2.0"))
                        .chain(rows_with(&b, y0 + 1, "deploy 3.0"))
                        .filter(|&y| col_on_row(&b, y, "v").is_some_and(|x| x < 4))
                        .collect::<Vec<_>>();
                    assert_eq!(rows.len(), 3, "{}", text(&b));
                    for y in rows {
                        let x = col_on_row(&b, y, "deploy").unwrap();
                        assert_eq!(x, x0, "{what}: row {y} is out of line:\n{}", text(&b));
                    }
                }
                "audit" => {
                    let y0 = rows_with(&b, 0, "summary")[0];
                    let x0 = col_on_row(&b, y0, "summary").unwrap();
                    let starts = [
                        "registered build",
                        "v1 deploy",
                        "v2 deploy",
                        "v3 deploy",
                        "ticked",
                        "flag",
                    ];
                    let mut n = 0;
                    for y in y0 + 1..b.area.height {
                        if let Some(x) = starts.iter().filter_map(|s| col_on_row(&b, y, s)).min() {
                            assert_eq!(x, x0, "{what}: row {y} is out of line:\n{}", text(&b));
                            n += 1;
                        }
                    }
                    assert!(n >= 6, "{what}: {n} rows:\n{}", text(&b));
                }
                _ => {}
            }
        }
        // Escapes are shown, not swallowed: user, endpoint, checklist item.
        for want in [
            "mallory<\\x1b]0;pwned",
            "\\x1b[2J",
            "\\u{202e}desrever",
            "item <\\x1b]0;pwned",
        ] {
            assert!(shown.contains(want), "{w}x{h}: {want:?} is not on any screen:\n{shown}");
        }
        if w == 160 {
            assert!(shown.contains("tenant<\\x1b"), "{shown}");
            assert!(shown.contains("9.9<\\x1b]0;pwned"), "{shown}");
        }
    }
}
