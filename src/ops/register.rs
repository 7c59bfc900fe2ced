//! `relcon release register`: record an immutable build.

use crate::domain::Build;
use crate::error::{Error, Result};
use crate::ledger::bodies::BuildRegistered;
use crate::ledger::{kind, NewEvent};

use super::Ctx;

pub struct NewBuild {
    pub version: String,
    pub commit: String,
    pub artifact: Option<String>,
    pub notes: Option<String>,
}

pub fn register(ctx: &mut Ctx, b: NewBuild) -> Result<Build> {
    register_at(ctx, b, None)
}

/// When a commit was made: the time given (`--commit-time`), else git's
/// committer date from `project.repo`, else unknown.
fn commit_time(ctx: &Ctx, commit: &str, given: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    let at = given.or_else(|| {
        let repo = ctx.config.project.repo.as_deref()?;
        if !super::commits::is_sha(commit) {
            return None;
        }
        let out = super::commits::git(repo, &["show", "-s", "--format=%cI", commit]).ok()?;
        chrono::DateTime::parse_from_rfc3339(out.trim())
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    })?;
    Some(crate::ledger::event::format_at(&at))
}

/// `release register … --commit-time RFC3339`: the build and when its commit was made.
pub fn register_at(ctx: &mut Ctx, b: NewBuild, commit_at: Option<chrono::DateTime<chrono::Utc>>) -> Result<Build> {
    let version = b.version.trim().to_string();
    if version.is_empty() || version.chars().any(char::is_control) {
        return Err(Error::usage(
            "a version must be non-empty text without control characters",
        ));
    }
    if b.commit.trim().is_empty() {
        return Err(Error::usage("--commit must name the commit the build was made from"));
    }
    let commit = b.commit.trim().to_string();
    let body = BuildRegistered {
        version: version.clone(),
        commit_time: commit_time(ctx, &commit, commit_at),
        commit,
        artifact: b.artifact,
        notes: b.notes,
    };
    let now = ctx.now();
    let actor = ctx.actor.clone();
    ctx.store.transact(now, &actor, &mut |view| {
        if let Some(existing) = view.build(&version)? {
            return Err(Error::usage(format!(
                "build {version} is already registered (commit {}, by {} at {}); builds are immutable: register a new version",
                // Another person's text, quoted in a message: inert (DESIGN §10).
                crate::domain::inert(&existing.commit),
                crate::domain::inert(&existing.created_by),
                existing.created_at.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        Ok(vec![NewEvent::new(kind::BUILD_REGISTERED, None, &body)])
    })?;
    ctx.store
        .view()
        .build(&version)?
        .ok_or_else(|| Error::runtime("build vanished after registering"))
}
