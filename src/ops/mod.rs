//! Use cases. The CLI and the TUI both call these and nothing else writes
//! the ledger or runs a hook: one path for every action.

pub mod approve;
pub mod audit;
pub mod chain;
pub mod checklist;
pub mod commits;
pub mod deploy;
pub mod flag_state;
pub mod flags;
pub mod health;
pub mod hold;
pub mod identity;
pub mod lease;
pub mod ledger_admin;
pub mod plan;
pub mod recover;
pub mod register;
pub mod shell_key;
pub mod status;

use chrono::{DateTime, Utc};
use std::sync::Arc;

use crate::config::Config;
use crate::error::Result;
use crate::exec::Redactor;
use crate::ledger::{self, Store};

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

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
}

impl Ctx {
    /// Open the ledger the config names, as `actor`, and mark deployments
    /// whose relcon process died as interrupted.
    pub fn open(config: Config, actor: String, clock: Clock) -> Result<Ctx> {
        let store = ledger::open(&config)?;
        // identity = "database": the login is the actor; $RELCON_USER cannot change it.
        let actor = match config.ledger.identity {
            crate::config::Identity::User => actor,
            crate::config::Identity::Database => store
                .authenticated_role()?
                .ok_or_else(|| crate::Error::usage("identity = \"database\" needs a PostgreSQL ledger"))?,
        };
        let mut ctx = Ctx {
            config,
            store,
            actor,
            clock,
            host: identity::hostname(),
        };
        recover::detect_interrupted(&mut ctx)?;
        Ok(ctx)
    }

    /// A second context on the same ledger (its own connection), e.g. for a
    /// worker thread running a hook while the UI keeps reading.
    pub fn reopen(&self) -> Result<Ctx> {
        Ok(Ctx {
            config: self.config.clone(),
            store: ledger::open(&self.config)?,
            actor: self.actor.clone(),
            clock: self.clock.clone(),
            host: self.host.clone(),
        })
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
