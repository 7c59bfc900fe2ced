//! Promotion, rollback and gates through the real binary (DESIGN §1, §4):
//! exact-build promotion, --expect, protected envs, approvals, freezes,
//! every failing gate in one refusal, --force overrides, rollback + hold,
//! --through, no-TTY confirmation, SIGKILL mid-hook → interrupted, and two
//! consoles racing into one env. Every test runs on both stores.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{finish, pipeline_config, process_group, sigkill, strings, wait_until, Backend, Sandbox};
use serde_json::Value;

both_stores!(
    promote_ships_the_exact_build_current_in_the_source,
    expect_refuses_when_the_source_moved_on,
    a_protected_env_takes_promotions_only_and_needs_a_reason,
    approvals_need_distinct_people_other_than_the_promoter,
    approvers_are_listed_in_one_order_whatever_the_store_collation,
    a_freeze_window_covering_now_refuses_and_shows_frozen,
    a_refusal_lists_every_failing_gate,
    force_with_a_reason_overrides_and_is_recorded,
    rollback_makes_a_new_release_and_holds_the_env,
    rollback_is_the_emergency_path_past_every_gate_but_needs_a_reason_in_prod,
    promote_through_stops_at_the_first_refusal,
    without_a_tty_confirmation_needs_yes,
    sigkill_during_a_long_hook_leaves_an_interrupted_deployment_to_resolve,
    two_consoles_racing_into_one_env_get_one_deployment,
    sigterm_during_a_hook_cancels_it_and_records_the_failure,
    rollback_skips_failed_releases_and_the_current_build,
);

fn sandbox(b: Backend, prod_extra: &str, tail: &str) -> Sandbox {
    Sandbox::on(b, &pipeline_config("\"true\"", prod_extra, tail))
}

/// dev at 1.0 and staging promoted from it.
fn staged(sb: &Sandbox) {
    sb.run(&[
        "release",
        "register",
        "1.0",
        "--commit",
        "c1c1c1c",
        "--artifact",
        "img@sha256:aaa",
    ])
    .ok();
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
}

fn gate_names(v: &Value) -> Vec<String> {
    v["gates"]
        .as_array()
        .unwrap_or_else(|| panic!("no gates in {v}"))
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect()
}

/// A weekly window from an hour ago to an hour from now, in UTC weekday terms.
fn weekly_window_around_now() -> String {
    let now = Utc::now();
    let (s, e) = (now - chrono::Duration::hours(1), now + chrono::Duration::hours(1));
    format!("{} - {} UTC", s.format("%a %H:%M"), e.format("%a %H:%M"))
}

const ALWAYS_FROZEN: &str = "2020-01-01 00:00 - 2099-01-01 00:00 UTC";

fn promote_ships_the_exact_build_current_in_the_source(b: Backend) {
    let sb = sandbox(b, "", "");
    sb.run(&[
        "release",
        "register",
        "1.0",
        "--commit",
        "c1c1c1c",
        "--artifact",
        "img@sha256:aaa",
    ])
    .ok();
    sb.run(&[
        "release",
        "register",
        "2.0",
        "--commit",
        "c2c2c2c",
        "--artifact",
        "img@sha256:bbb",
    ])
    .ok();
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    // 2.0 is the newest build, but dev runs 1.0: that is what ships.
    let r = sb.run(&["promote", "dev", "staging", "--yes", "--json"]).ok().json();
    assert_eq!(
        (r["version"].as_str(), r["commit"].as_str(), r["artifact"].as_str()),
        (Some("1.0"), Some("c1c1c1c"), Some("img@sha256:aaa"))
    );
    assert_eq!(r["from_env"], "dev");
    let rel = &sb.env_status("staging")["release"];
    assert_eq!(
        (rel["number"].as_u64(), rel["version"].as_str(), rel["commit"].as_str()),
        (Some(1), Some("1.0"), Some("c1c1c1c"))
    );
    assert_eq!(rel["artifact"], "img@sha256:aaa");

    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    let h = sb.history("staging");
    assert_eq!(h.len(), 2);
    assert_eq!(
        (
            h[0]["number"].as_u64(),
            h[0]["version"].as_str(),
            h[0]["commit"].as_str()
        ),
        (Some(2), Some("2.0"), Some("c2c2c2c"))
    );
    assert_eq!(h[0]["description"], "promote 2.0 from dev");
    // Promoting from the wrong stage or from nothing is a usage error.
    let r = sb.run(&["promote", "dev", "prod", "--yes", "--reason", "x"]).code(2);
    assert!(r.stderr.contains("prod promotes from staging"), "{r}");
}

fn expect_refuses_when_the_source_moved_on(b: Backend) {
    let sb = sandbox(b, "", "");
    sb.register("1.0", "aaa");
    sb.register("2.0", "bbb");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    let r = sb
        .run(&["promote", "dev", "staging", "--expect", "v1", "--yes", "--json"])
        .code(3);
    assert!(
        r.stderr.contains("dev is now at v2") && r.stderr.contains("not v1"),
        "{r}"
    );
    assert_eq!(gate_names(&r.json()), vec!["expect"]);
    assert!(sb.history("staging").is_empty(), "nothing may be recorded");
    sb.run(&["promote", "dev", "staging", "--expect", "v2", "--yes"]).ok();
    assert_eq!(sb.history("staging")[0]["version"], "2.0");
    sb.run(&["promote", "dev", "staging", "--expect", "latest", "--yes"])
        .code(2);
}

fn a_protected_env_takes_promotions_only_and_needs_a_reason(b: Backend) {
    let sb = sandbox(b, "", "");
    staged(&sb);
    let r = sb.run(&["deploy", "prod", "1.0", "--yes"]).code(2);
    assert!(r.stderr.contains("--reason"), "{r}");
    let r = sb
        .run(&["deploy", "prod", "1.0", "--yes", "--reason", "hotfix", "--json"])
        .code(3);
    assert!(r.stderr.contains("protected"), "{r}");
    assert!(gate_names(&r.json()).contains(&"protected".to_string()));
    let r = sb.run(&["promote", "staging", "prod", "--yes"]).code(2);
    assert!(r.stderr.contains("give a reason"), "{r}");
    assert!(sb.history("prod").is_empty());
    sb.run(&["promote", "staging", "prod", "--yes", "--reason", "release 1.0"])
        .ok();
    let h = sb.history("prod");
    assert_eq!(h[0]["status"], "succeeded");
    assert_eq!(h[0]["reason"], "release 1.0");
    assert!(strings(&sb.env_status("prod")["badges"]).contains(&"protected".to_string()));
}

fn approvals_need_distinct_people_other_than_the_promoter(b: Backend) {
    let sb = sandbox(b, "approvals = 2", "");
    staged(&sb);
    sb.run_as("ana", &["approve", "prod", "1.0"]).ok();
    sb.run_as("bo", &["approve", "prod", "1.0", "--note", "looks good"])
        .ok();
    let r = sb.run_as("bo", &["approve", "prod", "1.0"]).code(2);
    assert!(r.stderr.contains("already approved"), "{r}");
    let r = sb
        .run_as("ana", &["promote", "staging", "prod", "--yes", "--reason", "r"])
        .code(3);
    assert!(
        r.stderr.contains("1/2 approvals: bo") && r.stderr.contains("your own approval does not count"),
        "{r}"
    );
    let st = sb.env_status("prod");
    let gate = st["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "approvals")
        .cloned()
        .unwrap();
    assert_eq!(gate["ok"], false, "{st}");
    assert_eq!(strings(&st["approvals"]["by"]), vec!["ana", "bo"]);

    sb.run_as("cy", &["approve", "prod", "1.0"]).ok();
    sb.run_as("ana", &["promote", "staging", "prod", "--yes", "--reason", "r"])
        .ok();
    // Approvals belong to one build: 2.0 starts again from zero.
    sb.register("2.0", "bbb");
    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    let r = sb
        .run_as("ana", &["promote", "staging", "prod", "--yes", "--reason", "r"])
        .code(3);
    assert!(r.stderr.contains("0/2 approvals"), "{r}");
    // Approving an unknown build is a usage error.
    sb.run_as("bo", &["approve", "prod", "9.9"]).code(2);
}

fn approvers_are_listed_in_one_order_whatever_the_store_collation(b: Backend) {
    // Byte order (SQLite's), not the database's collation: a team server
    // with a natural-language collation would put "ana" before "Cy".
    let sb = sandbox(b, "approvals = 5", "");
    staged(&sb);
    for who in ["bo", "Cy", "ana", "b-c"] {
        sb.run_as(who, &["approve", "prod", "1.0"]).ok();
    }
    let want = vec!["Cy", "ana", "b-c", "bo"];
    assert_eq!(strings(&sb.env_status("prod")["approvals"]["by"]), want);
    let r = sb
        .run_as("dee", &["promote", "staging", "prod", "--yes", "--reason", "r"])
        .code(3);
    // The gate's own words sort for reading, the same on both stores.
    assert!(r.stderr.contains("4/5 approvals: ana, b-c, bo, Cy"), "{r}");
}

fn a_freeze_window_covering_now_refuses_and_shows_frozen(b: Backend) {
    let window = weekly_window_around_now();
    let sb = sandbox(b, &format!("freeze = [\"{window}\"]"), "");
    staged(&sb);
    let r = sb
        .run(&["promote", "staging", "prod", "--yes", "--reason", "r"])
        .code(3);
    assert!(
        r.stderr.contains("freeze") && r.stderr.contains("frozen until") && r.stderr.contains(&window),
        "{r}"
    );
    let st = sb.env_status("prod");
    assert!(strings(&st["badges"]).contains(&"frozen".to_string()), "{st}");
    assert_eq!(st["freeze"]["window"], window.as_str());
    assert!(sb.history("prod").is_empty());
    // Other envs are not frozen.
    assert!(!strings(&sb.env_status("staging")["badges"]).contains(&"frozen".to_string()));
}

fn a_refusal_lists_every_failing_gate(b: Backend) {
    let tail = "\n[checklist.pre]\nitems = [\"All tests pass\", \"Rollback plan prepared\"]\n";
    let sb = sandbox(
        b,
        &format!("approvals = 1\nfreeze = [\"{ALWAYS_FROZEN}\"]\nchecklists = {{ before = [\"pre\"] }}"),
        tail,
    );
    staged(&sb);
    let r = sb
        .run(&["promote", "staging", "prod", "--yes", "--reason", "r", "--json"])
        .code(3);
    let j = r.json();
    assert_eq!(j["exit_code"], 3);
    assert_eq!(gate_names(&j), vec!["approvals", "freeze", "checklist pre"]);
    assert!(j["gates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["ok"] == false && g["detail"].as_str().is_some_and(|d| !d.is_empty())));
    for want in [
        "refused by 3 gates",
        "approvals",
        "freeze",
        "checklist pre",
        "2 of 2 items open",
    ] {
        assert!(r.stderr.contains(want), "missing {want:?}:\n{r}");
    }
}

fn force_with_a_reason_overrides_and_is_recorded(b: Backend) {
    let tail = "\n[checklist.pre]\nitems = [\"All tests pass\"]\n";
    let sb = sandbox(
        b,
        &format!("approvals = 1\nfreeze = [\"{ALWAYS_FROZEN}\"]\nchecklists = {{ before = [\"pre\"] }}"),
        tail,
    );
    staged(&sb);
    let r = sb.run(&["promote", "staging", "prod", "--yes", "--force"]).code(2);
    assert!(r.stderr.contains("reason"), "{r}");
    sb.run(&[
        "promote",
        "staging",
        "prod",
        "--yes",
        "--force",
        "--reason",
        "outage hotfix, CTO approved",
    ])
    .ok();
    assert_eq!(sb.history("prod")[0]["status"], "succeeded");
    let audit = sb.audit();
    let o = audit
        .iter()
        .find(|e| e["kind"] == "gate.overridden")
        .expect("gate.overridden recorded");
    assert_eq!(o["env"], "prod");
    assert_eq!(o["actor"], "ana");
    assert_eq!(o["body"]["reason"], "outage hotfix, CTO approved");
    assert_eq!(o["body"]["version"], "1.0");
    let names: Vec<&str> = o["body"]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["approvals", "freeze", "checklist pre"]);
    // The override comes right before the deployment it allowed.
    let started = audit
        .iter()
        .find(|e| e["kind"] == "deployment.started" && e["env"] == "prod")
        .unwrap();
    assert_eq!(started["seq"].as_u64().unwrap(), o["seq"].as_u64().unwrap() + 1);
}

fn rollback_makes_a_new_release_and_holds_the_env(b: Backend) {
    let sb = sandbox(b, "", "");
    staged(&sb);
    sb.register("2.0", "c2c2c2c");
    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    let r = sb
        .run(&[
            "rollback",
            "staging",
            "--yes",
            "--reason",
            "2.0 breaks checkout",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(r["number"], 3);
    assert_eq!(r["action"], "rollback");
    assert_eq!(r["version"], "1.0");
    assert_eq!(r["commit"], "c1c1c1c");
    assert_eq!(r["target_release"], 1);
    assert_eq!(r["description"], "rollback to v1 (1.0)");
    let h = sb.history("staging");
    assert_eq!(
        h.iter().map(|r| r["number"].as_u64().unwrap()).collect::<Vec<_>>(),
        vec![3, 2, 1],
        "history is never rewritten"
    );
    let st = sb.env_status("staging");
    assert!(strings(&st["badges"]).contains(&"hold".to_string()), "{st}");
    assert!(st["hold"]["reason"].as_str().unwrap().contains("rollback to v1"));
    assert_eq!(st["release"]["number"], 3);

    // Promotions into a held env are refused until the hold is cleared.
    let r = sb.run(&["promote", "dev", "staging", "--yes", "--json"]).code(3);
    assert!(gate_names(&r.json()).contains(&"hold".to_string()));
    assert!(r.stderr.contains("relcon hold clear staging"), "{r}");
    sb.run_as("bo", &["hold", "clear", "staging", "--reason", "fixed in config"])
        .ok();
    assert!(!strings(&sb.env_status("staging")["badges"]).contains(&"hold".to_string()));
    sb.run(&["hold", "clear", "staging"]).code(2);
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    assert_eq!(sb.env_status("staging")["release"]["version"], "2.0");
    assert_eq!(sb.env_status("staging")["release"]["number"], 4);
    // An explicit target that never ran is a usage error.
    sb.run(&["rollback", "staging", "--to", "v99", "--yes"]).code(2);
}

fn rollback_is_the_emergency_path_past_every_gate_but_needs_a_reason_in_prod(b: Backend) {
    let tail = "\n[checklist.pre]\nitems = [\"All tests pass\"]\n";
    let sb = sandbox(
        b,
        &format!("approvals = 2\nfreeze = [\"{ALWAYS_FROZEN}\"]\nchecklists = {{ before = [\"pre\"] }}"),
        tail,
    );
    staged(&sb);
    sb.run(&["promote", "staging", "prod", "--yes", "--force", "--reason", "first"])
        .ok();
    sb.register("2.0", "c2c2c2c");
    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    sb.run(&["promote", "staging", "prod", "--yes", "--force", "--reason", "second"])
        .ok();
    let r = sb.run(&["rollback", "prod", "--yes"]).code(2);
    assert!(r.stderr.contains("reason"), "{r}");
    sb.run(&["rollback", "prod", "--yes", "--reason", "incident 42: error rate 5%"])
        .ok();
    let rel = &sb.env_status("prod")["release"];
    assert_eq!(
        (rel["number"].as_u64(), rel["version"].as_str()),
        (Some(3), Some("1.0"))
    );
    // No override was needed (or recorded) for the rollback.
    let overrides = sb.audit().iter().filter(|e| e["kind"] == "gate.overridden").count();
    assert_eq!(overrides, 2);
}

fn promote_through_stops_at_the_first_refusal(b: Backend) {
    let sb = sandbox(b, "approvals = 1", "");
    sb.register("1.0", "aaa");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    let r = sb
        .run(&["promote", "--through", "prod", "--yes", "--reason", "train"])
        .code(3);
    assert!(r.stderr.contains("approvals"), "{r}");
    assert_eq!(
        sb.history("staging").len(),
        1,
        "staging was promoted before prod refused"
    );
    assert!(sb.history("prod").is_empty());

    sb.run_as("bo", &["approve", "prod", "1.0"]).ok();
    let made = sb
        .run(&["promote", "--through", "prod", "--yes", "--reason", "train", "--json"])
        .ok()
        .json();
    let made = made.as_array().unwrap();
    assert_eq!(made.len(), 1, "staging already runs 1.0 and is skipped: {made:?}");
    assert_eq!(made[0]["from_env"], "staging");
    assert_eq!(sb.history("staging").len(), 1);
    assert_eq!(sb.env_status("prod")["release"]["version"], "1.0");
    // Nothing left to do.
    let r = sb
        .run(&["promote", "--through", "prod", "--yes", "--reason", "train"])
        .ok();
    assert!(r.stdout.contains("nothing to promote"), "{r}");
}

fn without_a_tty_confirmation_needs_yes(b: Backend) {
    let sb = sandbox(b, "", "");
    sb.register("1.0", "aaa");
    for args in [
        &["deploy", "dev", "1.0"][..],
        &["deploy", "dev", "1.0", "--reason", "x"][..],
        &["promote", "--through", "staging"][..],
    ] {
        let r = sb.run(args).code(2);
        assert!(r.stderr.contains("--yes"), "{args:?}:\n{r}");
    }
    assert!(sb.history("dev").is_empty(), "nothing may run without confirmation");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging"]).code(2);
    assert!(sb.history("staging").is_empty());
    sb.register("2.0", "bbb");
    sb.run(&["deploy", "dev", "2.0", "-y"]).ok();
    sb.run(&["rollback", "dev"]).code(2);
    assert_eq!(sb.history("dev").len(), 2);
}

fn sigkill_during_a_long_hook_leaves_an_interrupted_deployment_to_resolve(b: Backend) {
    let sb = Sandbox::on(b, &pipeline_config("\"./hook.sh\"", "", ""));
    sb.script("hook.sh", "echo $$ > hook.pid\nif [ -f slow ]; then sleep 30; fi");
    sb.write("slow", "");
    sb.register("1.0", "aaa");
    let mut child = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    let started = wait_until(Duration::from_secs(20), || {
        sb.exists("hook.pid") && sb.env_status("dev")["deployment"]["state"] == "started"
    });
    assert!(started, "deployment never showed as started: {}", sb.env_status("dev"));
    let st = sb.env_status("dev");
    assert!(strings(&st["badges"]).contains(&"deploying".to_string()), "{st}");
    // kill -9 relcon, then the hook's process group, and reap relcon so its pid is gone.
    sigkill(child.id() as i32);
    child.wait().unwrap();
    let hook_pid: i32 = sb.read("hook.pid").trim().parse().unwrap();
    if let Some(pgid) = process_group(hook_pid) {
        sigkill(-pgid);
    }

    let st = sb.env_status("dev");
    assert!(strings(&st["badges"]).contains(&"interrupted".to_string()), "{st}");
    assert_eq!(st["deployment"]["state"], "interrupted", "{st}");
    assert_eq!(st["deployment"]["number"], 1);
    assert_eq!(st["deployment"]["version"], "1.0");
    assert!(st["release"].is_null());
    // New deployments wait until a person settles it.
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).code(3);
    assert!(
        r.stderr.contains("interrupted") && r.stderr.contains("relcon resolve dev"),
        "{r}"
    );
    sb.run(&["resolve", "dev", "failed"]).code(2); // needs --yes without a TTY

    let r = sb
        .run(&[
            "resolve",
            "dev",
            "failed",
            "--reason",
            "never reached the cluster",
            "--yes",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(r["status"], "failed");
    let st = sb.env_status("dev");
    assert!(!strings(&st["badges"]).contains(&"interrupted".to_string()), "{st}");
    assert!(st["deployment"].is_null(), "{st}");
    let audit = sb.audit();
    assert!(audit.iter().any(|e| e["kind"] == "deployment.interrupted"));
    assert!(audit
        .iter()
        .any(|e| e["kind"] == "deployment.failed" && e["body"]["resolved"] == true));
    sb.run(&["audit", "verify"]).ok();

    std::fs::remove_file(sb.path("slow")).unwrap();
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    assert_eq!(sb.env_status("dev")["release"]["number"], 2);
    sb.run(&["resolve", "dev", "succeeded", "--yes"]).code(2);
}

fn two_consoles_racing_into_one_env_get_one_deployment(b: Backend) {
    let sb = Sandbox::on(b, &pipeline_config("\"./hook.sh\"", "", ""));
    // The hook holds the env until the test says go (at most ~20 s).
    sb.script(
        "hook.sh",
        "touch \"started-$RELCON_ACTOR\"\ni=0\nwhile [ ! -f go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done",
    );
    sb.write("go", "");
    sb.register("1.0", "aaa");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    std::fs::remove_file(sb.path("go")).unwrap();
    std::fs::remove_file(sb.path("started-ana")).unwrap();

    let mut a = Some(sb.spawn_as("ana", &["promote", "dev", "staging", "--yes"]));
    let mut b = Some(sb.spawn_as("bo", &["promote", "dev", "staging", "--yes"]));
    // The loser is refused while the winner's hook is still waiting.
    let mut loser = None;
    assert!(
        wait_until(Duration::from_secs(20), || {
            for (slot, name) in [(&mut a, "ana"), (&mut b, "bo")] {
                if let Some(c) = slot.as_mut() {
                    if c.try_wait().unwrap().is_some() {
                        loser = Some((finish(slot.take().unwrap(), Duration::from_secs(5)), name));
                        return true;
                    }
                }
            }
            false
        }),
        "neither process finished while the env was held"
    );
    let (lost, loser_name) = loser.unwrap();
    let winner_name = if loser_name == "ana" { "bo" } else { "ana" };
    assert_eq!(lost.code, 3, "the loser ({loser_name}) must be refused:\n{lost}");
    assert!(
        lost.stderr.contains(&format!("is being deployed by {winner_name}")),
        "{lost}"
    );
    // The winner recorded its start before the loser looked; its hook may
    // still be on its way.
    assert!(
        wait_until(Duration::from_secs(20), || sb.exists(&format!("started-{winner_name}"))),
        "the winner's hook never ran"
    );
    assert!(
        !sb.exists(&format!("started-{loser_name}")),
        "the loser's hook must not run"
    );
    sb.write("go", "");
    let won = finish(a.or(b).unwrap(), Duration::from_secs(20));
    assert_eq!(won.code, 0, "{won}");
    let h = sb.history("staging");
    assert_eq!(h.len(), 1, "exactly one deployment: {h:?}");
    assert_eq!(h[0]["actor"], winner_name);
}

fn sigterm_during_a_hook_cancels_it_and_records_the_failure(b: Backend) {
    let sb = Sandbox::on(b, &pipeline_config("\"./hook.sh\"", "", ""));
    sb.script("hook.sh", "sleep 30 &\necho $! > grandchild.pid\nwait");
    sb.register("1.0", "aaa");
    let child = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    assert!(wait_until(Duration::from_secs(20), || sb.exists("grandchild.pid")
        && sb.env_status("dev")["deployment"]["state"] == "started"));
    // SAFETY: plain kill(2) of our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let r = finish(child, Duration::from_secs(15));
    assert_eq!(r.code, 4, "{r}");
    let h = sb.history("dev");
    assert_eq!(h[0]["status"], "failed");
    assert_eq!(h[0]["error"], "cancelled by ana");
    let pid: i32 = sb.read("grandchild.pid").trim().parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || !common::process_alive(pid)),
        "hook survived SIGTERM of relcon"
    );
    assert!(!strings(&sb.env_status("dev")["badges"]).contains(&"interrupted".to_string()));
}

fn rollback_skips_failed_releases_and_the_current_build(b: Backend) {
    let sb = Sandbox::on(b, &pipeline_config("\"./hook.sh\"", "", ""));
    sb.script("hook.sh", "[ \"$RELCON_VERSION\" != \"1.1\" ] || exit 1");
    for v in ["1.0", "1.1", "1.2"] {
        sb.register(v, &format!("c{v}"));
    }
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok(); // v1
    sb.run(&["deploy", "dev", "1.1", "--yes"]).code(4); // v2 failed
    sb.run(&["deploy", "dev", "1.2", "--yes"]).ok(); // v3
    sb.run(&["deploy", "dev", "1.2", "--yes"]).ok(); // v4, same build again
    let r = sb.run(&["rollback", "dev", "--yes", "--json"]).ok().json();
    assert_eq!(
        (
            r["number"].as_u64(),
            r["target_release"].as_u64(),
            r["version"].as_str()
        ),
        (Some(5), Some(1), Some("1.0")),
        "{r}"
    );
    // An explicit target must be a release that ran.
    let r = sb.run(&["rollback", "dev", "--to", "v2", "--yes"]).code(2);
    assert!(r.stderr.contains("did not succeed"), "{r}");
    let r = sb.run(&["rollback", "dev", "--to", "v5", "--yes"]).code(2);
    assert!(r.stderr.contains("current release"), "{r}");
    // Rollback is allowed on a held env (it is the emergency path).
    sb.run(&["rollback", "dev", "--to", "3", "--yes"]).ok();
    assert_eq!(sb.env_status("dev")["release"]["version"], "1.2");
}
