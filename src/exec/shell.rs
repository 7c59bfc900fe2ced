//! Shell steps: `sh -c RUN` in its own process group, so a timeout or a
//! cancel kills the whole tree the hook started.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{CancelToken, Capture, LineSplitter, Redactor, StepEnd};
use crate::config::format_duration;

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
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    for pipe in [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut pipe = pipe;
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let pgid = child.id() as i32;
    let deadline = Instant::now() + timeout;
    let mut lines = LineSplitter::default();
    let mut killed: Option<String> = None;
    let mut exited: Option<std::process::ExitStatus> = None;
    let mut exited_at: Option<Instant> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(chunk) => {
                capture.push(&chunk);
                lines.push(&chunk, redactor, emit);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if exited.is_some() {
                    break;
                }
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
            // The shell exited; a backgrounded grandchild may keep the pipe
            // open. Drain briefly, then stop waiting for it — but keep what
            // the readers already received (a fast hook's last lines may
            // still be queued here), or the output would lose its end.
            if at.elapsed() > Duration::from_millis(500) {
                while let Ok(chunk) = rx.try_recv() {
                    capture.push(&chunk);
                    lines.push(&chunk, redactor, emit);
                }
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
    lines.flush(redactor, emit);
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
