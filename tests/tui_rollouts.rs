//! A rollout in the console (DESIGN §12), end to end: the real binary in a
//! pseudo-terminal drives due steps itself (its worker), the environment
//! card follows the rollout, and the Rollouts view aborts it with one key
//! and a confirmation; an abort by the analysis is said on the status line.

mod tui_term;

use std::path::Path;

use tui_term::Spawn;

const CONFIG: &str = r#"
[project]
name = "pty-rollouts"

[ledger]
url = "sqlite:.relcon/ledger.db"
lease_ttl = "3s"

[[environment]]
name = "prod"

[flag.customer_portal]
env.prod = { enabled = false }

[export]
flags = [{ format = "flagd", path = "flags/{env}.flagd.json" }]

[rollout.quick]
steps = [{ weight = 5, soak = "3s" }, { weight = 25, soak = "1s" }, { weight = 50, soak = "10m" }, { weight = 100 }]
"#;

fn relcon(dir: &Path, args: &[&str]) -> String {
    tui_term::relcon(dir, "ana", &[], args)
}

/// A project with plan `quick` started on `customer_portal` in prod.
fn started() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    relcon(
        dir.path(),
        &[
            "rollout",
            "start",
            "prod",
            "quick",
            "--flag",
            "customer_portal",
            "--yes",
        ],
    );
    dir
}

#[test]
fn the_card_follows_a_rollout_and_the_key_aborts_it() {
    let dir = started();

    let mut term = Spawn::new(dir.path(), "ana").size(30, 100).start();
    // Nothing else drives: the console's own worker takes it 5 → 25 → 50 %.
    // (The first soak is long enough to be seen; the second may pass between frames.)
    term.wait_for("rollout 1/4 · 5 % · next in");
    term.wait_for("rollout 3/4 · 50 % · next in");

    // The Rollouts view: the timeline, and the emergency key.
    term.send("6");
    term.wait_all(&["Rollout · prod", "●5 % ─ ●25 % ─ ◉50 % ─ ○100 %"]);
    // Pause and resume at once (no dialog: they change no weight).
    term.send("p");
    term.wait_for("rollout 3/4 · 50 % · paused");
    term.send("r");
    term.wait_for("rollout 3/4 · 50 % · next in");
    term.send("x");
    term.wait_for("Rollout abort in prod");
    term.wait_all(&[
        "ABORT the rollout of flag customer_portal in prod at 50 %?",
        // What this plan's on_abort does (it said "sets the weight to 0").
        "Aborting kills customer_portal in prod now",
        "emergency path",
    ]);
    term.send("\r");
    term.wait_for("✔ prod: rollout 3/4 · 0 % · aborted");
    term.close("Rollout abort in prod");
    term.send("1");
    term.wait_for("rollout 3/4 · 0 % · aborted");
    term.quit();

    // Recorded once, by the person, and the flag is killed in the export.
    let audit = relcon(dir.path(), &["audit", "--json"]);
    let events: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| k.starts_with("rollout."))
        .collect();
    assert_eq!(
        kinds,
        [
            "rollout.aborted",
            "rollout.resumed",
            "rollout.paused",
            "rollout.step",
            "rollout.step",
            "rollout.step",
            "rollout.started"
        ]
    );
    // The console's own driver (ana's) took steps 2 and 3.
    let steps: Vec<(String, String)> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "rollout.step")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["body"]["by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(steps.iter().all(|(a, by)| a == "ana" && by == "driver"), "{steps:?}");
    let aborted = &events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "rollout.aborted")
        .unwrap()["body"];
    assert_eq!(aborted["automatic"], false, "{aborted}");
    let flagd = std::fs::read_to_string(dir.path().join("flags/prod.flagd.json")).unwrap();
    assert!(flagd.contains("\"off\""), "{flagd}");
}

/// A health endpoint on 127.0.0.1 answering 200, or 500 once `fail` is set.
fn health(fail: std::sync::Arc<std::sync::atomic::AtomicBool>) -> (String, tokio::runtime::Runtime) {
    use axum::{extract::State, http::StatusCode, routing::get, Router};
    use std::sync::atomic::Ordering;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let url = format!("http://{}/health", listener.local_addr().unwrap());
    let app = Router::new()
        .route(
            "/health",
            get(
                |State(f): State<std::sync::Arc<std::sync::atomic::AtomicBool>>| async move {
                    if f.load(Ordering::SeqCst) {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    }
                },
            ),
        )
        .with_state(fail);
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rt)
}

/// A rollout's line takes the compact card's badge line; a hold or a
/// freeze (which stop promotions) keep their symbol beside it. Killing the
/// flag it drives says, before it is done, that the rollout ends.
#[test]
fn a_freeze_shows_beside_a_rollout_and_a_kill_says_it_ends_it() {
    let dir = started();
    // Frozen from now on (a freeze would have refused the start).
    let frozen = CONFIG.replace(
        "name = \"prod\"\n",
        "name = \"prod\"\nfreeze = [\"2020-01-01 00:00 - 2099-01-01 00:00 UTC\"]\n",
    );
    std::fs::write(dir.path().join("relcon.toml"), frozen).unwrap();
    let mut term = Spawn::new(dir.path(), "ana").size(30, 100).start();
    term.wait_for("❄ rollout ");
    term.send("3");
    term.send("K");
    term.wait_all(&["Kill customer_portal in prod", "Ends rollout quick at step "]);
    term.close("Kill customer_portal in prod");
    term.quit();
}

#[test]
fn an_abort_by_the_analysis_is_said_on_the_status_line() {
    let fail = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (url, _rt) = health(fail.clone());
    let config = format!(
        r#"
[project]
name = "pty-rollouts"

[ledger]
url = "sqlite:.relcon/ledger.db"
lease_ttl = "3s"

[[environment]]
name = "prod"

[[environment.health]]
name = "api"
url = "{url}"
interval = "1s"
timeout = "1s"

[flag.customer_portal]
env.prod = {{ enabled = false }}

[rollout.watched]
steps = [{{ weight = 5, soak = "10m" }}, {{ weight = 100 }}]
analysis = {{ interval = "300ms", failure_limit = 1, checks = ["api"] }}
on_abort = "kill"
"#
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), config).unwrap();
    relcon(
        dir.path(),
        &[
            "rollout",
            "start",
            "prod",
            "watched",
            "--flag",
            "customer_portal",
            "--yes",
        ],
    );
    let term = Spawn::new(dir.path(), "ana").size(30, 160).start();
    term.wait_for("rollout 1/2 · 5 % · next in");
    // The check starts failing: the console's own driver aborts, and says so.
    fail.store(true, std::sync::atomic::Ordering::SeqCst);
    term.wait_for("✖ prod: rollout watched aborted by the analysis");
    term.wait_for("rollout 1/2 · 0 % · aborted");
    term.quit();
    let audit = relcon(dir.path(), &["audit", "--json"]);
    let events: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let aborted = &events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "rollout.aborted")
        .unwrap()["body"];
    assert_eq!(aborted["automatic"], true, "{aborted}");
}
