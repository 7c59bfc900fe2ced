//! Work off the UI task. A reader thread owns its own `Ctx`, polls the
//! ledger's head seq every 250 ms and sends a fresh `Snapshot` when it moves
//! (another console's write shows within a second) or when asked. Actions
//! run on worker threads, each with its own `Ctx`, through the same ops the
//! CLI calls; their progress streams back as messages.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::commits::CommitsKey;
use super::event::{Job, Msg, PlanRequest, PlanStep};
use super::flag_history::FlagHistoryKey;
pub use super::jobs::{commits_of, flag_history_of, one_line, plain, run_job};
use super::snapshot::{Query, Snapshot};
use crate::exec::CancelToken;
use crate::health::{Board, HealthUpdate};
use crate::ops::plan::{self, Request};
use crate::ops::{self, Ctx};

const POLL: Duration = Duration::from_millis(250);
/// Time alone changes some state (a freeze window opens): reload now and then.
const STALE: Duration = Duration::from_secs(15);

enum ReaderReq {
    Query(Query),
    Plan { id: u64, request: PlanRequest },
    Health(HealthUpdate),
    FlagHistory { key: FlagHistoryKey, seq: u64 },
}

/// Handles the UI keeps to talk to the threads.
pub struct Backend {
    reader: mpsc::Sender<ReaderReq>,
    worker: mpsc::Sender<(u64, Job, CancelToken)>,
    /// git for the detail pane, when `project.repo` is set.
    git: Option<mpsc::Sender<CommitsKey>>,
    actor: String,
    cancel: Arc<Mutex<Option<CancelToken>>>,
}

impl Backend {
    /// Start the reader and the worker dispatcher, each on a context of its own.
    pub fn start(ctx: &Ctx, query: Query, tx: UnboundedSender<Msg>) -> crate::Result<Backend> {
        let reader_ctx = ctx.reopen()?;
        let worker_ctx = ctx.reopen()?;
        let (rtx, rrx) = mpsc::channel();
        let (wtx, wrx) = mpsc::channel::<(u64, Job, CancelToken)>();
        let tx2 = tx.clone();
        let tx3 = tx.clone();
        std::thread::Builder::new()
            .name("relcon-reader".into())
            .spawn(move || reader_loop(reader_ctx, query, rrx, tx))?;
        std::thread::Builder::new()
            .name("relcon-worker".into())
            .spawn(move || {
                // One thread per job, so a tick does not wait behind a long hook.
                while let Ok((id, job, cancel)) = wrx.recv() {
                    let tx = tx2.clone();
                    match worker_ctx.reopen() {
                        Ok(mut c) => {
                            let spawned = std::thread::Builder::new().name("relcon-job".into()).spawn(move || {
                                let result = run_job(&mut c, &job, &cancel, &mut |p| {
                                    let _ = tx.send(Msg::Progress { id, progress: p });
                                });
                                let _ = tx.send(Msg::Finished { id, result });
                            });
                            if let Err(e) = spawned {
                                let _ = tx2.send(Msg::Finished {
                                    id,
                                    result: Err(format!("cannot start worker: {e}")),
                                });
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Msg::Finished {
                                id,
                                result: Err(one_line(&e)),
                            });
                        }
                    }
                }
            })?;
        let git = match ctx.config.project.repo {
            Some(_) => {
                let (gtx, grx) = mpsc::channel();
                let git_ctx = ctx.reopen()?;
                let tx = tx3;
                std::thread::Builder::new()
                    .name("relcon-git".into())
                    .spawn(move || git_loop(&git_ctx, grx, tx))?;
                Some(gtx)
            }
            None => None,
        };
        Ok(Backend {
            reader: rtx,
            worker: wtx,
            git,
            actor: ctx.actor.clone(),
            cancel: Arc::new(Mutex::new(None)),
        })
    }

    pub fn query(&self, q: Query) {
        let _ = self.reader.send(ReaderReq::Query(q));
    }

    /// A health sample: the reader keeps its own board for drift and gates.
    pub fn health(&self, u: HealthUpdate) {
        let _ = self.reader.send(ReaderReq::Health(u));
    }

    /// List the commits between two releases; the answer comes as `Msg::Commits`.
    pub fn commits(&self, key: CommitsKey) {
        if let Some(git) = &self.git {
            let _ = git.send(key);
        }
    }

    /// A flag's recent changes; the answer comes as `Msg::FlagHistory`.
    pub fn flag_history(&self, key: FlagHistoryKey, seq: u64) {
        let _ = self.reader.send(ReaderReq::FlagHistory { key, seq });
    }

    pub fn plan(&self, id: u64, request: PlanRequest) {
        let _ = self.reader.send(ReaderReq::Plan { id, request });
    }

    pub fn run(&self, id: u64, job: Job) {
        let token = CancelToken::default();
        if job.runs_hook() {
            if let Ok(mut g) = self.cancel.lock() {
                *g = Some(token.clone());
            }
        }
        let _ = self.worker.send((id, job, token));
    }

    /// Cancel the hook started last (the process group is killed, the
    /// deployment recorded as failed "cancelled by …").
    pub fn cancel(&self) {
        if let Ok(g) = self.cancel.lock() {
            if let Some(t) = g.as_ref() {
                t.cancel(&self.actor);
            }
        }
    }
}

fn reader_loop(ctx: Ctx, mut query: Query, rx: mpsc::Receiver<ReaderReq>, tx: UnboundedSender<Msg>) {
    let mut board = Board::default();
    let mut last_head: Option<u64> = None;
    let mut loaded_at = Instant::now();
    loop {
        let mut force = false;
        let mut histories = Vec::new();
        let mut first = Some(rx.recv_timeout(POLL));
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
                    query = q;
                    force = true;
                }
                Ok(ReaderReq::Plan { id, request }) => {
                    let _ = tx.send(plan_message(&ctx, &board, id, &request));
                }
                Ok(ReaderReq::FlagHistory { key, seq }) => histories.push((key, seq)),
                Ok(ReaderReq::Health(u)) => {
                    // Reload only when an env's health *state* changes, not per sample.
                    let env = match &u {
                        HealthUpdate::Check { env, .. } | HealthUpdate::Metric { env, .. } => env.clone(),
                    };
                    let key = |b: &Board| {
                        let h = b.env_health(&env);
                        (h.state, h.reason, h.versions)
                    };
                    let before = key(&board);
                    board.apply(u);
                    force |= key(&board) != before;
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        answer_histories(&ctx, histories, &tx);
        let head = match ctx.store.head_seq() {
            Ok(h) => h,
            Err(e) => {
                let _ = tx.send(Msg::BackendError(one_line(&e)));
                continue;
            }
        };
        if force || last_head != Some(head) || loaded_at.elapsed() >= STALE {
            match Snapshot::load_with(&ctx, &query, &board) {
                Ok(s) => {
                    last_head = Some(head);
                    if tx.send(Msg::Snapshot(Box::new(s))).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Msg::BackendError(one_line(&e)));
                }
            }
            loaded_at = Instant::now();
        }
    }
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

/// Runs git for the detail pane. Only the newest request of a burst (keys
/// held down) runs; the others are answered "skipped", so the app asks
/// again should one of them be highlighted later.
fn git_loop(ctx: &Ctx, rx: mpsc::Receiver<CommitsKey>, tx: UnboundedSender<Msg>) {
    while let Ok(first) = rx.recv() {
        let mut keys = vec![first];
        keys.extend(rx.try_iter());
        let Some(newest) = keys.pop() else { continue };
        for key in keys {
            let _ = tx.send(Msg::Commits { key, result: None });
        }
        let result = commits_of(ctx, &newest);
        if tx
            .send(Msg::Commits {
                key: newest,
                result: Some(result),
            })
            .is_err()
        {
            return;
        }
    }
}

/// The answer to a plan request, as the message the app expects.
pub fn plan_message(ctx: &Ctx, board: &Board, id: u64, request: &PlanRequest) -> Msg {
    match request {
        PlanRequest::Flag { env, flag, op } => Msg::FlagPlanned {
            id,
            result: super::flag_work::plan(ctx, env, flag, op),
        },
        _ => Msg::Planned {
            id,
            result: plan_with(ctx, board, request),
        },
    }
}

/// What an action would do, gate by gate, as of now (health as not polled).
pub fn plan_for(ctx: &Ctx, request: &PlanRequest) -> Result<Vec<PlanStep>, String> {
    plan_with(ctx, &Board::default(), request)
}

/// The `require_healthy` verdict on a promotion's source: from the board,
/// or from one poll when the board has not heard from it yet.
fn source_health(ctx: &Ctx, board: &Board, from: &str) -> Option<(bool, String)> {
    let e = ctx.config.env(from)?;
    if !e.require_healthy {
        return None;
    }
    if board.env_health(from).state.is_none() {
        let polled = crate::health::once::poll_blocking(&ctx.config, Some(&[from.to_string()]));
        return Some(ops::health::gate_verdict(&ctx.config, &polled, from));
    }
    Some(ops::health::gate_verdict(&ctx.config, board, from))
}

/// What an action would do, gate by gate, as of now.
pub fn plan_with(ctx: &Ctx, board: &Board, request: &PlanRequest) -> Result<Vec<PlanStep>, String> {
    let view = ctx.store.view();
    let now = ctx.now();
    let planned = |req: &Request| {
        let health = match req {
            Request::Promote { from, .. } => source_health(ctx, board, from),
            _ => None,
        };
        plan::plan_with_health(view, &ctx.config, &ctx.actor, now, req, health).map_err(|e| plain(&e))
    };
    match request {
        PlanRequest::One(r) => {
            let p = planned(r)?;
            let from = match r {
                Request::Promote { from, .. } => Some(from.clone()),
                _ => None,
            };
            Ok(vec![PlanStep {
                from,
                to: r.env().to_string(),
                plan: Ok(p),
                skip: false,
                later: false,
            }])
        }
        PlanRequest::Through(target) => {
            let chain = ops::deploy::chain_to(ctx, target).map_err(|e| plain(&e))?;
            // The build that flows through: the first stage's, if every step succeeds.
            let incoming = chain
                .first()
                .and_then(|(f, _)| view.current_release(f).ok().flatten())
                .map(|r| r.version);
            let mut out = Vec::new();
            let mut first = true;
            for (from, to) in chain {
                let dst = view.current_release(&to).ok().flatten().map(|r| r.version);
                let skip = incoming.is_some() && incoming == dst;
                let req = Request::Promote {
                    from: from.clone(),
                    to: to.clone(),
                };
                // Only the first step that runs can be judged now; later ones
                // depend on it (their build, approvals, checklists).
                let later = !skip && !first;
                if !skip {
                    first = false;
                }
                out.push(PlanStep {
                    from: Some(from),
                    to,
                    plan: planned(&req),
                    skip,
                    later,
                });
            }
            Ok(out)
        }
        PlanRequest::Flag { .. } => Err("a flag change has no deployment plan".into()),
    }
}
