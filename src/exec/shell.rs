//! Shell steps: `sh -c RUN` in its own process group, so a timeout or a
//! cancel kills the whole tree the hook started.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::clean::Cleaner;
use super::lines::{LineSplitter, LiveBudget};
use super::{CancelToken, Capture, Redactor, StepEnd};
use crate::config::format_duration;

/// Chunks (of at most 8 KiB read) queued between the readers and the loop.
const CHUNKS_IN_FLIGHT: usize = 8;
/// How long to keep reading after the shell exited, once output is quiet.
const GRACE: Duration = Duration::from_millis(500);

#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    run: &str,
    cwd: &Path,
    env: &[(String, String)],
    timeout: Duration,
    cancel: &CancelToken,
    redactor: &Redactor,
    capture: &mut Capture,
    emit: &mut dyn FnMut(String),
) -> StepEnd {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(run)
        .current_dir(cwd)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return StepEnd::Failed(format!("cannot start `sh -c`: {e}")),
    };
    // Each stream is made safe (decoded, sanitised, redacted) on its own
    // reader thread before the two are merged, so a secret split across
    // reads, or interleaved with the other stream, is still recognised. The
    // channel is bounded: a slow consumer slows the readers (the pipe then
    // throttles the hook) instead of queueing its output in memory.
    let (tx, rx) = mpsc::sync_channel::<(usize, String)>(CHUNKS_IN_FLIGHT);
    for (i, pipe) in [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(mut pipe) = pipe else { continue };
        let tx = tx.clone();
        let mut cleaner = Cleaner::new(redactor);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                let text = match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => cleaner.push(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                if !text.is_empty() && tx.send((i, text)).is_err() {
                    return;
                }
            }
            let rest = cleaner.finish();
            if !rest.is_empty() {
                let _ = tx.send((i, rest));
            }
        });
    }
    drop(tx);
    let pgid = child.id() as i32;
    let deadline = Instant::now() + timeout;
    let mut lines = [LineSplitter::default(), LineSplitter::default()];
    let mut budget = LiveBudget::default();
    let mut take = |(i, text): (usize, String), budget: &mut LiveBudget| {
        capture.push(&text);
        budget.refill();
        lines[i].push(&text, budget, emit);
    };
    let mut killed: Option<String> = None;
    let mut exited: Option<std::process::ExitStatus> = None;
    let mut exited_at: Option<Instant> = None;
    let mut last_output = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(chunk) => {
                take(chunk, &mut budget);
                last_output = Instant::now();
            }
            // Both streams ended.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if exited.is_some() || killed.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if exited.is_none() {
            if let Ok(Some(st)) = child.try_wait() {
                exited = Some(st);
                exited_at = Some(Instant::now());
            }
        }
        if let Some(at) = exited_at {
            // The shell exited; what it wrote is still being read. A
            // backgrounded grandchild may keep the pipes open: stop waiting
            // once they stay quiet for a moment (or after a bounded grace).
            if last_output.elapsed() > GRACE || at.elapsed() > 4 * GRACE {
                break;
            }
            continue;
        }
        if killed.is_none() {
            if cancel.is_cancelled() {
                killed = Some(format!("cancelled by {}", cancel.cancelled_by()));
            } else if Instant::now() >= deadline {
                killed = Some(format!("timed out after {}", format_duration(timeout)));
            }
            if killed.is_some() {
                kill_group(&mut child, pgid);
            }
        }
    }
    for l in &mut lines {
        l.flush(&mut budget, emit);
    }
    budget.report_skipped(emit);
    if let Some(why) = killed {
        let _ = child.wait();
        return StepEnd::Failed(why);
    }
    match exited {
        Some(st) if st.success() => StepEnd::Ok,
        Some(st) => match st.code() {
            Some(code) => StepEnd::Failed(format!("exit code {code}")),
            None => StepEnd::Failed("killed by a signal".into()),
        },
        None => StepEnd::Failed("hook did not exit".into()),
    }
}

/// SIGTERM the group, give it a moment, then SIGKILL what is left.
fn kill_group(child: &mut std::process::Child, pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
    unsafe {
        libc::kill(-pgid, libc::SIGTERM);
    }
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        // Reap the shell, or its zombie keeps the group looking alive.
        let _ = child.try_wait();
        // SAFETY: signal 0 only checks whether the group still exists.
        if unsafe { libc::kill(-pgid, 0) } != 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}
