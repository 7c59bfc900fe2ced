//! A deployment whose hook outlives its ledger connection (PostgreSQL, on
//! the server named by `RELCON_TEST_PG`): a connection the server ended
//! once is replaced and the result recorded; a ledger still refusing
//! connections when the hook ends gets a message that says the hook's
//! result and how to settle it, never "nothing was written" alone.

mod common;

use std::time::Duration;

use common::pg;
use common::{finish, pipeline_config, wait_until, Backend, Sandbox};

/// Hooks that say they started, then wait for `go` before succeeding.
const HOOK: &str = r#"{ run = "touch started; while [ ! -f go ]; do sleep 0.05; done; echo deployed" }"#;

/// A deployment of 1.0 to dev by ana, its hook started and waiting for `go`.
fn deploying(sb: &Sandbox) -> std::process::Child {
    sb.register("1.0", "c1");
    let deploy = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    let started = sb.root().join("started");
    assert!(
        wait_until(Duration::from_secs(30), || started.exists()),
        "the hook never started"
    );
    deploy
}

/// End every session relcon has open on the sandbox's database.
fn end_sessions(sb: &Sandbox) -> i64 {
    sb.query_i64(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
         WHERE application_name = 'relcon' AND datname = current_database()) t",
    )
}

#[test]
fn a_hook_that_outlives_its_connection_has_its_result_recorded() {
    let Some(b) = Backend::postgres() else { return };
    let sb = Sandbox::on(b, &pipeline_config(HOOK, "", ""));
    let deploy = deploying(&sb);
    assert!(end_sessions(&sb) >= 1, "the deploy's connections");
    std::fs::write(sb.root().join("go"), "").unwrap();
    let r = finish(deploy, Duration::from_secs(60)).ok();
    assert!(r.stderr.contains("deployed"), "{r}");
    let h = sb.run(&["history", "dev", "--json"]).ok().json();
    assert_eq!(h[0]["status"], "succeeded", "{h}");
}

#[test]
fn a_result_the_ledger_cannot_take_says_what_happened_and_how_to_settle_it() {
    let Some(b) = Backend::postgres() else { return };
    let sb = Sandbox::on(b, &pipeline_config(HOOK, "", ""));
    let deploy = deploying(&sb);
    // The ledger's database refuses every new session until allowed again.
    let db = sb.query_text("SELECT current_database()").unwrap();
    // From another database: a session cannot lock out its own.
    let mut admin = pg::client(&pg::server().unwrap());
    let allow = |admin: &mut postgres::Client, yes: bool| {
        admin
            .batch_execute(&format!("ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS {yes}"))
            .unwrap()
    };
    allow(&mut admin, false);
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{db}' AND application_name = 'relcon'"
        ))
        .unwrap();
    std::fs::write(sb.root().join("go"), "").unwrap();
    let r = finish(deploy, Duration::from_secs(60));
    allow(&mut admin, true);
    let r = r.code(1);
    assert!(
        r.stderr
            .contains("dev v1: the hook succeeded but its result could not be recorded")
            && r.stderr.contains("relcon resolve dev succeeded")
            && r.stderr.contains(sb.ledger_url().unwrap()),
        "{r}"
    );
    // Nothing of the result landed: the deployment whose process ended
    // unrecorded shows as interrupted, and the advice settles it.
    let h = sb.run(&["history", "dev", "--json"]).ok().json();
    assert_eq!(h[0]["status"], "interrupted", "{h}");
    sb.run(&[
        "resolve",
        "dev",
        "succeeded",
        "--yes",
        "--reason",
        "the hook said deployed",
    ])
    .ok();
    let s = sb.run(&["status", "--json"]).ok().json();
    assert_eq!(s["environments"][0]["release"]["number"], 1, "{s}");
}
