//! The reader thread: owns a `Ctx` of its own and sends the UI whole
//! snapshots. It reloads when the watcher says the head moved, when the app
//! asks (a new query, an action finished), when health changes an env's
//! state, a little after a lease would run out, and now and then because
//! time alone changes some state. Before each load it follows the new
//! events and checks that each links to the one before it. When only the
//! query changed (a view or env picked) and the ledger did not move, it
//! reads just what the new query adds to the last snapshot, and nothing
//! when the UI already holds what it asks for (`Reader::holds`).

use std::collections::HashMap;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::jobs::{flag_history_of, plain, preview_of};
use crate::health::{Board, HealthUpdate, State};
use crate::ledger::sql::chain::link_error;
use crate::ledger::Store;
use crate::ops::intent::Intent;
use crate::ops::{self, Ctx};
use crate::tui::event::{Down, FlagHistoryKey, Msg, Source};
use crate::tui::snapshot::{Insights, Query, Snapshot};

/// Time alone changes some state: a freeze window opens or closes on a
/// whole minute. So, when nothing else did, reload just after each minute
/// turns (the snapshot used to be reloaded every 15 s, minute or not).
const PAST_MINUTE: Duration = Duration::from_millis(200);
/// While the ledger cannot be read, try again this often.
const RETRY: Duration = Duration::from_secs(1);
/// Events read per query while catching up.
const PAGE: usize = 1000;
/// How long insights are kept while the ledger does not move: they replay
/// twelve weeks of events (a busy ledger's twelve weeks take a while), and
/// weekly figures hardly change with the clock alone.
const INSIGHTS_KEPT: Duration = Duration::from_secs(300);

pub(super) enum ReaderReq {
    Query(Query),
    Preview {
        id: u64,
        intent: Intent,
    },
    Health(HealthUpdate),
    FlagHistory {
        key: FlagHistoryKey,
        seq: u64,
    },
    /// The watcher saw the head move, or reads the ledger again.
    Moved,
}

/// The events this console has seen, by the newest one's (seq, hash): each
/// new event must link to it (DESIGN §11: re-check every new row's link).
#[derive(Debug, Default)]
pub struct Follower {
    tip: Option<(u64, String)>,
    /// The first broken link seen (seq, why).
    pub broken: Option<(u64, String)>,
}

impl Follower {
    /// Read the events after the tip, checking each link; returns a break
    /// found now (only the first one is ever reported).
    pub fn catch_up(&mut self, store: &dyn Store) -> crate::Result<Option<(u64, String)>> {
        let Some(tip) = &mut self.tip else {
            self.tip = Some(store.head()?);
            return Ok(None);
        };
        let mut found = None;
        let head = store.head_seq()?;
        if head < tip.0 {
            found = Some((
                head,
                format!("the ledger ends at seq {head}, but this console saw seq {}", tip.0),
            ));
            *tip = store.head()?;
        }
        loop {
            let events = store.events_after(tip.0, PAGE)?;
            for e in &events {
                if let Some(why) = link_error(tip, e) {
                    found.get_or_insert((e.seq, why));
                }
                *tip = (e.seq, e.hash.clone());
            }
            if events.len() < PAGE {
                break;
            }
        }
        if self.broken.is_some() {
            return Ok(None);
        }
        self.broken.clone_from(&found);
        Ok(found)
    }

    pub fn tip(&self) -> Option<&(u64, String)> {
        self.tip.as_ref()
    }
}

type HealthKey = (Option<State>, Option<String>, Vec<String>);
/// A chain break found now, the snapshot, and whether it was made from the last one.
type Loaded = (Option<(u64, String)>, Snapshot, bool);

struct Reader {
    ctx: Ctx,
    query: Query,
    /// Only the latest sample per endpoint: drift and gates read no history.
    board: Board,
    /// Each env's health as last reported to the UI: state, reason, versions.
    summaries: HashMap<String, HealthKey>,
    follower: Follower,
    /// The last load failed: try again after `RETRY`.
    failing: bool,
    loaded: Instant,
    /// Just after the next whole minute from the last load.
    minute: Instant,
    /// When to look at the leases again (a lease shown may run out).
    lease_check: Option<Instant>,
    /// The last snapshot sent, and the ledger's head seq it was read at.
    last: Option<(Snapshot, Option<u64>)>,
    /// The last insights read: at which head seq, and when.
    insights: Option<(Option<u64>, Instant, Insights)>,
}

pub(super) fn reader_loop(ctx: Ctx, query: Query, rx: mpsc::Receiver<ReaderReq>, tx: UnboundedSender<Msg>) {
    let mut r = Reader {
        ctx,
        query,
        board: Board::latest_only(),
        summaries: HashMap::new(),
        follower: Follower::default(),
        failing: false,
        loaded: Instant::now(),
        minute: Instant::now(),
        lease_check: None,
        last: None,
        insights: None,
    };
    // Once at start: writes may have landed since the first snapshot.
    let mut reload = true;
    // Something besides the query may have changed: read everything.
    let mut full = true;
    let mut leases_due = false;
    loop {
        if reload && !r.reload(leases_due, full, &tx) {
            return;
        }
        let wait = r.next_wake().saturating_duration_since(Instant::now());
        reload = false;
        full = false;
        leases_due = false;
        let mut histories = Vec::new();
        let mut first = Some(rx.recv_timeout(wait));
        // Drain everything queued: only the newest query matters.
        loop {
            let got = match first.take() {
                Some(r) => r,
                None => rx.try_recv().map_err(|e| match e {
                    mpsc::TryRecvError::Empty => RecvTimeoutError::Timeout,
                    mpsc::TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                }),
            };
            match got {
                Ok(ReaderReq::Query(q)) => {
                    reload |= !r.holds(&q);
                    r.query = q;
                }
                Ok(ReaderReq::Preview { id, intent }) => {
                    let _ = tx.send(r.preview(id, &intent));
                }
                Ok(ReaderReq::FlagHistory { key, seq }) => histories.push((key, seq)),
                Ok(ReaderReq::Health(u)) => {
                    let changed = r.health(u);
                    reload |= changed;
                    full |= changed;
                }
                Ok(ReaderReq::Moved) => {
                    reload = true;
                    full = true;
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        answer_histories(&r.ctx, histories, &tx);
        let now = Instant::now();
        if r.lease_check.is_some_and(|t| t <= now) {
            leases_due = true;
            reload = true;
        }
        let timed = leases_due || (r.failing && r.loaded + RETRY <= now) || r.stale_at() <= now;
        reload |= timed;
        full |= timed;
    }
}

/// How long until just after the wall clock's next whole minute.
fn to_next_minute() -> Duration {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let into = Duration::from_millis((since_epoch.as_millis() % 60_000) as u64);
    Duration::from_secs(60) - into + PAST_MINUTE
}

impl Reader {
    /// Whether the UI already holds what `q` asks for, so nothing need be
    /// read or sent: `q` only turns insights off (leaving the Insights
    /// view: the rows shown stay as they are), or on again while the ones
    /// the last snapshot carried are still the kept ones. Each of those
    /// was a snapshot made, sent and drawn while the key's own frame was
    /// still reaching the terminal. The last snapshot's query follows, so
    /// a later change is read from it as usual (and the same query sent
    /// again is still a refresh).
    fn holds(&mut self, q: &Query) -> bool {
        let Some((last, head)) = &mut self.last else {
            return false;
        };
        let mut same = self.query.clone();
        same.insights = q.insights;
        if same != *q || last.query != self.query || self.query.insights == q.insights {
            return false;
        }
        let kept = self
            .insights
            .as_ref()
            .is_some_and(|(at, when, _)| at == head && when.elapsed() < INSIGHTS_KEPT);
        if q.insights && !(kept && last.insights.is_some()) {
            return false;
        }
        last.query.insights = q.insights;
        true
    }

    fn stale_at(&self) -> Instant {
        self.minute
    }

    fn next_wake(&self) -> Instant {
        let mut at = if self.failing {
            self.loaded + RETRY
        } else {
            self.stale_at()
        };
        if let Some(l) = self.lease_check {
            at = at.min(l);
        }
        at
    }

    /// Keep the board; reload only when an env's health *state* changes.
    /// Most samples repeat the one before but for latency: those cost a
    /// map update, and the env's summary is computed only for the others.
    fn health(&mut self, u: HealthUpdate) -> bool {
        let env = match &u {
            HealthUpdate::Check { env, .. } | HealthUpdate::Metric { env, .. } => env.clone(),
        };
        if !self.board.apply(u) {
            return false;
        }
        let h = self.board.env_health(&env);
        let now = (h.state, h.reason, h.versions);
        let before = self.summaries.insert(env, now.clone()).unwrap_or_default();
        before != now
    }

    /// Follow the new events, then load and send a snapshot (only what a
    /// new query adds, unless `full`). False when the UI is gone.
    fn reload(&mut self, leases_due: bool, full: bool, tx: &UnboundedSender<Msg>) -> bool {
        self.loaded = Instant::now();
        self.minute = self.loaded + to_next_minute();
        // Set again from the snapshot; while the ledger is gone, `RETRY` paces.
        let lease_was = self.lease_check.take();
        // A lease ran out: record the interruption (unless read-only), so
        // it waits for a person on every console.
        if leases_due && !self.ctx.read_only {
            let _ = ops::recover::detect_interrupted(&mut self.ctx);
        }
        // A connection the server dropped (a restart, pg_terminate_backend)
        // fails once and reconnects on the next call: only a second failure
        // in a row means the ledger is gone.
        let result = self.load(full).or_else(|_| self.load(true));
        match result {
            Ok((broken, snap, partial)) => {
                self.failing = false;
                if let Some((seq, why)) = broken {
                    let _ = tx.send(Msg::ChainBroken { seq, why });
                }
                // A partial load carries the last status (its countdowns
                // are as old as it): the check planned from it still holds.
                self.lease_check = if partial {
                    lease_was
                } else {
                    lease_check(&snap, self.ctx.read_only)
                };
                let head = self.follower.tip().map(|t| t.0);
                self.last = Some((snap.clone(), head));
                tx.send(Msg::Snapshot(Box::new(snap))).is_ok()
            }
            Err(e) => {
                self.failing = true;
                let down = Down {
                    location: self.ctx.store.location(),
                    error: plain(&e),
                };
                tx.send(Msg::Ledger {
                    source: Source::Reader,
                    down: Some(down),
                })
                .is_ok()
            }
        }
    }
}

impl Reader {
    /// The chain break found now, the snapshot, and whether it was made
    /// from the last one (only the query changed).
    fn load(&mut self, full: bool) -> crate::Result<Loaded> {
        let broken = self.follower.catch_up(&*self.ctx.store)?;
        let head = self.follower.tip().map(|t| t.0);
        // A break found now is reported with a whole reload.
        let full = full || broken.is_some();
        let kept = self
            .insights
            .as_ref()
            .filter(|(at, when, _)| *at == head && when.elapsed() < INSIGHTS_KEPT)
            .map(|(_, _, i)| i);
        let (snap, partial) = match &self.last {
            // The same query again is a refresh (an action finished, ctrl-r).
            Some((prev, at)) if !full && *at == head && prev.query != self.query => {
                (Snapshot::load_changed(&self.ctx, &self.query, prev, kept)?, true)
            }
            // What no new event touched is taken from the last one, unless
            // a break was found: then everything is read again.
            Some((prev, _)) if broken.is_none() => (
                Snapshot::load_since(&self.ctx, &self.query, &self.board, kept, prev)?,
                false,
            ),
            _ => (Snapshot::load_full(&self.ctx, &self.query, &self.board, kept)?, false),
        };
        if let (Some(i), None) = (&snap.insights, kept) {
            self.insights = Some((head, Instant::now(), i.clone()));
        }
        Ok((broken, snap, partial))
    }

    /// A preview with the reader's health board, asked again once when it
    /// failed (a dropped connection reconnects).
    fn preview(&self, id: u64, intent: &Intent) -> Msg {
        let result = preview_of(&self.ctx, Some(&self.board), intent)
            .or_else(|_| preview_of(&self.ctx, Some(&self.board), intent));
        Msg::Previewed { id, result }
    }
}

/// When to look at the leases shown in `s` again: halfway to the soonest
/// expiry (a heartbeat may have renewed it: the countdown should not reach
/// zero for a live holder), and just after it when under two seconds are
/// left. An expired, unrecorded lease is recorded at once (not read-only).
fn lease_check(s: &Snapshot, read_only: bool) -> Option<Instant> {
    let now = Instant::now();
    s.status
        .environments
        .iter()
        .filter_map(|e| e.deployment.as_ref()?.lease.as_ref())
        .filter_map(|l| {
            let wait = match l.expires_in_s {
                _ if l.expired && read_only => return None,
                _ if l.expired => Duration::from_millis(100),
                s if s >= 2 => Duration::from_millis((s as u64 * 500).min(5000)),
                s => Duration::from_millis((s.max(0) as u64 + 1) * 1000 + 200),
            };
            Some(now + wait)
        })
        .min()
}

/// Only the newest of a burst of flag-history requests (keys held down)
/// is read; the others are answered "skipped".
fn answer_histories(ctx: &Ctx, mut asked: Vec<(FlagHistoryKey, u64)>, tx: &UnboundedSender<Msg>) {
    let Some((key, seq)) = asked.pop() else { return };
    for (key, seq) in asked {
        let _ = tx.send(Msg::FlagHistory { key, seq, result: None });
    }
    let result = Some(flag_history_of(ctx, &key));
    let _ = tx.send(Msg::FlagHistory { key, seq, result });
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
