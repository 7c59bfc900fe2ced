//! Health budgets (DESIGN §7): idle CPU with 3 envs × 2 health checks at
//! 1 s (< 1 % of one core), and 1 000 health endpoints at 1 Hz (< 25 % of
//! one core, the UI still < 16 ms per frame).
//!
//! Two parts:
//!
//! * `health_frame/*`, `health_board/*` (criterion): one frame of the
//!   dashboard and of the Health view (TestBackend 160×48) with a board that
//!   holds 1 000 endpoints × a full sparkline history, and `Board::apply`.
//! * `live/*` (a plain measurement, printed): the real pollers
//!   (`health::poller::spawn`) against real loopback HTTP servers, driven by
//!   the console loop's pacing (`tui::pace::Pace`: one current-thread
//!   runtime; every sample goes to `App::update(Msg::Health)`, frames are
//!   drawn into a TestBackend when the console would draw them). CPU is getrusage of this
//!   process over the measured window; the HTTP servers run in a child
//!   process (this binary re-executed with `RELCON_BENCH_HEALTH_SERVE`), so
//!   their CPU is not counted (it is printed beside). After each 1 000-endpoint
//!   run, a bare reqwest poller (this binary with `RELCON_BENCH_BARE_POLL`,
//!   its own process) polls the same URLs for the same window: the `ratio:`
//!   lines, also written to `target/bench-report/health.md`.
//!
//! `cargo bench --bench health` runs both; `-- live` or `-- health_frame`
//! runs one. `RELCON_BENCH_HEALTH_SECS` sets the measured window (20 s).
//! The same binary serves endpoints for `benches/idle_cpu.sh endpoints`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use criterion::Criterion;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use relcon::config::Config;
use relcon::health::poller::{self, DEFAULT_CONCURRENCY};
use relcon::health::{HealthUpdate, Sample, State, SubCheck};
use relcon::ops::{self, Ctx};
use relcon::tui::pace::Pace;
use relcon::tui::{testing, App, AppInit, Msg, Theme, View};

/// Set to a number of listeners: serve health on that many loopback ports.
const SERVE_ENV: &str = "RELCON_BENCH_HEALTH_SERVE";
const BODY: &str = r#"{"status":"pass","releaseId":"1.0.0"}"#;
const SIZE: (u16, u16) = (160, 48);

// ---------------------------------------------------------------- servers

async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/health+json")], BODY)
}

/// Server mode: bind `n` listeners on 127.0.0.1 (ephemeral ports), print
/// the ports on one line, serve until stdin closes (or 30 min pass).
fn serve(n: usize) {
    raise_fd_limit();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    let app = Router::new()
        .route("/health", get(health))
        .route("/svc/{id}/health", get(health));
    let mut ports = Vec::with_capacity(n);
    for _ in 0..n {
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1");
        ports.push(listener.local_addr().unwrap().port());
        let app = app.clone();
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }
    let line: Vec<String> = ports.iter().map(u16::to_string).collect();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", line.join(" ")).unwrap();
    out.flush().unwrap();
    drop(out);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        let _ = tx.send(());
    });
    rt.block_on(async {
        tokio::select! {
            _ = rx => {}
            _ = tokio::time::sleep(Duration::from_secs(30 * 60)) => {}
        }
    });
}

/// Set to a file of URLs (one a line): be the bare baseline poller.
const BARE_ENV: &str = "RELCON_BENCH_BARE_POLL";

/// The least any poller must do, as a program of its own: one task per URL
/// on a current-thread runtime, GET every second with one reqwest client
/// that keeps a connection per URL, read the body, parse its JSON. Runs
/// until stdin closes.
fn bare_poll(list: &str) {
    raise_fd_limit();
    let urls: Vec<String> = std::fs::read_to_string(list)
        .expect("bare poller: URL list")
        .lines()
        .map(str::to_string)
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("poller runtime");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(urls.len())
        .build()
        .expect("client");
    for url in urls {
        let client = client.clone();
        rt.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Ok(r) = client.get(&url).timeout(Duration::from_secs(1)).send().await {
                    if let Ok(b) = r.bytes().await {
                        let _ = std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&b));
                    }
                }
            }
        });
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        let _ = tx.send(());
    });
    rt.block_on(async {
        let _ = rx.await;
    });
}

/// CPU (% of one core over `secs`, after `warmup`) and peak RSS (MB) of the
/// bare poller on `urls`, in its own process.
fn measure_bare(urls: &[String], warmup: Duration, secs: Duration) -> (f64, f64) {
    let list = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(list.path(), urls.join("\n")).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(BARE_ENV, list.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the bare poller");
    std::thread::sleep(warmup);
    let (t0, c0) = (Instant::now(), proc_cpu(child.id()));
    std::thread::sleep(secs);
    let cpu = 100.0 * (proc_cpu(child.id()) - c0) / t0.elapsed().as_secs_f64();
    let rss = proc_hwm_mb(child.id());
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    (cpu, rss)
}

/// Peak RSS (VmHWM) of a process, in MB.
fn proc_hwm_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The servers, in a child process; ended when dropped.
struct Servers {
    child: Child,
    stdin: Option<ChildStdin>,
    ports: Vec<u16>,
}

impl Servers {
    fn start(n: usize) -> Servers {
        let exe = std::env::current_exe().expect("current_exe");
        let mut child = Command::new(exe)
            .env(SERVE_ENV, n.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the health servers");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the servers' ports");
        let ports: Vec<u16> = line.split_whitespace().map(|p| p.parse().unwrap()).collect();
        assert_eq!(ports.len(), n, "servers answered {line:?}");
        Servers {
            stdin: child.stdin.take(),
            child,
            ports,
        }
    }

    /// CPU seconds the server process used so far.
    fn cpu(&self) -> f64 {
        proc_cpu(self.child.id())
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        drop(self.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn raise_fd_limit() {
    // 1 000 listeners, their connections and ours: more than a 1 024 default.
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max.min(8192) {
            l.rlim_cur = l.rlim_max.min(8192);
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

// ---------------------------------------------------------------- CPU

/// user + system CPU seconds of this process (all threads), and its
/// voluntary context switches.
fn self_cpu() -> (f64, i64) {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(u.ru_utime) + secs(u.ru_stime), u.ru_nvcsw)
}

/// user + system CPU seconds of another process, from /proc/PID/stat.
fn proc_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After "pid (comm)": state is field 3, utime 14, stime 15.
    let ticks = |i: usize| f.get(i - 3).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(14) + ticks(15)) / hz
}

// ---------------------------------------------------------------- config

/// `envs` environments with `per_env` health checks each, every one at
/// `interval`; check i of the whole config polls `url(i)`.
fn config_text(db: &Path, envs: usize, per_env: usize, interval: &str, url: &dyn Fn(usize) -> String) -> String {
    let mut s = format!(
        "[project]\nname = \"bench-health\"\n\n[ledger]\nurl = \"sqlite:{}\"\n",
        db.display()
    );
    for e in 0..envs {
        s.push_str(&format!(
            "\n[[environment]]\nname = \"e{e}\"\nurl = \"http://127.0.0.1\"\ndeploy = \"true\"\n"
        ));
        if e > 0 {
            s.push_str(&format!("promote_from = \"e{}\"\n", e - 1));
        }
        for c in 0..per_env {
            let i = e * per_env + c;
            s.push_str(&format!(
                "\n[[environment.health]]\nname = \"svc{c:03}\"\nurl = \"{}\"\ninterval = \"{interval}\"\ntimeout = \"1s\"\n",
                url(i)
            ));
        }
    }
    s
}

/// A config and an app on an empty ledger in `dir`, first snapshot loaded.
fn app_for(dir: &Path, text: &str) -> (Config, Ctx, App) {
    let path = dir.join("relcon.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::parse(&path, text).unwrap_or_else(|e| panic!("bench config: {e}"));
    let mut ctx = Ctx::open(config.clone(), "bench".into(), ops::system_clock()).unwrap();
    let mut app = App::new(AppInit {
        config: config.clone(),
        actor: "bench".into(),
        read_only: false,
        now: chrono::Utc::now(),
        size: SIZE,
    });
    testing::refresh(&mut ctx, &mut app);
    (config, ctx, app)
}

// ---------------------------------------------------------------- live

struct Live {
    secs: f64,
    cpu: f64,
    server_cpu: f64,
    updates: u64,
    csw: i64,
    frames: Vec<Duration>,
}

impl Live {
    fn pct(&self) -> f64 {
        100.0 * self.cpu / self.secs
    }
    fn frame_q(&self, q: f64) -> Duration {
        if self.frames.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.frames.len() - 1) as f64 * q).round() as usize;
        self.frames[i]
    }
}

/// Poll `config` for `warmup + secs` the way the console does, measuring
/// only the last `secs`.
fn run_live(config: &Config, app: &mut App, servers: &Servers, warmup: Duration, secs: Duration) -> Live {
    let theme = Theme::default_dark();
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut live = rt.block_on(async {
        let (htx, mut hrx) = tokio::sync::mpsc::unbounded_channel::<HealthUpdate>();
        let pollers = poller::spawn(config, htx, DEFAULT_CONCURRENCY);
        let mut pace = Pace::default();
        let start = Instant::now();
        let measure_from = start + warmup;
        let end = measure_from + secs;
        let mut began: Option<(Instant, f64, i64, f64)> = None;
        let mut updates = 0u64;
        let mut frames = Vec::new();
        loop {
            let now = Instant::now();
            if began.is_none() && now >= measure_from {
                let (cpu, csw) = self_cpu();
                began = Some((now, cpu, csw, servers.cpu()));
                updates = 0;
                frames.clear();
            }
            if now >= end {
                break;
            }
            if pace.due(app) {
                let t = Instant::now();
                pace.draw(app, chrono::Utc::now(), |app| {
                    term.draw(|f| relcon::tui::draw(f, app, &theme)).map(|_| ())
                })
                .unwrap();
                frames.push(t.elapsed());
            }
            let frame_at = pace.frame_at(app);
            tokio::select! {
                Some(u) = hrx.recv() => {
                    updates += 1;
                    app.update(Msg::Health(u));
                }
                _ = tokio::time::sleep_until(pace.clock_at()) => {
                    pace.clock_fired();
                    app.update(Msg::Clock(chrono::Utc::now()));
                }
                _ = tokio::time::sleep_until(frame_at.unwrap_or_else(tokio::time::Instant::now)), if frame_at.is_some() => {}
                _ = tokio::time::sleep_until(tokio::time::Instant::from_std(end)) => {}
            }
            while let Ok(u) = hrx.try_recv() {
                updates += 1;
                app.update(Msg::Health(u));
            }
        }
        let (t0, cpu0, csw0, srv0) = began.expect("measured");
        let (cpu1, csw1) = self_cpu();
        let live = Live {
            secs: t0.elapsed().as_secs_f64(),
            cpu: cpu1 - cpu0,
            server_cpu: servers.cpu() - srv0,
            updates,
            csw: csw1 - csw0,
            frames,
        };
        drop(pollers);
        live
    });
    live.frames.sort();
    live
}

fn report(name: &str, endpoints: usize, budget_pct: f64, l: &Live) {
    let ok = |b: bool| if b { "PASS" } else { "MISS" };
    let p99 = l.frame_q(0.99);
    let max = l.frames.last().copied().unwrap_or_default();
    println!(
        "live/{name}: {endpoints} endpoints, {:.1} s measured: {:.0} samples/s, {:.0} frames/s, \
         {:.0} voluntary context switches/s",
        l.secs,
        l.updates as f64 / l.secs,
        l.frames.len() as f64 / l.secs,
        l.csw as f64 / l.secs
    );
    println!(
        "live/{name}: console CPU {:.2} % of one core (budget < {budget_pct} %): {}   [servers, not counted: {:.2} %]",
        l.pct(),
        ok(l.pct() < budget_pct),
        100.0 * l.server_cpu / l.secs
    );
    println!(
        "live/{name}: frame while polling: median {:.3} ms, p99 {:.3} ms, max {:.3} ms (budget < 16 ms): {}",
        l.frame_q(0.5).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        ok(p99 < Duration::from_millis(16))
    );
}

fn live(quick: bool) {
    raise_fd_limit();
    let secs = std::env::var("RELCON_BENCH_HEALTH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 2 } else { 20 });
    let (warmup, window) = (
        Duration::from_secs(if quick { 1 } else { 3 }),
        Duration::from_secs(secs),
    );
    let servers = Servers::start(1_000);
    let port = servers.ports.clone();
    let mut ratios = Vec::new();

    // Idle: 3 envs × 2 checks at 1 s, each check its own service.
    {
        let dir = tempfile::tempdir().unwrap();
        let text = config_text(&dir.path().join("ledger.db"), 3, 2, "1s", &|i| {
            format!("http://127.0.0.1:{}/health", port[i])
        });
        let (config, _ctx, mut app) = app_for(dir.path(), &text);
        let l = run_live(&config, &mut app, &servers, warmup, window);
        report("idle_3env_x_2checks_1s", 6, 1.0, &l);
    }
    // 1 000 endpoints (10 envs × 100) at 1 s, each on its own host:port
    // (the usual case: one service, one health URL). Dashboard shown.
    {
        let dir = tempfile::tempdir().unwrap();
        let text = config_text(&dir.path().join("ledger.db"), 10, 100, "1s", &|i| {
            format!("http://127.0.0.1:{}/health", port[i])
        });
        let (config, _ctx, mut app) = app_for(dir.path(), &text);
        let l = run_live(&config, &mut app, &servers, warmup, window);
        report("1000_endpoints_1000_hosts_1s", 1_000, 25.0, &l);
        let urls: Vec<String> = (0..1_000)
            .map(|i| format!("http://127.0.0.1:{}/health", port[i]))
            .collect();
        ratios.push(compare(
            "1 000 endpoints, 1 000 ports (dashboard)",
            &l,
            &urls,
            warmup,
            window,
        ));
    }
    // The same, the Health view (every endpoint's row) on screen.
    {
        let dir = tempfile::tempdir().unwrap();
        let text = config_text(&dir.path().join("ledger.db"), 10, 100, "1s", &|i| {
            format!("http://127.0.0.1:{}/health", port[i])
        });
        let (config, mut ctx, mut app) = app_for(dir.path(), &text);
        testing::press(&mut ctx, &mut app, &["4"]);
        assert_eq!(app.view, View::Health);
        let l = run_live(&config, &mut app, &servers, warmup, window);
        report("1000_endpoints_1000_hosts_1s_health_view", 1_000, 25.0, &l);
    }
    // 1 000 endpoints behind one host:port (/svc/N/health): the client
    // keeps as many idle connections as endpoints on one host (capped by
    // the poll concurrency), so polls reuse them.
    {
        let dir = tempfile::tempdir().unwrap();
        let text = config_text(&dir.path().join("ledger.db"), 10, 100, "1s", &|i| {
            format!("http://127.0.0.1:{}/svc/{i}/health", port[0])
        });
        let (config, _ctx, mut app) = app_for(dir.path(), &text);
        let l = run_live(&config, &mut app, &servers, warmup, window);
        report("1000_endpoints_1_host_1s", 1_000, 25.0, &l);
        let urls: Vec<String> = (0..1_000)
            .map(|i| format!("http://127.0.0.1:{}/svc/{i}/health", port[0]))
            .collect();
        ratios.push(compare(
            "1 000 endpoints, one host:port (dashboard)",
            &l,
            &urls,
            warmup,
            window,
        ));
    }
    write_report(&ratios, window);
}

/// The bare poller on the same URLs for the same window: a table row.
fn compare(what: &str, l: &Live, urls: &[String], warmup: Duration, window: Duration) -> String {
    let (bare_cpu, bare_rss) = measure_bare(urls, warmup, window);
    let ratio = l.pct() / bare_cpu.max(0.01);
    println!(
        "ratio: {what}: console loop {:.2} % vs bare reqwest poller {bare_cpu:.2} % of one core = {ratio:.2}× (goal ≤ 1.5×); bare poller peak RSS {bare_rss:.1} MB",
        l.pct()
    );
    format!(
        "| {what}: CPU | {:.2} % | bare reqwest poller (own process) | {bare_cpu:.2} % | **{ratio:.2}×** | ≤ 1.5× |\n",
        l.pct()
    )
}

fn write_report(rows: &[String], window: Duration) {
    let mut md = format!(
        "| measure ({} s at 1 Hz; relcon: pollers + app + frames, one thread) | relcon | bare baseline | baseline | ratio | goal |\n| --- | --- | --- | --- | --- | --- |\n",
        window.as_secs()
    );
    for r in rows {
        md.push_str(r);
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-report");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("health.md"), md);
}

// ---------------------------------------------------------------- frames

fn sample(i: usize, k: usize) -> Sample {
    let bad = (i + k) % 97 == 0;
    Sample {
        at: chrono::Utc::now(),
        state: if bad { State::Degraded } else { State::Healthy },
        reason: bad.then(|| "redis:responseTime warn".to_string()),
        latency_ms: Some(1 + ((i * 7 + k * 13) % 40) as u64),
        version: Some("1.0.0".into()),
        http_status: Some(200),
        checks: vec![SubCheck {
            name: "postgres:connections".into(),
            state: State::Healthy,
            detail: None,
        }],
    }
}

fn update(config: &Config, i: usize, k: usize) -> HealthUpdate {
    let env = &config.environments[i / 100];
    HealthUpdate::Check {
        env: env.name.clone(),
        check: env.health[i % 100].name.clone(),
        sample: sample(i, k),
    }
}

fn frames(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(&dir.path().join("ledger.db"), 10, 100, "1s", &|i| {
        format!("http://127.0.0.1:9/svc/{i}/health")
    });
    let (config, mut ctx, mut app) = app_for(dir.path(), &text);
    // A full board: every endpoint with a full history (HISTORY samples).
    for k in 0..relcon::health::board::HISTORY {
        for i in 0..1_000 {
            app.update(Msg::Health(update(&config, i, k)));
        }
    }
    let theme = Theme::default_dark();
    let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap();
    let mut g = c.benchmark_group("health_frame");
    g.sample_size(50)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("dashboard_1000_endpoints_160x48", |b| {
        b.iter(|| {
            term.draw(|f| relcon::tui::draw(f, &app, &theme)).unwrap();
        })
    });
    testing::press(&mut ctx, &mut app, &["4"]);
    assert_eq!(app.view, View::Health);
    g.bench_function("health_view_1000_endpoints_160x48", |b| {
        b.iter(|| {
            term.draw(|f| relcon::tui::draw(f, &app, &theme)).unwrap();
        })
    });
    g.finish();

    // One second's samples at 1 Hz into a full board.
    let batch: Vec<HealthUpdate> = (0..1_000).map(|i| update(&config, i, 7)).collect();
    let mut g = c.benchmark_group("health_board");
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    g.bench_function("apply_1000_samples", |b| {
        b.iter_batched(
            || batch.clone(),
            |batch| {
                for u in batch {
                    app.shared.health.apply(u);
                }
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

// ---------------------------------------------------------------- main

fn main() {
    if let Some(n) = std::env::var(SERVE_ENV).ok().and_then(|n| n.parse().ok()) {
        serve(n);
        return;
    }
    if let Ok(list) = std::env::var(BARE_ENV) {
        bare_poll(&list);
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Without --bench (cargo test --benches), everything runs once, briefly.
    let quick = !args.iter().any(|a| a == "--bench");
    let filter: Option<&String> = args.iter().find(|a| !a.starts_with('-'));
    let wants = |name: &str| filter.is_none_or(|f| name.contains(f.as_str()));
    let mut c = Criterion::default().configure_from_args();
    if wants("health_frame/") || wants("health_board/") {
        frames(&mut c);
    }
    c.final_summary();
    if wants("live/") {
        live(quick);
    }
}
