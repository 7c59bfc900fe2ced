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
pub mod user;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A domain value; re-exported here because the config seeds it.
pub use crate::domain::FlagState;
pub use duration::format as format_duration;
pub use error::{line_col, ConfigError};
pub use exports::{dotenv_name, FlagExport};
pub use hook::{GithubWorkflow, HeaderValue, Hook, HookKind, Step, Webhook, DEFAULT_TIMEOUT, HOOK_VARS};
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
    /// Per-environment themes from the user config (`[skin.prod]`), e.g. a
    /// loud prod; empty when there is none.
    pub skins: BTreeMap<String, String>,
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
    /// Sent with every query; secret values come from named variables.
    pub headers: BTreeMap<String, HeaderValue>,
    /// A variable holding a bearer token (`Authorization: Bearer …`).
    pub token_env: Option<String>,
}

impl Prometheus {
    /// The headers to send, secrets read now; an unset variable is named.
    pub fn resolved_headers(&self) -> Result<Vec<(String, String)>, String> {
        let read = |name: &str| match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(v),
            _ => Err(format!("{name} is not set")),
        };
        let mut out = Vec::new();
        if let Some(t) = &self.token_env {
            out.push(("Authorization".to_string(), format!("Bearer {}", read(t)?)));
        }
        for (k, v) in &self.headers {
            let v = match v {
                HeaderValue::Literal(s) => s.clone(),
                HeaderValue::Secret { env } => read(env)?,
            };
            out.push((k.clone(), v));
        }
        Ok(out)
    }

    /// Names of the variables holding secrets.
    pub fn secret_envs(&self) -> impl Iterator<Item = &str> {
        self.token_env
            .iter()
            .map(String::as_str)
            .chain(self.headers.values().filter_map(|h| match h {
                HeaderValue::Secret { env } => Some(env.as_str()),
                HeaderValue::Literal(_) => None,
            }))
    }
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
        let mut config = Config::parse(&abs, &source)?;
        user::apply(&mut config)?;
        Ok(config)
    }

    /// `--config PATH`, else `$RELCON_CONFIG`, else `relcon.toml` in the
    /// working folder or its nearest parent (as git finds its repository),
    /// else `./relcon.toml` (which then names what is missing).
    pub fn locate(explicit: Option<&Path>) -> PathBuf {
        if let Some(p) = explicit {
            return p.to_path_buf();
        }
        match std::env::var_os("RELCON_CONFIG") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => std::env::current_dir()
                .ok()
                .and_then(|cwd| discover(&cwd))
                .unwrap_or_else(|| PathBuf::from("relcon.toml")),
        }
    }
}

/// The nearest `relcon.toml` at or above `start` (plain `relcon.toml`
/// when it is in `start` itself, so messages stay as short as before).
pub fn discover(start: &Path) -> Option<PathBuf> {
    if start.join("relcon.toml").is_file() {
        return Some(PathBuf::from("relcon.toml"));
    }
    start
        .ancestors()
        .skip(1)
        .map(|d| d.join("relcon.toml"))
        .find(|p| p.is_file())
}
