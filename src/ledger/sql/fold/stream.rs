//! Random but reproducible streams of every kind of event, valid ones and
//! ones the SQL refuses, for the fold's property tests.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::ledger::event::{kind, Event};
use crate::test_rng::Rng;

const ENVS: &[&str] = &["dev", "prod"];
const VERSIONS: &[&str] = &["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"];
const WORDS: &[&str] = &["a", "b c", "ünïcode", "", "x\ny"];

/// One random stream of events with the bodies their kinds carry.
pub(super) struct Stream {
    rng: Rng,
    seq: u64,
    at: DateTime<Utc>,
    numbers: [u64; 2],
    opened: Vec<u64>,
    rollouts: Vec<u64>,
}

impl Stream {
    pub(super) fn new(seed: u64) -> Stream {
        Stream {
            rng: Rng::new(seed),
            seq: 0,
            at: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default(),
            numbers: [0, 0],
            opened: Vec::new(),
            rollouts: Vec::new(),
        }
    }

    /// A release number of `env`: mostly one that exists, sometimes the
    /// next (which does not yet).
    fn number(&mut self, env: usize) -> u64 {
        let max = self.numbers[env];
        1 + self.rng.below(max + 1)
    }

    fn id(&mut self, of: &[u64]) -> u64 {
        match of.len() {
            0 => 1,
            n if self.rng.chance(90) => of[self.rng.below(n as u64) as usize],
            _ => self.seq + 1000,
        }
    }

    fn flag_state(&mut self) -> Value {
        let targets: Vec<&str> = (0..self.rng.below(3)).map(|_| self.rng.pick(WORDS)).collect();
        json!({"enabled": self.rng.chance(50), "rollout": self.rng.below(101), "targets": targets})
    }

    fn target(&mut self) -> Value {
        json!({"kind": "flag", "flag": self.rng.pick(&["f1", "f2"])})
    }

    pub(super) fn event(&mut self) -> Event {
        self.seq += 1;
        self.at += Duration::milliseconds(1 + self.rng.below(90_000) as i64);
        let e = self.rng.below(ENVS.len() as u64) as usize;
        let env = ENVS[e];
        let r = &mut self.rng;
        let (kind, body) = match r.below(30) {
            0..=2 => (
                kind::BUILD_REGISTERED,
                json!({"version": r.pick(VERSIONS), "commit": "c0ffee", "artifact": r.maybe(WORDS), "notes": r.maybe(WORDS)}),
            ),
            3..=6 => {
                // Now and then a number that is already taken.
                let number = if self.numbers[e] > 0 && self.rng.chance(5) {
                    self.numbers[e]
                } else {
                    self.numbers[e] += 1;
                    self.numbers[e]
                };
                let r = &mut self.rng;
                let steps: Vec<&str> = (0..r.below(3))
                    .map(|i| ["build", "deploy", "verify"][i as usize])
                    .collect();
                (
                    kind::DEPLOYMENT_STARTED,
                    json!({"number": number, "version": r.pick(VERSIONS), "commit": "c0ffee", "artifact": r.maybe(WORDS),
                           "action": r.pick(&["deploy", "promote", "rollback"]), "from_env": r.maybe(ENVS),
                           "target_release": if r.chance(30) { json!(r.below(5)) } else { Value::Null },
                           "reason": r.maybe(WORDS), "pid": if r.chance(50) { json!(r.below(99999)) } else { Value::Null },
                           "host": r.maybe(WORDS), "steps": steps}),
                )
            }
            7..=8 => {
                let n = self.number(e);
                let r = &mut self.rng;
                (
                    kind::DEPLOYMENT_STEP,
                    json!({"number": n, "step": r.pick(&["build", "deploy", "smoke"]), "state": r.pick(&["running", "done", "failed"])}),
                )
            }
            9..=12 => {
                let n = self.number(e);
                let r = &mut self.rng;
                let k = r.pick(&[
                    kind::DEPLOYMENT_SUCCEEDED,
                    kind::DEPLOYMENT_SUCCEEDED,
                    kind::DEPLOYMENT_FAILED,
                    kind::DEPLOYMENT_INTERRUPTED,
                ]);
                (
                    k,
                    json!({"number": n, "error": r.maybe(WORDS), "output": r.maybe(WORDS)}),
                )
            }
            13 => {
                let n = self.number(e);
                let r = &mut self.rng;
                (
                    kind::DEPLOYMENT_LATE,
                    json!({"number": n, "outcome": r.pick(&["succeeded", "failed"]), "why": "lease lost", "output": r.maybe(WORDS)}),
                )
            }
            14 => (
                kind::APPROVAL_GRANTED,
                json!({"version": r.pick(VERSIONS), "note": r.maybe(WORDS)}),
            ),
            15 => (kind::HOLD_SET, json!({"reason": r.maybe(WORDS)})),
            16 => (kind::HOLD_CLEARED, json!({})),
            17..=18 => {
                let k = if r.chance(70) {
                    kind::CHECKLIST_TICKED
                } else {
                    kind::CHECKLIST_UNTICKED
                };
                (
                    k,
                    json!({"checklist": r.pick(&["pre", "post"]), "version": r.pick(&["v1", "v2"]), "item": r.below(3), "text": "item",
                           "note": r.maybe(WORDS), "role": r.maybe(&["qa", "sre"]), "note_only": r.chance(20)}),
                )
            }
            19..=20 => {
                let (before, after) = (self.flag_state(), self.flag_state());
                let r = &mut self.rng;
                (
                    kind::FLAG_CHANGED,
                    json!({"flag": r.pick(&["f1", "f2"]), "before": before, "after": after,
                                            "change": r.pick(&["set", "kill", "restore"]), "reason": r.maybe(WORDS)}),
                )
            }
            21 => (
                kind::LEASE_ACQUIRED,
                json!({"number": r.below(4), "db_ms": 5, "ttl_ms": 30000}),
            ),
            22 => (
                r.pick(&[kind::LEASE_RELEASED, kind::LEASE_EXPIRED]),
                json!({"token": r.below(40)}),
            ),
            23..=25 => self.incident(),
            26..=28 => self.rollout(),
            _ => ("note.added", json!({"text": r.pick(WORDS)})),
        };
        let r = &mut self.rng;
        // Now and then what the SQL refuses: no env, or a body that is not
        // the kind's.
        let env = if r.chance(3) { None } else { Some(env.to_string()) };
        let body = if r.chance(2) {
            "{\"number\":\"x\"}".to_string()
        } else {
            body.to_string()
        };
        Event {
            seq: self.seq,
            at: self.at,
            actor: r.pick(&["ann", "bob"]).to_string(),
            kind: kind.to_string(),
            env,
            body,
            hash: String::new(),
        }
    }

    fn incident(&mut self) -> (&'static str, Value) {
        let id = self.id(&self.opened.clone());
        let r = &mut self.rng;
        match r.below(4) {
            0 => {
                self.opened.push(self.seq);
                (
                    kind::INCIDENT_OPENED,
                    json!({"severity": r.pick(&["critical", "low"]), "summary": r.maybe(WORDS),
                                               "affected": if r.chance(50) { json!(r.below(9)) } else { Value::Null }}),
                )
            }
            1 => (kind::INCIDENT_NOTED, json!({"incident": id, "text": r.maybe(WORDS)})),
            2 => (
                kind::INCIDENT_MITIGATED,
                json!({"incident": id, "action": "rollback", "detail": r.pick(WORDS)}),
            ),
            _ => (kind::INCIDENT_RESOLVED, json!({"incident": id, "text": r.maybe(WORDS)})),
        }
    }

    fn rollout(&mut self) -> (&'static str, Value) {
        let id = self.id(&self.rollouts.clone());
        let target = self.target();
        let r = &mut self.rng;
        let note =
            json!({"id": id, "rollout": "canary", "target": target, "weight": r.below(101), "reason": r.maybe(WORDS)});
        match r.below(6) {
            0 => {
                self.rollouts.push(self.seq);
                (
                    kind::ROLLOUT_STARTED,
                    json!({"rollout": "canary", "plan": {"name": "canary", "steps": []}, "target": target, "reason": r.maybe(WORDS)}),
                )
            }
            1 => (
                kind::ROLLOUT_STEP,
                json!({"id": id, "rollout": "canary", "target": target, "step": r.below(4), "steps": 4,
                                             "weight": r.below(101), "from_weight": 0, "by": "driver", "reason": r.maybe(WORDS)}),
            ),
            2 => (kind::ROLLOUT_PAUSED, note),
            3 => (kind::ROLLOUT_RESUMED, note),
            4 => (
                kind::ROLLOUT_ABORTED,
                json!({"id": id, "rollout": "canary", "target": target, "step": 1, "weight": 5,
                                                "action": "kill", "automatic": r.chance(50), "why": "errors", "reason": r.maybe(WORDS)}),
            ),
            _ => (
                kind::ROLLOUT_COMPLETED,
                json!({"id": id, "rollout": "canary", "target": target, "weight": 100}),
            ),
        }
    }
}
