//! One delivery attempt: POST a webhook, or run a command with the event in
//! its environment. Either ends within its timeout; the error says why, in
//! one line (redacted by the caller before it is stored or shown).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How much of an answer (or a command's stderr) is kept for the error.
const KEEP: usize = 300;

fn user_agent() -> String {
    format!("relcon/{}", env!("CARGO_PKG_VERSION"))
}

fn one_line(s: &str) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let flat = flat.trim();
    if flat.chars().count() > KEEP {
        format!("{}…", flat.chars().take(KEEP).collect::<String>())
    } else {
        flat.to_string()
    }
}

/// POST `body` (JSON) to `url`; 2xx is delivered.
pub fn post(url: &str, token_env: Option<&str>, body: String, timeout: Duration) -> Result<(), String> {
    let token = match token_env {
        Some(name) => match std::env::var(name) {
            Ok(t) if !t.is_empty() => Some(t),
            _ => return Err(format!("token_env {name} is not set")),
        },
        None => None,
    };
    let url = url.to_string();
    let host = host_of(&url);
    // A thread of its own: reqwest's blocking client must not run on an
    // async runtime's thread.
    let worker = std::thread::spawn(move || -> Result<(), String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .user_agent(user_agent())
            .build()
            .map_err(|e| e.to_string())?;
        let mut req = client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        // The URL stays out of every error: a Slack webhook's path is its secret.
        let resp = req.send().map_err(|e| {
            let e = e.without_url();
            if e.is_timeout() {
                format!("{host}: no answer within {}", crate::config::format_duration(timeout))
            } else {
                format!("{host}: {}", one_line(&error_chain(&e)))
            }
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let mut raw = Vec::new();
        let _ = resp.take(KEEP as u64 * 4).read_to_end(&mut raw);
        let text = one_line(&String::from_utf8_lossy(&raw));
        Err(if text.is_empty() {
            format!("HTTP {}", status.as_u16())
        } else {
            format!("HTTP {}: {text}", status.as_u16())
        })
    });
    worker
        .join()
        .unwrap_or_else(|_| Err("the request thread panicked".into()))
}

/// "https://hooks.slack.com/services/T/B/X" → "hooks.slack.com": what an
/// error may say about where it was sending.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit('@').next().unwrap_or("").to_string()
}

/// reqwest's error with its causes ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = c.source();
    }
    out
}

/// `sh -c run` in `dir`, the event in `env`; exit 0 is delivered. Killed
/// (with its process group) at `timeout`.
pub fn run(run: &str, dir: &Path, env: &[(String, String)], timeout: Duration) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(run)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot start sh: {e}"))?;
    // stderr is read on a thread, so a chatty command cannot fill the pipe and stall.
    let mut stderr = child.stderr.take();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 * 1024).read_to_end(&mut buf);
        }
        let _ = tx.send(buf);
    });
    let until = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() >= until => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("waiting for the command: {e}")),
        }
    };
    let Some(status) = status else {
        // SAFETY: signalling the process group we created above.
        unsafe {
            libc::kill(-(child.id() as i32), libc::SIGKILL);
        }
        let _ = child.wait();
        return Err(format!(
            "still running after {}: killed",
            crate::config::format_duration(timeout)
        ));
    };
    // A background grandchild may hold stderr open: wait a little, not forever.
    let err = rx.recv_timeout(Duration::from_millis(200)).unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let tail = String::from_utf8_lossy(&err);
    let tail = tail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
    let code = status
        .code()
        .map_or_else(|| "killed by a signal".to_string(), |c| format!("exit {c}"));
    Err(if tail.is_empty() {
        code
    } else {
        format!("{code}: {}", one_line(tail))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_host_of_a_url_is_told() {
        assert_eq!(
            super::host_of("https://hooks.slack.com/services/T0/B0/XX"),
            "hooks.slack.com"
        );
        assert_eq!(super::host_of("http://user:pw@127.0.0.1:9/x?y"), "127.0.0.1:9");
    }
}
