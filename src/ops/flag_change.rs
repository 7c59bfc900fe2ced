//! What `flag set` asks for (on, off, a percentage, targets added or
//! removed) and the state it leads to.

use crate::domain::FlagState;
use crate::error::{Error, Result};

/// What `flag set` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// on, off or a percentage (on at P %).
    pub switch: Option<Switch>,
    pub add_targets: Vec<String>,
    pub remove_targets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
    Percent(u32),
}

impl Switch {
    /// "on", "off", "25%" (or "25").
    pub fn parse(s: &str) -> Result<Switch> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "on" | "true" => Ok(Switch::On),
            "off" | "false" => Ok(Switch::Off),
            _ => match t.trim_end_matches('%').parse::<u32>() {
                Ok(p) if p <= 100 => Ok(Switch::Percent(p)),
                _ => Err(Error::usage(format!(
                    "{s:?}: expected on, off or a percentage like 25%"
                ))),
            },
        }
    }
}

pub fn apply_change(before: &FlagState, c: &Change) -> FlagState {
    let mut s = before.clone();
    match c.switch {
        Some(Switch::On) => {
            s.enabled = true;
            s.rollout = 100;
        }
        Some(Switch::Off) => s.enabled = false,
        Some(Switch::Percent(p)) => {
            s.enabled = true;
            s.rollout = p;
        }
        None => {}
    }
    for t in &c.add_targets {
        if !s.targets.contains(t) {
            s.targets.push(t.clone());
        }
    }
    s.targets.retain(|t| !c.remove_targets.contains(t));
    s
}
