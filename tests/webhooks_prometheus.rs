//! Prometheus as people run it behind a proxy or as a multi-tenant
//! service (issue 16): `[prometheus] token_env` and `headers` are sent with
//! every query, secrets read from named variables; the answer, a 3-series
//! vector where one series breaches, is judged by that series and names it.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::Sandbox;
use serde_json::Value;

const TOKEN: &str = "prom-token-4c2e9a7d1f";

type Seen = Arc<Mutex<Vec<BTreeMap<String, String>>>>;

async fn query(State(seen): State<Seen>, headers: HeaderMap) -> Response {
    let h: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    seen.lock().unwrap().push(h.clone());
    if h.get("authorization").map(String::as_str) != Some(&format!("Bearer {TOKEN}")) {
        return (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
    }
    if h.get("x-scope-orgid").map(String::as_str) != Some("acme") {
        return (StatusCode::BAD_REQUEST, "no org id").into_response();
    }
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"instance":"a"},"value":[1700000000,"0.001"]},
        {"metric":{"instance":"b"},"value":[1700000000,"0.002"]},
        {"metric":{"instance":"c"},"value":[1700000000,"0.03"]}]}}"#;
    ([("content-type", "application/json")], body).into_response()
}

fn start() -> (String, Seen, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/api/v1/query", get(query))
        .with_state(seen.clone());
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen, rt)
}

fn config(url: &str) -> String {
    format!(
        r#"[project]
name = "prom"

[[environment]]
name = "prod"

[[environment.metric]]
name = "error rate"
query = 'sum by (instance) (rate(errors[5m]))'
warn = "> 0.005"
fail = "> 0.01"

[prometheus]
url = "{url}"
token_env = "PROM_TOKEN"
headers = {{ "X-Scope-OrgID" = "acme" }}
"#
    )
}

fn metric(run: &common::Run) -> Value {
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "error rate")
        .cloned()
        .unwrap_or_else(|| panic!("no metric row: {run}"))
}

#[test]
fn the_token_and_headers_reach_prometheus_and_the_worst_of_3_series_decides() {
    let (url, seen, _rt) = start();
    let sb = Sandbox::new(&config(&url));
    let run = sb.run_env(&[("PROM_TOKEN", TOKEN)], &["health", "prod", "--json"]).ok();
    let m = metric(&run);
    assert_eq!(m["state"], "unhealthy", "{m}");
    assert_eq!(
        m["reason"].as_str(),
        Some(r#"error rate = 0.0300 (fail > 0.01) in {instance="c"}, the worst of 3 series"#),
        "{m}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].get("x-scope-orgid").map(String::as_str), Some("acme"));
    assert!(!run.stdout.contains(TOKEN));
}

#[test]
fn without_the_token_the_metric_is_unknown_with_the_reason() {
    let (url, seen, _rt) = start();
    let sb = Sandbox::new(&config(&url));
    let m = metric(&sb.run(&["health", "prod", "--json"]).ok());
    assert_eq!(m["state"], "unknown", "{m}");
    assert!(m["reason"].as_str().unwrap().contains("PROM_TOKEN is not set"), "{m}");
    assert!(seen.lock().unwrap().is_empty(), "nothing sent without the token");
    // A wrong token: Prometheus (here the proxy) refuses, and that shows.
    let m = metric(
        &sb.run_env(&[("PROM_TOKEN", "wrong-token-123")], &["health", "prod", "--json"])
            .ok(),
    );
    assert_eq!(m["state"], "unknown", "{m}");
}
