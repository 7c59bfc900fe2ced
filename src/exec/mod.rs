//! Running hooks: shell commands as real child processes (own process
//! group, timeout, cancel) and webhooks. Data reaches a hook only through
//! environment variables (or the webhook's JSON body), never the command text.

mod capture;
mod redact;
mod shell;
pub mod signals;
mod webhook;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use capture::{sanitize, Capture};
pub use redact::Redactor;

use crate::config::{Hook, HookKind};

/// Progress a hook reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookEvent {
    StepStarted {
        name: String,
    },
    /// One line of output (sanitised, redacted, at most 1 000 chars).
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
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
    by: Arc<Mutex<Option<String>>>,
}

impl CancelToken {
    pub fn cancel(&self, by: &str) {
        if let Ok(mut g) = self.by.lock() {
            *g = Some(by.to_string());
        }
        self.flag.store(true, Ordering::SeqCst);
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
            capture.push(format!("── step {} ──\n", step.name).as_bytes());
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
            HookKind::Webhook { url, token_env } => webhook::post(
                url,
                token_env.as_deref(),
                env,
                step.timeout,
                cancel,
                redactor,
                &mut capture,
                &mut emit,
            ),
        };
        let (ok, detail) = match end {
            StepEnd::Ok => (true, "done".to_string()),
            StepEnd::Failed(d) => (false, redactor.redact(&d)),
        };
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

/// Splits a byte stream into lines for live display, bounding line length so
/// binary output without newlines still flows.
#[derive(Default)]
pub(crate) struct LineSplitter {
    partial: Vec<u8>,
}

const MAX_LINE: usize = 1000;

impl LineSplitter {
    pub fn push(&mut self, bytes: &[u8], redactor: &Redactor, emit: &mut dyn FnMut(String)) {
        for &b in bytes {
            if b == b'\n' || self.partial.len() >= 4 * MAX_LINE {
                self.flush(redactor, emit);
            } else {
                self.partial.push(b);
            }
        }
    }
    pub fn flush(&mut self, redactor: &Redactor, emit: &mut dyn FnMut(String)) {
        if self.partial.is_empty() {
            return;
        }
        let text = sanitize(&String::from_utf8_lossy(&self.partial));
        self.partial.clear();
        let mut line = redactor.redact(&text);
        if line.chars().count() > MAX_LINE {
            line = line.chars().take(MAX_LINE).collect::<String>() + "…";
        }
        emit(line);
    }
}
