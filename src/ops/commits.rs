//! Commits between two releases, when `project.repo` names a git repo:
//! "what changed" for the release detail pane.

use serde::Serialize;
use std::process::Command;

use crate::error::{Error, Result};

use super::Ctx;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitSummary {
    pub sha: String,
    pub author: String,
    pub at: String,
    pub subject: String,
}

/// At most this many commits are listed.
pub const LIMIT: usize = 50;

/// Commits in `to`'s build that are not in `from`'s, newest first. None when
/// no repo is configured. Commit ids come from the ledger and are passed to
/// git as arguments, never through a shell.
pub fn between(ctx: &Ctx, env: &str, from: u64, to: u64) -> Result<Option<Vec<CommitSummary>>> {
    let Some(repo) = &ctx.config.project.repo else {
        return Ok(None);
    };
    let view = ctx.store.view();
    let (Some(a), Some(b)) = (view.release(env, from)?, view.release(env, to)?) else {
        return Err(Error::usage(format!("{env} has no release v{from} or v{to}")));
    };
    let hex = |s: &str| !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_hexdigit());
    if !hex(&a.commit) || !hex(&b.commit) {
        return Err(Error::usage("the releases' commits are not git commit ids"));
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "log",
            "--no-merges",
            "--date=iso-strict",
            "--format=%h%x1f%an%x1f%ad%x1f%s",
            "-n",
        ])
        .arg(LIMIT.to_string())
        .arg(format!("{}..{}", a.commit, b.commit))
        .arg("--")
        .output()
        .map_err(|e| Error::runtime(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(Error::runtime(format!(
            "git log in {}: {}",
            repo.display(),
            err.lines().next().unwrap_or("failed")
        )));
    }
    Ok(Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut p = l.split('\u{1f}');
                Some(CommitSummary {
                    sha: p.next()?.to_string(),
                    author: p.next()?.to_string(),
                    at: p.next()?.to_string(),
                    subject: p.next()?.to_string(),
                })
            })
            .collect(),
    ))
}
