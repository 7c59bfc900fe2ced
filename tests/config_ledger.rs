//! `[ledger]` (DESIGN §11): where the ledger lives, how the database
//! password arrives (never in the file, never echoed), who the actor is,
//! and how long a silent deployment keeps its environment. Errors name
//! file:line:col like every other key.

use std::path::Path;
use std::time::Duration;

use relcon::config::{Config, Identity, LedgerLocation};

const FILE: &str = "/srv/shop/relcon.toml";

fn src(ledger: &str) -> String {
    format!("[project]\nname = \"shop\"\n\n[ledger]\n{ledger}\n\n[[environment]]\nname = \"dev\"\n")
}

#[track_caller]
fn err_at(ledger: &str, line: usize, col: usize, expect: &[&str]) -> String {
    let e = match Config::parse(Path::new(FILE), &src(ledger)) {
        Ok(_) => panic!("should be rejected: {ledger}"),
        Err(e) => e,
    };
    let text = e.to_string();
    assert_eq!((e.line, e.column), (line, col), "{text}");
    for f in expect {
        assert!(text.contains(f), "expected {f:?} in:\n{text}");
    }
    text
}

#[test]
fn a_postgres_ledger_with_its_options() {
    let c = Config::parse(
        Path::new(FILE),
        &src("url = \"postgres://relcon@db.internal:5432/releases?sslmode=verify-full\"\npassword_env = \"RELCON_DB_PASSWORD\"\nidentity = \"database\"\nlease_ttl = \"45s\""),
    )
    .unwrap();
    assert_eq!(
        c.ledger.location,
        LedgerLocation::Postgres("postgres://relcon@db.internal:5432/releases?sslmode=verify-full".into())
    );
    assert_eq!(c.ledger.password_env.as_deref(), Some("RELCON_DB_PASSWORD"));
    assert_eq!(c.ledger.identity, Identity::Database);
    assert_eq!(c.ledger.lease_ttl, Duration::from_secs(45));
    assert!(
        c.redact.contains(&"RELCON_DB_PASSWORD".to_string()),
        "the password is redacted from hook output like any secret"
    );
    let d = Config::parse(Path::new(FILE), &src("")).unwrap();
    assert_eq!(
        d.ledger.location,
        LedgerLocation::Sqlite("/srv/shop/.relcon/ledger.db".into())
    );
    assert_eq!(d.ledger.lease_ttl, Duration::from_secs(30));
    assert_eq!(d.ledger.identity, Identity::User);
}

#[test]
fn a_password_in_the_file_is_refused_and_never_echoed() {
    let text = err_at(
        "url = \"postgres://relcon:hunter2@db.internal/releases\"",
        5,
        7,
        &["holds a password", "password_env"],
    );
    assert!(!text.contains("hunter2"), "the error shows the password:\n{text}");
    assert!(text.contains("relcon:***@db.internal"), "{text}");
}

#[test]
fn bad_ledger_keys_name_their_position() {
    err_at("url = \"mysql://db/releases\"", 5, 7, &["not supported", "postgres://"]);
    err_at("url = \"sqlite:\"", 5, 7, &["needs a path"]);
    err_at("identity = \"database\"", 5, 12, &["needs a PostgreSQL ledger"]);
    err_at("identity = \"ldap\"", 5, 12, &["expected \"user\" or \"database\""]);
    err_at(
        "url = \"postgres://db/r\"\nlease_ttl = \"500ms\"",
        6,
        13,
        &["at least 2s"],
    );
    err_at(
        "url = \"postgres://db/r\"\npassword_env = \"my password\"",
        6,
        16,
        &["name of an environment variable"],
    );
    err_at("uri = \"sqlite:x.db\"", 5, 1, &["unknown field", "uri"]);
}
