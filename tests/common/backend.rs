//! One suite for both stores: `both_stores!` writes a test once and runs
//! it on SQLite and on PostgreSQL, and a sandbox on either store offers
//! the same SQL helpers (for tests that look at, or tamper with, the
//! database behind relcon's back).

use std::time::Duration;

use super::pg::{self, TestDb};
use super::Sandbox;

/// Where a sandbox's ledger lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// PostgreSQL when the test server is configured; `None` means skip
    /// (and fails under CI, see `pg::server`).
    pub fn postgres() -> Option<Backend> {
        pg::server().map(|_| Backend::Postgres)
    }
}

/// `both_stores!(name, …)`: for each test body `fn name(b: Backend)`, a
/// module `name` with two tests, `name::sqlite` and `name::postgres`. A
/// body left out of the list is dead code, which the lint wall refuses.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite)
                }

                #[test]
                fn postgres() {
                    if let Some(b) = $crate::common::Backend::postgres() {
                        super::$name(b)
                    }
                }
            }
        )+
    };
}

impl Sandbox {
    /// A folder holding `relcon.toml`, its ledger on `backend`: with
    /// PostgreSQL, a fresh database of its own (dropped with the sandbox)
    /// that every helper — the binary's runs, `config`, `ctx`, `store` —
    /// uses through `RELCON_LEDGER_URL` or the loaded config.
    pub fn on(backend: Backend, config: &str) -> Sandbox {
        let mut sb = Sandbox::new(config);
        if backend == Backend::Postgres {
            let server = pg::server().expect("PostgreSQL backend without RELCON_TEST_PG");
            sb.pg = Some(TestDb::create(&server));
        }
        sb
    }

    /// A sandbox whose ledger is the PostgreSQL database `db` (in whatever
    /// state the test left it: no schema, a newer schema, …).
    pub fn with_db(config: &str, db: TestDb) -> Sandbox {
        let mut sb = Sandbox::new(config);
        sb.pg = Some(db);
        sb
    }

    pub fn backend(&self) -> Backend {
        if self.pg.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The PostgreSQL ledger's URL, if this sandbox has one.
    pub fn ledger_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|d| d.url.as_str())
    }

    /// Where `audit` and errors say the ledger is: the SQLite path or the
    /// server URL (`postgres://user@host:port/db`).
    pub fn ledger_location(&self) -> String {
        match &self.pg {
            Some(d) => d.url.clone(),
            None => self.ledger_path().display().to_string(),
        }
    }

    /// A superuser connection to this sandbox's PostgreSQL database.
    pub fn pg(&self) -> postgres::Client {
        self.pg
            .as_ref()
            .expect("pg(): this sandbox's ledger is SQLite")
            .client()
    }

    /// The ledger, opened in this process.
    pub fn store(&self) -> Box<dyn relcon::ledger::Store> {
        relcon::ledger::open(&self.config()).unwrap_or_else(|e| panic!("open ledger: {e}"))
    }

    /// Run one SQL statement on the ledger's database; rows affected.
    pub fn sql(&self, sql: &str) -> u64 {
        match &self.pg {
            Some(d) => d.client().execute(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")),
            None => self.db().execute(sql, []).unwrap_or_else(|e| panic!("{sql}: {e}")) as u64,
        }
    }

    /// Like `sql`, as someone with full power over the database: on
    /// PostgreSQL a superuser with triggers off (`session_replication_role
    /// = replica`), i.e. past relcon's append-only guard.
    pub fn tamper(&self, sql: &str) -> u64 {
        match &self.pg {
            Some(d) => {
                let mut c = d.client();
                c.batch_execute("SET session_replication_role = replica")
                    .expect("superuser");
                c.execute(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            None => self.sql(sql),
        }
    }

    /// One bigint (e.g. `SELECT COUNT(*) …`).
    pub fn query_i64(&self, sql: &str) -> i64 {
        match &self.pg {
            Some(d) => d
                .client()
                .query_one(sql, &[])
                .and_then(|r| r.try_get::<_, i64>(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            None => self
                .db()
                .query_row(sql, [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// The first column of every row, as bigints.
    pub fn query_i64s(&self, sql: &str) -> Vec<i64> {
        match &self.pg {
            Some(d) => d
                .client()
                .query(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|r| r.get(0))
                .collect(),
            None => {
                let db = self.db();
                let mut st = db.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let rows = st.query_map([], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.map(|r| r.expect("row")).collect()
            }
        }
    }

    /// One text value (`None` for NULL).
    pub fn query_text(&self, sql: &str) -> Option<String> {
        match &self.pg {
            Some(d) => d
                .client()
                .query_one(sql, &[])
                .and_then(|r| r.try_get::<_, Option<String>>(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            None => self
                .db()
                .query_row(sql, [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// Poll a count until it reaches `at_least` (or `timeout`).
    pub fn wait_count(&self, sql: &str, at_least: i64, timeout: Duration) -> bool {
        super::wait_until(timeout, || self.query_i64(sql) >= at_least)
    }
}

/// `s` as an SQL string literal (both dialects: standard quoting).
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
