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

/// Render a duration the way the config accepts it.
pub fn format(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}
