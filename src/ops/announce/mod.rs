//! `relcon announce ENV --template …`: the portal guide's three
//! announcements (staging ready, deploying to production, gradual rollout)
//! filled in from ledger facts. Templates are text with `{{ name }}`
//! placeholders; a file `announce/<template>.md` in the config folder
//! replaces the built-in one. `--send SINK` records the text as a note on
//! the environment addressed to that sink, so the outbox delivers it (and
//! a dead receiver only delays it).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::commits::{self, CommitSummary};
use super::flag_state::{self, FlagListRow};
use super::Ctx;
use crate::error::{Error, Result};
use crate::ledger::{kind, Event, NewEvent};

mod vars;
pub use vars::vars;

/// The three announcements of the portal guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Template {
    StagingReady,
    Production,
    GradualRollout,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::StagingReady => "staging-ready",
            Template::Production => "production",
            Template::GradualRollout => "gradual-rollout",
        }
    }
    fn builtin(self) -> &'static str {
        match self {
            Template::StagingReady => include_str!("templates/staging-ready.md"),
            Template::Production => include_str!("templates/production.md"),
            Template::GradualRollout => include_str!("templates/gradual-rollout.md"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistProgress {
    pub name: String,
    pub title: String,
    pub phase: &'static str,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviousRelease {
    pub number: u64,
    pub version: String,
}

/// What an announcement is made of, read from the ledger and the config.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub project: String,
    pub env: String,
    pub url: Option<String>,
    pub version: String,
    pub commit: String,
    /// The release in `env`; None for a build not deployed there yet.
    pub release: Option<u64>,
    pub deployed_at: Option<DateTime<Utc>>,
    pub deployed_by: Option<String>,
    pub source_env: Option<String>,
    pub next_env: Option<String>,
    /// The release before it in `env` (what the commits are counted from).
    pub previous: Option<PreviousRelease>,
    /// None when `project.repo` is not set (or git could not say).
    pub commits: Option<Vec<CommitSummary>>,
    pub flags: Vec<FlagListRow>,
    pub checklists: Vec<ChecklistProgress>,
    pub approvers: Vec<String>,
    pub approvals_needed: u32,
    pub next_approvers: Vec<String>,
    pub on_call: Option<String>,
    pub time: DateTime<Utc>,
}

/// The subject: for `production`, the build waiting to go into `env` (if
/// any), else the release live there.
pub fn facts(ctx: &Ctx, env: &str, template: Template) -> Result<Facts> {
    let e = ctx.env(env)?;
    let view = ctx.store.view();
    let current = view.current_release(env)?;
    let pending = match template {
        Template::Production => super::checklist::pending_build(view, &ctx.config, env)?
            .filter(|b| current.as_ref().is_none_or(|c| c.version != b.version)),
        _ => None,
    };
    let (version, commit, release) = match (&pending, &current) {
        (Some(b), _) => (b.version.clone(), b.commit.clone(), None),
        (None, Some(r)) => (r.version.clone(), r.commit.clone(), Some(r.clone())),
        (None, None) => {
            return Err(Error::usage(format!(
                "{env} has no release yet and no build waiting for it: nothing to announce"
            )))
        }
    };
    // Commits since the release before this one (the current one, for a pending build).
    let previous = match &release {
        Some(r) => previous_release(ctx, env, r.number)?,
        None => current.clone(),
    };
    let commits = match (&ctx.config.project.repo, &previous) {
        (Some(repo), Some(p)) => commits::log(repo, &p.commit, &commit, commits::LIMIT).ok(),
        _ => None,
    };
    let mut flags = Vec::new();
    for name in ctx.config.flags.keys() {
        flags.push(flag_state::resolve(view, &ctx.config, name, env)?);
    }
    // Its checklists here, and (announcing production) the validation it passed upstream.
    let mut checklists: Vec<ChecklistProgress> = Vec::new();
    let upstream = match template {
        Template::Production => e.promote_from.as_deref(),
        _ => None,
    };
    for (where_, label) in [(Some(env), false), (upstream, true)] {
        let Some(at) = where_ else { continue };
        for r in super::checklist::runs_in(view, &ctx.config, at)? {
            if r.build != version {
                continue;
            }
            checklists.push(ChecklistProgress {
                title: if label { format!("{} ({at})", r.title) } else { r.title },
                name: r.name,
                phase: r.phase,
                done: r.done,
                total: r.total,
            });
        }
    }
    let next_env = ctx.config.next_env(env).map(|n| n.name.clone());
    let next_approvers = match &next_env {
        Some(n) => view.approvers(n, &version)?,
        None => Vec::new(),
    };
    Ok(Facts {
        project: ctx.config.project.name.clone(),
        env: env.to_string(),
        url: e.url.clone(),
        approvers: view.approvers(env, &version)?,
        approvals_needed: e.approvals,
        version,
        commit,
        deployed_at: release.as_ref().and_then(|r| r.finished_at.or(Some(r.started_at))),
        deployed_by: release.as_ref().map(|r| r.actor.clone()),
        release: release.as_ref().map(|r| r.number),
        source_env: e.promote_from.clone(),
        next_env,
        previous: previous.map(|p| PreviousRelease {
            number: p.number,
            version: p.version,
        }),
        commits,
        flags,
        checklists,
        next_approvers,
        on_call: ctx.config.project.on_call.clone(),
        time: ctx.now(),
    })
}

/// The newest succeeded release of `env` before `number` with another build.
fn previous_release(ctx: &Ctx, env: &str, number: u64) -> Result<Option<crate::domain::Release>> {
    let view = ctx.store.view();
    let Some(this) = view.release(env, number)? else {
        return Ok(None);
    };
    let mut offset = 0;
    loop {
        let page = view.history(env, offset, 50)?;
        if page.is_empty() {
            return Ok(None);
        }
        offset += page.len() as u64;
        if let Some(r) = page.into_iter().find(|r| {
            r.number < number && r.status == crate::domain::DeploymentStatus::Succeeded && r.version != this.version
        }) {
            return Ok(Some(r));
        }
    }
}

/// `{{ name }}` replaced by its value, as text (the placeholder rules of
/// body templates); an unknown name lists the known ones.
pub fn render_text(template: &str, vars: &[(&'static str, String)]) -> std::result::Result<String, String> {
    let value = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
    crate::domain::body_template::render_text(template, &value).map_err(|e| {
        let known: Vec<&str> = vars.iter().map(|(k, _)| *k).collect();
        format!("{e} (known: {})", known.join(", "))
    })
}

/// The template's text: `announce/<name>.md` in the config folder, else built in.
pub fn template_text(ctx: &Ctx, t: Template) -> Result<(String, Option<std::path::PathBuf>)> {
    let path = ctx.config.dir.join("announce").join(format!("{}.md", t.name()));
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((text, Some(path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((t.builtin().to_string(), None)),
        Err(e) => Err(Error::runtime(format!("cannot read {}: {e}", path.display()))),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub template: Template,
    pub env: String,
    /// The override file used, if any.
    pub source: Option<String>,
    pub text: String,
    pub facts: Facts,
    /// The note recorded for `--send`: its seq and sink.
    pub sent: Option<Sent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub sink: String,
    pub seq: u64,
}

pub fn render(ctx: &Ctx, env: &str, t: Template) -> Result<Announcement> {
    let facts = facts(ctx, env, t)?;
    let (text, source) = template_text(ctx, t)?;
    let text = render_text(&text, &vars(&facts)).map_err(|why| {
        let file = source.as_ref().map_or_else(
            || format!("built-in {} template", t.name()),
            |p| p.display().to_string(),
        );
        Error::usage(format!("{file}: {why}"))
    })?;
    Ok(Announcement {
        template: t,
        env: env.to_string(),
        source: source.map(|p| p.display().to_string()),
        text,
        facts,
        sent: None,
    })
}

/// Record the announcement as a note addressed to `sink`; the outbox row is
/// written with it and delivered after commit.
pub fn send(ctx: &mut Ctx, a: &mut Announcement, sink: &str) -> Result<Event> {
    ctx.writable()?;
    super::notify::sink(&ctx.config, sink)?;
    let body = serde_json::json!({
        "text": a.text,
        "announce": a.template.name(),
        "sink": sink,
        "version": a.facts.version,
        "number": a.facts.release,
    });
    let (now, actor) = (ctx.now(), ctx.actor.clone());
    let env = a.env.clone();
    let events = ctx.store.transact(now, &actor, &mut |_| {
        Ok(vec![NewEvent::new(kind::NOTE_ADDED, Some(&env), body.clone())])
    })?;
    let e = events
        .into_iter()
        .next()
        .ok_or_else(|| Error::runtime("the announcement was not recorded"))?;
    a.sent = Some(Sent {
        sink: sink.to_string(),
        seq: e.seq,
    });
    Ok(e)
}
