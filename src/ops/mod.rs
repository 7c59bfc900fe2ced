//! Use cases. The CLI and the TUI both call these and nothing else writes
//! the ledger or runs a hook: one path for every action.

pub mod announce;
pub mod approve;
pub mod audit;
pub mod chain;
pub mod checklist;
pub mod commits;
pub mod deploy;
pub mod diff;
pub mod exports;
mod flag_change;
pub mod flag_state;
pub mod flags;
pub mod health;
pub mod hold;
pub mod identity;
pub mod incident;
pub mod insights;
pub mod intent;
pub mod lease;
pub mod ledger_admin;
pub mod metrics;
pub mod notify;
pub mod plan;
pub mod policy;
pub mod recover;
pub mod register;
pub mod review;
pub mod rollout;
pub mod shell_key;
pub mod status;

use chrono::{DateTime, Utc};
use std::sync::Arc;

use crate::config::Config;
use crate::error::Result;
use crate::exec::Redactor;
use crate::ledger::{self, Store};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The config for `--config PATH` (else `$RELCON_CONFIG`, else
/// `./relcon.toml`), with a helpful word when there is none. Both front
/// ends load it here.
pub fn load_config(explicit: Option<&std::path::Path>) -> Result<Config> {
    let path = Config::locate(explicit);
    if !path.exists() {
        return Err(crate::Error::usage(format!(
            "no config at {}: run `relcon init` to write a commented relcon.toml, or `relcon demo` to try the sandbox",
            path.display()
        )));
    }
    tracing::debug!(path = %path.display(), "config");
    Ok(Config::load(&path)?)
}

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Everything a use case needs: config, store, who is acting, and the time.
pub struct Ctx {
    pub config: Config,
    pub store: Box<dyn Store>,
    pub actor: String,
    pub clock: Clock,
    pub host: String,
    /// Opened with `open_read_only`: this process records nothing and
    /// writes no export.
    pub read_only: bool,
    /// What opening could not do (an export it could not repair), for the
    /// front end to show.
    pub notices: Vec<String>,
}

impl Ctx {
    /// Open the ledger the config names, as `actor`; mark deployments whose
    /// relcon process died as interrupted, then bring stale exports up to
    /// date (a change whose process died before exporting is published now).
    pub fn open(config: Config, actor: String, clock: Clock) -> Result<Ctx> {
        let mut ctx = Ctx::connect(config, actor, clock, false)?;
        recover::detect_interrupted(&mut ctx)?;
        match exports::repair(&ctx) {
            Ok(r) => ctx.notices.extend(r.failed),
            Err(e) => ctx.notices.push(format!("exports were not checked: {e}")),
        }
        Ok(ctx)
    }

    /// Open for a viewer (`--read-only`, `RELCON_READ_ONLY=1`): no recovery
    /// writes, no export repair. Status still shows a deployment whose
    /// process died as interrupted (`recover::orphaned`).
    pub fn open_read_only(config: Config, actor: String, clock: Clock) -> Result<Ctx> {
        Ctx::connect(config, actor, clock, true)
    }

    fn connect(config: Config, actor: String, clock: Clock, read_only: bool) -> Result<Ctx> {
        let store = ledger::open(&config)?;
        // identity = "database": the login is the actor; $RELCON_USER cannot change it.
        let actor = match config.ledger.identity {
            crate::config::Identity::User => actor,
            crate::config::Identity::Database => store
                .authenticated_role()?
                .ok_or_else(|| crate::Error::usage("identity = \"database\" needs a PostgreSQL ledger"))?,
        };
        let mut store = store;
        // The store refuses writes too, so nothing slips past the CLI's check.
        store.set_read_only(read_only);
        store.set_outbox(notify::routes(&config));
        Ok(Ctx {
            config,
            store,
            actor,
            clock,
            host: identity::hostname(),
            read_only,
            notices: Vec::new(),
        })
    }

    /// A second context on the same ledger (its own connection), e.g. for a
    /// worker thread running a hook while the UI keeps reading.
    pub fn reopen(&self) -> Result<Ctx> {
        let mut store = ledger::open(&self.config)?;
        store.set_outbox(notify::routes(&self.config));
        Ok(Ctx {
            config: self.config.clone(),
            store,
            actor: self.actor.clone(),
            clock: self.clock.clone(),
            host: self.host.clone(),
            read_only: self.read_only,
            notices: Vec::new(),
        })
    }

    /// Err (usage) when this context was opened read-only.
    pub fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(crate::Error::usage(
                "read-only: this relcon records nothing (drop --read-only / RELCON_READ_ONLY to act)",
            ));
        }
        Ok(())
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub fn redactor(&self) -> Redactor {
        Redactor::from_env(&self.config.redact)
    }

    pub fn env(&self, name: &str) -> Result<&crate::config::Environment> {
        self.config.env(name).ok_or_else(|| {
            crate::Error::usage(format!(
                "unknown environment {name:?}: expected one of {}",
                self.config.env_names().join(", ")
            ))
        })
    }
}
