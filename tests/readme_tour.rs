//! The README's two-minute tour, replayed line by line exactly as written,
//! from `relcon init` in a fresh git repository (DESIGN §13: docs that can
//! never drift from the product). Every line must succeed.

mod common;

use std::path::Path;
use std::process::Command;

const README: &str = include_str!("../README.md");

fn tour() -> Vec<&'static str> {
    let begin = README.find("<!-- tour:begin -->").expect("tour markers in README.md");
    let end = README.find("<!-- tour:end -->").expect("tour markers in README.md");
    let block = &README[begin..end];
    let body = block.split("```").nth(1).expect("a code block between the markers");
    body.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

fn sh(dir: &Path, line: &str, bin_dir: &Path) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default()),
        )
        .env("RELCON_USER", "ana")
        .env("RELCON_STATE_DIR", dir.join(".state"))
        .env_remove("RELCON_CONFIG")
        .env_remove("RELCON_LEDGER_URL")
        .env_remove("RELCON_READ_ONLY")
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.com")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.com")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sh")
}

#[test]
fn the_readme_tour_works_as_written() {
    let lines = tour();
    assert!(lines.len() >= 10, "the tour looks cut short: {lines:?}");
    assert!(lines[0].starts_with("relcon init"), "{lines:?}");
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(common::BIN).parent().unwrap();
    for setup in ["git init -q", "git commit -q --allow-empty -m 'first'"] {
        let out = sh(dir.path(), setup, bin_dir);
        assert!(
            out.status.success(),
            "{setup}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for line in &lines {
        let out = sh(dir.path(), line, bin_dir);
        assert!(
            out.status.success(),
            "README tour line failed (exit {:?}):\n  {line}\n--- stdout\n{}\n--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And it did what it says.
    let out = sh(dir.path(), "relcon status --json", bin_dir);
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let env = |n: &str| {
        st["environments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(env("prod")["release"]["version"], "1.4.1");
    assert_eq!(env("staging")["release"]["description"], "rollback to v1 (1.4.1)");
    assert!(env("staging")["badges"].to_string().contains("hold"));
    let flags = sh(dir.path(), "relcon flag list --json", bin_dir);
    let flags: serde_json::Value = serde_json::from_slice(&flags.stdout).unwrap();
    let portal = flags.as_array().unwrap().iter().find(|f| f["env"] == "prod").unwrap();
    assert_eq!(portal["enabled"], false, "the kill switch: {portal}");
}
