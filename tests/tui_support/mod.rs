//! Shared by the headless console tests (tui_snapshots, tui_views): a
//! pipeline with history in a temp ledger, written through the real ops
//! under an injected clock, and an App over it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use ratatui::buffer::Buffer;
use relcon::config::Config;
use relcon::exec::CancelToken;
use relcon::ops::checklist::TickRequest;
use relcon::ops::deploy::Options;
use relcon::ops::register::NewBuild;
use relcon::ops::{self, Ctx};
use relcon::tui::testing::{self, buffer, text};
use relcon::tui::{App, AppInit, Theme};

pub const CONFIG: &str = r#"
[project]
name = "customer-portal"

[ledger]
url = "sqlite:ledger.db"

[[environment]]
name = "dev"
url = "https://dev.example.com"
deploy = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"'

[[environment]]
name = "staging"
promote_from = "dev"
deploy = 'if [ "$RELCON_VERSION" = "1.2.0" ]; then echo "running migrations"; echo "migration 42 failed: column exists"; exit 3; fi; echo "deploying $RELCON_VERSION to $RELCON_ENV"'
checklists = { before = [], after = ["staging-validation"] }

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
approvals = 2
flag_approvals = 1
deploy = [{ name = "deploy", run = 'echo "deploying $RELCON_VERSION"' }, { name = "smoke", run = 'echo "smoke test of v$RELCON_RELEASE ok"' }]
checklists = { before = ["pre-deploy"], after = [] }
freeze = ["Wed 10:00 - Wed 14:00 UTC"]

[[environment.health]]
name = "api"
url = "http://127.0.0.1:9/health"

[flag.customer_portal]
description = "Customer portal /portal routes"
env.staging = { enabled = true }
env.prod = { enabled = false, rollout = 0, targets = ["15", "42", "103"] }

[flag.new_checkout]
env.dev = { enabled = true, rollout = 25 }

[checklist.pre-deploy]
title = "Pre-deployment"
items = ["All tests pass", "Code review completed", { text = "Security sign-off", role = "security" }]

[checklist.staging-validation]
title = "Staging validation"
items = ["Smoke tests green", { text = "Exploratory QA pass", role = "QA", hint = "30 minutes on the checkout flow" }, "Error rate normal"]
"#;

/// Wednesday 2026-11-18 12:00 UTC: inside prod's freeze window.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap()
}

pub struct World {
    pub _dir: tempfile::TempDir,
    pub ctx: Ctx,
    pub clock: Arc<Mutex<DateTime<Utc>>>,
}

impl World {
    pub fn set(&self, at: DateTime<Utc>) {
        *self.clock.lock().unwrap() = at;
    }
    pub fn as_user(&mut self, who: &str) {
        self.ctx.actor = who.to_string();
    }
}

pub fn opts(reason: &str) -> Options {
    Options {
        reason: Some(reason.into()),
        ..Options::default()
    }
}

pub fn register(w: &mut World, v: &str, commit: &str) {
    ops::register::register(
        &mut w.ctx,
        NewBuild {
            version: v.into(),
            commit: commit.into(),
            artifact: Some(format!("registry.example.com/portal@sha256:{commit}")),
            notes: None,
        },
    )
    .unwrap();
}

/// A pipeline with history: dev 1.0.0 → 1.3.0, staging promoted (one failed
/// attempt with output), prod at 1.1.0 after two promotions, ticks, approvals.
pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relcon.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let config = Config::load(&path).unwrap();
    let clock = Arc::new(Mutex::new(Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap()));
    let c2 = clock.clone();
    let ctx = Ctx::open(config, "ana".into(), Arc::new(move || *c2.lock().unwrap())).unwrap();
    let mut w = World { _dir: dir, ctx, clock };
    let cancel = CancelToken::default();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap();
    let at = |h: i64| t0 + chrono::Duration::hours(h);
    for (i, (v, c)) in [
        ("1.0.0", "a1b2c3d4e5"),
        ("1.1.0", "b2c3d4e5f6"),
        ("1.2.0", "c3d4e5f6a7"),
        ("1.3.0", "d4e5f6a7b8"),
    ]
    .iter()
    .enumerate()
    {
        w.set(at(i as i64 * 6));
        register(&mut w, v, c);
        w.as_user("ana");
        ops::deploy::deploy(&mut w.ctx, "dev", v, &Options::default(), &mut |_| {}, &cancel).unwrap();
        w.set(at(i as i64 * 6 + 1));
        w.as_user("bo");
        let r = ops::deploy::promote(&mut w.ctx, "dev", "staging", &opts("nightly"), &mut |_| {}, &cancel);
        assert_eq!(r.is_ok(), *v != "1.2.0", "{v}: {r:?}");
        if *v == "1.0.0" || *v == "1.1.0" {
            // Into prod: approvals by two others, the pre-deploy list ticked.
            w.set(at(i as i64 * 6 + 2));
            for who in ["cy", "dee"] {
                w.as_user(who);
                ops::approve::approve(&mut w.ctx, "prod", v, None).unwrap();
            }
            for item in ["1", "2", "3"] {
                w.as_user("eve");
                let role = (item == "3").then(|| "security".to_string());
                ops::checklist::tick(
                    &mut w.ctx,
                    TickRequest {
                        env: "prod".into(),
                        checklist: "pre-deploy".into(),
                        item: item.into(),
                        undo: false,
                        note: None,
                        role,
                        version: None,
                    },
                )
                .unwrap();
            }
            w.as_user("ana");
            ops::deploy::promote(
                &mut w.ctx,
                "staging",
                "prod",
                &opts("weekly release"),
                &mut |_| {},
                &cancel,
            )
            .unwrap();
        }
    }
    // Staging validation of 1.3.0: one item ticked with a note.
    w.set(at(19));
    w.as_user("bo");
    ops::checklist::tick(
        &mut w.ctx,
        TickRequest {
            env: "staging".into(),
            checklist: "staging-validation".into(),
            item: "1".into(),
            undo: false,
            note: Some("all 212 green".into()),
            role: None,
            version: None,
        },
    )
    .unwrap();
    w.as_user("fay");
    ops::approve::approve(&mut w.ctx, "prod", "1.3.0", Some("reviewed the diff".into())).unwrap();
    w.as_user("ana");
    w.set(now());
    w
}

pub fn app(w: &mut World, size: (u16, u16), read_only: bool) -> App {
    let mut a = App::new(AppInit {
        config: w.ctx.config.clone(),
        actor: "ana".into(),
        read_only,
        now: now(),
        size,
    });
    testing::refresh(&mut w.ctx, &mut a);
    a
}

pub fn theme() -> Theme {
    Theme::load("default").unwrap()
}

pub fn screen(a: &App, w: u16, h: u16) -> (String, Buffer) {
    let b = buffer(a, &theme(), w, h);
    (text(&b), b)
}

/// A git repo at `dir` with one commit per (author, subject), each at a
/// fixed time, so their ids are the same on every machine. Returns the ids.
pub fn git_repo(dir: &std::path::Path, commits: &[(&str, &str)]) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let git = |args: &[&str], at: &str, author: &str| {
        let out = std::process::Command::new("git")
            .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", author)
            .env("GIT_AUTHOR_EMAIL", format!("{}@example.com", author.to_lowercase()))
            .env("GIT_COMMITTER_NAME", "CI")
            .env("GIT_COMMITTER_EMAIL", "ci@example.com")
            .env("GIT_AUTHOR_DATE", at)
            .env("GIT_COMMITTER_DATE", at)
            .output()
            .expect("git is installed");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q"], "2026-11-01T09:00:00Z", "CI");
    let mut ids = Vec::new();
    for (i, (author, subject)) in commits.iter().enumerate() {
        let at = format!("2026-11-{:02}T09:00:00Z", i + 2);
        std::fs::write(dir.join("CHANGES"), format!("{subject}\n")).unwrap();
        git(&["add", "CHANGES"], &at, author);
        git(&["commit", "-q", "-m", subject], &at, author);
        ids.push(git(&["rev-parse", "HEAD"], &at, author));
    }
    ids
}
