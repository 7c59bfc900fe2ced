//! Incidents and the rollback decision tree (DESIGN §13). Pure: what to
//! recommend for an incident of a given severity, from facts ops gathers
//! (the newest flag change, whether there is a release to roll back to, how
//! many users are affected). The default tree follows the customer-portal
//! runbook: critical → kill the most recent flag change, else roll back;
//! high → kill if more than 10 % of users are affected, else hotfix;
//! medium and low → record it and plan the fix.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An incident on one environment, with its timeline's milestones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// The seq of `incident.opened`.
    pub id: u64,
    pub env: String,
    pub severity: Severity,
    pub summary: Option<String>,
    pub affected: Option<u32>,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub mitigated_by: Option<String>,
    pub mitigated_at: Option<DateTime<Utc>>,
    /// What mitigated it: "rolled back to v12", "killed customer_portal".
    pub mitigation: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub notes: u32,
}

impl Incident {
    /// "INC-412": how people refer to it (the id is the ledger seq).
    pub fn label(&self) -> String {
        format!("INC-{}", self.id)
    }
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// What the tree can recommend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Remedy {
    /// Kill the most recently changed flag in the environment.
    KillFlag,
    /// Roll the environment back to its previous good release.
    Rollback,
    /// Keep running; ship a fix fast.
    Hotfix,
    /// Record it and plan the fix for the next release.
    Record,
}

impl Remedy {
    pub fn as_str(self) -> &'static str {
        match self {
            Remedy::KillFlag => "kill-flag",
            Remedy::Rollback => "rollback",
            Remedy::Hotfix => "hotfix",
            Remedy::Record => "record",
        }
    }
    pub fn parse(s: &str) -> Option<Remedy> {
        [Remedy::KillFlag, Remedy::Rollback, Remedy::Hotfix, Remedy::Record]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
    /// Whether carrying it out changes the environment (and so mitigates).
    pub fn mitigates(self) -> bool {
        matches!(self, Remedy::KillFlag | Remedy::Rollback)
    }
}

/// One severity's branch of the tree: try `prefer`, in order; above
/// `affected_over` percent of users affected use `prefer`, else `otherwise`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub prefer: Vec<Remedy>,
    /// When set: `prefer` only if more than this percent of users are affected.
    pub affected_over: Option<u32>,
    pub otherwise: Vec<Remedy>,
}

/// The whole tree: one branch per severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tree {
    pub critical: Branch,
    pub high: Branch,
    pub medium: Branch,
    pub low: Branch,
}

impl Default for Tree {
    /// The runbook's tree (deployment-workflow-visual-guide, part 8).
    fn default() -> Tree {
        let plain = |r: Vec<Remedy>| Branch {
            prefer: r,
            affected_over: None,
            otherwise: Vec::new(),
        };
        Tree {
            critical: plain(vec![Remedy::KillFlag, Remedy::Rollback]),
            high: Branch {
                prefer: vec![Remedy::KillFlag, Remedy::Rollback],
                affected_over: Some(10),
                otherwise: vec![Remedy::Hotfix],
            },
            medium: plain(vec![Remedy::Record]),
            low: plain(vec![Remedy::Record]),
        }
    }
}

impl Tree {
    pub fn branch(&self, s: Severity) -> &Branch {
        match s {
            Severity::Critical => &self.critical,
            Severity::High => &self.high,
            Severity::Medium => &self.medium,
            Severity::Low => &self.low,
        }
    }
}

/// What ops knows when recommending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The flag changed most recently in the environment (and not killed yet).
    pub recent_flag: Option<String>,
    /// The release a rollback would go back to (vN), if any.
    pub rollback_to: Option<u64>,
    /// Percent of users affected, when someone said.
    pub affected: Option<u32>,
}

/// The recommended action, and why, in words a person at 3 a.m. reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub remedy: Remedy,
    /// The flag to kill (`KillFlag`) …
    pub flag: Option<String>,
    /// … or the release to roll back to (`Rollback`).
    pub to: Option<u64>,
    pub why: String,
}

/// The first remedy of the branch that can be carried out.
pub fn recommend(tree: &Tree, severity: Severity, facts: &Facts) -> Recommendation {
    let b = tree.branch(severity);
    let (list, why_branch) = match (b.affected_over, facts.affected) {
        (Some(limit), Some(pct)) if pct <= limit => (&b.otherwise, format!("{pct} % affected (≤ {limit} %)")),
        (Some(limit), Some(pct)) => (&b.prefer, format!("{pct} % affected (> {limit} %)")),
        // Nobody said how many: assume the worse case.
        (Some(limit), None) => (
            &b.prefer,
            format!("share of users affected unknown (treated as > {limit} %)"),
        ),
        (None, _) => (&b.prefer, String::new()),
    };
    let ctx = |s: &str| {
        if why_branch.is_empty() {
            format!("{}: {s}", severity.as_str())
        } else {
            format!("{}, {why_branch}: {s}", severity.as_str())
        }
    };
    for remedy in list {
        match remedy {
            Remedy::KillFlag => {
                if let Some(flag) = &facts.recent_flag {
                    return Recommendation {
                        remedy: *remedy,
                        flag: Some(flag.clone()),
                        to: None,
                        why: ctx(&format!("kill {flag}, the most recent flag change")),
                    };
                }
            }
            Remedy::Rollback => {
                if let Some(n) = facts.rollback_to {
                    return Recommendation {
                        remedy: *remedy,
                        flag: None,
                        to: Some(n),
                        why: ctx(&format!("roll back to v{n}")),
                    };
                }
            }
            Remedy::Hotfix => {
                return Recommendation {
                    remedy: *remedy,
                    flag: None,
                    to: None,
                    why: ctx("keep it running and fast-track a fix"),
                }
            }
            Remedy::Record => {
                return Recommendation {
                    remedy: *remedy,
                    flag: None,
                    to: None,
                    why: ctx("record it and plan the fix for the next release"),
                }
            }
        }
    }
    Recommendation {
        remedy: Remedy::Record,
        flag: None,
        to: None,
        why: ctx("no flag change to kill and no earlier release to roll back to: record it and fix forward"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(flag: bool, back: bool, affected: Option<u32>) -> Facts {
        Facts {
            recent_flag: flag.then(|| "customer_portal".to_string()),
            rollback_to: back.then_some(12),
            affected,
        }
    }

    #[test]
    fn the_runbooks_tree() {
        use Remedy::*;
        use Severity::*;
        let t = Tree::default();
        let cases = [
            (Critical, facts(true, true, None), KillFlag),
            (Critical, facts(false, true, None), Rollback),
            (Critical, facts(false, false, None), Record),
            (High, facts(true, true, Some(25)), KillFlag),
            (High, facts(false, true, Some(25)), Rollback),
            (High, facts(true, true, Some(5)), Hotfix),
            (High, facts(true, true, Some(10)), Hotfix),
            (High, facts(true, true, None), KillFlag),
            (Medium, facts(true, true, Some(90)), Record),
            (Low, facts(true, true, None), Record),
        ];
        for (sev, f, want) in cases {
            let r = recommend(&t, sev, &f);
            assert_eq!(r.remedy, want, "{sev:?} {f:?}: {}", r.why);
        }
        let r = recommend(&t, Critical, &facts(true, true, None));
        assert_eq!(r.flag.as_deref(), Some("customer_portal"));
        assert!(r.why.contains("kill customer_portal"), "{}", r.why);
        let r = recommend(&t, Critical, &facts(false, true, None));
        assert_eq!(r.to, Some(12));
        let r = recommend(&t, High, &facts(true, true, Some(5)));
        assert!(r.why.contains("5 % affected (≤ 10 %)"), "{}", r.why);
    }

    #[test]
    fn severities_and_remedies_parse() {
        assert_eq!(Severity::parse(" HIGH "), Some(Severity::High));
        assert_eq!(Severity::parse("sev1"), None);
        assert_eq!(Remedy::parse("kill-flag"), Some(Remedy::KillFlag));
        assert!(Remedy::Rollback.mitigates() && !Remedy::Hotfix.mitigates());
    }
}
