//! Running hooks: shell commands as real child processes (own process
//! group, timeout, cancel) and webhooks. Data reaches a hook only through
//! environment variables (or the webhook's JSON body), never the command text.

mod capture;
mod clean;
mod github;
mod lines;
mod redact;
mod shell;
pub mod signals;
mod webhook;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use capture::Capture;
pub use clean::{sanitize, Cleaner};
pub use redact::{Redactor, StreamRedactor};

use crate::config::{Hook, HookKind};

/// Progress a hook reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookEvent {
    StepStarted {
        name: String,
    },
    /// One line of output (sanitised, redacted, at most 1 000 chars). When
    /// a hook prints faster than lines can be shown, a line saying how many
    /// were not shown takes their place.
    Output {
        step: String,
        line: String,
    },
    StepFinished {
        name: String,
        ok: bool,
        detail: String,
    },
}

#[derive(Debug, Clone)]
pub struct HookOutcome {
    pub ok: bool,
    /// Why it failed: "step deploy: exit code 1", "timed out after 10m", "cancelled by ana".
    pub error: Option<String>,
    /// Bounded, sanitised, redacted output of every step.
    pub output: String,
    pub duration: Duration,
}

/// Lets another task stop a running hook. Cancelling kills the step's
/// process group, as a timeout does.
/// What [`CancelToken::on_cancel`] runs.
pub type OnCancel = Box<dyn Fn() + Send>;

#[derive(Clone, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
    by: Arc<Mutex<Option<String>>>,
    /// Called once on cancel, by registration id: they end waits that
    /// cannot see the flag.
    wakers: Arc<Mutex<Wakers>>,
}

#[derive(Default)]
struct Wakers {
    next: u64,
    waiting: Vec<(u64, OnCancel)>,
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl CancelToken {
    pub fn cancel(&self, by: &str) {
        if let Ok(mut g) = self.by.lock() {
            *g = Some(by.to_string());
        }
        self.flag.store(true, Ordering::SeqCst);
        if let Ok(mut w) = self.wakers.lock() {
            for (_, wake) in w.waiting.drain(..) {
                wake();
            }
        }
    }

    /// Call `wake` when this is cancelled (at once when it already is), so a
    /// thread blocked in a wait that cannot see the flag returns. Returns an
    /// id for [`CancelToken::forget`], once the wait is over for good.
    pub fn on_cancel(&self, wake: OnCancel) -> Option<u64> {
        if let Ok(mut w) = self.wakers.lock() {
            // Checked under the lock `cancel` drains with: never missed.
            if !self.is_cancelled() {
                w.next += 1;
                let id = w.next;
                w.waiting.push((id, wake));
                return Some(id);
            }
        }
        wake();
        None
    }

    /// Drop a registration of [`CancelToken::on_cancel`]: a token that
    /// outlives many waits does not keep a waker for each.
    pub fn forget(&self, id: Option<u64>) {
        if let (Some(id), Ok(mut w)) = (id, self.wakers.lock()) {
            w.waiting.retain(|(i, _)| *i != id);
        }
    }
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
    pub fn cancelled_by(&self) -> String {
        self.by
            .lock()
            .ok()
            .and_then(|g| g.clone())
            .unwrap_or_else(|| "unknown".into())
    }
}

/// How one step ended.
pub(crate) enum StepEnd {
    Ok,
    Failed(String),
}

/// Run every step of `hook` in order; the first failing step stops the rest.
pub fn run_hook(
    hook: &Hook,
    cwd: &Path,
    env: &[(String, String)],
    redactor: &Redactor,
    cancel: &CancelToken,
    on_event: &mut dyn FnMut(HookEvent),
) -> HookOutcome {
    let started = Instant::now();
    let mut capture = Capture::default();
    let mut error = None;
    for step in &hook.steps {
        on_event(HookEvent::StepStarted {
            name: step.name.clone(),
        });
        if hook.multi_step {
            capture.push(&format!("── step {} ──\n", step.name));
        }
        let mut emit = |line: String| {
            on_event(HookEvent::Output {
                step: step.name.clone(),
                line,
            })
        };
        let end = match &step.kind {
            HookKind::Shell { run } => {
                shell::run(run, cwd, env, step.timeout, cancel, redactor, &mut capture, &mut emit)
            }
            HookKind::Github(g) => github::run(g, env, step.timeout, cancel, redactor, &mut capture, &mut emit),
            HookKind::Webhook(w) => webhook::post(w, env, step.timeout, cancel, redactor, &mut capture, &mut emit),
        };
        let (ok, detail) = match end {
            StepEnd::Ok => (true, "done".to_string()),
            StepEnd::Failed(d) => (false, redactor.redact(&d)),
        };
        // The step's name and outcome only: output and variables may hold secrets.
        tracing::info!(step = %step.name, ok, elapsed_ms = started.elapsed().as_millis() as u64, "hook step");
        on_event(HookEvent::StepFinished {
            name: step.name.clone(),
            ok,
            detail: detail.clone(),
        });
        if !ok {
            error = Some(if hook.multi_step {
                format!("step {}: {detail}", step.name)
            } else {
                detail
            });
            break;
        }
    }
    HookOutcome {
        ok: error.is_none(),
        error,
        output: redactor.redact(&capture.text()),
        duration: started.elapsed(),
    }
}

#[cfg(test)]
mod cancel_tests {
    use super::CancelToken;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    #[test]
    fn on_cancel_runs_once_whether_registered_before_or_after_the_cancel() {
        let calls = Arc::new(AtomicU32::new(0));
        let count = |c: &Arc<AtomicU32>| {
            let c = c.clone();
            Box::new(move || {
                c.fetch_add(1, Ordering::SeqCst);
            }) as super::OnCancel
        };
        let t = CancelToken::default();
        t.on_cancel(count(&calls));
        assert_eq!(calls.load(Ordering::SeqCst), 0, "not before the cancel");
        t.clone().cancel("ana");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        t.on_cancel(count(&calls));
        assert_eq!(calls.load(Ordering::SeqCst), 2, "at once when already cancelled");
        t.cancel("bo");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "each runs once");
        // A registration forgotten before the cancel is never run.
        let t = CancelToken::default();
        let id = t.on_cancel(count(&calls));
        t.forget(id);
        t.cancel("ana");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
