//! End to end (DESIGN §9): the real binary in a pseudo-terminal at 100×30,
//! real keys, the screen read back through a vt100 parser. Every wait polls
//! the screen against a deadline; nothing sleeps for a fixed time.

mod tui_term;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tui_term::{Spawn, Term, BIN};

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
    tui_term::relcon(dir, "ana", &[], args);
}

/// The console in a 100×30 pseudo-terminal, in `dir`, as ana.
fn spawn(dir: &Path) -> Term {
    Spawn::new(dir, "ana").size(30, 100).start()
}

#[test]
fn console_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    relcon(dir.path(), &["release", "register", "1.0.0", "--commit", "abc1234def"]);
    relcon(dir.path(), &["deploy", "dev", "1.0.0", "--yes"]);
    relcon(dir.path(), &["promote", "dev", "staging", "--yes"]);

    let mut term = spawn(dir.path());

    // The dashboard: every env, in pipeline order.
    term.wait("the env cards", |t| {
        t.contains("dev") && t.contains("staging") && t.contains("prod ◆") && t.contains("no release yet")
    });
    assert!(term.alternate_screen(), "runs in the alternate screen");

    // Help, generated from the keymap; Esc closes it.
    term.send("?");
    term.wait_for("Promote to next env");
    term.close("Promote to next env");

    // Select staging, promote to prod: the dialog shows gates and asks for the name.
    term.send("l");
    term.wait_for("▸ staging");
    term.send("p");
    term.wait_for("Promote staging → prod");
    term.wait_for("type prod to confirm");
    term.send("ship it");
    term.send("\t");
    term.send("prod");
    term.send("\r");
    term.wait_for("✔ prod v1: 1.0.0");
    term.send("\x1b");
    // Both staging and prod now run v1 1.0.0; prod has a release at last.
    term.wait("prod's card to show the release", |t| {
        t.matches("v1 1.0.0").count() >= 2 && !t.contains("no release yet") && !t.contains("Promote staging → prod")
    });

    // Checklists view: tick the first item with space.
    term.send("c");
    term.wait_for("Checklists · staging");
    term.wait_for("[ ] 1. Verify critical user flows");
    term.send(" ");
    term.wait_for("[x] 1. Verify critical user flows — by ana");

    // Another console's write shows up within a second.
    relcon(dir.path(), &["check", "staging", "post-deploy", "2"]);
    term.wait_for("[x] 2. Update release notes — by ana");

    term.send("q");
    let status = term.exit();
    assert!(status.success(), "exit status {status:?}");
    // The terminal was given back: alternate screen left, cursor shown.
    let wait_restored = Instant::now() + Duration::from_secs(2);
    while term.alternate_screen() && Instant::now() < wait_restored {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!term.alternate_screen(), "alternate screen left");
    let tail = term.tail();
    // The last 200 bytes or so, cut on a character boundary.
    let cut = (tail.len().saturating_sub(200)..=tail.len())
        .find(|&i| tail.is_char_boundary(i))
        .unwrap_or(tail.len());
    let tail = &tail[cut..];
    assert!(
        tail.contains("\x1b[?1049l"),
        "leave-alternate-screen sequence at the end: {tail:?}"
    );
}

/// First run, no config: how to start, and exit 2 (a usage error).
#[test]
fn the_console_follows_the_terminal_when_it_is_resized() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    let mut term = spawn(dir.path());
    term.wait_for("1 Dashboard");
    // Narrower: the tabs take their short names, the hint line moves up.
    term.resize(24, 70);
    term.wait("short tabs at 70x24", |t| {
        t.contains("1 Dash ") && !t.contains("1 Dashboard")
    });
    term.wait("the status line on row 24", |t| {
        t.lines().nth(23).is_some_and(|l| l.contains("press ? for help"))
    });
    // Wider and taller: the whole screen is used again.
    term.resize(40, 150);
    term.wait("full tabs at 150x40", |t| t.contains("1 Dashboard"));
    term.wait("the status line on row 40", |t| {
        t.lines().nth(39).is_some_and(|l| l.contains("press ? for help"))
    });
    term.quit();
}

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
    let mut term = spawn(dir.path());
    term.wait("the first-launch hints", |t| {
        t.contains("nothing has been deployed to dev yet")
            && t.contains("relcon release register 1.0.0 --commit SHA")
            && t.contains("press ? for help")
    });
    term.send("?");
    term.wait_for("Promote to next env");
    term.close("Promote to next env");
    term.quit();
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
    let mut term = spawn(dir.path());
    // The (compact) card's light: the symbol before the deployer's line.
    let light = |t: &str, sym: &str| {
        t.lines()
            .any(|l| l.starts_with(&format!("┃{sym} ")) && l.contains(" · ana"))
    };
    term.wait("a green light on the card", |t| light(t, "●"));
    term.send("4");
    term.wait_for("dev  ● healthy · runs 1.0.0");
    fault.store(true, Ordering::SeqCst);
    term.wait_for("dev  ✖ unhealthy · runs 1.0.0 · pool exhausted");
    term.wait_for("last error");
    term.send("1");
    term.wait("a red light on the card", |t| light(t, "✖"));
    fault.store(false, Ordering::SeqCst);
    term.wait("the card to turn green again", |t| light(t, "●"));
    term.quit();
}

/// Where `needle` first shows on the screen: (row, column), 0-based.
fn locate(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .find_map(|(r, l)| l.find(needle).map(|b| (r, l[..b].chars().count())))
}

/// A left click at (row, col), 0-based, as an SGR mouse report.
fn click(term: &mut Term, (row, col): (usize, usize)) {
    term.send(&format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        col + 1,
        row + 1,
        col + 1,
        row + 1
    ));
}

#[test]
fn mouse_selects_cards_rows_and_tabs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    relcon(dir.path(), &["release", "register", "1.0.0", "--commit", "abc1234def"]);
    relcon(dir.path(), &["release", "register", "1.1.0", "--commit", "bcd2345efa"]);
    relcon(dir.path(), &["deploy", "dev", "1.0.0", "--yes"]);
    relcon(dir.path(), &["deploy", "dev", "1.1.0", "--yes"]);
    let mut term = spawn(dir.path());
    term.wait_all(&["▸ dev", "prod ◆", "v2 1.1.0"]);
    // A click on the staging card selects it.
    let at = locate(&term.text(), "staging").expect("the staging card");
    click(&mut term, at);
    term.wait_for("▸ staging");
    // Back on dev, a click on the v1 row highlights it (its detail shows).
    let at = locate(&term.text(), "dev").expect("the dev card");
    click(&mut term, at);
    term.wait_for("▸ dev");
    term.wait_for("▸ v2");
    let at = locate(&term.text(), " v1 ").expect("the v1 row");
    click(&mut term, at);
    term.wait_for("▸ v1");
    // The wheel scrolls the list: back up to v2.
    let (r, c) = at;
    term.send(&format!("\x1b[<64;{};{}M", c + 1, r + 1));
    term.wait_for("▸ v2");
    // A click on a tab shows its view.
    let at = locate(&term.text(), "5 Audit").expect("the Audit tab");
    click(&mut term, (at.0, at.1 + 2));
    term.wait_for("Audit ·");
    term.quit();
}
