//! Environment leases (DESIGN §11): a deployment holds its environment by a
//! lease row with a fencing token (the seq of `lease.acquired`), renewed by a
//! heartbeat and judged by the database clock — so a holder that died or
//! lost its network on another machine is noticed everywhere, and its late
//! result is recorded but never becomes the current release.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::domain::incident::Remedy;
use crate::domain::{DeploymentStatus, Release};
use crate::error::{Error, Result};
use crate::exec::CancelToken;
use crate::ledger::bodies::{DeploymentFinished, DeploymentLate, LeaseAcquired, LeaseEnded};
use crate::ledger::{kind, Beat, Event, Lease, NewEvent, StateView, Store};

/// Who takes the lease, for `lease.acquired`.
pub struct Holder<'a> {
    pub number: u64,
    pub reason: Option<&'a str>,
    pub host: &'a str,
    pub pid: u32,
    pub ttl: Duration,
}

/// The event that takes `env`'s lease (the caller has judged any lease there).
pub fn acquire(view: &dyn StateView, env: &str, h: &Holder<'_>, took_over: Option<u64>) -> Result<NewEvent> {
    Ok(NewEvent::new(
        kind::LEASE_ACQUIRED,
        Some(env),
        LeaseAcquired {
            number: Some(h.number),
            reason: h.reason.map(str::to_string),
            host: Some(h.host.to_string()),
            pid: Some(h.pid),
            db_ms: view.db_now_ms()?,
            ttl_ms: h.ttl.as_millis() as u64,
            took_over,
        },
    ))
}

/// Events that end deployment `r` whose holder is gone or taken over: it is
/// marked interrupted, and its lease (if any) ends.
pub fn end_holder(r: &Release, lease: Option<&Lease>, why: &str) -> Vec<NewEvent> {
    let mut out = Vec::new();
    if r.status == DeploymentStatus::Started {
        out.push(NewEvent::new(
            kind::DEPLOYMENT_INTERRUPTED,
            Some(&r.env),
            DeploymentFinished {
                number: r.number,
                error: Some(why.to_string()),
                output: None,
                duration_ms: None,
                resolved: false,
                reason: None,
            },
        ));
    }
    if let Some(l) = lease.filter(|l| l.number == Some(r.number)) {
        out.push(NewEvent::new(
            kind::LEASE_EXPIRED,
            Some(&r.env),
            LeaseEnded {
                token: l.token,
                detail: Some(why.to_string()),
            },
        ));
    }
    out
}

/// "lease of bo on laptop-a expired: no heartbeat for 34s".
pub fn expired_why(l: &Lease) -> String {
    format!(
        "lease of {}{} expired: no sign of life for {}s",
        l.holder,
        l.host.as_deref().map(|h| format!(" on {h}")).unwrap_or_default(),
        (l.now_ms - l.alive_ms).max(0) / 1000
    )
}

/// The fencing token a start transaction acquired.
pub fn token_of(events: &[Event]) -> Option<u64> {
    events.iter().find(|e| e.kind == kind::LEASE_ACQUIRED).map(|e| e.seq)
}

/// How a deployment's result is recorded: fenced (it still holds its lease:
/// the normal end, and the lease is released) or late.
pub enum Finish {
    Fenced,
    Late(String),
}

/// The events that record how deployment `number` ended, judged inside the
/// finish transaction: only the holder of a live lease may set the outcome.
pub fn finish(
    view: &dyn StateView,
    env: &str,
    number: u64,
    token: u64,
    outcome: DeploymentStatus,
    body: &DeploymentFinished,
) -> Result<(Finish, Vec<NewEvent>)> {
    let rel = view
        .release(env, number)?
        .ok_or_else(|| Error::runtime(format!("{env} has no release v{number}")))?;
    let lease = view.lease(env)?;
    let why = match &lease {
        _ if rel.status != DeploymentStatus::Started => Some(format!(
            "it was marked {} meanwhile{}",
            rel.status.as_str(),
            rel.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
        )),
        Some(l) if l.token == token && l.expired() => Some(expired_why(l)),
        Some(l) if l.token == token => None,
        Some(l) => Some(format!("the lease was taken over by {}", l.holder)),
        None => Some("its lease had ended".to_string()),
    };
    let Some(why) = why else {
        let k = if outcome == DeploymentStatus::Succeeded {
            kind::DEPLOYMENT_SUCCEEDED
        } else {
            kind::DEPLOYMENT_FAILED
        };
        let release = NewEvent::new(kind::LEASE_RELEASED, Some(env), LeaseEnded { token, detail: None });
        let mut events = vec![NewEvent::new(k, Some(env), body), release];
        // A rollback that went out mitigates the environment's open incident.
        if outcome == DeploymentStatus::Succeeded && rel.action == crate::domain::Action::Rollback {
            let detail = format!("rolled back to v{} ({})", rel.target_release.unwrap_or(0), rel.version);
            events.extend(super::incident::mitigation(view, env, Remedy::Rollback, detail)?);
        }
        return Ok((Finish::Fenced, events));
    };
    let mut events = vec![NewEvent::new(
        kind::DEPLOYMENT_LATE,
        Some(env),
        DeploymentLate {
            number,
            outcome,
            why: why.clone(),
            error: body.error.clone(),
            output: body.output.clone(),
            duration_ms: body.duration_ms,
        },
    )];
    // Nobody noticed yet: end it here, so it waits for a person, not forever.
    events.extend(end_holder(&rel, lease.as_ref().filter(|l| l.token == token), &why));
    Ok((Finish::Late(why), events))
}

/// Renews a lease every third of its TTL on a connection of its own, and
/// cancels the hook when the lease is lost (taken over, or expired while
/// this machine was cut off): someone else may already be deploying.
pub struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    pub fn start(mut store: Box<dyn Store>, env: String, token: u64, ttl: Duration, cancel: CancelToken) -> Heartbeat {
        let (tx, rx) = mpsc::channel::<()>();
        let every = ttl / 3;
        let thread = std::thread::Builder::new()
            .name("relcon-lease".into())
            .spawn(move || loop {
                match rx.recv_timeout(every) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                match store.lease_beat(&env, token) {
                    Ok(Beat::Held) => {}
                    Ok(Beat::Lost(why)) => {
                        cancel.cancel(&format!("relcon ({why})"));
                        return;
                    }
                    // The server is unreachable: keep the hook going and keep
                    // trying; the finish decides whether the result still counts.
                    Err(_) => {}
                }
            })
            .ok();
        Heartbeat { stop: Some(tx), thread }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
