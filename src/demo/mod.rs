//! `relcon demo`: a living release console from nothing but the binary —
//! a temporary folder with a config, a month of seeded history, real deploy
//! hooks, and one health service per environment on loopback.

mod files;
pub mod folder;
mod repo;
mod rollout;
mod seed;
mod seed_data;
mod seeder;
mod service;

use std::path::{Path, PathBuf};

use crate::cli::Cli;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ledger::SqliteStore;

pub use files::config as config_text;
pub use seed::{commit_of, seed, VERSIONS};

const ENVS: [&str; 3] = ["dev", "staging", "prod"];

/// A prepared demo folder with its services running (or, when another
/// demo runs the folder, joined: its services and config are that demo's).
pub struct Demo {
    pub dir: PathBuf,
    pub config_path: PathBuf,
    pub ports: Vec<u16>,
    /// Another demo runs this folder; this one only opens a console on it.
    pub joined: bool,
    /// Keeps the services alive; dropping it stops them (None when joined).
    _services: Option<tokio::runtime::Runtime>,
    /// Held while this demo runs the folder, so a second one joins it.
    _owner: Option<folder::OwnerLock>,
    temporary: bool,
}

impl Drop for Demo {
    fn drop(&mut self) {
        if self.temporary && !self.joined {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Create (or reuse) the demo folder, start the services, write the config
/// and hooks, and seed the ledger on first use. A folder holding files the
/// demo did not write is refused (exit 2); a folder another demo is running
/// is joined, and nothing in it is written.
pub fn prepare(keep: Option<&Path>) -> Result<Demo> {
    let (dir, temporary) = match keep {
        Some(d) => (d.to_path_buf(), false),
        None => {
            // Unique per call, so two demos in one process never share a folder.
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (
                std::env::temp_dir().join(format!("relcon-demo-{}-{n}", std::process::id())),
                true,
            )
        }
    };
    let io = |e: std::io::Error| Error::runtime(format!("demo folder {}: {e}", dir.display()));
    let config_path = dir.join("relcon.toml");
    if !dir.exists() {
        std::fs::create_dir_all(&dir).map_err(io)?;
    } else if !dir.join(folder::LOCK).exists() {
        // Never a demo's: refuse a foreign folder before leaving a lock
        // file in it. (With a lock file, the check runs under the lock, or
        // a joining demo checks the running one's marker.)
        folder::check_ours(&dir)?;
    }
    let owner = match folder::claim(&dir, std::time::Duration::from_secs(30))? {
        folder::Claim::Join(m) => {
            return Ok(Demo {
                dir,
                config_path,
                ports: m.ports,
                joined: true,
                _services: None,
                _owner: None,
                temporary,
            })
        }
        folder::Claim::Owner(lock) => lock,
    };
    // Ours now: check again under the lock (nobody can be writing it).
    folder::check_ours(&dir)?;
    std::fs::create_dir_all(dir.join("hooks")).map_err(io)?;
    std::fs::create_dir_all(dir.join("services")).map_err(io)?;
    let envs: Vec<String> = ENVS.iter().map(|s| s.to_string()).collect();
    let (ports, services) = service::start(dir.join("services"), &envs).map_err(io)?;
    let now = chrono::Utc::now();
    // A real git repository whose release commits are the builds' commits.
    let commits = repo::commits(&dir);
    let mut config_text = files::config(&ports, now);
    if commits.is_some() {
        config_text = config_text.replacen(
            "name = \"customer-portal\"\n",
            "name = \"customer-portal\"\nrepo = \"repo\"\n",
            1,
        );
    }
    std::fs::write(&config_path, &config_text).map_err(io)?;
    for (name, text) in [
        ("deploy.sh", files::DEPLOY_SH),
        ("migrate.sh", files::MIGRATE_SH),
        ("smoke.sh", files::SMOKE_SH),
        ("fault.sh", files::FAULT_SH),
    ] {
        std::fs::write(dir.join("hooks").join(name), text).map_err(io)?;
    }
    let config = Config::load(&config_path)?;
    let ledger = match &config.ledger.location {
        crate::config::LedgerLocation::Sqlite(p) => p.clone(),
        crate::config::LedgerLocation::Postgres(_) => {
            return Err(Error::usage(
                "the demo keeps its ledger in SQLite; unset RELCON_LEDGER_URL",
            ))
        }
    };
    let fresh = !ledger.exists();
    let mut store = SqliteStore::open(&ledger)?;
    if fresh {
        seed::seed_with(&mut store, now, commits)?;
        // What each service runs matches the ledger at the start.
        for env in ENVS {
            if let Some(r) = crate::ledger::Store::view(&store).current_release(env)? {
                std::fs::write(dir.join("services").join(format!("{env}.version")), r.version).map_err(io)?;
            }
        }
        let mut ctx = crate::ops::Ctx::open(config, "relcon-demo".into(), crate::ops::system_clock())?;
        crate::ops::exports::write_all(&ctx)?;
        rollout::start(&mut ctx)?;
    }
    // Last: a joining demo trusts the folder once the marker names us.
    folder::write_marker(&dir, &config_text, &ports)?;
    Ok(Demo {
        dir,
        config_path,
        ports,
        joined: false,
        _services: Some(services),
        _owner: Some(owner),
        temporary,
    })
}

pub fn main(cli: &Cli, keep: Option<&Path>, print_config: bool) -> i32 {
    if print_config {
        print!("{}", files::config(&[8081, 8082, 8083], chrono::Utc::now()));
        return 0;
    }
    if cli.read_only {
        eprintln!("error: the demo writes its sandbox (config, ledger, services), and this relcon is read-only (--read-only or RELCON_READ_ONLY): nothing was done");
        return 2;
    }
    let demo = match prepare(keep) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot start the demo: {e}");
            return e.exit_code();
        }
    };
    let inner = Cli {
        config: Some(demo.config_path.clone()),
        theme: cli.theme.clone(),
        read_only: cli.read_only,
        command: None,
    };
    if demo.joined {
        eprintln!(
            "joining the demo already running in {} (services on ports {:?}): its services and config are left alone",
            demo.dir.display(),
            demo.ports
        );
    }
    let code = crate::tui::main(&inner);
    if keep.is_some() && !demo.joined {
        eprintln!("demo kept in {} — run it again with `relcon demo --keep {}`, or `relcon --config {}` for the plain console", demo.dir.display(), demo.dir.display(), demo.config_path.display());
    }
    drop(demo);
    code
}
