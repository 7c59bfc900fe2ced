//! Shared helpers for the integration tests: a temp project folder with a
//! `relcon.toml`, a runner for the real binary, and small polling helpers.
//!
//! Every run of the binary sets `RELCON_USER` explicitly, removes
//! `RELCON_CONFIG` and proxy variables, and has no stdin (so no TTY).
//! A sandbox on PostgreSQL (`Sandbox::on`, see backend.rs and pg.rs) gets
//! its database through `RELCON_LEDGER_URL`, which every run carries.
#![allow(dead_code)]

mod backend;
pub mod pg;

#[allow(unused_imports)]
pub use backend::{lit, Backend};

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use relcon::config::{Config, LedgerLocation};
use relcon::ops::{self, Ctx};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_relcon");

/// The user every command runs as unless a test says otherwise.
pub const USER: &str = "ana";

/// A project folder: `relcon.toml`, scripts, and the ledger under
/// `.relcon/` — or, made with `Sandbox::on(Backend::Postgres, …)`, in a
/// PostgreSQL database of its own.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pg: Option<pg::TestDb>,
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
    /// Stdout parsed as JSON (panics with both streams if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success:\n{self}");
        self
    }
    pub fn code(self, want: i32) -> Run {
        assert_eq!(self.code, want, "expected exit {want}:\n{self}");
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Sandbox {
    /// A folder holding `relcon.toml` with `config` as its text.
    pub fn new(config: &str) -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("relcon-test-")
            .tempdir()
            .expect("temp dir");
        let sb = Sandbox { dir, pg: None };
        sb.write("relcon.toml", config);
        sb
    }

    /// A folder without a config.
    pub fn empty() -> Sandbox {
        Sandbox {
            dir: tempfile::Builder::new()
                .prefix("relcon-test-")
                .tempdir()
                .expect("temp dir"),
            pg: None,
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn config_path(&self) -> PathBuf {
        self.path("relcon.toml")
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.path(".relcon/ledger.db")
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    /// An executable shell script (a `#!/bin/sh` line is added).
    pub fn script(&self, rel: &str, body: &str) {
        self.write(rel, &format!("#!/bin/sh\n{body}\n"));
        let p = self.path(rel);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// The binary, in this folder, as `user`, no stdin, no inherited config.
    pub fn command_as<I, S>(&self, user: &str, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.root())
            .env("RELCON_USER", user)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.apply_env(&mut c);
        c
    }

    /// The environment every run in this sandbox gets (also for commands
    /// that run the binary indirectly, e.g. a shell loop).
    pub fn apply_env(&self, c: &mut Command) {
        // Head checkpoints of this sandbox's ledger stay in the sandbox.
        c.env("RELCON_STATE_DIR", self.path(".state"))
            .env_remove("RELCON_CONFIG")
            .env_remove("RELCON_LEDGER_URL");
        for v in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            c.env_remove(v);
        }
        if let Some(url) = self.ledger_url() {
            c.env("RELCON_LEDGER_URL", url);
        }
    }

    pub fn run_as(&self, user: &str, args: &[&str]) -> Run {
        let out = self.command_as(user, args).output().expect("run relcon");
        Run::from(out)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_as(USER, args)
    }

    /// Run with extra environment variables.
    pub fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut c = self.command_as(USER, args);
        for (k, v) in env {
            c.env(k, v);
        }
        Run::from(c.output().expect("run relcon"))
    }

    /// Start the binary without waiting.
    pub fn spawn_as(&self, user: &str, args: &[&str]) -> Child {
        self.command_as(user, args).spawn().expect("spawn relcon")
    }

    /// `args` must succeed; stdout parsed as JSON.
    pub fn json(&self, args: &[&str]) -> Value {
        self.run(args).ok().json()
    }

    pub fn register(&self, version: &str, commit: &str) {
        self.run(&["release", "register", version, "--commit", commit]).ok();
    }

    pub fn status(&self) -> Value {
        self.json(&["status", "--json"])
    }

    /// One environment of `status --json`.
    pub fn env_status(&self, env: &str) -> Value {
        let st = self.status();
        st["environments"]
            .as_array()
            .expect("environments array")
            .iter()
            .find(|e| e["name"] == env)
            .cloned()
            .unwrap_or_else(|| panic!("no env {env} in status: {st}"))
    }

    pub fn history(&self, env: &str) -> Vec<Value> {
        self.json(&["history", env, "--json", "--limit", "1000"])
            .as_array()
            .expect("history array")
            .clone()
    }

    pub fn audit(&self) -> Vec<Value> {
        self.json(&["audit", "--json", "--limit", "100000"])
            .as_array()
            .expect("audit array")
            .clone()
    }

    /// The loaded config, pointing at this sandbox's ledger (as
    /// `RELCON_LEDGER_URL` does for the binary).
    pub fn config(&self) -> Config {
        let mut c = Config::load(&self.config_path()).unwrap_or_else(|e| panic!("config: {e}"));
        if let Some(url) = self.ledger_url() {
            c.ledger.location = LedgerLocation::Postgres(url.to_string());
        }
        c
    }

    /// An in-process context on this sandbox's ledger.
    pub fn ctx(&self, user: &str) -> Ctx {
        Ctx::open(self.config(), user.to_string(), ops::system_clock()).unwrap_or_else(|e| panic!("open ctx: {e}"))
    }

    /// A raw connection to the ledger file, for tampering on purpose
    /// (SQLite only: see `sql`, `tamper` and `pg` for either store).
    pub fn db(&self) -> rusqlite::Connection {
        assert!(
            self.pg.is_none(),
            "db() is SQLite-only; this sandbox's ledger is PostgreSQL"
        );
        let c = rusqlite::Connection::open(self.ledger_path()).expect("open ledger db");
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c
    }
}

/// Poll `f` until it is true or `timeout` passes; returns whether it became true.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait for a child with a deadline; kills it (and panics) if it overruns.
pub fn wait_child(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child {} did not finish within {timeout:?}", child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Collect a spawned child's output with a deadline.
pub fn finish(mut child: Child, timeout: Duration) -> Run {
    use std::io::Read;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut s);
        }
        s
    });
    let st = wait_child(&mut child, timeout);
    Run {
        code: st.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&t_out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&t_err.join().unwrap()).into_owned(),
    }
}

/// Whether `pid` names a live (not zombie) process.
pub fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks existence.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // Field 3, after the parenthesised command name, is the state.
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// The process group of `pid`, from /proc.
pub fn process_group(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(2)?.parse().ok()
}

pub fn sigkill(pid: i32) {
    // SAFETY: plain kill(2).
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// Assert `text` has no terminal escape sequences.
pub fn assert_no_ansi(what: &str, text: &str) {
    assert!(!text.contains('\u{1b}'), "{what} contains an ANSI escape:\n{text}");
}

/// A minimal config: `dev → staging → prod`, each deploying with `hook`
/// (a TOML value), prod protected. `prod_extra` adds keys to prod's table;
/// `tail` (more tables) is appended after it.
pub fn pipeline_config(hook: &str, prod_extra: &str, tail: &str) -> String {
    format!(
        r#"[project]
name = "shop"

[[environment]]
name = "dev"
url = "https://dev.example.com"
deploy = {hook}

[[environment]]
name = "staging"
promote_from = "dev"
url = "https://staging.example.com"
deploy = {hook}

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
url = "https://shop.example.com"
deploy = {hook}
{prod_extra}
{tail}"#
    )
}

/// Strings of a JSON array field, e.g. `badges`.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
