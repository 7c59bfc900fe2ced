//! One error type for the whole program; each variant knows its exit code
//! (DESIGN.md §4): 1 runtime, 2 usage/config, 3 refused by a gate, 4 hook failed.

use crate::config::ConfigError;
use crate::domain::Gate;

#[derive(Debug)]
pub enum Error {
    /// Bad config: names file, line and column.
    Config(ConfigError),
    /// Bad usage: unknown env, unknown version, missing --yes without a TTY …
    Usage(String),
    /// Refused by one or more gates; every failing gate is listed.
    Refused {
        action: String,
        env: String,
        gates: Vec<Gate>,
    },
    /// A hook failed; the deployment is recorded as failed.
    HookFailed { env: String, number: u64, message: String },
    /// A rollout's traffic hook failed; the rollout is paused for a person.
    RolloutHookFailed {
        env: String,
        rollout: String,
        message: String,
    },
    /// Ledger, I/O or anything else at run time.
    Runtime(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Runtime(_) => 1,
            Error::Config(_) | Error::Usage(_) => 2,
            Error::Refused { .. } => 3,
            Error::HookFailed { .. } | Error::RolloutHookFailed { .. } => 4,
        }
    }
    pub fn usage(msg: impl Into<String>) -> Error {
        Error::Usage(msg.into())
    }
    pub fn runtime(msg: impl Into<String>) -> Error {
        Error::Runtime(msg.into())
    }

    /// The error as one sentence (a status line, a dialog), every failing
    /// gate named.
    pub fn plain(&self) -> String {
        match self {
            Error::Refused { action, env, gates } => {
                let list: Vec<String> = gates.iter().map(|g| format!("{}: {}", g.name, g.detail)).collect();
                format!(
                    "{action} into {env} refused by {} gate{}: {}",
                    gates.len(),
                    if gates.len() == 1 { "" } else { "s" },
                    list.join("; ")
                )
            }
            other => other.to_string().lines().map(str::trim).collect::<Vec<_>>().join(" "),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Config(e) => write!(f, "{e}"),
            Error::Usage(m) | Error::Runtime(m) => f.write_str(m),
            Error::Refused { action, env, gates } => {
                write!(
                    f,
                    "{action} into {env} refused by {} gate{}:",
                    gates.len(),
                    if gates.len() == 1 { "" } else { "s" }
                )?;
                for g in gates {
                    write!(f, "\n  ✖ {}: {}", g.name, g.detail)?;
                }
                Ok(())
            }
            Error::HookFailed { env, number, message } => {
                write!(f, "deployment {env} v{number} failed: {message}")
            }
            Error::RolloutHookFailed { env, rollout, message } => {
                write!(f, "rollout {rollout} in {env}: {message}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Runtime(format!("ledger: {e}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Runtime(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Runtime(format!("json: {e}"))
    }
}
