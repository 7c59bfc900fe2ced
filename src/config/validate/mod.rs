//! From the serde shape to validated types, checking what serde cannot:
//! names unique, references resolve, the pipeline has no cycle. Checks run
//! in file-section order (ledger, checklists, environments, exports, flags,
//! keys), so the first mistake reported is the one a reader meets first.

mod envs;
mod flags;
mod keys;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::schema::{ChecklistRaw, ItemRaw, RawConfig};
use super::*;

/// The file being validated, for errors that point into it.
#[derive(Clone, Copy)]
struct Src<'a> {
    path: &'a Path,
    source: &'a str,
}

impl Src<'_> {
    fn err(&self, span: Range<usize>, msg: String) -> ConfigError {
        ConfigError::at(self.path, self.source, Some(span), msg)
    }
}

/// The user config's `[keys.MODE]` laid over a project's keymap, errors
/// pointing into the user config.
pub(crate) fn layer_keys(
    path: &Path,
    source: &str,
    keymap: Keymap,
    raw: BTreeMap<toml::Spanned<String>, BTreeMap<toml::Spanned<String>, toml::Spanned<super::schema::BindingRaw>>>,
) -> Result<Keymap, ConfigError> {
    keys::layer(Src { path, source }, keymap, raw)
}

pub fn parse(path: &Path, source: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(source).map_err(|e| {
        let msg = e.message().trim_end().to_string();
        ConfigError::at(path, source, e.span(), msg)
    })?;
    let src = Src { path, source };
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));

    let ledger = super::ledger::validate(raw.ledger, path, source, &dir)?;
    let checklists = checklists(src, raw.checklist)?;
    let envs::Checked { names, environments } =
        envs::environments(src, raw.environments, &checklists, raw.prometheus.is_some())?;

    let mut flag_spans: Vec<(String, Range<usize>)> = raw.flag.iter().map(|(n, f)| (n.clone(), f.span())).collect();
    flag_spans.sort_by_key(|(_, s)| s.start);
    let env_list: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    let exports = super::exports::check(path, source, raw.export.flags, &env_list, &flag_spans)?;
    let flags = flags::flags(src, raw.flag, &names)?;
    let keymap = keys::keymap(src, raw.keys)?;
    let incident = super::incident::validate(raw.incident, path, source)?;
    let rollouts = super::rollout::validate(raw.rollout, path, source, &environments)?;
    let notify = super::notify::validate(raw.notify, path, source, &env_list)?;
    let prometheus = raw.prometheus.map(|p| Prometheus {
        url: p.url,
        timeout: p.timeout.map_or(Duration::from_secs(5), |d| d.0),
        headers: p.headers.unwrap_or_default(),
        token_env: p.token_env,
    });
    let mut redact = redact(raw.exec.redact, &environments, &flags, &ledger);
    redact.extend(notify.iter().filter_map(|s| s.token_env().map(str::to_string)));
    if let Some(p) = &prometheus {
        redact.extend(p.secret_envs().map(str::to_string));
    }
    redact.sort();
    redact.dedup();
    // Checked last, so a half-written config reports its other mistakes first.
    if environments.is_empty() {
        return Err(src.err(
            0..0,
            "no environments: add at least one [[environment]] table with a name, e.g. name = \"staging\"".into(),
        ));
    }

    Ok(Config {
        path: path.to_path_buf(),
        project: Project {
            name: raw.project.name,
            repo: raw.project.repo.map(|r| dir.join(r)),
            on_call: raw.announce.on_call,
        },
        dir,
        ledger,
        environments,
        checklists,
        flags,
        exports,
        prometheus,
        theme: raw.ui.theme.unwrap_or_else(|| "default".to_string()),
        skins: BTreeMap::new(),
        keymap,
        redact,
        incident,
        rollouts,
        notify,
    })
}

fn checklists(
    src: Src,
    raw: BTreeMap<String, toml::Spanned<ChecklistRaw>>,
) -> Result<BTreeMap<String, ChecklistTemplate>, ConfigError> {
    let mut checklists = BTreeMap::new();
    for (name, c) in raw {
        let span = c.span();
        let c = c.into_inner();
        if c.items.is_empty() {
            return Err(src.err(span, format!("checklist {name:?} has no items")));
        }
        let items = c.items.into_iter().map(item).collect();
        checklists.insert(
            name.clone(),
            ChecklistTemplate {
                title: c.title.unwrap_or_else(|| name.clone()),
                name,
                items,
            },
        );
    }
    Ok(checklists)
}

fn item(i: ItemRaw) -> ChecklistItem {
    match i {
        ItemRaw::Text(text) => ChecklistItem {
            text,
            hint: None,
            role: None,
            section: None,
        },
        ItemRaw::Table(t) => ChecklistItem {
            text: t.text,
            hint: t.hint,
            role: t.role,
            section: t.section,
        },
    }
}

/// Names of environment variables whose values are secrets: the configured
/// ones, every hook's token, the ledger's password variable.
fn redact(
    mut redact: Vec<String>,
    environments: &[Environment],
    flags: &BTreeMap<String, FlagDef>,
    ledger: &LedgerConfig,
) -> Vec<String> {
    for e in environments {
        for h in e.deploy.iter().chain(e.rollback.iter()).chain(e.traffic.iter()) {
            redact.extend(h.secret_envs().map(str::to_string));
        }
    }
    for f in flags.values() {
        if let Some(h) = &f.on_change {
            redact.extend(h.secret_envs().map(str::to_string));
        }
    }
    redact.extend(ledger.password_env.clone());
    redact.sort();
    redact.dedup();
    redact
}

fn join(names: &BTreeSet<String>) -> String {
    names.iter().cloned().collect::<Vec<_>>().join(", ")
}
