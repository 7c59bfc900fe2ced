//! Humane durations in the config: "5s", "2m", "1h30m".

use serde::{Deserialize, Deserializer};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Humane(pub Duration);

impl<'de> Deserialize<'de> for Humane {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(s.trim()).map(Humane).map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid duration {s:?} ({e}): expected a duration like \"5s\", \"2m\" or \"1h30m\""
            ))
        })
    }
}

/// A duration that must be above zero: a timeout of "0s" would fail every
/// hook and health check at once, and an interval of "0s" would poll in a
/// busy loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Positive(pub Duration);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Humane(v) = Humane::deserialize(d)?;
        if v.is_zero() {
            return Err(serde::de::Error::custom(
                "a duration of zero is not allowed here: expected a duration above zero, like \"5s\"",
            ));
        }
        Ok(Positive(v))
    }
}

/// Render a duration the way the config accepts it.
pub fn format(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}
