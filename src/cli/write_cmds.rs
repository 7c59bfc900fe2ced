//! Commands that record something without running hooks.

use std::path::Path;

use super::output::print_json;
use super::term::{self, out};
use crate::config::{Config, INIT_TEMPLATE};
use crate::domain::checklist_import;
use crate::error::{Error, Result};
use crate::ops::{self, Ctx};

pub fn init(path: &Path, force: bool) -> Result<i32> {
    if path.exists() && !force {
        return Err(Error::usage(format!(
            "{} already exists; pass --force to overwrite",
            path.display()
        )));
    }
    std::fs::write(path, INIT_TEMPLATE).map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))?;
    out(format!("wrote {}", path.display()));
    out("next: relcon release register 1.0.0 --commit $(git rev-parse HEAD) && relcon deploy dev 1.0.0");
    Ok(0)
}

pub fn register(ctx: &mut Ctx, build: ops::register::NewBuild, commit_time: Option<&str>, json: bool) -> Result<i32> {
    let at = commit_time
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t.trim())
                .map(|d| d.with_timezone(&chrono::Utc))
                .map_err(|e| {
                    Error::usage(format!(
                        "--commit-time {t:?}: {e}; expected RFC 3339, e.g. 2026-11-20T09:14:00Z"
                    ))
                })
        })
        .transpose()?;
    let b = ops::register::register_at(ctx, build, at)?;
    if json {
        print_json(&b);
    } else {
        out(format!("registered build {} ({})", b.version, b.commit));
    }
    Ok(0)
}

pub fn approve(ctx: &mut Ctx, env: &str, version: &str, note: Option<String>, json: bool) -> Result<i32> {
    let by = ops::approve::approve(ctx, env, version, note)?;
    let required = ctx.env(env)?.approvals;
    if json {
        print_json(&serde_json::json!({ "env": env, "version": version, "approvals": by, "required": required }));
    } else {
        out(format!(
            "approved {version} into {env}; approvals so far: {} ({required} needed from people other than whoever promotes)",
            by.join(", ")
        ));
    }
    Ok(0)
}

pub fn check(ctx: &mut Ctx, req: ops::checklist::TickRequest, json: bool) -> Result<i32> {
    let undo = req.undo;
    let (run, n) = ops::checklist::tick_n(ctx, req)?;
    if json {
        print_json(&run);
    } else {
        let text = run
            .items
            .iter()
            .find(|i| i.n as usize == n)
            .map(|i| i.text.clone())
            .unwrap_or_default();
        out(format!(
            "{} {}. {text} — {} for {}: {}/{}{}",
            if undo { "unticked" } else { "ticked" },
            n,
            run.name,
            run.build,
            run.done,
            run.total,
            if run.signed_off { " — signed off" } else { "" }
        ));
    }
    Ok(0)
}

pub fn hold_clear(ctx: &mut Ctx, env: &str, reason: Option<String>) -> Result<i32> {
    ops::hold::clear(ctx, env, reason)?;
    out(format!("hold on {env} cleared"));
    Ok(0)
}

pub fn rebuild(ctx: &mut Ctx) -> Result<i32> {
    ops::audit::rebuild(ctx)?;
    out(format!("projections rebuilt from {} events", ctx.store.event_count()?));
    Ok(0)
}

pub fn import_checklist(cfg: Option<&Path>, file: &Path, name: &str, write: bool) -> Result<i32> {
    let md = std::fs::read_to_string(file).map_err(|e| Error::usage(format!("cannot read {}: {e}", file.display())))?;
    let imported = checklist_import::parse_markdown(&md);
    if imported.items.is_empty() {
        return Err(Error::usage(format!("{} has no \"- [ ] item\" lines", file.display())));
    }
    let toml = checklist_import::to_toml(name, &imported);
    if !write {
        // TOML escapes control characters in strings: inert line by line
        // changes nothing in it, and stays a net for anything that is not.
        term::out_lines(&toml);
        return Ok(0);
    }
    let path = Config::locate(cfg);
    if let Ok(existing) = Config::load(&path) {
        if existing.checklists.contains_key(name) {
            return Err(Error::usage(format!(
                "{} already has [checklist.{name}]; pick another --name or remove the old one",
                path.display()
            )));
        }
    }
    let before =
        std::fs::read_to_string(&path).map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
    let after = format!("{}\n{toml}", before.trim_end_matches('\n').to_string() + "\n");
    // Validate before touching the file: a bad import must not break the config.
    Config::parse(&path, &after)?;
    std::fs::write(&path, after)?;
    out(format!(
        "added [checklist.{name}] with {} items to {}",
        imported.items.len(),
        path.display()
    ));
    Ok(0)
}
