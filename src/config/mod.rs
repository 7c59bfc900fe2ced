//! `relcon.toml`: loading, validation and the validated types the rest of
//! relcon uses. Every error names file, line and column.

mod command;
mod duration;
mod error;
mod exports;
mod hook;
mod incident;
pub mod keys;
mod keyspec;
mod ledger;
mod notify;
mod rollout;
mod schema;
mod template;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A domain value; re-exported here because the config seeds it.
pub use crate::domain::FlagState;
pub use duration::format as format_duration;
pub use error::{line_col, ConfigError};
pub use exports::{dotenv_name, FlagExport};
pub use hook::{Hook, HookKind, Step, DEFAULT_TIMEOUT};
pub use keys::{Binding, Command, KeyCode, KeySpec, Keymap};
pub use ledger::{parse_url as parse_ledger_url, Identity, LedgerConfig, LedgerLocation, DEFAULT_LEASE_TTL};
pub use notify::{
    glob, Format as NotifyFormat, NotifySink, SinkKind, BODY_VARS as NOTIFY_BODY_VARS,
    DEFAULT_TIMEOUT as DEFAULT_NOTIFY_TIMEOUT,
};
pub use schema::{ExportFormat, VersionRaw as VersionSource};
pub use template::INIT_TEMPLATE;

use crate::domain::threshold::Threshold;
use crate::domain::FreezeWindow;

#[derive(Debug, Clone)]
pub struct Config {
    /// The config file itself.
    pub path: PathBuf,
    /// Its folder: hooks run here, relative paths resolve here.
    pub dir: PathBuf,
    pub project: Project,
    pub ledger: LedgerConfig,
    /// In pipeline order: every env comes after the one it promotes from.
    pub environments: Vec<Environment>,
    pub checklists: BTreeMap<String, ChecklistTemplate>,
    pub flags: BTreeMap<String, FlagDef>,
    pub exports: Vec<FlagExport>,
    pub prometheus: Option<Prometheus>,
    pub theme: String,
    pub keymap: Keymap,
    /// The rollback decision tree for incidents (`[incident]`).
    pub incident: crate::domain::incident::Tree,
    /// Progressive rollout plans (`[rollout.NAME]`).
    pub rollouts: BTreeMap<String, crate::domain::rollout::PlanSpec>,
    /// Names of env vars whose values are secrets (plus every webhook `token_env`).
    pub redact: Vec<String>,
    /// `[[notify]]` sinks, in file order.
    pub notify: Vec<NotifySink>,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    pub repo: Option<PathBuf>,
    /// Who is on call (`[announce] on_call`), for announcements.
    pub on_call: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub url: Option<String>,
    pub promote_from: Option<String>,
    pub protected: bool,
    pub approvals: u32,
    pub flag_approvals: u32,
    pub deploy: Option<Hook>,
    pub rollback: Option<Hook>,
    /// Sets a rollout's traffic weight (blue-green or canary routers).
    pub traffic: Option<Hook>,
    pub checklists_before: Vec<String>,
    pub checklists_after: Vec<String>,
    pub freeze: Vec<FreezeWindow>,
    pub require_healthy: bool,
    pub verify_timeout: Duration,
    pub health: Vec<HealthCheck>,
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone)]
pub struct HealthCheck {
    pub name: String,
    pub url: String,
    pub interval: Duration,
    pub timeout: Duration,
    pub version: Option<VersionSource>,
}

#[derive(Debug, Clone)]
pub struct Metric {
    pub name: String,
    pub query: String,
    pub warn: Option<Threshold>,
    pub fail: Option<Threshold>,
}

#[derive(Debug, Clone)]
pub struct ChecklistTemplate {
    pub name: String,
    pub title: String,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub text: String,
    pub hint: Option<String>,
    pub role: Option<String>,
    pub section: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FlagDef {
    pub name: String,
    pub description: Option<String>,
    /// Initial per-env state; the ledger wins once a change is recorded.
    pub env: BTreeMap<String, FlagState>,
    pub on_change: Option<Hook>,
}

#[derive(Debug, Clone)]
pub struct Prometheus {
    pub url: String,
    pub timeout: Duration,
}

impl Config {
    pub fn env(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// The env that promotes from `name` (the next stage), if any.
    pub fn next_env(&self, name: &str) -> Option<&Environment> {
        self.environments
            .iter()
            .find(|e| e.promote_from.as_deref() == Some(name))
    }

    pub fn env_names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| e.name.as_str()).collect()
    }

    /// Parse a config from text (`path` is used for messages and to resolve
    /// relative paths).
    pub fn parse(path: &Path, source: &str) -> Result<Config, ConfigError> {
        validate::parse(path, source)
    }

    /// Load from a file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source =
            std::fs::read_to_string(path).map_err(|e| ConfigError::whole(path, format!("cannot read config: {e}")))?;
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_else(|_| path.to_path_buf())
        };
        Config::parse(&abs, &source)
    }

    /// `--config PATH`, else `$RELCON_CONFIG`, else `./relcon.toml`.
    pub fn locate(explicit: Option<&Path>) -> PathBuf {
        if let Some(p) = explicit {
            return p.to_path_buf();
        }
        match std::env::var_os("RELCON_CONFIG") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from("relcon.toml"),
        }
    }
}
