//! Who may drive a rollout: the holder of the environment's lease (DESIGN
//! §11–§12). A driver takes the lease when a rollout in that environment
//! has work, renews it while the rollout runs, and gives it up when it
//! waits for a person or ends. Every step is also checked inside its own
//! append transaction (the lease still ours and live, the rollout still at
//! the step before), so a step is recorded exactly once whoever races.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::ledger::bodies::{LeaseAcquired, LeaseEnded};
use crate::ledger::{kind, Beat, NewEvent, StateView};
use crate::ops::Ctx;

/// The leases one driver holds, by environment.
#[derive(Debug, Default)]
pub struct Leases {
    held: BTreeMap<String, (u64, Instant)>,
}

/// Whether the lease `token` on `env` is still live by the database clock.
pub fn holds(view: &dyn StateView, env: &str, token: u64) -> Result<bool> {
    Ok(view.lease(env)?.is_some_and(|l| l.token == token && !l.expired()))
}

impl Leases {
    /// Whether this driver holds no lease (nothing to keep alive).
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    pub fn token(&self, env: &str) -> Option<u64> {
        self.held.get(env).map(|(t, _)| *t)
    }

    /// The lease on `env`, renewed or taken: None while someone else holds
    /// a live one (another driver, a deployment). `take_over`: a person
    /// acting on the rollout takes a driver's lease (never a deployment's).
    pub fn ensure(&mut self, ctx: &mut Ctx, env: &str, plan: &str, take_over: bool) -> Result<Option<u64>> {
        let ttl = ctx.config.ledger.lease_ttl;
        if let Some((token, beat)) = self.held.get(env).copied() {
            if beat.elapsed() < ttl / 3 {
                if holds(ctx.store.view(), env, token)? {
                    return Ok(Some(token));
                }
            } else if ctx.store.lease_beat(env, token)? == Beat::Held {
                self.held.insert(env.to_string(), (token, Instant::now()));
                return Ok(Some(token));
            }
            self.held.remove(env);
        }
        let now = ctx.now();
        let actor = ctx.actor.clone();
        let host = ctx.host.clone();
        let reason = format!("rollout {plan}");
        let events = ctx.store.transact(now, &actor, &mut |view| {
            let mut out = Vec::new();
            let mut took_over = None;
            if view.in_flight(env)?.is_some() {
                return Ok(out);
            }
            if let Some(l) = view.lease(env)? {
                let drivers = l.number.is_none();
                if !(l.expired() || take_over && drivers) {
                    return Ok(out);
                }
                if !l.expired() {
                    took_over = Some(l.token);
                }
                out.push(NewEvent::new(
                    kind::LEASE_EXPIRED,
                    Some(env),
                    LeaseEnded {
                        token: l.token,
                        detail: Some(if l.expired() {
                            crate::ops::lease::expired_why(&l)
                        } else {
                            format!("taken over by {actor} for {reason}")
                        }),
                    },
                ));
            }
            out.push(NewEvent::new(
                kind::LEASE_ACQUIRED,
                Some(env),
                LeaseAcquired {
                    number: None,
                    reason: Some(reason.clone()),
                    host: Some(host.clone()),
                    pid: Some(std::process::id()),
                    db_ms: view.db_now_ms()?,
                    ttl_ms: ttl.as_millis() as u64,
                    took_over,
                },
            ));
            Ok(out)
        })?;
        let token = crate::ops::lease::token_of(&events);
        if let Some(t) = token {
            self.held.insert(env.to_string(), (t, Instant::now()));
        }
        Ok(token)
    }

    /// Give up the lease on `env`, if still ours.
    pub fn release(&mut self, ctx: &mut Ctx, env: &str) -> Result<()> {
        let Some((token, _)) = self.held.remove(env) else {
            return Ok(());
        };
        let now = ctx.now();
        let actor = ctx.actor.clone();
        ctx.store.transact(now, &actor, &mut |view| {
            Ok(if view.lease(env)?.is_some_and(|l| l.token == token) {
                vec![NewEvent::new(
                    kind::LEASE_RELEASED,
                    Some(env),
                    LeaseEnded { token, detail: None },
                )]
            } else {
                Vec::new()
            })
        })?;
        Ok(())
    }

    pub fn release_all(&mut self, ctx: &mut Ctx) {
        let envs: Vec<String> = self.held.keys().cloned().collect();
        for env in envs {
            let _ = self.release(ctx, &env);
        }
    }

    /// How long a driver may sleep and still renew in time.
    pub fn beat_every(ctx: &Ctx) -> Duration {
        ctx.config.ledger.lease_ttl / 3
    }
}
