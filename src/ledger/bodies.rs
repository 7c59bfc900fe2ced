//! Typed event bodies. Stored as canonical JSON; fields are only ever added.

use serde::{Deserialize, Serialize};

use crate::domain::Action;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRegistered {
    pub version: String,
    pub commit: String,
    #[serde(default)]
    pub artifact: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// When the commit was made (RFC 3339): where change lead time starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_time: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentStarted {
    pub number: u64,
    pub version: String,
    pub commit: String,
    #[serde(default)]
    pub artifact: Option<String>,
    pub action: Action,
    #[serde(default)]
    pub from_env: Option<String>,
    #[serde(default)]
    pub target_release: Option<u64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub pid: Option<u32>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub steps: Vec<String>,
}

impl DeploymentStarted {
    /// A deployment of `version` (`commit`) and nothing more: no artifact,
    /// source env, target, reason, process or steps (seeded histories,
    /// imports, tests).
    pub fn bare(number: u64, version: &str, commit: &str, action: Action) -> DeploymentStarted {
        DeploymentStarted {
            number,
            version: version.into(),
            commit: commit.into(),
            artifact: None,
            action,
            from_env: None,
            target_release: None,
            reason: None,
            pid: None,
            host: None,
            steps: vec![],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentStep {
    pub number: u64,
    pub step: String,
    /// running | done | failed
    pub state: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeploymentFinished {
    pub number: u64,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// Set when a person settled an interrupted deployment.
    #[serde(default)]
    pub resolved: bool,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `deployment.outputs`: what a succeeded deployment's hook recorded
/// through `$RELCON_OUTPUT`, given to later hooks as variables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentOutputs {
    pub number: u64,
    pub outputs: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApprovalGranted {
    pub version: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HoldSet {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub release: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HoldCleared {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OverriddenGate {
    pub name: String,
    pub detail: String,
}

/// What an override let through. Serialised as a word; the first three are
/// `Action`'s own, so older events read the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GatedAction {
    Deploy,
    Promote,
    Rollback,
    /// A flag change (set or restore; a kill is never gated).
    Flag,
}

impl From<Action> for GatedAction {
    fn from(a: Action) -> GatedAction {
        match a {
            Action::Deploy => GatedAction::Deploy,
            Action::Promote => GatedAction::Promote,
            Action::Rollback => GatedAction::Rollback,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GateOverridden {
    pub action: GatedAction,
    pub version: String,
    pub gates: Vec<OverriddenGate>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChecklistTick {
    pub checklist: String,
    pub version: String,
    pub item: u32,
    /// The item's text when it was ticked, so the audit reads on its own.
    pub text: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// Only the note changes; the tick keeps its ticker and time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub note_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlagChanged {
    pub flag: String,
    pub before: crate::domain::FlagState,
    pub after: crate::domain::FlagState,
    pub change: crate::domain::FlagChangeKind,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `deployment.late`: how a hook ended when its deployment no longer held
/// the environment's lease. Recorded, never the current release.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentLate {
    pub number: u64,
    pub outcome: crate::domain::DeploymentStatus,
    /// Why the result is unfenced: "lease expired", "lease taken over by bo" …
    pub why: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

/// `lease.acquired`: a deployment (or rollout step) holds its environment.
/// The fencing token is this event's seq.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeaseAcquired {
    #[serde(default)]
    pub number: Option<u64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub pid: Option<u32>,
    /// The database clock when the lease was taken (ms since the epoch).
    pub db_ms: i64,
    pub ttl_ms: u64,
    /// The token of a live lease this one took over (`--force`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub took_over: Option<u64>,
}

/// `lease.released` / `lease.expired`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeaseEnded {
    pub token: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// `incident.opened`: the incident's id is this event's seq.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentOpened {
    pub severity: crate::domain::incident::Severity,
    #[serde(default)]
    pub summary: Option<String>,
    /// Percent of users affected, when someone said.
    #[serde(default)]
    pub affected: Option<u32>,
}

/// `incident.noted`, `incident.resolved`: a line on an incident's timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentNote {
    pub incident: u64,
    #[serde(default)]
    pub text: Option<String>,
}

/// `incident.mitigated`: what was done, and where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentMitigated {
    pub incident: u64,
    pub action: crate::domain::incident::Remedy,
    /// "rolled back to v12", "killed customer_portal".
    pub detail: String,
}

/// `rollout.started`: the rollout's id is this event's seq; the plan is
/// kept as it was, so a later config edit does not change a running rollout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RolloutStarted {
    pub rollout: String,
    pub plan: crate::domain::rollout::PlanSpec,
    pub target: crate::domain::rollout::Target,
    #[serde(default)]
    pub reason: Option<String>,
}

/// What the analysis saw during a step.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AnalysisSummary {
    pub samples: u32,
    pub passes: u32,
    /// The last poll's values against their thresholds.
    #[serde(default)]
    pub last: Vec<crate::domain::rollout::Measured>,
}

/// `rollout.step`: the weight moved to step `step` of `steps`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RolloutStep {
    pub id: u64,
    pub rollout: String,
    pub target: crate::domain::rollout::Target,
    pub step: u32,
    pub steps: u32,
    pub weight: u32,
    pub from_weight: u32,
    /// "driver" (the schedule) or "person" (`rollout advance`).
    pub by: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// The analysis of the step left behind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisSummary>,
}

/// `rollout.paused`, `rollout.resumed`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RolloutNote {
    pub id: u64,
    pub rollout: String,
    pub target: crate::domain::rollout::Target,
    pub weight: u32,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `rollout.aborted`: by a person or by the analysis, with the values measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RolloutAborted {
    pub id: u64,
    pub rollout: String,
    pub target: crate::domain::rollout::Target,
    pub step: u32,
    /// The weight when it was aborted.
    pub weight: u32,
    pub action: crate::domain::rollout::OnAbort,
    pub automatic: bool,
    pub why: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub measured: Vec<crate::domain::rollout::Measured>,
}

/// `rollout.completed`: 100 % and soaked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RolloutCompleted {
    pub id: u64,
    pub rollout: String,
    pub target: crate::domain::rollout::Target,
    pub weight: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisSummary>,
}
