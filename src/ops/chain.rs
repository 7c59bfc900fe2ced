//! `promote --through ENV`: the whole chain, one gated step at a time.

use crate::domain::Release;
use crate::error::{Error, Result};
use crate::exec::CancelToken;

use super::deploy::{promote, Options, Progress};
use super::Ctx;

/// The chain of promotions that brings `target` up to date: each env on the
/// path from the first stage, in order, as (from, to).
pub fn chain_to(ctx: &Ctx, target: &str) -> Result<Vec<(String, String)>> {
    chain_of(&ctx.config, target)
}

pub fn chain_of(config: &crate::config::Config, target: &str) -> Result<Vec<(String, String)>> {
    let env = |name: &str| {
        config.env(name).ok_or_else(|| {
            Error::usage(format!(
                "unknown environment {name:?}: expected one of {}",
                config.env_names().join(", ")
            ))
        })
    };
    let mut path = Vec::new();
    let mut cur = env(target)?;
    while let Some(from) = &cur.promote_from {
        path.push((from.clone(), cur.name.clone()));
        cur = env(from)?;
    }
    if path.is_empty() {
        return Err(Error::usage(format!(
            "{target} is the first stage: nothing promotes into it"
        )));
    }
    path.reverse();
    Ok(path)
}

/// `promote --through ENV`: one gated step at a time, stopping at the first
/// refusal or failure. Steps whose target already runs the source's build are
/// skipped. Returns the releases made.
pub fn promote_through(
    ctx: &mut Ctx,
    target: &str,
    opts: &Options,
    on: &mut dyn FnMut(Progress),
    cancel: &CancelToken,
) -> Result<Vec<Release>> {
    let mut made = Vec::new();
    for (from, to) in chain_to(ctx, target)? {
        let view = ctx.store.view();
        let src = view.current_release(&from)?;
        let dst = view.current_release(&to)?;
        match (&src, &dst) {
            (None, _) => return Err(Error::usage(format!("{from} has no current release to promote"))),
            (Some(s), Some(d)) if s.version == d.version => continue,
            _ => {}
        }
        let step_opts = Options {
            expect: None,
            ..opts.clone()
        };
        made.push(promote(ctx, &from, &to, &step_opts, on, cancel)?);
    }
    Ok(made)
}
