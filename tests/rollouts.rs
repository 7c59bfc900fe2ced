//! Progressive rollouts (DESIGN §12) through the real binary: soaks of a
//! second, a real loopback health server (and a real Prometheus where
//! installed), real processes as drivers — two at once, and one killed
//! with SIGKILL mid-soak and restarted — on SQLite and PostgreSQL.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use common::{finish, sigkill, wait_until, Backend, Sandbox};
use serde_json::Value;

/// A health endpoint on 127.0.0.1 answering with a status the test sets.
struct Health {
    addr: SocketAddr,
    status: Arc<AtomicU16>,
    _rt: tokio::runtime::Runtime,
}

impl Health {
    fn start(status: u16) -> Health {
        let status = Arc::new(AtomicU16::new(status));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route(
                "/health",
                get(|State(s): State<Arc<AtomicU16>>| async move {
                    let code = s.load(Ordering::SeqCst);
                    (
                        StatusCode::from_u16(code).unwrap(),
                        if code < 300 { "ok" } else { "down" },
                    )
                }),
            )
            .with_state(status.clone());
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Health { addr, status, _rt: rt }
    }

    fn url(&self) -> String {
        format!("http://{}/health", self.addr)
    }

    fn set(&self, code: u16) {
        self.status.store(code, Ordering::SeqCst);
    }
}

/// A loopback port nobody listens on: every poll there is "unknown".
fn closed_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://127.0.0.1:{}/health", l.local_addr().unwrap().port())
}

/// `prod` with one health check at `health_url`, the flag `checkout` (off),
/// a flagd export, a traffic hook that logs its variables, and `plans`.
fn config(health_url: &str, plans: &str) -> String {
    format!(
        r#"[project]
name = "shop"

[ledger]
lease_ttl = "2s"

[[environment]]
name = "prod"
traffic = "./traffic.sh"
deploy = "true"
rollback = "set -u; echo rollback $RELCON_VERSION $RELCON_PREVIOUS_VERSION v$RELCON_TARGET_RELEASE $RELCON_RELEASE$RELCON_FROM_ENV >> rolled-back.log"

[[environment.health]]
name = "api"
url = "{health_url}"
interval = "1s"
timeout = "1s"

[flag.checkout]
env.prod = {{ enabled = false }}

[export]
flags = [{{ format = "flagd", path = "flags/{{env}}.flagd.json" }}]

{plans}
"#
    )
}

const QUICK: &str = r#"[rollout.quick]
steps = [{ weight = 5, soak = "1s" }, { weight = 25, soak = "1s" }, { weight = 100 }]
analysis = { interval = "300ms", failure_limit = 2, checks = ["health"] }
on_abort = "kill"
"#;

fn sandbox(b: Backend, health_url: &str, plans: &str) -> Sandbox {
    let sb = Sandbox::on(b, &config(health_url, plans));
    sb.script(
        "traffic.sh",
        // `set -u`: every variable the docs promise is set (empty or not).
        "set -u; : \"$RELCON_RELEASE$RELCON_TARGET_RELEASE$RELCON_FROM_ENV$RELCON_OUTPUT$RELCON_COMMIT$RELCON_ARTIFACT\"; echo \"$RELCON_STEP_WEIGHT $RELCON_VERSION $RELCON_PREVIOUS_VERSION $RELCON_STEP\" >> traffic.log",
    );
    sb
}

/// Every `rollout.*` event, oldest first, as (kind, body).
fn rollout_events(sb: &Sandbox) -> Vec<(String, Value)> {
    let mut all = sb.audit();
    all.reverse();
    all.into_iter()
        .filter(|e| e["kind"].as_str().is_some_and(|k| k.starts_with("rollout.")))
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["body"].clone()))
        .collect()
}

fn steps_recorded(sb: &Sandbox) -> Vec<u64> {
    rollout_events(sb)
        .iter()
        .filter(|(k, _)| k == "rollout.step")
        .map(|(_, b)| b["step"].as_u64().unwrap())
        .collect()
}

fn status(sb: &Sandbox) -> Value {
    let v = sb.json(&["rollout", "status", "prod", "--json"]);
    v.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null)
}

fn flag_state(sb: &Sandbox) -> String {
    let rows = sb.json(&["flag", "list", "--json"]);
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["flag"] == "checkout" && r["env"] == "prod")
        .map(|r| r["state"].as_str().unwrap().to_string())
        .unwrap()
}

fn start_flag(sb: &Sandbox, plan: &str) -> Value {
    sb.json(&[
        "rollout", "start", "prod", plan, "--flag", "checkout", "--yes", "--json",
    ])
}

// ---------------------------------------------------------------------------

fn full_run_to_100(b: Backend) {
    let h = Health::start(200);
    let sb = sandbox(b, &h.url(), QUICK);
    let st = start_flag(&sb, "quick");
    assert_eq!((st["step"].as_u64(), st["weight"].as_u64()), (Some(1), Some(5)), "{st}");
    assert_eq!(flag_state(&sb), "5%");
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("step 2/3 → 25 %"), "{run}");
    assert!(run.stdout.contains("completed at 100 %"), "{run}");
    assert_eq!(flag_state(&sb), "on");
    let st = status(&sb);
    assert_eq!(st["phase"], "completed", "{st}");
    assert_eq!(steps_recorded(&sb), vec![1, 2, 3]);
    let events = rollout_events(&sb);
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "rollout.started",
            "rollout.step",
            "rollout.step",
            "rollout.step",
            "rollout.completed"
        ]
    );
    // Each step left behind names the analysis that let it go, all passing.
    let step2 = &events[2].1;
    assert_eq!(step2["by"], "driver");
    let a = &step2["analysis"];
    assert!(a["samples"].as_u64().unwrap() >= 1, "{step2}");
    assert_eq!(a["samples"], a["passes"], "{step2}");
    assert_eq!(a["last"][0]["check"], "api");
    // The export says 100 %, and every projection rebuilds from the events.
    let flagd = sb.read("flags/prod.flagd.json");
    assert!(flagd.contains("\"on\""), "{flagd}");
    sb.run(&["audit", "verify"]).ok();
    // The trail names who held prod's lease for each step: the rollout.
    let trail = sb.run(&["audit"]).ok();
    assert!(trail.stdout.contains("rollout quick holds the lease"), "{trail}");
    // Each step in words (the trail showed the bare kind).
    assert!(
        trail
            .stdout
            .contains("rollout quick step 2/3: 5 → 25 % (by the driver)"),
        "{trail}"
    );
    assert!(
        trail
            .stdout
            .contains("rollout quick of flag checkout completed at 100 %"),
        "{trail}"
    );
    // An abort that comes too late says how the rollout ended (a console's
    // driver may finish it while a person confirms the abort).
    let late = sb
        .run(&["rollout", "abort", "prod", "--reason", "too late", "--yes"])
        .code(2);
    assert!(
        late.stderr
            .contains("prod has no rollout running or paused: the last, quick of flag checkout, completed at 100 %"),
        "{late}"
    );
}

fn automatic_abort_kills_and_exports(b: Backend) {
    let h = Health::start(200);
    let sb = sandbox(b, &h.url(), QUICK);
    start_flag(&sb, "quick");
    h.set(503);
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(60));
    assert_eq!(run.code, 1, "an abort exits 1:\n{run}");
    assert!(run.stdout.contains("ABORTED"), "{run}");
    assert_eq!(flag_state(&sb), "off");
    let killed = sb.json(&["flag", "list", "--json"]);
    let row = killed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["flag"] == "checkout" && r["env"] == "prod")
        .unwrap()
        .clone();
    assert_eq!(row["killed"], true, "{row}");
    // The kill reached the export.
    sb.run(&["flag", "export", "--check"]).ok();
    let flagd = sb.read("flags/prod.flagd.json");
    assert!(flagd.contains("\"off\""), "{flagd}");
    let events = rollout_events(&sb);
    let (k, body) = events.last().unwrap();
    assert_eq!(k, "rollout.aborted");
    assert_eq!(body["automatic"], true);
    assert_eq!(body["action"], "kill");
    assert_eq!(body["weight"], 5);
    assert_eq!(body["measured"][0]["check"], "api");
    assert_eq!(body["measured"][0]["verdict"], "fail");
    assert_eq!(body["measured"][0]["state"], "unhealthy");
    assert!(
        body["why"].as_str().unwrap().contains("2 consecutive failed analyses"),
        "{body}"
    );
    assert_eq!(steps_recorded(&sb), vec![1], "never advanced");
    assert_eq!(status(&sb)["phase"], "aborted");
    sb.run(&["audit", "verify"]).ok();
}

fn two_drivers_each_step_once(b: Backend) {
    let h = Health::start(200);
    let sb = sandbox(b, &h.url(), QUICK);
    start_flag(&sb, "quick");
    let one = sb.spawn_as("ana", &["rollout", "run"]);
    let two = sb.spawn_as("bo", &["rollout", "run"]);
    let (r1, r2) = (
        finish(one, Duration::from_secs(60)),
        finish(two, Duration::from_secs(60)),
    );
    assert_eq!((r1.code, r2.code), (0, 0), "{r1}\n{r2}");
    assert_eq!(
        steps_recorded(&sb),
        vec![1, 2, 3],
        "each step exactly once:\n{r1}\n{r2}"
    );
    let completed = rollout_events(&sb)
        .iter()
        .filter(|(k, _)| k == "rollout.completed")
        .count();
    assert_eq!(completed, 1);
    sb.run(&["audit", "verify"]).ok();
}

fn driver_killed_mid_soak_continues(b: Backend) {
    let h = Health::start(200);
    let slow = r#"[rollout.slow]
steps = [{ weight = 5, soak = "1s" }, { weight = 25, soak = "2s" }, { weight = 50, soak = "1s" }, { weight = 100 }]
analysis = { interval = "300ms", failure_limit = 2, checks = ["health"] }
"#;
    let sb = sandbox(b, &h.url(), slow);
    start_flag(&sb, "slow");
    let mut first = sb.spawn_as("ana", &["rollout", "run"]);
    // Mid-soak of step 2: the driver holds the lease when it dies.
    assert!(
        wait_until(Duration::from_secs(20), || steps_recorded(&sb) == vec![1, 2]),
        "step 2 never came"
    );
    sigkill(first.id() as i32);
    let _ = first.wait();
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(
        steps_recorded(&sb),
        vec![1, 2, 3, 4],
        "continued from its recorded step"
    );
    let a = sb.audit();
    assert!(
        a.iter().any(|e| e["kind"] == "lease.expired"),
        "the dead driver's lease expired before the restart took over"
    );
    assert_eq!(status(&sb)["phase"], "completed");
}

fn no_data_holds(b: Backend) {
    let sb = sandbox(b, &closed_url(), QUICK);
    start_flag(&sb, "quick");
    let mut run = sb.spawn_as("ana", &["rollout", "run"]);
    // Well past every soak (with data it would have completed), polled
    // again and again: it holds.
    let held = wait_until(Duration::from_secs(30), || {
        let st = status(&sb);
        st["waiting"] == "holding: the analysis has no data" && st["analysis"]["samples"].as_u64() >= Some(6)
    });
    let st = status(&sb);
    let _ = run.kill();
    let _ = run.wait();
    assert!(held, "{st}");
    assert_eq!(st["step"], 1, "{st}");
    assert_eq!(st["waiting"], "holding: the analysis has no data", "{st}");
    let a = &st["analysis"];
    assert!(a["samples"].as_u64().unwrap() >= 6, "{st}");
    assert_eq!(a["passes"], 0, "no data never counts as a pass: {st}");
    assert_eq!(a["failures_in_a_row"], 0, "nor as a failure: {st}");
    assert!(st["line"].as_str().unwrap().contains("analysis ? 0/"), "{st}");
    assert_eq!(steps_recorded(&sb), vec![1]);
    assert_eq!(flag_state(&sb), "5%");
}

fn confirm_step_waits_for_a_person(b: Backend) {
    let h = Health::start(200);
    let plan = r#"[rollout.careful]
steps = [{ weight = 10, soak = "1s" }, { weight = 50, confirm = true, soak = "1s" }, { weight = 100 }]
analysis = { interval = "300ms", failure_limit = 2, checks = ["api"] }
"#;
    let sb = sandbox(b, &h.url(), plan);
    start_flag(&sb, "careful");
    // Nothing left for a driver once the next step needs a person.
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(30));
    assert_eq!(run.code, 0, "{run}");
    let st = status(&sb);
    assert_eq!(
        (st["step"].as_u64(), st["phase"].as_str()),
        (Some(1), Some("running")),
        "{st}"
    );
    assert_eq!(st["due_at"], Value::Null, "{st}");
    assert!(
        st["waiting"]
            .as_str()
            .unwrap()
            .starts_with("waiting for a person to confirm 50 %"),
        "{st}"
    );
    assert!(st["line"].as_str().unwrap().contains("· waiting for confirm"), "{st}");
    // Past an analysis interval a re-poll is due (a driver would watch on),
    // but the rollout still waits for the person, not for a driver.
    std::thread::sleep(Duration::from_millis(700));
    let st = status(&sb);
    assert_eq!(st["due_at"], Value::Null, "{st}");
    assert!(st["line"].as_str().unwrap().contains("· waiting for confirm"), "{st}");
    // The person says go; the driver does the rest.
    let st = sb.json(&["rollout", "advance", "prod", "--yes", "--json"]);
    assert_eq!(st["weight"], 50, "{st}");
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(30));
    assert_eq!(run.code, 0, "{run}");
    let bys: Vec<String> = rollout_events(&sb)
        .iter()
        .filter(|(k, _)| k == "rollout.step")
        .map(|(_, b)| b["by"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bys, ["driver", "person", "driver"]);
    assert_eq!(status(&sb)["phase"], "completed");
}

both_stores!(
    full_run_to_100,
    automatic_abort_kills_and_exports,
    two_drivers_each_step_once,
    driver_killed_mid_soak_continues,
    no_data_holds,
    confirm_step_waits_for_a_person,
    traffic_rollout_drives_the_hook_and_aborts_to_zero,
);

// ---------------------------------------------------------------------------

#[test]
fn stickiness_keys_on_at_5_stay_on_at_25() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    start_flag(&sb, "quick");
    let on = |sb: &Sandbox| -> BTreeSet<String> {
        let ctx = sb.ctx("ana");
        (0..2000)
            .map(|i| format!("user-{i}"))
            .filter(|k| relcon::ops::flags::eval(&ctx, "prod", "checkout", k).unwrap().enabled)
            .collect()
    };
    let at5 = on(&sb);
    sb.run(&["rollout", "advance", "prod", "--yes"]).ok();
    let at25 = on(&sb);
    assert!(at5.is_subset(&at25), "a key on at 5 % went off at 25 %");
    // Roughly 5 % and 25 % of 2000 keys: the buckets are real, not all or nothing.
    assert!((40..=160).contains(&at5.len()), "{}", at5.len());
    assert!((400..=600).contains(&at25.len()), "{}", at25.len());
}

/// prod as `status --json` shows it.
fn prod_status(sb: &Sandbox) -> Value {
    let st = sb.json(&["status", "--json"]);
    st["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "prod")
        .cloned()
        .unwrap()
}

/// The version `status --json` shows current in prod.
fn current_version(sb: &Sandbox) -> Value {
    prod_status(sb)["release"]["version"].clone()
}

fn traffic_rollout_drives_the_hook_and_aborts_to_zero(b: Backend) {
    let h = Health::start(200);
    let plan = r#"[rollout.canary]
steps = [{ weight = 5, soak = "1s" }, { weight = 25, soak = "1s" }, { weight = 100 }]
analysis = { interval = "300ms", failure_limit = 1, checks = ["api"] }
on_abort = "rollback"
"#;
    let sb = sandbox(b, &h.url(), plan);
    sb.register("1.0.0", "aaaaaaa");
    sb.register("1.1.0", "bbbbbbb");
    sb.run(&["deploy", "prod", "1.0.0", "--yes"]).ok();
    assert_eq!(prod_status(&sb)["rollout"], Value::Null);
    let st = sb.json(&[
        "rollout",
        "start",
        "prod",
        "canary",
        "--version",
        "1.1.0",
        "--yes",
        "--json",
    ]);
    assert_eq!(st["target"]["previous"], "1.0.0", "{st}");
    assert_eq!(sb.read("traffic.log"), "5 1.1.0 1.0.0 1/3\n");
    // Mid-rollout the previous build is still the current release, and
    // status says where the rollout is, with the card's line.
    let prod = prod_status(&sb);
    assert_eq!(prod["release"]["version"], "1.0.0");
    let r = &prod["rollout"];
    assert_eq!(
        (&r["rollout"], &r["phase"], &r["step"], &r["steps"], &r["weight"]),
        (
            &Value::from("canary"),
            &Value::from("running"),
            &Value::from(1),
            &Value::from(3),
            &Value::from(5)
        ),
        "{r}"
    );
    assert_eq!(r["target"]["version"], "1.1.0", "{r}");
    assert!(r["line"].as_str().unwrap().starts_with("rollout 1/3 · 5 % · "), "{r}");
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(30));
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(
        sb.read("traffic.log"),
        "5 1.1.0 1.0.0 1/3\n25 1.1.0 1.0.0 2/3\n100 1.1.0 1.0.0 3/3\n"
    );
    // Completed at 100 %: 1.1.0 is prod's current release, a deployment in
    // its history, and the projections rebuild from the events.
    let prod = prod_status(&sb);
    assert_eq!(prod["release"]["version"], "1.1.0");
    assert_eq!(prod["rollout"]["phase"], "completed", "{prod}");
    assert_eq!(prod["rollout"]["weight"], 100, "{prod}");
    let hist = sb.json(&["history", "prod", "--json"]);
    let top = &hist[0];
    assert_eq!(
        (&top["version"], &top["status"], &top["number"]),
        (&Value::from("1.1.0"), &Value::from("succeeded"), &Value::from(2)),
        "{hist}"
    );
    assert_eq!(top["reason"], "rollout canary completed at 100 %", "{top}");
    let text = sb.run(&["history", "prod"]).ok();
    assert!(text.stdout.contains("1.1.0"), "{text}");
    let kinds: Vec<String> = {
        let mut all = sb.audit();
        all.reverse();
        all.iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
    };
    let done = kinds.iter().position(|k| k == "rollout.completed").unwrap();
    assert_eq!(
        &kinds[done..done + 3],
        ["rollout.completed", "deployment.started", "deployment.succeeded"]
    );
    sb.run(&["audit", "verify"]).ok();
    // DORA counts it as a deployment of prod.
    let m = sb.json(&["metrics", "prod", "--json"]);
    assert_eq!(m["deployment_frequency"]["deployments"], 2, "{m}");
    // A second rollout, and a failing check: weight 0, then the rollback
    // hook — and 1.1.0 stays the current release.
    std::fs::remove_file(sb.path("traffic.log")).unwrap();
    sb.register("1.2.0", "ccccccc");
    sb.json(&[
        "rollout",
        "start",
        "prod",
        "canary",
        "--version",
        "1.2.0",
        "--yes",
        "--json",
    ]);
    // A deployment meanwhile would be overwritten when the rollout
    // completes: refused, whatever --force says.
    let r = sb
        .run(&["deploy", "prod", "1.0.0", "--yes", "--force", "--reason", "hotfix"])
        .code(3);
    assert!(
        r.stderr
            .contains("✖ rollout: rollout canary of version 1.2.0 is running in prod (step 1/3, 5 %)"),
        "{r}"
    );
    h.set(500);
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(30));
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(sb.read("traffic.log"), "5 1.2.0 1.1.0 1/3\n0 1.2.0 1.1.0 1/3\n");
    // The rollback hook deploys what ran before (a new-user run found it
    // handed the aborted build: a script redeploying $RELCON_VERSION would
    // have put it back).
    assert_eq!(sb.read("rolled-back.log"), "rollback 1.1.0 1.2.0 v2\n");
    assert_eq!(current_version(&sb), "1.1.0");
    let hist = sb.json(&["history", "prod", "--json"]);
    assert_eq!(hist.as_array().unwrap().len(), 2, "{hist}");
    let m = sb.json(&["metrics", "prod", "--json"]);
    assert_eq!(m["deployment_frequency"]["deployments"], 2, "{m}");
    sb.run(&["audit", "verify"]).ok();
}

#[test]
fn a_rollback_during_a_traffic_rollout_ends_it_at_weight_0() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    for (v, c) in [("1.0.0", "aaaaaaa"), ("1.1.0", "bbbbbbb"), ("1.2.0", "ccccccc")] {
        sb.register(v, c);
    }
    sb.run(&["deploy", "prod", "1.0.0", "--yes"]).ok();
    sb.run(&["deploy", "prod", "1.1.0", "--yes"]).ok();
    sb.json(&[
        "rollout",
        "start",
        "prod",
        "quick",
        "--version",
        "1.2.0",
        "--yes",
        "--json",
    ]);
    // The emergency path is open during a rollout; the rollout then must
    // not complete over it (its completion records its build as current).
    sb.run(&["rollback", "prod", "--yes", "--reason", "1.1.0 is bad"]).ok();
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(30));
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout
            .contains("prod's release changed during the rollout: v3 1.0.0"),
        "{run}"
    );
    assert_eq!(sb.read("traffic.log"), "5 1.2.0 1.1.0 1/3\n0 1.2.0 1.1.0 1/3\n");
    // Weight 0 only: the person's rollback stands, no second one ran (the
    // log holds the person's, with every variable set).
    assert_eq!(sb.read("rolled-back.log"), "rollback 1.0.0 1.1.0 v1 3\n");
    assert_eq!(current_version(&sb), "1.0.0");
    let (k, body) = rollout_events(&sb).pop().unwrap();
    assert_eq!(
        (k.as_str(), body["action"].as_str()),
        ("rollout.aborted", Some("zero")),
        "{body}"
    );
}

#[test]
fn a_driver_leaves_alone_the_rollout_a_person_is_acting_on() {
    use relcon::ops::rollout::{tick, Did, Driver};
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    start_flag(&sb, "quick");
    let config = relcon::config::Config::load(&sb.config_path()).unwrap();
    let mut ctx = relcon::ops::Ctx::open(config, "ana".into(), std::sync::Arc::new(chrono::Utc::now)).unwrap();
    // The console's abort dialog is open on prod: due or not, nothing moves.
    let mut driver = Driver::default();
    *driver.held.lock().unwrap() = Some("prod".into());
    std::thread::sleep(Duration::from_millis(1200));
    let report = tick(&mut ctx, &mut driver).unwrap();
    assert!(report.did.is_empty() && report.drivable == 1, "{report:?}");
    assert_eq!(status(&sb)["analysis"]["samples"], 0);
    // Closed: the driver takes it from there.
    *driver.held.lock().unwrap() = None;
    let report = tick(&mut ctx, &mut driver).unwrap();
    assert!(matches!(report.did.first(), Some(Did::Sampled { .. })), "{report:?}");
}

#[test]
fn a_failing_traffic_hook_pauses_the_rollout_for_a_person() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    sb.script("traffic.sh", "echo 'router said no'; exit 7");
    sb.register("1.0.0", "aaaaaaa");
    sb.register("1.1.0", "bbbbbbb");
    sb.run(&["deploy", "prod", "1.0.0", "--yes"]).ok();
    // Exit 4, as for any failed hook, with the hook's words and what to do.
    let r = sb
        .run(&["rollout", "start", "prod", "quick", "--version", "1.1.0", "--yes"])
        .code(4);
    assert!(
        r.stderr
            .contains("traffic hook at 5 % failed: exit code 7 (its last line: router said no)")
            && r.stderr.contains("the rollout is paused at 0 %")
            && r.stderr.contains("relcon rollout resume prod"),
        "{r}"
    );
    let st = &prod_status(&sb)["rollout"];
    assert_eq!(
        (&st["phase"], &st["step"]),
        (&Value::from("paused"), &Value::from(0)),
        "{st}"
    );
    // Recorded, and nothing left to drive: `rollout run` ends at once
    // (it ran the hook every second, for ever).
    let paused = rollout_events(&sb)
        .into_iter()
        .find(|(k, _)| k == "rollout.paused")
        .expect("the pause is recorded");
    assert!(
        paused.1["reason"].as_str().unwrap().contains("exit code 7"),
        "{paused:?}"
    );
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(10));
    assert_eq!(run.code, 0, "{run}");
    // Fixed, resumed: the driver takes the step.
    sb.script(
        "traffic.sh",
        "echo \"$RELCON_STEP_WEIGHT $RELCON_VERSION $RELCON_PREVIOUS_VERSION $RELCON_STEP\" >> traffic.log",
    );
    sb.run(&["rollout", "resume", "prod"]).ok();
    let run = sb.run(&["rollout", "run", "--json"]).ok();
    assert!(
        run.stdout
            .starts_with(r#"{"did":"stepped","env":"prod","rollout":"quick","step":1"#),
        "{run}"
    );
    assert!(sb.read("traffic.log").starts_with("5 1.1.0 1.0.0 1/3\n"), "{run}");
    sb.run(&["audit", "verify"]).ok();
}

#[test]
fn a_flag_rollout_never_takes_the_flag_away_nor_lets_a_hand_undo_it() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    // On for half already: starting at 5 % would turn it off for 45 %.
    sb.run(&["flag", "set", "prod", "checkout", "50%", "--yes"]).ok();
    let r = sb
        .run(&["rollout", "start", "prod", "quick", "--flag", "checkout", "--yes"])
        .code(2);
    assert!(r.stderr.contains("checkout in prod is on for 50 % already"), "{r}");
    assert_eq!(flag_state(&sb), "50%");
    sb.run(&["flag", "set", "prod", "checkout", "off", "--yes"]).ok();
    start_flag(&sb, "quick");
    assert_eq!(flag_state(&sb), "5%");
    // A set by hand would be undone by the next step: refused, saying how.
    let r = sb.run(&["flag", "set", "prod", "checkout", "80%", "--yes"]).code(2);
    assert!(
        r.stderr
            .contains("checkout in prod is driven by rollout quick (step 1/3, 5 %)")
            && r.stderr.contains("relcon rollout advance|pause|abort prod"),
        "{r}"
    );
    assert_eq!(flag_state(&sb), "5%");
}

#[test]
fn pause_stops_the_clock_and_resume_goes_on() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    start_flag(&sb, "quick");
    // The human form: the card line, the steps with the one in force, what it waits for.
    let human = sb.run(&["rollout", "status", "prod"]).ok();
    let lines: Vec<&str> = human.stdout.lines().collect();
    assert!(
        lines[0].starts_with("prod quick of flag checkout: rollout 1/3 · 5 % · "),
        "{human}"
    );
    assert_eq!(lines[1], "  steps [5] → 25 → 100 %", "{human}");
    assert!(
        // Nothing drives it here: soaking, or (on a slow machine) a poll already due.
        ["  soaking at 5 %", "  analysis due"].contains(&lines[2]),
        "{human}"
    );
    let st = sb.json(&["rollout", "pause", "prod", "--reason", "lunch", "--json"]);
    assert_eq!(st["phase"], "paused", "{st}");
    assert!(st["line"].as_str().unwrap().contains("paused"), "{st}");
    // A paused rollout leaves nothing to drive.
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(10));
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(steps_recorded(&sb), vec![1]);
    sb.run(&["rollout", "pause", "prod"]).code(2);
    sb.json(&["rollout", "resume", "prod", "--json"]);
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(30));
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(status(&sb)["phase"], "completed");
    // A second start while one runs is refused; an unknown plan is named.
    let again = sb
        .run(&["rollout", "start", "prod", "nope", "--flag", "checkout", "--yes"])
        .code(2);
    assert!(again.stderr.contains("no rollout plan \"nope\""), "{again}");
}

#[test]
fn a_manual_abort_is_recorded_and_kills_the_flag() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    start_flag(&sb, "quick");
    let refused = sb
        .run(&["rollout", "start", "prod", "quick", "--flag", "checkout", "--yes"])
        .code(2);
    assert!(refused.stderr.contains("already has rollout quick"), "{refused}");
    let st = sb.json(&[
        "rollout",
        "abort",
        "prod",
        "--yes",
        "--reason",
        "errors in logs",
        "--json",
    ]);
    assert_eq!(st["phase"], "aborted", "{st}");
    assert_eq!(flag_state(&sb), "off");
    let events = rollout_events(&sb);
    let (k, body) = events.last().unwrap();
    assert_eq!(k, "rollout.aborted");
    assert_eq!(body["automatic"], false);
    assert_eq!(body["reason"], "errors in logs");
    sb.run(&["rollout", "abort", "prod", "--yes"]).code(2);
}

/// The kill switch is the emergency path: a rollout still driving the
/// flag must not turn it back on at its next step.
#[test]
fn killing_the_flag_ends_its_rollout() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    start_flag(&sb, "quick");
    let killed = sb
        .run(&["flag", "kill", "prod", "checkout", "--reason", "errors", "--yes"])
        .ok();
    // It says so (it printed only the flag's new state).
    assert!(
        killed.stdout.contains("rollout quick in prod ended: it drove checkout"),
        "{killed}"
    );
    let st = status(&sb);
    assert_eq!(st["phase"], "aborted", "{st}");
    // A driver finds nothing left to drive, and the flag stays off.
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(flag_state(&sb), "off");
    assert_eq!(steps_recorded(&sb), vec![1]);
    let events = rollout_events(&sb);
    let (k, body) = events.last().unwrap();
    assert_eq!(k, "rollout.aborted");
    assert_eq!(body["why"], "flag checkout killed", "{body}");
    assert_eq!(
        (&body["automatic"], &body["reason"]),
        (&Value::Bool(false), &Value::from("errors"))
    );
    // Restoring the flag does not start it again.
    sb.run(&["flag", "restore", "prod", "checkout", "--yes"]).ok();
    assert_eq!(flag_state(&sb), "5%");
    assert_eq!(status(&sb)["phase"], "aborted");
    sb.run(&["audit", "verify"]).ok();
}

#[test]
fn start_passes_the_gates_of_a_promotion() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    let cfg = sb.read("relcon.toml").replace(
        "traffic = \"./traffic.sh\"",
        "traffic = \"./traffic.sh\"\nfreeze = [\"2020-01-01 00:00 - 2099-01-01 00:00 UTC\"]",
    );
    sb.write("relcon.toml", &cfg);
    let run = sb.run(&["rollout", "start", "prod", "quick", "--flag", "checkout", "--yes"]);
    assert_eq!(run.code, 3, "refused by the freeze:\n{run}");
    assert!(run.stderr.contains("freeze"), "{run}");
    assert!(rollout_events(&sb).is_empty());
}

#[test]
fn a_version_rollout_carries_the_build_its_source_runs() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    // prod is promoted into from staging.
    let cfg = sb.read("relcon.toml").replace(
        "[[environment]]\nname = \"prod\"",
        "[[environment]]\nname = \"staging\"\ndeploy = \"true\"\n\n[[environment]]\nname = \"prod\"\npromote_from = \"staging\"",
    );
    sb.write("relcon.toml", &cfg);
    for (v, c) in [("1.0.0", "aaaaaaa"), ("1.1.0", "bbbbbbb")] {
        sb.register(v, c);
    }
    sb.run(&["deploy", "staging", "1.0.0", "--yes"]).ok();
    sb.run(&["promote", "staging", "prod", "--yes"]).ok();
    // 1.1.0 never went through staging: a gate, as for a promotion.
    let r = sb
        .run(&["rollout", "start", "prod", "quick", "--version", "1.1.0", "--yes"])
        .code(3);
    assert!(
        r.stderr
            .contains("✖ source: staging runs 1.0.0, not 1.1.0: a rollout into prod carries staging's build"),
        "{r}"
    );
    assert!(rollout_events(&sb).is_empty());
    // Once staging runs it, the rollout starts; a reason overrides, recorded.
    sb.run(&["deploy", "staging", "1.1.0", "--yes"]).ok();
    sb.json(&[
        "rollout",
        "start",
        "prod",
        "quick",
        "--version",
        "1.1.0",
        "--yes",
        "--json",
    ]);
    sb.run(&["rollout", "abort", "prod", "--yes", "--reason", "next"]).ok();
    sb.register("1.2.0", "ccccccc");
    sb.run(&[
        "rollout",
        "start",
        "prod",
        "quick",
        "--version",
        "1.2.0",
        "--yes",
        "--force",
        "--reason",
        "hotfix straight to prod",
    ])
    .ok();
    assert!(sb
        .audit()
        .iter()
        .any(|e| e["kind"] == "gate.overridden" && e["body"]["gates"][0]["name"] == "source"));
}

#[test]
fn bad_plans_name_file_line_and_column() {
    let cases = [
        (
            "[rollout.x]\nsteps = [{ weight = 25 }, { weight = 5 }, { weight = 100 }]\n",
            "each step's weight must be higher",
        ),
        ("[rollout.x]\nsteps = [{ weight = 5 }, { weight = 50 }]\n", "last step must have weight = 100"),
        (
            "[rollout.x]\nsteps = [{ weight = 100 }]\nanalysis = { interval = \"1m\", failure_limit = 3, checks = [\"latency\"] }\n",
            "check \"latency\" is not a health check or metric",
        ),
        ("[rollout.x]\nsteps = [{ weight = 100 }]\non_abort = \"explode\"\n", "expected \"kill\", \"zero\" or \"rollback\""),
        ("[rollout.x]\nsteps = [{ weight = 100, soak = \"soon\" }]\n", "invalid duration"),
    ];
    for (plan, want) in cases {
        let sb = Sandbox::new(&config("http://127.0.0.1:9/health", plan));
        let run = sb.run(&["rollout", "status"]).code(2);
        assert!(run.stderr.contains(want), "{plan}\n{run}");
        assert!(run.stderr.contains("relcon.toml:"), "no file:line:col: {run}");
    }
}

// ---------------------------------------------------------------------------
// The analysis against a real Prometheus (as tests/prometheus.rs runs it):
// TSDB blocks made by promtool from OpenMetrics of the last few minutes.

fn on_path(bin: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(bin)).find(|f| f.is_file()))
}

/// A Prometheus server on a loopback port over the fixture; killed when dropped.
struct Prometheus {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Four and a half minutes ending 15 s ago: 2 % of requests fail; p95 1.2 s.
fn openmetrics(now: i64) -> String {
    use std::fmt::Write as _;
    let ts: Vec<i64> = (0..19).map(|i| now - 285 + 15 * i).collect();
    let mut out = String::from("# TYPE http_requests counter\n");
    for (code, per) in [("200", 98), ("500", 2)] {
        for (i, t) in ts.iter().enumerate() {
            writeln!(out, "http_requests_total{{code=\"{code}\"}} {} {t}", per * i).unwrap();
        }
    }
    out += "# TYPE http_request_duration_seconds histogram\n";
    for (le, per) in [("0.5", 50), ("1", 93), ("1.5", 98), ("2", 100), ("+Inf", 100)] {
        for (i, t) in ts.iter().enumerate() {
            writeln!(
                out,
                "http_request_duration_seconds_bucket{{le=\"{le}\"}} {} {t}",
                per * i
            )
            .unwrap();
        }
    }
    for (i, t) in ts.iter().enumerate() {
        writeln!(out, "http_request_duration_seconds_count {} {t}", 100 * i).unwrap();
        writeln!(out, "http_request_duration_seconds_sum {} {t}", 70 * i).unwrap();
    }
    out + "# EOF\n"
}

/// None (skip) without the binaries, except under CI where that fails.
fn prometheus() -> Option<Prometheus> {
    let (Some(bin), Some(tool)) = (on_path("prometheus"), on_path("promtool")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "prometheus/promtool not installed: .ci/install-test-deps must install them"
        );
        eprintln!("skipping: prometheus not installed (apt-get install prometheus)");
        return None;
    };
    let dir = tempfile::Builder::new().prefix("relcon-prom-").tempdir().unwrap();
    let (data, om) = (dir.path().join("data"), dir.path().join("fixture.om"));
    std::fs::write(&om, openmetrics(chrono::Utc::now().timestamp())).unwrap();
    let out = std::process::Command::new(tool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&data)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 1m\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
    let child = std::process::Command::new(bin)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start prometheus");
    let p = Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let ready = wait_until(Duration::from_secs(30), || {
        client
            .get(format!("{}/api/v1/query?query=sum(http_requests_total)", p.url))
            .send()
            .ok()
            .and_then(|r| r.text().ok())
            .is_some_and(|t| t.contains("\"result\":[{"))
    });
    assert!(ready, "prometheus on {} never answered with the fixture", p.url);
    Some(p)
}

#[test]
fn analysis_on_a_real_prometheus_passes_aborts_and_holds() {
    let Some(prom) = prometheus() else {
        return;
    };
    let h = Health::start(200);
    let metrics = format!(
        r#"
[[environment.metric]]
name = "error rate"
query = 'sum(rate(http_requests_total{{code=~"5.."}}[5m])) / sum(rate(http_requests_total[5m]))'
fail = "> 0.01"

[[environment.metric]]
name = "p95 latency"
query = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'
fail = "> 2s"

[[environment.metric]]
name = "absent"
query = 'sum(never_recorded_total)'
fail = "> 1"

[prometheus]
url = "{}"
timeout = "5s"

[rollout.latency]
steps = [{{ weight = 10, soak = "1s" }}, {{ weight = 100 }}]
analysis = {{ interval = "300ms", failure_limit = 2, checks = ["p95 latency"] }}

[rollout.errors]
steps = [{{ weight = 10, soak = "1s" }}, {{ weight = 100 }}]
analysis = {{ interval = "300ms", failure_limit = 2, checks = ["error rate", "p95 latency"] }}

[rollout.empty]
steps = [{{ weight = 10, soak = "1s" }}, {{ weight = 100 }}]
analysis = {{ interval = "300ms", failure_limit = 2, checks = ["absent"] }}
"#,
        prom.url
    );
    // The metric tables belong to prod: splice them in after its health check.
    let cfg = config(&h.url(), "").replace("timeout = \"1s\"\n", &format!("timeout = \"1s\"\n{metrics}"));
    let sb = Sandbox::new(&cfg);
    sb.script("traffic.sh", "true");

    // p95 1.2 s against "> 2s": passes, and the run completes.
    start_flag(&sb, "latency");
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(60));
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(status(&sb)["phase"], "completed");
    let (_, step) = rollout_events(&sb)
        .into_iter()
        .rfind(|(k, _)| k == "rollout.step")
        .unwrap();
    let seen = &step["analysis"]["last"][0];
    assert_eq!(seen["check"], "p95 latency");
    assert!((seen["value"].as_f64().unwrap() - 1.2).abs() < 1e-6, "{seen}");
    assert_eq!(seen["threshold"], "> 2s");

    // 2 % errors against "> 0.01": aborts, the flag killed, the value
    // recorded. (Off first: a rollout does not start below where it is.)
    sb.run(&["flag", "set", "prod", "checkout", "off", "--yes"]).ok();
    start_flag(&sb, "errors");
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(60));
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("error rate = 0.0200 (fail > 0.01)"), "{run}");
    assert_eq!(flag_state(&sb), "off");
    let (k, body) = rollout_events(&sb).pop().unwrap();
    assert_eq!(k, "rollout.aborted");
    let er = body["measured"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["check"] == "error rate")
        .unwrap()
        .clone();
    assert!((er["value"].as_f64().unwrap() - 0.02).abs() < 1e-9, "{er}");
    assert_eq!(
        (er["threshold"].as_str(), er["verdict"].as_str()),
        (Some("> 0.01"), Some("fail"))
    );

    // An empty query is no data: it holds at 10 %.
    start_flag(&sb, "empty");
    let mut run = sb.spawn_as("ana", &["rollout", "run"]);
    let held = wait_until(Duration::from_secs(30), || {
        let st = status(&sb);
        st["waiting"] == "holding: the analysis has no data" && st["analysis"]["samples"].as_u64() >= Some(5)
    });
    let st = status(&sb);
    let _ = run.kill();
    let _ = run.wait();
    assert!(held, "{st}");
    assert_eq!(
        (st["step"].as_u64(), st["weight"].as_u64()),
        (Some(1), Some(10)),
        "{st}"
    );
    assert_eq!(st["waiting"], "holding: the analysis has no data", "{st}");
    assert_eq!(st["analysis"]["passes"], 0, "{st}");
}

/// Every TOML example in docs/rollouts.md is a valid config (together, with
/// the metric the first plan names).
#[test]
fn the_docs_plans_are_valid_config() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rollouts.md")).unwrap();
    let mut toml = String::from("[project]\nname = \"docs\"\n");
    for block in doc.split("```toml\n").skip(1) {
        toml.push_str(block.split("```").next().unwrap());
    }
    toml.push_str(
        "\n[[environment]]\nname = \"lab\"\n[[environment.metric]]\nname = \"p95 latency\"\nquery = \"up\"\nfail = \"> 2s\"\n",
    );
    let sb = Sandbox::new(&toml);
    let run = sb.run(&["rollout", "status", "--json"]);
    assert_eq!(run.code, 0, "{toml}\n{run}");
    let cfg = sb.config();
    let names: Vec<&str> = cfg.rollouts.keys().map(String::as_str).collect();
    assert_eq!(names, ["gradual", "portal", "staged"]);
    assert!(cfg.rollouts["portal"].steps[1].confirm);
}

#[test]
fn an_abort_that_kills_the_flag_mitigates_the_open_incident() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    start_flag(&sb, "quick");
    sb.run(&[
        "incident",
        "open",
        "prod",
        "--severity",
        "high",
        "--summary",
        "checkout errors",
    ])
    .ok();
    h.set(503);
    let run = finish(sb.spawn_as("ana", &["rollout", "run"]), Duration::from_secs(60));
    assert_eq!(run.code, 1, "{run}");
    let inc = sb.json(&["incident", "show", "prod", "--json"]);
    assert_eq!(inc["incident"]["mitigation"], "killed checkout", "{inc}");
    assert_eq!(inc["incident"]["mitigated_by"], "ana", "{inc}");
}

/// A console's driver with nothing to drive sleeps until an event (up to
/// 30 s, with no wake-up between): closing the console wakes it through
/// the store, so the close does not wait the sleep out.
#[test]
fn a_console_driver_with_nothing_to_drive_stops_at_once_when_dropped() {
    let h = Health::start(200);
    let sb = sandbox(Backend::Sqlite, &h.url(), QUICK);
    let handle = relcon::ops::rollout::spawn_driver(sb.ctx("ana"), Box::new(|_| {})).expect("a writable ledger");
    // Into its long wait (it ticks once, finds nothing, and sleeps).
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    drop(handle);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "dropping the driver took {took:?}");
}
