//! User commands bound to keys (`[keys.MODE] "F" = { shell = "…" }`), like
//! k9s plugins: run in the config's folder with the selected env in
//! RELCON_ENV. Not recorded in the ledger: they are the user's own tools.

use crate::config::Hook;
use crate::error::{Error, Result};
use crate::exec::{self, CancelToken};

use super::Ctx;

/// Run user command `index` for `env`; returns its output (last lines first
/// trimmed to what a status line can show).
pub fn run(ctx: &Ctx, index: u16, env: Option<&str>) -> Result<String> {
    let cmd = ctx
        .config
        .keymap
        .shell
        .get(index as usize)
        .ok_or_else(|| Error::usage("no such key command"))?;
    let vars: Vec<(String, String)> = [
        ("RELCON_ENV", env.unwrap_or_default().to_string()),
        (
            "RELCON_ENV_URL",
            env.and_then(|e| ctx.config.env(e))
                .and_then(|e| e.url.clone())
                .unwrap_or_default(),
        ),
        ("RELCON_PROJECT", ctx.config.project.name.clone()),
        ("RELCON_ACTOR", ctx.actor.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let outcome = exec::run_hook(
        &Hook::shell(cmd),
        &ctx.config.dir,
        &vars,
        &ctx.redactor(),
        &CancelToken::default(),
        &mut |_| {},
    );
    let text = outcome.output.trim().to_string();
    if outcome.ok {
        Ok(text)
    } else {
        Err(Error::runtime(format!(
            "{}{}",
            outcome.error.unwrap_or_else(|| "command failed".into()),
            if text.is_empty() {
                String::new()
            } else {
                format!(": {text}")
            }
        )))
    }
}
