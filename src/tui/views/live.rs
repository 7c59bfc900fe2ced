//! Health as of the last poller sample, not as of the last snapshot: the
//! light (worst endpoint or metric) comes from the console's own board, and the
//! version check is recomputed from it against the snapshot's release. So
//! an env turns red on the next sample, without waiting for a reload.

use crate::health::{version_check, EnvHealth, VersionCheck};

use super::Shared;
use crate::tui::render::format::text;
use crate::tui::render::theme::State;

/// One env's health right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveHealth {
    /// Worst state, worst reason, slowest latency, versions seen.
    pub board: EnvHealth,
    pub version: VersionCheck,
    /// Endpoints and metrics configured for the env.
    pub checks: usize,
    /// The ledger's current release version, when there is one.
    pub expected: Option<String>,
}

impl Shared {
    /// `env`'s health from the live board; the expected release from the snapshot.
    pub fn live_health(&self, env: &str) -> LiveHealth {
        let checks = self.config.env(env).map_or(0, |e| e.health.len() + e.metrics.len());
        let board = self.health.env_health(env);
        let release = self.status_of(env).and_then(|e| e.release.as_ref());
        let expected = release.map(|r| r.version.clone());
        let verify = self
            .config
            .env(env)
            .map_or(std::time::Duration::from_secs(120), |e| e.verify_timeout);
        let version = version_check(
            expected.as_deref(),
            &board.versions,
            release.map(|r| r.deployed_at),
            self.now,
            verify,
        );
        if let VersionCheck::Verifying { until, .. } = &version {
            // "verifying" turns into drift when the window closes.
            crate::tui::render::redraw_at::note(*until);
        }
        LiveHealth {
            board,
            version,
            checks,
            expected,
        }
    }
}

/// The version check in words, for headers: "runs 1.4.2",
/// "≠ drift: expected 1.4.2, running 1.4.1", "◌ verifying 1.4.2 (still sees 1.4.1)".
/// Versions come from a remote endpoint, so the words are made inert.
pub fn version_text(v: &VersionCheck) -> Option<(String, State)> {
    use State as S;
    let (words, st) = match v {
        VersionCheck::InSync { version } => (format!("runs {version}"), S::Unknown),
        VersionCheck::Verifying { expected, running, .. } => {
            (format!("◌ verifying {expected} (still sees {running})"), S::Busy)
        }
        VersionCheck::Drift { expected, running } => {
            (format!("≠ drift: expected {expected}, running {running}"), S::Warn)
        }
        VersionCheck::Unreported => return None,
    };
    Some((text(&words), st))
}
