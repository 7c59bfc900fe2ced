//! Notifications (DESIGN §14): `[[notify]]` sinks fed from an outbox in the
//! ledger. A real loopback receiver and real child processes: a deployment
//! with the receiver down still succeeds and leaves its notification
//! pending; `notify flush` delivers it once the receiver is back; a relcon
//! killed right after commit still gets its notification out on the next
//! run; Slack's incoming-webhook shape; the `run` sink's variables; two
//! processes flushing at once deliver each row exactly once.

mod common;
mod receiver;

use std::time::Duration;

use common::{pipeline_config, process_group, sigkill, wait_until, Backend, Sandbox};
use receiver::Receiver;
use serde_json::Value;

both_stores!(
    dead_receiver_leaves_it_pending_and_flush_delivers_later,
    delivered_right_after_the_command_in_every_format,
    killed_right_after_commit_still_delivers_on_the_next_run,
    delivered_while_a_long_deployment_runs,
    run_sink_gets_the_event_in_env_vars,
    two_flushes_at_once_deliver_each_row_once,
);

fn sandbox(b: Backend, sinks: &str) -> Sandbox {
    let sb = Sandbox::on(b, &pipeline_config("\"true\"", "", sinks));
    sb.run(&["release", "register", "1.0", "--commit", "c0ffee1"]).ok();
    sb
}

fn status(sb: &Sandbox) -> Vec<Value> {
    let v = sb.run(&["notify", "status", "--json"]).ok().json();
    v["sinks"].as_array().cloned().unwrap_or_default()
}

fn sink<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter()
        .find(|s| s["sink"] == name)
        .unwrap_or_else(|| panic!("no sink {name} in {all:?}"))
}

fn dead_receiver_leaves_it_pending_and_flush_delivers_later(b: Backend) {
    let port = Receiver::dead_port();
    let sb = sandbox(
        b,
        &format!(
            r#"
[[notify]]
name = "team"
webhook = "http://127.0.0.1:{port}/hook"
format = "slack"
"#
        ),
    );
    // The action succeeds; only a warning says the notification waits.
    let run = sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    assert!(run.stderr.contains("notification not delivered yet"), "{run}");
    assert_eq!(sb.history("dev")[0]["status"], "succeeded");

    let st = status(&sb);
    let team = sink(&st, "team");
    assert_eq!(
        (team["pending"].as_u64(), team["delivered"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(team["failing"], 1);
    assert_eq!(team["kind"], "webhook (slack)");
    let err = team["last_error"].as_str().unwrap();
    assert!(err.starts_with(&format!("127.0.0.1:{port}: ")), "{err}");
    // Only the host: a webhook's path can be its secret (Slack's are).
    assert!(!err.contains("/hook"), "{err}");
    // The text status says the same, with the error.
    let text = sb.run(&["notify", "status"]).ok().stdout;
    assert!(
        text.contains("team  webhook (slack)  pending 1 (1 failing) · delivered 0"),
        "{text}"
    );
    assert!(text.contains("last error"), "{text}");

    // Still down: flush fails (non-zero) and leaves it pending.
    let run = sb.run(&["notify", "flush", "--timeout", "5s"]);
    assert_eq!(run.code, 1, "{run}");
    // Said once, by the flush itself (not also by the after-command word).
    assert!(!run.stderr.contains("not delivered yet"), "{run}");
    assert_eq!(sink(&status(&sb), "team")["pending"], 1);

    // The outbox is not history: verify does not flag it, rebuild keeps it.
    sb.run(&["audit", "verify"]).ok();
    sb.run(&["ledger", "rebuild"]).ok();
    assert_eq!(sink(&status(&sb), "team")["pending"], 1);

    // The receiver comes back on the same port: flush delivers, exit 0.
    let rx = Receiver::on(port);
    let run = sb.run(&["notify", "flush", "--json"]).ok();
    assert_eq!(run.json()["delivered"], 1, "{run}");
    let got = rx.got();
    assert_eq!(got.len(), 1);
    let req = &got[0];
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/hook"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert!(req.header("user-agent").unwrap().starts_with("relcon/"), "{req:?}");
    // Slack's incoming-webhook shape: a `text` fallback and `blocks` of
    // known types, each text object `{type: mrkdwn, text}`.
    let body = req.json();
    assert_eq!(body["text"], "shop · dev: v1 succeeded (1.0, by ana)");
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(blocks[0]["text"]["type"], "mrkdwn");
    assert!(blocks[0]["text"]["text"].as_str().unwrap().contains("1.0"));
    assert_eq!(blocks[1]["type"], "context");
    assert_eq!(blocks[1]["elements"][0]["type"], "mrkdwn");
    assert!(blocks[1]["elements"][0]["text"]
        .as_str()
        .unwrap()
        .contains("deployment.succeeded"));
    for k in body.as_object().unwrap().keys() {
        assert!(["text", "blocks"].contains(&k.as_str()), "unexpected key {k}");
    }

    let team = sink(&status(&sb), "team").clone();
    assert_eq!(
        (team["pending"].as_u64(), team["delivered"].as_u64()),
        (Some(0), Some(1))
    );
    // Nothing is sent twice: neither a second flush nor a rebuild resends it.
    sb.run(&["ledger", "rebuild"]).ok();
    sb.run(&["notify", "flush"]).ok();
    assert_eq!(rx.got().len(), 1);
    sb.run(&["audit", "verify"]).ok();
}

fn delivered_right_after_the_command_in_every_format(b: Backend) {
    let rx = Receiver::start();
    let sb = sandbox(
        b,
        &format!(
            r#"
[[notify]]
name = "audit-json"
webhook = "{json}"
format = "json"
events = ["deployment.*"]
token_env = "HOOK_TOKEN"

[[notify]]
name = "custom"
webhook = "{custom}"
body = '{{"msg": "{{{{ summary }}}}", "v": "{{{{ version }}}}", "env": "{{{{ env }}}}"}}'

[[notify]]
name = "prod-only"
webhook = "{prod}"
envs = ["prod"]
"#,
            json = rx.url("/json"),
            custom = rx.url("/custom"),
            prod = rx.url("/prod"),
        ),
    );
    let secret = "s3cr3t-token-value";
    let run = sb
        .run_env(&[("HOOK_TOKEN", secret)], &["deploy", "dev", "1.0", "--yes"])
        .ok();
    assert!(!run.stderr.contains("not delivered"), "{run}");
    let got = rx.got();
    let paths: Vec<&str> = got.iter().map(|r| r.path.as_str()).collect();
    // started, step(s) and succeeded to the json sink; succeeded to custom; nothing to prod-only.
    assert!(!paths.contains(&"/prod"), "{paths:?}");
    assert_eq!(paths.iter().filter(|p| **p == "/custom").count(), 1, "{paths:?}");
    let json: Vec<_> = got.iter().filter(|r| r.path == "/json").collect();
    let kinds: Vec<String> = json
        .iter()
        .map(|r| r.json()["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.contains(&"deployment.started".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"deployment.succeeded".to_string()), "{kinds:?}");
    assert!(kinds.iter().all(|k| k.starts_with("deployment.")), "{kinds:?}");
    // The bearer token from token_env; the event exactly as `audit --json` has it.
    assert_eq!(
        json[0].header("authorization"),
        Some(format!("Bearer {secret}").as_str())
    );
    let audit = sb.audit();
    for r in &json {
        let e = r.json();
        let same = audit.iter().find(|a| a["seq"] == e["seq"]).expect("event in audit");
        assert_eq!(same, &e);
    }
    let custom = got.iter().find(|r| r.path == "/custom").unwrap().json();
    assert_eq!(custom["v"], "1.0");
    assert_eq!(custom["env"], "dev");
    assert!(custom["msg"].as_str().unwrap().contains("succeeded"));

    // A receiver answering 500 with the token in its answer: the stored
    // error is redacted.
    rx.answer_with(500, &format!("bad token {secret}"));
    sb.run(&["release", "register", "1.1", "--commit", "c0ffee2"]).ok();
    sb.run_env(&[("HOOK_TOKEN", secret)], &["deploy", "dev", "1.1", "--yes"])
        .ok();
    let st = status(&sb);
    let err = sink(&st, "audit-json")["last_error"].as_str().unwrap().to_string();
    assert!(err.starts_with("HTTP 500"), "{err}");
    assert!(!err.contains(secret), "{err}");
    let text = sb.run_env(&[("HOOK_TOKEN", secret)], &["notify", "status"]).ok().stdout;
    assert!(!text.contains(secret), "{text}");
    // A missing token is said as such, and the row stays pending.
    rx.answer_with(200, "ok");
    let run = sb.run(&["notify", "flush"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("token_env HOOK_TOKEN is not set"), "{run}");
    sb.run_env(&[("HOOK_TOKEN", secret)], &["notify", "flush"]).ok();
    assert_eq!(sink(&status(&sb), "audit-json")["pending"], 0);
}

fn killed_right_after_commit_still_delivers_on_the_next_run(b: Backend) {
    // The receiver's address is dead while the deployment runs, so nothing
    // can have been delivered before the kill.
    let port = Receiver::dead_port();
    let sb = Sandbox::on(
        b,
        &pipeline_config(
            "\"./slow.sh\"",
            "",
            &format!(
                r#"
[[notify]]
name = "team"
webhook = "http://127.0.0.1:{port}/hook"
format = "json"
events = ["deployment.started"]
"#
            ),
        ),
    );
    sb.script("slow.sh", "echo $$ > started.tmp && mv started.tmp started\nsleep 30");
    sb.run(&["release", "register", "1.0", "--commit", "c0ffee1"]).ok();
    let mut child = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    // The hook runs: deployment.started (and its outbox row) is committed.
    assert!(wait_until(Duration::from_secs(20), || sb.exists("started")));
    sigkill(child.id() as i32);
    let _ = child.wait();
    // The hook runs in a process group of its own: end it too.
    let hook: i32 = sb.read("started").trim().parse().unwrap();
    if let Some(g) = process_group(hook) {
        sigkill(-g);
    }
    // The receiver is back; the next run delivers the notification.
    let rx = Receiver::on(port);
    sb.run(&["notify", "flush"]).ok();
    let got = rx.got();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].json()["kind"], "deployment.started");
}

/// A long deployment: "started" reaches the receiver while the hook still runs.
fn delivered_while_a_long_deployment_runs(b: Backend) {
    let rx = Receiver::start();
    let sb = Sandbox::on(
        b,
        &pipeline_config(
            "\"./slow.sh\"",
            "",
            &format!(
                "\n[[notify]]\nname = \"team\"\nwebhook = \"{}\"\nevents = [\"deployment.*\"]\n",
                rx.url("/hook")
            ),
        ),
    );
    sb.script("slow.sh", "while [ ! -e release ]; do sleep 0.05; done");
    sb.run(&["release", "register", "1.0", "--commit", "c0ffee1"]).ok();
    let mut child = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    let kinds = |rx: &Receiver| -> Vec<String> {
        rx.got()
            .iter()
            .map(|r| r.json()["kind"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(
        wait_until(Duration::from_secs(15), || kinds(&rx)
            .contains(&"deployment.started".to_string())),
        "{:?}",
        kinds(&rx)
    );
    assert!(child.try_wait().unwrap().is_none(), "the deployment is still running");
    sb.write("release", "");
    assert!(child.wait().unwrap().success());
    // Its end too, before the command returned; each event once.
    let k = kinds(&rx);
    assert!(k.contains(&"deployment.succeeded".to_string()), "{k:?}");
    let mut seqs: Vec<u64> = rx.got().iter().map(|r| r.json()["seq"].as_u64().unwrap()).collect();
    let n = seqs.len();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "{k:?}");
}

fn run_sink_gets_the_event_in_env_vars(b: Backend) {
    let sb = sandbox(
        b,
        r#"
[[notify]]
name = "log"
run = "./notify.sh"
events = ["deployment.succeeded"]
"#,
    );
    sb.script(
        "notify.sh",
        r#"d="got-$RELCON_EVENT_SEQ"; mkdir "$d"
for v in RELCON_EVENT_KIND RELCON_EVENT_SEQ RELCON_ENV RELCON_VERSION RELCON_ACTOR RELCON_PROJECT RELCON_SINK RELCON_EVENT_JSON; do
  eval "printf '%s' \"\$$v\"" > "$d/$v"
done"#,
    );
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    let st = status(&sb);
    assert_eq!(sink(&st, "log")["delivered"], 1, "{st:?}");
    let audit = sb.audit();
    let ev = audit.iter().find(|e| e["kind"] == "deployment.succeeded").unwrap();
    let seq = ev["seq"].as_u64().unwrap();
    let var = |n: &str| sb.read(&format!("got-{seq}/{n}"));
    assert_eq!(var("RELCON_EVENT_KIND"), "deployment.succeeded");
    assert_eq!(var("RELCON_EVENT_SEQ"), seq.to_string());
    assert_eq!(var("RELCON_ENV"), "dev");
    assert_eq!(var("RELCON_VERSION"), "1.0");
    assert_eq!(var("RELCON_ACTOR"), "ana");
    assert_eq!(var("RELCON_PROJECT"), "shop");
    assert_eq!(var("RELCON_SINK"), "log");
    let json: Value = serde_json::from_str(&var("RELCON_EVENT_JSON")).unwrap();
    assert_eq!(&json, ev);

    // A failing command is a failed attempt with its exit code and stderr.
    sb.script("notify.sh", "echo 'pager is down' >&2; exit 3");
    sb.run(&["release", "register", "1.1", "--commit", "c0ffee2"]).ok();
    let run = sb.run(&["deploy", "dev", "1.1", "--yes"]).ok();
    assert!(run.stderr.contains("exit 3: pager is down"), "{run}");
    assert_eq!(sink(&status(&sb), "log")["pending"], 1);

    // The sink leaves the config: its pending row is given up on (said so),
    // not retried for ever.
    let cfg = sb.read("relcon.toml").replace("name = \"log\"", "name = \"log2\"");
    sb.write("relcon.toml", &cfg);
    sb.run(&["notify", "flush"]).ok();
    let st = status(&sb);
    let gone = sink(&st, "log");
    assert_eq!(gone["kind"], "removed from the config");
    assert_eq!(
        (gone["pending"].as_u64(), gone["abandoned"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(gone["last_error"].as_str().unwrap().contains("no longer in the config"));
}

fn two_flushes_at_once_deliver_each_row_once(b: Backend) {
    let rx = Receiver::start();
    let port = Receiver::dead_port();
    // Rows pile up while the receiver's address is dead…
    let sb = sandbox(
        b,
        &format!(
            r#"
[[notify]]
name = "team"
webhook = "http://127.0.0.1:{port}/hook"
format = "json"
events = ["*"]
"#
        ),
    );
    for i in 0..6 {
        sb.run(&[
            "release",
            "register",
            &format!("2.{i}"),
            "--commit",
            &format!("beef{i}"),
        ])
        .ok();
    }
    let pending = sink(&status(&sb), "team")["pending"].as_u64().unwrap();
    assert!(pending >= 5, "{pending}");
    // …then the config points at a live one and two processes flush at once.
    let cfg = sb
        .read("relcon.toml")
        .replace(&format!("127.0.0.1:{port}"), &format!("127.0.0.1:{}", rx.port));
    sb.write("relcon.toml", &cfg);
    let a = sb.spawn_as("ana", &["notify", "flush"]);
    let c = sb.spawn_as("bob", &["notify", "flush"]);
    let (a, c) = (a.wait_with_output().unwrap(), c.wait_with_output().unwrap());
    // Either may finish while the other still delivers (then it says "pending", exit 1).
    for o in [&a, &c] {
        assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
        assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    sb.run(&["notify", "flush"]).ok();
    let mut seqs: Vec<u64> = rx.got().iter().map(|r| r.json()["seq"].as_u64().unwrap()).collect();
    seqs.sort_unstable();
    let n = seqs.len();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "a row was delivered twice: {seqs:?}");
    assert_eq!(n as u64, pending);
    assert_eq!(sink(&status(&sb), "team")["pending"], 0);
}

/// A mistaken sink is a config error at its file:line:col.
#[test]
fn bad_sinks_are_named_at_file_line_col() {
    use relcon::config::Config;
    let head = "[project]\nname = \"shop\"\n\n[[environment]]\nname = \"dev\"\n\n[[notify]]\nname = \"team\"\n";
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "webhook = \"https://x\"\nformat = \"teams\"\n",
            10,
            10,
            "format \"teams\": expected \"slack\" or \"json\"",
        ),
        ("webhook = \"ftp://x\"\n", 9, 11, "expected an http:// or https:// URL"),
        (
            "run = \"true\"\nenvs = [\"prod\"]\n",
            10,
            9,
            "unknown environment \"prod\" in envs: expected one of dev",
        ),
        ("run = \"true\"\nevents = [\"Deploy!\"]\n", 10, 11, "event \"Deploy!\""),
        (
            "webhook = \"https://x\"\nbody = '{\"a\": \"{{ nope }}\"}'\n",
            10,
            8,
            "unknown placeholder {{ nope }}",
        ),
        (
            "webhook = \"https://x\"\nbody = '{\"a\": {{ env }}{{ env }}}'\n",
            10,
            8,
            "does not give valid JSON",
        ),
        (
            "run = \"true\"\nformat = \"slack\"\n",
            10,
            10,
            "belong to a webhook sink",
        ),
        ("events = [\"*\"]\n", 7, 1, "give exactly one of `webhook"),
        (
            "run = \"true\"\n\n[[notify]]\nname = \"team\"\nrun = \"true\"\n",
            12,
            8,
            "defined twice",
        ),
    ];
    for (tail, line, col, want) in cases {
        let src = format!("{head}{tail}");
        let e = Config::parse(std::path::Path::new("/p/relcon.toml"), &src).expect_err(&src);
        let text = e.to_string();
        assert!(text.contains(want), "{want:?} not in {text}");
        assert_eq!((e.line, e.column), (*line, *col), "{text}\n{src}");
        assert!(text.starts_with(&format!("/p/relcon.toml:{line}:{col}: ")), "{text}");
    }
}

/// The console's notifier thread delivers what is due, with no command run.
#[test]
fn the_console_notifier_delivers_in_the_background() {
    use relcon::ledger::{kind, NewEvent};
    let rx = Receiver::start();
    let sb = sandbox(
        Backend::Sqlite,
        &format!(
            "\n[[notify]]\nname = \"team\"\nwebhook = \"{}\"\nevents = [\"note.added\"]\n",
            rx.url("/n")
        ),
    );
    let mut ctx = sb.ctx("ana");
    ctx.store
        .transact(chrono::Utc::now(), "ana", &mut |_| {
            Ok(vec![NewEvent::new(
                kind::NOTE_ADDED,
                Some("dev"),
                serde_json::json!({ "text": "hello" }),
            )])
        })
        .unwrap();
    assert_eq!(sink(&status(&sb), "team")["pending"], 1);
    assert!(rx.got().is_empty());
    let _thread = relcon::ops::notify::spawn_notifier(&ctx).expect("a notifier");
    assert!(wait_until(Duration::from_secs(15), || rx.got().len() == 1));
    assert_eq!(rx.got()[0].json()["body"]["text"], "hello");
    assert!(wait_until(Duration::from_secs(5), || sink(&status(&sb), "team")
        ["delivered"]
        == 1));
}
