//! The Dashboard's action keys as intents: promote the selected env's
//! build to the next env, promote through the chain, roll back, approve,
//! clear a hold, resolve an interrupted deployment. Each is confirmed in its dialog;
//! when it makes no sense here, a word on the status line says why.

use super::Dashboard;
use crate::ops::intent::Intent;
use crate::tui::input::Asked;
use crate::tui::views::shared::interrupted;
use crate::tui::views::Shared;

impl Dashboard {
    /// `p`: the selected env's build to the next env.
    pub fn promote(sh: &Shared) -> Asked {
        let from = sh.env_name().to_string();
        match sh.config.next_env(&from).map(|e| e.name.clone()) {
            Some(to) => Asked::dialog(Intent::Promote { from, to, expect: None }),
            None => Asked::say(format!("{from} is the last stage: nothing promotes from it")),
        }
    }

    /// `P`: the whole chain into the selected env.
    pub fn promote_through(sh: &Shared) -> Asked {
        let target = sh.env_name().to_string();
        if sh.config.env(&target).is_some_and(|e| e.promote_from.is_none()) {
            return Asked::say(format!(
                "{target} is the first stage: select a later one to promote through to it"
            ));
        }
        Asked::dialog(Intent::PromoteThrough { target })
    }

    /// `r`: roll back to the highlighted release when it is an older
    /// succeeded one; otherwise to ops' default target.
    /// `Enter` on a release: what it changed since the succeeded release
    /// before it (the same as `relcon diff ENV vN`).
    pub fn diff(&self, sh: &Shared) -> Asked {
        let env = sh.env_name().to_string();
        match self.release(sh, self.history.cursor) {
            Some(r) => Asked::Diff(
                format!("What changed · {env} v{}", r.number),
                crate::tui::event::DiffAsk::Releases {
                    env,
                    from: None,
                    to: Some(r.number),
                },
            ),
            None => Asked::say(format!("{env} has no release here to compare")),
        }
    }

    pub fn rollback(&self, sh: &Shared) -> Asked {
        let env = sh.env_name().to_string();
        let current = sh.env_status().and_then(|e| e.release.as_ref()).map(|r| r.number);
        let Some(current) = current else {
            return Asked::say(format!("{env} has no current release to roll back from"));
        };
        let to = self.rollback_pick(sh, current);
        Asked::dialog(Intent::Rollback { env, to })
    }

    /// `a`: approve the build waiting to go into the selected env.
    pub fn approve(sh: &Shared) -> Asked {
        let env = sh.env_name().to_string();
        match sh
            .env_status()
            .and_then(|e| e.pending.as_ref())
            .map(|p| p.version.clone())
        {
            Some(version) => Asked::dialog(Intent::Approve {
                env,
                version,
                note: None,
            }),
            None => Asked::say(format!("{env} has no pending build to approve")),
        }
    }

    /// `H`: clear the selected env's hold.
    pub fn hold_clear(sh: &Shared) -> Asked {
        let env = sh.env_name().to_string();
        if sh.env_status().is_some_and(|e| e.hold.is_none()) {
            return Asked::say(format!("{env} has no hold to clear"));
        }
        Asked::dialog(Intent::HoldClear { env })
    }

    /// `R`: settle the selected env's interrupted deployment.
    pub fn resolve(sh: &Shared) -> Asked {
        let env = sh.env_name().to_string();
        let waiting = sh
            .env_status()
            .and_then(|e| e.deployment.as_ref())
            .is_some_and(interrupted);
        if !waiting {
            return Asked::say(format!("{env} has no interrupted deployment to resolve"));
        }
        Asked::dialog(Intent::Resolve { env, succeeded: true })
    }
}
