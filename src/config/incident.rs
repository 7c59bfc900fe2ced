//! `[incident]`: the rollback decision tree, one table per severity. Each
//! severity left out keeps the runbook's branch (`domain::incident::Tree`).
//!
//! ```toml
//! [incident.high]
//! prefer = ["kill-flag", "rollback"]   # tried in order: the first that can be done
//! affected_over = 10                    # prefer only above 10 % of users affected
//! otherwise = ["hotfix"]
//! ```

use std::path::Path;
use toml::Spanned;

use super::ConfigError;
use crate::domain::incident::{Branch, Remedy, Tree};

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct IncidentRaw {
    pub critical: Option<BranchRaw>,
    pub high: Option<BranchRaw>,
    pub medium: Option<BranchRaw>,
    pub low: Option<BranchRaw>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchRaw {
    pub prefer: Spanned<Vec<Spanned<String>>>,
    pub affected_over: Option<Spanned<u32>>,
    #[serde(default)]
    pub otherwise: Vec<Spanned<String>>,
}

const NAMES: &str = "\"kill-flag\", \"rollback\", \"hotfix\" or \"record\"";

fn remedies(path: &Path, source: &str, list: &[Spanned<String>]) -> Result<Vec<Remedy>, ConfigError> {
    list.iter()
        .map(|r| {
            Remedy::parse(r.get_ref()).ok_or_else(|| {
                ConfigError::at(
                    path,
                    source,
                    Some(r.span()),
                    format!("{:?} is not an incident action: expected {NAMES}", r.get_ref()),
                )
            })
        })
        .collect()
}

fn branch(path: &Path, source: &str, raw: Option<BranchRaw>, default: Branch) -> Result<Branch, ConfigError> {
    let Some(raw) = raw else { return Ok(default) };
    if raw.prefer.get_ref().is_empty() {
        return Err(ConfigError::at(
            path,
            source,
            Some(raw.prefer.span()),
            format!("prefer is empty: name at least one of {NAMES}"),
        ));
    }
    if let Some(a) = &raw.affected_over {
        if *a.get_ref() > 100 {
            return Err(ConfigError::at(
                path,
                source,
                Some(a.span()),
                "affected_over is a percentage: 0 to 100",
            ));
        }
    }
    Ok(Branch {
        prefer: remedies(path, source, raw.prefer.get_ref())?,
        affected_over: raw.affected_over.map(|a| a.into_inner()),
        otherwise: remedies(path, source, &raw.otherwise)?,
    })
}

pub fn validate(raw: IncidentRaw, path: &Path, source: &str) -> Result<Tree, ConfigError> {
    let d = Tree::default();
    Ok(Tree {
        critical: branch(path, source, raw.critical, d.critical)?,
        high: branch(path, source, raw.high, d.high)?,
        medium: branch(path, source, raw.medium, d.medium)?,
        low: branch(path, source, raw.low, d.low)?,
    })
}
