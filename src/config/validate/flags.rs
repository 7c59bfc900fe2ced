//! `[flag.NAME]`: each env a flag names must exist; rollout is a percent.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::super::schema::{FlagRaw, FlagStateRaw};
use super::{join, Src};
use crate::config::{ConfigError, FlagDef, FlagState};

pub(super) fn flags(
    src: Src,
    raw: BTreeMap<String, Spanned<FlagRaw>>,
    env_names: &BTreeSet<String>,
) -> Result<BTreeMap<String, FlagDef>, ConfigError> {
    let mut flags = BTreeMap::new();
    for (fname, f) in raw {
        let f = f.into_inner();
        let mut env = BTreeMap::new();
        for (ename, st) in f.env {
            if !env_names.contains(ename.get_ref()) {
                return Err(src.err(
                    ename.span(),
                    format!(
                        "flag {fname:?}: environment {:?} is not defined (expected one of: {})",
                        ename.get_ref(),
                        join(env_names)
                    ),
                ));
            }
            env.insert(ename.into_inner(), state(src, st)?);
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
    Ok(flags)
}

fn state(src: Src, st: FlagStateRaw) -> Result<FlagState, ConfigError> {
    let rollout = match &st.rollout {
        Some(r) if *r.get_ref() > 100 => {
            return Err(src.err(
                r.span(),
                format!("rollout {} is out of range: expected 0 to 100", r.get_ref()),
            ))
        }
        Some(r) => *r.get_ref(),
        None => 100,
    };
    Ok(FlagState {
        enabled: st.enabled,
        rollout,
        targets: st.targets,
    })
}
