//! End to end (DESIGN §9): the real binary in a pseudo-terminal at 100×30,
//! real keys, the screen read back through a vt100 parser. Every wait polls
//! the screen against a deadline; nothing sleeps for a fixed time.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

const BIN: &str = env!("CARGO_BIN_EXE_relcon");

const CONFIG: &str = r#"
[project]
name = "pty-portal"

[ledger]
url = "sqlite:.relcon/ledger.db"

[[environment]]
name = "dev"
deploy = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"'

[[environment]]
name = "staging"
promote_from = "dev"
deploy = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"'
checklists = { before = [], after = ["post-deploy"] }

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
deploy = [{ name = "deploy", run = 'echo "deploying $RELCON_VERSION"' }, { name = "smoke", run = 'echo "smoke ok"' }]

[checklist.post-deploy]
title = "Post-deployment"
items = ["Verify critical user flows", "Update release notes"]
"#;

fn relcon(dir: &Path, args: &[&str]) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("RELCON_USER", "ana")
        .env_remove("RELCON_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "relcon {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }
    /// Poll until `pred` holds for the screen text, or fail showing the screen.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let t = self.text();
            if pred(&t) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{t}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    fn wait_for(&self, needle: &str) {
        self.wait(needle, |t| t.contains(needle));
    }
}

type Child = Box<dyn portable_pty::Child + Send + Sync>;

/// The console in a pseudo-terminal; the master end lives as long as this.
struct Term {
    screen: Screen,
    child: Child,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

/// The console in a 100×30 pseudo-terminal, in `dir`, as ana (no proxy:
/// health checks go to loopback servers).
fn spawn(dir: &Path) -> Term {
    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(BIN);
    cmd.cwd(dir);
    cmd.env("RELCON_USER", "ana");
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("RELCON_CONFIG");
    cmd.env_remove("NO_COLOR");
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(v);
    }
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let screen = Screen {
        parser: Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0))),
        raw: Arc::new(Mutex::new(Vec::new())),
    };
    let (parser, raw) = (screen.parser.clone(), screen.raw.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            parser.lock().unwrap().process(&buf[..n]);
            raw.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    Term {
        screen,
        child,
        writer,
        _master: pair.master,
    }
}

/// Wait for the child to exit after `q`.
fn exit_status(child: &mut Child, screen: &Screen) -> portable_pty::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "relcon did not exit after q; screen:\n{}",
            screen.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn console_in_a_real_terminal() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    relcon(dir.path(), &["release", "register", "1.0.0", "--commit", "abc1234def"]);
    relcon(dir.path(), &["deploy", "dev", "1.0.0", "--yes"]);
    relcon(dir.path(), &["promote", "dev", "staging", "--yes"]);

    let Term {
        screen,
        mut child,
        mut writer,
        _master,
    } = spawn(dir.path());
    let mut send = |s: &str| {
        writer.write_all(s.as_bytes()).unwrap();
        writer.flush().unwrap();
    };

    // The dashboard: every env, in pipeline order.
    screen.wait("the env cards", |t| {
        t.contains("dev") && t.contains("staging") && t.contains("prod ◆") && t.contains("no release yet")
    });
    assert!(
        screen.parser.lock().unwrap().screen().alternate_screen(),
        "runs in the alternate screen"
    );

    // Help, generated from the keymap; Esc closes it.
    send("?");
    screen.wait_for("Promote to next env");
    send("\x1b");
    screen.wait("help to close", |t| !t.contains("Promote to next env"));

    // Select staging, promote to prod: the dialog shows gates and asks for the name.
    send("l");
    screen.wait_for("▸ staging");
    send("p");
    screen.wait_for("Promote staging → prod");
    screen.wait_for("type prod to confirm");
    send("ship it");
    send("\t");
    send("prod");
    send("\r");
    screen.wait_for("✔ prod v1: 1.0.0");
    send("\x1b");
    // Both staging and prod now run v1 1.0.0; prod has a release at last.
    screen.wait("prod's card to show the release", |t| {
        t.matches("v1 1.0.0").count() >= 2 && !t.contains("no release yet") && !t.contains("Promote staging → prod")
    });

    // Checklists view: tick the first item with space.
    send("c");
    screen.wait_for("Checklists · staging");
    screen.wait_for("[ ] 1. Verify critical user flows");
    send(" ");
    screen.wait_for("[x] 1. Verify critical user flows — by ana");

    // Another console's write shows up within a second.
    relcon(dir.path(), &["check", "staging", "post-deploy", "2"]);
    screen.wait_for("[x] 2. Update release notes — by ana");

    send("q");
    let status = exit_status(&mut child, &screen);
    assert!(status.success(), "exit status {status:?}");
    // The terminal was given back: alternate screen left, cursor shown.
    let wait_restored = Instant::now() + Duration::from_secs(2);
    while screen.parser.lock().unwrap().screen().alternate_screen() && Instant::now() < wait_restored {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !screen.parser.lock().unwrap().screen().alternate_screen(),
        "alternate screen left"
    );
    let raw = screen.raw.lock().unwrap();
    let tail = String::from_utf8_lossy(&raw[raw.len().saturating_sub(200)..]).to_string();
    assert!(
        tail.contains("\x1b[?1049l"),
        "leave-alternate-screen sequence at the end: {tail:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

/// First run, no config: how to start, and exit 2 (a usage error).
#[test]
fn without_a_config_it_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .env("RELCON_USER", "ana")
        .env_remove("RELCON_CONFIG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("relcon init") && err.contains("relcon demo"), "{err}");
}

/// First launch on an empty ledger: the console says what to do first and
/// points to `?`, which shows the keys.
#[test]
fn first_launch_shows_where_to_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    let Term {
        screen,
        mut child,
        mut writer,
        _master,
    } = spawn(dir.path());
    let mut send = |s: &str| {
        writer.write_all(s.as_bytes()).unwrap();
        writer.flush().unwrap();
    };
    screen.wait("the first-launch hints", |t| {
        t.contains("nothing has been deployed to dev yet")
            && t.contains("relcon release register 1.0.0 --commit SHA")
            && t.contains("press ? for help")
    });
    send("?");
    screen.wait_for("Promote to next env");
    send("\x1b");
    screen.wait("help to close", |t| !t.contains("Promote to next env"));
    send("q");
    assert!(exit_status(&mut child, &screen).success());
}

/// A health+json endpoint on loopback that fails while `fault` is set.
fn health_server(fault: Arc<AtomicBool>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let (status, body) = if fault.load(Ordering::SeqCst) {
                (
                    "503 Service Unavailable",
                    r#"{"status":"fail","output":"pool exhausted","releaseId":"1.0.0"}"#,
                )
            } else {
                ("200 OK", r#"{"status":"pass","releaseId":"1.0.0"}"#)
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Type: application/health+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// A failing endpoint turns the card's light and the Health view's header
/// red on the next poll, and green again after, with no ledger write in
/// between (the lights follow the pollers, not the last snapshot).
#[test]
fn lights_turn_red_and_back_within_a_poll() {
    let fault = Arc::new(AtomicBool::new(false));
    let port = health_server(fault.clone());
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
[project]
name = "pty-health"
[ledger]
url = "sqlite:.relcon/ledger.db"
[[environment]]
name = "dev"
deploy = "true"
health = [{{ name = "api", url = "http://127.0.0.1:{port}/health", interval = "1s", timeout = "1s" }}]
"#
    );
    std::fs::write(dir.path().join("relcon.toml"), config).unwrap();
    relcon(dir.path(), &["release", "register", "1.0.0", "--commit", "abc1234def"]);
    relcon(dir.path(), &["deploy", "dev", "1.0.0", "--yes"]);
    let Term {
        screen,
        mut child,
        mut writer,
        _master,
    } = spawn(dir.path());
    let mut send = |s: &str| {
        writer.write_all(s.as_bytes()).unwrap();
        writer.flush().unwrap();
    };
    // The (compact) card's light: the symbol before the deployer's line.
    let light = |t: &str, sym: &str| {
        t.lines()
            .any(|l| l.starts_with(&format!("┃{sym} ")) && l.contains(" · ana"))
    };
    screen.wait("a green light on the card", |t| light(t, "●"));
    send("4");
    screen.wait_for("dev  ● healthy · runs 1.0.0");
    fault.store(true, Ordering::SeqCst);
    screen.wait_for("dev  ✖ unhealthy · runs 1.0.0 · pool exhausted");
    screen.wait_for("last error");
    send("1");
    screen.wait("a red light on the card", |t| light(t, "✖"));
    fault.store(false, Ordering::SeqCst);
    screen.wait("the card to turn green again", |t| light(t, "●"));
    send("q");
    assert!(exit_status(&mut child, &screen).success());
}
