//! Secrets across every boundary (DESIGN §10, issue 10 item 3): a secret in
//! hook output is never shown or stored in part, wherever relcon cuts the
//! output — the 4 000-byte live line split, the 8 KiB pipe reads, the 32 KiB
//! stored-head cut, the end of the stream, stdout and stderr interleaving,
//! and the 16 KiB cut of a webhook's answer. "In part" means any 4
//! characters of it in a row.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::{pipeline_config, Sandbox};
use relcon::config::Hook;
use relcon::exec::{self, CancelToken, HookEvent, Redactor};

/// Regex specials, shell specials and multi-byte characters (the `é€`
/// straddle UTF-8 boundaries when a read splits them).
const SECRET: &str = "Q#7(x]K+9^z$W{2|V?é€.;Lm8";

/// Every run of 4 characters of `SECRET` found in `text`.
fn pieces_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = SECRET.chars().collect();
    chars
        .windows(4)
        .map(|w| w.iter().collect::<String>())
        .filter(|p| text.contains(p.as_str()))
        .collect()
}

fn assert_no_piece(what: &str, text: &str) {
    let found = pieces_in(text);
    if let Some(p) = found.first() {
        let i = text.find(p.as_str()).unwrap_or(0);
        let around: String = text[i..].chars().take(40).collect();
        panic!(
            "{what} holds {} piece(s) of the secret, e.g. {p:?} at byte {i}: {around:?}",
            found.len()
        );
    }
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

/// `LEAD` filler bytes, then the secret (so it starts at byte `LEAD` of
/// stdout), more filler past the stored head and tail, the secret again,
/// and at the very end only the first 10 bytes of it: a stream cut off
/// while printing a secret.
const PLACED: &str = r#"pad() { head -c "$1" /dev/zero | tr '\0' "$2"; }
pad "$LEAD" x
printf '%s' "$DEPLOY_TOKEN"
pad 70000 y
printf '%s' "$DEPLOY_TOKEN"
pad 40000 z
printf '%s' "$DEPLOY_TOKEN" | head -c 10"#;

/// Byte offsets where relcon (today or before) cuts output, each placed
/// inside the secret: the live line split at 4 000, a pipe read at 8 192,
/// the stored head at 32 768.
const LEADS: [usize; 3] = [3990, 8185, 32760];

#[test]
fn a_secret_across_the_line_split_read_chunks_and_stored_head_never_leaks_via_the_binary() {
    let cfg = pipeline_config("\"./hook.sh\"", "", "\n[exec]\nredact = [\"DEPLOY_TOKEN\"]\n");
    let sb = Sandbox::new(&cfg);
    sb.script("hook.sh", PLACED);
    for (n, lead) in LEADS.iter().enumerate() {
        let (v1, v2) = (format!("1.{n}"), format!("2.{n}"));
        let env = [("DEPLOY_TOKEN", SECRET), ("LEAD", &lead.to_string())];
        for v in [&v1, &v2] {
            sb.run_env(&env, &["release", "register", v, "--commit", "abc"]).ok();
        }
        let plain = sb.run_env(&env, &["deploy", "dev", &v1, "--yes"]).ok();
        assert_no_piece(&format!("deploy stderr (live lines), lead {lead}"), &plain.stderr);
        assert_no_piece(&format!("deploy stdout, lead {lead}"), &plain.stdout);
        let json = sb.run_env(&env, &["deploy", "dev", &v2, "--yes", "--json"]).ok();
        assert_no_piece(&format!("deploy --json stdout, lead {lead}"), &json.stdout);
        assert_no_piece(&format!("deploy --json stderr, lead {lead}"), &json.stderr);
    }
    let audit = sb.run(&["audit", "--json", "--limit", "1000"]).ok();
    assert_no_piece("audit --json", &audit.stdout);
    // The stored output is there (head, omission, tail), only redacted.
    let events = audit.json();
    let stored: Vec<&str> = events
        .as_array()
        .expect("audit is an array")
        .iter()
        .filter_map(|e| e["body"]["output"].as_str())
        .collect();
    assert_eq!(stored.len(), 2 * LEADS.len(), "one stored output per deployment");
    for out in &stored {
        assert!(
            out.contains("bytes of output omitted"),
            "{}",
            &out[..200.min(out.len())]
        );
        assert!(
            out.starts_with("xxxx") && out.trim_end().ends_with("***"),
            "tail kept, cut-off secret redacted"
        );
    }
    let history = sb.run(&["history", "dev", "--json"]).ok();
    assert_no_piece("history --json", &history.stdout);
    assert_no_piece("audit (text)", &sb.run(&["audit"]).ok().stdout);
    assert_no_piece("ledger files (db + wal)", &ledger_bytes(&sb));
}

/// The same script through `exec::run_hook`: the lines a front end (the
/// TUI's run log) receives, and the outcome's stored output.
#[test]
fn run_hook_events_and_outcome_hold_no_piece_of_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hook.sh"), PLACED).unwrap();
    let redactor = Redactor::with_secrets(vec![SECRET.to_string()]);
    for lead in LEADS {
        let env = vec![
            ("DEPLOY_TOKEN".to_string(), SECRET.to_string()),
            ("LEAD".to_string(), lead.to_string()),
        ];
        let mut events = Vec::new();
        let outcome = exec::run_hook(
            &Hook::shell("sh ./hook.sh"),
            dir.path(),
            &env,
            &redactor,
            &CancelToken::default(),
            &mut |e| events.push(e),
        );
        assert!(outcome.ok, "{:?}", outcome.error);
        let lines: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                HookEvent::Output { line, .. } => Some(line.as_str()),
                _ => None,
            })
            .collect();
        assert!(lines.len() > 10, "live lines arrive: {}", lines.len());
        assert_no_piece(&format!("live lines, lead {lead}"), &lines.join("\n"));
        // Joined without separators, too: a piece split over two lines is
        // as readable as one on a single line.
        assert_no_piece(&format!("live lines joined, lead {lead}"), &lines.concat());
        assert_no_piece(&format!("stored output, lead {lead}"), &outcome.output);
        assert!(outcome.output.contains("xxx***"), "the secret is stored redacted");
    }
}

/// stdout carries the secret in two writes while stderr writes between
/// them: each stream is redacted on its own before they are merged.
#[test]
fn a_secret_interrupted_by_the_other_stream_is_still_redacted() {
    let cfg = pipeline_config("\"./hook.sh\"", "", "\n[exec]\nredact = [\"DEPLOY_TOKEN\"]\n");
    let sb = Sandbox::new(&cfg);
    sb.script(
        "hook.sh",
        r#"printf 'token: %s' "$FIRST_HALF"
sleep 0.2
echo "progress on stderr" >&2
sleep 0.2
printf '%s done\n' "$SECOND_HALF""#,
    );
    let (first, second) = SECRET.split_at(SECRET.find('z').unwrap());
    let env = [("DEPLOY_TOKEN", SECRET), ("FIRST_HALF", first), ("SECOND_HALF", second)];
    sb.run_env(&env, &["release", "register", "1.0", "--commit", "abc"])
        .ok();
    let run = sb.run_env(&env, &["deploy", "dev", "1.0", "--yes"]).ok();
    assert_no_piece("deploy stderr", &run.stderr);
    let audit = sb.run(&["audit", "--json"]).ok();
    assert_no_piece("audit --json", &audit.stdout);
    assert!(audit.stdout.contains("*** done"), "{}", audit.stdout);
    assert!(audit.stdout.contains("progress on stderr"), "{}", audit.stdout);
    assert_no_piece("ledger files", &ledger_bytes(&sb));
}

/// A loopback server answering every request with `body`.
fn http_answering(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/deploy", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { continue };
            let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 65536];
            let _ = sock.read(&mut buf);
            let _ = write!(
                sock,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// relcon keeps the first 16 KiB of a webhook's answer: a secret (the
/// webhook's own token) echoed across that cut is not kept in part.
#[test]
fn a_webhook_answer_cut_inside_the_token_keeps_no_piece_of_it() {
    let body = format!("{}{SECRET} and the rest of the answer", "a".repeat(16 * 1024 - 10));
    let url = http_answering(body);
    let hook = format!("{{ webhook = \"{url}\", token_env = \"HOOK_TOKEN\", timeout = \"10s\" }}");
    let sb = Sandbox::new(&pipeline_config(&hook, "", ""));
    let env = [("HOOK_TOKEN", SECRET)];
    sb.run_env(&env, &["release", "register", "1.0", "--commit", "abc"])
        .ok();
    let run = sb.run_env(&env, &["deploy", "dev", "1.0", "--yes"]).ok();
    assert_no_piece("deploy stderr", &run.stderr);
    let audit = sb.run(&["audit", "--json"]).ok();
    assert_no_piece("audit --json", &audit.stdout);
    assert!(audit.stdout.contains("HTTP 200"), "{}", audit.stdout);
    assert!(
        audit.stdout.contains("aaaa***"),
        "the cut-off token is redacted: {}",
        audit.stdout
    );
    assert_no_piece("ledger files", &ledger_bytes(&sb));
}
