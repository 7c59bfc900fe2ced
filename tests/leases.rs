//! Environment leases (DESIGN §11): a deployer that dies on another
//! machine shows as interrupted once its lease expires; a live lease is
//! taken over only with --force and a reason; a result that arrives after
//! the lease was lost is recorded as late and never becomes current.
//!
//! Two "machines" are two values of `RELCON_HOST`: a pid on machine a means
//! nothing on machine b, so only the lease can tell b what happened.

mod common;

use std::time::Duration;

use common::{finish, sigkill, wait_until, Backend, Sandbox};
use serde_json::Value;

const TTL: &str = "3s";

both_stores!(
    a_deployer_killed_on_another_machine_shows_interrupted_once_its_lease_expires,
    a_live_lease_is_taken_over_only_with_force_and_a_reason_and_the_old_result_comes_late,
    a_result_after_the_lease_expired_is_late_and_never_current,
);

fn config(hook: &str) -> String {
    format!(
        r#"[project]
name = "shop"

[ledger]
lease_ttl = "{TTL}"

[[environment]]
name = "dev"
deploy = "{hook}"
"#
    )
}

/// `relcon` on machine `host` as `user`.
fn on(sb: &Sandbox, host: &str, user: &str, args: &[&str]) -> common::Run {
    sb.run_env(&[("RELCON_HOST", host), ("RELCON_USER", user)], args)
}

fn spawn_on(sb: &Sandbox, host: &str, user: &str, args: &[&str]) -> std::process::Child {
    let mut c = sb.command_as(user, args);
    c.env("RELCON_HOST", host);
    c.spawn().expect("spawn relcon")
}

fn deployment(sb: &Sandbox, host: &str) -> Value {
    let st = on(sb, host, "cy", &["status", "--json"]).ok().json();
    st["environments"][0]["deployment"].clone()
}

fn a_deployer_killed_on_another_machine_shows_interrupted_once_its_lease_expires(b: Backend) {
    let sb = Sandbox::on(b, &config("./hook.sh"));
    sb.script("hook.sh", "touch started\nsleep 60");
    sb.register("1.0", "c0ffee1");
    let mut a = spawn_on(&sb, "laptop-a", "ana", &["deploy", "dev", "1.0", "--yes"]);
    assert!(wait_until(Duration::from_secs(20), || sb.exists("started")));
    let d = deployment(&sb, "laptop-b");
    assert_eq!(d["lease"]["holder"], "ana", "{d}");
    assert_eq!(d["lease"]["host"], "laptop-a", "{d}");
    sigkill(a.id() as i32);
    let _ = a.wait();

    // Machine b cannot see laptop-a's processes: only the lease tells it.
    assert!(
        wait_until(Duration::from_secs(20), || deployment(&sb, "laptop-b")["state"]
            == "interrupted"),
        "the deployment never showed as interrupted: {}",
        deployment(&sb, "laptop-b")
    );
    let h = sb.history("dev");
    assert_eq!(h[0]["status"], "interrupted", "{h:?}");
    let kinds: Vec<String> = sb
        .audit()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.contains(&"lease.expired".to_string()), "{kinds:?}");
    // A person settles it, and the environment is free again.
    on(
        &sb,
        "laptop-b",
        "bo",
        &["resolve", "dev", "failed", "--reason", "laptop-a died", "--yes"],
    )
    .ok();
    sb.script("hook.sh", "true");
    on(&sb, "laptop-b", "bo", &["deploy", "dev", "1.0", "--yes"]).ok();
    assert_eq!(sb.history("dev")[0]["status"], "succeeded");
    sb.run(&["audit", "verify"]).ok();
    let _ = std::process::Command::new("pkill").args(["-f", "sleep 60"]).status();
}

fn a_live_lease_is_taken_over_only_with_force_and_a_reason_and_the_old_result_comes_late(b: Backend) {
    let sb = Sandbox::on(b, &config("./hook.sh"));
    // The first deployment waits for `go`; the second runs straight through.
    sb.script(
        "hook.sh",
        "if [ \"$RELCON_ACTOR\" = ana ]; then touch started; i=0; while [ ! -f go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; fi",
    );
    sb.register("1.0", "c0ffee1");
    let a = spawn_on(&sb, "laptop-a", "ana", &["deploy", "dev", "1.0", "--yes"]);
    assert!(wait_until(Duration::from_secs(20), || sb.exists("started")));

    let refused = on(&sb, "laptop-b", "bo", &["deploy", "dev", "1.0", "--yes"]).code(3);
    assert!(refused.stderr.contains("lease live"), "{refused}");
    assert!(refused.stderr.contains("--force"), "{refused}");
    let no_reason = on(&sb, "laptop-b", "bo", &["deploy", "dev", "1.0", "--yes", "--force"]);
    assert_eq!(no_reason.code, 2, "{no_reason}");

    on(
        &sb,
        "laptop-b",
        "bo",
        &[
            "deploy",
            "dev",
            "1.0",
            "--yes",
            "--force",
            "--reason",
            "ana's laptop froze",
        ],
    )
    .ok();
    // Ana's relcon learns it lost the lease, stops its hook, and records a late result.
    let old = finish(a, Duration::from_secs(30));
    assert_eq!(old.code, 1, "{old}");
    assert!(old.stderr.contains("late result"), "{old}");
    assert!(old.stderr.contains("taken over by bo"), "{old}");
    // The deployment that took over decides what runs: nothing to settle.
    assert!(
        old.stderr
            .contains("v2, started after it, decides what dev runs: nothing to settle")
            && !old.stderr.contains("relcon resolve"),
        "{old}"
    );

    let h = sb.history("dev");
    assert_eq!(h[0]["status"], "succeeded", "bo's deployment is current: {h:?}");
    assert_eq!(h[0]["actor"], "bo");
    assert_eq!(h[1]["status"], "interrupted", "{h:?}");
    assert_eq!(h[1]["late"], "failed", "{h:?}");
    let audit = sb.audit();
    let taken = audit
        .iter()
        .find(|e| e["kind"] == "lease.acquired" && e["actor"] == "bo")
        .expect("bo's lease");
    assert!(taken["body"]["took_over"].is_u64(), "{taken}");
    assert!(audit.iter().any(|e| e["kind"] == "gate.overridden"
        && e["body"]["reason"] == "ana's laptop froze"
        && e["body"]["gates"][0]["name"] == "running"));
    // The interrupted deployment it replaced blocks nothing any more (a
    // new-user run found the next deploy refused: "settle v1 first").
    let s = sb.run(&["status", "--json"]).ok().json();
    assert!(s["environments"][0]["deployment"].is_null(), "{s}");
    on(&sb, "laptop-b", "bo", &["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["audit", "verify"]).ok();
}

fn a_result_after_the_lease_expired_is_late_and_never_current(b: Backend) {
    let sb = Sandbox::on(b, &config("./hook.sh"));
    sb.script(
        "hook.sh",
        "touch started; i=0; while [ ! -f go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done",
    );
    sb.register("1.0", "c0ffee1");
    let a = spawn_on(&sb, "laptop-a", "ana", &["deploy", "dev", "1.0", "--yes"]);
    assert!(wait_until(Duration::from_secs(20), || sb.exists("started")));
    // Freeze ana's relcon (not its hook): no heartbeats, as with a closed lid.
    let pid = a.id() as i32;
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    // Another machine notices the silence and records it.
    let noticed = wait_until(Duration::from_secs(20), || {
        on(&sb, "laptop-b", "bo", &["status"]).ok();
        sb.history("dev")[0]["status"] == "interrupted"
    });
    // The hook finishes while ana's relcon is still frozen, then it wakes.
    sb.write("go", "");
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert!(noticed, "the silent deployment was never marked interrupted");
    let old = finish(a, Duration::from_secs(30));
    assert_eq!(old.code, 1, "{old}");
    assert!(old.stderr.contains("late result"), "{old}");

    let h = sb.history("dev");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["status"], "interrupted", "{h:?}");
    assert_eq!(h[0]["late"], "succeeded", "{h:?}");
    let st = sb.env_status("dev");
    assert!(st["release"].is_null(), "a late result never becomes current: {st}");
    // A person who checked the service settles it.
    sb.run(&[
        "resolve",
        "dev",
        "succeeded",
        "--reason",
        "checked: 1.0 is live",
        "--yes",
    ])
    .ok();
    assert_eq!(sb.env_status("dev")["release"]["version"], "1.0");
    sb.run(&["audit", "verify"]).ok();
}
