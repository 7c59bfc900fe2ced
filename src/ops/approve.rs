//! `relcon approve ENV VERSION`: one person's approval of one build into one env.

use crate::error::{Error, Result};
use crate::ledger::bodies::ApprovalGranted;
use crate::ledger::{kind, NewEvent};

use super::Ctx;

pub fn approve(ctx: &mut Ctx, env: &str, version: &str, note: Option<String>) -> Result<Vec<String>> {
    ctx.env(env)?;
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let env_s = env.to_string();
    let flags: Vec<String> = ctx.config.flags.keys().cloned().collect();
    let body = ApprovalGranted {
        version: version.to_string(),
        note,
    };
    ctx.store.transact(now, &actor, &mut |view| {
        // Flag changes are approved as `flag:NAME=STATE` (see ops::flags).
        if let Some(subject) = version.strip_prefix("flag:") {
            let name = subject.split('=').next().unwrap_or_default();
            if !flags.contains(&name.to_string()) || !subject.contains('=') {
                return Err(Error::usage(format!(
                    "{version:?}: expected flag:NAME=STATE with a defined flag, e.g. flag:customer_portal=25%"
                )));
            }
        } else if view.build(version)?.is_none() {
            return Err(Error::usage(format!("build {version} is not registered")));
        }
        if view
            .approvers(&env_s, version)?
            .iter()
            .any(|a| crate::domain::gates::same_person(a, &actor))
        {
            return Err(Error::usage(format!(
                "{actor} has already approved {version} into {env_s}"
            )));
        }
        Ok(vec![NewEvent::new(kind::APPROVAL_GRANTED, Some(&env_s), &body)])
    })?;
    ctx.store.view().approvers(env, version)
}
