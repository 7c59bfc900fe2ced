//! The real console on a PostgreSQL ledger (DESIGN §11), each test on a
//! database of its own (`RELCON_TEST_PG`; skipped with one message outside
//! CI when unset, failing under CI). The console must never call the store
//! on its async UI task (the PostgreSQL client panics there); another
//! process's writes appear live (LISTEN/NOTIFY); and when the server goes
//! away a banner says so, the console stays responsive, an action fails with
//! the store's own message (nothing queued), and once the server is back the
//! banner goes and the console catches up by itself.

mod tui_term;

use std::path::Path;

use tui_term::proxy::Proxy;
use tui_term::{pg_db, relcon, PgDb, Term};

fn config(db: &PgDb) -> String {
    format!(
        r#"
[project]
name = "team-pg"

[ledger]
url = "{}"

[[environment]]
name = "dev"
deploy = "true"

[[environment]]
name = "staging"
promote_from = "dev"
deploy = "true"
checklists = {{ before = [], after = ["post-deploy"] }}

[checklist.post-deploy]
title = "Post-deployment"
items = ["Verify critical user flows", "Update release notes"]
"#,
        db.url
    )
}

fn sandbox(db: &PgDb) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), config(db)).unwrap();
    relcon(dir.path(), "admin", &[], &["ledger", "init"]);
    dir
}

fn cli(dir: &Path, args: &[&str]) {
    relcon(dir, "bo", &[], args);
}

/// The console starts on PostgreSQL (no store call on the UI task), and a
/// second process's register and deploy appear in it without a key.
#[test]
fn another_process_writes_appear_in_a_console_on_postgres() {
    let Some(db) = pg_db("live") else { return };
    let dir = sandbox(&db);
    let term = Term::spawn(dir.path(), "ana", &[], &[]);
    term.wait_for("nothing has been deployed to dev yet");
    cli(dir.path(), &["release", "register", "1.0.0", "--commit", "abc1234def"]);
    term.wait_for("next 1.0.0");
    cli(dir.path(), &["deploy", "dev", "1.0.0", "--yes"]);
    term.wait("dev's card to show v1", |t| {
        t.contains("v1 1.0.0") && t.contains("· bo")
    });
    term.quit();
}

/// The server goes away (a proxy between the console and the server cuts
/// every connection and closes new ones): a banner names the server; keys
/// and views keep working; a tick fails with the store's message; a write
/// made meanwhile by another process shows once the server is back, and
/// the banner goes.
#[test]
fn a_banner_while_the_server_is_away_and_catching_up_when_it_is_back() {
    let Some(db) = pg_db("banner") else { return };
    let dir = sandbox(&db);
    cli(dir.path(), &["release", "register", "1.0.0", "--commit", "abc1234def"]);
    cli(dir.path(), &["deploy", "dev", "1.0.0", "--yes"]);
    cli(dir.path(), &["promote", "dev", "staging", "--yes"]);
    let proxy = Proxy::start("127.0.0.1:5432");
    let via = db.url_via(proxy.port);
    // Wide enough for the whole banner with the server's address, and for
    // the refused tick's message on the status line (longer, it would open
    // in a pane too: tui_team_views.rs covers that).
    let mut term = Term::spawn_sized(dir.path(), "ana", &[("RELCON_LEDGER_URL", &via)], &[], 200);
    term.wait("both cards", |t| t.matches("v1 1.0.0").count() >= 2);
    term.send("l");
    term.wait_for("▸ staging");
    term.send("c");
    term.wait_for("[ ] 1. Verify critical user flows");
    assert!(!term.top().contains("unreachable"), "{}", term.text());

    proxy.cut();
    let shown = format!(
        "▲ ledger postgres://postgres@127.0.0.1:{}/{} unreachable",
        proxy.port, db.name
    );
    term.wait("the banner", |t| t.lines().next().is_some_and(|l| l.contains(&shown)));
    assert!(
        term.top().contains("actions are refused until it is back"),
        "{}",
        term.top()
    );
    // Still responsive: views change, the banner stays.
    term.send("1");
    term.wait_for("History · staging");
    term.send("2");
    term.wait_for("[ ] 1. Verify critical user flows");
    // A tick is refused with the store's own words, not queued.
    term.send(" ");
    term.wait("the refused tick", |t| {
        t.lines()
            .last()
            .is_some_and(|l| l.contains("✖ ledger server postgres://postgres@127.0.0.1:"))
    });

    assert!(term.top().contains(&shown), "{}", term.text());
    // Meanwhile another process (straight to the server) ticks item 2.
    relcon(dir.path(), "cy", &[], &["check", "staging", "post-deploy", "2"]);

    proxy.restore();
    term.wait("the banner to go", |t| {
        t.lines()
            .next()
            .is_some_and(|l| !l.contains("unreachable") && l.contains("Checklists"))
    });
    term.wait_for("[x] 2. Update release notes — by cy");
    // Nothing was queued: item 1 is still open, in the ledger too.
    assert!(
        term.text().contains("[ ] 1. Verify critical user flows"),
        "{}",
        term.text()
    );
    let audit = relcon(dir.path(), "zed", &[], &["audit", "--json"]);
    assert_eq!(audit.matches("checklist.ticked").count(), 1, "{audit}");
    term.quit();
}

/// The server drops the console's connections (`pg_terminate_backend`, as
/// an administrator or a failover would): the console reconnects by itself,
/// without a banner, and the next write from another process still shows.
#[test]
fn dropped_connections_reconnect_by_themselves() {
    let Some(db) = pg_db("dropped") else { return };
    let dir = sandbox(&db);
    cli(dir.path(), &["release", "register", "1.0.0", "--commit", "abc1234def"]);
    let term = Term::spawn(dir.path(), "ana", &[], &[]);
    term.wait_for("next 1.0.0");
    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    for round in 1..=3 {
        let dropped = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&db.name],
            )
            .unwrap()
            .len();
        // At least the watcher's and the reader's (presence reconnects on its own time).
        assert!(dropped >= 2, "round {round}: {dropped} connections dropped");
        let version = format!("1.{round}.0");
        cli(dir.path(), &["release", "register", &version, "--commit", "abc1234def"]);
        cli(dir.path(), &["deploy", "dev", &version, "--yes"]);
        term.wait_for(&format!("v{round} {version}"));
    }
    let t = term.text();
    assert!(
        !t.contains("unreachable") && !t.contains("is back"),
        "no banner came and went:\n{t}"
    );
    term.quit();
}
