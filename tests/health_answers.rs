//! Health answers that must not pass for healthy (issue 10 item 10),
//! through the real binary against loopback stand-ins: a health+json
//! `status` that is not a known word is unknown with the reason, and a
//! Prometheus answer with several series is judged by its worst series,
//! named in the reason — not by `result[0]`.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::RawQuery;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::Sandbox;
use serde_json::Value;

const HJ: &str = "application/health+json";

/// An HTTP server on 127.0.0.1 with a runtime of its own.
struct Loopback {
    addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

impl Loopback {
    fn start(app: Router) -> Loopback {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Loopback { addr, _rt: rt }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn respond(status: u16, content_type: &str, body: &'static str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CONTENT_TYPE, content_type.to_string())],
        body,
    )
        .into_response()
}

fn vector(series: &[(&str, &str)]) -> String {
    let result: Vec<String> = series
        .iter()
        .map(|(labels, v)| format!(r#"{{"metric":{labels},"value":[1700000000.5,"{v}"]}}"#))
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        result.join(",")
    )
}

/// A Prometheus stand-in: the answer depends on the query text. The first
/// series is always the mildest, so judging `result[0]` would say healthy.
async fn prometheus(RawQuery(q): RawQuery) -> Response {
    // The queries are plain words, so the query string needs no decoding.
    let body = match q.as_deref().and_then(|q| q.strip_prefix("query=")) {
        Some("errors_by_instance") => vector(&[
            (r#"{"instance":"a"}"#, "0.001"),
            (r#"{"instance":"b"}"#, "0.02"),
            (r#"{"instance":"c"}"#, "0.007"),
        ]),
        Some("availability_by_zone") => vector(&[
            (r#"{"zone":"x"}"#, "0.999"),
            (r#"{"zone":"y"}"#, "0.95"),
            (r#"{"zone":"z"}"#, "NaN"),
        ]),
        Some("queue_by_worker") => vector(&[(r#"{"worker":"1"}"#, "3"), (r#"{"worker":"2"}"#, "7")]),
        _ => vector(&[]),
    };
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn stand_ins() -> Router {
    Router::new()
        .route("/status/123", get(|| async { respond(200, HJ, r#"{"status":123}"#) }))
        .route("/status/null", get(|| async { respond(200, HJ, r#"{"status":null}"#) }))
        .route(
            "/status/pwned",
            get(|| async { respond(200, HJ, r#"{"status":"pwned","version":"1.0"}"#) }),
        )
        .route(
            "/status/pwned-503",
            get(|| async { respond(503, HJ, r#"{"status":"pwned"}"#) }),
        )
        .route(
            "/status/pass",
            get(|| async { respond(200, HJ, r#"{"status":"pass"}"#) }),
        )
        .route(
            "/status/none",
            get(|| async { respond(200, "application/json", r#"{"uptime":12}"#) }),
        )
        .route("/api/v1/query", get(prometheus))
}

fn rows(run: &common::Run) -> BTreeMap<String, Value> {
    run.json()
        .as_array()
        .unwrap_or_else(|| panic!("health --json is not an array:\n{run}"))
        .iter()
        .map(|r| (r["check"].as_str().unwrap_or_default().to_string(), r.clone()))
        .collect()
}

#[test]
fn a_health_status_that_is_not_a_known_word_is_unknown_with_the_reason() {
    let srv = Loopback::start(stand_ins());
    let mut cfg = String::from("[project]\nname = \"answers\"\n\n[[environment]]\nname = \"prod\"\n");
    for name in ["123", "null", "pwned", "pwned-503", "pass", "none"] {
        cfg += &format!(
            "\n[[environment.health]]\nname = \"{name}\"\nurl = \"{}\"\ntimeout = \"5s\"\n",
            srv.url(&format!("/status/{name}"))
        );
    }
    let sb = Sandbox::new(&cfg);
    let run = sb.run(&["health", "prod", "--json"]).ok();
    let rows = rows(&run);
    let want = [
        ("123", "unknown", Some("unknown status 123")),
        ("null", "unknown", Some("unknown status null")),
        ("pwned", "unknown", Some(r#"unknown status "pwned""#)),
        ("pwned-503", "unhealthy", Some(r#"HTTP 503, unknown status "pwned""#)),
        ("pass", "healthy", None),
        ("none", "healthy", None),
    ];
    for (check, state, reason) in want {
        let r = &rows[check];
        assert_eq!(r["state"], state, "{check}: {r}");
        assert_eq!(r["reason"].as_str(), reason, "{check}: {r}");
    }
    // The environment is not healthy while an endpoint says "pwned".
    let st = sb.status();
    assert_eq!(st["environments"][0]["health"]["state"], "unhealthy", "{st}");
}

#[test]
fn a_prometheus_answer_with_several_series_is_judged_by_the_worst() {
    let srv = Loopback::start(stand_ins());
    let metric = |name: &str, query: &str, warn: &str, fail: &str| {
        format!(
            "\n[[environment.metric]]\nname = \"{name}\"\nquery = '{query}'\nwarn = \"{warn}\"\nfail = \"{fail}\"\n"
        )
    };
    let cfg = format!(
        "[project]\nname = \"answers\"\n\n[[environment]]\nname = \"prod\"\n{}{}{}\n[prometheus]\nurl = \"{}\"\ntimeout = \"5s\"\n",
        metric("error rate", "errors_by_instance", "> 0.005", "> 0.01"),
        metric("availability", "availability_by_zone", "< 0.99", "< 0.9"),
        metric("queue", "queue_by_worker", "> 50", "> 100"),
        srv.url(""),
    );
    let sb = Sandbox::new(&cfg);
    let run = sb.run(&["health", "prod", "--json"]).ok();
    let rows = rows(&run);

    let er = &rows["error rate"];
    assert_eq!(er["state"], "unhealthy", "{er}");
    assert_eq!(er["value"].as_f64(), Some(0.02), "{er}");
    assert_eq!(
        er["reason"].as_str(),
        Some(r#"error rate = 0.0200 (fail > 0.01) in {instance="b"}, the worst of 3 series"#),
        "{er}"
    );

    // "<" thresholds: the lowest series is the worst; NaN carries no data.
    let av = &rows["availability"];
    assert_eq!(av["state"], "degraded", "{av}");
    assert_eq!(av["value"].as_f64(), Some(0.95), "{av}");
    let reason = av["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(r#"in {zone="y"}, the worst of 2 series"#), "{av}");

    // All series healthy: healthy, showing the value nearest the threshold.
    let q = &rows["queue"];
    assert_eq!(
        (q["state"].as_str(), q["value"].as_f64()),
        (Some("healthy"), Some(7.0)),
        "{q}"
    );
}
