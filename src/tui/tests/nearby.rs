//! Keys that turn to what the last snapshot already holds draw it in their
//! own frame, before the reader answers: the envs either side of the
//! selected one (`h`, `l`), the audit trail and flags once opened, and
//! insights while the ledger has not moved since they were read.

use super::{app, ctx};
use crate::ledger::{kind, NewEvent};
use crate::ops::Ctx;
use crate::tui::event::Effect;
use crate::tui::render::theme::Theme;
use crate::tui::snapshot::Snapshot;
use crate::tui::testing::{self, key, serve};
use crate::tui::{App, Msg};

/// `n` releases of 1.0.<i> in `env`.
fn deploys(ctx: &mut Ctx, env: &str, n: u64) {
    let at = ctx.now();
    ctx.store
        .transact(at, "ci", &mut |_| {
            let mut ev = Vec::new();
            for i in 1..=n {
                let version = format!("1.0.{i}");
                ev.push(NewEvent::new(
                    kind::DEPLOYMENT_STARTED,
                    Some(env),
                    serde_json::json!({"number": i, "version": version, "commit": "abc", "action": "deploy"}),
                ));
                ev.push(NewEvent::new(
                    kind::DEPLOYMENT_SUCCEEDED,
                    Some(env),
                    serde_json::json!({"number": i}),
                ));
            }
            Ok(ev)
        })
        .unwrap();
}

fn screen(a: &App) -> String {
    testing::text(&testing::buffer(a, &Theme::default_dark(), 100, 30))
}

/// The selected env's rows and runs as the app holds them now, and as the
/// reader would read them for the app's query: they must be the same.
fn holds_what_a_load_reads(ctx: &Ctx, a: &App, what: &str) {
    let snap = a.shared.snap.as_ref().unwrap();
    let read = Snapshot::load(ctx, &a.query).unwrap();
    assert_eq!(format!("{:?}", snap.history), format!("{:?}", read.history), "{what}");
    assert_eq!(format!("{:?}", snap.runs), format!("{:?}", read.runs), "{what}");
}

#[test]
fn l_and_h_show_the_env_either_side_before_the_reader_answers() {
    let (_d, mut ctx) = ctx();
    deploys(&mut ctx, "dev", 30);
    deploys(&mut ctx, "staging", 7);
    deploys(&mut ctx, "prod", 2);
    let mut a = app(&mut ctx, false);
    assert!(
        a.shared.snap.as_ref().unwrap().nearby.len() == 1,
        "dev has one env beside it"
    );

    let fx = a.update(Msg::Key(key("l")));
    assert!(
        matches!(fx.as_slice(), [Effect::Query(q)] if q.env == "staging"),
        "{fx:?}"
    );
    assert!(!a.loading(), "staging's rows came with dev's snapshot");
    holds_what_a_load_reads(&ctx, &a, "staging, before the reader answers");
    assert!(screen(&a).contains("History · staging · 7 releases"), "{}", screen(&a));

    // prod is two envs from dev: not held until the reader answers.
    let early = a.update(Msg::Key(key("l")));
    assert!(a.loading(), "prod was not read with dev");
    serve(&mut ctx, &mut a, fx);
    serve(&mut ctx, &mut a, early);
    assert!(!a.loading());
    assert_eq!(a.query.env, "prod");

    // Back: staging came with prod's snapshot, dev with staging's.
    let fx = a.update(Msg::Key(key("h")));
    assert!(!a.loading(), "staging came with prod's snapshot");
    holds_what_a_load_reads(&ctx, &a, "back to staging");
    serve(&mut ctx, &mut a, fx);
    let _ = a.update(Msg::Key(key("h")));
    assert!(!a.loading(), "dev came with staging's snapshot");
    holds_what_a_load_reads(&ctx, &a, "back to dev");
    assert!(screen(&a).contains("History · dev · 30 releases"), "{}", screen(&a));
}

#[test]
fn an_env_turned_to_shows_what_the_ledger_holds_now() {
    let (_d, mut ctx) = ctx();
    deploys(&mut ctx, "dev", 3);
    let mut a = app(&mut ctx, false);
    // A release lands in staging; the watcher's reload reads it.
    deploys(&mut ctx, "staging", 4);
    testing::refresh(&mut ctx, &mut a);
    let _ = a.update(Msg::Key(key("l")));
    assert!(!a.loading());
    holds_what_a_load_reads(&ctx, &a, "staging after its releases landed");
    assert!(screen(&a).contains("History · staging · 4 releases"), "{}", screen(&a));
}

#[test]
fn views_opened_once_show_their_rows_in_the_keys_own_frame() {
    let (_d, mut ctx) = ctx();
    deploys(&mut ctx, "dev", 5);
    let mut a = app(&mut ctx, false);
    for v in ["3", "5", "7"] {
        let fx = a.update(Msg::Key(key(v)));
        serve(&mut ctx, &mut a, fx);
    }
    let _ = a.update(Msg::Key(key("1")));
    for (v, view) in [("3", "Flags"), ("5", "Audit"), ("7", "Insights")] {
        let fx = a.update(Msg::Key(key(v)));
        assert!(!a.loading(), "{view}");
        let shown = screen(&a);
        assert!(!shown.contains("loading"), "{view}, the key's own frame:\n{shown}");
        assert!(
            fx.iter().all(|e| !matches!(e, Effect::Query(_))) || v == "7",
            "{view}: nothing to read again: {fx:?}"
        );
        serve(&mut ctx, &mut a, fx);
    }
}
