//! `[keys.MODE]`: known modes, parseable keys, known commands (or a shell
//! command), laid over the default keymap.

use std::collections::BTreeMap;

use toml::Spanned;

use super::super::keys::{Command, KeySpec, Keymap, MODES};
use super::super::schema::BindingRaw;
use super::Src;
use crate::config::ConfigError;

type RawKeys = BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<BindingRaw>>>;

pub(super) fn keymap(src: Src, raw: RawKeys) -> Result<Keymap, ConfigError> {
    layer(src, Keymap::defaults(), raw)
}

/// `raw` bound over `keymap` (the user config's keys over the project's).
pub(super) fn layer(src: Src, mut keymap: Keymap, raw: RawKeys) -> Result<Keymap, ConfigError> {
    for (mode, binds) in raw {
        if !MODES.contains(&mode.get_ref().as_str()) {
            return Err(src.err(
                mode.span(),
                format!(
                    "[keys.{}]: unknown mode, expected one of: {}",
                    mode.get_ref(),
                    MODES.join(", ")
                ),
            ));
        }
        for (key, b) in binds {
            bind(src, &mut keymap, mode.get_ref(), key, b)?;
        }
    }
    Ok(keymap)
}

fn bind(
    src: Src,
    keymap: &mut Keymap,
    mode: &str,
    key: Spanned<String>,
    b: Spanned<BindingRaw>,
) -> Result<(), ConfigError> {
    let spec = KeySpec::parse(key.get_ref()).ok_or_else(|| {
        src.err(
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
                return Err(src.err(b.span(), "`shell` is empty: expected a command".into()));
            }
            keymap.bind_shell(mode, spec, shell.clone(), desc.clone());
            return Ok(());
        }
    };
    let cmd = Command::parse(&run).ok_or_else(|| {
        src.err(
            b.span(),
            format!(
                "unknown command {run:?}: expected one of: {} (or {{ shell = \"…\" }})",
                Command::all_names().join(", ")
            ),
        )
    })?;
    keymap.bind(mode, spec, cmd, desc);
    Ok(())
}
