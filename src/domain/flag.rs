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

#[cfg(test)]
mod tests {
    use super::FlagState;

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
}
