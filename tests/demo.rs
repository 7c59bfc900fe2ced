//! `relcon demo` (DESIGN §8): the printed config is a valid config; a
//! prepared folder holds a seeded ledger (dozens of releases, a failed
//! deployment, a rollback, a cleared hold, approvals, a half-walked
//! checklist, the customer_portal flag at targets + 10 %), and one live
//! health+json service per env that reports the ledger's versions.
//! Promoting and rolling back through the CLI really changes what the
//! services report; the kill switch writes the flagd export; dropping the
//! demo closes its ports and removes a temporary folder.

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{strings, wait_until, Run, BIN};
use relcon::config::Config;
use serde_json::Value;

/// The binary on a demo folder's config, as `user`.
fn relcon(config: &Path, user: &str, args: &[&str]) -> Run {
    let mut c = Command::new(BIN);
    c.arg("--config")
        .arg(config)
        .args(args)
        .env("RELCON_USER", user)
        .env_remove("RELCON_CONFIG")
        .stdin(Stdio::null());
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        c.env_remove(v);
    }
    let out = c.output().expect("run relcon");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(config: &Path, args: &[&str]) -> Value {
    relcon(config, "tester", args).ok().json()
}

fn env_of<'a>(status: &'a Value, env: &str) -> &'a Value {
    status["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == env)
        .unwrap_or_else(|| panic!("no {env} in {status}"))
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)).is_ok()
}

/// The api row's reported version of `env`, from `relcon health ENV --json`.
fn reported(config: &Path, env: &str) -> Option<String> {
    let rows = json(config, &["health", env, "--json"]);
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "api")
        .and_then(|r| r["version"].as_str().map(str::to_string))
}

/// Poll until `env`'s service reports `version` (deadline 15 s).
fn wait_for_version(config: &Path, env: &str, version: &str) {
    let started = Instant::now();
    let mut last = None;
    let ok = wait_until(Duration::from_secs(15), || {
        last = reported(config, env);
        last.as_deref() == Some(version)
    });
    assert!(
        ok,
        "{env} still reports {last:?} {:?} after the deployment, want {version}; health: {}",
        started.elapsed(),
        json(config, &["health", env, "--json"])
    );
}

#[test]
fn print_config_is_a_valid_config() {
    let run = Command::new(BIN)
        .args(["demo", "--print-config"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = String::from_utf8(run.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relcon.toml");
    std::fs::write(&path, &text).unwrap();
    let config =
        Config::load(&path).unwrap_or_else(|e| panic!("demo --print-config is not a valid config: {e}\n{text}"));
    assert_eq!(config.env_names(), ["dev", "staging", "prod"]);
    let prod = config.env("prod").unwrap();
    assert!(prod.protected && prod.approvals >= 1 && !prod.health.is_empty());
    assert!(config.env("staging").unwrap().require_healthy);
    assert!(config.flags.contains_key("customer_portal"));
    assert_eq!(config.exports.len(), 2);
}

#[test]
fn a_prepared_demo_has_a_realistic_history_and_live_services() {
    let dir = tempfile::Builder::new().prefix("relcon-demo-keep-").tempdir().unwrap();
    let demo = relcon::demo::prepare(Some(dir.path())).expect("prepare the demo");
    let cfg = demo.config_path.clone();
    assert!(cfg.starts_with(dir.path()) && cfg.exists());
    assert_eq!(demo.ports.len(), 3);

    // Current releases: the seeded pipeline, a build waiting at each step.
    let st = json(&cfg, &["status", "--json"]);
    assert_eq!(st["project"], "customer-portal");
    let current = |env: &str| {
        env_of(&st, env)["release"]["version"]
            .as_str()
            .unwrap_or_else(|| panic!("{env} has no release"))
            .to_string()
    };
    assert_eq!(
        (current("dev"), current("staging"), current("prod")),
        ("1.12.0".into(), "1.11.2".into(), "1.11.0".into())
    );
    let prod = env_of(&st, "prod");
    // The rollback's hold was cleared later; the pending 1.11.2 carries an approval.
    assert!(!strings(&prod["badges"]).contains(&"hold".to_string()), "{prod}");
    assert_eq!(prod["approvals"]["version"], "1.11.2", "{prod}");
    assert!(!prod["approvals"]["by"].as_array().unwrap().is_empty(), "{prod}");
    // Live, healthy, in sync: no env drifts.
    for env in ["dev", "staging", "prod"] {
        let e = env_of(&st, env);
        assert_eq!(e["health"]["state"], "healthy", "{e}");
        assert_eq!(e["health"]["version"], e["health"]["expected"], "{e}");
        assert!(
            !strings(&e["badges"]).iter().any(|b| b == "drift" || b == "verifying"),
            "{e}"
        );
    }

    // History: dozens of releases, a failed deployment, a rollback.
    let history = |env: &str| {
        json(&cfg, &["history", env, "--json", "--limit", "1000"])
            .as_array()
            .unwrap()
            .clone()
    };
    let (dev, staging, prod_h) = (history("dev"), history("staging"), history("prod"));
    assert!(
        dev.len() >= 24 && staging.len() >= 12 && prod_h.len() >= 12,
        "history sizes {} {} {}",
        dev.len(),
        staging.len(),
        prod_h.len()
    );
    assert!(
        dev.iter().any(|r| r["status"] == "failed"),
        "no failed deployment in dev"
    );
    assert!(
        prod_h.iter().any(|r| r["description"]
            .as_str()
            .unwrap_or_default()
            .starts_with("rollback to v")),
        "no rollback in prod"
    );
    let numbers: Vec<u64> = prod_h.iter().map(|r| r["number"].as_u64().unwrap()).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] == w[1] + 1),
        "prod history not newest first, gapless: {numbers:?}"
    );
    let audit = json(&cfg, &["audit", "--json", "--limit", "100000"]);
    let kinds: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in [
        "hold.set",
        "hold.cleared",
        "approval.granted",
        "gate.overridden",
        "checklist.ticked",
        "flag.changed",
        "deployment.failed",
    ] {
        assert!(kinds.contains(&k), "no {k} in the seeded ledger");
    }
    relcon(&cfg, "tester", &["audit", "verify"]).ok();
    // Builds carry commit times, so Insights has a change lead time to show.
    let m = json(&cfg, &["metrics", "prod", "--since", "52w", "--json"]);
    assert!(
        m["lead_time"]["median_s"].as_u64().is_some_and(|s| s > 0),
        "the demo's prod has no lead time: {m}"
    );

    // Staging validation for the pending build is half walked.
    let runs = json(&cfg, &["checklist", "staging", "--json"]);
    let sv = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "staging-validation")
        .unwrap_or_else(|| panic!("{runs}"));
    let (done, total) = (sv["done"].as_u64().unwrap(), sv["total"].as_u64().unwrap());
    assert!(done > 0 && done < total, "staging-validation {done}/{total}");
    assert_eq!(
        sv["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["done"] == true)
            .count() as u64,
        done
    );

    // customer_portal in prod: pilot tenants + 10 %.
    let flags = json(&cfg, &["flag", "list", "--json"]);
    let cp = flags
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["flag"] == "customer_portal" && r["env"] == "prod")
        .unwrap();
    assert_eq!(
        (cp["enabled"].as_bool(), cp["rollout"].as_u64()),
        (Some(true), Some(10)),
        "{cp}"
    );
    assert_eq!(strings(&cp["targets"]), ["15", "42", "103"]);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("flags/prod.flagd.json")).unwrap()).unwrap();
    assert_eq!(
        doc["flags"]["customer_portal"]["targeting"]["if"][2]["fractional"][0],
        serde_json::json!(["on", 10]),
        "{doc}"
    );

    // The services speak health+json with the ledger's versions.
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for (env, port) in ["dev", "staging", "prod"].iter().zip(&demo.ports) {
        let r = client.get(format!("http://127.0.0.1:{port}/health")).send().unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/health+json");
        let body: Value = r.json().unwrap();
        assert_eq!(
            (body["status"].as_str(), body["releaseId"].as_str()),
            (Some("pass"), Some(current(env).as_str())),
            "{env}: {body}"
        );
    }
    let rows = json(&cfg, &["health", "--json"]);
    assert_eq!(rows.as_array().unwrap().len(), 6);
    for r in rows.as_array().unwrap() {
        assert_eq!(r["state"], "healthy", "{r}");
        if r["check"] == "api" {
            assert_eq!(r["version"], r["expected"], "{r}");
        }
    }

    // `--keep`: a second run reuses the folder and the ledger, on new services.
    let events = audit.as_array().unwrap().len();
    drop(demo);
    assert!(dir.path().join("relcon.toml").exists(), "a kept demo folder must stay");
    let again = relcon::demo::prepare(Some(dir.path())).expect("prepare again");
    let audit2 = json(&again.config_path, &["audit", "--json", "--limit", "100000"]);
    assert_eq!(
        audit2.as_array().unwrap().len(),
        events,
        "the kept ledger must not be seeded twice"
    );
    // New services: poll, as a one-shot check can land before they answer on a loaded machine.
    wait_for_version(&again.config_path, "prod", "1.11.0");
}

#[test]
fn promote_and_rollback_in_the_demo_change_what_the_service_reports() {
    let dir = tempfile::Builder::new().prefix("relcon-demo-live-").tempdir().unwrap();
    let demo = relcon::demo::prepare(Some(dir.path())).expect("prepare the demo");
    let cfg = demo.config_path.clone();
    assert_eq!(reported(&cfg, "prod").as_deref(), Some("1.11.0"));

    // Gates pass as seeded (approval, pre-deploy checklist, staging healthy).
    let r = relcon(
        &cfg,
        "tester",
        &["promote", "staging", "prod", "--yes", "--reason", "demo", "--json"],
    )
    .ok();
    let p = r.json();
    assert_eq!(p["version"], "1.11.2", "{r}");
    // Right after the hook the service may still be rolling: verifying, never drift.
    let st = json(&cfg, &["status", "--json"]);
    let prod = env_of(&st, "prod");
    assert_eq!(
        (prod["release"]["version"].as_str(), prod["health"]["expected"].as_str()),
        (Some("1.11.2"), Some("1.11.2")),
        "{prod}"
    );
    assert!(
        !strings(&prod["badges"]).contains(&"drift".to_string()),
        "a rollout in progress is not drift: {prod}"
    );
    wait_for_version(&cfg, "prod", "1.11.2");
    let st = json(&cfg, &["status", "--json"]);
    assert!(
        !strings(&env_of(&st, "prod")["badges"])
            .iter()
            .any(|b| b == "drift" || b == "verifying"),
        "{st}"
    );

    // Rollback works the same way, back to 1.11.0.
    let r = relcon(
        &cfg,
        "tester",
        &["rollback", "prod", "--yes", "--reason", "demo", "--json"],
    )
    .ok();
    assert_eq!(r.json()["version"], "1.11.0", "{r}");
    wait_for_version(&cfg, "prod", "1.11.0");
    let h = json(&cfg, &["history", "prod", "--json"]);
    assert!(
        h[0]["description"].as_str().unwrap().starts_with("rollback to v"),
        "{}",
        h[0]
    );
    assert_eq!(h[1]["version"], "1.11.2");

    // The kill switch writes the flagd export.
    relcon(
        &cfg,
        "tester",
        &["flag", "kill", "prod", "customer_portal", "--yes", "--reason", "x"],
    )
    .ok();
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("flags/prod.flagd.json")).unwrap()).unwrap();
    let cp = &doc["flags"]["customer_portal"];
    assert_eq!(cp["defaultVariant"], "off", "{cp}");
    assert!(cp.get("targeting").is_none(), "{cp}");
    assert_eq!(cp["state"], "ENABLED", "{cp}");
    drop(demo);
}

#[test]
fn dropping_a_temporary_demo_frees_its_ports_and_removes_its_folder() {
    let demo = relcon::demo::prepare(None).expect("prepare a temporary demo");
    let (dir, ports) = (demo.dir.clone(), demo.ports.clone());
    assert!(dir.join("relcon.toml").exists() && dir.join("ledger.db").exists());
    for p in &ports {
        assert!(port_open(*p), "demo service on {p} is not listening");
    }
    drop(demo);
    assert!(!dir.exists(), "temporary demo folder {} left behind", dir.display());
    let closed = wait_until(Duration::from_secs(5), || ports.iter().all(|p| !port_open(*p)));
    assert!(
        closed,
        "ports still accepting connections after drop: {:?}",
        ports.iter().filter(|p| port_open(**p)).collect::<Vec<_>>()
    );
}
