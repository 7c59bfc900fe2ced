//! GitHub Actions steps: dispatch a workflow (`workflow_dispatch`), find
//! the run it started, follow it to completion showing job and step states
//! as live output, and map its conclusion to success or failure. A cancel
//! cancels the run on GitHub too.
//!
//! The REST calls run on a thread of their own (reqwest's blocking client
//! must not run on an async runtime thread); lines come back on a channel.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::webhook::{user_agent, var};
use super::{sanitize, CancelToken, Capture, Redactor, StepEnd};
use crate::config::{format_duration, GithubWorkflow};

enum Msg {
    Line(String),
    End(StepEnd),
}

pub(crate) fn run(
    g: &GithubWorkflow,
    env: &[(String, String)],
    timeout: Duration,
    cancel: &CancelToken,
    redactor: &Redactor,
    capture: &mut Capture,
    emit: &mut dyn FnMut(String),
) -> StepEnd {
    let token = match std::env::var(&g.token_env) {
        Ok(t) if !t.is_empty() => t,
        _ => return StepEnd::Failed(format!("token_env {} is not set", g.token_env)),
    };
    let mut inputs = serde_json::Map::new();
    for (k, t) in &g.inputs {
        match crate::domain::body_template::render_text(t, &|n| var(env, n).map(str::to_string)) {
            Ok(v) => inputs.insert(k.clone(), Value::String(v)),
            Err(e) => return StepEnd::Failed(format!("input {k}: {e}")),
        };
    }
    let (tx, rx) = mpsc::channel();
    let flow = Flow {
        g: g.clone(),
        token,
        inputs: Value::Object(inputs),
        deadline: Instant::now() + timeout,
        timeout,
        cancel: cancel.clone(),
        tx: tx.clone(),
    };
    std::thread::spawn(move || {
        let end = flow.run();
        let _ = tx.send(Msg::End(end));
    });
    loop {
        match rx.recv() {
            Ok(Msg::Line(l)) => {
                let l = redactor.redact(&sanitize(&l));
                capture.push(&format!("{l}\n"));
                emit(l);
            }
            Ok(Msg::End(end)) => return end,
            Err(_) => return StepEnd::Failed("github workflow runner stopped".into()),
        }
    }
}

struct Flow {
    g: GithubWorkflow,
    token: String,
    inputs: Value,
    deadline: Instant,
    timeout: Duration,
    cancel: CancelToken,
    tx: mpsc::Sender<Msg>,
}

/// Why a poll stopped waiting.
enum Wait {
    Cancelled,
    TimedOut,
}

impl Flow {
    fn say(&self, line: String) {
        let _ = self.tx.send(Msg::Line(line));
    }

    fn run(&self) -> StepEnd {
        let client = match reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30).min(self.timeout))
            .build()
        {
            Ok(c) => c,
            Err(e) => return StepEnd::Failed(format!("github: {e}")),
        };
        let api = Api {
            client,
            base: format!("{}/repos/{}/actions", self.g.api, self.g.repo),
            token: &self.token,
        };
        // Runs that exist before the dispatch are not ours.
        let known: BTreeSet<u64> = match api.runs(&self.g, None) {
            Ok(runs) => runs.iter().map(|r| r.id).collect(),
            Err(e) => return StepEnd::Failed(e),
        };
        // A little slack for a clock that runs ahead of GitHub's.
        let since = Utc::now() - chrono::Duration::seconds(60);
        let body = json!({ "ref": self.g.git_ref, "inputs": self.inputs });
        let path = format!("/workflows/{}/dispatches", self.g.workflow);
        match api.post(&path, Some(&body)) {
            Ok((s, _)) if (200..300).contains(&s) => self.say(format!(
                "dispatched {} on {} ({})",
                self.g.workflow, self.g.repo, self.g.git_ref
            )),
            Ok((s, text)) => return StepEnd::Failed(format!("dispatch answered HTTP {s}: {}", first_line(&text))),
            Err(e) => return StepEnd::Failed(e),
        }
        let run = match self.find_run(&api, &known, since) {
            Ok(r) => r,
            Err(Wait::Cancelled) => {
                return StepEnd::Failed(format!(
                    "cancelled by {} before the run was found; check {} on GitHub",
                    self.cancel.cancelled_by(),
                    self.g.workflow
                ))
            }
            Err(Wait::TimedOut) => return self.timed_out("no run of the dispatched workflow appeared"),
        };
        self.say(format!("run {}: {}", run.id, run.url));
        tracing::info!(repo = %self.g.repo, workflow = %self.g.workflow, run = run.id, "github run found");
        self.follow(&api, run.id)
    }

    fn timed_out(&self, what: &str) -> StepEnd {
        StepEnd::Failed(format!("{what}: timed out after {}", format_duration(self.timeout)))
    }

    /// Sleep one interval; false when cancelled or out of time.
    fn nap(&self) -> Result<(), Wait> {
        let until = Instant::now() + self.g.interval;
        loop {
            if self.cancel.is_cancelled() {
                return Err(Wait::Cancelled);
            }
            let now = Instant::now();
            if now >= self.deadline {
                return Err(Wait::TimedOut);
            }
            if now >= until {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20).min(until - now));
        }
    }

    fn find_run(&self, api: &Api, known: &BTreeSet<u64>, since: DateTime<Utc>) -> Result<Run, Wait> {
        loop {
            match api.runs(&self.g, Some(since)) {
                Ok(runs) => {
                    // Oldest new run first: ours is the first after the dispatch.
                    if let Some(r) = runs.into_iter().filter(|r| !known.contains(&r.id)).min_by_key(|r| r.id) {
                        return Ok(r);
                    }
                }
                Err(e) => self.say(format!("looking for the run: {e}")),
            }
            self.nap()?;
        }
    }

    fn follow(&self, api: &Api, id: u64) -> StepEnd {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut errors = 0;
        loop {
            match api.get(&format!("/runs/{id}")) {
                Ok(run) => {
                    errors = 0;
                    if let Ok(jobs) = api.get(&format!("/runs/{id}/jobs")) {
                        self.report_jobs(&jobs, &mut seen);
                    }
                    if run["status"] == "completed" {
                        let conclusion = run["conclusion"].as_str().unwrap_or("unknown");
                        self.say(format!("run {id} completed: {conclusion}"));
                        tracing::info!(run = id, conclusion, "github run completed");
                        return if conclusion == "success" {
                            StepEnd::Ok
                        } else {
                            StepEnd::Failed(format!("workflow run {id} concluded {conclusion}"))
                        };
                    }
                }
                Err(e) => {
                    errors += 1;
                    self.say(format!("polling run {id}: {e}"));
                    if errors >= 5 {
                        return StepEnd::Failed(format!("lost track of workflow run {id}: {e}"));
                    }
                }
            }
            match self.nap() {
                Ok(()) => {}
                Err(Wait::Cancelled) => {
                    let by = self.cancel.cancelled_by();
                    return match api.post(&format!("/runs/{id}/cancel"), None) {
                        Ok((s, _)) if (200..300).contains(&s) => {
                            self.say(format!("cancel of run {id} requested (HTTP {s})"));
                            StepEnd::Failed(format!("cancelled by {by}; workflow run {id} cancelled"))
                        }
                        Ok((s, text)) => StepEnd::Failed(format!(
                            "cancelled by {by}; cancelling workflow run {id} answered HTTP {s}: {}",
                            first_line(&text)
                        )),
                        Err(e) => StepEnd::Failed(format!("cancelled by {by}; cancelling workflow run {id}: {e}")),
                    };
                }
                Err(Wait::TimedOut) => return self.timed_out(&format!("workflow run {id} did not complete")),
            }
        }
    }

    /// One line per job or step whose state changed since the last poll.
    fn report_jobs(&self, jobs: &Value, seen: &mut BTreeMap<String, String>) {
        let Some(list) = jobs["jobs"].as_array() else { return };
        for job in list {
            let name = job["name"].as_str().unwrap_or("job");
            let key = format!("job {}", job["id"]);
            if changed(seen, key, state(job)) {
                self.say(format!("job {name}: {}", state(job)));
            }
            for step in job["steps"].as_array().into_iter().flatten() {
                let sname = step["name"].as_str().unwrap_or("step");
                let key = format!("step {} {}", job["id"], step["number"]);
                if changed(seen, key, state(step)) {
                    self.say(format!("  {name} › {sname}: {}", state(step)));
                }
            }
        }
    }
}

fn changed(seen: &mut BTreeMap<String, String>, key: String, now: String) -> bool {
    seen.insert(key, now.clone()).as_deref() != Some(now.as_str())
}

/// "in_progress", or "completed (success)".
fn state(v: &Value) -> String {
    let status = v["status"].as_str().unwrap_or("unknown");
    match v["conclusion"].as_str() {
        Some(c) => format!("{status} ({c})"),
        None => status.to_string(),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").chars().take(200).collect()
}

struct Run {
    id: u64,
    url: String,
}

struct Api<'a> {
    client: reqwest::blocking::Client,
    /// `{api}/repos/{owner}/{name}/actions`
    base: String,
    token: &'a str,
}

impl Api<'_> {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::blocking::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header(reqwest::header::USER_AGENT, user_agent())
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        let resp = self
            .request(reqwest::Method::GET, path)
            .send()
            .map_err(|e| format!("GET {path}: {e}"))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(format!("GET {path} answered HTTP {status}"));
        }
        resp.json().map_err(|e| format!("GET {path}: unreadable answer: {e}"))
    }

    fn post(&self, path: &str, body: Option<&Value>) -> Result<(u16, String), String> {
        let mut req = self.request(reqwest::Method::POST, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().map_err(|e| format!("POST {path}: {e}"))?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().unwrap_or_default()))
    }

    /// The workflow's `workflow_dispatch` runs, optionally created since a time.
    fn runs(&self, g: &GithubWorkflow, since: Option<DateTime<Utc>>) -> Result<Vec<Run>, String> {
        let mut path = format!("/workflows/{}/runs?event=workflow_dispatch&per_page=30", g.workflow);
        if let Some(t) = since {
            path.push_str(&format!("&created=%3E%3D{}", t.format("%Y-%m-%dT%H:%M:%SZ")));
        }
        let doc = self.get(&path)?;
        let runs = doc["workflow_runs"]
            .as_array()
            .ok_or_else(|| format!("GET {path}: no workflow_runs in the answer"))?;
        Ok(runs
            .iter()
            .filter_map(|r| {
                Some(Run {
                    id: r["id"].as_u64()?,
                    url: r["html_url"].as_str().unwrap_or("").to_string(),
                })
            })
            .collect())
    }
}
