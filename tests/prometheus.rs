//! Metrics against a real Prometheus (DESIGN §3a): OpenMetrics data with
//! timestamps from the last few minutes is turned into TSDB blocks with
//! `promtool tsdb create-blocks-from openmetrics`, a `prometheus` server is
//! started on a free loopback port over them, and `relcon health --json`
//! evaluates `[[environment.metric]]` instant queries and thresholds.
//!
//! Needs the Debian package `prometheus` (binaries `prometheus`, `promtool`),
//! which `.ci/install-test-deps` installs. Without them the test fails under
//! CI (env `CI` set) and is skipped elsewhere.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;
use serde_json::Value;

fn on_path(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(bin)).find(|f| f.is_file()))
}

/// The two binaries, or None (skip) when absent outside CI. Under CI their
/// absence is a failure: `.ci/install-test-deps` must provide them.
fn prometheus_binaries() -> Option<(PathBuf, PathBuf)> {
    match (on_path("prometheus"), on_path("promtool")) {
        (Some(p), Some(t)) => Some((p, t)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("prometheus/promtool not installed: .ci/install-test-deps must install them (apt-get install prometheus) before cargo test")
        }
        _ => {
            eprintln!("skipping: prometheus not installed (apt-get install prometheus)");
            None
        }
    }
}

/// A Prometheus server on a loopback port; killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Start on `data` and wait for `/-/ready`.
    fn start(bin: &Path, dir: &Path, data: &Path) -> Prometheus {
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let log = dir.join("prometheus.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start prometheus");
        let mut p = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let client = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(format!("{}/-/ready", p.url)).send() {
                if r.status().is_success() {
                    return p;
                }
            }
            if let Ok(Some(st)) = p.child.try_wait() {
                panic!("prometheus exited ({st}) before it was ready:\n{}", p.log());
            }
            if Instant::now() > deadline {
                panic!("prometheus not ready on {} within 30 s:\n{}", p.url, p.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A raw instant query, to tell a broken fixture from a relcon bug.
    fn query(&self, q: &str) -> Value {
        let client = reqwest::blocking::Client::builder().no_proxy().build().unwrap();
        client
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", q)])
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("query {q}: {e}"))
    }
}

/// Four and a half minutes of traffic, a sample every 15 s, ending 15 s ago:
/// - `http_requests_total`: 98 × 200 and 2 × 500 per interval → error rate 0.02;
/// - `http_request_duration_seconds`: cumulative buckets 50/93/98/100/100
///   per interval for le 0.5/1/1.5/2/+Inf → p95 = 1 + 0.5 × (95−93)/(98−93) = 1.2 s;
/// - `queue_depth` gauge at 3.
fn openmetrics(now: i64) -> String {
    let ts: Vec<i64> = (0..19).map(|i| now - 285 + 15 * i).collect();
    let mut out = String::new();
    out += "# HELP http_requests Requests served.\n# TYPE http_requests counter\n";
    for (code, per) in [("200", 98), ("500", 2)] {
        for (i, t) in ts.iter().enumerate() {
            writeln!(
                out,
                "http_requests_total{{env=\"prod\",code=\"{code}\"}} {} {t}",
                per * i
            )
            .unwrap();
        }
    }
    out += "# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n";
    for (le, per) in [("0.5", 50), ("1", 93), ("1.5", 98), ("2", 100), ("+Inf", 100)] {
        for (i, t) in ts.iter().enumerate() {
            writeln!(
                out,
                "http_request_duration_seconds_bucket{{env=\"prod\",le=\"{le}\"}} {} {t}",
                per * i
            )
            .unwrap();
        }
    }
    for (i, t) in ts.iter().enumerate() {
        writeln!(
            out,
            "http_request_duration_seconds_count{{env=\"prod\"}} {} {t}",
            100 * i
        )
        .unwrap();
    }
    for (i, t) in ts.iter().enumerate() {
        writeln!(out, "http_request_duration_seconds_sum{{env=\"prod\"}} {} {t}", 70 * i).unwrap();
    }
    out += "# HELP queue_depth Jobs waiting.\n# TYPE queue_depth gauge\n";
    for t in &ts {
        writeln!(out, "queue_depth{{env=\"prod\"}} 3 {t}").unwrap();
    }
    out += "# EOF\n";
    out
}

const ERROR_RATE: &str =
    r#"sum(rate(http_requests_total{env="prod",code=~"5.."}[5m])) / sum(rate(http_requests_total{env="prod"}[5m]))"#;
const P95: &str =
    r#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{env="prod"}[5m])))"#;
const QUEUE: &str = r#"max(queue_depth{env="prod"})"#;
/// Two series, sorted so that `result[0]` is the mild one (500s, 0.13/s)
/// and the worst (200s, 6.5/s) comes second.
const BY_CODE: &str = r#"sort(sum by (code) (rate(http_requests_total{env="prod"}[5m])))"#;
const BROKEN: &str = r#"sum(rate(http_requests_total[5m]"#;
const ABSENT: &str = r#"sum(never_recorded_total{env="prod"})"#;

fn config(prom_url: &str) -> String {
    let metric = |name: &str, query: &str, warn: &str, fail: &str| {
        format!(
            "\n[[environment.metric]]\nname = \"{name}\"\nquery = '{query}'\nwarn = \"{warn}\"\nfail = \"{fail}\"\n"
        )
    };
    format!(
        "[project]\nname = \"metrics\"\n\n[[environment]]\nname = \"prod\"\n{}{}{}{}{}{}\n[prometheus]\nurl = \"{prom_url}\"\ntimeout = \"5s\"\n",
        metric("error rate", ERROR_RATE, "> 0.005", "> 0.01"),
        metric("requests by code", BY_CODE, "> 1", "> 5"),
        metric("p95 latency", P95, "> 1s", "> 2s"),
        metric("queue depth", QUEUE, "> 50", "> 100"),
        metric("broken query", BROKEN, "> 1", "> 2"),
        metric("absent", ABSENT, "> 1", "> 2"),
    )
}

#[test]
fn metrics_from_a_real_prometheus_pick_their_state_by_threshold() {
    let Some((prometheus, promtool)) = prometheus_binaries() else {
        return;
    };
    let dir = tempfile::Builder::new().prefix("relcon-prom-").tempdir().unwrap();
    let data = dir.path().join("data");
    let om = dir.path().join("fixture.om");
    std::fs::write(&om, openmetrics(chrono::Utc::now().timestamp())).unwrap();
    let out = Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&data)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let prom = Prometheus::start(&prometheus, dir.path(), &data);
    // The fixture is really in there (else the failure is the fixture's).
    let raw = prom.query(ERROR_RATE);
    assert_eq!(raw["status"], "success", "{raw}");
    assert_eq!(
        raw["data"]["result"].as_array().map(Vec::len),
        Some(1),
        "imported data not queryable: {raw}\n{}",
        prom.log()
    );

    let sb = Sandbox::new(&config(&prom.url));
    let run = sb.run(&["health", "prod", "--json"]).ok();
    common::assert_no_ansi("health --json", &run.stdout);
    let rows: BTreeMap<String, Value> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["check"].as_str().unwrap().to_string(), r.clone()))
        .collect();
    assert_eq!(rows.len(), 6, "{run}");
    for r in rows.values() {
        assert_eq!(r["kind"], "metric", "{r}");
    }
    let value = |name: &str| {
        rows[name]["value"]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} has no value: {}", rows[name]))
    };

    let er = &rows["error rate"];
    assert_eq!(er["state"], "unhealthy", "{er}");
    assert!((value("error rate") - 0.02).abs() < 1e-9, "{er}");
    assert!(er["reason"].as_str().unwrap().contains("fail > 0.01"), "{er}");

    // Several series: the worst (not result[0]) decides, and is named.
    let raw = prom.query(BY_CODE);
    assert_eq!(
        raw["data"]["result"][0]["metric"]["code"], "500",
        "fixture order: {raw}"
    );
    let bc = &rows["requests by code"];
    assert_eq!(bc["state"], "unhealthy", "{bc}");
    let worst: f64 = raw["data"]["result"][1]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no second series: {raw}"));
    assert!(worst > 5.0, "fixture: {raw}");
    // Queried a moment apart, so the extrapolated rates differ slightly.
    assert!((value("requests by code") / worst - 1.0).abs() < 0.1, "{bc} vs {raw}");
    let reason = bc["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(r#"(fail > 5) in {code="200"}, the worst of 2 series"#),
        "{bc}"
    );

    let p95 = &rows["p95 latency"];
    assert_eq!(p95["state"], "degraded", "{p95}");
    assert!((value("p95 latency") - 1.2).abs() < 1e-9, "{p95}");
    assert!(p95["reason"].as_str().unwrap().contains("warn > 1s"), "{p95}");

    let q = &rows["queue depth"];
    assert_eq!(
        (q["state"].as_str(), q["reason"].as_str()),
        (Some("healthy"), None),
        "{q}"
    );
    assert_eq!(value("queue depth"), 3.0);

    let bad = &rows["broken query"];
    assert_eq!(bad["state"], "unknown", "{bad}");
    let reason = bad["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("bad_data") && reason.contains("parse error"),
        "Prometheus' errorType and error should be shown: {bad}"
    );
    assert!(bad["value"].is_null(), "{bad}");

    let absent = &rows["absent"];
    assert_eq!(
        (absent["state"].as_str(), absent["reason"].as_str()),
        (Some("unknown"), Some("no data")),
        "{absent}"
    );

    // The env summary takes the worst: the error rate fails it.
    let st = sb.status();
    let h = &st["environments"][0]["health"];
    assert_eq!(h["state"], "unhealthy", "{st}");
    assert_eq!(h["checks"], 6, "{h}");

    // Prometheus gone: every metric is unknown with the reason, no crash.
    drop(prom);
    let rows = sb.json(&["health", "prod", "--json"]);
    for r in rows.as_array().unwrap() {
        assert_eq!(r["state"], "unknown", "{r}");
        let reason = r["reason"].as_str().unwrap_or_default();
        assert!(reason.starts_with("prometheus: "), "{r}");
    }
}
