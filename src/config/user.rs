//! The user config: `$XDG_CONFIG_HOME/relcon/config.toml` (else
//! `~/.config/relcon/config.toml`). Personal settings that do not belong in
//! a project's relcon.toml:
//!
//! ```toml
//! theme = "light"                      # over the project's [ui] theme; --theme wins over both
//! [identity]
//! user = "ana@example.com"             # the actor when $RELCON_USER is not set
//! [keys.global]                        # like [keys.MODE] in relcon.toml, over the project's keys
//! "Q" = "quit"
//! [skin.prod]                          # a theme per environment: a loud prod
//! theme = "high-contrast"
//! ```
//!
//! Unknown keys are errors with file:line:col, like relcon.toml.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::schema::BindingRaw;
use super::{Config, ConfigError};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct UserRaw {
    theme: Option<String>,
    #[serde(default)]
    identity: IdentityRaw,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<BindingRaw>>>,
    #[serde(default)]
    skin: BTreeMap<String, SkinRaw>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct IdentityRaw {
    user: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkinRaw {
    theme: String,
}

/// Where the user config is (whether or not it exists).
pub fn path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("relcon/config.toml"))
}

fn read(path: &Path) -> Result<Option<(String, UserRaw)>, ConfigError> {
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // A home this user cannot even look into (a service account running
        // with another's HOME) holds no config of theirs: as if absent. A
        // file that is there but unreadable is still an error.
        Err(_) if path.try_exists().is_err() => return Ok(None),
        Err(e) => return Err(ConfigError::whole(path, format!("cannot read user config: {e}"))),
    };
    let raw: UserRaw = toml::from_str(&source)
        .map_err(|e| ConfigError::at(path, &source, e.span(), e.message().trim_end().to_string()))?;
    Ok(Some((source, raw)))
}

/// Lay the user config over a project's config: theme, keys, skins.
pub fn apply(config: &mut Config) -> Result<(), ConfigError> {
    let Some(path) = path() else { return Ok(()) };
    let Some((source, raw)) = read(&path)? else {
        return Ok(());
    };
    if let Some(t) = raw.theme {
        config.theme = t;
    }
    if !raw.keys.is_empty() {
        config.keymap = super::validate::layer_keys(&path, &source, config.keymap.clone(), raw.keys)?;
    }
    // A skin for an environment this project does not have is simply unused:
    // one user config serves many projects.
    config.skins = raw.skin.into_iter().map(|(env, s)| (env, s.theme)).collect();
    Ok(())
}

/// `[identity] user`, if the user config sets it (errors are reported when
/// the config is loaded, not here).
pub fn identity() -> Option<String> {
    let (_, raw) = read(&path()?).ok()??;
    raw.identity
        .user
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
}
