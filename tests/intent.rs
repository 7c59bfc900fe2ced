//! One vocabulary for actions (issue 12): the override policy exists once
//! and records what it let through (a flag override is a flag action, not a
//! deployment); the name to type for promote-through is one rule for the
//! CLI and the console.

mod common;

use common::Sandbox;
use relcon::ops::flags::FlagOp;
use relcon::ops::intent::{confirm_name, Intent};

const CONFIG: &str = r#"[project]
name = "shop"

[[environment]]
name = "dev"
deploy = "true"

[[environment]]
name = "staging"
promote_from = "dev"
protected = true
deploy = "true"

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
flag_approvals = 1
deploy = "true"

[flag.beta]
env.prod = { enabled = false }
"#;

#[test]
fn a_forced_flag_change_is_recorded_as_a_flag_override() {
    let sb = Sandbox::new(CONFIG);
    sb.run(&["flag", "set", "prod", "beta", "on", "--yes", "--reason", "r"])
        .code(3);
    sb.run(&[
        "flag",
        "set",
        "prod",
        "beta",
        "on",
        "--yes",
        "--reason",
        "INC-9 needs it",
        "--force",
    ])
    .ok();
    let audit = sb.audit();
    let o = audit
        .iter()
        .find(|e| e["kind"] == "gate.overridden")
        .expect("the override is recorded");
    assert_eq!(o["body"]["action"], "flag", "{o}");
    assert_eq!(o["body"]["version"], "flag:beta=on", "{o}");
    assert_eq!(o["body"]["gates"][0]["name"], "approvals", "{o}");
    assert_eq!(o["body"]["reason"], "INC-9 needs it");
}

#[test]
fn the_name_to_type_is_one_rule() {
    let sb = Sandbox::new(CONFIG);
    let config = sb.config();
    let through = Intent::PromoteThrough { target: "prod".into() };
    // Two protected stages on the way: the last one (the target) is typed.
    assert_eq!(confirm_name(&config, &through).as_deref(), Some("prod"));
    let through_staging = Intent::PromoteThrough {
        target: "staging".into(),
    };
    assert_eq!(confirm_name(&config, &through_staging).as_deref(), Some("staging"));
    let kill = Intent::Flag {
        env: "prod".into(),
        flag: "beta".into(),
        op: FlagOp::Kill,
    };
    assert_eq!(
        confirm_name(&config, &kill).as_deref(),
        Some("prod"),
        "even the kill switch"
    );
    let deploy_dev = Intent::Deploy {
        env: "dev".into(),
        version: "1.0".into(),
    };
    assert_eq!(confirm_name(&config, &deploy_dev), None);
    let approve = Intent::Approve {
        env: "prod".into(),
        version: "1.0".into(),
        note: None,
    };
    assert_eq!(
        confirm_name(&config, &approve),
        None,
        "approving changes no environment"
    );
}

#[test]
fn killing_a_flag_that_is_off_asks_what_the_kill_still_does() {
    let sb = Sandbox::new(CONFIG);
    let store = sb.store();
    let config = relcon::config::Config::load(&sb.config_path()).unwrap();
    let q = relcon::ops::intent::preview(
        store.view(),
        &config,
        "ana",
        chrono::Utc::now(),
        &Intent::Flag {
            env: "prod".into(),
            flag: "beta".into(),
            op: FlagOp::Kill,
        },
        None,
    )
    .unwrap()
    .question;
    assert!(
        q.starts_with("Kill beta in prod now? It is off already:") && !q.contains("off → off"),
        "{q}"
    );
}
