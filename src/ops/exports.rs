//! Exports are projections of the ledger (DESIGN §10). Each file is
//! stamped with the seq of the newest `flag.changed` event it reflects, and
//! is *stale* when it is missing or differs from what the ledger and config
//! render now. Writers hold a lock next to the file while they read the
//! ledger and replace the file, so the last writer always publishes the
//! newest state; every relcon process that opens the ledger repairs stale
//! files first (`Ctx::open`), so a change whose process died before
//! exporting is published by the next one.

use serde::Serialize;
use std::path::PathBuf;

use crate::config::{Config, ExportFormat};
use crate::domain::FlagState;
use crate::error::{Error, Result};
use crate::flags::export::{self, FlagRow};
use crate::flags::publish::{self, ExportLock};
use crate::ledger::StateView;

use super::flag_state::resolve;
use super::identity::pid_alive;
use super::Ctx;

/// One file: an export of one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub env: String,
    pub format: ExportFormat,
    pub path: PathBuf,
}

/// Every file the config exports, envs in pipeline order.
pub fn files(config: &Config) -> Vec<ExportFile> {
    config
        .environments
        .iter()
        .flat_map(|e| files_of(config, &e.name))
        .collect()
}

fn files_of(config: &Config, env: &str) -> Vec<ExportFile> {
    config
        .exports
        .iter()
        .map(|ex| ExportFile {
            env: env.to_string(),
            format: ex.format,
            path: export::export_path(&config.dir, &ex.path, env),
        })
        .collect()
}

/// The flags of `env` as the ledger (else the config) has them, and the
/// seq of the newest `flag.changed` among them (0: none yet).
pub fn flag_rows(view: &dyn StateView, config: &Config, env: &str) -> Result<(Vec<FlagRow>, u64)> {
    let mut rows = Vec::with_capacity(config.flags.len());
    let mut seq = 0;
    for flag in config.flags.keys() {
        // The seq first: a change committed between the two reads then
        // shows as a newer state under an older seq, which the writer that
        // committed it (or the next process) corrects.
        if let Some(c) = view.flag_history(flag, env, 1)?.first() {
            seq = seq.max(c.seq);
        }
        let r = resolve(view, config, flag, env)?;
        rows.push(FlagRow {
            flag: r.flag,
            description: r.description,
            state: FlagState {
                enabled: r.enabled,
                rollout: r.rollout,
                targets: r.targets,
            },
            changed_by: r.changed_by,
            changed_at: r.changed_at.map(|t| crate::ledger::event::format_at(&t)),
            reason: r.reason,
            killed: r.killed,
        });
    }
    Ok((rows, seq))
}

fn document(format: ExportFormat, rows: &[FlagRow], seq: u64) -> String {
    match format {
        ExportFormat::Flagd => export::flagd_document(rows, seq),
        ExportFormat::Dotenv => export::dotenv_document(rows, seq),
    }
}

/// What `file` should hold now.
pub fn render(view: &dyn StateView, config: &Config, file: &ExportFile) -> Result<String> {
    let (rows, seq) = flag_rows(view, config, &file.env)?;
    Ok(document(file.format, &rows, seq))
}

/// A file that does not hold what the ledger says.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    pub path: PathBuf,
    pub env: String,
    pub format: ExportFormat,
    /// The seq the ledger's state of this env is at.
    pub seq: u64,
    /// The seq stamped in the file, if it has one.
    pub file_seq: Option<u64>,
    pub problem: Problem,
}

/// Why an export file is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Problem {
    Missing,
    Differs,
}

/// Every stale file, without writing anything (`flag export --check`).
pub fn check(ctx: &Ctx) -> Result<Vec<Stale>> {
    let view = ctx.store.view();
    let mut stale = Vec::new();
    if ctx.config.exports.is_empty() {
        // Nothing to read: start-up with many flags and no exports stays cheap.
        return Ok(stale);
    }
    for env in &ctx.config.environments {
        let (rows, seq) = flag_rows(view, &ctx.config, &env.name)?;
        for file in files_of(&ctx.config, &env.name) {
            let want = document(file.format, &rows, seq);
            let (problem, file_seq) = match std::fs::read_to_string(&file.path) {
                Ok(have) if have == want => continue,
                Ok(have) => (Problem::Differs, export::stamped_seq(&have)),
                Err(_) => (Problem::Missing, None),
            };
            stale.push(Stale {
                path: file.path,
                env: file.env,
                format: file.format,
                seq,
                file_seq,
                problem,
            });
        }
    }
    Ok(stale)
}

/// Under the file's lock: drop dead writers' temp files, read the ledger
/// fresh, and replace the file unless it already holds that (`force`
/// writes anyway). Returns whether it wrote.
fn publish(ctx: &Ctx, file: &ExportFile, force: bool) -> Result<bool> {
    ctx.writable()?;
    let io = |e: std::io::Error| Error::runtime(format!("cannot write {}: {e}", file.path.display()));
    let _lock = ExportLock::acquire(&file.path).map_err(io)?;
    publish::remove_orphans(&file.path, &pid_alive);
    let text = render(ctx.store.view(), &ctx.config, file)?;
    if !force && std::fs::read_to_string(&file.path).is_ok_and(|have| have == text) {
        return Ok(false);
    }
    publish::write_atomic(&file.path, &text).map_err(io)?;
    Ok(true)
}

/// Rewrite every export of one env (after a flag change there).
pub fn write_env(ctx: &Ctx, env: &str) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for file in files_of(&ctx.config, env) {
        publish(ctx, &file, true)?;
        written.push(file.path);
    }
    Ok(written)
}

/// `relcon flag export`: every export of every env.
pub fn write_all(ctx: &Ctx) -> Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    for env in &ctx.config.environments {
        all.extend(write_env(ctx, &env.name)?);
    }
    Ok(all)
}

/// What opening the ledger did to the exports.
#[derive(Debug, Default)]
pub struct Repair {
    pub written: Vec<PathBuf>,
    /// Files that are stale and could not be written, with why.
    pub failed: Vec<String>,
}

/// Bring stale files up to date, and clean temp files dead writers left.
/// Cheap when nothing is wrong: one read of the ledger per env and of each
/// file; the lock is taken only for a file that needs work.
pub fn repair(ctx: &Ctx) -> Result<Repair> {
    let mut out = Repair::default();
    let stale: Vec<PathBuf> = check(ctx)?.into_iter().map(|s| s.path).collect();
    for file in files(&ctx.config) {
        let orphans = publish::temp_files(&file.path)
            .iter()
            .any(|(_, pid)| pid.is_none_or(|p| !pid_alive(p)));
        if !stale.contains(&file.path) && !orphans {
            continue;
        }
        match publish(ctx, &file, false) {
            Ok(true) => out.written.push(file.path),
            Ok(false) => {}
            Err(e) => out.failed.push(e.to_string()),
        }
    }
    Ok(out)
}
