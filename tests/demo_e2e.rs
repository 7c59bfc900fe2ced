//! The demo end to end, as a person would walk it (DESIGN §6, §8): the real
//! `relcon demo --keep DIR` in a pseudo-terminal (portable-pty + vt100),
//! real keys, a second identity acting through the CLI meanwhile. A build
//! goes dev → staging → prod (prod's gates — an approval by someone else
//! and the pre-deploy checklist — are satisfied from the CLI while the
//! dialog is open, and the dialog follows), prod's health service comes to
//! report it, prod is rolled back (hold badge), a flag is killed (the flagd
//! export says off), an item is ticked, the fault key turns staging red
//! and its health gate refuses the next promotion; then `q`: exit 0, every
//! demo port closed, no process of the demo's session left behind.
//!
//! Every wait polls against a deadline; nothing sleeps for a fixed time.

mod common;
mod tui_term;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{process_alive, wait_until, Run, BIN};
use serde_json::Value;
use tui_term::{Spawn, Term, PROXIES};

const ROWS: u16 = 48;
const COLS: u16 = 160;
/// The console's user; the reviewer approves and ticks from the CLI.
const USER: &str = "rm@example.com";
const REVIEWER: &str = "reviewer@example.com";
/// Screen changes; hooks (the demo's take a few seconds) get longer.
const SCREEN: Duration = Duration::from_secs(15);
const HOOK: Duration = Duration::from_secs(40);

/// `relcon demo --keep DIR` in a pseudo-terminal, started in `cwd`.
fn start(dir: &Path, cwd: &Path) -> Term {
    let args: [&OsStr; 3] = ["demo".as_ref(), "--keep".as_ref(), dir.as_os_str()];
    Spawn::new(cwd, USER).args(&args).size(ROWS, COLS).start()
}

/// The row of environment cards (the top of the dashboard).
fn cards(c: &Term) -> String {
    c.text().lines().take(12).collect::<Vec<_>>().join("\n")
}

/// A protected env's dialog: reason, Tab, the env's name, Enter.
fn confirm(c: &mut Term, reason: &str, env: &str) {
    c.wait_for("enter confirm");
    c.send(reason);
    c.send("\t");
    c.send(env);
    c.send("\r");
}

/// The binary as `user` on the demo's config (a second console).
fn relcon(config: &Path, user: &str, args: &[&str]) -> Run {
    let mut c = Command::new(BIN);
    c.arg("--config").arg(config).args(args);
    c.env("RELCON_USER", user)
        .env_remove("RELCON_CONFIG")
        .stdin(Stdio::null());
    for v in PROXIES {
        c.env_remove(v);
    }
    let out = c.output().expect("run relcon");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Each env's health service port, from the demo's config.
fn ports(config: &Path) -> Vec<(String, u16)> {
    let c = relcon::config::Config::load(config).expect("the demo's config");
    c.environments
        .iter()
        .map(|e| {
            let url = e.url.clone().unwrap_or_default();
            let port = url.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
            (e.name.clone(), port)
        })
        .collect()
}

/// The `releaseId` the service on `port` reports, if it answers.
fn reported(port: u16) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    s.write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let body: Value = serde_json::from_str(raw.split_once("\r\n\r\n")?.1).ok()?;
    body["releaseId"].as_str().map(str::to_string)
}

/// Sessions of every live process (field 6 of /proc/PID/stat).
fn processes_in_session(sid: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map(|(_, r)| r.split_whitespace().collect())
                .unwrap_or_default();
            fields.get(3).and_then(|s| s.parse::<i32>().ok()) == Some(sid) && fields.first() != Some(&"Z")
        })
        .collect()
}

#[test]
fn the_demo_walked_end_to_end_in_a_real_terminal() {
    let keep = tempfile::Builder::new().prefix("relcon-demo-e2e-").tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let dir = keep.path();
    let config = dir.join("relcon.toml");
    let mut c = start(dir, cwd.path());
    let pid = c.pid().expect("the demo's pid") as i32;

    // The dashboard: three cards, health polled, dev selected.
    c.wait_in("the dashboard with live health", SCREEN, |t| {
        t.contains("▸ dev") && t.contains("prod ◆") && t.contains("v29 1.12.0") && t.matches("● healthy").count() >= 3
    });
    let ports = ports(&config);
    assert_eq!(ports.len(), 3, "{ports:?}");
    let prod_port = ports[2].1;
    assert_eq!(reported(prod_port).as_deref(), Some("1.11.0"));

    // dev → staging: not protected, no gates but "running"; Enter alone.
    c.send("p");
    c.wait_all(&["Promote dev → staging", "✔ running", "enter confirm"]);
    c.send("\r");
    c.wait_in("the promotion into staging", HOOK, |t| {
        t.contains("✔ staging v21: 1.12.0")
    });
    c.close("Promote dev → staging");

    // staging → prod: refused until someone else approves and the
    // pre-deploy list is ticked; the open dialog follows the ledger.
    c.send("l");
    c.wait_for("▸ staging");
    c.send("p");
    c.wait_all(&[
        "Promote staging → prod",
        "Ship 1.12.0",
        "✖ approvals",
        "✖ checklist pre-deploy",
        "✔ health staging",
        "refused by 2 gates",
    ]);
    for item in ["1", "2", "3", "5"] {
        relcon(&config, REVIEWER, &["check", "prod", "pre-deploy", item]).ok();
    }
    relcon(
        &config,
        REVIEWER,
        &["check", "prod", "pre-deploy", "4", "--as", "security"],
    )
    .ok();
    relcon(&config, REVIEWER, &["approve", "prod", "1.12.0"]).ok();
    c.wait_all(&[
        "✔ approvals: 1/1 approvals: reviewer@example.com",
        "✔ checklist pre-deploy: 5/5",
        "enter confirm",
    ]);
    confirm(&mut c, "weekly release", "prod");
    c.wait_in("the promotion into prod", HOOK, |t| {
        t.contains("✔ prod v14: 1.12.0") && t.contains("✔ smoke (done)")
    });
    c.close("Promote staging → prod");
    c.wait_in("prod's card to show v14 1.12.0", SCREEN, |_| {
        cards(&c).contains("v14 1.12.0")
    });
    // The service finishes its rolling restart and reports the new build.
    let mut last = None;
    let rolled = wait_until(HOOK, || {
        last = reported(prod_port);
        last.as_deref() == Some("1.12.0")
    });
    assert!(rolled, "prod's service still reports {last:?}");

    // Roll prod back: the default target, a reason, the typed name; a hold follows.
    c.send("l");
    c.wait_for("▸ prod");
    c.send("r");
    c.wait_all(&["Roll back prod", "Roll prod back from v14 to v13"]);
    confirm(&mut c, "error rate after 1.12.0", "prod");
    c.wait_in("the rollback", HOOK, |t| t.contains("✔ prod v15: 1.11.0"));
    c.close("Roll back prod");
    c.wait_in("prod's card: v15 1.11.0 and the hold badge", SCREEN, |_| {
        let cards = cards(&c);
        cards.contains("v15 1.11.0") && cards.contains("▲ hold")
    });

    // Flags: kill customer_portal in prod; the flagd export says off.
    c.send("3");
    c.wait_all(&["Flags · 4 flags", "▸ customer_portal"]);
    c.send("K");
    c.wait_all(&["Kill customer_portal in prod", "→  off"]);
    confirm(&mut c, "portal errors for tenant 42", "prod");
    c.wait_all(&["✖ killed", "customer_portal in prod is now off"]);
    let export = dir.join("flags/prod.flagd.json");
    let mut doc = Value::Null;
    let off = wait_until(SCREEN, || {
        doc = std::fs::read_to_string(&export)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        doc["flags"]["customer_portal"]["defaultVariant"] == "off"
    });
    assert!(off, "{}: {doc}", export.display());

    // Checklists: staging's validation of 1.12.0, item 1 ticked with space.
    c.send("2");
    c.wait_for("Checklists · prod");
    c.send("h");
    c.wait_all(&["Checklists · staging", "▸ [ ] 1. Login and SSO work"]);
    c.send(" ");
    c.wait_for("[x] 1. Login and SSO work — by rm");

    // The fault key: staging turns red, and its health gate refuses a promotion.
    c.send("1");
    c.wait_for("▸ staging");
    c.send("F");
    c.wait_in("staging's health to turn red", SCREEN, |_| {
        cards(&c).contains("✖ unhealthy")
    });
    c.send("p");
    c.wait_all(&["Promote staging → prod", "✖ health staging: ✖ unhealthy"]);
    c.close("Promote staging → prod");

    // Quit: exit 0, the services' ports closed, nothing of the session left.
    c.send("q");
    let status = c.exit();
    assert!(status.success(), "exit status {status:?}");
    for (env, port) in &ports {
        let refused = wait_until(Duration::from_secs(5), || {
            TcpStream::connect_timeout(&([127, 0, 0, 1], *port).into(), Duration::from_millis(300)).is_err()
        });
        assert!(refused, "{env}'s port {port} still accepts connections after quit");
    }
    assert!(!process_alive(pid), "the demo (pid {pid}) is still running");
    let mut left = Vec::new();
    let gone = wait_until(Duration::from_secs(5), || {
        left = processes_in_session(pid);
        left.is_empty()
    });
    assert!(gone, "processes of the demo's session left behind: {left:?}");
}
