//! Announcements (DESIGN §14): the portal guide's three templates filled in
//! from ledger facts — version, commits since the last release (from a real
//! git repo), flags and their state, checklist progress, approvers,
//! on-call — snapshotted; an override file in the config folder; `--send`
//! through a sink via the outbox, to a real loopback receiver.

mod common;
mod receiver;

use std::process::Command;

use common::{Backend, Sandbox};
use receiver::Receiver;

both_stores!(send_goes_through_the_outbox);

const CONFIG: &str = r#"[project]
name = "portal"
repo = "repo"

[announce]
on_call = "Dana Reyes (@dana)"

[checklist.validation]
title = "Staging validation"
items = ["Smoke tests pass", "Tenant isolation checked"]

[[environment]]
name = "staging"
url = "https://staging.example.com"
deploy = "true"
checklists = { after = ["validation"] }

[[environment]]
name = "prod"
promote_from = "staging"
url = "https://portal.example.com"
approvals = 1
deploy = "true"

[flag.customer_portal]
description = "The customer portal"
env.staging = { enabled = true }
env.prod = { enabled = false }

[flag.new_checkout]
env.prod = { enabled = true, rollout = 10, targets = ["company-15", "company-42"] }
"#;

/// A commit with fixed names and dates, so its id is the same on every run.
fn commit(sb: &Sandbox, message: &str, day: u32) -> String {
    let date = format!("2026-11-{day:02}T10:00:00Z");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(sb.path("repo"))
            .env("GIT_AUTHOR_NAME", "Ana Lima")
            .env("GIT_AUTHOR_EMAIL", "ana@example.com")
            .env("GIT_COMMITTER_NAME", "Ana Lima")
            .env("GIT_COMMITTER_EMAIL", "ana@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["commit", "-q", "--allow-empty", "-m", message]);
    git(&["rev-parse", "HEAD"])
}

/// staging has 1.1 (v2) live, half-validated; prod has 1.0 and 1.1 waiting, approved by lee.
fn portal(b: Backend, extra: &str) -> Sandbox {
    let sb = Sandbox::on(b, &format!("{CONFIG}{extra}"));
    std::fs::create_dir_all(sb.path("repo")).unwrap();
    let init = Command::new("git")
        .args(["init", "-q", "repo"])
        .current_dir(sb.root())
        .output()
        .unwrap();
    assert!(init.status.success());
    let c1 = commit(&sb, "Portal skeleton behind a flag", 10);
    sb.run(&["release", "register", "1.0", "--commit", &c1]).ok();
    sb.run(&["deploy", "staging", "1.0", "--yes"]).ok();
    sb.run_as("lee", &["approve", "prod", "1.0"]).ok();
    sb.run(&["promote", "staging", "prod", "--yes"]).ok();
    commit(&sb, "Call history with transcripts", 12);
    let c3 = commit(&sb, "Appointments calendar", 14);
    sb.run(&["release", "register", "1.1", "--commit", &c3]).ok();
    sb.run(&["deploy", "staging", "1.1", "--yes"]).ok();
    sb.run(&["check", "staging", "validation", "1"]).ok();
    sb.run_as("lee", &["approve", "prod", "1.1"]).ok();
    sb
}

/// Times of day vary from run to run: "2026-12-02 04:55 UTC" → "[time]".
fn fixed(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(" UTC") {
        let head = &rest[..i];
        let stamp = head.len().checked_sub(16).map(|s| &head[s..]);
        match stamp {
            Some(s) if s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b' ' && s.as_bytes()[13] == b':' => {
                out.push_str(&head[..head.len() - 16]);
                out.push_str("[time]");
            }
            _ => {
                out.push_str(head);
                out.push_str(" UTC");
            }
        }
        rest = &rest[i + 4..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_three_templates_from_ledger_facts() {
    let sb = portal(Backend::Sqlite, "");
    let run = |env: &str, t: &str| fixed(&sb.run(&["announce", env, "--template", t]).ok().stdout);
    let staging = run("staging", "staging-ready");
    let production = run("prod", "production");
    let gradual = run("prod", "gradual-rollout");
    // A few facts checked by name, besides the snapshots.
    assert!(staging.contains("portal 1.1 is now deployed to staging"), "{staging}");
    assert!(staging.contains("Call history with transcripts") && staging.contains("Appointments calendar"));
    assert!(!staging.contains("Portal skeleton"), "{staging}");
    assert!(staging.contains("Staging validation: 1/2 done"), "{staging}");
    assert!(staging.contains("Approval for prod: lee"), "{staging}");
    assert!(production.contains("Approved by: lee"), "{production}");
    assert!(production.contains("2 commits since v1 (1.0)"), "{production}");
    assert!(
        production.contains("On-Call Engineer: Dana Reyes (@dana)"),
        "{production}"
    );
    assert!(
        gradual.contains("new_checkout: 10 % of users + pilot: company-15, company-42"),
        "{gradual}"
    );
    insta::assert_snapshot!("announce_staging_ready", staging);
    insta::assert_snapshot!("announce_production", production);
    insta::assert_snapshot!("announce_gradual_rollout", gradual);

    // --json: the text and the facts it came from.
    let v = sb
        .run(&["announce", "prod", "--template", "production", "--json"])
        .ok()
        .json();
    assert_eq!(v["template"], "production");
    assert_eq!(v["facts"]["version"], "1.1");
    assert_eq!(v["facts"]["release"], serde_json::Value::Null);
    assert_eq!(v["facts"]["approvers"], serde_json::json!(["lee"]));
    assert_eq!(v["facts"]["commits"].as_array().unwrap().len(), 2);
    assert_eq!(v["sent"], serde_json::Value::Null);
    assert!(v["text"]
        .as_str()
        .unwrap()
        .starts_with("Subject: portal 1.1 - Deploying to Production"));
}

#[test]
fn a_template_file_in_the_config_folder_wins() {
    let sb = portal(Backend::Sqlite, "");
    sb.write(
        "announce/production.md",
        "{{ project }} {{ version }} goes to {{ env }} at {{ time }}; on call: {{ on_call }}\n",
    );
    let text = fixed(&sb.run(&["announce", "prod", "--template", "production"]).ok().stdout);
    assert_eq!(text, "portal 1.1 goes to prod at [time]; on call: Dana Reyes (@dana)\n");
    // The others keep the built-in text.
    let staging = sb
        .run(&["announce", "staging", "--template", "staging-ready"])
        .ok()
        .stdout;
    assert!(staging.starts_with("Subject: portal 1.1 - Staging Ready for Testing"));
    // A placeholder it does not know is named, with the file.
    sb.write("announce/production.md", "{{ versoin }}\n");
    let run = sb.run(&["announce", "prod", "--template", "production"]).code(2);
    assert!(run.stderr.contains("announce/production.md"), "{run}");
    assert!(run.stderr.contains("unknown placeholder {{ versoin }}"), "{run}");
}

fn send_goes_through_the_outbox(b: Backend) {
    let rx = Receiver::start();
    let sb = portal(
        b,
        &format!(
            "\n[[notify]]\nname = \"team\"\nwebhook = \"{}\"\nformat = \"slack\"\nevents = [\"incident.*\"]\n\n[[notify]]\nname = \"mail\"\nrun = \"printf '%s' \\\"$RELCON_TEXT\\\" > mailed.txt\"\nevents = []\n",
            rx.url("/slack")
        ),
    );
    let text = sb.run(&["announce", "prod", "--template", "production"]).ok().stdout;
    assert!(rx.got().is_empty(), "printing sends nothing");
    let run = sb
        .run(&[
            "announce",
            "prod",
            "--template",
            "production",
            "--send",
            "team",
            "--json",
        ])
        .ok();
    let v = run.json();
    assert_eq!(v["sent"]["sink"], "team");
    let got = rx.got();
    assert_eq!(got.len(), 1, "{got:?}");
    let body = got[0].json();
    // Slack's shape, with the announcement as its text.
    assert_eq!(fixed(body["text"].as_str().unwrap()).trim_end(), fixed(text.trim_end()));
    assert_eq!(body["blocks"][0]["type"], "section");
    // Recorded as a note in prod, delivered.
    let note = sb.audit().into_iter().find(|e| e["kind"] == "note.added").unwrap();
    assert_eq!(note["seq"], v["sent"]["seq"]);
    assert_eq!(note["env"], "prod");
    assert_eq!(note["body"]["announce"], "production");
    let st = sb.run(&["notify", "status", "--json"]).ok().json();
    assert_eq!(st["sinks"][0]["sink"], "team");
    assert_eq!(st["sinks"][0]["delivered"], 1);
    // A `run` sink gets the text in RELCON_TEXT; the other sink hears nothing of it.
    sb.run(&["announce", "prod", "--template", "production", "--send", "mail"])
        .ok();
    assert_eq!(fixed(sb.read("mailed.txt").trim_end()), fixed(text.trim_end()));
    assert_eq!(rx.got().len(), 1);
    // An unknown sink is refused before anything is recorded.
    let run = sb
        .run(&["announce", "prod", "--template", "production", "--send", "nope"])
        .code(2);
    assert!(run.stderr.contains("no [[notify]] sink named \"nope\""), "{run}");
    // Read-only: announcing prints, sending is refused.
    sb.run(&["--read-only", "announce", "prod", "--template", "staging-ready"])
        .ok();
    sb.run(&[
        "--read-only",
        "announce",
        "prod",
        "--template",
        "production",
        "--send",
        "team",
    ])
    .code(2);
}
