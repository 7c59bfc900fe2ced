//! Reaching the PostgreSQL ledger (DESIGN §11): an unreachable server is a
//! runtime error naming it (never a queued write), TLS modes behave like
//! libpq's, and `password_env` is required when named and never shown.

mod common;

use std::net::{TcpListener, ToSocketAddrs};

use common::pg::{self, TestRole};
use common::{lit, pipeline_config, Backend, Sandbox};
use relcon::ledger::Store;

fn simple() -> String {
    pipeline_config("\"true\"", "", "")
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn an_unreachable_server_fails_every_command_naming_it() {
    // No server needed: the point is that there is none.
    let url = format!("postgres://relcon@127.0.0.1:{}/releases", closed_port());
    let sb = Sandbox::new(&format!("{}\n[ledger]\nurl = \"{url}\"\n", simple()));
    for args in [
        &["status"][..],
        &["release", "register", "1.0", "--commit", "c"],
        &["audit", "verify"],
        &["approve", "dev", "1.0"],
    ] {
        let r = sb.run(args).code(1);
        assert!(
            r.stderr.contains(&format!("ledger server {url} is unreachable (")),
            "{args:?} must name the server and say it is unreachable:\n{r}"
        );
        let mut json = args.to_vec();
        json.push("--json");
        let j = sb.run(&json).code(1).json();
        assert_eq!(j["exit_code"], 1, "{j}");
        assert!(j["error"].as_str().is_some_and(|e| e.contains(&url)), "{j}");
    }
}

#[test]
fn a_missing_database_says_what_to_do_in_the_servers_words_once() {
    let Some(server) = pg::server() else { return };
    let url = pg::with_db(&server, "relcon_no_such_database");
    let sb = Sandbox::new(&format!("{}\n[ledger]\nurl = \"{url}\"\n", simple()));
    let r = sb.run(&["status"]).code(1);
    let said = "database \"relcon_no_such_database\" does not exist — create it, then run `relcon ledger init` there";
    assert!(r.stderr.contains(said) && r.stderr.contains(&url), "{r}");
    assert_eq!(r.stderr.matches("does not exist").count(), 1, "said once: {r}");
}

#[test]
fn a_write_refused_while_the_server_is_away_is_never_replayed() {
    let Some(b) = Backend::postgres() else { return };
    let sb = Sandbox::on(b, &simple());
    sb.register("1.0", "c1");
    let away = format!("postgres://postgres@127.0.0.1:{}/gone", closed_port());
    let r = sb
        .run_env(
            &[("RELCON_LEDGER_URL", &away)],
            &["release", "register", "2.0", "--commit", "c2"],
        )
        .code(1);
    assert!(r.stderr.contains(&away), "{r}");
    // Back on the real server: only what was acknowledged is there.
    sb.register("3.0", "c3");
    assert_eq!(sb.query_i64("SELECT COUNT(*) FROM builds WHERE version = '2.0'"), 0);
    assert_eq!(sb.query_i64("SELECT COUNT(*) FROM events"), 2);
}

/// Whether the store's own session is encrypted (asked of the server).
fn session_ssl(store: &dyn Store) -> bool {
    let rows = store
        .db()
        .query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .expect("pg_stat_ssl");
    rows.first().expect("a row").int(0).expect("bool") == 1
}

/// The DNS name in the server certificate's subjectAltName (via openssl).
fn cert_dns_name(cert: &str) -> Option<String> {
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName", "-in", cert])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let name = text.split("DNS:").nth(1)?;
    Some(name.split([',', '\n']).next()?.trim().to_string())
}

#[test]
fn tls_modes_connect_encrypt_and_check_the_name_like_libpq() {
    let Some(b) = Backend::postgres() else { return };
    let sb = Sandbox::on(b, &simple());
    if sb.query_text("SELECT current_setting('ssl')").as_deref() != Some("on") {
        eprintln!("TLS cases skipped: the test server has ssl off");
        return;
    }
    let cert = sb.query_text("SELECT current_setting('ssl_cert_file')").unwrap();
    let url = sb.ledger_url().unwrap().to_string();
    let open = |u: &str| relcon::ledger::open_ledger(&pg::ledger_config(u));

    assert!(!session_ssl(open(&format!("{url}?sslmode=disable")).unwrap().as_ref()));
    assert!(session_ssl(open(&format!("{url}?sslmode=require")).unwrap().as_ref()));
    assert!(session_ssl(open(&format!("{url}?sslmode=prefer")).unwrap().as_ref()));
    // verify-ca: the chain must reach the given root; the name is not checked.
    let root = format!("sslrootcert={cert}");
    assert!(session_ssl(
        open(&format!("{url}?sslmode=verify-ca&{root}")).unwrap().as_ref()
    ));

    // verify-full against 127.0.0.1, which the certificate does not name.
    let full = format!("{url}?sslmode=verify-full&{root}");
    let e = open(&full).err().expect("a name mismatch must not connect").to_string();
    assert!(e.contains("not valid for name") && e.contains(&url), "{e}");
    // The CLI says the same, exit 1.
    let r = sb.run_env(&[("RELCON_LEDGER_URL", &full)], &["status"]).code(1);
    assert!(
        r.stderr.contains("TLS") && r.stderr.contains("not valid for name"),
        "{r}"
    );
    // …and without a root that signed it, not even the chain is trusted.
    let e = open(&format!("{url}?sslmode=verify-full"))
        .err()
        .expect("unknown issuer");
    assert!(e.to_string().contains("UnknownIssuer"), "{e}");

    // verify-full against the name the certificate carries.
    let Some(name) = cert_dns_name(&cert) else {
        eprintln!("verify-full by name skipped: openssl could not read {cert}");
        return;
    };
    let loopback = (name.as_str(), 5432)
        .to_socket_addrs()
        .is_ok_and(|mut a| a.all(|a| a.ip().is_loopback()));
    if !loopback {
        eprintln!(
            "verify-full by name skipped: the certificate names {name:?}, which does not resolve to loopback only"
        );
        return;
    }
    let by_name = full.replacen("@127.0.0.1:", &format!("@{name}:"), 1);
    assert!(session_ssl(open(&by_name).unwrap().as_ref()), "{by_name}");
    sb.run_env(&[("RELCON_LEDGER_URL", &by_name)], &["status"]).ok();
}

#[test]
fn password_env_is_required_when_named_and_the_password_is_never_shown() {
    let Some(server) = pg::server() else { return };
    let role = TestRole::create(&server);
    let secret = format!("pw-{}-{}", std::process::id(), closed_port());
    pg::client(&server)
        .batch_execute(&format!("ALTER ROLE {} PASSWORD {}", role.name, lit(&secret)))
        .unwrap();
    const VAR: &str = "RELCON_TEST_DB_PASSWORD_UNSET_ELSEWHERE";
    let sb = Sandbox::on(
        Backend::Postgres,
        &format!("{}\n[ledger]\npassword_env = \"{VAR}\"\n", simple()),
    );
    let as_role = pg::with_user(sb.ledger_url().unwrap(), &role.name);

    // Named but not set: a usage error naming the variable, before any connection.
    for args in [&["status"][..], &["release", "register", "1.0", "--commit", "c"]] {
        let r = sb.run_env(&[("RELCON_LEDGER_URL", &as_role)], args).code(2);
        assert!(r.stderr.contains(VAR) && r.stderr.contains("password_env"), "{r}");
    }
    let j = sb
        .run_env(&[("RELCON_LEDGER_URL", &as_role)], &["status", "--json"])
        .code(2)
        .json();
    assert!(j["error"].as_str().is_some_and(|e| e.contains(VAR)), "{j}");

    // Set: everything works and the password appears nowhere.
    let with_pw = |url: &str| vec![("RELCON_LEDGER_URL", url.to_string()), (VAR, secret.clone())];
    let run = |env: &[(&str, String)], args: &[&str]| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = sb.run_env(&env, args);
        assert!(
            !r.stdout.contains(&secret) && !r.stderr.contains(&secret),
            "{args:?} shows the password:\n{r}"
        );
        r
    };
    run(
        &with_pw(sb.ledger_url().unwrap()),
        &["ledger", "init", "--grant", &role.name],
    )
    .ok();
    run(&with_pw(&as_role), &["release", "register", "1.0", "--commit", "c"]).ok();
    run(&with_pw(&as_role), &["deploy", "dev", "1.0", "--yes"]).ok();
    for args in [&["status"][..], &["status", "--json"], &["audit"], &["audit", "--json"]] {
        run(&with_pw(&as_role), args).ok();
    }
    run(&with_pw(&as_role), &["deploy", "dev", "9.9", "--yes"]).code(2);
    // Errors that name the server name it without the password.
    let away = format!("postgres://{}@127.0.0.1:{}/gone", role.name, closed_port());
    let r = run(&with_pw(&away), &["status"]).code(1);
    assert!(r.stderr.contains(&away), "{r}");
    // Even a password written into $RELCON_LEDGER_URL stays out of messages.
    let inline = away.replacen('@', &format!(":{secret}@"), 1);
    let r = run(&with_pw(&inline), &["status", "--json"]).code(1);
    assert!(r.stdout.contains(&away), "{r}");
}
