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

/// Why a targeting key cannot be evaluated, if it cannot. flagd
/// implementations disagree on keys beyond ASCII (Go flagd hashes the
/// UTF-8 bytes, flagd-core in JavaScript the UTF-16 code units), so
/// relcon refuses them rather than answer what one of them would not.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_ascii() {
        return Ok(());
    }
    Err(format!(
        "targeting key {key:?} is not ASCII: flagd evaluators disagree on such keys (Go flagd hashes UTF-8 bytes, flagd-core in JavaScript hashes UTF-16 code units), so relcon does not guess which bucket it gets"
    ))
}

/// The reason given to an empty targeting key, as flagd names it.
pub const NO_TARGETING_KEY: &str = "no targeting key";

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
    // flagd skips `fractional` without a targeting key and falls back to
    // the default variant, which is "on" only at 100 %.
    if key.is_empty() && state.rollout < 100 {
        return Evaluation {
            enabled: false,
            variant: "off",
            reason: NO_TARGETING_KEY.into(),
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
    fn an_empty_key_is_off_unless_the_flag_is_on_for_everyone() {
        let e = evaluate("f", &st(true, 50, &["15"]), "");
        assert_eq!((e.variant, e.reason.as_str()), ("off", NO_TARGETING_KEY));
        assert_eq!(evaluate("f", &st(true, 100, &[]), "").variant, "on");
        assert_eq!(evaluate("f", &st(false, 100, &[]), "").reason, "disabled");
    }

    #[test]
    fn non_ascii_keys_are_refused_with_the_reason() {
        assert!(check_key("tenant-42").is_ok());
        let e = check_key("münchen").unwrap_err();
        assert!(e.contains("not ASCII") && e.contains("UTF-16"), "{e}");
    }

    #[test]
    fn describes_states() {
        assert_eq!(describe(&st(false, 50, &[])), "off");
        assert_eq!(describe(&st(true, 100, &[])), "on");
        assert_eq!(describe(&st(true, 10, &[])), "10%");
    }
}
