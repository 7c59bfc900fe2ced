//! Team mode in the real console (DESIGN §11), on one SQLite ledger shared
//! by several processes: another process's writes appear in a running
//! console (the watcher wakes the reader), a lease on a card counts down and
//! turns interrupted when its holder dies on another machine (and the
//! console records it), and two consoles see each other: the header names
//! the other person, the Checklists view shows their cursor. The PostgreSQL
//! versions, and the banner when the server goes away, are in tui_team_pg.rs.

mod tui_term;

use std::path::Path;
use std::time::Duration;

use tui_term::{relcon, Term};

const CONFIG: &str = r#"
[project]
name = "team"

[ledger]
url = "sqlite:.relcon/ledger.db"
lease_ttl = "5s"

[[environment]]
name = "dev"
deploy = "./hook.sh"

[[environment]]
name = "staging"
promote_from = "dev"
deploy = "true"
checklists = { before = [], after = ["post-deploy"] }

[checklist.post-deploy]
title = "Post-deployment"
items = ["Verify critical user flows", "Update release notes"]
"#;

/// The hook: quick, unless the file `slow` exists (then it records its pid
/// and waits, so a test can kill it).
const HOOK: &str =
    "#!/bin/sh\nif [ -e slow ]; then echo $$ > hook.pid; touch started; exec sleep 60; fi\necho deployed\n";

fn sandbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    let hook = dir.path().join("hook.sh");
    std::fs::write(&hook, HOOK).unwrap();
    let mut p = std::fs::metadata(&hook).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut p, 0o755);
    std::fs::set_permissions(&hook, p).unwrap();
    dir
}

/// A second process registers a build, then deploys it: both show up in
/// the running console without a key pressed.
#[test]
fn another_process_writes_appear_in_a_running_console() {
    let dir = sandbox();
    let term = Term::spawn(dir.path(), "ana", &[], &[]);
    term.wait_for("nothing has been deployed to dev yet");
    relcon(
        dir.path(),
        "bo",
        &[],
        &["release", "register", "1.0.0", "--commit", "abc1234def"],
    );
    term.wait_for("next 1.0.0");
    relcon(dir.path(), "bo", &[], &["deploy", "dev", "1.0.0", "--yes"]);
    term.wait("dev's card to show v1", |t| {
        t.contains("v1 1.0.0") && t.contains("· bo")
    });
    term.quit();
}

/// The seconds in "lease 4s" on the screen.
fn lease_left(screen: &str) -> Option<i64> {
    let at = screen.find("bo@laptop-a · lease ")? + "bo@laptop-a · lease ".len();
    screen[at..].split('s').next()?.parse().ok()
}

fn kill(pid: i32) {
    // SAFETY: plain kill(2) on a pid this test started.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

fn wait_file(p: &Path) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !p.exists() || std::fs::read_to_string(p).unwrap_or_default().trim().is_empty() {
        assert!(std::time::Instant::now() < deadline, "{} never appeared", p.display());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::read_to_string(p).unwrap()
}

/// A deployer on another machine holds dev's lease: the card names holder
/// and host and counts down; killed, it stops renewing, the card turns
/// interrupted, and the console itself records the interruption.
#[test]
fn a_lease_counts_down_on_the_card_and_turns_interrupted_when_its_holder_dies() {
    let dir = sandbox();
    relcon(
        dir.path(),
        "ci",
        &[],
        &["release", "register", "1.0.0", "--commit", "abc1234def"],
    );
    relcon(dir.path(), "ci", &[], &["deploy", "dev", "1.0.0", "--yes"]);
    std::fs::write(dir.path().join("slow"), "").unwrap();
    relcon(
        dir.path(),
        "ci",
        &[],
        &["release", "register", "1.1.0", "--commit", "bcd2345efa"],
    );
    let term = Term::spawn(dir.path(), "ana", &[], &[]);
    term.wait_for("v1 1.0.0");
    let mut deployer = std::process::Command::new(tui_term::BIN)
        .args(["deploy", "dev", "1.1.0", "--yes"])
        .current_dir(dir.path())
        .env("RELCON_USER", "bo")
        .env("RELCON_HOST", "laptop-a")
        .env_remove("RELCON_CONFIG")
        .env_remove("RELCON_LEDGER_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let hook_pid: i32 = wait_file(&dir.path().join("hook.pid")).trim().parse().unwrap();
    term.wait_for("v2 deploy 1.1.0 · bo@laptop-a · lease ");
    // Its heartbeats renew the lease, and the card follows: the countdown
    // goes back up (it does not run down to zero while bo is alive).
    let lowest = std::cell::Cell::new(i64::MAX);
    term.wait("the countdown to go back up", |t| {
        let Some(left) = lease_left(t) else { return false };
        assert!(!t.contains("interrupted"), "interrupted while its holder lives:\n{t}");
        let renewed = left > lowest.get();
        lowest.set(lowest.get().min(left));
        renewed
    });
    kill(deployer.id() as i32);
    let _ = deployer.wait();
    kill(hook_pid);
    term.wait_for("v2 1.1.0 interrupted");
    // The console recorded it (this process, as ana); a read-only look
    // records nothing itself.
    let audit = relcon(
        dir.path(),
        "zed",
        &[],
        &["--read-only", "audit", "--json", "--limit", "20"],
    );
    let wait_recorded = std::time::Instant::now() + Duration::from_secs(20);
    let mut audit = audit;
    while !audit.contains("deployment.interrupted") {
        assert!(
            std::time::Instant::now() < wait_recorded,
            "the console never recorded the interruption:\n{audit}"
        );
        std::thread::sleep(Duration::from_millis(100));
        audit = relcon(
            dir.path(),
            "zed",
            &[],
            &["--read-only", "audit", "--json", "--limit", "20"],
        );
    }
    let events: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let interrupted = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "deployment.interrupted")
        .unwrap();
    assert_eq!(interrupted["actor"], "ana", "{interrupted}");
    term.wait_for("R resolves");
    term.quit();
}

/// Two consoles on one ledger: each header names the other person; in the
/// Checklists view the partner's cursor sits on the item they highlight,
/// and their tick appears.
#[test]
fn two_consoles_see_each_other() {
    let dir = sandbox();
    relcon(
        dir.path(),
        "ci",
        &[],
        &["release", "register", "1.0.0", "--commit", "abc1234def"],
    );
    relcon(dir.path(), "ci", &[], &["deploy", "dev", "1.0.0", "--yes"]);
    relcon(dir.path(), "ci", &[], &["promote", "dev", "staging", "--yes"]);
    let mut bo = Term::spawn(dir.path(), "bo", &[], &[]);
    bo.wait_for("v1 1.0.0");
    let mut ana = Term::spawn(dir.path(), "ana", &[], &[]);
    ana.wait("ana's header to name bo", |t| {
        t.lines()
            .next()
            .is_some_and(|l| l.contains("also here: bo (dashboard · dev)"))
    });
    bo.wait("bo's header to name ana", |t| {
        t.lines().next().is_some_and(|l| l.contains("also here: ana"))
    });
    // bo walks the post-deploy list of staging, on its second item.
    bo.send("l");
    bo.wait_for("▸ staging");
    bo.send("c");
    bo.wait_for("[ ] 1. Verify critical user flows");
    bo.send("j");
    ana.send("l");
    ana.wait_for("▸ staging");
    ana.send("c");
    ana.wait("bo's cursor on item 2", |t| {
        t.lines()
            .any(|l| l.contains("[ ] 2. Update release notes") && l.contains("◂ bo"))
    });
    ana.wait("the header to say where bo is", |t| {
        t.lines()
            .next()
            .is_some_and(|l| l.contains("bo (checklists · staging)"))
    });
    // bo ticks it: it appears in ana's console through the ledger.
    bo.send(" ");
    ana.wait_for("[x] 2. Update release notes — by bo");
    bo.quit();
    // bo left: ana's header no longer names him.
    ana.wait("bo to be gone", |t| {
        t.lines().next().is_some_and(|l| !l.contains("also here"))
    });
    ana.quit();
}
