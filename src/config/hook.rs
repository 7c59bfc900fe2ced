//! Hooks: what relcon runs to deploy, roll back or announce a flag change.
//! A string (run with `sh -c`), a table `{ run, timeout }` or
//! `{ webhook, token_env, timeout }`, or a list of named steps.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::time::Duration;

use super::duration::Positive;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookKind {
    Shell { run: String },
    Webhook { url: String, token_env: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub kind: HookKind,
    pub timeout: Duration,
}

/// A hook is always a list of steps; a single command is one step named after the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub steps: Vec<Step>,
    /// Written as a list of named steps (the UI shows each step's state).
    pub multi_step: bool,
}

impl Hook {
    pub fn shell(run: &str) -> Hook {
        Hook {
            steps: vec![Step {
                name: "run".into(),
                kind: HookKind::Shell { run: run.into() },
                timeout: DEFAULT_TIMEOUT,
            }],
            multi_step: false,
        }
    }
    /// Names of the environment variables holding secrets this hook uses.
    pub fn secret_envs(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|s| match &s.kind {
            HookKind::Webhook { token_env: Some(t), .. } => Some(t.as_str()),
            _ => None,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableRaw {
    name: Option<String>,
    run: Option<String>,
    webhook: Option<String>,
    token_env: Option<String>,
    timeout: Option<Positive>,
}

impl TableRaw {
    fn into_step<E: de::Error>(self, default_name: &str) -> Result<Step, E> {
        let timeout = self.timeout.map_or(DEFAULT_TIMEOUT, |h| h.0);
        let name = self.name.unwrap_or_else(|| default_name.to_string());
        let kind = match (self.run, self.webhook) {
            (Some(run), None) => {
                if self.token_env.is_some() {
                    return Err(E::custom("`token_env` belongs to a webhook hook, not to `run`"));
                }
                if run.trim().is_empty() {
                    return Err(E::custom("hook `run` is empty: expected a shell command"));
                }
                HookKind::Shell { run }
            }
            (None, Some(url)) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(E::custom(format!(
                        "webhook {url:?} must start with http:// or https://"
                    )));
                }
                HookKind::Webhook {
                    url,
                    token_env: self.token_env,
                }
            }
            (Some(_), Some(_)) => return Err(E::custom("a hook has either `run` or `webhook`, not both")),
            (None, None) => {
                return Err(E::custom(
                    "a hook table needs `run = \"command\"` or `webhook = \"https://…\"`",
                ))
            }
        };
        Ok(Step { name, kind, timeout })
    }
}

impl<'de> Deserialize<'de> for Hook {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Hook;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command string, a table { run = \"…\", timeout = \"10m\" } or { webhook = \"https://…\" }, or a list of named steps")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Hook, E> {
                if s.trim().is_empty() {
                    return Err(E::custom("hook is empty: expected a shell command"));
                }
                Ok(Hook::shell(s))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Hook, A::Error> {
                let t = TableRaw::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Hook {
                    steps: vec![t.into_step("run")?],
                    multi_step: false,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Hook, A::Error> {
                let mut steps: Vec<Step> = Vec::new();
                while let Some(t) = seq.next_element::<TableRaw>()? {
                    if t.name.is_none() {
                        return Err(de::Error::custom(format!("step {} needs a `name`", steps.len() + 1)));
                    }
                    let step = t.into_step("")?;
                    if steps.iter().any(|s| s.name == step.name) {
                        return Err(de::Error::custom(format!("two steps are named {:?}", step.name)));
                    }
                    steps.push(step);
                }
                if steps.is_empty() {
                    return Err(de::Error::custom("a list of steps needs at least one step"));
                }
                Ok(Hook {
                    steps,
                    multi_step: true,
                })
            }
        }
        d.deserialize_any(V)
    }
}
