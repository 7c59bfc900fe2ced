//! `audit verify` checks everything gates read (DESIGN §10): projections
//! forged behind the ledger's back and deleted newest events are named,
//! `audit head` anchors the head, `--expect-head` checks it from anywhere.
//! All but the read-only folder run on both stores; on PostgreSQL the
//! tampering is a superuser's, past the append-only triggers.

mod common;

use common::{pipeline_config, Backend, Sandbox};

both_stores!(
    a_forged_approval_row_is_named_by_verify,
    an_edited_current_release_and_a_cleared_hold_are_named,
    deleting_the_newest_events_is_detected_and_rebuild_does_not_hide_it,
    expect_head_names_a_rewritten_event_and_rejects_bad_input,
);

/// dev → staging → prod; prod needs one approval. Staging runs 1.1, prod 1.0.
fn gated(b: Backend) -> Sandbox {
    let sb = Sandbox::on(b, &pipeline_config("\"true\"", "approvals = 1", ""));
    sb.register("1.0", "c0ffee1");
    sb.register("1.1", "c0ffee2");
    for v in ["1.0", "1.1"] {
        sb.run(&["deploy", "dev", v, "--yes"]).ok();
        sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    }
    sb.run_as("bo", &["approve", "prod", "1.0"]).ok();
    sb.run(&["promote", "staging", "prod", "--expect", "v2", "--reason", "r", "--yes"])
        .code(3);
    sb
}

#[track_caller]
fn verify_fails_with(sb: &Sandbox, needles: &[&str]) -> String {
    let r = sb.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "tampering must be detected:\n{r}");
    for n in needles {
        assert!(r.stderr.contains(n), "verify should say {n:?}:\n{r}");
    }
    r.stderr
}

fn a_forged_approval_row_is_named_by_verify(b: Backend) {
    let sb = gated(b);
    sb.run(&["audit", "verify"]).ok();
    // The gate reads the approvals table: a forged row there would let the
    // promotion pass without any approval.granted event.
    sb.sql(
        "INSERT INTO approvals (env, version, actor, at, note, seq) VALUES ('prod', '1.1', 'mallory', '2026-01-01T00:00:00.000Z', NULL, 3)",
    );
    let st = sb.env_status("prod");
    let gate = st["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "approvals")
        .cloned()
        .unwrap();
    assert_eq!(gate["ok"], true, "the forged row is what the gate reads: {gate}");
    verify_fails_with(&sb, &["projection approvals", "mallory"]);
    let j = sb.run(&["audit", "verify", "--json"]).code(1).json();
    assert_eq!(j["ok"], false);
    assert!(j["projections"].as_str().unwrap().contains("approvals"), "{j}");
    assert!(j["first_bad"].is_null(), "the chain itself is intact: {j}");
}

fn an_edited_current_release_and_a_cleared_hold_are_named(b: Backend) {
    let sb = gated(b);
    sb.run(&["rollback", "staging", "--reason", "bad", "--yes"]).ok();
    sb.run(&["audit", "verify"]).ok();

    assert_eq!(sb.sql("UPDATE env_state SET current = 1 WHERE env = 'dev'"), 1);
    verify_fails_with(&sb, &["projection env_state"]);
    sb.sql("UPDATE env_state SET current = 2 WHERE env = 'dev'");
    sb.run(&["audit", "verify"]).ok();

    assert_eq!(
        sb.sql("UPDATE env_state SET hold_actor = NULL, hold_reason = NULL, hold_since = NULL WHERE env = 'staging'"),
        1
    );
    verify_fails_with(&sb, &["projection env_state", "hold", "missing or changed"]);

    // A rebuild repairs the projections from the events.
    sb.run(&["ledger", "rebuild"]).ok();
    sb.run(&["audit", "verify"]).ok();
    assert!(sb.env_status("staging")["badges"].to_string().contains("hold"));
}

fn deleting_the_newest_events_is_detected_and_rebuild_does_not_hide_it(b: Backend) {
    let sb = gated(b);
    let head = sb.run(&["audit", "head"]).ok().stdout.trim().to_string();
    let (seq, hash) = head.split_once(':').unwrap();
    assert_eq!(hash.len(), 64, "{head}");
    let seq: u64 = seq.parse().unwrap();
    assert_eq!(sb.json(&["audit", "head", "--json"])["head"], head);
    sb.run(&["audit", "verify", "--expect-head", &head]).ok();

    // Remove the newest two events: the shorter chain is still a valid chain
    // (on PostgreSQL the head row is set back too, as a thorough forger would).
    assert_eq!(sb.tamper(&format!("DELETE FROM events WHERE seq > {}", seq - 2)), 2);
    if b == Backend::Postgres {
        sb.tamper(&format!(
            "UPDATE ledger_head SET seq = {s}, hash = (SELECT hash FROM events WHERE seq = {s})",
            s = seq - 2
        ));
    }
    sb.run(&["ledger", "rebuild"]).ok();
    // (Opening the ledger marks the deployment whose end was deleted as
    // interrupted, a new event; the head is still behind the checkpoint.)
    verify_fails_with(&sb, &["removed", &format!("saw seq {seq}"), "ends at seq"]);

    // Another machine (no checkpoint of its own) still catches it against an
    // anchored head; the checkpoint itself never moved back.
    let other = [("RELCON_STATE_DIR", sb.path("elsewhere").display().to_string())];
    let envs: Vec<(&str, &str)> = other.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sb.run_env(&envs, &["audit", "verify"]).ok();
    let r = sb.run_env(&envs, &["audit", "verify", "--expect-head", &head]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("before the expected head"), "{r}");
    verify_fails_with(&sb, &["removed"]);
}

fn expect_head_names_a_rewritten_event_and_rejects_bad_input(b: Backend) {
    let sb = gated(b);
    let head = sb.run(&["audit", "head"]).ok().stdout.trim().to_string();
    let (seq, _) = head.split_once(':').unwrap();
    let wrong = format!("{seq}:{}", "ab".repeat(32));
    let r = sb.run(&["audit", "verify", "--expect-head", &wrong]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("not the expected"), "{r}");
    for bad in ["12", "x:y", "3:abc"] {
        sb.run(&["audit", "verify", "--expect-head", bad]).code(2);
    }
}

#[test]
fn a_ledger_in_a_read_only_folder_can_still_be_read_and_verified() {
    let sb = gated(Backend::Sqlite);
    // Root ignores file modes: run the commands as `nobody` where we are root.
    let as_root = unsafe { libc::geteuid() } == 0;
    if as_root && std::process::Command::new("setpriv").arg("--help").output().is_err() {
        eprintln!("skipped: running as root without setpriv, so a read-only folder stays writable");
        return;
    }
    let dir = sb.path(".relcon");
    set_mode(sb.root(), 0o755);
    set_mode(&sb.path("relcon.toml"), 0o644);
    set_mode(&dir, 0o555);
    for f in std::fs::read_dir(&dir).unwrap() {
        set_mode(&f.unwrap().path(), 0o444);
    }
    let run = |args: &[&str]| {
        let mut c = if as_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", common::BIN]);
            c
        } else {
            std::process::Command::new(common::BIN)
        };
        let out = c
            .args(args)
            .current_dir(sb.root())
            .env("RELCON_USER", "ana")
            .env("RELCON_STATE_DIR", "/nonexistent/relcon-state")
            .env_remove("RELCON_CONFIG")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = run(&["status"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("staging"), "{out}");
    let (code, out) = run(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(&["approve", "prod", "1.1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(".relcon/ledger.db"), "the error names the path: {out}");
    assert!(out.contains("nothing was written"), "{out}");
    set_mode(&dir, 0o755);
}

fn set_mode(p: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}
