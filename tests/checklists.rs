//! Checklist runs through the binary (DESIGN §1, §4): ticking by number and
//! prefix, roles, --undo, before-runs gating promotion, after-runs opening
//! on success, the `checklist --json` shape, markdown import, and two
//! people ticking one run at the same time.

mod common;

use std::path::Path;

use common::{pipeline_config, Backend, Sandbox};
use relcon::config::Config;
use serde_json::Value;

// Everything but the markdown import (config files only) runs on both stores.
both_stores!(
    tick_by_number_or_unique_prefix,
    a_role_item_needs_the_role,
    before_run_gates_promotion_and_undo_reblocks,
    after_run_opens_when_a_deployment_succeeds_and_runs_are_per_build,
    checklist_json_has_the_documented_shape,
    concurrent_ticks_of_one_run_are_all_recorded,
);

const LISTS: &str = r#"
[checklist.pre]
title = "Pre-deployment"
items = [
  "All tests pass",
  "All reviews done",
  "Rollback plan prepared",
  { text = "QA sign-off", role = "QA", hint = "exploratory pass on staging data" },
]

[checklist.post]
title = "Post-deployment"
items = ["Verify critical user flows", "Monitor error rates"]
"#;

/// staging gates on `pre` and opens `post` after a deployment; dev runs 1.0,
/// so 1.0 is pending for staging.
fn sandbox(b: Backend) -> Sandbox {
    let cfg = pipeline_config("\"./hook.sh\"", "", LISTS).replace(
        "promote_from = \"dev\"\nurl = \"https://staging.example.com\"",
        "promote_from = \"dev\"\nurl = \"https://staging.example.com\"\nchecklists = { before = [\"pre\"], after = [\"post\"] }",
    );
    let sb = Sandbox::on(b, &cfg);
    // Hooks fail while a file named `fail` exists.
    sb.script("hook.sh", "[ ! -f fail ]");
    sb.register("1.0", "aaa1111");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb
}

fn runs(sb: &Sandbox, env: &str) -> Vec<Value> {
    sb.json(&["checklist", env, "--json"])
        .as_array()
        .expect("array of runs")
        .clone()
}

fn run_named(sb: &Sandbox, env: &str, name: &str) -> Option<Value> {
    runs(sb, env).into_iter().find(|r| r["name"] == name)
}

fn done_items(run: &Value) -> Vec<u64> {
    run["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["done"] == true)
        .map(|i| i["n"].as_u64().unwrap())
        .collect()
}

fn tick_by_number_or_unique_prefix(b: Backend) {
    let sb = sandbox(b);
    let r = sb.run(&["check", "staging", "pre", "1", "--json"]).ok().json();
    assert_eq!((r["done"].as_u64(), r["total"].as_u64()), (Some(1), Some(4)));
    sb.run_as("bo", &["check", "staging", "pre", "ROLL"]).ok();
    let run = run_named(&sb, "staging", "pre").unwrap();
    assert_eq!(done_items(&run), vec![1, 3]);
    assert_eq!(run["items"][2]["by"], "bo");

    let r = sb.run(&["check", "staging", "pre", "all"]).code(2);
    assert!(
        r.stderr.contains("matches 2 items")
            && r.stderr.contains("1. All tests pass")
            && r.stderr.contains("2. All reviews done"),
        "{r}"
    );
    let r = sb.run(&["check", "staging", "pre", "9"]).code(2);
    assert!(r.stderr.contains("1 to 4"), "{r}");
    sb.run(&["check", "staging", "pre", "zzz"]).code(2);
    let r = sb.run(&["check", "staging", "pre", "1"]).code(2);
    assert!(r.stderr.contains("already ticked"), "{r}");
    let r = sb.run(&["check", "staging", "nope", "1"]).code(2);
    assert!(r.stderr.contains("no checklist named"), "{r}");
    // dev uses no checklist at all.
    sb.run(&["check", "dev", "pre", "1"]).code(2);
    // Nothing the refusals tried was recorded.
    assert_eq!(done_items(&run_named(&sb, "staging", "pre").unwrap()), vec![1, 3]);
}

fn a_role_item_needs_the_role(b: Backend) {
    let sb = sandbox(b);
    let r = sb.run(&["check", "staging", "pre", "qa"]).code(2);
    assert!(r.stderr.contains("--as QA"), "{r}");
    sb.run(&["check", "staging", "pre", "4", "--as", "dev"]).code(2);
    sb.run_as(
        "quinn",
        &[
            "check",
            "staging",
            "pre",
            "4",
            "--as",
            "qa",
            "--note",
            "exploratory pass done",
        ],
    )
    .ok();
    let run = run_named(&sb, "staging", "pre").unwrap();
    let item = &run["items"][3];
    assert_eq!(item["done"], true);
    assert_eq!(item["by"], "quinn");
    assert_eq!(item["note"], "exploratory pass done");
    let tick = sb
        .audit()
        .into_iter()
        .find(|e| e["kind"] == "checklist.ticked")
        .unwrap();
    assert_eq!(tick["body"]["role"], "qa");
    assert_eq!(tick["body"]["text"], "QA sign-off");
}

fn before_run_gates_promotion_and_undo_reblocks(b: Backend) {
    let sb = sandbox(b);
    for item in ["1", "2", "3"] {
        sb.run(&["check", "staging", "pre", item]).ok();
    }
    let r = sb.run(&["promote", "dev", "staging", "--yes", "--json"]).code(3);
    assert!(
        r.stderr.contains("checklist pre") && r.stderr.contains("1 of 4 items open"),
        "{r}"
    );
    sb.run_as("quinn", &["check", "staging", "pre", "4", "--as", "QA"]).ok();
    let gate = |sb: &Sandbox| -> Value {
        sb.env_status("staging")["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "checklist pre")
            .cloned()
            .expect("checklist gate in status")
    };
    assert_eq!(gate(&sb)["ok"], true);

    let r = sb.run(&["check", "staging", "pre", "2", "--undo"]).ok();
    assert!(r.stdout.contains("unticked"), "{r}");
    assert_eq!(gate(&sb)["ok"], false);
    assert_eq!(gate(&sb)["detail"], "1 of 4 items open");
    sb.run(&["promote", "dev", "staging", "--yes"]).code(3);
    let r = sb.run(&["check", "staging", "pre", "2", "--undo"]).code(2);
    assert!(r.stderr.contains("not ticked"), "{r}");
    sb.run_as("bo", &["check", "staging", "pre", "2"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    let audit = sb.audit();
    assert_eq!(audit.iter().filter(|e| e["kind"] == "checklist.unticked").count(), 1);
}

fn after_run_opens_when_a_deployment_succeeds_and_runs_are_per_build(b: Backend) {
    let sb = sandbox(b);
    let before: Vec<String> = runs(&sb, "staging")
        .iter()
        .map(|r| format!("{}:{}:{}", r["name"], r["phase"], r["build"]))
        .collect();
    assert_eq!(before, vec![r#""pre":"before":"1.0""#]);
    for item in ["1", "2", "3"] {
        sb.run(&["check", "staging", "pre", item]).ok();
    }
    sb.run(&["check", "staging", "pre", "4", "--as", "QA"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();

    let now: Vec<Value> = runs(&sb, "staging");
    assert_eq!(now.len(), 1, "only the after-run is open once 1.0 is live: {now:?}");
    let post = &now[0];
    assert_eq!(
        (post["name"].as_str(), post["phase"].as_str(), post["build"].as_str()),
        (Some("post"), Some("after"), Some("1.0"))
    );
    assert_eq!((post["done"].as_u64(), post["total"].as_u64()), (Some(0), Some(2)));
    sb.run(&["check", "staging", "post", "verify"]).ok();
    assert_eq!(done_items(&run_named(&sb, "staging", "post").unwrap()), vec![1]);

    // A new build pending for staging starts a fresh before-run.
    sb.register("2.0", "bbb2222");
    sb.run(&["deploy", "dev", "2.0", "--yes"]).ok();
    let pre = run_named(&sb, "staging", "pre").expect("pre run for 2.0");
    assert_eq!(pre["build"], "2.0");
    assert_eq!(pre["done"], 0, "ticks belong to one build: {pre}");
    assert_eq!(run_named(&sb, "staging", "post").unwrap()["build"], "1.0");
    // A failed deployment does not open an after-run for its build.
    for item in ["1", "2", "3"] {
        sb.run(&["check", "staging", "pre", item]).ok();
    }
    sb.run(&["check", "staging", "pre", "4", "--as", "QA"]).ok();
    sb.write("fail", "");
    sb.run(&["promote", "dev", "staging", "--yes"]).code(4);
    let post = run_named(&sb, "staging", "post").unwrap();
    assert_eq!(post["build"], "1.0", "the live build is still 1.0: {post}");
    assert_eq!(
        run_named(&sb, "staging", "pre").unwrap()["done"],
        4,
        "2.0 is still pending, its ticks kept"
    );
}

fn checklist_json_has_the_documented_shape(b: Backend) {
    let sb = sandbox(b);
    sb.run_as("bo", &["check", "staging", "pre", "2", "--note", "PR #812"])
        .ok();
    let out = sb.run(&["checklist", "staging", "--json"]).ok();
    common::assert_no_ansi("checklist --json", &out.stdout);
    let runs = out.json();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert!(r["name"].is_string() && r["build"].is_string(), "{r}");
    assert!(r["done"].is_u64() && r["total"].is_u64(), "{r}");
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for (i, it) in items.iter().enumerate() {
        assert_eq!(it["n"].as_u64(), Some(i as u64 + 1));
        assert!(it["text"].is_string() && it["done"].is_boolean(), "{it}");
        for k in ["by", "at", "note"] {
            assert!(it.get(k).is_some(), "item lacks {k}: {it}");
        }
        if it["done"] == true {
            assert!(it["by"].is_string() && it["at"].is_string());
            chrono::DateTime::parse_from_rfc3339(it["at"].as_str().unwrap()).expect("at is RFC 3339");
        } else {
            assert!(it["by"].is_null() && it["at"].is_null() && it["note"].is_null(), "{it}");
        }
    }
    assert_eq!(items[1]["by"], "bo");
    assert_eq!(items[1]["note"], "PR #812");
    assert_eq!(items[1]["text"], "All reviews done");
    sb.run(&["checklist", "qa", "--json"]).code(2);
    // Text output works too.
    let text = sb.run(&["checklist", "staging"]).ok();
    assert!(text.stdout.contains("[x] All reviews done"), "{text}");
}

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/deploy-checklist.md")
        .display()
        .to_string()
}

const EXPECTED_ITEMS: &[(&str, &str)] = &[
    ("All tests pass", "Pre-Deployment"),
    ("Code review completed", "Pre-Deployment"),
    ("Code review completed › Security review completed", "Pre-Deployment"),
    (
        "Code review completed › Security review completed › Dependency audit (cargo audit, npm audit)",
        "Pre-Deployment",
    ),
    (
        "Code review completed › Accessibility review completed",
        "Pre-Deployment",
    ),
    ("Documentation updated", "Pre-Deployment"),
    ("Database migrations tested", "Pre-Deployment"),
    ("Feature flags configured", "Pre-Deployment"),
    ("Rollback plan prepared", "Pre-Deployment"),
    ("Notify team of deployment", "During Deployment"),
    ("Verify environment variables", "During Deployment"),
    ("Deploy code changes", "During Deployment"),
    ("Apply database migrations", "During Deployment"),
    ("Run smoke tests", "During Deployment"),
    ("Monitor for errors", "During Deployment"),
    ("Verify critical functionality", "Post-Deployment"),
    ("Monitor error rates for 15 minutes", "Post-Deployment"),
    ("Notify stakeholders", "Post-Deployment"),
    ("Update release notes", "Post-Deployment"),
];

#[track_caller]
fn assert_imported(cfg: &Config, name: &str) {
    let t = cfg
        .checklists
        .get(name)
        .unwrap_or_else(|| panic!("no checklist {name}"));
    assert_eq!(t.title, "Deployment Checklist");
    let got: Vec<(&str, &str)> = t
        .items
        .iter()
        .map(|i| (i.text.as_str(), i.section.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(got, EXPECTED_ITEMS);
}

#[test]
fn import_prints_a_template_that_loads() {
    let sb = sandbox(Backend::Sqlite);
    let r = sb.run(&["checklist", "import", &fixture(), "--name", "release"]).ok();
    assert!(r.stdout.starts_with("[checklist.release]\n"), "{r}");
    assert!(
        !r.stdout.contains("supabase db push") && !r.stdout.contains("release manager owns"),
        "{r}"
    );
    let combined = format!("{}\n{}", sb.read("relcon.toml"), r.stdout);
    let cfg = Config::parse(&sb.config_path(), &combined)
        .unwrap_or_else(|e| panic!("printed template does not load: {e}\n{}", r.stdout));
    assert_imported(&cfg, "release");
    // Printing does not touch the config.
    assert!(!sb.read("relcon.toml").contains("[checklist.release]"));
}

#[test]
fn import_write_appends_to_the_config_and_refuses_to_break_it() {
    let sb = sandbox(Backend::Sqlite);
    let before = sb.read("relcon.toml");
    let r = sb
        .run(&["checklist", "import", &fixture(), "--name", "release", "--write"])
        .ok();
    assert!(r.stdout.contains("19 items"), "{r}");
    let after = sb.read("relcon.toml");
    assert!(
        after.starts_with(before.trim_end()),
        "the existing config must be kept as it was"
    );
    assert_imported(&sb.config(), "release");
    sb.status();

    // Importing the same name again would make the config invalid: refused, file unchanged.
    let r = sb
        .run(&["checklist", "import", &fixture(), "--name", "release", "--write"])
        .code(2);
    assert!(
        r.stderr.contains("[checklist.release]") && r.stderr.contains("relcon.toml"),
        "{r}"
    );
    assert_eq!(sb.read("relcon.toml"), after);
    // A file without checklist items is a usage error.
    sb.write("notes.md", "# Notes\n\n- just a bullet\n");
    let r = sb
        .run(&["checklist", "import", "notes.md", "--name", "x", "--write"])
        .code(2);
    assert!(r.stderr.contains("- [ ]"), "{r}");
    assert_eq!(sb.read("relcon.toml"), after);
}

fn concurrent_ticks_of_one_run_are_all_recorded(b: Backend) {
    let sb = sandbox(b);
    let people = [
        ("ana", "1", None),
        ("bo", "2", None),
        ("cy", "3", None),
        ("quinn", "4", Some("QA")),
    ];
    for round in 0..2 {
        let undo = round == 1;
        let children: Vec<_> = people
            .iter()
            .map(|(who, item, role)| {
                let mut args = vec!["check", "staging", "pre", item];
                if let Some(r) = role {
                    args.extend(["--as", r]);
                }
                if undo {
                    args.push("--undo");
                }
                sb.spawn_as(who, &args)
            })
            .collect();
        for c in children {
            let r = common::finish(c, std::time::Duration::from_secs(30));
            assert_eq!(r.code, 0, "round {round}:\n{r}");
        }
        let run = run_named(&sb, "staging", "pre").unwrap();
        if undo {
            assert!(done_items(&run).is_empty(), "{run}");
        } else {
            assert_eq!(done_items(&run), vec![1, 2, 3, 4]);
            let by: Vec<&str> = run["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["by"].as_str().unwrap())
                .collect();
            assert_eq!(by, vec!["ana", "bo", "cy", "quinn"]);
        }
    }
    let audit = sb.audit();
    assert_eq!(audit.iter().filter(|e| e["kind"] == "checklist.ticked").count(), 4);
    assert_eq!(audit.iter().filter(|e| e["kind"] == "checklist.unticked").count(), 4);
    sb.run(&["audit", "verify"]).ok();
}
