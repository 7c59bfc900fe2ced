//! Headless tests of the update logic: keys → effects, read-only, the
//! dialog's rules, and the virtualised history window. Shared fixtures here.

mod dialog_rules;
mod history;
mod keys;
mod loading;
mod nearby;
mod pace;
mod read_only;
mod reuse;
mod tabs;
mod team;

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use super::dialogs::Dialog;
use super::testing::{self, key};
use super::{App, AppInit};
use crate::config::Config;
use crate::domain::{Action, Build, Gate};
use crate::ledger::{kind, NewEvent};
use crate::ops::intent::{Intent, Preview, Step};
use crate::ops::plan::Plan;
use crate::ops::Ctx;

const CONFIG: &str = r#"
[project]
name = "unit"
[ledger]
url = "sqlite:ledger.db"
[[environment]]
name = "dev"
deploy = "true"
[[environment]]
name = "staging"
promote_from = "dev"
deploy = "true"
[[environment]]
name = "prod"
promote_from = "staging"
protected = true
deploy = "true"
[flag.beta]
env.dev = { enabled = true, rollout = 25 }
"#;

pub(super) fn ctx() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relcon.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let config = Config::load(&path).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap();
    let ctx = Ctx::open(config, "ana".into(), Arc::new(move || at)).unwrap();
    (dir, ctx)
}

fn app(ctx: &mut Ctx, read_only: bool) -> App {
    let mut a = App::new(AppInit {
        config: ctx.config.clone(),
        actor: "ana".into(),
        read_only,
        now: ctx.now(),
        size: (80, 24),
    });
    testing::refresh(ctx, &mut a);
    a
}

fn plan(protected: bool, gates: Vec<Gate>) -> Plan {
    let now = Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap();
    Plan {
        action: Action::Promote,
        env: "prod".into(),
        from_env: Some("staging".into()),
        build: Build {
            version: "1.4.2".into(),
            commit: "abc1234def".into(),
            artifact: None,
            notes: None,
            created_at: now,
            created_by: "ci".into(),
        },
        source_release: Some(7),
        target_release: None,
        current: None,
        next_number: 13,
        gates,
        steps: vec![],
        protected,
    }
}

fn gate(name: &str, ok: bool, overridable: bool) -> Gate {
    Gate {
        name: name.into(),
        ok,
        detail: "d".into(),
        overridable,
    }
}

fn promote() -> Intent {
    Intent::Promote {
        from: "staging".into(),
        to: "prod".into(),
        expect: None,
    }
}

fn dialog(protected: bool, gates: Vec<Gate>) -> Dialog {
    let mut d = Dialog::new(1, promote(), protected.then(|| "prod".to_string()), vec![], None);
    d.set_preview(preview(plan(protected, gates)));
    d
}

/// One promote step, as the reader previews it.
fn preview(p: Plan) -> Result<Preview, String> {
    Ok(Preview {
        question: String::new(),
        steps: vec![Step {
            from: Some("staging".into()),
            to: "prod".into(),
            plan: Ok(p),
            skip: false,
            later: false,
        }],
        flag: None,
        confirm_name: None,
        recommendation: None,
    })
}

fn typed(d: &mut Dialog, s: &str) {
    for c in s.chars() {
        d.on_key(&key(&c.to_string()));
    }
}

/// `n` releases of dev (all of build 1.0.0), written in one transaction.
pub(super) fn releases(ctx: &mut Ctx, n: u64) {
    let at = ctx.now();
    ctx.store
        .transact(at, "ci", &mut |_| {
            let mut ev = vec![NewEvent::new(
                kind::BUILD_REGISTERED,
                None,
                serde_json::json!({"version": "1.0.0", "commit": "abc"}),
            )];
            for n in 1..=n {
                ev.push(NewEvent::new(
                    kind::DEPLOYMENT_STARTED,
                    Some("dev"),
                    serde_json::json!({"number": n, "version": "1.0.0", "commit": "abc", "action": "deploy"}),
                ));
                ev.push(NewEvent::new(
                    kind::DEPLOYMENT_SUCCEEDED,
                    Some("dev"),
                    serde_json::json!({"number": n}),
                ));
            }
            Ok(ev)
        })
        .unwrap();
}
