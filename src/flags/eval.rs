//! Flag evaluation: disabled → off; targeted → on; else on iff the key's
//! bucket is below the rollout percentage.

use serde::Serialize;

use super::murmur::bucket;
use crate::domain::FlagState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub enabled: bool,
    pub variant: &'static str,
    pub reason: String,
    pub bucket: Option<u32>,
}

pub fn evaluate(flag: &str, state: &FlagState, key: &str) -> Evaluation {
    if !state.enabled {
        return Evaluation {
            enabled: false,
            variant: "off",
            reason: "disabled".into(),
            bucket: None,
        };
    }
    if state.targets.iter().any(|t| t == key) {
        return Evaluation {
            enabled: true,
            variant: "on",
            reason: "targeted".into(),
            bucket: None,
        };
    }
    let b = bucket(flag, key);
    if b < state.rollout {
        Evaluation {
            enabled: true,
            variant: "on",
            reason: format!("in rollout bucket {b} (< {}%)", state.rollout),
            bucket: Some(b),
        }
    } else {
        Evaluation {
            enabled: false,
            variant: "off",
            reason: format!("outside rollout: bucket {b} (≥ {}%)", state.rollout),
            bucket: Some(b),
        }
    }
}

/// "on", "off" or "25%" — how a state reads in lists and hook variables.
pub fn describe(state: &FlagState) -> String {
    match (state.enabled, state.rollout) {
        (false, _) => "off".into(),
        (true, 100) => "on".into(),
        (true, p) => format!("{p}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(enabled: bool, rollout: u32, targets: &[&str]) -> FlagState {
        FlagState {
            enabled,
            rollout,
            targets: targets.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn disabled_wins_over_targets() {
        let e = evaluate("f", &st(false, 100, &["42"]), "42");
        assert_eq!((e.variant, e.reason.as_str()), ("off", "disabled"));
    }

    #[test]
    fn targets_are_on_even_at_zero_percent() {
        let e = evaluate("f", &st(true, 0, &["15", "42"]), "42");
        assert_eq!((e.variant, e.reason.as_str()), ("on", "targeted"));
        assert_eq!(evaluate("f", &st(true, 0, &["15"]), "16").variant, "off");
    }

    #[test]
    fn bucket_edges() {
        // Find keys in bucket 0 and 99 for this flag to test the edges exactly.
        let key_in = |want: u32| {
            (0..100_000)
                .map(|i| i.to_string())
                .find(|k| bucket("edge", k) == want)
                .unwrap()
        };
        let k0 = key_in(0);
        let k1 = key_in(1);
        let k99 = key_in(99);
        assert_eq!(evaluate("edge", &st(true, 0, &[]), &k0).variant, "off");
        assert_eq!(evaluate("edge", &st(true, 1, &[]), &k0).variant, "on");
        assert_eq!(evaluate("edge", &st(true, 1, &[]), &k1).variant, "off");
        assert_eq!(evaluate("edge", &st(true, 99, &[]), &k99).variant, "off");
        assert_eq!(evaluate("edge", &st(true, 100, &[]), &k99).variant, "on");
        let e = evaluate("edge", &st(true, 1, &[]), &k1);
        assert_eq!(e.reason, "outside rollout: bucket 1 (≥ 1%)");
    }

    #[test]
    fn empty_targets_and_unknown_keys_use_the_rollout() {
        let e = evaluate("customer_portal", &st(true, 100, &[]), "never-seen-key");
        assert_eq!(e.variant, "on");
        assert!(e.reason.starts_with("in rollout bucket"));
    }

    #[test]
    fn describes_states() {
        assert_eq!(describe(&st(false, 50, &[])), "off");
        assert_eq!(describe(&st(true, 100, &[])), "on");
        assert_eq!(describe(&st(true, 10, &[])), "10%");
    }
}
