//! Incidents (DESIGN §13): open → the recommended action for the severity
//! → a rollback or flag kill marks it mitigated → resolved, every step on
//! the ledger; the decision tree from the runbook, or from `[incident]`.

mod common;

use common::{Backend, Sandbox};
use serde_json::Value;

both_stores!(
    a_critical_incident_recommends_the_kill_and_the_kill_mitigates_it,
    without_a_flag_change_the_rollback_is_recommended_and_mitigates,
    a_high_incident_follows_the_share_of_users_affected,
);

fn config(incident: &str) -> String {
    format!(
        r#"[project]
name = "portal"

[[environment]]
name = "staging"
deploy = "true"

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
deploy = "true"

[flag.customer_portal]
env.prod = {{ enabled = false }}

[flag.new_checkout]
env.prod = {{ enabled = false }}
{incident}"#
    )
}

/// prod runs 1.1 (v2) after 1.0 (v1); `customer_portal` was turned on last.
fn live(b: Backend, incident: &str, flag_on: bool) -> Sandbox {
    let sb = Sandbox::on(b, &config(incident));
    for v in ["1.0", "1.1"] {
        sb.register(v, &format!("c0ffee{}", v.replace('.', "")));
        sb.run(&["deploy", "staging", v, "--yes"]).ok();
        sb.run(&["promote", "staging", "prod", "--reason", "release", "--yes"])
            .ok();
    }
    if flag_on {
        sb.run(&["flag", "set", "prod", "new_checkout", "on", "--reason", "r", "--yes"])
            .ok();
        sb.run(&[
            "flag",
            "set",
            "prod",
            "customer_portal",
            "25%",
            "--reason",
            "r",
            "--yes",
        ])
        .ok();
    }
    sb
}

fn open(sb: &Sandbox, args: &[&str]) -> Value {
    let mut all = vec!["incident", "open", "prod"];
    all.extend_from_slice(args);
    all.push("--json");
    sb.run(&all).ok().json()
}

fn a_critical_incident_recommends_the_kill_and_the_kill_mitigates_it(b: Backend) {
    let sb = live(b, "", true);
    let o = open(&sb, &["--severity", "critical", "--summary", "portal 500s"]);
    let id = o["incident"]["id"].as_u64().unwrap();
    assert_eq!(o["label"], format!("INC-{id}"));
    assert_eq!(o["recommendation"]["remedy"], "kill-flag", "{o}");
    assert_eq!(
        o["recommendation"]["flag"], "customer_portal",
        "the most recent change: {o}"
    );
    let text = sb.run(&["incident", "show", "prod"]).ok().stdout;
    assert!(
        text.contains("kill customer_portal, the most recent flag change"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "relcon flag kill prod customer_portal --reason \"INC-{id}: portal 500s\""
        )),
        "{text}"
    );
    // One open incident per environment.
    sb.run(&["incident", "open", "prod", "--severity", "high"]).code(2);

    let st = sb.env_status("prod");
    assert!(st["badges"].to_string().contains("incident"), "{st}");
    assert_eq!(st["incident"]["severity"], "critical");

    sb.run(&["incident", "note", "prod", "errors started 14:02, right after the ramp"])
        .ok();
    sb.run(&[
        "flag",
        "kill",
        "prod",
        "customer_portal",
        "--reason",
        &format!("INC-{id}"),
        "--yes",
    ])
    .ok();
    let st = sb.env_status("prod");
    assert_eq!(st["incident"]["mitigation"], "killed customer_portal", "{st}");
    // Once mitigated, the tree moves on (nothing left but the next flag).
    let shown = sb.run(&["incident", "show", "prod", "--json"]).ok().json();
    assert_eq!(shown["recommendation"]["flag"], "new_checkout", "{shown}");

    let r = sb
        .run(&["incident", "resolve", "prod", "--reason", "fix in 1.1.1", "--json"])
        .ok()
        .json();
    assert_eq!(r["resolution"], "fix in 1.1.1");
    assert!(r["resolved_at"].is_string());
    assert!(sb.env_status("prod")["incident"].is_null());
    sb.run(&["incident", "resolve", "prod"]).code(2);

    // The timeline is in the ledger, in order.
    let kinds: Vec<String> = sb
        .audit()
        .iter()
        .rev()
        .filter_map(|e| {
            e["kind"]
                .as_str()
                .filter(|k| k.starts_with("incident."))
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "incident.opened",
            "incident.noted",
            "incident.mitigated",
            "incident.resolved"
        ]
    );
    let list = sb.run(&["incident", "list", "--json"]).ok().json();
    assert_eq!(list[0]["notes"], 1);
    assert_eq!(list[0]["mitigated_by"], "ana");
    sb.run(&["audit", "verify"]).ok();
    sb.run(&["ledger", "rebuild"]).ok();
    assert_eq!(
        sb.run(&["incident", "list", "--json"]).ok().json(),
        list,
        "rebuilt alike"
    );
}

fn without_a_flag_change_the_rollback_is_recommended_and_mitigates(b: Backend) {
    let sb = live(b, "", false);
    let o = open(&sb, &["--severity", "critical"]);
    assert_eq!(o["recommendation"]["remedy"], "rollback", "{o}");
    assert_eq!(o["recommendation"]["to"], 1);
    sb.run(&["rollback", "prod", "--reason", "INC", "--yes"]).ok();
    let st = sb.env_status("prod");
    assert_eq!(st["incident"]["mitigation"], "rolled back to v1 (1.0)", "{st}");
    // Rolled back, the tree never sends anyone back to the release it left
    // (a new-user run was told "roll back to v2", the bad one).
    let shown = sb.run(&["incident", "show", "prod", "--json"]).ok().json();
    assert_ne!(shown["recommendation"]["remedy"], "rollback", "{shown}");
    let r = sb.run(&["rollback", "prod", "--reason", "again", "--yes"]).code(2);
    assert!(r.stderr.contains("no earlier release"), "{r}");
}

fn a_high_incident_follows_the_share_of_users_affected(b: Backend) {
    let sb = live(b, "", true);
    let o = open(&sb, &["--severity", "high", "--affected", "5"]);
    assert_eq!(o["recommendation"]["remedy"], "hotfix", "{o}");
    assert!(o["recommendation"]["why"]
        .as_str()
        .unwrap()
        .contains("5 % affected (≤ 10 %)"));
    sb.run(&["incident", "resolve", "prod"]).ok();
    let o = open(&sb, &["--severity", "high", "--affected", "40"]);
    assert_eq!(o["recommendation"]["remedy"], "kill-flag", "{o}");
    sb.run(&["incident", "resolve", "prod"]).ok();
    let o = open(&sb, &["--severity", "medium"]);
    assert_eq!(o["recommendation"]["remedy"], "record", "{o}");
    sb.run(&["incident", "open", "prod", "--severity", "sev1"]).code(2);
    sb.run(&["incident", "open", "nowhere", "--severity", "low"]).code(2);
}

/// `--yes` is accepted as by the actions that ask (deploy, promote, flag
/// changes), so a script can pass it to each (a user run had `incident
/// resolve prod --yes` rejected by the argument parser); incident changes
/// never ask, so it changes nothing, and their help says so.
#[test]
fn incident_writes_accept_yes_and_never_ask() {
    let sb = live(Backend::Sqlite, "", false);
    let o = open(&sb, &["--severity", "low", "--yes"]);
    assert_eq!(o["incident"]["severity"], "low", "{o}");
    sb.run(&["incident", "note", "prod", "watching", "-y"]).ok();
    let r = sb
        .run(&["incident", "resolve", "prod", "--reason", "quiet", "--yes", "--json"])
        .ok()
        .json();
    assert_eq!((&r["resolution"], &r["notes"]), (&"quiet".into(), &1.into()), "{r}");
    // Without --yes and without a terminal they still run: nothing is asked.
    open(&sb, &["--severity", "low"]);
    sb.run(&["incident", "resolve", "prod"]).ok();
    for verb in ["open", "note", "resolve"] {
        let help = sb.run(&["incident", verb, "--help"]).ok().stdout;
        assert!(
            help.contains("-y, --yes") && help.contains("never asks for confirmation"),
            "incident {verb} --help:\n{help}"
        );
    }
}

#[test]
fn the_tree_can_be_configured_and_mistakes_are_placed() {
    let sb = live(
        Backend::Sqlite,
        "\n[incident.critical]\nprefer = [\"rollback\", \"kill-flag\"]\n",
        true,
    );
    let o = open(&sb, &["--severity", "critical"]);
    assert_eq!(o["recommendation"]["remedy"], "rollback", "configured order: {o}");

    let bad = Sandbox::new(&config("\n[incident.high]\nprefer = [\"panic\"]\n"));
    let r = bad.run(&["status"]).code(2);
    assert!(
        r.stderr.contains("relcon.toml:21:11") && r.stderr.contains("not an incident action"),
        "{r}"
    );
    let bad = Sandbox::new(&config(
        "\n[incident.low]\nprefer = [\"record\"]\naffected_over = 120\n",
    ));
    let r = bad.run(&["status"]).code(2);
    assert!(r.stderr.contains("0 to 100"), "{r}");
}
