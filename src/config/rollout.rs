//! `[rollout.NAME]`: progressive rollout plans (DESIGN §12).
//!
//! ```toml
//! [rollout.gradual]
//! steps = [
//!   { weight = 5,  soak = "2h" },
//!   { weight = 25, soak = "4h" },
//!   { weight = 50, soak = "8h", confirm = true },
//!   { weight = 100 },
//! ]
//! analysis = { interval = "1m", failure_limit = 3, checks = ["health", "error rate"] }
//! on_abort = "kill"
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::Spanned;

use super::duration::{Humane, Positive};
use super::{ConfigError, Environment};
use crate::domain::rollout::{AnalysisSpec, OnAbort, PlanSpec, StepSpec};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutRaw {
    pub steps: Spanned<Vec<Spanned<StepRaw>>>,
    pub analysis: Option<Spanned<AnalysisRaw>>,
    pub on_abort: Option<Spanned<String>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRaw {
    pub weight: Spanned<u32>,
    pub soak: Option<Humane>,
    #[serde(default)]
    pub confirm: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisRaw {
    pub interval: Positive,
    pub failure_limit: Spanned<u32>,
    pub checks: Spanned<Vec<Spanned<String>>>,
}

fn err(path: &Path, source: &str, span: std::ops::Range<usize>, msg: String) -> ConfigError {
    ConfigError::at(path, source, Some(span), msg)
}

/// Every plan, checked: weights rise to 100, analysis names checks that exist.
pub fn validate(
    raw: BTreeMap<String, Spanned<RolloutRaw>>,
    path: &Path,
    source: &str,
    envs: &[Environment],
) -> Result<BTreeMap<String, PlanSpec>, ConfigError> {
    // Every check name some environment has: a plan may serve several.
    let mut known: BTreeSet<&str> = BTreeSet::from(["health"]);
    for e in envs {
        known.extend(e.health.iter().map(|h| h.name.as_str()));
        known.extend(e.metrics.iter().map(|m| m.name.as_str()));
    }
    let mut out = BTreeMap::new();
    for (name, r) in raw {
        let span = r.span();
        let r = r.into_inner();
        if r.steps.get_ref().is_empty() {
            return Err(err(
                path,
                source,
                r.steps.span(),
                format!("rollout {name:?} has no steps"),
            ));
        }
        let mut steps = Vec::new();
        let mut last = 0;
        for s in r.steps.into_inner() {
            let s_span = s.span();
            let s = s.into_inner();
            let w = *s.weight.get_ref();
            if w == 0 || w > 100 {
                return Err(err(
                    path,
                    source,
                    s.weight.span(),
                    format!("weight {w}: expected a percentage from 1 to 100"),
                ));
            }
            if w <= last {
                return Err(err(
                    path,
                    source,
                    s.weight.span(),
                    format!("weight {w} after {last}: each step's weight must be higher than the one before"),
                ));
            }
            last = w;
            let _ = s_span;
            steps.push(StepSpec {
                weight: w,
                soak_ms: s.soak.map_or(0, |d| d.0.as_millis() as u64),
                confirm: s.confirm,
            });
        }
        if last != 100 {
            return Err(err(
                path,
                source,
                span,
                format!("rollout {name:?} ends at {last} %: the last step must have weight = 100"),
            ));
        }
        let analysis = match r.analysis {
            None => None,
            Some(a) => {
                let a = a.into_inner();
                if *a.failure_limit.get_ref() == 0 {
                    return Err(err(
                        path,
                        source,
                        a.failure_limit.span(),
                        "failure_limit must be at least 1".into(),
                    ));
                }
                if a.checks.get_ref().is_empty() {
                    return Err(err(
                        path,
                        source,
                        a.checks.span(),
                        "checks is empty: name health checks or metrics, or \"health\" for every health check".into(),
                    ));
                }
                for c in a.checks.get_ref() {
                    if !known.contains(c.get_ref().as_str()) {
                        return Err(err(
                            path,
                            source,
                            c.span(),
                            format!(
                                "check {:?} is not a health check or metric of any environment (expected \"health\" or one of: {})",
                                c.get_ref(),
                                known.iter().copied().filter(|k| *k != "health").collect::<Vec<_>>().join(", ")
                            ),
                        ));
                    }
                }
                Some(AnalysisSpec {
                    interval_ms: a.interval.0.as_millis() as u64,
                    failure_limit: a.failure_limit.into_inner(),
                    checks: a.checks.into_inner().into_iter().map(Spanned::into_inner).collect(),
                })
            }
        };
        let on_abort = match r.on_abort {
            None => OnAbort::Kill,
            Some(o) => OnAbort::parse(o.get_ref()).ok_or_else(|| {
                err(
                    path,
                    source,
                    o.span(),
                    format!(
                        "on_abort = {:?}: expected \"kill\", \"zero\" or \"rollback\"",
                        o.get_ref()
                    ),
                )
            })?,
        };
        out.insert(
            name.clone(),
            PlanSpec {
                name,
                steps,
                analysis,
                on_abort,
            },
        );
    }
    Ok(out)
}
