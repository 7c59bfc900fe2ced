//! The demo ships a real git repository (`DIR/repo`, `project.repo`): the
//! seeded builds' commits are its release commits, so "what changed" lists
//! real commits in the demo — `relcon diff` between two releases and
//! between two environments, through the real binary.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn diff(config: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_relcon"))
        .arg("--config")
        .arg(config)
        .arg("diff")
        .args(args)
        .arg("--json")
        .env("RELCON_USER", "tester")
        .env_remove("RELCON_CONFIG")
        .env_remove("RELCON_LEDGER_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_demo_diffs_real_commits() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipping: git is not installed (the demo then runs without a repo)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = relcon::demo::prepare(Some(dir.path())).expect("prepare the demo");
    let config = std::fs::read_to_string(&demo.config_path).unwrap();
    assert!(config.contains("repo = \"repo\""), "{config}");
    // dev's current release against the one before: its commits, newest first.
    let d = diff(&demo.config_path, &["dev"]);
    let commits = d["commits"]["list"].as_array().cloned().unwrap_or_default();
    assert!(commits.len() >= 2, "{d}");
    assert_eq!(commits[0]["subject"], "release 1.12.0", "{d}");
    assert!(d["commits"]["note"].is_null(), "{d}");
    // What promoting staging into prod would bring: real commits too.
    let d = diff(&demo.config_path, &["staging", "prod"]);
    let commits = d["commits"]["list"].as_array().cloned().unwrap_or_default();
    assert!(commits.iter().any(|c| c["subject"] == "release 1.11.2"), "{d}");
    assert!(d["summary"].as_str().is_some_and(|s| s.contains("commits")), "{d}");
}
