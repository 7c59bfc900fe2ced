//! The demo's git repository (`DIR/repo`, `project.repo = "repo"`): one
//! commit per change note and one per release, with fixed authors and
//! dates, so `relcon diff`, the diff pane and the detail pane list real
//! commits between the demo's releases. Its release commits are the
//! builds' commits in the seeded ledger. Without git the demo runs as
//! before (made-up commit ids, no repo).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::seed_data::{NOTES, PEOPLE, VERSIONS};

fn git(repo: &Path, args: &[&str], at: &str, author: &str) -> Option<String> {
    let name = author.split('@').next().unwrap_or(author);
    let out = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", author)
        .env("GIT_COMMITTER_NAME", "CI")
        .env("GIT_COMMITTER_EMAIL", "ci@customer-portal.example")
        .env("GIT_AUTHOR_DATE", at)
        .env("GIT_COMMITTER_DATE", at)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The release commit of every version: read from `DIR/repo` when it is
/// there, else made now. `None` when git is missing or fails.
pub fn commits(dir: &Path) -> Option<BTreeMap<String, String>> {
    let repo = dir.join("repo");
    if repo.join(".git").exists() {
        return read(&repo);
    }
    std::fs::create_dir_all(&repo).ok()?;
    git(
        &repo,
        &["init", "-q"],
        "2026-01-01T09:00:00Z",
        "ci@customer-portal.example",
    )?;
    for (i, v) in VERSIONS.iter().enumerate() {
        // Two changes, then the release commit, a day apart per version.
        for k in 0..2 {
            let n = i * 2 + k;
            let at = format!("2026-01-{:02}T{:02}:00:00Z", 1 + i, 10 + k);
            let author = PEOPLE[n % PEOPLE.len()];
            let note = NOTES[n % NOTES.len()];
            std::fs::write(repo.join("CHANGES"), format!("{v}: {note}\n")).ok()?;
            git(&repo, &["add", "CHANGES"], &at, author)?;
            git(&repo, &["commit", "-q", "-m", note], &at, author)?;
        }
        let at = format!("2026-01-{:02}T16:00:00Z", 1 + i);
        std::fs::write(repo.join("VERSION"), format!("{v}\n")).ok()?;
        git(&repo, &["add", "VERSION"], &at, "ci@customer-portal.example")?;
        git(
            &repo,
            &["commit", "-q", "-m", &format!("release {v}")],
            &at,
            "ci@customer-portal.example",
        )?;
    }
    read(&repo)
}

/// "release X" commits, by version.
fn read(repo: &Path) -> Option<BTreeMap<String, String>> {
    let log = git(repo, &["log", "--format=%H %s"], "2026-01-01T09:00:00Z", "ci")?;
    let map: BTreeMap<String, String> = log
        .lines()
        .filter_map(|l| {
            let (sha, subject) = l.split_once(' ')?;
            Some((subject.strip_prefix("release ")?.to_string(), sha.to_string()))
        })
        .collect();
    (map.len() == VERSIONS.len()).then_some(map)
}
