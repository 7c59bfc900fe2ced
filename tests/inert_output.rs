//! Text output is inert (DESIGN §10): every kind of field written with
//! terminal escapes (OSC 0 title, clear screen, OSC 52 clipboard, BEL, CR,
//! a newline that would forge an audit row, C1 CSI, a bidi override) — by
//! a user name, a reason, a note, a commit, an artifact, notes, a flag
//! target, an imported checklist item and a remote health endpoint — and
//! every human-readable command of the real binary, error paths included,
//! shows them as visible escapes, one record per line. `--json` stays exact.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

use common::{Run, Sandbox};
use serde_json::{json, Value};

/// Everything that could act on a terminal, in one field.
const EVIL: &str = "<\u{1b}]0;pwned\u{7}|\u{1b}[2J|\u{1b}]52;c;cHduZWQ=\u{7}|\u{7}|\r|\n   999  2026-01-01 00:00:00  root  prod  v9 fake row|\u{202e}desrever|\u{9b}31m>";

/// The same without a newline, for a markdown line (a newline would end it).
fn evil_line() -> String {
    EVIL.replace('\n', " ")
}

/// The user every write runs as.
fn evil_user() -> String {
    format!("mallory{EVIL}")
}

/// A health endpoint on loopback that fails with EVIL as its reason, its
/// running version and a sub-check's output (JSON escapes turn into the raw
/// characters once parsed). Lives as long as the test process.
fn evil_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let body = json!({
        "status": "fail",
        "output": EVIL,
        "releaseId": format!("9.9{EVIL}"),
        "checks": { format!("db{EVIL}"): [{ "status": "fail", "output": EVIL }] },
    })
    .to_string();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().expect("clone stream"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(
                s,
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/health+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/health")
}

fn config(health_url: &str) -> String {
    format!(
        r#"[project]
name = "shop"

[[environment]]
name = "dev"
deploy = "./hook.sh"

[[environment.health]]
name = "api"
url = "{health_url}"
timeout = "2s"

[[environment]]
name = "staging"
promote_from = "dev"
deploy = "./hook.sh"

[flag.beta]
description = "beta"
env.dev = {{ enabled = true, rollout = 10 }}
"#
    )
}

/// Characters that act on a terminal (the test's own list, not relcon's):
/// C0 controls and DEL, C1 controls, bidi embeddings/overrides/isolates.
fn acts_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// No character that acts on a terminal, other than the line ends.
fn assert_inert(what: &str, text: &str) {
    for (i, line) in text.split('\n').enumerate() {
        if let Some(c) = line.chars().find(|c| acts_on_terminal(*c)) {
            panic!("{what}: line {} carries {c:?} raw:\n{line:?}\n--- all:\n{text}", i + 1);
        }
    }
}

fn assert_run_inert(what: &str, r: &Run) {
    assert_inert(&format!("{what} (stdout)"), &r.stdout);
    assert_inert(&format!("{what} (stderr)"), &r.stderr);
    assert!(!r.stderr.contains("panicked"), "{what}:\n{r}");
}

fn lines(s: &str) -> usize {
    s.lines().count()
}

/// A sandbox whose ledger holds EVIL in every kind of field.
fn hostile_world() -> Sandbox {
    let sb = Sandbox::new(&config(&evil_endpoint()));
    // The hook's own output passes through too; 3.0 fails.
    sb.script(
        "hook.sh",
        "printf 'hook says \\033]0;hook\\007 \\342\\200\\256 done\\n'\n[ \"$RELCON_VERSION\" = 3.0 ] && { echo \"boom: $RELCON_REASON\" >&2; exit 3; }\nexit 0",
    );
    let user = evil_user();
    let run = |args: &[&str]| sb.run_as(&user, args);
    let commit = format!("c0ffee{EVIL}");
    let artifact = format!("registry.example.com/shop{EVIL}");
    for v in ["1.0", "2.0", "3.0"] {
        run(&[
            "release",
            "register",
            v,
            "--commit",
            &commit,
            "--artifact",
            &artifact,
            "--notes",
            EVIL,
        ])
        .ok();
    }
    run(&["deploy", "dev", "1.0", "--yes", "--reason", EVIL]).ok();
    run(&["promote", "dev", "staging", "--yes", "--reason", EVIL]).ok();
    run(&["deploy", "dev", "2.0", "--yes", "--reason", EVIL]).ok();
    run(&["promote", "dev", "staging", "--yes", "--reason", EVIL]).ok();
    // A rollback holds promotions into staging, with EVIL as the reason.
    run(&["rollback", "staging", "--yes", "--reason", EVIL]).ok();
    run(&["deploy", "dev", "3.0", "--yes", "--reason", EVIL]).code(4);
    let target = format!("tenant{EVIL}");
    run(&[
        "flag", "set", "dev", "beta", "--target", &target, "--reason", EVIL, "--yes",
    ])
    .ok();
    // A checklist imported from markdown, with EVIL in an item.
    sb.write(
        "smoke.md",
        &format!("# Smoke {}\n- [ ] item {}\n- [ ] second\n", evil_line(), evil_line()),
    );
    run(&["checklist", "import", "smoke.md", "--name", "smoke", "--write"]).ok();
    let cfg = sb.read("relcon.toml").replacen(
        "name = \"dev\"\n",
        "name = \"dev\"\nchecklists = { after = [\"smoke\"] }\n",
        1,
    );
    sb.write("relcon.toml", &cfg);
    run(&["check", "dev", "smoke", "1", "--note", EVIL]).ok();
    sb
}

#[test]
fn every_human_output_shows_escapes_and_keeps_one_record_per_line() {
    let sb = hostile_world();
    let user = evil_user();
    let run = |args: &[&str]| sb.run_as(&user, args);

    // --json stays exact: the values are the raw strings.
    let audit_json = sb.audit();
    assert!(audit_json.iter().all(|e| e["actor"] == user.as_str()), "{audit_json:?}");
    let history_json = sb.history("dev");
    assert_eq!(history_json[0]["reason"], EVIL);

    // The audit trail: one line per event, escapes visible.
    let audit = run(&["audit", "--limit", "100000"]).ok();
    assert_run_inert("audit", &audit);
    assert_eq!(lines(&audit.stdout), audit_json.len(), "{audit}");
    assert!(audit.stdout.contains("\\x1b]0;pwned\\x07"), "{audit}");
    assert!(audit.stdout.contains("\\n   999"), "{audit}");
    assert!(audit.stdout.contains("\\u{202e}desrever"), "{audit}");

    for env in ["dev", "staging"] {
        let h = run(&["history", env]).ok();
        assert_run_inert(&format!("history {env}"), &h);
        assert_eq!(lines(&h.stdout), sb.history(env).len(), "{h}");
    }

    let status = run(&["status"]).ok();
    assert_run_inert("status", &status);
    // The hold gate quotes the rollback's reason; health the endpoint's.
    assert!(status.stdout.contains("\\x1b]52;c;cHduZWQ=\\x07"), "{status}");

    let health = run(&["health"]).ok();
    assert_run_inert("health", &health);
    assert!(health.stdout.contains("running 9.9<\\x1b]0;pwned"), "{health}");
    let health_rows = sb.json(&["health", "--json"]);
    assert_eq!(
        lines(&health.stdout),
        health_rows.as_array().map_or(0, Vec::len),
        "{health}"
    );
    assert_eq!(health_rows[0]["reason"], EVIL, "--json keeps the endpoint's text exact");

    let checklist = run(&["checklist", "dev"]).ok();
    assert_run_inert("checklist", &checklist);
    assert!(checklist.stdout.contains("item <\\x1b]0;pwned"), "{checklist}");
    let items = sb.json(&["checklist", "dev", "--json"])[0]["items"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(
        lines(&checklist.stdout),
        1 + items,
        "a run's head line, then one line per item:\n{checklist}"
    );

    let flags = run(&["flag", "list"]).ok();
    assert_run_inert("flag list", &flags);
    assert_eq!(
        lines(&flags.stdout),
        sb.json(&["flag", "list", "--json"]).as_array().map_or(0, Vec::len)
    );
    assert!(flags.stdout.contains("tenant<\\x1b"), "{flags}");

    // Escape sequences are ASCII: such a key is evaluated, its line inert.
    let key: String = format!("tenant{EVIL}").chars().filter(char::is_ascii).collect();
    let eval = run(&["flag", "eval", "dev", "beta", &key]).ok();
    assert_run_inert("flag eval", &eval);
    assert_eq!(lines(&eval.stdout), 1, "{eval}");
    // Beyond ASCII flagd evaluators disagree: refused, the message inert.
    let eval = run(&["flag", "eval", "dev", "beta", &format!("tenant{EVIL}")]).code(2);
    assert_run_inert("flag eval (refused)", &eval);

    // A checklist import preview prints TOML: inert, and still valid TOML.
    let preview = run(&["checklist", "import", "smoke.md", "--name", "again"]).ok();
    assert_run_inert("checklist import preview", &preview);
    let parsed: toml::Table = preview.stdout.parse().unwrap_or_else(|e| panic!("{e}\n{preview}"));
    let items = parsed["checklist"]["again"]["items"].as_array().map_or(0, Vec::len);
    assert_eq!(items, 2, "{preview}");
    assert_eq!(
        parsed["checklist"]["again"]["items"][0]["text"].as_str(),
        Some(format!("item {}", evil_line()).as_str()),
        "the TOML still means the exact text"
    );
}

#[test]
fn error_messages_that_quote_data_are_inert() {
    let sb = hostile_world();
    let user = evil_user();
    let run = |args: &[&str]| sb.run_as(&user, args);
    let bad_env = format!("qa{EVIL}");
    let cases: Vec<(Vec<&str>, i32)> = vec![
        // Unknown names quoted from argv.
        (vec!["history", &bad_env], 2),
        (vec!["flag", "eval", &bad_env, "beta", "k"], 2),
        (vec!["flag", "set", "dev", &bad_env, "on", "--yes"], 2),
        // Quoting the ledger: the build's commit and who registered it.
        (vec!["release", "register", "1.0", "--commit", "abc"], 2),
        // Refused by the hold, whose reason holds EVIL (one line per gate).
        (vec!["promote", "dev", "staging", "--yes"], 3),
        // Already ticked by EVIL.
        (vec!["check", "dev", "smoke", "1"], 2),
        // A failed hook whose output quotes EVIL.
        (vec!["deploy", "dev", "3.0", "--yes", "--reason", EVIL], 4),
    ];
    for (args, code) in cases {
        let r = run(&args);
        assert_eq!(r.code, code, "{args:?}:\n{r}");
        assert_run_inert(&format!("{args:?}"), &r);
        assert!(r.stderr.lines().any(|l| l.starts_with("error: ")), "{args:?}:\n{r}");
    }
    let refused = run(&["promote", "dev", "staging", "--yes"]);
    let gates = sb.json(&["status", "--json"])["environments"][1]["gates"]
        .as_array()
        .map_or(0, |g| g.iter().filter(|g| g["ok"] == false).count());
    assert_eq!(
        lines(&refused.stderr),
        1 + gates,
        "a head line, then one line per gate:\n{refused}"
    );
    assert!(refused.stderr.contains("\\x1b[2J"), "{refused}");

    // --json error output keeps its exact, JSON-escaped form.
    let j = run(&["promote", "dev", "staging", "--yes", "--json"]);
    let v: Value = serde_json::from_str(&j.stdout).unwrap_or_else(|e| panic!("{e}:\n{j}"));
    assert!(v["gates"].to_string().contains("\\u001b]0;pwned"), "{v}");

    // Config errors quote the key, and show the offending line raw.
    sb.write("bad.toml", "[project]\nname = \"x\"\n\"\\u001b]0;pwned\\u0007\" = 1\n");
    sb.write("bad2.toml", "[project]\nname = \"x\u{1b}[2J\u{202e}\"\n");
    for bad in ["bad.toml", "bad2.toml"] {
        let r = run(&["--config", bad, "status"]);
        assert_eq!(r.code, 2, "{r}");
        assert_run_inert(bad, &r);
        assert!(r.stderr.contains("\\x1b"), "{r}");
    }

    // clap's own errors quote argv.
    let r = run(&[&format!("--no-such-flag{EVIL}")]);
    assert_eq!(r.code, 2, "{r}");
    assert_run_inert("clap error", &r);
}

#[test]
fn a_newline_in_the_user_name_cannot_forge_an_audit_row() {
    let sb = Sandbox::new("[project]\nname = \"shop\"\n\n[[environment]]\nname = \"dev\"\ndeploy = \"true\"\n");
    let forger = "eve\n    99  2026-01-01 00:00:00  root                     prod     v9 succeeded";
    sb.run_as(forger, &["release", "register", "1.0", "--commit", "abc"])
        .ok();
    sb.run_as(forger, &["deploy", "dev", "1.0", "--yes", "--reason", "fine\nFAKE"])
        .ok();
    let audit = sb.run(&["audit"]).ok();
    assert_eq!(lines(&audit.stdout), sb.audit().len(), "{audit}");
    assert!(
        !audit.stdout.lines().any(|l| l.trim_start().starts_with("99 ")),
        "{audit}"
    );
    let history = sb.run(&["history", "dev"]).ok();
    assert_eq!(lines(&history.stdout), 1, "{history}");
}
