//! One small HTTP service per demo environment, on loopback. It answers
//! application/health+json with the version its deploy hook installed, so
//! promoting and rolling back in the demo really change what health sees.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// After a deploy hook writes `<env>.next`, the service keeps reporting the
/// old version this long (a rolling restart), so "verifying" is visible.
pub const ROLLOUT_DELAY: Duration = Duration::from_secs(4);

#[derive(Clone)]
struct Svc {
    dir: PathBuf,
    env: String,
}

impl Svc {
    fn file(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.env))
    }

    /// The version now running: promote `.next` once the rollout delay passed.
    fn version(&self) -> String {
        let next = self.file("next");
        if let Ok(meta) = std::fs::metadata(&next) {
            let age = meta
                .modified()
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .unwrap_or_default();
            if age >= ROLLOUT_DELAY {
                let _ = std::fs::rename(&next, self.file("version"));
            }
        }
        std::fs::read_to_string(self.file("version"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    fn faulty(&self) -> bool {
        self.file("fault").exists()
    }
}

async fn health(State(svc): State<Svc>) -> impl IntoResponse {
    let version = svc.version();
    // A little latency, more under a fault, so sparklines have something to show.
    let jitter = (SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_millis())
        .unwrap_or(0)
        % 7) as u64;
    let (status, word, output, delay) = if svc.faulty() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "fail",
            Some("database connection pool exhausted"),
            600 + jitter * 20,
        )
    } else {
        (StatusCode::OK, "pass", None, 3 + jitter)
    };
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let mut body = serde_json::json!({
        "status": word,
        "releaseId": version,
        "serviceId": format!("customer-portal-{}", svc.env),
        "checks": {
            "postgres:connections": [{ "status": if svc.faulty() { "fail" } else { "pass" }, "observedValue": if svc.faulty() { 100 } else { 12 } }],
            "redis:responseTime": [{ "status": "pass", "observedValue": 1, "observedUnit": "ms" }],
        },
    });
    if let Some(o) = output {
        body["output"] = serde_json::json!(o);
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/health+json")],
        body.to_string(),
    )
}

async fn index(State(svc): State<Svc>) -> impl IntoResponse {
    if svc.faulty() {
        (StatusCode::BAD_GATEWAY, "502 Bad Gateway\n".to_string())
    } else {
        (
            StatusCode::OK,
            format!("customer portal {} — {}\n", svc.env, svc.version()),
        )
    }
}

/// Bind one service per env on 127.0.0.1 (ephemeral ports); returns the
/// ports and a runtime that keeps them running until dropped.
pub fn start(dir: PathBuf, envs: &[String]) -> std::io::Result<(Vec<u16>, tokio::runtime::Runtime)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut ports = Vec::new();
    for env in envs {
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        ports.push(listener.local_addr()?.port());
        let app = Router::new()
            .route("/health", get(health))
            .route("/", get(index))
            .with_state(Svc {
                dir: dir.clone(),
                env: env.clone(),
            });
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }
    Ok((ports, rt))
}
