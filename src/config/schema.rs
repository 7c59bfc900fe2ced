//! The serde shape of `relcon.toml`. Unknown keys are errors everywhere.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

use super::duration::{Humane, Positive};
use super::hook::Hook;
pub use super::ledger::LedgerRaw;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub project: ProjectRaw,
    #[serde(default)]
    pub ledger: LedgerRaw,
    #[serde(default, rename = "environment")]
    pub environments: Vec<Spanned<EnvRaw>>,
    #[serde(default)]
    pub checklist: BTreeMap<String, Spanned<ChecklistRaw>>,
    #[serde(default)]
    pub flag: BTreeMap<String, Spanned<FlagRaw>>,
    #[serde(default)]
    pub export: ExportRaw,
    pub prometheus: Option<PrometheusRaw>,
    #[serde(default)]
    pub ui: UiRaw,
    #[serde(default)]
    pub keys: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<BindingRaw>>>,
    #[serde(default)]
    pub exec: ExecRaw,
    #[serde(default)]
    pub incident: super::incident::IncidentRaw,
    #[serde(default)]
    pub rollout: BTreeMap<String, Spanned<super::rollout::RolloutRaw>>,
    #[serde(default)]
    pub notify: Vec<Spanned<super::notify::NotifyRaw>>,
    #[serde(default)]
    pub announce: super::notify::AnnounceRaw,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRaw {
    pub name: String,
    pub repo: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvRaw {
    pub name: Spanned<String>,
    pub url: Option<String>,
    pub promote_from: Option<Spanned<String>>,
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub approvals: u32,
    #[serde(default)]
    pub flag_approvals: u32,
    pub deploy: Option<Hook>,
    pub rollback: Option<Hook>,
    /// Sets a traffic weight for rollouts (`RELCON_STEP_WEIGHT`).
    pub traffic: Option<Hook>,
    #[serde(default)]
    pub checklists: EnvChecklistsRaw,
    #[serde(default)]
    pub freeze: Vec<Spanned<String>>,
    #[serde(default)]
    pub require_healthy: bool,
    pub verify_timeout: Option<Humane>,
    #[serde(default)]
    pub health: Vec<HealthRaw>,
    #[serde(default)]
    pub metric: Vec<MetricRaw>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EnvChecklistsRaw {
    #[serde(default)]
    pub before: Vec<Spanned<String>>,
    #[serde(default)]
    pub after: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthRaw {
    pub name: String,
    #[serde(deserialize_with = "http_url")]
    pub url: String,
    pub interval: Option<Positive>,
    pub timeout: Option<Positive>,
    pub version: Option<VersionRaw>,
}

#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VersionRaw {
    #[serde(default, deserialize_with = "optional_http_url")]
    pub url: Option<String>,
    #[serde(deserialize_with = "json_pointer")]
    pub pointer: String,
}

/// Health is polled over HTTP: anything else would only ever be "unknown".
fn http_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let url = String::deserialize(d)?;
    let lower = url.trim().to_ascii_lowercase();
    let host = lower.strip_prefix("http://").or_else(|| lower.strip_prefix("https://"));
    match host {
        Some(h) if !h.is_empty() && !h.starts_with('/') => Ok(url),
        _ => Err(serde::de::Error::custom(format!(
            "health url {url:?}: expected an http:// or https:// URL, e.g. \"https://api.example.com/health\""
        ))),
    }
}

fn optional_http_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    http_url(d).map(Some)
}

/// A JSON pointer (RFC 6901) starts with `/`: "releaseId" would never match.
fn json_pointer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let p = String::deserialize(d)?;
    if p.starts_with('/') {
        Ok(p)
    } else {
        Err(serde::de::Error::custom(format!(
            "version pointer {p:?}: a JSON pointer starts with '/', e.g. \"/{}\"",
            p.trim_start_matches(['#', '.'])
        )))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricRaw {
    pub name: String,
    pub query: String,
    pub warn: Option<Spanned<String>>,
    pub fail: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistRaw {
    pub title: Option<String>,
    pub items: Vec<ItemRaw>,
}

/// A checklist item: a string or `{ text, hint, role, section }`. Written by
/// hand (not `untagged`) so a typo names the unknown key.
pub enum ItemRaw {
    Text(String),
    Table(ItemTableRaw),
}

impl<'de> Deserialize<'de> for ItemRaw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ItemRaw;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an item: \"text\" or { text = \"…\", hint = \"…\", role = \"QA\" }")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ItemRaw, E> {
                Ok(ItemRaw::Text(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ItemRaw, A::Error> {
                ItemTableRaw::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(ItemRaw::Table)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemTableRaw {
    pub text: String,
    pub hint: Option<String>,
    pub role: Option<String>,
    pub section: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagRaw {
    pub description: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<Spanned<String>, FlagStateRaw>,
    pub on_change: Option<Hook>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FlagStateRaw {
    #[serde(default)]
    pub enabled: bool,
    pub rollout: Option<Spanned<u32>>,
    #[serde(default)]
    pub targets: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExportRaw {
    #[serde(default)]
    pub flags: Vec<FlagExportRaw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagExportRaw {
    pub format: ExportFormat,
    pub path: Spanned<String>,
}

#[derive(Deserialize, serde::Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Flagd,
    Dotenv,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Flagd => "flagd",
            ExportFormat::Dotenv => "dotenv",
        }
    }
}

#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct PrometheusRaw {
    pub url: String,
    pub timeout: Option<Humane>,
    /// Extra headers (a tenant id, an API key from `{ env = "VAR" }`).
    pub headers: Option<BTreeMap<String, super::hook::HeaderValue>>,
    /// A variable holding a bearer token.
    pub token_env: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UiRaw {
    pub theme: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExecRaw {
    /// Names of environment variables whose values are secrets.
    #[serde(default)]
    pub redact: Vec<String>,
}

/// A key binding: "command", `{ run = "command", desc = "…" }` or
/// `{ shell = "…", desc = "…" }`. Unknown keys are errors.
pub enum BindingRaw {
    Command(String),
    Table { run: String, desc: Option<String> },
    Shell { shell: String, desc: Option<String> },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingTableRaw {
    run: Option<String>,
    shell: Option<String>,
    desc: Option<String>,
}

impl<'de> Deserialize<'de> for BindingRaw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = BindingRaw;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a command name, { run = \"command\", desc = \"…\" } or { shell = \"…\", desc = \"…\" }")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<BindingRaw, E> {
                Ok(BindingRaw::Command(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<BindingRaw, A::Error> {
                let t = BindingTableRaw::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                match (t.run, t.shell) {
                    (Some(run), None) => Ok(BindingRaw::Table { run, desc: t.desc }),
                    (None, Some(shell)) => Ok(BindingRaw::Shell { shell, desc: t.desc }),
                    _ => Err(serde::de::Error::custom("a binding has either `run` or `shell`")),
                }
            }
        }
        d.deserialize_any(V)
    }
}
