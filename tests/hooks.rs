//! Hooks as real child processes (DESIGN §3, §9): success, failure, timeout
//! with the process group killed, cancel, huge and binary output, secrets,
//! the RELCON_* variables, no command injection, named steps, and webhooks
//! against a loopback HTTP server.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{finish, pipeline_config, process_alive, wait_until, Sandbox};
use relcon::exec::CancelToken;
use relcon::ledger::{SqliteStore, Store};
use relcon::ops::deploy::{self, Options};

/// dev → staging → prod, every env deploying with `./hook.sh`.
fn hook_sandbox(script: &str) -> Sandbox {
    let sb = Sandbox::new(&pipeline_config("\"./hook.sh\"", "", ""));
    sb.script("hook.sh", script);
    sb
}

/// The stored (ledger) output of `env`'s release `n`.
fn stored_output(sb: &Sandbox, env: &str, n: u64) -> String {
    let store = SqliteStore::open(&sb.ledger_path()).unwrap();
    let r = store
        .view()
        .release(env, n)
        .unwrap()
        .unwrap_or_else(|| panic!("{env} has no v{n}"));
    r.output.unwrap_or_default()
}

/// Every byte of the ledger files (db + WAL), as lossy text.
fn ledger_bytes(sb: &Sandbox) -> String {
    let mut all = Vec::new();
    for f in ["ledger.db", "ledger.db-wal"] {
        if let Ok(b) = std::fs::read(sb.path(&format!(".relcon/{f}"))) {
            all.extend(b);
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn a_successful_hook_records_a_succeeded_release_with_its_output() {
    let sb = hook_sandbox(r#"echo "hello from $RELCON_ENV"; echo "to stderr" >&2"#);
    sb.register("1.0", "abc1234");
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    assert!(r.stdout.contains("dev v1"), "{r}");
    assert!(r.stderr.contains("hello from dev"), "live output goes to stderr:\n{r}");
    let h = sb.history("dev");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["status"], "succeeded");
    let out = stored_output(&sb, "dev", 1);
    assert!(out.contains("hello from dev") && out.contains("to stderr"), "{out:?}");
    assert_eq!(sb.env_status("dev")["release"]["version"], "1.0");
}

#[test]
fn a_failing_hook_exits_4_and_the_env_keeps_its_release() {
    let sb = hook_sandbox(r#"if [ "$RELCON_VERSION" = "2.0" ]; then echo "migration failed" >&2; exit 3; fi"#);
    sb.register("1.0", "aaa");
    sb.register("2.0", "bbb");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    let r = sb.run(&["deploy", "dev", "2.0", "--yes", "--json"]).code(4);
    assert!(r.stderr.contains("exit code 3"), "{r}");
    let j = r.json();
    assert_eq!(j["exit_code"], 4);
    assert_eq!(j["number"], 2);
    let h = sb.history("dev");
    assert_eq!(h[0]["number"], 2);
    assert_eq!(h[0]["status"], "failed");
    assert!(h[0]["error"].as_str().unwrap().contains("exit code 3"));
    assert!(h[0]["description"].as_str().unwrap().contains("failed"));
    let st = sb.env_status("dev");
    assert_eq!(st["release"]["number"], 1, "current release must stay v1: {st}");
    assert_eq!(st["release"]["version"], "1.0");
    assert!(stored_output(&sb, "dev", 2).contains("migration failed"));
}

#[test]
fn a_timed_out_hook_is_failed_and_its_process_group_killed() {
    let sb = Sandbox::new(&pipeline_config("{ run = \"./hook.sh\", timeout = \"1s\" }", "", ""));
    sb.script("hook.sh", "sleep 30 &\necho $! > grandchild.pid\necho started\nwait");
    sb.register("1.0", "abc");
    let t0 = Instant::now();
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).code(4);
    assert!(
        t0.elapsed() < Duration::from_secs(15),
        "timeout did not stop the hook: {:?}",
        t0.elapsed()
    );
    assert!(r.stderr.contains("timed out"), "{r}");
    let h = sb.history("dev");
    assert_eq!(h[0]["status"], "failed");
    assert!(
        h[0]["error"].as_str().unwrap().contains("timed out after 1s"),
        "{}",
        h[0]
    );
    let pid: i32 = sb.read("grandchild.pid").trim().parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || !process_alive(pid)),
        "the hook's grandchild {pid} survived the timeout"
    );
}

#[test]
fn cancel_from_another_thread_stops_the_hook() {
    let sb = hook_sandbox("sleep 30 &\necho $! > grandchild.pid\ntouch started\nwait");
    sb.register("1.0", "abc");
    let mut ctx = sb.ctx("ana");
    let token = CancelToken::default();
    let canceller = {
        let token = token.clone();
        let started = sb.path("started");
        std::thread::spawn(move || {
            assert!(
                wait_until(Duration::from_secs(20), || started.exists()),
                "hook never started"
            );
            token.cancel("bo");
        })
    };
    let t0 = Instant::now();
    let mut events = Vec::new();
    let err = deploy::deploy(
        &mut ctx,
        "dev",
        "1.0",
        &Options::default(),
        &mut |p| events.push(format!("{p:?}")),
        &token,
    )
    .expect_err("a cancelled deployment fails");
    canceller.join().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(15));
    assert_eq!(err.exit_code(), 4);
    assert!(err.to_string().contains("cancelled by bo"), "{err}");
    let r = ctx.store.view().release("dev", 1).unwrap().unwrap();
    assert_eq!(r.status.as_str(), "failed");
    assert_eq!(r.error.as_deref(), Some("cancelled by bo"));
    assert!(events.iter().any(|e| e.contains("Started")), "{events:?}");
    let pid: i32 = sb.read("grandchild.pid").trim().parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || !process_alive(pid)),
        "grandchild {pid} survived the cancel"
    );
}

#[test]
fn huge_output_is_bounded_and_does_not_hang() {
    let sb = hook_sandbox("yes 'line of hook output 0123456789' | head -c 5000000\necho LAST LINE");
    sb.register("1.0", "abc");
    let t0 = Instant::now();
    let child = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    let r = finish(child, Duration::from_secs(60));
    assert_eq!(
        r.code,
        0,
        "exit {}; stderr tail: {}",
        r.code,
        &r.stderr[r.stderr.len().saturating_sub(500)..]
    );
    assert!(t0.elapsed() < Duration::from_secs(60));
    let out = stored_output(&sb, "dev", 1);
    assert!(out.len() < 100 * 1024, "stored output is {} bytes", out.len());
    assert!(out.contains("bytes of output omitted"), "no omission marker");
    assert!(out.starts_with("line of hook output"), "head kept");
    assert!(
        out.trim_end().ends_with("LAST LINE"),
        "tail kept: {:?}",
        &out[out.len().saturating_sub(100)..]
    );
    // The event body (what audit shows) is bounded too.
    let audit = sb.json(&["audit", "--json", "--limit", "1"]);
    assert!(audit.to_string().len() < 150 * 1024);
}

#[test]
fn binary_output_is_stored_as_clean_text() {
    let sb = hook_sandbox("head -c 200000 /dev/urandom\nprintf '\\033[31mred\\033[0m\\a\\r\\n'\necho done");
    sb.register("1.0", "abc");
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    common::assert_no_ansi("deploy stdout", &r.stdout);
    common::assert_no_ansi("deploy stderr (live output)", &r.stderr);
    let out = stored_output(&sb, "dev", 1);
    let bad: Vec<char> = out
        .chars()
        .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
        .collect();
    assert!(
        bad.is_empty(),
        "control characters stored: {:?}",
        &bad[..bad.len().min(10)]
    );
    assert!(out.contains("red") && out.trim_end().ends_with("done"));
    // The same text through audit --json is valid JSON without escapes to a terminal.
    let audit = sb.run(&["audit", "--json"]).ok();
    common::assert_no_ansi("audit --json", &audit.stdout);
    let _ = audit.json();
}

const TOKEN: &str = "tok_9f8e7d6c5b4a3210";

#[test]
fn secrets_are_redacted_everywhere_they_could_appear() {
    let cfg = pipeline_config("\"./hook.sh\"", "", "\n[exec]\nredact = [\"DEPLOY_TOKEN\"]\n");
    let sb = Sandbox::new(&cfg);
    sb.script(
        "hook.sh",
        r#"echo "authenticating with $DEPLOY_TOKEN"
echo "stderr: token=$DEPLOY_TOKEN" >&2
if [ "$RELCON_VERSION" = "2.0" ]; then echo "rejected $DEPLOY_TOKEN"; exit 1; fi"#,
    );
    let env = [("DEPLOY_TOKEN", TOKEN)];
    sb.run_env(&env, &["release", "register", "1.0", "--commit", "abc"])
        .ok();
    sb.run_env(&env, &["release", "register", "2.0", "--commit", "def"])
        .ok();
    let ok = sb.run_env(&env, &["deploy", "dev", "1.0", "--yes", "--json"]).ok();
    let failed = sb.run_env(&env, &["deploy", "dev", "2.0", "--yes", "--json"]).code(4);
    let out = stored_output(&sb, "dev", 1);
    assert!(out.contains("authenticating with ***"), "{out:?}");
    let history = sb.run_env(&env, &["history", "dev", "--json"]).ok();
    let audit = sb.run_env(&env, &["audit", "--json"]).ok();
    let audit_text = sb.run_env(&env, &["audit"]).ok();
    let status = sb.run_env(&env, &["status", "--json"]).ok();
    for (what, text) in [
        ("deploy stdout", &ok.stdout),
        ("deploy stderr", &ok.stderr),
        ("failed deploy stdout", &failed.stdout),
        ("failed deploy stderr", &failed.stderr),
        ("history --json", &history.stdout),
        ("audit --json", &audit.stdout),
        ("audit", &audit_text.stdout),
        ("status --json", &status.stdout),
        ("stored output v1", &out),
        ("stored output v2", &stored_output(&sb, "dev", 2)),
        ("ledger files", &ledger_bytes(&sb)),
    ] {
        assert!(!text.contains(TOKEN), "{what} leaks the secret:\n{text}");
    }
    assert!(audit.stdout.contains("authenticating with ***"));
}

#[test]
fn a_secret_is_not_leaked_where_huge_output_is_cut() {
    // Output made of nothing but the secret: wherever the capture cuts the
    // middle out, no recognisable piece of the secret may be stored.
    let cfg = pipeline_config("\"./hook.sh\"", "", "\n[exec]\nredact = [\"DEPLOY_TOKEN\"]\n");
    let sb = Sandbox::new(&cfg);
    sb.script("hook.sh", r#"yes "$DEPLOY_TOKEN" | head -n 20000"#);
    let env = [("DEPLOY_TOKEN", TOKEN)];
    sb.run_env(&env, &["release", "register", "1.0", "--commit", "abc"])
        .ok();
    sb.run_env(&env, &["deploy", "dev", "1.0", "--yes"]).ok();
    let out = stored_output(&sb, "dev", 1);
    assert!(out.contains("bytes of output omitted"));
    // Every 6-character piece of the secret contains a letter, so none can
    // come from the digits of the omission marker.
    for piece in (0..=TOKEN.len() - 6).map(|i| &TOKEN[i..i + 6]) {
        if let Some(i) = out.find(piece) {
            let around = &out[i.saturating_sub(60)..(i + 60).min(out.len())];
            panic!(
                "a piece of the secret ({piece}) is stored at byte {i} of {}: {around:?}",
                out.len()
            );
        }
    }
}

/// Parse an `env` dump (KEY=VALUE lines).
fn env_file(sb: &Sandbox, name: &str) -> BTreeMap<String, String> {
    sb.read(name)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn hooks_receive_every_relcon_variable() {
    let sb = hook_sandbox(r#"env > "env-$RELCON_ACTION-$RELCON_ENV.txt""#);
    sb.run(&[
        "release",
        "register",
        "1.0",
        "--commit",
        "abc1234",
        "--artifact",
        "registry.example.com/shop@sha256:1111",
    ])
    .ok();
    sb.run(&["release", "register", "2.0", "--commit", "def5678"]).ok();
    sb.run(&["deploy", "dev", "1.0", "--yes", "--reason", "first deploy"])
        .ok();
    let want = |m: &BTreeMap<String, String>, k: &str, v: &str| {
        assert_eq!(m.get(k).map(String::as_str), Some(v), "{k} in {m:#?}");
    };
    let vars = [
        "RELCON_ACTION",
        "RELCON_ENV",
        "RELCON_ENV_URL",
        "RELCON_FROM_ENV",
        "RELCON_VERSION",
        "RELCON_COMMIT",
        "RELCON_ARTIFACT",
        "RELCON_RELEASE",
        "RELCON_TARGET_RELEASE",
        "RELCON_ACTOR",
        "RELCON_REASON",
    ];
    let d = env_file(&sb, "env-deploy-dev.txt");
    for v in vars {
        assert!(d.contains_key(v), "{v} is not set (even empty) for deploy");
    }
    want(&d, "RELCON_ACTION", "deploy");
    want(&d, "RELCON_ENV", "dev");
    want(&d, "RELCON_ENV_URL", "https://dev.example.com");
    want(&d, "RELCON_FROM_ENV", "");
    want(&d, "RELCON_VERSION", "1.0");
    want(&d, "RELCON_COMMIT", "abc1234");
    want(&d, "RELCON_ARTIFACT", "registry.example.com/shop@sha256:1111");
    want(&d, "RELCON_RELEASE", "1");
    want(&d, "RELCON_TARGET_RELEASE", "");
    want(&d, "RELCON_ACTOR", "ana");
    want(&d, "RELCON_REASON", "first deploy");

    sb.run_as("bo", &["promote", "dev", "staging", "--yes", "--reason", "qa round"])
        .ok();
    let p = env_file(&sb, "env-promote-staging.txt");
    want(&p, "RELCON_ACTION", "promote");
    want(&p, "RELCON_FROM_ENV", "dev");
    want(&p, "RELCON_ENV_URL", "https://staging.example.com");
    want(&p, "RELCON_VERSION", "1.0");
    want(&p, "RELCON_ARTIFACT", "registry.example.com/shop@sha256:1111");
    want(&p, "RELCON_ACTOR", "bo");
    want(&p, "RELCON_REASON", "qa round");
    want(&p, "RELCON_RELEASE", "1");

    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    sb.run(&["rollback", "dev", "--yes", "--reason", "2.0 broke login"])
        .ok();
    let r = env_file(&sb, "env-rollback-dev.txt");
    want(&r, "RELCON_ACTION", "rollback");
    want(&r, "RELCON_VERSION", "1.0");
    want(&r, "RELCON_COMMIT", "abc1234");
    want(&r, "RELCON_RELEASE", "3");
    want(&r, "RELCON_TARGET_RELEASE", "1");
    want(&r, "RELCON_REASON", "2.0 broke login");
}

#[test]
fn hook_data_is_never_spliced_into_the_command() {
    // The hook uses the values unquoted and quoted; nothing may execute.
    let sb = hook_sandbox(
        r#"echo deploying $RELCON_VERSION $RELCON_COMMIT $RELCON_ARTIFACT $RELCON_REASON
printf '%s' "$RELCON_VERSION" > got-version.txt
printf '%s' "$RELCON_REASON" > got-reason.txt"#,
    );
    let version = "1.0;touch pwned";
    let commit = "$(touch pwned2)";
    let artifact = "`touch pwned3`";
    let reason = "x'; touch pwned4; echo '";
    sb.run(&[
        "release",
        "register",
        version,
        "--commit",
        commit,
        "--artifact",
        artifact,
    ])
    .ok();
    sb.run(&["deploy", "dev", version, "--yes", "--reason", reason]).ok();
    sb.run(&["release", "register", "$(touch pwned5)", "--commit", "abc"])
        .ok();
    sb.run(&["deploy", "dev", "$(touch pwned5)", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes", "--reason", "&& touch pwned6"])
        .ok();
    for f in ["pwned", "pwned2", "pwned3", "pwned4", "pwned5", "pwned6"] {
        assert!(!sb.exists(f), "{f} was created: hook data was executed");
    }
    assert!(!std::path::Path::new("pwned").exists());
    assert_eq!(sb.read("got-version.txt"), "$(touch pwned5)");
    assert_eq!(sb.read("got-reason.txt"), "&& touch pwned6");
    let h = sb.history("dev");
    assert_eq!(h[1]["version"], version);
    assert_eq!(h[1]["commit"], commit);
}

#[test]
fn named_steps_stop_at_the_first_failure_and_record_each_state() {
    let hook = r#"[
  { name = "migrate", run = "echo migrate >> steps.log" },
  { name = "deploy", run = "echo deploy >> steps.log; [ \"$RELCON_VERSION\" != 2.0 ] || exit 7" },
  { name = "smoke", run = "echo smoke >> steps.log" },
]"#;
    let sb = Sandbox::new(&pipeline_config(hook, "", ""));
    sb.register("1.0", "aaa");
    sb.register("2.0", "bbb");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    assert_eq!(sb.read("steps.log"), "migrate\ndeploy\nsmoke\n");
    let h = sb.history("dev");
    let states = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["state"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        states(&h[0]),
        vec![pair("migrate", "done"), pair("deploy", "done"), pair("smoke", "done")]
    );

    std::fs::remove_file(sb.path("steps.log")).unwrap();
    let r = sb.run(&["deploy", "dev", "2.0", "--yes"]).code(4);
    assert!(
        r.stderr.contains("step deploy") && r.stderr.contains("exit code 7"),
        "{r}"
    );
    assert_eq!(
        sb.read("steps.log"),
        "migrate\ndeploy\n",
        "the step after the failing one must not run"
    );
    let h = sb.history("dev");
    assert_eq!(h[0]["status"], "failed");
    assert_eq!(h[0]["error"], "step deploy: exit code 7");
    assert_eq!(
        states(&h[0]),
        vec![
            pair("migrate", "done"),
            pair("deploy", "failed"),
            pair("smoke", "pending")
        ]
    );
    // Each step boundary is in the ledger.
    let steps: Vec<String> = sb
        .audit()
        .iter()
        .filter(|e| e["kind"] == "deployment.step" && e["body"]["number"] == 2)
        .map(|e| {
            format!(
                "{}:{}",
                e["body"]["step"].as_str().unwrap(),
                e["body"]["state"].as_str().unwrap()
            )
        })
        .rev()
        .collect();
    assert_eq!(
        steps,
        vec!["migrate:running", "migrate:done", "deploy:running", "deploy:failed"]
    );
}

/// A one-shot HTTP server on loopback: answers `status` and hands back the
/// request it got (head, body).
fn http_once(status: u16) -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/deploy", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let n = sock.read(&mut chunk).unwrap();
            assert!(n > 0, "client closed early");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map(|(_, v)| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let n = sock.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
        let reason = if status == 200 { "OK" } else { "Internal Server Error" };
        let answer = if status == 200 {
            "{\"deployed\":true}"
        } else {
            "{\"error\":\"cluster unavailable\"}"
        };
        let _ = write!(sock, "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}", answer.len());
        let _ = sock.flush();
        let _ = tx.send((head, body));
    });
    (url, rx)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    })
}

#[test]
fn webhook_gets_the_data_as_json_with_a_bearer_token() {
    let (url, rx) = http_once(200);
    let hook = format!("{{ webhook = \"{url}\", token_env = \"HOOK_TOKEN\", timeout = \"10s\" }}");
    let sb = Sandbox::new(&pipeline_config(&hook, "", ""));
    let env = [("HOOK_TOKEN", TOKEN)];
    sb.run_env(
        &env,
        &[
            "release",
            "register",
            "1.0",
            "--commit",
            "abc1234",
            "--artifact",
            "img@sha256:42",
        ],
    )
    .ok();
    sb.run_env(&env, &["deploy", "dev", "1.0", "--yes", "--reason", "ship it"])
        .ok();
    let (head, body) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the webhook was called");
    assert!(head.starts_with("POST /hooks/deploy HTTP/1.1\r\n"), "{head}");
    assert_eq!(
        header(&head, "authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "{head}"
    );
    assert!(
        header(&head, "content-type").is_some_and(|c| c.starts_with("application/json")),
        "{head}"
    );
    let j: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {body}"));
    for (k, v) in [
        ("action", "deploy"),
        ("env", "dev"),
        ("env_url", "https://dev.example.com"),
        ("from_env", ""),
        ("version", "1.0"),
        ("commit", "abc1234"),
        ("artifact", "img@sha256:42"),
        ("release", "1"),
        ("target_release", ""),
        ("actor", "ana"),
        ("reason", "ship it"),
    ] {
        assert_eq!(j[k], v, "body field {k}: {j}");
    }
    assert_eq!(sb.history("dev")[0]["status"], "succeeded");
    // The token is a secret even without [exec] redact.
    assert!(!ledger_bytes(&sb).contains(TOKEN));
}

#[test]
fn webhook_answering_500_fails_the_deployment() {
    let (url, rx) = http_once(500);
    let sb = Sandbox::new(&pipeline_config(
        &format!("{{ webhook = \"{url}\", timeout = \"10s\" }}"),
        "",
        "",
    ));
    sb.register("1.0", "abc");
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).code(4);
    assert!(r.stderr.contains("HTTP 500"), "{r}");
    let (head, _) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        header(&head, "authorization").is_none(),
        "no token_env, no Authorization header: {head}"
    );
    let h = sb.history("dev");
    assert_eq!(h[0]["status"], "failed");
    assert!(h[0]["error"].as_str().unwrap().contains("HTTP 500"));
    assert!(sb.env_status("dev")["release"].is_null());
}

#[test]
fn webhook_without_its_token_or_server_fails_cleanly() {
    let (url, _rx) = http_once(200);
    let sb = Sandbox::new(&pipeline_config(
        &format!("{{ webhook = \"{url}\", token_env = \"HOOK_TOKEN\" }}"),
        "",
        "",
    ));
    sb.register("1.0", "abc");
    // A missing secret is caught before anything is recorded or run.
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).code(2);
    assert!(r.stderr.contains("$HOOK_TOKEN") && r.stderr.contains("not set"), "{r}");
    assert!(sb.history("dev").is_empty(), "nothing may be recorded");

    // Nothing listening: refused connection, not a hang.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sb = Sandbox::new(&pipeline_config(
        &format!("{{ webhook = \"http://127.0.0.1:{port}/x\", timeout = \"5s\" }}"),
        "",
        "",
    ));
    sb.register("1.0", "abc");
    let t0 = Instant::now();
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).code(4);
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(r.stderr.contains("webhook failed"), "{r}");
}

#[test]
fn hooks_run_in_the_config_folder_whatever_the_working_directory() {
    let sb = hook_sandbox("pwd > hook-cwd.txt");
    sb.register("1.0", "abc");
    std::fs::create_dir_all(sb.path("elsewhere")).unwrap();
    let mut c = sb.command_as("ana", ["--config", "../relcon.toml", "deploy", "dev", "1.0", "--yes"]);
    c.current_dir(sb.path("elsewhere"));
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cwd = std::fs::canonicalize(sb.read("hook-cwd.txt").trim()).unwrap();
    assert_eq!(cwd, std::fs::canonicalize(sb.root()).unwrap());
    assert!(!sb.path("elsewhere/hook-cwd.txt").exists());
    assert!(
        !sb.path("elsewhere/.relcon").exists(),
        "the ledger lives next to the config"
    );
}

#[test]
fn a_webhook_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    // Accept and hold the connection without answering.
    let _holder = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_secs(30));
        drop(conn);
    });
    let sb = Sandbox::new(&pipeline_config(
        &format!("{{ webhook = \"{url}\", timeout = \"1s\" }}"),
        "",
        "",
    ));
    sb.register("1.0", "abc");
    let t0 = Instant::now();
    let r = sb.run(&["deploy", "dev", "1.0", "--yes"]).code(4);
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    assert!(r.stderr.contains("timed out"), "{r}");
    assert!(sb.history("dev")[0]["error"].as_str().unwrap().contains("timed out"));
}
