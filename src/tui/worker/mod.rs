//! Work off the UI task: nothing here runs on it, and nothing on it touches
//! the store (the PostgreSQL client blocks on a runtime of its own). A
//! watcher thread waits for the ledger to move and wakes the reader
//! (`watcher`); the reader owns a `Ctx` and sends whole snapshots
//! (`reader`); actions run on worker threads, each with its own `Ctx`,
//! through the same ops the CLI calls, their progress streaming back as
//! messages; presence has a thread of its own (`presence`).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

pub mod jobs;
pub mod presence;
pub mod reader;
mod watcher;

use super::event::{CommitsKey, FlagHistoryKey, Job, Msg};
use super::snapshot::Query;
use crate::exec::CancelToken;
use crate::health::HealthUpdate;
use crate::ops::intent::Intent;
use crate::ops::Ctx;
pub use jobs::{commits_of, diff_of, flag_history_of, one_line, plain, preview_of, run_job};
use reader::{reader_loop, ReaderReq};

/// Handles the UI keeps to talk to the threads.
pub struct Backend {
    reader: mpsc::Sender<ReaderReq>,
    worker: mpsc::Sender<(u64, Job, CancelToken)>,
    /// git for the detail pane, when `project.repo` is set.
    git: Option<mpsc::Sender<CommitsKey>>,
    actor: String,
    cancel: Arc<Mutex<Option<CancelToken>>>,
    /// Drives due rollout steps while the console is open (DESIGN §12).
    rollouts: Option<crate::ops::rollout::DriverHandle>,
    /// Stops the watcher thread when the console closes.
    watching: watcher::Watching,
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.watching.stop();
    }
}

impl Backend {
    /// Start the watcher, the reader and the worker dispatcher, each on a
    /// connection of its own. Call it outside the async runtime: opening a
    /// PostgreSQL connection blocks.
    pub fn start(ctx: &Ctx, query: Query, tx: UnboundedSender<Msg>) -> crate::Result<Backend> {
        let reader_ctx = ctx.reopen()?;
        let worker_ctx = ctx.reopen()?;
        let mut watch_store = crate::ledger::open(&ctx.config)?;
        let watching = watcher::Watching::new(&mut *watch_store);
        let watch_stop = watching.clone();
        let (rtx, rrx) = mpsc::channel();
        let (wtx, wrx) = mpsc::channel::<(u64, Job, CancelToken)>();
        let tx2 = tx.clone();
        let tx3 = tx.clone();
        let tx3_rollouts = tx.clone();
        let to_reader = rtx.clone();
        let to_app = tx.clone();
        std::thread::Builder::new()
            .name("relcon-watcher".into())
            .spawn(move || watcher::watch_loop(watch_store, watching, to_reader, to_app))?;
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
                                if let Job::Diff(ask) = &job {
                                    let _ = tx.send(Msg::Diff {
                                        id,
                                        result: diff_of(&c, ask),
                                    });
                                    return;
                                }
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
        // The watcher sees what it records; the cards follow from the
        // snapshot. An abort by the analysis is said on the status line too.
        let to_app = tx3_rollouts;
        let rollouts = crate::ops::rollout::spawn_driver(
            ctx.reopen()?,
            Box::new(move |d| {
                if let crate::ops::rollout::Did::Aborted { env, rollout, why } = d {
                    let _ = to_app.send(Msg::RolloutAborted {
                        env: env.clone(),
                        rollout: rollout.clone(),
                        why: why.clone(),
                    });
                }
            }),
        );
        Ok(Backend {
            watching: watch_stop,
            rollouts,
            reader: rtx,
            worker: wtx,
            git,
            actor: ctx.actor.clone(),
            cancel: Arc::new(Mutex::new(None)),
        })
    }

    /// See [`Effect::HoldRollout`](crate::tui::event::Effect::HoldRollout).
    pub fn hold_rollout(&self, env: Option<String>) {
        if let Some(d) = &self.rollouts {
            d.hold(env);
        }
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

    /// What an intent would do; the answer comes as `Msg::Previewed`.
    pub fn preview(&self, id: u64, intent: Intent) {
        let _ = self.reader.send(ReaderReq::Preview { id, intent });
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
