//! Webhooks that real APIs accept (issue 16): extra headers (literal and
//! secret), a body template with JSON-escaped `{{ name }}` placeholders,
//! and `User-Agent: relcon/<version>` — seen by a loopback receiver.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use common::Sandbox;

const API_KEY: &str = "key-7f3a9c1e5b2d4a60";
const TOKEN: &str = "tok-0c4b8e2f6a1d3957";

/// A one-shot HTTP receiver on loopback: answers 204 and hands back the
/// request it got (head, body).
fn receiver() -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/repos/acme/shop/dispatches", listener.local_addr().unwrap());
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
        let len: usize = header(&head, "content-length").map_or(0, |v| v.parse().unwrap());
        while buf.len() < head_end + len {
            let n = sock.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
        let _ = write!(sock, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
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

fn config(url: &str, body: &str) -> String {
    format!(
        r#"[project]
name = "shop"

[[environment]]
name = "dev"
url = "https://dev.example.com"

[environment.deploy]
webhook = "{url}"
token_env = "HOOK_TOKEN"
headers = {{ Accept = "application/vnd.github+json", "X-GitHub-Api-Version" = "2022-11-28", "X-Api-Key" = {{ env = "API_KEY" }} }}
body = '{body}'
timeout = "10s"
"#
    )
}

const BODY: &str = r#"{"ref": "main", "inputs": {"version": {{ version }}, "env": {{env}}, "artifact": {{ artifact }}, "why": {{ reason }}}}"#;

#[test]
fn the_receiver_sees_headers_the_templated_body_and_the_user_agent() {
    let (url, rx) = receiver();
    let sb = Sandbox::new(&config(&url, BODY));
    let env = [("HOOK_TOKEN", TOKEN), ("API_KEY", API_KEY)];
    // A version string that tries to close the JSON string and add a field.
    let evil = r#"1.0", "admin": true, "x": ""#;
    sb.run_env(
        &env,
        &[
            "release",
            "register",
            evil,
            "--commit",
            "abc1234",
            "--artifact",
            "img@sha256:42",
        ],
    )
    .ok();
    sb.run_env(
        &env,
        &["deploy", "dev", evil, "--yes", "--reason", "line one\nline \"two\""],
    )
    .ok();
    let (head, body) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the webhook was called");
    assert!(
        head.starts_with("POST /repos/acme/shop/dispatches HTTP/1.1\r\n"),
        "{head}"
    );
    assert_eq!(
        header(&head, "user-agent"),
        Some(format!("relcon/{}", env!("CARGO_PKG_VERSION")).as_str())
    );
    assert_eq!(header(&head, "accept"), Some("application/vnd.github+json"), "{head}");
    assert_eq!(header(&head, "x-github-api-version"), Some("2022-11-28"), "{head}");
    assert_eq!(header(&head, "x-api-key"), Some(API_KEY), "{head}");
    assert_eq!(header(&head, "authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert!(header(&head, "content-type").is_some_and(|c| c.starts_with("application/json")));
    let j: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    assert_eq!(
        j,
        serde_json::json!({
            "ref": "main",
            "inputs": {"version": evil, "env": "dev", "artifact": "img@sha256:42", "why": "line one\nline \"two\""}
        }),
        "the version stays one JSON string: {body}"
    );
    assert_eq!(sb.history("dev")[0]["status"], "succeeded");
    // The secret header is redacted like the token: never in the ledger.
    let db = std::fs::read(sb.ledger_path()).unwrap();
    let wal = std::fs::read(sb.path(".relcon/ledger.db-wal")).unwrap_or_default();
    let all = String::from_utf8_lossy(&[db, wal].concat()).into_owned();
    assert!(!all.contains(API_KEY) && !all.contains(TOKEN));
}

#[test]
fn an_unknown_placeholder_is_a_config_error_at_its_line() {
    let sb = Sandbox::new(&config("http://127.0.0.1:9/x", r#"{"v": {{ verison }}}"#));
    let r = sb.run(&["status"]).code(2);
    assert!(r.stderr.contains("relcon.toml:8:"), "{r}");
    assert!(r.stderr.contains("unknown placeholder {{ verison }}"), "{r}");
    assert!(r.stderr.contains("version"), "names what is allowed: {r}");
}

#[test]
fn a_template_that_is_not_json_is_a_config_error() {
    let sb = Sandbox::new(&config("http://127.0.0.1:9/x", r#"{"v": {{ version }} {{ env }}}"#));
    let r = sb.run(&["status"]).code(2);
    assert!(r.stderr.contains("valid JSON"), "{r}");
}

#[test]
fn a_missing_secret_header_refuses_the_deployment_before_calling() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x", listener.local_addr().unwrap());
    let sb = Sandbox::new(&config(&url, BODY));
    sb.run_env(
        &[("HOOK_TOKEN", TOKEN)],
        &["release", "register", "1.0", "--commit", "abc"],
    )
    .ok();
    let r = sb
        .run_env(&[("HOOK_TOKEN", TOKEN)], &["deploy", "dev", "1.0", "--yes"])
        .code(2);
    assert!(r.stderr.contains("$API_KEY, which is not set"), "{r}");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "nothing was sent");
}
