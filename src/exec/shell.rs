//! Shell steps: `sh -c RUN` in its own process group, so a timeout or a
//! cancel kills the whole tree the hook started.
//!
//! Three kinds of thread, so that nothing downstream can stall the hook or
//! its supervision: a reader per pipe (decode, sanitise, redact), a
//! supervisor (merge, capture, split lines, timeout, cancel), and the
//! caller's thread, which only hands live lines to `emit`. A consumer that
//! stops reading (a paused terminal) loses live lines, counted and reported,
//! never the hook's progress or its timeout.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::{Duration, Instant};

use super::clean::Cleaner;
use super::lines::{skipped_note, LineSplitter, LiveBudget};
use super::{CancelToken, Capture, Redactor, StepEnd};
use crate::config::format_duration;

/// Chunks (of at most 8 KiB read) queued between the readers and the supervisor.
const CHUNKS_IN_FLIGHT: usize = 8;
/// Live lines queued for the caller; more are skipped (and counted).
const LINES_IN_FLIGHT: usize = 256;
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
    let chunks = start_readers(&mut child, redactor);
    let (line_tx, line_rx) = mpsc::sync_channel::<String>(LINES_IN_FLIGHT);
    std::thread::scope(|s| {
        let supervisor = s.spawn(move || supervise(child, chunks, timeout, cancel, capture, line_tx));
        for line in line_rx {
            emit(line);
        }
        let (end, skipped) = supervisor
            .join()
            .unwrap_or_else(|_| (StepEnd::Failed("hook supervisor failed".into()), 0));
        if skipped > 0 {
            emit(skipped_note(skipped));
        }
        end
    })
}

/// A reader thread per pipe. Each stream is made safe (decoded, sanitised,
/// redacted) on its own before the two are merged, so a secret split across
/// reads, or interleaved with the other stream, is still recognised. The
/// channel is bounded: if the supervisor falls behind, the readers wait and
/// the pipe throttles the hook, instead of its output queueing in memory.
fn start_readers(child: &mut Child, redactor: &Redactor) -> Receiver<(usize, String)> {
    let (tx, rx) = mpsc::sync_channel::<(usize, String)>(CHUNKS_IN_FLIGHT);
    let pipes = [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
    ];
    for (i, pipe) in pipes.into_iter().enumerate() {
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
    rx
}

/// Drain the readers into the capture and the live lines until the hook
/// ends, enforcing the timeout and the cancel. Never waits for the caller:
/// a live line that finds the queue full is skipped. Returns how the step
/// ended and how many skipped lines are still to be reported.
fn supervise(
    mut child: Child,
    chunks: Receiver<(usize, String)>,
    timeout: Duration,
    cancel: &CancelToken,
    capture: &mut Capture,
    lines_out: SyncSender<String>,
) -> (StepEnd, u64) {
    let pgid = child.id() as i32;
    let deadline = Instant::now() + timeout;
    let mut lines = [LineSplitter::default(), LineSplitter::default()];
    let mut budget = LiveBudget::default();
    let mut offer = |line: String| lines_out.try_send(line).is_ok();
    let mut killed: Option<String> = None;
    let mut exited: Option<std::process::ExitStatus> = None;
    let mut exited_at: Option<Instant> = None;
    let mut last_output = Instant::now();
    loop {
        match chunks.recv_timeout(Duration::from_millis(25)) {
            Ok((i, text)) => {
                capture.push(&text);
                budget.refill();
                lines[i].push(&text, &mut budget, &mut offer);
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
        l.flush(&mut budget, &mut offer);
    }
    let skipped = budget.take_skipped();
    if let Some(why) = killed {
        let _ = child.wait();
        return (StepEnd::Failed(why), skipped);
    }
    let end = match exited {
        Some(st) if st.success() => StepEnd::Ok,
        Some(st) => match st.code() {
            Some(code) => StepEnd::Failed(format!("exit code {code}")),
            None => StepEnd::Failed("killed by a signal".into()),
        },
        None => StepEnd::Failed("hook did not exit".into()),
    };
    (end, skipped)
}

/// SIGTERM the group, give it a moment, then SIGKILL what is left.
fn kill_group(child: &mut Child, pgid: i32) {
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
