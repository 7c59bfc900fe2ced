//! Large ledgers for the benches, generated through the real store API
//! (`Store::transact`, many events per transaction) and cached under
//! `target/bench-ledgers/`, so each is built once.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Duration, Utc};
use relcon::config::Config;
use relcon::domain::Action;
use relcon::ledger::bodies::{ApprovalGranted, BuildRegistered, DeploymentFinished, DeploymentStarted};
use relcon::ledger::{kind, NewEvent, SqliteStore, Store};

/// Bump when the generated history changes shape, to rebuild cached ledgers.
const GEN_VERSION: &str = "relcon-bench-ledger v1";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Environments e0 → e1 → … (a chain).
    pub envs: usize,
    /// Stop once at least this many events are written (0: an empty ledger).
    pub events: u64,
    /// Deploy only into e0 (a 100 000-release history), else walk the chain.
    pub hot_first_env: bool,
    /// A week between batches of 20 000 events (1M events: about a year,
    /// ending about now), else 7 minutes (a year ago): a window of days
    /// then holds the same events however long the history before it.
    pub spread: bool,
    /// Feature flags defined in the config (no ledger events).
    pub flags: usize,
}

pub struct BenchLedger {
    pub name: String,
    pub db: PathBuf,
    pub config_path: PathBuf,
    pub config: Config,
    pub events: u64,
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-ledgers")
}

pub fn config_text(spec: &Spec, db: &Path) -> String {
    let mut s = format!(
        "[project]\nname = \"bench\"\n\n[ledger]\nurl = \"sqlite:{}\"\n",
        db.display()
    );
    for i in 0..spec.envs {
        s.push_str(&format!(
            "\n[[environment]]\nname = \"e{i}\"\nurl = \"https://e{i}.example.com\"\ndeploy = \"true\"\n"
        ));
        if i > 0 {
            s.push_str(&format!("promote_from = \"e{}\"\n", i - 1));
        }
        if i + 1 == spec.envs && i > 0 {
            s.push_str("protected = true\napprovals = 1\nchecklists = { before = [\"pre\"], after = [\"post\"] }\n");
        }
    }
    s.push_str(
        "\n[checklist.pre]\nitems = [\"All tests pass\", \"Code review completed\", \"Rollback plan prepared\"]\n",
    );
    s.push_str("\n[checklist.post]\nitems = [\"Verify critical user flows\", \"Monitor error rates\"]\n");
    for f in 0..spec.flags {
        s.push_str(&format!(
            "\n[flag.flag_{f:03}]\ndescription = \"bench flag {f}\"\nenv.e0 = {{ enabled = true, rollout = {} }}\n",
            f % 101
        ));
    }
    s
}

/// The cached ledger for `spec`, generating it on first use.
pub fn ledger(spec: Spec) -> BenchLedger {
    let dir = root();
    std::fs::create_dir_all(&dir).expect("create target/bench-ledgers");
    let name = format!(
        "{}e-{}ev{}-{}f{}",
        spec.envs,
        spec.events,
        if spec.hot_first_env { "-hot" } else { "" },
        spec.flags,
        if spec.spread { "-spread" } else { "" }
    );
    let db = dir.join(format!("{name}.db"));
    let marker = dir.join(format!("{name}.done"));
    let config_path = dir.join(format!("{name}.toml"));
    std::fs::write(&config_path, config_text(&spec, &db)).unwrap();
    let config = Config::load(&config_path).unwrap_or_else(|e| panic!("bench config: {e}"));
    let fresh = std::fs::read_to_string(&marker)
        .map(|m| m == GEN_VERSION)
        .unwrap_or(false);
    if !fresh {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let t0 = Instant::now();
        let n = generate(&db, &spec);
        eprintln!("generated {name}: {n} events in {:.1?}", t0.elapsed());
        std::fs::write(&marker, GEN_VERSION).unwrap();
    }
    let events = SqliteStore::open(&db).unwrap().head_seq().unwrap();
    BenchLedger {
        name,
        db,
        config_path,
        config,
        events,
    }
}

fn generate(db: &Path, spec: &Spec) -> u64 {
    let mut store = SqliteStore::open(db).expect("open bench ledger");
    // Generation only: skip fsync per commit (the benches reopen with FULL).
    store.connection().pragma_update(None, "synchronous", "OFF").unwrap();
    let mut written = 0u64;
    let mut numbers = vec![0u64; spec.envs];
    let mut build = 0u64;
    let step = if spec.spread {
        Duration::weeks(1)
    } else {
        Duration::minutes(7)
    };
    let mut at = if spec.spread {
        Utc::now() - step * (spec.events / 20_000) as i32
    } else {
        Utc::now() - Duration::days(365)
    };
    let mut pending: Vec<NewEvent> = Vec::new();
    let mut deployments = 0u64;
    while written < spec.events {
        build += 1;
        let version = format!("1.{}.{}", build / 100, build % 100);
        let commit = format!("{:040x}", build.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        pending.push(NewEvent::new(
            kind::BUILD_REGISTERED,
            None,
            BuildRegistered {
                version: version.clone(),
                commit: commit.clone(),
                artifact: Some(format!("registry.example.com/bench@sha256:{build:064x}")),
                notes: None,
                commit_time: None,
            },
        ));
        written += 1;
        // Each build goes once through the whole chain; hot: ten times into
        // e0, and every tenth build through the rest of the chain.
        let targets: Vec<usize> = if spec.hot_first_env {
            let rest = if build % 10 == 0 { 1..spec.envs } else { 0..0 };
            std::iter::repeat_n(0, 10).chain(rest).collect()
        } else {
            (0..spec.envs).collect()
        };
        for env_i in targets {
            if written >= spec.events {
                break;
            }
            let env = format!("e{env_i}");
            numbers[env_i] += 1;
            let number = numbers[env_i];
            deployments += 1;
            let action = if env_i == 0 { Action::Deploy } else { Action::Promote };
            if env_i + 1 == spec.envs && env_i > 0 {
                pending.push(NewEvent::new(
                    kind::APPROVAL_GRANTED,
                    Some(&env),
                    ApprovalGranted {
                        version: version.clone(),
                        note: None,
                    },
                ));
                written += 1;
            }
            pending.push(NewEvent::new(
                kind::DEPLOYMENT_STARTED,
                Some(&env),
                DeploymentStarted {
                    number,
                    version: version.clone(),
                    commit: commit.clone(),
                    artifact: None,
                    action,
                    from_env: (env_i > 0).then(|| format!("e{}", env_i - 1)),
                    target_release: None,
                    reason: None,
                    pid: None,
                    host: None,
                    steps: vec![],
                },
            ));
            let failed = deployments % 17 == 0;
            pending.push(NewEvent::new(
                if failed {
                    kind::DEPLOYMENT_FAILED
                } else {
                    kind::DEPLOYMENT_SUCCEEDED
                },
                Some(&env),
                DeploymentFinished {
                    number,
                    error: failed.then(|| "exit code 1".to_string()),
                    output: Some(format!("deploying {version} to {env}\ndone\n")),
                    duration_ms: Some(1200 + deployments % 900),
                    resolved: false,
                    reason: None,
                },
            ));
            written += 2;
        }
        if pending.len() >= 20_000 || written >= spec.events {
            flush(&mut store, &mut pending, at);
            at += step;
        }
    }
    flush(&mut store, &mut pending, at);
    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    store.head_seq().unwrap()
}

fn flush(store: &mut SqliteStore, pending: &mut Vec<NewEvent>, at: chrono::DateTime<Utc>) {
    if pending.is_empty() {
        return;
    }
    let mut batch = Some(std::mem::take(pending));
    store
        .transact(at, "bench-gen", &mut |_| Ok(batch.take().unwrap_or_default()))
        .expect("append batch");
}

/// The ledgers the start-up budgets compare: empty and 1k (3 envs), empty
/// with 20 envs (the fair baseline for the 1M ledger), and 1M events (20 envs).
pub fn startup_ledgers() -> Vec<(&'static str, BenchLedger)> {
    let spec = |envs, events| Spec {
        envs,
        events,
        hot_first_env: false,
        spread: false,
        flags: 0,
    };
    vec![
        ("empty", ledger(spec(3, 0))),
        ("1k", ledger(spec(3, 1_000))),
        ("empty-20envs", ledger(spec(20, 0))),
        ("1M", ledger(spec(20, 1_000_000))),
    ]
}
