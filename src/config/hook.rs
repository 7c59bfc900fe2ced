//! Hooks: what relcon runs to deploy, roll back or announce a flag change.
//! A string (run with `sh -c`), a table `{ run, timeout }`,
//! `{ webhook, token_env, headers, body, timeout }` or
//! `{ github_workflow, repo, ref, inputs, token_env, api }`, or a list of
//! named steps.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::duration::Positive;
use crate::domain::body_template;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The names a body template or workflow input may use: the hook's
/// `RELCON_*` variables, lower-case, without the prefix.
pub const HOOK_VARS: &[&str] = &[
    "action",
    "project",
    "env",
    "env_url",
    "from_env",
    "version",
    "previous_version",
    "commit",
    "artifact",
    "release",
    "target_release",
    "actor",
    "reason",
];

/// A request header: a literal value, or a secret read from a named
/// environment variable (`{ env = "API_KEY" }`, redacted like a token).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    Literal(String),
    Secret { env: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub token_env: Option<String>,
    /// Extra request headers, in name order.
    pub headers: BTreeMap<String, HeaderValue>,
    /// A JSON body template with `{{ name }}` placeholders; without it the
    /// body is every hook variable as a JSON object.
    pub body: Option<String>,
}

/// A GitHub Actions workflow run through `workflow_dispatch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubWorkflow {
    /// The workflow file name (`deploy.yml`) or id.
    pub workflow: String,
    /// `owner/name`.
    pub repo: String,
    pub git_ref: String,
    /// Workflow inputs; values may hold `{{ name }}` placeholders.
    pub inputs: BTreeMap<String, String>,
    pub token_env: String,
    /// The REST API root (GitHub Enterprise, or a stand-in in tests).
    pub api: String,
    /// How often the run is polled.
    pub interval: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookKind {
    Shell { run: String },
    Webhook(Webhook),
    Github(GithubWorkflow),
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
        self.steps.iter().flat_map(|s| {
            let names: Vec<&str> = match &s.kind {
                HookKind::Shell { .. } => vec![],
                HookKind::Webhook(w) => w
                    .token_env
                    .iter()
                    .map(String::as_str)
                    .chain(w.headers.values().filter_map(|h| match h {
                        HeaderValue::Secret { env } => Some(env.as_str()),
                        HeaderValue::Literal(_) => None,
                    }))
                    .collect(),
                HookKind::Github(g) => vec![g.token_env.as_str()],
            };
            names
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableRaw {
    name: Option<String>,
    run: Option<String>,
    webhook: Option<String>,
    github_workflow: Option<String>,
    token_env: Option<String>,
    headers: Option<BTreeMap<String, HeaderValue>>,
    body: Option<String>,
    repo: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    inputs: Option<BTreeMap<String, String>>,
    api: Option<String>,
    interval: Option<Positive>,
    timeout: Option<Positive>,
}

fn check_url<E: de::Error>(what: &str, url: &str) -> Result<(), E> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(E::custom(format!("{what} {url:?} must start with http:// or https://")))
    }
}

impl TableRaw {
    /// Keys that belong to one kind of hook only, set on another.
    fn misplaced(&self, kind: &str) -> Option<&'static str> {
        let webhook_only = [("headers", self.headers.is_some()), ("body", self.body.is_some())];
        let github_only = [
            ("repo", self.repo.is_some()),
            ("ref", self.git_ref.is_some()),
            ("inputs", self.inputs.is_some()),
            ("api", self.api.is_some()),
            ("interval", self.interval.is_some()),
        ];
        let token = [("token_env", self.token_env.is_some())];
        let wrong: Vec<(&'static str, bool)> = match kind {
            "run" => [&webhook_only[..], &github_only[..], &token[..]].concat(),
            "webhook" => github_only.to_vec(),
            _ => webhook_only.to_vec(),
        };
        wrong.into_iter().find(|(_, set)| *set).map(|(k, _)| k)
    }

    fn into_step<E: de::Error>(self, default_name: &str) -> Result<Step, E> {
        let timeout = self.timeout.map_or(DEFAULT_TIMEOUT, |h| h.0);
        let name = self.name.clone().unwrap_or_else(|| default_name.to_string());
        let chosen = [
            ("run", self.run.is_some()),
            ("webhook", self.webhook.is_some()),
            ("github_workflow", self.github_workflow.is_some()),
        ];
        let set: Vec<&str> = chosen.iter().filter(|(_, s)| *s).map(|(k, _)| *k).collect();
        if set.len() > 1 {
            return Err(E::custom(format!(
                "a hook has either `{}` or `{}`, not both",
                set[0], set[1]
            )));
        }
        let Some(kind) = set.first().copied() else {
            return Err(E::custom(
                "a hook table needs `run = \"command\"` or `webhook = \"https://…\"` or `github_workflow = \"deploy.yml\"`",
            ));
        };
        if let Some(key) = self.misplaced(kind) {
            return Err(E::custom(format!("`{key}` does not belong to a `{kind}` hook")));
        }
        let kind = match kind {
            "run" => {
                let run = self.run.unwrap_or_default();
                if run.trim().is_empty() {
                    return Err(E::custom("hook `run` is empty: expected a shell command"));
                }
                HookKind::Shell { run }
            }
            "webhook" => HookKind::Webhook(self.webhook_kind()?),
            _ => HookKind::Github(self.github_kind()?),
        };
        Ok(Step { name, kind, timeout })
    }

    fn webhook_kind<E: de::Error>(self) -> Result<Webhook, E> {
        let url = self.webhook.unwrap_or_default();
        check_url("webhook", &url)?;
        let headers = self.headers.unwrap_or_default();
        for (name, value) in &headers {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(E::custom(format!(
                    "header name {name:?} is not a valid HTTP header name"
                )));
            }
            if let HeaderValue::Literal(v) = value {
                if reqwest::header::HeaderValue::from_str(v).is_err() {
                    return Err(E::custom(format!("header {name} has a value that cannot be sent")));
                }
            }
        }
        if let Some(body) = &self.body {
            body_template::check(body, HOOK_VARS).map_err(E::custom)?;
        }
        Ok(Webhook {
            url,
            token_env: self.token_env,
            headers,
            body: self.body,
        })
    }

    fn github_kind<E: de::Error>(self) -> Result<GithubWorkflow, E> {
        let workflow = self.github_workflow.unwrap_or_default();
        if workflow.trim().is_empty() || workflow.contains('/') {
            return Err(E::custom(
                "`github_workflow` names the workflow file, e.g. \"deploy.yml\"",
            ));
        }
        let repo = self
            .repo
            .ok_or_else(|| E::custom("a github_workflow hook needs `repo = \"owner/name\"`"))?;
        if repo.split('/').filter(|p| !p.is_empty()).count() != 2 || repo.matches('/').count() != 1 {
            return Err(E::custom(format!("repo {repo:?} is not \"owner/name\"")));
        }
        let token_env = self.token_env.ok_or_else(|| {
            E::custom("a github_workflow hook needs `token_env`, the variable holding a token that may run workflows")
        })?;
        let inputs = self.inputs.unwrap_or_default();
        for value in inputs.values() {
            for name in body_template::placeholders(value).map_err(E::custom)? {
                if !HOOK_VARS.contains(&name.as_str()) {
                    return Err(E::custom(format!(
                        "unknown placeholder {{{{ {name} }}}} in inputs: expected one of {}",
                        HOOK_VARS.join(", ")
                    )));
                }
            }
        }
        let api = self
            .api
            .unwrap_or_else(|| "https://api.github.com".into())
            .trim_end_matches('/')
            .to_string();
        check_url("api", &api)?;
        Ok(GithubWorkflow {
            workflow,
            repo,
            git_ref: self.git_ref.unwrap_or_else(|| "main".into()),
            inputs,
            token_env,
            api,
            interval: self.interval.map_or(Duration::from_secs(5), |p| p.0),
        })
    }
}

impl<'de> Deserialize<'de> for Hook {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Hook;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command string, a table { run = \"…\", timeout = \"10m\" }, { webhook = \"https://…\" } or { github_workflow = \"deploy.yml\", … }, or a list of named steps")
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
