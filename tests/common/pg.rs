//! PostgreSQL for the integration tests: the server named by
//! `RELCON_TEST_PG`, and a database of its own for each sandbox (created,
//! `relcon ledger init`-ed, dropped with the sandbox).
//!
//! Without `RELCON_TEST_PG`, PostgreSQL variants skip with one message per
//! test binary — unless `CI` is set (and not `false`/`0`): then they fail,
//! so a CI machine without its server never passes by skipping.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;
use std::time::{SystemTime, UNIX_EPOCH};

use relcon::config::{Identity, LedgerConfig, LedgerLocation, DEFAULT_LEASE_TTL};

pub const SKIP: &str =
    "PostgreSQL tests skipped: set RELCON_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres to run them";

/// Names of test databases start with this (and the test process's pid).
pub const PREFIX: &str = "relcon_t_";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        !v.is_empty() && v != "false" && v != "0"
    })
}

/// The server URL, or `None` (after the one skip message) when PostgreSQL
/// tests should skip. Panics under CI without a server.
pub fn server() -> Option<String> {
    static SKIPPED: Once = Once::new();
    match std::env::var("RELCON_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().to_string()),
        _ if in_ci() => panic!(
            "RELCON_TEST_PG is not set, and under CI the PostgreSQL tests must run (e.g. RELCON_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres)"
        ),
        _ => {
            // Straight to fd 2: the test harness captures `eprintln!` of passing tests.
            SKIPPED.call_once(|| {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "{SKIP}");
            });
            None
        }
    }
}

/// `url` with its database replaced by `db` (query parameters kept).
pub fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{db}{query}")
}

/// A plain client as the server's user (trust auth; the `relcon` schema
/// first on the search path).
pub fn client(url: &str) -> postgres::Client {
    let mut cfg = postgres::Config::from_str(url).unwrap_or_else(|e| panic!("RELCON_TEST_PG {url}: {e}"));
    cfg.ssl_mode(postgres::config::SslMode::Disable)
        .application_name("relcon-test")
        .options("-c search_path=relcon,public");
    cfg.connect(postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect to the test server {url}: {e}"))
}

/// The `[ledger]` of a PostgreSQL sandbox at `url`.
pub fn ledger_config(url: &str) -> LedgerConfig {
    LedgerConfig {
        location: LedgerLocation::Postgres(url.to_string()),
        password_env: None,
        identity: Identity::User,
        lease_ttl: DEFAULT_LEASE_TTL,
    }
}

/// A database of its own on the test server; dropped on drop.
pub struct TestDb {
    server: String,
    pub name: String,
    /// The database's URL (no password: the test server trusts loopback).
    pub url: String,
}

impl TestDb {
    /// An empty database, no relcon schema yet.
    pub fn create_empty(server: &str) -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        static SWEEP: Once = Once::new();
        let mut admin = client(server);
        SWEEP.call_once(|| sweep(server, &mut admin));
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "{PREFIX}{}_{}_{:05x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos & 0xfffff
        );
        // A natural-language collation, as team servers often have, so that
        // anything relying on the database's text order shows up as a
        // difference from SQLite's byte order. (C where ICU is missing.)
        let icu = format!("CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'");
        if admin.batch_execute(&icu).is_err() {
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        }
        TestDb {
            url: with_db(server, &name),
            server: server.to_string(),
            name,
        }
    }

    /// A database with the relcon schema, as `relcon ledger init` leaves it.
    pub fn create(server: &str) -> TestDb {
        let db = TestDb::create_empty(server);
        relcon::ledger::postgres::init::init(&db.url, &ledger_config(&db.url), &[])
            .unwrap_or_else(|e| panic!("ledger init on {}: {e}", db.url));
        db
    }

    /// A superuser connection to this database.
    pub fn client(&self) -> postgres::Client {
        client(&self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let mut admin = client(&self.server);
        if let Err(e) = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// Drop test databases and roles left behind by test processes that died (killed
/// before their sandboxes were dropped). Only on a loopback server, where a
/// pid in the name is a pid on this machine.
fn sweep(server: &str, admin: &mut postgres::Client) {
    let loopback = ["@127.0.0.1", "@localhost", "@[::1]", "://127.0.0.1", "://localhost"]
        .iter()
        .any(|h| server.contains(h));
    if !loopback {
        return;
    }
    let dead = |name: &str, prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.split('_').next())
            .and_then(|p| p.parse::<i32>().ok())
            .is_some_and(|p| p as u32 != std::process::id() && !super::process_alive(p))
    };
    // Databases first: a role cannot be dropped while one grants it something.
    for (list, prefix, drop) in [
        (
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'relcon\\_t\\_%'",
            PREFIX.to_string(),
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        ),
        (
            "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'relcon\\_t\\_role\\_%'",
            format!("{PREFIX}role_"),
            "DROP ROLE IF EXISTS {}",
        ),
    ] {
        let Ok(rows) = admin.query(list, &[]) else { return };
        for row in rows {
            let name: String = row.get(0);
            if dead(&name, &prefix) {
                let _ = admin.batch_execute(&drop.replace("{}", &name));
            }
        }
    }
}

/// `url` with its user replaced by `user` (no password).
pub fn with_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let host = match rest.split_once('/') {
        Some((auth, tail)) => format!("{}/{tail}", auth.rsplit_once('@').map_or(auth, |(_, h)| h)),
        None => rest.rsplit_once('@').map_or(rest, |(_, h)| h).to_string(),
    };
    format!("{scheme}://{user}@{host}")
}

/// A login role on the test server, dropped on drop (declare it before the
/// sandboxes whose databases grant it something, so they go first).
pub struct TestRole {
    server: String,
    pub name: String,
}

impl TestRole {
    pub fn create(server: &str) -> TestRole {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "{PREFIX}role_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        client(server)
            .batch_execute(&format!("DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN"))
            .unwrap_or_else(|e| panic!("CREATE ROLE {name}: {e}"));
        TestRole {
            server: server.to_string(),
            name,
        }
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        if let Err(e) = client(&self.server).batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name)) {
            eprintln!("could not drop test role {}: {e}", self.name);
        }
    }
}
