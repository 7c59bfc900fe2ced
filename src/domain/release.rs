//! Builds, releases and deployments, and the numbering rules that tie them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An immutable artifact made by CI. Registered once, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    pub version: String,
    pub commit: String,
    pub artifact: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// What kind of operation created a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Deploy,
    Promote,
    Rollback,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deploy => "deploy",
            Action::Promote => "promote",
            Action::Rollback => "rollback",
        }
    }
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "deploy" => Some(Action::Deploy),
            "promote" => Some(Action::Promote),
            "rollback" => Some(Action::Rollback),
            _ => None,
        }
    }
}

/// How a deployment attempt ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentStatus {
    Started,
    Succeeded,
    Failed,
    Interrupted,
}

impl DeploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::Started => "started",
            DeploymentStatus::Succeeded => "succeeded",
            DeploymentStatus::Failed => "failed",
            DeploymentStatus::Interrupted => "interrupted",
        }
    }
    pub fn parse(s: &str) -> Option<DeploymentStatus> {
        match s {
            "started" => Some(DeploymentStatus::Started),
            "succeeded" => Some(DeploymentStatus::Succeeded),
            "failed" => Some(DeploymentStatus::Failed),
            "interrupted" => Some(DeploymentStatus::Interrupted),
            _ => None,
        }
    }
}

impl std::fmt::Display for DeploymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// For callers that still compare with the word (`state == "interrupted"` in
/// tui/components/cards.rs and tui/actions.rs, `== "started"` in
/// tui/team.rs); remove once they use the enum.
impl PartialEq<&str> for DeploymentStatus {
    fn eq(&self, word: &&str) -> bool {
        self.as_str() == *word
    }
}

/// One deployment attempt into one environment: `v<number>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub env: String,
    pub number: u64,
    pub version: String,
    pub commit: String,
    pub artifact: Option<String>,
    pub status: DeploymentStatus,
    pub action: Action,
    pub actor: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub from_env: Option<String>,
    pub target_release: Option<u64>,
    /// Summary of how it ended: error text, "timed out", "cancelled by X" …
    pub error: Option<String>,
    /// Captured hook output (bounded, redacted).
    pub output: Option<String>,
    pub pid: Option<u32>,
    pub host: Option<String>,
    /// Named hook steps and how far each got.
    pub steps: Vec<StepState>,
    /// The ledger seq of its `deployment.started`: where it begins in history.
    pub seq: u64,
    /// How the hook ended when its result arrived after the deployment had
    /// lost its environment lease (unfenced): recorded, never the current release.
    pub late: Option<DeploymentStatus>,
}

/// One named step of a hook: pending, running, done or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    pub name: String,
    pub state: String,
}

impl StepState {
    /// A deployment's steps as it starts: every one pending.
    pub fn all_pending(names: &[String]) -> Vec<StepState> {
        names
            .iter()
            .map(|n| StepState {
                name: n.clone(),
                state: "pending".into(),
            })
            .collect()
    }

    /// Step `name` is now `state` (a step the start did not name is added).
    pub fn set(steps: &mut Vec<StepState>, name: String, state: String) {
        match steps.iter_mut().find(|x| x.name == name) {
            Some(x) => x.state = state,
            None => steps.push(StepState { name, state }),
        }
    }
}

impl Release {
    /// One line saying what this release is, as the history shows it.
    pub fn description(&self) -> String {
        let base = match self.action {
            Action::Deploy => format!("deploy {}", self.version),
            Action::Promote => match &self.from_env {
                Some(from) => format!("promote {} from {}", self.version, from),
                None => format!("promote {}", self.version),
            },
            Action::Rollback => match self.target_release {
                Some(n) => format!("rollback to v{n} ({})", self.version),
                None => format!("rollback to {}", self.version),
            },
        };
        match (&self.status, &self.error) {
            (DeploymentStatus::Failed, Some(e)) => format!("{base} — failed: {e}"),
            (DeploymentStatus::Failed, None) => format!("{base} — failed"),
            (DeploymentStatus::Interrupted, _) => match self.late {
                Some(late) => format!("{base} — interrupted (its hook later {})", late.as_str()),
                None => format!("{base} — interrupted"),
            },
            (DeploymentStatus::Started, _) => format!("{base} — in progress"),
            _ => base,
        }
    }
}

/// The words of a history filter: lowercase, whitespace-separated.
pub fn filter_words(filter: &str) -> Vec<String> {
    filter.split_whitespace().map(str::to_lowercase).collect()
}

impl Release {
    /// Whether its row holds every one of `words` (from [`filter_words`]),
    /// case aside, in its number, version, commit, actor, status, action or
    /// description: the console's history filter. `hay` is scratch space,
    /// reused across rows.
    pub fn matches(&self, words: &[String], hay: &mut String) -> bool {
        use std::fmt::Write as _;
        hay.clear();
        let _ = write!(
            hay,
            "v{} {} {} {} {} {} {}",
            self.number,
            self.version,
            self.commit,
            self.actor,
            self.status.as_str(),
            self.action.as_str(),
            self.description()
        );
        if hay.is_ascii() {
            hay.make_ascii_lowercase();
        } else {
            *hay = hay.to_lowercase();
        }
        words.iter().all(|w| hay.contains(w.as_str()))
    }
}

/// The number the next deployment attempt into an environment takes.
/// Every attempt takes one, whatever its outcome, so numbers never repeat.
pub fn next_release_number(last: Option<u64>) -> u64 {
    last.map_or(1, |n| n + 1)
}

/// The default rollback target: the newest succeeded release older than the
/// current one that runs a different build (rolling back to the same build
/// would change nothing) and that no succeeded rollback went back past (a
/// rollback judged it bad: after rolling v2 back to v1, rolling back again
/// must not bring v2 back).
pub fn default_rollback_target<'a, I>(releases: I, current: &Release) -> Option<&'a Release>
where
    I: IntoIterator<Item = &'a Release>,
{
    let all: Vec<&Release> = releases.into_iter().collect();
    let passed = |n: u64| {
        all.iter().any(|r| {
            r.action == Action::Rollback
                && r.status == DeploymentStatus::Succeeded
                && r.target_release.is_some_and(|t| t < n)
                && n < r.number
        })
    };
    all.iter()
        .copied()
        .filter(|r| {
            r.status == DeploymentStatus::Succeeded
                && r.number < current.number
                && r.version != current.version
                && !passed(r.number)
        })
        .max_by_key(|r| r.number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rel(number: u64, version: &str, status: DeploymentStatus) -> Release {
        Release {
            env: "prod".into(),
            number,
            version: version.into(),
            commit: "abc".into(),
            artifact: None,
            status,
            action: Action::Deploy,
            actor: "ana".into(),
            started_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            finished_at: None,
            reason: None,
            from_env: None,
            target_release: None,
            error: None,
            output: None,
            pid: None,
            host: None,
            steps: vec![],
            seq: 0,
            late: None,
        }
    }

    #[test]
    fn numbering_starts_at_one_and_never_repeats() {
        assert_eq!(next_release_number(None), 1);
        assert_eq!(next_release_number(Some(1)), 2);
        assert_eq!(next_release_number(Some(89)), 90);
    }

    #[test]
    fn rollback_target_skips_failed_and_same_build() {
        use DeploymentStatus::*;
        let releases = vec![
            rel(1, "1.0", Succeeded),
            rel(2, "1.1", Succeeded),
            rel(3, "1.2", Failed),
            rel(4, "1.2", Succeeded),
            rel(5, "1.2", Succeeded),
        ];
        let current = releases[4].clone();
        let target = default_rollback_target(&releases, &current).unwrap();
        assert_eq!(target.number, 2);
        let only = vec![rel(1, "1.0", Succeeded)];
        assert!(default_rollback_target(&only, &only[0]).is_none());
    }

    #[test]
    fn rollback_target_skips_what_a_rollback_went_back_past() {
        use DeploymentStatus::*;
        let mut back = rel(4, "1.0", Succeeded);
        back.action = Action::Rollback;
        back.target_release = Some(1);
        let mut releases = vec![
            rel(1, "1.0", Succeeded),
            rel(2, "1.1", Succeeded),
            rel(3, "1.2", Succeeded),
            back,
        ];
        // v2 and v3 were rolled back from; v1 runs the current build.
        assert!(default_rollback_target(&releases, &releases[3].clone()).is_none());
        // A fix goes out and is bad too: back to the rollback's release.
        releases.push(rel(5, "1.3", Succeeded));
        let target = default_rollback_target(&releases, &releases[4].clone()).unwrap();
        assert_eq!(target.number, 4);
        // A rollback that failed judged nothing.
        releases[3].status = Failed;
        let target = default_rollback_target(&releases, &releases[4].clone()).unwrap();
        assert_eq!(target.number, 3);
    }

    #[test]
    fn descriptions_say_what_happened() {
        let mut r = rel(91, "1.4.1", DeploymentStatus::Succeeded);
        r.action = Action::Rollback;
        r.target_release = Some(88);
        assert_eq!(r.description(), "rollback to v88 (1.4.1)");
        r.action = Action::Promote;
        r.from_env = Some("staging".into());
        r.status = DeploymentStatus::Failed;
        r.error = Some("hook exited with 1".into());
        assert_eq!(
            r.description(),
            "promote 1.4.1 from staging — failed: hook exited with 1"
        );
    }
}
