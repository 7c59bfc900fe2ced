//! What `status --json` and the dashboard show of one environment: its
//! release, deployment, badges and the rest, as serialised.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{DeploymentStatus, Gate, Release};

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub project: String,
    pub environments: Vec<EnvStatus>,
    /// Highest event seq read: a console compares it to notice changes.
    pub head_seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSummary {
    pub number: u64,
    pub version: String,
    pub commit: String,
    pub artifact: Option<String>,
    pub deployed_at: DateTime<Utc>,
    pub deployed_by: String,
    pub action: &'static str,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentSummary {
    /// Started, or interrupted (also when its holder went silent past the lease).
    pub state: DeploymentStatus,
    pub number: u64,
    pub version: String,
    pub actor: String,
    pub started_at: DateTime<Utc>,
    pub action: &'static str,
    pub steps: Vec<crate::domain::StepState>,
    pub error: Option<String>,
    /// Who holds the environment for it, and for how long yet.
    pub lease: Option<LeaseSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeaseSummary {
    pub holder: String,
    pub host: Option<String>,
    /// The fencing token (seq of `lease.acquired`).
    pub token: u64,
    /// Seconds until it expires; negative once expired.
    pub expires_in_s: i64,
    pub expired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistSummary {
    pub name: String,
    pub phase: &'static str,
    pub build: String,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingSummary {
    pub version: String,
    pub commit: String,
    pub from: Option<String>,
    pub from_release: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalSummary {
    pub required: u32,
    pub version: Option<String>,
    pub by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HoldSummary {
    pub actor: String,
    pub reason: Option<String>,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FreezeSummary {
    pub window: String,
    pub until: DateTime<Utc>,
}

/// A word on an environment's card and in `status`, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Badge {
    Protected,
    Deploying,
    Interrupted,
    Hold,
    Frozen,
    Drift,
    Verifying,
    /// An incident is open on the environment.
    Incident,
}

impl Badge {
    pub fn as_str(self) -> &'static str {
        match self {
            Badge::Protected => "protected",
            Badge::Deploying => "deploying",
            Badge::Interrupted => "interrupted",
            Badge::Hold => "hold",
            Badge::Frozen => "frozen",
            Badge::Drift => "drift",
            Badge::Verifying => "verifying",
            Badge::Incident => "incident",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvStatus {
    pub name: String,
    pub promote_from: Option<String>,
    pub protected: bool,
    pub url: Option<String>,
    pub release: Option<ReleaseSummary>,
    /// A deployment in flight, or an interrupted one awaiting a person.
    pub deployment: Option<DeploymentSummary>,
    pub badges: Vec<Badge>,
    /// Gates for the next deployment into this env (promotion when it has a source).
    pub gates: Vec<Gate>,
    pub checklists: Vec<ChecklistSummary>,
    pub health: crate::ops::health::EnvHealthSummary,
    pub pending: Option<PendingSummary>,
    pub approvals: ApprovalSummary,
    pub hold: Option<HoldSummary>,
    pub freeze: Option<FreezeSummary>,
    pub releases: u64,
    /// Flags whose state here differs from the env it promotes from.
    pub flags_differ: Vec<String>,
    /// The open incident, if any.
    pub incident: Option<crate::domain::incident::Incident>,
    /// The rollout the environment's card shows (active, or ended lately).
    pub rollout: Option<crate::ops::rollout::RolloutCard>,
}

pub fn summarize_release(r: &Release) -> ReleaseSummary {
    ReleaseSummary {
        number: r.number,
        version: r.version.clone(),
        commit: r.commit.clone(),
        artifact: r.artifact.clone(),
        deployed_at: r.finished_at.unwrap_or(r.started_at),
        deployed_by: r.actor.clone(),
        action: r.action.as_str(),
        description: r.description(),
    }
}

pub(super) fn summarize_deployment(r: &Release, lease: Option<&crate::ledger::Lease>) -> DeploymentSummary {
    let lease = lease.filter(|l| l.number == Some(r.number) && r.status == DeploymentStatus::Started);
    // A holder silent past its lease is interrupted for everyone, before any
    // process has written it down.
    let expired = lease.is_some_and(|l| l.expired());
    DeploymentSummary {
        state: if expired {
            DeploymentStatus::Interrupted
        } else {
            r.status
        },
        lease: lease.map(|l| LeaseSummary {
            holder: l.holder.clone(),
            host: l.host.clone(),
            token: l.token,
            expires_in_s: l.remaining_ms().div_euclid(1000),
            expired: l.expired(),
        }),
        number: r.number,
        version: r.version.clone(),
        actor: r.actor.clone(),
        started_at: r.started_at,
        action: r.action.as_str(),
        steps: r.steps.clone(),
        error: if expired {
            lease.map(crate::ops::lease::expired_why)
        } else {
            r.error.clone()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::Badge;

    /// `status --json` shows badges as these words; scripts match on them.
    #[test]
    fn badges_serialise_as_their_words() {
        for (b, word) in [
            (Badge::Protected, "protected"),
            (Badge::Deploying, "deploying"),
            (Badge::Interrupted, "interrupted"),
            (Badge::Hold, "hold"),
            (Badge::Frozen, "frozen"),
            (Badge::Drift, "drift"),
            (Badge::Verifying, "verifying"),
        ] {
            assert_eq!(serde_json::to_value(b).expect("serialises"), word);
            assert_eq!(b.as_str(), word);
        }
    }
}
