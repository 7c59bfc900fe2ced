//! The real binary in a pseudo-terminal, for the team-mode tests: spawn a
//! console, read its screen through vt100, send keys, wait on the screen
//! against a deadline (nothing sleeps for a fixed time). And a PostgreSQL
//! database of the test's own when `RELCON_TEST_PG` is set.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

pub const BIN: &str = env!("CARGO_BIN_EXE_relcon");
pub const ROWS: u16 = 30;
pub const COLS: u16 = 110;

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

type Child = Box<dyn portable_pty::Child + Send + Sync>;

/// A console in a pseudo-terminal; the master end lives as long as this.
pub struct Term {
    parser: Arc<Mutex<vt100::Parser>>,
    child: Child,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Term {
    /// The console in `dir` as `user`, with extra environment `env`.
    pub fn spawn(dir: &Path, user: &str, env: &[(&str, &str)], args: &[&str]) -> Term {
        Term::spawn_sized(dir, user, env, args, COLS)
    }

    /// The same, `cols` wide.
    pub fn spawn_sized(dir: &Path, user: &str, env: &[(&str, &str)], args: &[&str], cols: u16) -> Term {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.cwd(dir);
        cmd.env("RELCON_USER", user);
        cmd.env("TERM", "xterm-256color");
        for v in ["RELCON_CONFIG", "RELCON_LEDGER_URL", "NO_COLOR", "RELCON_READ_ONLY"] {
            cmd.env_remove(v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, cols, 0)));
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        Term {
            parser,
            child,
            writer,
            _master: pair.master,
        }
    }

    pub fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// The first row of the screen (the banner, or the tabs).
    pub fn top(&self) -> String {
        self.text().lines().next().unwrap_or_default().to_string()
    }

    /// Poll until `pred` holds for the screen text, or fail showing it.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
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

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// `q`, then wait for a clean exit.
    pub fn quit(mut self) {
        self.send("q");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                assert!(s.success(), "exit status {s:?}; screen:\n{}", self.text());
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the console did not quit; screen:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        // A failed test must not leave a console running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
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
