//! The README's "Keys to try first" table, replayed exactly as written:
//! the table is read from README.md, each row's key column is turned into
//! keystrokes (a backticked key is pressed, "type a reason" types one,
//! "type `prod`" types prod, "× N" repeats), sent to the real `relcon demo`
//! in a pseudo-terminal, one row after the other, and what the row promises
//! is checked — in the ledger (through the CLI) where it writes, on the
//! screen where it only shows. A row the README words differently from
//! what the console does fails here.

mod keyline;
mod tui_term;

use std::ffi::OsStr;
use std::path::Path;

use keyline::{json, keystrokes, ledger, steps, Step, HOOK, USER};
use serde_json::Value;
use tui_term::{Spawn, Term};

/// The rows of the table after "Keys to try first": (what, keys column).
fn table(readme: &str) -> Vec<(String, String)> {
    let start = readme.find("Keys to try first").expect("the table's heading");
    readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with("| do this"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].to_string(), cells[1].to_string())
        })
        .collect()
}

/// The newest release of `env` by the console's user, as JSON.
fn newest(config: &Path, env: &str) -> Value {
    let h = json(config, &["history", env, "--json"]);
    h.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null)
}

fn flag(config: &Path, name: &str, env: &str) -> Value {
    let all = json(config, &["flag", "list", "--json"]);
    all.as_array()
        .and_then(|a| a.iter().find(|r| r["flag"] == name && r["env"] == env))
        .cloned()
        .unwrap_or(Value::Null)
}

/// What the row named `what` promises, checked after its keys.
fn check(what: &str, term: &mut Term, config: &Path) {
    match what {
        "tick a checklist item" => ledger(term, "item 6 of staging's checklist ticked", || {
            let a = json(config, &["audit", "--json", "--limit", "5"]);
            a.as_array().is_some_and(|a| {
                a.iter()
                    .any(|e| e["kind"] == "checklist.ticked" && e["actor"] == USER && e["env"] == "staging")
            })
        }),
        "promote staging's build to prod" => ledger(term, "prod promoted by the console's user", || {
            let r = newest(config, "prod");
            r["action"] == "promote" && r["actor"] == USER && r["status"] == "succeeded"
        }),
        "roll prod back" => {
            ledger(term, "prod rolled back", || {
                let r = newest(config, "prod");
                r["action"] == "rollback" && r["actor"] == USER && r["status"] == "succeeded"
            });
            term.wait_for("▲ hold");
        }
        "clear the hold" => ledger(term, "the hold on prod cleared", || {
            let s = json(config, &["status", "--json"]);
            s["environments"]
                .as_array()
                .and_then(|e| e.iter().find(|e| e["name"] == "prod"))
                .is_some_and(|p| p["hold"].is_null())
        }),
        "kill a flag" => {
            ledger(term, "customer_portal killed in prod", || {
                flag(config, "customer_portal", "prod")["killed"] == true
            });
            term.wait_for("customer_portal in prod is now off");
        }
        "open an incident and act on it" => ledger(term, "prod's incident mitigated", || {
            let l = json(config, &["incident", "list", "--json"]);
            l.as_array()
                .and_then(|a| a.first())
                .is_some_and(|i| i["env"] == "prod" && i["opened_by"] == USER && i["mitigated_at"].is_string())
        }),
        "see everything that happened" => term.wait("the incident in the audit trail", |t| {
            t.contains("Audit ·") && t.contains(" mitigated: ")
        }),
        "follow prod's progressive rollout (pause, advance, abort)" => term.wait_for("Rollout · prod"),
        "deployment frequency, lead time, failure rate, recovery" => term.wait("the Insights view", |t| {
            t.contains("change fail rate") && t.contains("recovery time")
        }),
        "help" => {
            term.wait_for("Help ·");
            term.close("Help ·");
        }
        "break staging" => term.wait("staging's health to turn ✖", |t| t.contains("✖ unhealthy")),
        other => panic!("a README row the test does not know how to check: {other}"),
    }
}

#[test]
fn the_readme_keys_table_works_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let rows = table(&readme);
    assert!(rows.len() >= 8, "{rows:?}");

    let keep = tempfile::Builder::new().prefix("relcon-readme-").tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let config = keep.path().join("relcon.toml");
    let args: [&OsStr; 3] = ["demo".as_ref(), "--keep".as_ref(), keep.path().as_os_str()];
    let mut term = Spawn::new(cwd.path(), USER).args(&args).size(48, 160).start();
    term.wait_in("the demo's dashboard", HOOK, |t| {
        t.contains("▸ dev") && t.contains("prod ◆")
    });

    let mut replayed = 0;
    for (what, cell) in &rows {
        let Some(steps) = steps(cell) else {
            continue;
        };
        term.send(&keystrokes(&steps));
        check(what, &mut term, &config);
        replayed += 1;
    }
    assert!(replayed >= 8, "rows with keys replayed: {replayed}");
    term.quit();
}

#[test]
fn the_table_reads_as_keys() {
    assert_eq!(
        steps(
            "`3` (Flags; prod stays selected), `K` on `customer_portal`, type a reason, `enter`, type `prod`, `enter`"
        ),
        Some(vec![
            Step::Key("3".into()),
            Step::Key("K".into()),
            Step::Typed("README replay".into()),
            Step::Key("enter".into()),
            Step::Typed("prod".into()),
            Step::Key("enter".into()),
        ])
    );
    assert_eq!(steps("`j` × 3 (item 4), `space`").map(|s| s.len()), Some(4));
    assert_eq!(steps("the dialog streams the hook's output"), None);
}
