//! Does the environment run the release the ledger says it does?

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum VersionCheck {
    /// No endpoint reports a version (or there is no release to compare).
    Unreported,
    InSync {
        version: String,
    },
    /// Just deployed: waiting for every endpoint to report the new version.
    Verifying {
        expected: String,
        running: String,
        until: DateTime<Utc>,
    },
    Drift {
        expected: String,
        running: String,
    },
}

pub fn version_check(
    expected: Option<&str>,
    seen: &[String],
    deployed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    verify_timeout: std::time::Duration,
) -> VersionCheck {
    let Some(expected) = expected else {
        return VersionCheck::Unreported;
    };
    if seen.is_empty() {
        return VersionCheck::Unreported;
    }
    match seen.iter().find(|v| v.as_str() != expected) {
        None => VersionCheck::InSync {
            version: expected.to_string(),
        },
        Some(other) => {
            let grace = Duration::from_std(verify_timeout).unwrap_or_else(|_| Duration::seconds(120));
            match deployed_at {
                Some(at) if now < at + grace => VersionCheck::Verifying {
                    expected: expected.into(),
                    running: other.clone(),
                    until: at + grace,
                },
                _ => VersionCheck::Drift {
                    expected: expected.into(),
                    running: other.clone(),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn in_sync_verifying_and_drift() {
        let two_min = std::time::Duration::from_secs(120);
        let deployed = Some(t("2026-11-20T10:00:00Z"));
        let seen = vec!["1.4.2".to_string(), "1.4.2".to_string()];
        assert_eq!(
            version_check(Some("1.4.2"), &seen, deployed, t("2026-11-20T10:00:30Z"), two_min),
            VersionCheck::InSync {
                version: "1.4.2".into()
            }
        );
        let mixed = vec!["1.4.2".to_string(), "1.4.1".to_string()];
        assert!(matches!(
            version_check(Some("1.4.2"), &mixed, deployed, t("2026-11-20T10:01:00Z"), two_min),
            VersionCheck::Verifying { .. }
        ));
        assert_eq!(
            version_check(Some("1.4.2"), &mixed, deployed, t("2026-11-20T10:05:00Z"), two_min),
            VersionCheck::Drift {
                expected: "1.4.2".into(),
                running: "1.4.1".into()
            }
        );
        assert_eq!(
            version_check(Some("1.4.2"), &[], deployed, t("2026-11-20T10:05:00Z"), two_min),
            VersionCheck::Unreported
        );
        assert_eq!(
            version_check(None, &seen, None, t("2026-11-20T10:05:00Z"), two_min),
            VersionCheck::Unreported
        );
    }
}
