//! The command line's contract (DESIGN §4): `--json` minimum shapes with
//! the right types and no ANSI escapes, and every exit code 0/1/2/3/4.

mod common;

use std::time::Duration;

use common::{assert_no_ansi, finish, pipeline_config, wait_until, Backend, Run, Sandbox};
use serde_json::Value;

// Everything but the pseudo-terminal prompts runs on both stores.
both_stores!(
    status_json_has_the_minimum_shape,
    status_json_shows_a_running_deployment,
    history_json_is_newest_first_with_the_minimum_keys,
    audit_json_has_the_minimum_keys_and_filters,
    flag_json_shapes,
    every_exit_code_is_exercised,
    text_output_reads_well_and_identity_comes_from_relcon_user,
);

/// Colour-forcing variables a careless front end might obey.
const COLOUR_ENV: &[(&str, &str)] = &[
    ("FORCE_COLOR", "1"),
    ("CLICOLOR_FORCE", "1"),
    ("TERM", "xterm-256color"),
    ("COLORTERM", "truecolor"),
];

fn json_run(sb: &Sandbox, args: &[&str]) -> Value {
    let r = sb.run_env(COLOUR_ENV, args).ok();
    assert_no_ansi(&args.join(" "), &r.stdout);
    r.json()
}

const TAIL: &str = r#"
[checklist.pre]
items = ["All tests pass", "Rollback plan prepared"]

[flag.customer_portal]
description = "Customer portal /portal routes"
env.staging = { enabled = true }
env.prod = { enabled = false, rollout = 0, targets = ["15", "42", "103"] }
"#;

/// dev and staging at 1.0, prod pending with an approval and a checklist.
fn populated(b: Backend) -> Sandbox {
    let sb = Sandbox::on(
        b,
        &pipeline_config(
            "\"./hook.sh\"",
            "approvals = 1\nchecklists = { before = [\"pre\"] }",
            TAIL,
        ),
    );
    sb.script(
        "hook.sh",
        "[ ! -f fail ] && { [ ! -f hold ] || while [ ! -f go ]; do sleep 0.05; done; }",
    );
    sb.run(&[
        "release",
        "register",
        "1.0",
        "--commit",
        "0123456789abcdef",
        "--artifact",
        "img@sha256:1",
    ])
    .ok();
    sb.run(&["deploy", "dev", "1.0", "--yes", "--reason", "first"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    sb.run(&["check", "prod", "pre", "1"]).ok();
    sb
}

#[track_caller]
fn is_time(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected an RFC 3339 string, got {v}"));
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
}

#[track_caller]
fn str_or_null(v: &Value) {
    assert!(v.is_string() || v.is_null(), "expected string or null, got {v}");
}

fn status_json_has_the_minimum_shape(b: Backend) {
    let sb = populated(b);
    let st = json_run(&sb, &["status", "--json"]);
    assert_eq!(st["project"], "shop");
    let envs = st["environments"].as_array().unwrap();
    assert_eq!(
        envs.iter().map(|e| e["name"].as_str().unwrap()).collect::<Vec<_>>(),
        vec!["dev", "staging", "prod"]
    );
    for e in envs {
        str_or_null(&e["promote_from"]);
        assert!(e["protected"].is_boolean(), "{e}");
        assert!(e.get("release").is_some() && e.get("deployment").is_some(), "{e}");
        assert!(e["badges"].as_array().unwrap().iter().all(Value::is_string));
        for g in e["gates"].as_array().unwrap() {
            assert!(
                g["name"].is_string() && g["ok"].is_boolean() && g["detail"].is_string(),
                "{g}"
            );
        }
        for c in e["checklists"].as_array().unwrap() {
            assert!(
                c["name"].is_string() && c["done"].is_u64() && c["total"].is_u64(),
                "{c}"
            );
        }
        assert!(e["health"]["state"].is_string(), "{e}");
        assert!(e["health"].get("version").is_some(), "{e}");
        str_or_null(&e["health"]["version"]);
    }
    let dev = &envs[0];
    assert!(dev["promote_from"].is_null());
    let rel = &dev["release"];
    assert_eq!(rel["number"].as_u64(), Some(1));
    assert_eq!(rel["version"], "1.0");
    assert_eq!(rel["commit"], "0123456789abcdef");
    assert_eq!(rel["artifact"], "img@sha256:1");
    is_time(&rel["deployed_at"]);
    assert_eq!(rel["deployed_by"], "ana");
    assert!(dev["deployment"].is_null());
    let prod = &envs[2];
    assert_eq!(prod["promote_from"], "staging");
    assert_eq!(prod["protected"], true);
    assert!(prod["release"].is_null());
    let gates: Vec<(&str, bool)> = prod["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].as_str().unwrap(), g["ok"].as_bool().unwrap()))
        .collect();
    assert!(
        gates.contains(&("approvals", false)) && gates.contains(&("checklist pre", false)),
        "{gates:?}"
    );
    let lists = &prod["checklists"][0];
    assert_eq!(
        (lists["name"].as_str(), lists["done"].as_u64(), lists["total"].as_u64()),
        (Some("pre"), Some(1), Some(2))
    );
}

fn status_json_shows_a_running_deployment(b: Backend) {
    let sb = populated(b);
    sb.register("2.0", "fedcba");
    sb.write("hold", "");
    let child = sb.spawn_as("bo", &["deploy", "dev", "2.0", "--yes"]);
    let mut last = Value::Null;
    let running = wait_until(Duration::from_secs(20), || {
        last = sb.env_status("dev");
        last["deployment"]["state"] == "started"
    });
    assert!(running, "{last}");
    let d = &last["deployment"];
    assert_eq!(d["version"], "2.0");
    assert_eq!(d["actor"], "bo");
    is_time(&d["started_at"]);
    assert!(common::strings(&last["badges"]).contains(&"deploying".to_string()));
    assert_eq!(
        last["release"]["version"], "1.0",
        "the current release is still 1.0 while 2.0 deploys"
    );
    sb.write("go", "");
    finish(child, Duration::from_secs(20)).ok();
    assert!(sb.env_status("dev")["deployment"].is_null());
}

fn history_json_is_newest_first_with_the_minimum_keys(b: Backend) {
    let sb = populated(b);
    sb.register("2.0", "fedcba");
    sb.write("fail", "");
    sb.run(&["deploy", "dev", "2.0", "--yes"]).code(4);
    std::fs::remove_file(sb.path("fail")).unwrap();
    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    let h = json_run(&sb, &["history", "dev", "--json"]);
    let h = h.as_array().unwrap();
    assert_eq!(
        h.iter().map(|r| r["number"].as_u64().unwrap()).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    assert_eq!(
        h.iter().map(|r| r["status"].as_str().unwrap()).collect::<Vec<_>>(),
        vec!["succeeded", "failed", "succeeded"]
    );
    for r in h {
        assert!(
            r["version"].is_string()
                && r["commit"].is_string()
                && r["actor"].is_string()
                && r["description"].is_string(),
            "{r}"
        );
        is_time(&r["at"]);
    }
    assert_eq!(h[2]["description"], "deploy 1.0");
    assert!(h[1]["description"].as_str().unwrap().contains("failed"));
    let limited = json_run(&sb, &["history", "dev", "--json", "--limit", "1"]);
    assert_eq!(limited.as_array().unwrap().len(), 1);
    // The status column fits "succeeded" (and "interrupted"): the actor
    // column starts at one place on every row.
    let text = sb.run(&["history", "dev"]).ok().stdout;
    let actor_at = |l: &str| {
        let mut fields = l
            .match_indices(|c: char| c != ' ')
            .filter(|(i, _)| *i == 0 || &l[i - 1..*i] == " ");
        fields.nth(4).map(|(i, _)| i)
    };
    let starts: Vec<_> = text.lines().map(actor_at).collect();
    assert!(starts.len() == 3 && starts.windows(2).all(|w| w[0] == w[1]), "{text}");
    // No rows asked for is a mistake, not an env without releases.
    let none = exit(sb.run(&["history", "dev", "--limit", "0"]), 2);
    assert!(none.stderr.contains("--limit must be at least 1"), "{none}");
    assert_eq!(json_run(&sb, &["history", "prod", "--json"]), Value::Array(vec![]));
}

fn audit_json_has_the_minimum_keys_and_filters(b: Backend) {
    let sb = populated(b);
    let a = json_run(&sb, &["audit", "--json"]);
    let a = a.as_array().unwrap();
    assert!(a.len() >= 6);
    let seqs: Vec<u64> = a.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=a.len() as u64).rev().collect::<Vec<_>>(),
        "newest first, every seq"
    );
    for e in a {
        is_time(&e["at"]);
        assert!(e["actor"].is_string() && e["kind"].is_string(), "{e}");
        str_or_null(&e["env"]);
        assert!(e["body"].is_object(), "body is JSON, not a string: {e}");
        let hash = e["hash"].as_str().unwrap();
        assert!(
            hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{hash}"
        );
    }
    let first = a.last().unwrap();
    assert_eq!(first["kind"], "build.registered");
    assert!(first["env"].is_null());
    assert_eq!(first["body"]["version"], "1.0");
    assert_eq!(first["actor"], "ana");

    assert_eq!(
        json_run(&sb, &["audit", "--json", "--limit", "2"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        json_run(&sb, &["audit", "--json", "--since", "1h"])
            .as_array()
            .unwrap()
            .len(),
        a.len()
    );
    assert_eq!(
        json_run(&sb, &["audit", "--json", "--since", "2999-01-01"]),
        Value::Array(vec![])
    );
    sb.run(&["audit", "--since", "last tuesday"]).code(2);
    // The text form names what happened.
    let text = sb.run(&["audit"]).ok();
    assert!(text.stdout.contains("registered build 1.0"), "{text}");
}

fn flag_json_shapes(b: Backend) {
    let sb = populated(b);
    let list = json_run(&sb, &["flag", "list", "--json"]);
    let rows = list.as_array().unwrap();
    let prod = rows
        .iter()
        .find(|r| r["flag"] == "customer_portal" && r["env"] == "prod")
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(prod["enabled"], false);
    assert!(prod["rollout"].is_u64());
    assert_eq!(common::strings(&prod["targets"]), vec!["15", "42", "103"]);
    let ev = json_run(&sb, &["flag", "eval", "prod", "customer_portal", "42", "--json"]);
    for k in ["flag", "env", "key", "enabled", "reason"] {
        assert!(ev.get(k).is_some(), "flag eval lacks {k}: {ev}");
    }
    assert_eq!(ev["key"], "42");
    assert!(ev["enabled"].is_boolean() && ev["reason"].is_string());
}

#[track_caller]
fn exit(r: Run, code: i32) -> Run {
    r.code(code)
}

fn every_exit_code_is_exercised(b: Backend) {
    let sb = populated(b);
    // 0: done.
    exit(sb.run(&["status"]), 0);
    // 2: bad usage — unknown env, unknown build, missing arguments, unknown verb.
    let r = exit(sb.run(&["history", "qa", "--json"]), 2);
    assert!(
        r.stderr.contains("unknown environment \"qa\"") && r.stderr.contains("dev, staging, prod"),
        "{r}"
    );
    assert_eq!(r.json()["exit_code"], 2);
    for args in [
        &["resolve", "nosuchenv", "succeeded", "--yes"][..],
        &["resolve", "nosuchenv", "failed"][..],
    ] {
        let r = exit(sb.run(args), 2);
        assert!(
            r.stderr.contains("unknown environment \"nosuchenv\"") && r.stderr.contains("dev, staging, prod"),
            "{args:?}: {r}"
        );
    }
    let r = exit(sb.run(&["deploy", "dev", "9.9", "--yes"]), 2);
    assert!(r.stderr.contains("relcon release register 9.9"), "{r}");
    exit(sb.run(&["deploy", "dev"]), 2);
    exit(sb.run(&["frobnicate"]), 2);
    // 3: refused by a gate.
    let r = exit(
        sb.run(&["promote", "staging", "prod", "--yes", "--reason", "r", "--json"]),
        3,
    );
    assert_eq!(r.json()["exit_code"], 3);
    // 4: a hook failed.
    sb.register("2.0", "bbb");
    sb.write("fail", "");
    let r = exit(sb.run(&["deploy", "dev", "2.0", "--yes", "--json"]), 4);
    assert_eq!(r.json()["exit_code"], 4);
    std::fs::remove_file(sb.path("fail")).unwrap();
    // 1: runtime — a tampered ledger fails verify …
    sb.tamper("UPDATE events SET actor = 'mallory' WHERE seq = 1");
    let r = exit(sb.run(&["audit", "verify"]), 1);
    assert!(r.stderr.contains("seq 1"), "{r}");
    // … and a ledger that cannot be opened (a file where its folder should
    // be; a server that does not answer) is a runtime error, not a usage error.
    let url = match b {
        Backend::Sqlite => "sqlite:relcon.toml/ledger.db",
        Backend::Postgres => "postgres://relcon@127.0.0.1:1/nowhere",
    };
    let bad = Sandbox::new(&format!(
        "[project]\nname = \"x\"\n\n[ledger]\nurl = \"{url}\"\n\n[[environment]]\nname = \"dev\"\n"
    ));
    let r = exit(bad.run(&["status", "--json"]), 1);
    assert_eq!(r.json()["exit_code"], 1);
}

fn text_output_reads_well_and_identity_comes_from_relcon_user(b: Backend) {
    let sb = populated(b);
    let st = sb.run(&["status"]).ok();
    assert!(st.stdout.contains("dev") && st.stdout.contains("v1 1.0"), "{st}");
    let h = sb.run(&["history", "staging"]).ok();
    assert!(h.stdout.contains("promote 1.0 from dev"), "{h}");
    sb.run_as("release-bot@example.com", &["approve", "prod", "1.0"]).ok();
    let a = json_run(&sb, &["audit", "--json", "--limit", "1"]);
    assert_eq!(a[0]["actor"], "release-bot@example.com");
    assert_eq!(a[0]["kind"], "approval.granted");
}

/// Run relcon in a pseudo-terminal, answer its prompt with `answer`, and
/// return (exit code, everything it printed).
fn in_pty(sb: &Sandbox, args: &[&str], prompt: &str, answer: &str) -> (u32, String) {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new(common::BIN);
    cmd.args(args);
    cmd.cwd(sb.root());
    cmd.env("RELCON_USER", common::USER);
    cmd.env_remove("RELCON_CONFIG");
    let mut child = pair.slave.spawn_command(cmd).expect("spawn in pty");
    drop(pair.slave);
    let seen = Arc::new(Mutex::new(String::new()));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let sink = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let asked = wait_until(Duration::from_secs(20), || seen.lock().unwrap().contains(prompt));
    assert!(asked, "no prompt {prompt:?}; got:\n{}", seen.lock().unwrap());
    let mut writer = pair.master.take_writer().unwrap();
    writer.write_all(format!("{answer}\r").as_bytes()).unwrap();
    writer.flush().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "relcon did not finish after the answer"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(Duration::from_millis(50));
    let out = seen.lock().unwrap().clone();
    (status.exit_code(), out)
}

#[test]
fn with_a_tty_relcon_asks_and_a_protected_env_wants_its_name_typed() {
    let sb = populated(Backend::Sqlite);
    sb.register("2.0", "bbb");
    let (code, out) = in_pty(&sb, &["deploy", "dev", "2.0"], "[y/N]", "n");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("Deploy 2.0") && out.contains("as v2"),
        "the question says what will happen:\n{out}"
    );
    assert_eq!(sb.history("dev").len(), 1, "declined: nothing ran");
    let (code, out) = in_pty(&sb, &["deploy", "dev", "2.0"], "[y/N]", "y");
    assert_eq!(code, 0, "{out}");
    assert_eq!(sb.env_status("dev")["release"]["version"], "2.0");

    sb.run_as("bo", &["approve", "prod", "1.0"]).ok();
    sb.run(&["check", "prod", "pre", "2"]).ok();
    let (code, out) = in_pty(
        &sb,
        &["promote", "staging", "prod", "--reason", "release"],
        "to confirm",
        "y",
    );
    assert_eq!(code, 2, "typing y is not typing the env's name:\n{out}");
    assert!(out.contains("Type \"prod\" to confirm"), "{out}");
    assert!(sb.history("prod").is_empty());
    let (code, out) = in_pty(
        &sb,
        &["promote", "staging", "prod", "--reason", "release"],
        "to confirm",
        "prod",
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(sb.env_status("prod")["release"]["version"], "1.0");
}

/// Scripts pass `--yes` to every action: a writing command that never asks
/// accepts it (and `-y`) and does the same as without it.
#[test]
fn every_writing_command_accepts_yes() {
    let sb = Sandbox::new(&pipeline_config("\"true\"", "", "[checklist.pre]\nitems = [\"a\"]\n"));
    sb.run(&["release", "register", "1.0", "--commit", "c1", "--yes"]).ok();
    sb.run(&["approve", "prod", "1.0", "-y"]).ok();
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["notify", "flush", "--yes"]).ok();
    // Refused for what they find, never for the flag.
    for args in [
        &["hold", "clear", "dev", "--yes"][..],
        &["check", "prod", "pre", "1", "--yes"],
        &["rollout", "pause", "dev", "--yes"],
        &["rollout", "resume", "dev", "-y"],
    ] {
        let r = sb.run(args);
        assert!(!r.stderr.contains("unexpected argument"), "{args:?}: {r}");
    }
}
