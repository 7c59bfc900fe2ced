//! `[ledger]`: where the ledger lives (SQLite file or PostgreSQL server),
//! how the database password arrives, who the actor is, and how long a
//! silent deployment keeps its environment.

use std::path::Path;
use std::time::Duration;
use toml::Spanned;

use super::duration::Humane;
use super::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerLocation {
    Sqlite(std::path::PathBuf),
    /// A `postgres://` URL, without a password (that comes from `password_env`).
    Postgres(String),
}

/// Who the actor of an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Identity {
    /// `$RELCON_USER`, else git's user.email, else `$USER`.
    #[default]
    User,
    /// The authenticated database role: cannot be changed by an env var.
    Database,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerConfig {
    pub location: LedgerLocation,
    /// The env var holding the database password.
    pub password_env: Option<String>,
    pub identity: Identity,
    pub lease_ttl: Duration,
}

pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LedgerRaw {
    pub url: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
    pub identity: Option<Spanned<String>>,
    pub lease_ttl: Option<Spanned<Humane>>,
}

/// A `sqlite:PATH` or `postgres://…` URL; relative SQLite paths are
/// relative to the config's folder.
pub fn parse_url(url: &str, dir: &Path) -> Result<LedgerLocation, String> {
    let url = url.trim();
    if let Some(p) = url.strip_prefix("sqlite:") {
        let p = p.strip_prefix("//").unwrap_or(p);
        if p.is_empty() {
            return Err("\"sqlite:\" needs a path, e.g. \"sqlite:.relcon/ledger.db\"".into());
        }
        return Ok(LedgerLocation::Sqlite(dir.join(p)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(LedgerLocation::Postgres(url.to_string()));
    }
    Err(format!(
        "ledger url {url:?} is not supported: expected \"sqlite:PATH\" (relative to the config's folder) or \"postgres://USER@HOST:PORT/DB\""
    ))
}

/// The password a postgres URL carries (`user:secret@host`), if any.
fn password_in(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let (userinfo, _) = authority.rsplit_once('@')?;
    userinfo.split_once(':').map(|(_, p)| p)
}

pub fn validate(raw: LedgerRaw, path: &Path, source: &str, dir: &Path) -> Result<LedgerConfig, ConfigError> {
    let err = |span: std::ops::Range<usize>, msg: String| ConfigError::at(path, source, Some(span), msg);
    let location = match (
        std::env::var("RELCON_LEDGER_URL").ok().filter(|u| !u.trim().is_empty()),
        &raw.url,
    ) {
        // The environment wins, so one config serves a laptop and a team server.
        (Some(u), _) => parse_url(&u, dir).map_err(|m| ConfigError::whole(path, format!("$RELCON_LEDGER_URL: {m}")))?,
        (None, Some(u)) => {
            let loc = parse_url(u.get_ref(), dir).map_err(|m| err(u.span(), m))?;
            if let (LedgerLocation::Postgres(_), Some(pw)) = (&loc, password_in(u.get_ref())) {
                let mut e = err(
                    u.span(),
                    "the ledger url holds a password: keep it out of the file and name the variable that holds it with `password_env = \"RELCON_DB_PASSWORD\"`".into(),
                );
                // Not even the error may show it.
                if !pw.is_empty() {
                    e.snippet = e.snippet.map(|line| line.replace(pw, "***"));
                }
                return Err(e);
            }
            loc
        }
        (None, None) => LedgerLocation::Sqlite(dir.join(".relcon/ledger.db")),
    };
    let identity = match &raw.identity {
        None => Identity::User,
        Some(i) => match i.get_ref().as_str() {
            "user" => Identity::User,
            "database" if matches!(location, LedgerLocation::Postgres(_)) => Identity::Database,
            "database" => {
                return Err(err(
                    i.span(),
                    "identity = \"database\" needs a PostgreSQL ledger (url = \"postgres://…\"): a SQLite file has no login to take the actor from".into(),
                ))
            }
            other => return Err(err(i.span(), format!("identity {other:?}: expected \"user\" or \"database\""))),
        },
    };
    let lease_ttl = match &raw.lease_ttl {
        None => DEFAULT_LEASE_TTL,
        Some(t) if t.get_ref().0 < Duration::from_secs(2) => {
            return Err(err(
                t.span(),
                "lease_ttl must be at least 2s: heartbeats come every third of it".into(),
            ))
        }
        Some(t) => t.get_ref().0,
    };
    if let Some(p) = &raw.password_env {
        let name = p.get_ref();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(err(
                p.span(),
                format!(
                    "password_env {name:?}: expected the name of an environment variable, e.g. \"RELCON_DB_PASSWORD\""
                ),
            ));
        }
    }
    Ok(LedgerConfig {
        location,
        password_env: raw.password_env.map(|p| p.into_inner()),
        identity,
        lease_ttl,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_passwords() {
        let dir = Path::new("/p");
        assert_eq!(
            parse_url("sqlite:.relcon/l.db", dir),
            Ok(LedgerLocation::Sqlite("/p/.relcon/l.db".into()))
        );
        assert!(matches!(
            parse_url("postgresql://u@h/db", dir),
            Ok(LedgerLocation::Postgres(_))
        ));
        assert!(parse_url("mysql://h/db", dir).is_err());
        assert!(parse_url("sqlite:", dir).is_err());
        assert_eq!(password_in("postgres://u:secret@h:5432/db"), Some("secret"));
        assert_eq!(password_in("postgres://u@h:5432/db?sslmode=require"), None);
        assert_eq!(password_in("postgres://h/db?options=a:b"), None);
    }
}
