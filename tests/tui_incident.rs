//! The incident budget (DESIGN §13), on the real binary in a
//! pseudo-terminal: from a cold `relcon` to "prod rolled back" or "flag
//! killed" in at most 5 keys plus the typed reason and the typed
//! confirmation. The keys are sent as one burst the moment the console
//! starts (nothing waits for the screen between them: keys typed while
//! something loads wait for it), counted, and the outcome is read back from
//! the ledger through the CLI: the action recorded with the incident's link
//! as its reason, and the incident mitigated — then resolved.

mod tui_term;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tui_term::{Spawn, Term};

const CONFIG: &str = r#"
[project]
name = "budget"

[ledger]
url = "sqlite:.relcon/ledger.db"

[[environment]]
name = "dev"
deploy = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"'

[[environment]]
name = "staging"
promote_from = "dev"
deploy = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"'

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
deploy = 'echo "deploying $RELCON_VERSION to prod"'

[flag.new_checkout]
description = "The new checkout flow"
env.prod = { enabled = false }
"#;

/// The most keys the budget allows, besides the typed reason and confirmation.
const BUDGET: usize = 5;

fn relcon(dir: &Path, args: &[&str]) -> String {
    tui_term::relcon(dir, "ana", &[], args)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&relcon(dir, args)).expect("json")
}

/// prod runs 1.1.0 (v2) after 1.0.0 (v1), both promoted through the chain.
fn two_releases_in_prod() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), CONFIG).unwrap();
    for (v, sha) in [("1.0.0", "aaaa111"), ("1.1.0", "bbbb222")] {
        relcon(dir.path(), &["release", "register", v, "--commit", sha]);
        relcon(dir.path(), &["deploy", "dev", v, "--yes"]);
        relcon(dir.path(), &["promote", "dev", "staging", "--yes"]);
        relcon(
            dir.path(),
            &["promote", "staging", "prod", "--yes", "--reason", "weekly release"],
        );
    }
    dir
}

/// A budgeted key sequence: the keys (counted) and what is typed.
enum Input {
    Key(&'static str),
    Typed(&'static str),
}

/// Send everything at once, as soon as the console owns the terminal (in
/// raw mode: before that the line discipline would turn Enter into a
/// newline); return how many keys were pressed.
fn burst(term: &mut Term, inputs: &[Input]) -> usize {
    let deadline = std::time::Instant::now() + tui_term::WAIT;
    while !term.alternate_screen() {
        assert!(std::time::Instant::now() < deadline, "the console did not start");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut all = String::new();
    let mut keys = 0;
    for i in inputs {
        match i {
            Input::Key(k) => {
                keys += 1;
                all.push_str(k);
            }
            Input::Typed(t) => all.push_str(t),
        }
    }
    term.send(&all);
    keys
}

fn incident(dir: &Path) -> Value {
    let list = json(dir, &["incident", "list", "--json"]);
    list.as_array().and_then(|a| a.first()).cloned().expect("one incident")
}

#[test]
fn cold_start_to_prod_rolled_back_within_the_budget() {
    let dir = two_releases_in_prod();
    let mut term = Spawn::new(dir.path(), "ana").start();
    // `!` (incident mode on prod), `c` (critical: opens it), `enter` (the
    // recommended rollback, reason pre-filled), the typed name, `enter`.
    let keys = burst(
        &mut term,
        &[
            Input::Key("!"),
            Input::Key("c"),
            Input::Key("\r"),
            Input::Typed("prod"),
            Input::Key("\r"),
        ],
    );
    assert!(keys <= BUDGET, "{keys} keys");
    term.wait_in("the rollback to finish", Duration::from_secs(30), |t| {
        t.contains("✔ prod v3: 1.0.0")
    });

    // The ledger: prod runs v3, a rollback to 1.0.0, the reason links the incident.
    let inc = incident(dir.path());
    let label = format!("INC-{}", inc["id"]);
    let history = json(dir.path(), &["history", "prod", "--json"]);
    let v3 = history
        .as_array()
        .and_then(|a| a.iter().find(|r| r["number"] == 3))
        .cloned()
        .unwrap_or_else(|| panic!("v3 in {history}"));
    assert_eq!(v3["version"], "1.0.0", "{v3}");
    assert_eq!(v3["action"], "rollback", "{v3}");
    assert_eq!(v3["actor"], "ana", "{v3}");
    assert_eq!(v3["reason"], format!("{label}: critical"), "{v3}");
    // The incident: critical, opened by ana, mitigated by the rollback.
    assert_eq!(inc["severity"], "critical");
    assert_eq!(inc["env"], "prod");
    assert_eq!(inc["opened_by"], "ana");
    assert!(inc["mitigated_at"].is_string(), "mitigated: {inc}");
    assert!(inc["resolved_at"].is_null(), "{inc}");

    // Back on the dashboard the header and the prod card show it, with its age.
    term.close("Roll back prod");
    term.wait("the incident on the card and in the header", |t| {
        t.contains(&format!("✖ {label} critical prod ")) && t.matches(&format!("✖ {label} ")).count() >= 2
    });
    term.quit();

    // Resolved (through the CLI, the same intent): the timeline is complete.
    relcon(
        dir.path(),
        &["incident", "resolve", "prod", "--reason", "rolled back; fix in 1.1.1"],
    );
    let inc = incident(dir.path());
    assert!(inc["resolved_at"].is_string(), "{inc}");
    assert_eq!(inc["resolution"], "rolled back; fix in 1.1.1");
}

#[test]
fn cold_start_to_flag_killed_within_the_budget() {
    let dir = two_releases_in_prod();
    relcon(
        dir.path(),
        &[
            "flag",
            "set",
            "prod",
            "new_checkout",
            "on",
            "--yes",
            "--reason",
            "launch",
        ],
    );
    let mut term = Spawn::new(dir.path(), "ana").start();
    // Critical with a flag just turned on: the tree says kill it.
    let keys = burst(
        &mut term,
        &[
            Input::Key("!"),
            Input::Key("c"),
            Input::Key("\r"),
            Input::Typed("prod"),
            Input::Key("\r"),
        ],
    );
    assert!(keys <= BUDGET, "{keys} keys");
    term.wait("the kill", |t| t.contains("new_checkout in prod is now off"));

    let flags = json(dir.path(), &["flag", "list", "--json"]);
    let row = flags
        .as_array()
        .and_then(|a| a.iter().find(|r| r["flag"] == "new_checkout" && r["env"] == "prod"))
        .cloned()
        .unwrap_or_else(|| panic!("new_checkout in prod: {flags}"));
    assert_eq!(row["killed"], true, "{row}");
    let inc = incident(dir.path());
    assert!(inc["mitigated_at"].is_string(), "mitigated: {inc}");
    assert!(
        inc["mitigation"].as_str().is_some_and(|m| m.contains("new_checkout")),
        "{inc}"
    );
    // prod still runs 1.1.0: the kill was enough.
    let history = json(dir.path(), &["history", "prod", "--json"]);
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
    term.quit();
}

/// The panel shows the tree for the severity and the recommendation; Esc
/// leaves the incident open (it is in the ledger from the severity key on).
#[test]
fn incident_panel_shows_the_tree_and_esc_keeps_the_incident() {
    let dir = two_releases_in_prod();
    let mut term = Spawn::new(dir.path(), "ana").start();
    term.wait_for("prod ◆");
    term.send("!");
    term.wait_all(&["Incident · prod", "how bad is it?", "critical", "high", "medium", "low"]);
    term.send("h");
    term.wait_all(&[
        "Decision tree (high):",
        "more than 10 % of users affected:",
        "otherwise:",
        "keep running, fast-track a hotfix",
        "recommended: high, share of users affected unknown",
        "roll back to v1",
    ]);
    term.close("Decision tree");
    let inc = incident(dir.path());
    assert_eq!(inc["severity"], "high");
    assert!(inc["mitigated_at"].is_null() && inc["resolved_at"].is_null(), "{inc}");
    // `!` again shows the open incident instead of asking.
    term.send("!");
    term.wait_all(&["Decision tree (high):", "open · opened"]);
    term.close("Decision tree");
    term.quit();
}
