//! From the serde shape to validated types, checking what serde cannot:
//! names unique, references resolve, the pipeline has no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

use super::keys::{Command, KeySpec, Keymap, MODES};
use super::schema::{BindingRaw, ItemRaw, RawConfig};
use super::*;

pub fn parse(path: &Path, source: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(source).map_err(|e| {
        let msg = e.message().trim_end().to_string();
        ConfigError::at(path, source, e.span(), msg)
    })?;
    let err = |span: std::ops::Range<usize>, msg: String| ConfigError::at(path, source, Some(span), msg);
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));

    let ledger = super::ledger::validate(raw.ledger, path, source, &dir)?;

    let mut checklists = BTreeMap::new();
    for (name, c) in raw.checklist {
        let span = c.span();
        let c = c.into_inner();
        if c.items.is_empty() {
            return Err(err(span, format!("checklist {name:?} has no items")));
        }
        let items = c
            .items
            .into_iter()
            .map(|i| match i {
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
            })
            .collect();
        checklists.insert(
            name.clone(),
            ChecklistTemplate {
                title: c.title.unwrap_or_else(|| name.clone()),
                name,
                items,
            },
        );
    }

    // Environments: unique names first, so references can be checked.
    let mut names: BTreeSet<String> = BTreeSet::new();
    for e in &raw.environments {
        let n = e.get_ref().name.get_ref();
        if !valid_name(n) {
            return Err(err(
                e.get_ref().name.span(),
                format!("environment name {n:?}: expected letters, digits, '-' or '_'"),
            ));
        }
        if !names.insert(n.clone()) {
            return Err(err(
                e.get_ref().name.span(),
                format!("duplicate environment name {n:?}: each [[environment]] needs a unique name"),
            ));
        }
    }
    let mut envs = Vec::new();
    // Where each env's promote_from is written, to point into a cycle.
    let mut from_spans: BTreeMap<String, std::ops::Range<usize>> = BTreeMap::new();
    for e in raw.environments {
        let span = e.span();
        let e = e.into_inner();
        let name = e.name.get_ref().clone();
        if let Some(from) = &e.promote_from {
            from_spans.insert(name.clone(), from.span());
            if !names.contains(from.get_ref()) {
                return Err(err(
                    from.span(),
                    format!(
                        "promote_from = {:?}: no environment has that name (expected one of: {})",
                        from.get_ref(),
                        join(&names)
                    ),
                ));
            }
            if from.get_ref() == &name {
                return Err(err(
                    from.span(),
                    format!("environment {name:?} cannot promote from itself"),
                ));
            }
        }
        let check_lists = |list: &[Spanned<String>]| -> Result<Vec<String>, ConfigError> {
            list.iter()
                .map(|c| {
                    if checklists.contains_key(c.get_ref()) {
                        Ok(c.get_ref().clone())
                    } else {
                        let known: BTreeSet<String> = checklists.keys().cloned().collect();
                        Err(err(
                            c.span(),
                            format!(
                                "checklist {:?} is not defined: expected a [checklist.NAME] table ({})",
                                c.get_ref(),
                                if known.is_empty() {
                                    "none defined".to_string()
                                } else {
                                    join(&known)
                                }
                            ),
                        ))
                    }
                })
                .collect()
        };
        let before = check_lists(&e.checklists.before)?;
        let after = check_lists(&e.checklists.after)?;
        let mut freeze = Vec::new();
        for f in &e.freeze {
            freeze.push(FreezeWindow::parse(f.get_ref()).map_err(|m| err(f.span(), m))?);
        }
        let health = e
            .health
            .into_iter()
            .map(|h| HealthCheck {
                name: h.name,
                url: h.url,
                interval: h.interval.map_or(Duration::from_secs(10), |d| d.0),
                timeout: h.timeout.map_or(Duration::from_secs(2), |d| d.0),
                version: h.version,
            })
            .collect();
        let mut metrics = Vec::new();
        for m in e.metric {
            let th = |t: &Option<Spanned<String>>| -> Result<Option<Threshold>, ConfigError> {
                t.as_ref()
                    .map(|t| Threshold::parse(t.get_ref()).map_err(|msg| err(t.span(), msg)))
                    .transpose()
            };
            metrics.push(Metric {
                warn: th(&m.warn)?,
                fail: th(&m.fail)?,
                name: m.name,
                query: m.query,
            });
        }
        if !metrics.is_empty() && raw.prometheus.is_none() {
            return Err(err(
                span,
                format!("environment {name:?} has [[environment.metric]] but there is no [prometheus] url"),
            ));
        }
        envs.push(Environment {
            name,
            url: e.url,
            promote_from: e.promote_from.map(Spanned::into_inner),
            protected: e.protected,
            approvals: e.approvals,
            flag_approvals: e.flag_approvals,
            deploy: e.deploy,
            rollback: e.rollback,
            checklists_before: before,
            checklists_after: after,
            freeze,
            require_healthy: e.require_healthy,
            verify_timeout: e.verify_timeout.map_or(Duration::from_secs(120), |d| d.0),
            health,
            metrics,
        });
    }
    let environments = pipeline_order(envs).map_err(|(cycle, member)| {
        ConfigError::at(
            path,
            source,
            from_spans.get(&member).cloned(),
            format!("the pipeline has a cycle: {cycle}; promote_from must lead back to a first environment"),
        )
    })?;

    let mut flag_spans: Vec<(String, std::ops::Range<usize>)> =
        raw.flag.iter().map(|(n, f)| (n.clone(), f.span())).collect();
    flag_spans.sort_by_key(|(_, s)| s.start);
    let env_list: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    let exports = super::exports::check(path, source, raw.export.flags, &env_list, &flag_spans)?;

    let mut flags = BTreeMap::new();
    for (fname, f) in raw.flag {
        let f = f.into_inner();
        let mut env = BTreeMap::new();
        for (ename, st) in f.env {
            if !names.contains(ename.get_ref()) {
                return Err(err(
                    ename.span(),
                    format!(
                        "flag {fname:?}: environment {:?} is not defined (expected one of: {})",
                        ename.get_ref(),
                        join(&names)
                    ),
                ));
            }
            let rollout = match &st.rollout {
                Some(r) if *r.get_ref() > 100 => {
                    return Err(err(
                        r.span(),
                        format!("rollout {} is out of range: expected 0 to 100", r.get_ref()),
                    ))
                }
                Some(r) => *r.get_ref(),
                None => 100,
            };
            env.insert(
                ename.into_inner(),
                FlagState {
                    enabled: st.enabled,
                    rollout,
                    targets: st.targets,
                },
            );
        }
        flags.insert(
            fname.clone(),
            FlagDef {
                name: fname,
                description: f.description,
                env,
                on_change: f.on_change,
            },
        );
    }

    let mut keymap = Keymap::defaults();
    for (mode, binds) in raw.keys {
        if !MODES.contains(&mode.get_ref().as_str()) {
            return Err(err(
                mode.span(),
                format!(
                    "[keys.{}]: unknown mode, expected one of: {}",
                    mode.get_ref(),
                    MODES.join(", ")
                ),
            ));
        }
        for (key, b) in binds {
            let spec = KeySpec::parse(key.get_ref()).ok_or_else(|| {
                err(
                    key.span(),
                    format!(
                        "key {:?}: expected a key like \"q\", \"ctrl-c\", \"space\", \"left\", \"f1\"",
                        key.get_ref()
                    ),
                )
            })?;
            let (run, desc) = match b.get_ref() {
                BindingRaw::Command(c) => (c.clone(), None),
                BindingRaw::Table { run, desc } => (run.clone(), desc.clone()),
                BindingRaw::Shell { shell, desc } => {
                    if shell.trim().is_empty() {
                        return Err(err(b.span(), "`shell` is empty: expected a command".into()));
                    }
                    keymap.bind_shell(mode.get_ref(), spec, shell.clone(), desc.clone());
                    continue;
                }
            };
            let cmd = Command::parse(&run).ok_or_else(|| {
                err(
                    b.span(),
                    format!(
                        "unknown command {run:?}: expected one of: {} (or {{ shell = \"…\" }})",
                        Command::all_names().join(", ")
                    ),
                )
            })?;
            keymap.bind(mode.get_ref(), spec, cmd, desc);
        }
    }

    let mut redact = raw.exec.redact;
    for e in &environments {
        for h in e.deploy.iter().chain(e.rollback.iter()) {
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
    // Checked last, so a half-written config reports its other mistakes first.
    if environments.is_empty() {
        return Err(err(
            0..0,
            "no environments: add at least one [[environment]] table with a name, e.g. name = \"staging\"".into(),
        ));
    }

    Ok(Config {
        path: path.to_path_buf(),
        project: Project {
            name: raw.project.name,
            repo: raw.project.repo.map(|r| dir.join(r)),
        },
        dir,
        ledger,
        environments,
        checklists,
        flags,
        exports,
        prometheus: raw.prometheus.map(|p| Prometheus {
            url: p.url,
            timeout: p.timeout.map_or(Duration::from_secs(5), |d| d.0),
        }),
        theme: raw.ui.theme.unwrap_or_else(|| "default".to_string()),
        keymap,
        redact,
    })
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn join(names: &BTreeSet<String>) -> String {
    names.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Order envs so each comes after its `promote_from`, keeping file order
/// otherwise. Err names the cycle, and one env that is on it.
fn pipeline_order(envs: Vec<Environment>) -> Result<Vec<Environment>, (String, String)> {
    let mut placed: Vec<Environment> = Vec::with_capacity(envs.len());
    let mut pending = envs;
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for e in pending {
            let ready = match &e.promote_from {
                None => true,
                Some(f) => placed.iter().any(|p| &p.name == f),
            };
            if ready {
                placed.push(e);
            } else {
                rest.push(e);
            }
        }
        if rest.len() == before {
            let chain: Vec<String> = rest
                .iter()
                .map(|e| format!("{} ← {}", e.name, e.promote_from.as_deref().unwrap_or("?")))
                .collect();
            // Every env left waits on another one left; following promote_from
            // from any of them must come back round: the repeat is on the cycle.
            let mut seen: Vec<&str> = Vec::new();
            let mut cur = rest[0].name.as_str();
            while !seen.contains(&cur) {
                seen.push(cur);
                match rest
                    .iter()
                    .find(|e| e.name == cur)
                    .and_then(|e| e.promote_from.as_deref())
                {
                    Some(next) => cur = next,
                    None => break,
                }
            }
            return Err((chain.join(", "), cur.to_string()));
        }
        pending = rest;
    }
    Ok(placed)
}
