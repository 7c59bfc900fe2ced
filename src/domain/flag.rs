//! A feature flag's state in one environment (DESIGN §3b): the value the
//! config seeds, the ledger records and the exporters write.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FlagState {
    pub enabled: bool,
    /// Percent of targeting keys on (0–100), by flagd's bucketing.
    pub rollout: u32,
    /// Keys always on.
    pub targets: Vec<String>,
}

/// How a recorded flag change came about; the kill switch remembers the
/// state before it, so a restore can bring it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlagChangeKind {
    Set,
    Kill,
    Restore,
}

impl FlagChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagChangeKind::Set => "set",
            FlagChangeKind::Kill => "kill",
            FlagChangeKind::Restore => "restore",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FlagChangeKind, FlagState};

    /// The ledger stores this shape in flag events; a renamed field would
    /// make old events unreadable.
    #[test]
    fn serialises_as_the_ledger_stores_it() {
        let s = FlagState {
            enabled: true,
            rollout: 25,
            targets: vec!["15".into()],
        };
        let json = serde_json::to_string(&s).expect("serialises");
        assert_eq!(json, r#"{"enabled":true,"rollout":25,"targets":["15"]}"#);
        assert_eq!(serde_json::from_str::<FlagState>(&json).expect("reads back"), s);
    }

    #[test]
    fn change_kinds_are_the_words_events_hold() {
        for (k, word) in [
            (FlagChangeKind::Set, "set"),
            (FlagChangeKind::Kill, "kill"),
            (FlagChangeKind::Restore, "restore"),
        ] {
            assert_eq!(serde_json::to_value(k).expect("serialises"), word);
            assert_eq!(k.as_str(), word);
        }
    }
}
