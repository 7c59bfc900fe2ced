//! `[[environment]]`: unique names, references that resolve (promote_from,
//! checklists), freeze windows, metric thresholds, and a pipeline without a
//! cycle, in promotion order.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use super::super::schema::{EnvRaw, HealthRaw, MetricRaw};
use super::{join, Src};
use crate::config::{ChecklistTemplate, ConfigError, Environment, HealthCheck, Metric};
use crate::domain::threshold::Threshold;
use crate::domain::FreezeWindow;

pub(super) struct Checked {
    /// Every environment's name, for references from elsewhere.
    pub names: BTreeSet<String>,
    /// In pipeline order: each after the one it promotes from.
    pub environments: Vec<Environment>,
}

pub(super) fn environments(
    src: Src,
    raw: Vec<Spanned<EnvRaw>>,
    checklists: &BTreeMap<String, ChecklistTemplate>,
    has_prometheus: bool,
) -> Result<Checked, ConfigError> {
    // Unique names first, so references can be checked.
    let names = unique_names(src, &raw)?;
    let mut envs = Vec::new();
    // Where each env's promote_from is written, to point into a cycle.
    let mut from_spans: BTreeMap<String, Range<usize>> = BTreeMap::new();
    for e in raw {
        if let Some(from) = &e.get_ref().promote_from {
            from_spans.insert(e.get_ref().name.get_ref().clone(), from.span());
        }
        envs.push(environment(src, e, &names, checklists, has_prometheus)?);
    }
    let environments = pipeline_order(envs).map_err(|(cycle, member)| {
        ConfigError::at(
            src.path,
            src.source,
            from_spans.get(&member).cloned(),
            format!("the pipeline has a cycle: {cycle}; promote_from must lead back to a first environment"),
        )
    })?;
    Ok(Checked { names, environments })
}

fn unique_names(src: Src, raw: &[Spanned<EnvRaw>]) -> Result<BTreeSet<String>, ConfigError> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for e in raw {
        let n = e.get_ref().name.get_ref();
        if !valid_name(n) {
            return Err(src.err(
                e.get_ref().name.span(),
                format!("environment name {n:?}: expected letters, digits, '-' or '_'"),
            ));
        }
        if !names.insert(n.clone()) {
            return Err(src.err(
                e.get_ref().name.span(),
                format!("duplicate environment name {n:?}: each [[environment]] needs a unique name"),
            ));
        }
    }
    Ok(names)
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn environment(
    src: Src,
    e: Spanned<EnvRaw>,
    names: &BTreeSet<String>,
    checklists: &BTreeMap<String, ChecklistTemplate>,
    has_prometheus: bool,
) -> Result<Environment, ConfigError> {
    let span = e.span();
    let e = e.into_inner();
    let name = e.name.get_ref().clone();
    if let Some(from) = &e.promote_from {
        if !names.contains(from.get_ref()) {
            return Err(src.err(
                from.span(),
                format!(
                    "promote_from = {:?}: no environment has that name (expected one of: {})",
                    from.get_ref(),
                    join(names)
                ),
            ));
        }
        if from.get_ref() == &name {
            return Err(src.err(from.span(), format!("environment {name:?} cannot promote from itself")));
        }
    }
    let before = checklist_names(src, &e.checklists.before, checklists)?;
    let after = checklist_names(src, &e.checklists.after, checklists)?;
    let freeze = e
        .freeze
        .iter()
        .map(|f| FreezeWindow::parse(f.get_ref()).map_err(|m| src.err(f.span(), m)))
        .collect::<Result<Vec<_>, _>>()?;
    let metrics = e
        .metric
        .into_iter()
        .map(|m| metric(src, m))
        .collect::<Result<Vec<_>, _>>()?;
    if !metrics.is_empty() && !has_prometheus {
        return Err(src.err(
            span,
            format!("environment {name:?} has [[environment.metric]] but there is no [prometheus] url"),
        ));
    }
    Ok(Environment {
        name,
        url: e.url,
        promote_from: e.promote_from.map(Spanned::into_inner),
        protected: e.protected,
        approvals: e.approvals,
        flag_approvals: e.flag_approvals,
        deploy: e.deploy,
        rollback: e.rollback,
        traffic: e.traffic,
        checklists_before: before,
        checklists_after: after,
        freeze,
        require_healthy: e.require_healthy,
        verify_timeout: e.verify_timeout.map_or(Duration::from_secs(120), |d| d.0),
        health: e.health.into_iter().map(health).collect(),
        metrics,
    })
}

fn checklist_names(
    src: Src,
    list: &[Spanned<String>],
    checklists: &BTreeMap<String, ChecklistTemplate>,
) -> Result<Vec<String>, ConfigError> {
    list.iter()
        .map(|c| {
            if checklists.contains_key(c.get_ref()) {
                return Ok(c.get_ref().clone());
            }
            let known: BTreeSet<String> = checklists.keys().cloned().collect();
            Err(src.err(
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
        })
        .collect()
}

fn health(h: HealthRaw) -> HealthCheck {
    HealthCheck {
        name: h.name,
        url: h.url,
        interval: h.interval.map_or(Duration::from_secs(10), |d| d.0),
        timeout: h.timeout.map_or(Duration::from_secs(2), |d| d.0),
        version: h.version,
    }
}

fn metric(src: Src, m: MetricRaw) -> Result<Metric, ConfigError> {
    let th = |t: &Option<Spanned<String>>| -> Result<Option<Threshold>, ConfigError> {
        t.as_ref()
            .map(|t| Threshold::parse(t.get_ref()).map_err(|msg| src.err(t.span(), msg)))
            .transpose()
    };
    Ok(Metric {
        warn: th(&m.warn)?,
        fail: th(&m.fail)?,
        name: m.name,
        query: m.query,
    })
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
