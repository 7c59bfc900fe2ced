//! The one harness for the real binary in a pseudo-terminal (portable-pty
//! and vt100): spawn a console (or `relcon demo`), read its screen, send
//! keys, wait on the screen against a deadline (nothing sleeps for a fixed
//! time), see how it exits. And a PostgreSQL database of the test's own
//! when `RELCON_TEST_PG` is set.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, ExitStatus, PtySize};

pub const BIN: &str = env!("CARGO_BIN_EXE_relcon");
pub const ROWS: u16 = 30;
pub const COLS: u16 = 110;
/// How long a wait on the screen may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// Proxies a test's relcon must not use: health checks and the demo's
/// services are on loopback.
pub const PROXIES: [&str; 6] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// Variables a test console must not inherit (besides proxies): a config
/// or ledger of the person running the tests, their colour choice, a
/// read-only switch.
const SCRUBBED: [&str; 4] = ["RELCON_CONFIG", "RELCON_LEDGER_URL", "NO_COLOR", "RELCON_READ_ONLY"];

/// `relcon ARGS` in `dir` as `user` with extra `env`; panics unless it succeeds.
pub fn relcon(dir: &Path, user: &str, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("RELCON_USER", user)
        .env_remove("RELCON_CONFIG")
        .env_remove("RELCON_LEDGER_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "relcon {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What to start in the pseudo-terminal: `relcon ARGS` in `cwd` as `user`.
pub struct Spawn {
    cwd: PathBuf,
    user: String,
    args: Vec<OsString>,
    env: Vec<(String, String)>,
    rows: u16,
    cols: u16,
}

impl Spawn {
    pub fn new(cwd: &Path, user: &str) -> Spawn {
        Spawn {
            cwd: cwd.to_path_buf(),
            user: user.to_string(),
            args: Vec::new(),
            env: Vec::new(),
            rows: ROWS,
            cols: COLS,
        }
    }

    pub fn args<S: Into<OsString> + Clone>(mut self, args: &[S]) -> Spawn {
        self.args.extend(args.iter().cloned().map(Into::into));
        self
    }

    pub fn env(mut self, vars: &[(&str, &str)]) -> Spawn {
        self.env
            .extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    pub fn size(mut self, rows: u16, cols: u16) -> Spawn {
        self.rows = rows;
        self.cols = cols;
        self
    }

    pub fn start(self) -> Term {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: self.rows,
                cols: self.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(&self.args);
        cmd.cwd(&self.cwd);
        cmd.env("RELCON_USER", &self.user);
        cmd.env("TERM", "xterm-256color");
        for v in SCRUBBED.iter().chain(&PROXIES) {
            cmd.env_remove(v);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("start relcon");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(self.rows, self.cols, 0)));
        let tail = Arc::new(Mutex::new(Vec::new()));
        let (p, t) = (parser.clone(), tail.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                keep_tail(&mut t.lock().unwrap(), &buf[..n]);
            }
        });
        Term {
            parser,
            tail,
            child,
            writer,
            _master: pair.master,
        }
    }
}

/// The last bytes the terminal was sent, for what the screen cannot show
/// (e.g. the sequence that leaves the alternate screen).
const TAIL: usize = 4096;

fn keep_tail(tail: &mut Vec<u8>, bytes: &[u8]) {
    tail.extend_from_slice(bytes);
    let extra = tail.len().saturating_sub(TAIL);
    tail.drain(..extra);
}

type Child = Box<dyn portable_pty::Child + Send + Sync>;

/// A console in a pseudo-terminal; the master end lives as long as this.
pub struct Term {
    parser: Arc<Mutex<vt100::Parser>>,
    tail: Arc<Mutex<Vec<u8>>>,
    child: Child,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Term {
    /// The console in `dir` as `user`, with extra environment `env`.
    pub fn spawn(dir: &Path, user: &str, env: &[(&str, &str)], args: &[&str]) -> Term {
        Spawn::new(dir, user).env(env).args(args).start()
    }

    /// The same, `cols` wide.
    pub fn spawn_sized(dir: &Path, user: &str, env: &[(&str, &str)], args: &[&str], cols: u16) -> Term {
        Spawn::new(dir, user).env(env).args(args).size(ROWS, cols).start()
    }

    /// Resize the terminal, as a person dragging its window does: the
    /// console gets SIGWINCH, and the screen here takes the new size.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self._master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pseudo-terminal");
        self.parser.lock().unwrap().screen_mut().set_size(rows, cols);
    }

    pub fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// The first row of the screen (the banner, or the tabs).
    pub fn top(&self) -> String {
        self.text().lines().next().unwrap_or_default().to_string()
    }

    /// The console draws in the alternate screen.
    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    /// The last bytes sent to the terminal, as text.
    pub fn tail(&self) -> String {
        String::from_utf8_lossy(&self.tail.lock().unwrap()).into_owned()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Poll until `pred` holds for the screen text, or fail showing it.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) {
        self.wait_in(what, WAIT, pred);
    }

    /// The same, with a deadline of its own (a hook that takes a while).
    pub fn wait_in(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            let t = self.text();
            if pred(&t) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{t}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_for(&self, needle: &str) {
        self.wait(needle, |t| t.contains(needle));
    }

    pub fn wait_all(&self, needles: &[&str]) {
        self.wait(&format!("{needles:?}"), |t| needles.iter().all(|n| t.contains(n)));
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Esc closes the top popup; the next key waits until it has gone
    /// (an Esc followed at once by a letter would read as Alt-letter).
    pub fn close(&mut self, title: &str) {
        self.send("\x1b");
        self.wait(&format!("{title} to close"), |t| !t.contains(title));
    }

    /// Wait for the console to exit (after `q`), or fail showing the screen.
    pub fn exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "the console did not exit; screen:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `q`, then wait for a clean exit.
    pub fn quit(mut self) {
        self.send("q");
        let s = self.exit();
        assert!(s.success(), "exit status {s:?}; screen:\n{}", self.text());
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        // A failed test must not leave a console running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A database of this test's own on the server `RELCON_TEST_PG` names,
/// dropped when this goes. `None` (with one message) when the variable is
/// unset outside CI; under CI a missing server fails the test.
pub struct PgDb {
    admin: String,
    pub name: String,
    /// The database's URL (TLS off: a loopback test server).
    pub url: String,
}

pub fn pg_db(test: &str) -> Option<PgDb> {
    let admin = match std::env::var("RELCON_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "RELCON_TEST_PG is not set, and CI needs the PostgreSQL tests to run"
            );
            eprintln!("skipping {test}: set RELCON_TEST_PG=postgres://… to run it against a PostgreSQL server");
            return None;
        }
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("relcon_tui_{}_{}_{nanos:x}", test, std::process::id());
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to RELCON_TEST_PG");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create the test database");
    let (base, _) = admin.split_once('?').unwrap_or((&admin, ""));
    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
    let url = format!("{server}/{name}?sslmode=disable");
    Some(PgDb { admin, name, url })
}

impl PgDb {
    /// The same database through another host:port (a proxy).
    pub fn url_via(&self, port: u16) -> String {
        let (scheme_user, rest) = self.url.split_once('@').expect("user@host in RELCON_TEST_PG");
        let (_, path) = rest.split_once('/').expect("a path");
        format!("{scheme_user}@127.0.0.1:{port}/{path}")
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

pub mod proxy;
