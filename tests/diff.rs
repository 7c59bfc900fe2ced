//! `relcon diff` (DESIGN §13) on a real git repository: the commits between
//! two releases and between two environments, a rollback's commits taken
//! out, unknown commits and a missing repo said plainly, and the ledger's
//! flag changes, approvals and ticks in the window; a first release
//! compared with nothing.

mod common;

use std::process::Command;

use common::Sandbox;

fn git(sb: &Sandbox, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(sb.path("repo"))
        .env("GIT_AUTHOR_NAME", "Dana Kim")
        .env("GIT_AUTHOR_EMAIL", "dana@example.com")
        .env("GIT_COMMITTER_NAME", "Dana Kim")
        .env("GIT_COMMITTER_EMAIL", "dana@example.com")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repo with three builds: 1.0 (1 commit), 1.1 (+2), 1.2 (+1).
fn project(with_repo: bool) -> (Sandbox, Vec<String>) {
    let repo = if with_repo { "repo = \"repo\"\n" } else { "" };
    let sb = Sandbox::new(&format!(
        r#"[project]
name = "shop"
{repo}
[[environment]]
name = "staging"
deploy = "true"

[[environment]]
name = "prod"
promote_from = "staging"
deploy = "true"
checklists = {{ before = ["pre"] }}

[checklist.pre]
items = ["Tests pass"]

[flag.beta]
env.staging = {{ enabled = false }}
env.prod = {{ enabled = false }}
"#
    ));
    std::fs::create_dir_all(sb.path("repo")).unwrap();
    git(&sb, &["init", "-q", "-b", "main"]);
    let mut shas = Vec::new();
    for (version, subjects) in [
        ("1.0", vec!["First"]),
        ("1.1", vec!["Add cart", "Fix cart rounding"]),
        ("1.2", vec!["Speed up search"]),
    ] {
        for s in subjects {
            sb.write(&format!("repo/{}.txt", s.replace(' ', "_")), s);
            git(&sb, &["add", "."]);
            git(&sb, &["commit", "-q", "-m", s]);
        }
        let sha = git(&sb, &["rev-parse", "HEAD"]);
        sb.run(&["release", "register", version, "--commit", &sha]).ok();
        shas.push(sha);
    }
    (sb, shas)
}

#[test]
fn diff_between_releases_lists_commits_and_what_the_ledger_recorded() {
    let (sb, _) = project(true);
    sb.run(&["deploy", "staging", "1.0", "--yes"]).ok();
    sb.run(&["flag", "set", "staging", "beta", "25%", "--yes"]).ok();
    sb.run(&["deploy", "staging", "1.2", "--yes"]).ok();
    // Default: the current release against the one before it.
    let d = sb.run(&["diff", "staging", "--json"]).ok().json();
    assert_eq!(d["mode"], "releases");
    assert_eq!(
        (d["from"]["release"].as_u64(), d["to"]["release"].as_u64()),
        (Some(1), Some(2))
    );
    let subjects: Vec<&str> = d["commits"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["Speed up search", "Fix cart rounding", "Add cart"],
        "newest first"
    );
    assert_eq!(d["commits"]["list"][0]["author"], "Dana Kim");
    assert_eq!(d["commits"]["removed"], false);
    assert_eq!(d["flag_changes"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["summary"], "1.0 → 1.2: 3 commits, 1 flag change");
    // Text: the same facts, one per line.
    let text = sb.run(&["diff", "staging", "v1", "v2"]).ok().stdout;
    assert!(text.contains("staging v1 (1.0) → staging v2 (1.2)"), "{text}");
    assert!(
        text.contains("Speed up search") && text.contains("flag changes"),
        "{text}"
    );
    // Sections on lines of their own, a blank line before each.
    assert!(text.contains("\n\ncommits (newest first)\n"), "{text}");
    assert!(text.contains("\n\nflag changes\n"), "{text}");
    assert!(!text.contains("\\n"), "a newline shown as text:\n{text}");

    // A rollback: the commits going back takes out.
    sb.run(&["rollback", "staging", "--yes"]).ok();
    let d = sb.run(&["diff", "staging", "--json"]).ok().json();
    assert_eq!(d["commits"]["removed"], true, "{d}");
    assert_eq!(d["commits"]["list"].as_array().unwrap().len(), 3);
    assert!(d["summary"].as_str().unwrap().contains("3 commits taken out"), "{d}");
}

#[test]
fn diff_between_environments_is_what_a_promotion_would_bring() {
    let (sb, _) = project(true);
    sb.run(&["deploy", "staging", "1.1", "--yes"]).ok();
    sb.run(&["check", "prod", "pre", "1"]).ok();
    sb.run(&["promote", "staging", "prod", "--yes"]).ok();
    sb.run(&["deploy", "staging", "1.2", "--yes"]).ok();
    sb.run(&["flag", "set", "staging", "beta", "on", "--yes"]).ok();
    sb.run_as("bo", &["approve", "prod", "1.2"]).ok();
    sb.run(&["check", "prod", "pre", "1"]).ok();
    let d = sb.run(&["diff", "staging", "prod", "--json"]).ok().json();
    assert_eq!(d["mode"], "environments");
    assert_eq!(
        (d["from"]["env"].as_str(), d["from"]["version"].as_str()),
        (Some("prod"), Some("1.1")),
        "prod runs 1.1: {d}"
    );
    assert_eq!(
        (d["to"]["env"].as_str(), d["to"]["version"].as_str()),
        (Some("staging"), Some("1.2")),
        "staging would bring 1.2"
    );
    assert_eq!(d["summary"], "1.1 → 1.2: 1 commit, 1 flag differs");
    let text = sb.run(&["diff", "staging", "prod"]).ok().stdout;
    assert!(
        text.contains("promoting staging into prod: prod v1 (1.1) would become staging v2 (1.2)"),
        "{text}"
    );
    assert!(text.contains("\n\nflags that differ\n"), "{text}");
    let subjects: Vec<&str> = d["commits"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Speed up search"]);
    assert_eq!(d["approvals"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["checklist_ticks"].as_array().unwrap().len(), 1, "{d}");
    assert!(
        d["flags_differ"][0]
            .as_str()
            .unwrap()
            .starts_with("beta: on in staging, off in prod"),
        "{d}"
    );
}

#[test]
fn unknown_commits_and_a_missing_repo_are_said_plainly() {
    let (sb, _) = project(false);
    sb.run(&["deploy", "staging", "1.0", "--yes"]).ok();
    sb.run(&["deploy", "staging", "1.1", "--yes"]).ok();
    let d = sb.run(&["diff", "staging", "--json"]).ok().json();
    assert!(
        d["commits"]["note"].as_str().unwrap().contains("no project.repo"),
        "{d}"
    );
    assert_eq!(d["summary"], "1.0 → 1.1: commits unknown");

    let (sb, _) = project(true);
    sb.run(&["release", "register", "2.0", "--commit", "deadbeefdeadbeef"])
        .ok();
    sb.run(&["release", "register", "3.0", "--commit", "$(touch pwned)"])
        .ok();
    sb.run(&["deploy", "staging", "1.0", "--yes"]).ok();
    sb.run(&["deploy", "staging", "2.0", "--yes"]).ok();
    sb.run(&["deploy", "staging", "3.0", "--yes"]).ok();
    let d = sb.run(&["diff", "staging", "v1", "v2", "--json"]).ok().json();
    assert!(
        d["commits"]["note"]
            .as_str()
            .unwrap()
            .contains("commit deadbee is not in"),
        "{d}"
    );
    let d = sb.run(&["diff", "staging", "v2", "v3", "--json"]).ok().json();
    assert!(
        d["commits"]["note"]
            .as_str()
            .unwrap()
            .contains("is not a git commit id"),
        "{d}"
    );
    assert!(!sb.exists("repo/pwned") && !sb.exists("pwned"));

    sb.run(&["diff", "staging", "v9"]).code(2);
    sb.run(&["diff", "nowhere"]).code(2);
    let (sb, _) = project(true);
    let r = sb.run(&["diff", "staging"]).code(2);
    assert!(r.stderr.contains("no current release"), "{r}");
}

/// An env's first release has nothing before it: `diff ENV` shows what it
/// holds against nothing (a user run got exit 2, "no succeeded release
/// before v1"): every commit of its build and what the ledger recorded
/// about the env up to it; `from` keeps its shape with null fields.
#[test]
fn a_first_release_is_compared_with_nothing() {
    let (sb, _) = project(true);
    sb.run(&["flag", "set", "staging", "beta", "25%", "--yes"]).ok();
    sb.run(&["deploy", "staging", "1.1", "--yes"]).ok();
    let d = sb.run(&["diff", "staging", "--json"]).ok().json();
    assert_eq!(d["mode"], "releases");
    assert_eq!(
        d["from"],
        serde_json::json!({"env": "staging", "release": null, "version": null, "commit": null})
    );
    assert_eq!(
        (d["to"]["release"].as_u64(), d["to"]["version"].as_str()),
        (Some(1), Some("1.1"))
    );
    let subjects: Vec<&str> = d["commits"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Fix cart rounding", "Add cart", "First"], "{d}");
    assert_eq!(
        (&d["commits"]["truncated"], &d["commits"]["removed"]),
        (&false.into(), &false.into())
    );
    assert_eq!(d["flag_changes"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["summary"], "nothing → 1.1: first release, 3 commits, 1 flag change");

    let text = sb.run(&["diff", "staging"]).ok().stdout;
    assert!(
        text.starts_with(
            "staging v1 (1.1): the first release of staging, nothing before it to compare with\n\
             nothing → 1.1: first release, 3 commits, 1 flag change\n"
        ),
        "{text}"
    );
    assert!(text.contains("\n\ncommits (newest first)\n"), "{text}");
    assert!(
        text.contains("Add cart") && text.contains("\n\nflag changes\n"),
        "{text}"
    );

    // The second release compares with the first, as before.
    sb.run(&["deploy", "staging", "1.2", "--yes"]).ok();
    let d = sb.run(&["diff", "staging", "--json"]).ok().json();
    assert_eq!(d["summary"], "1.1 → 1.2: 1 commit", "{d}");

    // Without project.repo the commits are unknown, the rest the same.
    let (sb, _) = project(false);
    sb.run(&["deploy", "staging", "1.0", "--yes"]).ok();
    let d = sb.run(&["diff", "staging", "--json"]).ok().json();
    assert_eq!(d["summary"], "nothing → 1.0: first release, commits unknown", "{d}");
}
