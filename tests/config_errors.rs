//! Config errors name file, line and column and say what was expected
//! (DESIGN §3). Most cases go through `Config::parse`; a few through the
//! binary to check exit code 2 and the "run relcon init" hint.

mod common;

use std::path::Path;

use common::Sandbox;
use relcon::config::{Config, ConfigError};

const FILE: &str = "/srv/shop/relcon.toml";

fn parse_err(src: &str) -> ConfigError {
    match Config::parse(Path::new(FILE), src) {
        Ok(_) => panic!("config should have been rejected:\n{src}"),
        Err(e) => e,
    }
}

/// The error points at `line:col` (1-based), its text names the file and
/// position, and it contains every `expect` fragment.
#[track_caller]
fn assert_err_at(src: &str, line: usize, col: usize, expect: &[&str]) -> String {
    let e = parse_err(src);
    let text = e.to_string();
    assert_eq!((e.line, e.column), (line, col), "wrong position in:\n{text}");
    assert!(
        text.starts_with(&format!("{FILE}:{line}:{col}: ")),
        "message must start with file:line:col:\n{text}"
    );
    for frag in expect {
        assert!(text.contains(frag), "expected {frag:?} in:\n{text}");
    }
    text
}

const HEAD: &str = "[project]\nname = \"shop\"\n";

#[test]
fn unknown_top_level_key() {
    let src = format!("{HEAD}\n[projet]\nname = \"y\"\n");
    assert_err_at(&src, 4, 2, &["unknown field `projet`", "expected one of", "`project`"]);
    let src = format!("{HEAD}colour = \"blue\"\n");
    assert_err_at(&src, 3, 1, &["unknown field `colour`", "expected `name` or `repo`"]);
}

#[test]
fn unknown_key_in_environment() {
    let src =
        format!("{HEAD}\n[[environment]]\nname = \"dev\"\nurl = \"https://dev\"\ndeploy_hook = \"./deploy.sh\"\n");
    assert_err_at(
        &src,
        7,
        1,
        &["unknown field `deploy_hook`", "expected one of", "`deploy`"],
    );
}

#[test]
fn unknown_key_in_hook_table_and_step() {
    let src =
        format!("{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = {{ run = \"./deploy.sh\", timout = \"5m\" }}\n");
    assert_err_at(&src, 6, 33, &["unknown field `timout`", "`timeout`"]);
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = [\n  {{ name = \"migrate\", run = \"true\" }},\n  {{ name = \"smoke\", run = \"true\", retries = 3 }},\n]\n"
    );
    assert_err_at(&src, 8, 35, &["unknown field `retries`", "expected one of"]);
}

#[test]
fn duplicate_environment_names() {
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment]]\nname = \"staging\"\n\n[[environment]]\nname = \"dev\"\n");
    assert_err_at(&src, 11, 8, &["duplicate environment name \"dev\"", "unique name"]);
}

#[test]
fn promote_from_a_missing_environment() {
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment]]\nname = \"staging\"\npromote_from = \"qa\"\n"
    );
    assert_err_at(
        &src,
        9,
        16,
        &[
            "promote_from = \"qa\"",
            "no environment has that name",
            "expected one of: dev, staging",
        ],
    );
}

#[test]
fn pipeline_cycle_points_at_an_environment_in_the_cycle() {
    // The first `promote_from` in the file (a comment, then staging's) is
    // not part of the cycle: the error must point into the cycle (a or b).
    let src = format!(
        "# promote_from links each stage to the one before it\n{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment]]\nname = \"staging\"\npromote_from = \"dev\"\n\n[[environment]]\nname = \"a\"\npromote_from = \"b\"\n\n[[environment]]\nname = \"b\"\npromote_from = \"a\"\n"
    );
    let e = parse_err(&src);
    let text = e.to_string();
    assert!(
        text.contains("cycle") && text.contains("a ← b") && text.contains("b ← a"),
        "{text}"
    );
    assert!(text.contains("promote_from must lead back"), "{text}");
    assert!(
        [(14, 16), (18, 16)].contains(&(e.line, e.column)),
        "cycle error should point at a's or b's promote_from (14:16 or 18:16), got {}:{}:\n{text}",
        e.line,
        e.column
    );
}

#[test]
fn bad_durations() {
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = {{ run = \"./deploy.sh\", timeout = \"5 parsecs\" }}\n"
    );
    assert_err_at(
        &src,
        6,
        43,
        &["invalid duration \"5 parsecs\"", "expected a duration like \"5s\""],
    );
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\nverify_timeout = \"5 parsecs\"\n");
    assert_err_at(
        &src,
        6,
        18,
        &["invalid duration \"5 parsecs\"", "expected a duration like"],
    );
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\n\n[[environment.health]]\nname = \"api\"\nurl = \"http://127.0.0.1:1/health\"\ninterval = \"soon\"\n");
    assert_err_at(&src, 10, 12, &["invalid duration \"soon\"", "expected a duration like"]);
}

#[test]
fn unknown_checklist_in_before() {
    let src = format!(
        "{HEAD}\n[checklist.pre-deploy]\nitems = [\"All tests pass\"]\n\n[[environment]]\nname = \"dev\"\nchecklists = {{ before = [\"pre-deploy\", \"pre-deplyo\"] }}\n"
    );
    assert_err_at(
        &src,
        9,
        40,
        &[
            "checklist \"pre-deplyo\" is not defined",
            "expected a [checklist.NAME] table",
            "pre-deploy",
        ],
    );
}

#[test]
fn empty_checklist_points_at_its_own_table() {
    // `[checklist.pre-deploy]` comes first and starts with "checklist.pre":
    // the error about the empty `pre` list must still point at `pre`.
    let src = format!("{HEAD}\n[checklist.pre-deploy]\nitems = [\"All tests pass\"]\n\n[checklist.pre]\nitems = []\n");
    let e = parse_err(&src);
    assert!(e.to_string().contains("checklist \"pre\" has no items"), "{e}");
    assert_eq!(e.line, 7, "should point at [checklist.pre] on line 7:\n{e}");
}

#[test]
fn flag_for_an_undefined_environment() {
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\n\n[flag.portal]\nenv.dev = {{ enabled = true }}\nenv.qa = {{ enabled = true }}\n");
    assert_err_at(
        &src,
        9,
        5,
        &[
            "flag \"portal\"",
            "environment \"qa\" is not defined",
            "expected one of: dev",
        ],
    );
}

#[test]
fn rollout_over_100() {
    let src = format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\n\n[flag.portal]\nenv.dev = {{ enabled = true, rollout = 150 }}\n"
    );
    assert_err_at(&src, 8, 39, &["rollout 150 is out of range", "expected 0 to 100"]);
}

#[test]
fn bad_freeze_windows() {
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\nfreeze = [\"Fri 16:00 - Mon 08:00 UTC\", \"Fri 16:00 until Mon 08:00 UTC\"]\n");
    assert_err_at(
        &src,
        6,
        40,
        &[
            "freeze window \"Fri 16:00 until Mon 08:00 UTC\"",
            "expected \"Fri 16:00 - Mon 08:00 UTC\"",
        ],
    );
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\nfreeze = [\"Fri 16:00 - Mon 08:00 PST\"]\n");
    assert_err_at(&src, 6, 11, &["timezone \"PST\"", "UTC or ±HH:MM"]);
    let src =
        format!("{HEAD}\n[[environment]]\nname = \"dev\"\nfreeze = [\"2026-12-20 00:00 - 2026-12-01 00:00 UTC\"]\n");
    assert_err_at(&src, 6, 11, &["ends before it starts"]);
}

#[test]
fn hook_with_both_run_and_webhook() {
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = {{ run = \"./deploy.sh\", webhook = \"https://ci.example.com/hook\" }}\n");
    assert_err_at(&src, 6, 10, &["either `run` or `webhook`, not both"]);
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = {{ timeout = \"5m\" }}\n");
    assert_err_at(&src, 6, 10, &["needs `run = \"command\"` or `webhook"]);
}

#[test]
fn unknown_key_binding_command_and_mode() {
    let src = format!("{HEAD}\n[keys.dashboard]\n\"P\" = \"promot\"\n");
    assert_err_at(
        &src,
        5,
        7,
        &["unknown command \"promot\"", "expected one of:", "promote-through"],
    );
    let src = format!("{HEAD}\n[keys.dashbord]\n\"P\" = \"promote\"\n");
    assert_err_at(&src, 4, 7, &["unknown mode", "expected one of: global, dashboard"]);
    let src = format!("{HEAD}\n[keys.global]\n\"ctrl-shift-nope\" = \"quit\"\n");
    assert_err_at(&src, 5, 1, &["key \"ctrl-shift-nope\"", "expected a key like"]);
}

#[test]
fn bad_toml_syntax() {
    let src = format!("{HEAD}\n[[environment]\nname = \"dev\"\n");
    assert_err_at(&src, 4, 15, &["unclosed array table", "expected `]`"]);
    let src = "[project]\nname = \"shop\nrepo = \".\"\n";
    assert_err_at(src, 2, 13, &["expected `\"`"]);
}

#[test]
fn wrong_value_types() {
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\nprotected = \"yes\"\n");
    assert_err_at(&src, 6, 13, &["invalid type: string \"yes\"", "expected a boolean"]);
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\napprovals = -1\n");
    assert_err_at(&src, 6, 13, &["expected u32"]);
}

#[test]
fn snippet_and_caret_show_the_spot() {
    let src = format!("{HEAD}\n[[environment]]\nname = \"dev\"\npromote_from = \"qa\"\n");
    let text = parse_err(&src).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1].trim(), "promote_from = \"qa\"");
    // The caret sits under the opening quote of "qa" (column 16).
    assert_eq!(lines[2], format!("  {}^", " ".repeat(15)));
}

#[test]
fn the_init_template_loads_cleanly() {
    let sb = Sandbox::empty();
    sb.run(&["init"]).ok();
    let cfg = sb.config();
    assert_eq!(cfg.env_names(), vec!["dev", "staging", "prod"]);
    assert!(cfg.env("prod").unwrap().protected);
    assert!(cfg.checklists.contains_key("pre-deploy"));
    // And the binary is happy with it.
    let st = sb.status();
    assert_eq!(st["environments"].as_array().unwrap().len(), 3);
    // A second init refuses to overwrite (usage error).
    let again = sb.run(&["init"]).code(2);
    assert!(again.stderr.contains("already exists"), "{again}");
}

#[test]
fn missing_config_says_how_to_start() {
    let sb = Sandbox::empty();
    let r = sb.run(&["status"]).code(2);
    assert!(
        r.stderr.contains("relcon init") && r.stderr.contains("relcon demo"),
        "{r}"
    );
    let r = sb.run(&["--config", "elsewhere.toml", "history", "dev"]).code(2);
    assert!(
        r.stderr.contains("elsewhere.toml") && r.stderr.contains("relcon init"),
        "{r}"
    );
}

#[test]
fn binary_reports_config_errors_with_exit_2() {
    let sb = Sandbox::new(&format!(
        "{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = \"true\"\ncolour = \"red\"\n"
    ));
    for args in [
        &["status", "--json"][..],
        &["release", "register", "1.0", "--commit", "abc"][..],
    ] {
        let r = sb.run(args).code(2);
        let want = format!("{}:7:1:", sb.config_path().display());
        assert!(r.stderr.contains(&want), "expected {want} in:\n{r}");
        assert!(r.stderr.contains("unknown field `colour`"), "{r}");
    }
    // Nothing was written: a bad config never opens the ledger.
    assert!(!sb.ledger_path().exists());
}

#[test]
fn config_is_found_through_relcon_config() {
    let sb = Sandbox::empty();
    sb.write(
        "conf/shop.toml",
        &format!("{HEAD}\n[[environment]]\nname = \"dev\"\ndeploy = \"true\"\n"),
    );
    let mut c = sb.command_as(common::USER, ["status", "--json"]);
    c.env("RELCON_CONFIG", sb.path("conf/shop.toml"));
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The ledger lives next to the config, not in the working directory.
    assert!(sb.path("conf/.relcon/ledger.db").exists());
    assert!(!sb.path(".relcon").exists());
}
