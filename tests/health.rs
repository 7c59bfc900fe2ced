//! Live health against real loopback HTTP servers (DESIGN §3a, §4):
//! health+json / Spring actuator / plain HTTP normalisation, garbage, a
//! 10 MB body, slow, hung and refused endpoints, a version read from a
//! second URL, pollers that never let a hung endpoint delay the others,
//! the concurrency bound, backoff, version drift / verifying, the
//! `--until-healthy` exit codes and the `require_healthy` promotion gate.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::{finish, strings, wait_until, Sandbox};
use relcon::health::{poller, HealthUpdate, Sample, State as Health};
use serde_json::Value;
use tokio::sync::mpsc;

const HJ: &str = "application/health+json";
const SPRING: &str = "application/vnd.spring-boot.actuator.v3+json";

/// An HTTP server on 127.0.0.1 with a runtime of its own, for tests that
/// drive the real binary from plain (blocking) test code.
struct Loopback {
    addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

impl Loopback {
    fn start(app: Router) -> Loopback {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Loopback { addr, _rt: rt }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Serve `app` on the current (test) runtime.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, content_type.to_string())],
        body.into(),
    )
        .into_response()
}

/// A loopback port nobody listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One `[[environment.health]]` table.
fn check(name: &str, url: &str, extra: &str) -> String {
    format!("\n[[environment.health]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}\n")
}

/// A one-env config whose env carries `env_extra` keys and `checks`.
fn one_env(env: &str, env_extra: &str, checks: &str) -> String {
    format!("[project]\nname = \"health-test\"\n\n[[environment]]\nname = \"{env}\"\n{env_extra}\n{checks}")
}

fn rows_by_check(v: &Value) -> BTreeMap<String, Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("health --json is not an array: {v}"))
        .iter()
        .map(|r| (r["check"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

// ---------------------------------------------------------------------------
// One poll through the binary: every kind of answer normalised.
// ---------------------------------------------------------------------------

fn zoo() -> Router {
    // 10 MB of health+json: only the first 1 MiB may be read.
    let mut huge = br#"{"status":"pass","pad":""#.to_vec();
    huge.resize(10 * 1024 * 1024, b'x');
    huge.extend_from_slice(br#""}"#);
    let huge = Bytes::from(huge);
    Router::new()
        .route("/hj/pass", get(|| async { respond(200, HJ, r#"{"status":"pass","releaseId":"1.4.2","version":"1"}"#) }))
        .route("/hj/warn", get(|| async { respond(200, HJ, r#"{"status":"warn","output":"slow disk","version":"1.4.1"}"#) }))
        .route("/hj/fail", get(|| async { respond(503, HJ, r#"{"status":"fail","output":"db down","releaseId":"1.4.0"}"#) }))
        .route(
            "/spring/up",
            get(|| async { respond(200, SPRING, r#"{"status":"UP","components":{"db":{"status":"UP"},"diskSpace":{"status":"UP","details":{"free":1}}}}"#) }),
        )
        .route("/spring/down", get(|| async { respond(503, SPRING, r#"{"status":"DOWN","components":{"db":{"status":"DOWN"},"diskSpace":{"status":"UP"}}}"#) }))
        .route("/spring/oos", get(|| async { respond(503, SPRING, r#"{"status":"OUT_OF_SERVICE"}"#) }))
        .route("/actuator/health", get(|| async { respond(200, SPRING, r#"{"status":"UP"}"#) }))
        .route("/actuator/info", get(|| async { respond(200, "application/json", r#"{"build":{"version":"2.0.1","artifact":"shop"},"git":{"commit":{"id":"abc1234"}}}"#) }))
        .route("/git", get(|| async { respond(200, SPRING, r#"{"status":"UP","git":{"commit":{"id":"abc1234"}}}"#) }))
        .route("/plain/ok", get(|| async { respond(200, "text/plain", "OK") }))
        .route("/plain/down", get(|| async { respond(503, "text/html", "<h1>Service Unavailable</h1>") }))
        .route("/garbage", get(|| async { respond(200, "application/json", "{this is not json") }))
        .route("/huge", get(move || std::future::ready(respond(200, HJ, huge.clone()))))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                respond(200, HJ, r#"{"status":"pass"}"#)
            }),
        )
        .route("/hang", get(std::future::pending::<Response>))
}

#[test]
fn one_poll_normalises_every_kind_of_answer() {
    let srv = Loopback::start(zoo());
    let refused = format!("http://127.0.0.1:{}/health", closed_port());
    let t = "timeout = \"1s\"";
    let mut checks = String::new();
    for (name, path) in [
        ("hj-pass", "/hj/pass"),
        ("hj-warn", "/hj/warn"),
        ("hj-fail", "/hj/fail"),
        ("spring-up", "/spring/up"),
        ("spring-down", "/spring/down"),
        ("spring-oos", "/spring/oos"),
        ("plain-ok", "/plain/ok"),
        ("plain-503", "/plain/down"),
        ("garbage", "/garbage"),
        ("huge", "/huge"),
        ("slow", "/slow"),
        ("hang", "/hang"),
    ] {
        checks += &check(name, &srv.url(path), t);
    }
    checks += &check("refused", &refused, t);
    checks += &check(
        "spring-info",
        &srv.url("/actuator/health"),
        &format!(
            "{t}\nversion = {{ url = \"{}\", pointer = \"/build/version\" }}",
            srv.url("/actuator/info")
        ),
    );
    checks += &check(
        "git-pointer",
        &srv.url("/git"),
        &format!("{t}\nversion = {{ pointer = \"/git/commit/id\" }}"),
    );
    let sb = Sandbox::new(&one_env("prod", "", &checks));

    let started = Instant::now();
    let run = sb.run(&["health", "--json"]).ok();
    let took = started.elapsed();
    common::assert_no_ansi("health --json", &run.stdout);
    let rows = rows_by_check(&run.json());
    assert_eq!(rows.len(), 15, "one row per endpoint:\n{run}");

    // (check, state, reason (exact, or prefix with a trailing '*'), version)
    let want: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        ("hj-pass", "healthy", None, Some("1.4.2")),
        ("hj-warn", "degraded", Some("slow disk"), Some("1.4.1")),
        ("hj-fail", "unhealthy", Some("db down"), Some("1.4.0")),
        ("spring-up", "healthy", None, None),
        ("spring-down", "unhealthy", Some("HTTP 503, status DOWN"), None),
        ("spring-oos", "unhealthy", Some("HTTP 503, status OUT_OF_SERVICE"), None),
        ("plain-ok", "healthy", None, None),
        ("plain-503", "unhealthy", Some("HTTP 503"), None),
        ("garbage", "unknown", Some("unreadable body*"), None),
        ("huge", "unknown", Some("body larger than 1024 KiB"), None),
        ("slow", "unknown", Some("timeout"), None),
        ("hang", "unknown", Some("timeout"), None),
        ("refused", "unknown", Some("connection refused"), None),
        ("spring-info", "healthy", None, Some("2.0.1")),
        ("git-pointer", "healthy", None, Some("abc1234")),
    ];
    for (name, state, reason, version) in want {
        let r = &rows[*name];
        assert_eq!(r["env"], "prod", "{r}");
        assert_eq!(r["state"], *state, "{name}: {r}");
        match reason {
            None => assert!(r["reason"].is_null(), "{name} should have no reason: {r}"),
            Some(p) if p.ends_with('*') => {
                let got = r["reason"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name} has no reason: {r}"));
                assert!(
                    got.starts_with(p.trim_end_matches('*')),
                    "{name}: reason {got:?}, want {p:?}"
                );
            }
            Some(p) => assert_eq!(r["reason"], *p, "{name}: {r}"),
        }
        assert_eq!(r["version"].as_str(), *version, "{name} version: {r}");
        // No answer at all → no latency; an answer → its latency.
        let answered = !matches!(*name, "slow" | "hang" | "refused");
        assert_eq!(r["latency_ms"].is_u64(), answered, "{name} latency: {r}");
    }
    // Components of a Spring answer become sub-checks.
    let comps: BTreeMap<String, String> = rows["spring-down"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        comps,
        BTreeMap::from([
            ("db".to_string(), "unhealthy".to_string()),
            ("diskSpace".to_string(), "healthy".to_string())
        ])
    );
    // Every probe ran at once within its own 1 s timeout: the hung and the
    // slow endpoint (and the 10 MB body) did not hold the poll up.
    assert!(took < Duration::from_secs(5), "one poll took {took:?}");

    // The same poll for one env in text: one line per check, a symbol each.
    let text = sb.run(&["health", "prod"]).ok().stdout;
    assert_eq!(text.lines().count(), 15, "{text}");
    for sym in ["●", "▲", "✖", "?"] {
        assert!(text.contains(sym), "no {sym} in:\n{text}");
    }
    // An unknown env is a usage error.
    sb.run(&["health", "nowhere", "--json"]).code(2);
}

// ---------------------------------------------------------------------------
// Pollers (library): isolation, concurrency bound, backoff.
// ---------------------------------------------------------------------------

/// Next update, or panic after `within`.
async fn next_update(rx: &mut mpsc::UnboundedReceiver<HealthUpdate>, within: Duration) -> (String, Sample) {
    loop {
        match tokio::time::timeout(within, rx.recv()).await {
            Ok(Some(HealthUpdate::Check { check, sample, .. })) => return (check, sample),
            Ok(Some(HealthUpdate::Metric { .. })) => continue,
            Ok(None) => panic!("poller channel closed"),
            Err(_) => panic!("no health update within {within:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_endpoint_never_delays_the_others() {
    let addr = serve(
        Router::new()
            .route("/good", get(|| async { respond(200, HJ, r#"{"status":"pass"}"#) }))
            .route("/hang", get(std::future::pending::<Response>)),
    )
    .await;
    let checks = check(
        "good",
        &format!("http://{addr}/good"),
        "interval = \"200ms\"\ntimeout = \"1s\"",
    ) + &check(
        "hung",
        &format!("http://{addr}/hang"),
        "interval = \"200ms\"\ntimeout = \"5s\"",
    );
    let sb = Sandbox::new(&one_env("prod", "", &checks));
    let config = sb.config();

    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    let pollers = poller::spawn(&config, tx, poller::DEFAULT_CONCURRENCY);
    assert_eq!(pollers.len(), 2);
    let mut good_at = Vec::new();
    let (hung_at, hung) = loop {
        let (name, sample) = next_update(&mut rx, Duration::from_secs(10)).await;
        match name.as_str() {
            "good" => {
                assert_eq!(sample.state, Health::Healthy, "{sample:?}");
                good_at.push(started.elapsed());
            }
            "hung" => break (started.elapsed(), sample),
            other => panic!("unexpected check {other}"),
        }
    };
    assert_eq!(
        (hung.state, hung.reason.as_deref()),
        (Health::Unknown, Some("timeout")),
        "{hung:?}"
    );
    assert!(
        hung_at >= Duration::from_millis(4800),
        "the hung endpoint answered after {hung_at:?}, before its 5 s timeout"
    );
    // 5 s at 200 ms is ~25 polls; the hung one must not have held any back.
    assert!(
        good_at.len() >= 15,
        "only {} good samples before the hung one timed out ({good_at:?})",
        good_at.len()
    );
    let worst_gap = good_at.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(
        worst_gap < Duration::from_millis(700),
        "good endpoint went {worst_gap:?} without a sample: {good_at:?}"
    );
    drop(pollers);
}

#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
    hits: Mutex<BTreeMap<u32, usize>>,
}

async fn busy(State(s): State<Arc<InFlight>>, Path(n): Path<u32>) -> Response {
    let now = s.now.fetch_add(1, Ordering::SeqCst) + 1;
    s.max.fetch_max(now, Ordering::SeqCst);
    *s.hits.lock().unwrap().entry(n).or_default() += 1;
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.now.fetch_sub(1, Ordering::SeqCst);
    respond(200, HJ, r#"{"status":"pass"}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_in_flight_never_exceed_the_concurrency_bound() {
    let counters = Arc::new(InFlight::default());
    let addr = serve(Router::new().route("/ep/{n}", get(busy)).with_state(counters.clone())).await;
    let checks: String = (0..20)
        .map(|n| {
            check(
                &format!("ep{n}"),
                &format!("http://{addr}/ep/{n}"),
                "interval = \"100ms\"\ntimeout = \"5s\"",
            )
        })
        .collect();
    let sb = Sandbox::new(&one_env("prod", "", &checks));
    let config = sb.config();

    let (tx, mut rx) = mpsc::unbounded_channel();
    let pollers = poller::spawn(&config, tx, 4);
    assert_eq!(pollers.len(), 20);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    while seen.len() < 20 || seen.values().sum::<usize>() < 32 {
        let (name, sample) = next_update(&mut rx, Duration::from_secs(10)).await;
        assert_eq!(sample.state, Health::Healthy, "{name}: {sample:?}");
        *seen.entry(name).or_default() += 1;
    }
    drop(pollers);
    let max = counters.max.load(Ordering::SeqCst);
    assert!(max <= 4, "{max} polls in flight at once with a bound of 4");
    assert_eq!(max, 4, "polls should run 4 at a time, saw at most {max}");
    // Nobody starved: every endpoint was served.
    assert_eq!(
        counters.hits.lock().unwrap().len(),
        20,
        "endpoints served: {:?}",
        counters.hits.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_does_not_answer_is_polled_less_and_less_often() {
    let addr = serve(Router::new().route("/good", get(|| async { respond(200, HJ, r#"{"status":"pass"}"#) }))).await;
    let checks = check(
        "refused",
        &format!("http://127.0.0.1:{}/health", closed_port()),
        "interval = \"100ms\"\ntimeout = \"1s\"",
    ) + &check(
        "good",
        &format!("http://{addr}/good"),
        "interval = \"100ms\"\ntimeout = \"1s\"",
    );
    let sb = Sandbox::new(&one_env("prod", "", &checks));
    let config = sb.config();

    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = Instant::now();
    let pollers = poller::spawn(&config, tx, poller::DEFAULT_CONCURRENCY);
    let (mut refused, mut good) = (Vec::new(), Vec::new());
    while refused.len() < 5 {
        let (name, sample) = next_update(&mut rx, Duration::from_secs(5)).await;
        if name == "refused" {
            assert_eq!(
                (sample.state, sample.reason.as_deref()),
                (Health::Unknown, Some("connection refused")),
                "{sample:?}"
            );
            refused.push(started.elapsed());
        } else {
            good.push(started.elapsed());
        }
    }
    drop(pollers);
    let gaps: Vec<Duration> = refused.windows(2).map(|w| w[1] - w[0]).collect();
    // 100 ms doubled per failure: ~200, 400, 800, 1600 ms.
    assert!(
        gaps[0] >= Duration::from_millis(150),
        "first retry after {:?}: {gaps:?}",
        gaps[0]
    );
    for w in gaps.windows(2) {
        assert!(
            w[1].as_secs_f64() >= 1.5 * w[0].as_secs_f64(),
            "gaps do not grow: {gaps:?}"
        );
    }
    assert!(gaps[3] >= Duration::from_millis(1200), "no real backoff: {gaps:?}");
    // Meanwhile the answering endpoint kept its 100 ms pace.
    let good_gap = good.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(
        good.len() >= 15 && good_gap < Duration::from_millis(400),
        "good endpoint: {} samples, worst gap {good_gap:?}",
        good.len()
    );
}

// ---------------------------------------------------------------------------
// Drift and verifying, through `status --json` and `health --json`.
// ---------------------------------------------------------------------------

/// A health+json endpoint reporting whatever version the test sets.
fn versioned(version: Arc<Mutex<String>>) -> Router {
    Router::new().route(
        "/health",
        get(move || {
            let v = version.lock().unwrap().clone();
            std::future::ready(respond(
                200,
                HJ,
                serde_json::json!({ "status": "pass", "releaseId": v }).to_string(),
            ))
        }),
    )
}

fn drift_config(url: &str, verify_timeout: &str) -> String {
    one_env(
        "prod",
        &format!("deploy = \"true\"\nverify_timeout = \"{verify_timeout}\""),
        &check("api", url, "interval = \"1s\"\ntimeout = \"2s\""),
    )
}

#[test]
fn drift_and_verifying_compare_the_reported_version_with_the_ledger() {
    let version = Arc::new(Mutex::new("1.1.0".to_string()));
    let srv = Loopback::start(versioned(version.clone()));
    let url = srv.url("/health");
    let sb = Sandbox::new(&drift_config(&url, "30s"));
    sb.register("1.2.0", "c0ffee1");
    sb.run(&["deploy", "prod", "1.2.0", "--yes"]).ok();

    // Just deployed, the old version still answering: verifying, not drift.
    let e = sb.env_status("prod");
    let badges = strings(&e["badges"]);
    assert!(
        badges.contains(&"verifying".to_string()) && !badges.contains(&"drift".to_string()),
        "badges {badges:?}: {e}"
    );
    assert_eq!(
        (e["health"]["expected"].as_str(), e["health"]["version"].as_str()),
        (Some("1.2.0"), Some("1.1.0")),
        "{e}"
    );
    assert_eq!(e["health"]["verifying"], true);

    // Past the verify timeout the difference is drift.
    sb.write("relcon.toml", &drift_config(&url, "1s"));
    let mut last = Value::Null;
    let drifted = wait_until(Duration::from_secs(10), || {
        last = sb.env_status("prod");
        strings(&last["badges"]).contains(&"drift".to_string())
    });
    assert!(drifted, "no drift badge: {last}");
    assert!(!strings(&last["badges"]).contains(&"verifying".to_string()), "{last}");
    assert_eq!(
        (
            last["health"]["expected"].as_str(),
            last["health"]["version"].as_str(),
            last["health"]["drift"].as_bool()
        ),
        (Some("1.2.0"), Some("1.1.0"), Some(true)),
        "{last}"
    );
    let rows = sb.json(&["health", "prod", "--json"]);
    assert_eq!(
        (rows[0]["version"].as_str(), rows[0]["expected"].as_str()),
        (Some("1.1.0"), Some("1.2.0")),
        "{rows}"
    );
    let text = sb.run(&["health", "prod"]).ok().stdout;
    assert!(text.contains("running 1.1.0, expected 1.2.0 (drift)"), "{text}");

    // The service catches up: in sync, no badge.
    *version.lock().unwrap() = "1.2.0".to_string();
    let e = sb.env_status("prod");
    let badges = strings(&e["badges"]);
    assert!(
        !badges.contains(&"drift".to_string()) && !badges.contains(&"verifying".to_string()),
        "badges {badges:?}: {e}"
    );
    assert_eq!(
        (e["health"]["version"].as_str(), e["health"]["drift"].as_bool()),
        (Some("1.2.0"), Some(false)),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// `relcon health --until-healthy T`
// ---------------------------------------------------------------------------

#[test]
fn until_healthy_exits_0_as_soon_as_everything_is_healthy() {
    let srv = Loopback::start(Router::new().route("/ok", get(|| async { respond(200, HJ, r#"{"status":"pass"}"#) })));
    let sb = Sandbox::new(&one_env(
        "prod",
        "",
        &(check("a", &srv.url("/ok"), "interval = \"200ms\"") + &check("b", &srv.url("/ok"), "interval = \"200ms\"")),
    ));
    let started = Instant::now();
    let run = finish(
        sb.spawn_as(common::USER, &["health", "--until-healthy", "3s"]),
        Duration::from_secs(10),
    )
    .ok();
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "took {:?}:\n{run}",
        started.elapsed()
    );
    assert!(run.stdout.contains("all 2 checks healthy"), "{run}");
}

#[test]
fn until_healthy_waits_for_an_endpoint_that_recovers() {
    // 503 for the first three polls, then healthy.
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let srv = Loopback::start(Router::new().route(
        "/flaky",
        get(move || {
            let n = p.fetch_add(1, Ordering::SeqCst);
            std::future::ready(if n < 3 {
                respond(503, HJ, r#"{"status":"fail","output":"warming up"}"#)
            } else {
                respond(200, HJ, r#"{"status":"pass"}"#)
            })
        }),
    ));
    let sb = Sandbox::new(&one_env(
        "prod",
        "",
        &check("api", &srv.url("/flaky"), "interval = \"200ms\""),
    ));
    let run = finish(
        sb.spawn_as(common::USER, &["health", "--until-healthy", "10s", "--json"]),
        Duration::from_secs(15),
    )
    .ok();
    assert!(
        polls.load(Ordering::SeqCst) >= 4,
        "exited before the endpoint recovered:\n{run}"
    );
    // One JSON line per change: unhealthy first, healthy last.
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert_eq!(
        lines.first().map(|l| l["state"].clone()),
        Some("unhealthy".into()),
        "{run}"
    );
    assert_eq!(
        lines.last().map(|l| l["state"].clone()),
        Some("healthy".into()),
        "{run}"
    );
}

#[test]
fn until_healthy_exits_1_when_an_endpoint_stays_down() {
    let srv = Loopback::start(
        Router::new()
            .route("/ok", get(|| async { respond(200, HJ, r#"{"status":"pass"}"#) }))
            .route("/down", get(|| async { respond(503, "text/plain", "down") })),
    );
    let sb = Sandbox::new(&one_env(
        "prod",
        "",
        &(check("ok", &srv.url("/ok"), "interval = \"200ms\"")
            + &check("down", &srv.url("/down"), "interval = \"200ms\"")),
    ));
    let started = Instant::now();
    let run = finish(
        sb.spawn_as(common::USER, &["health", "--until-healthy", "3s"]),
        Duration::from_secs(15),
    )
    .code(1);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(2900) && took < Duration::from_secs(8),
        "exited after {took:?}:\n{run}"
    );
    assert!(run.stderr.contains("not healthy within 3s"), "{run}");
    assert!(
        run.stdout.contains("HTTP 503"),
        "the failing check should be shown:\n{run}"
    );
    // A malformed timeout is a usage error.
    sb.run(&["health", "--until-healthy", "soon"]).code(2);
}

// ---------------------------------------------------------------------------
// require_healthy: the source env's health gates a promotion.
// ---------------------------------------------------------------------------

#[test]
fn require_healthy_refuses_a_promotion_from_an_unhealthy_env() {
    let healthy = Arc::new(AtomicBool::new(false));
    let h = healthy.clone();
    let srv = Loopback::start(Router::new().route(
        "/health",
        get(move || {
            std::future::ready(if h.load(Ordering::SeqCst) {
                respond(200, HJ, r#"{"status":"pass"}"#)
            } else {
                respond(503, "text/plain", "unavailable")
            })
        }),
    ));
    let staging_extra = format!(
        "require_healthy = true\n{}",
        check("api", &srv.url("/health"), "timeout = \"1s\"")
    );
    let config = format!(
        "[project]\nname = \"gate\"\n\n[[environment]]\nname = \"dev\"\ndeploy = \"true\"\n\n[[environment]]\nname = \"staging\"\npromote_from = \"dev\"\ndeploy = \"true\"\n{staging_extra}\n\n[[environment]]\nname = \"prod\"\npromote_from = \"staging\"\nprotected = true\ndeploy = \"true\"\n"
    );
    let sb = Sandbox::new(&config);
    sb.register("1.0.0", "abc1234");
    sb.run(&["deploy", "dev", "1.0.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();

    let r = sb
        .run(&["promote", "staging", "prod", "--yes", "--reason", "x"])
        .code(3);
    assert!(
        r.stderr.contains("health staging"),
        "the refusal should name the health gate:\n{r}"
    );
    assert!(r.stderr.contains("HTTP 503"), "and say why:\n{r}");
    assert!(
        sb.env_status("prod")["release"].is_null(),
        "nothing may have been deployed"
    );
    // status shows the same gate failing for the next promotion.
    let gates = sb.env_status("prod")["gates"].clone();
    let g = gates
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "health staging")
        .unwrap_or_else(|| panic!("no health gate in {gates}"));
    assert_eq!(g["ok"], false, "{g}");

    healthy.store(true, Ordering::SeqCst);
    sb.run(&["promote", "staging", "prod", "--yes", "--reason", "x"]).ok();
    assert_eq!(sb.env_status("prod")["release"]["version"], "1.0.0");
}
