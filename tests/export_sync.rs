//! Exports never drift from the ledger (DESIGN §10), with real processes:
//! a `flag kill` racing seven `flag set`s is always exported; a process
//! SIGKILLed between its commit and its export (or in the middle of writing
//! the file) is repaired by the next relcon process, which also removes the
//! temp file it left; `flag export --check` names every stale file and
//! writes nothing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{finish, sigkill, wait_child, wait_until, Run, Sandbox};
use serde_json::Value;

const FLAGS: usize = 8;

/// staging and prod, flags f0..f7, both exports.
fn config() -> String {
    let mut c = String::from("[project]\nname = \"sync\"\n\n[[environment]]\nname = \"staging\"\n\n[[environment]]\nname = \"prod\"\npromote_from = \"staging\"\n");
    for i in 0..FLAGS {
        c += &format!("\n[flag.f{i}]\nenv.prod = {{ enabled = true, rollout = 100 }}\n");
    }
    c += "\n[export]\nflags = [{ format = \"flagd\", path = \"flags/{env}.flagd.json\" }, { format = \"dotenv\", path = \"flags/{env}.env\" }]\n";
    c
}

/// `KEY='value'` lines of a relcon `.env` export.
fn dotenv_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not KEY=VALUE: {l:?}"));
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or_else(|| panic!("value not single-quoted: {l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The exported files of prod, read straight from disk (no relcon process
/// runs in between, so nothing repairs them first).
struct OnDisk {
    flagd: String,
    dotenv: String,
}

fn on_disk(sb: &Sandbox) -> OnDisk {
    OnDisk {
        flagd: sb.read("flags/prod.flagd.json"),
        dotenv: sb.read("flags/prod.env"),
    }
}

/// Both files say what `flag list --json` (the ledger) says, flag by flag.
fn assert_agree(files: &OnDisk, list: &Value, round: usize) {
    let doc: Value = serde_json::from_str(&files.flagd).unwrap_or_else(|e| panic!("flagd JSON ({e}): {}", files.flagd));
    let env = dotenv_values(&files.dotenv);
    for i in 0..FLAGS {
        let flag = format!("f{i}");
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["flag"] == flag.as_str() && r["env"] == "prod")
            .unwrap_or_else(|| panic!("{flag} not listed"));
        let (enabled, rollout) = (row["enabled"].as_bool().unwrap(), row["rollout"].as_u64().unwrap());
        let all_on = enabled && rollout == 100;
        let f = &doc["flags"][&flag];
        let ctx = format!(
            "round {round}, {flag}: ledger {row}\nflagd {f}\n.env:\n{}",
            files.dotenv
        );
        assert_eq!(f["defaultVariant"], if all_on { "on" } else { "off" }, "{ctx}");
        let weight = f["targeting"]["fractional"][0][1].as_u64();
        assert_eq!(
            weight,
            (enabled && rollout > 0 && rollout < 100).then_some(rollout),
            "{ctx}"
        );
        let var = format!("FEATURE_F{i}");
        assert_eq!(env[&var], all_on.to_string(), "{ctx}");
        let want_rollout = if enabled { rollout } else { 0 };
        assert_eq!(env[&format!("{var}_ROLLOUT")], want_rollout.to_string(), "{ctx}");
    }
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

fn check(sb: &Sandbox) -> Run {
    sb.run(&["flag", "export", "--check"])
}

#[test]
fn a_kill_racing_seven_sets_is_always_exported() {
    let sb = Sandbox::new(&config());
    sb.run(&["flag", "export"]).ok();
    for round in 0..40 {
        // f0 starts on (config); later rounds turn it back on first.
        if round > 0 {
            sb.run(&["flag", "set", "prod", "f0", "on", "--yes"]).ok();
        }
        // Each round moves f1..f7 to percentages they do not have yet.
        let base = if round % 2 == 0 { 30 } else { 60 };
        let mut children = vec![sb.spawn_as("oncall", &["flag", "kill", "prod", "f0", "--yes", "--reason", "INC"])];
        for i in 1..FLAGS {
            let pct = format!("{}%", base + i);
            children.push(sb.spawn_as("dev", &["flag", "set", "prod", &format!("f{i}"), &pct, "--yes"]));
        }
        for c in children {
            let r = finish(c, Duration::from_secs(60));
            assert_eq!(r.code, 0, "round {round}:\n{r}");
        }
        let files = on_disk(&sb);
        check(&sb).code(0);
        let list = sb.json(&["flag", "list", "--json"]);
        let f0 = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["flag"] == "f0" && r["env"] == "prod")
            .unwrap();
        assert_eq!(f0["enabled"], false, "round {round}: the ledger lost the kill: {f0}");
        assert_agree(&files, &list, round);
        assert!(
            files.dotenv.contains("FEATURE_F0='false'\n"),
            "round {round}: the kill switch did not reach the .env:\n{}",
            files.dotenv
        );
    }
}

#[test]
fn a_writer_killed_between_commit_and_export_is_repaired_by_the_next_process() {
    let sb = Sandbox::new(&config());
    sb.run(&["flag", "export"]).ok();
    let marker_dir = tempfile::tempdir().unwrap();
    for round in 0..40 {
        // Alternate what is lost (a kill or a turn-on) and where the writer
        // dies: after the commit, or with its temp file written but not
        // yet renamed over the export.
        let args: &[&str] = if round % 2 == 0 {
            &["flag", "kill", "prod", "f0", "--yes", "--reason", "INC"]
        } else {
            &["flag", "set", "prod", "f0", "on", "--yes"]
        };
        let point = if round % 4 < 2 {
            "RELCON_TEST_PAUSE_BEFORE_EXPORT"
        } else {
            "RELCON_TEST_PAUSE_BEFORE_RENAME"
        };
        let marker = marker_dir.path().join(format!("paused-{round}"));
        let mut cmd = sb.command_as("oncall", args);
        cmd.env(point, &marker);
        let mut child = cmd.spawn().expect("spawn relcon");
        let paused = wait_until(Duration::from_secs(30), || marker.exists());
        sigkill(child.id() as i32);
        let status = wait_child(&mut child, Duration::from_secs(10));
        assert!(
            paused,
            "round {round}: the writer never reached {point} (exit {status:?})"
        );

        // The ledger has the change; the files do not, and --check says so
        // without repairing them (it opens read-only).
        let stale = check(&sb).code(1);
        for f in ["prod.flagd.json", "prod.env"] {
            assert!(
                stale.stdout.contains(f),
                "round {round} ({point}): {f} not named:\n{stale}"
            );
        }
        assert!(
            !stale.stdout.contains("staging"),
            "round {round}: staging is current:\n{stale}"
        );
        if point.ends_with("RENAME") {
            assert!(
                !temp_files(&sb.path("flags")).is_empty(),
                "round {round}: no temp file to clean up"
            );
        }

        // The next relcon process, whatever it is for, repairs both.
        sb.run(&["status"]).ok();
        let files = on_disk(&sb);
        check(&sb).code(0);
        assert_eq!(temp_files(&sb.path("flags")), Vec::<PathBuf>::new(), "round {round}");
        let list = sb.json(&["flag", "list", "--json"]);
        assert_agree(&files, &list, round);
        let want = if round % 2 == 0 { "false" } else { "true" };
        assert!(
            files.dotenv.contains(&format!("FEATURE_F0='{want}'\n")),
            "round {round}: {}",
            files.dotenv
        );
    }
}

#[test]
fn export_check_names_stale_files_and_writes_nothing() {
    let sb = Sandbox::new(&config());
    sb.run(&["flag", "set", "prod", "f3", "25%", "--yes"]).ok();
    check(&sb).code(0);
    let json = sb.run(&["flag", "export", "--check", "--json"]).code(0).json();
    assert_eq!(json, serde_json::json!([]));

    // A hand edit, a deleted file: both stale, both named, neither touched.
    let edited = sb
        .read("flags/prod.env")
        .replace("FEATURE_F3='false'", "FEATURE_F3='true'");
    sb.write("flags/prod.env", &edited);
    std::fs::remove_file(sb.path("flags/staging.flagd.json")).unwrap();
    let r = sb.run(&["flag", "export", "--check", "--json"]).code(1);
    let stale = r.json();
    let mut named: Vec<(String, String)> = stale
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let p = s["path"].as_str().unwrap();
            (
                p.rsplit('/').next().unwrap().to_string(),
                s["problem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            ("prod.env".to_string(), "differs".to_string()),
            ("staging.flagd.json".to_string(), "missing".to_string())
        ],
        "{r}"
    );
    let prod = stale.as_array().unwrap().iter().find(|s| s["env"] == "prod").unwrap();
    assert!(prod["seq"].as_u64().is_some_and(|s| s > 0), "{r}");
    assert_eq!(prod["file_seq"], prod["seq"], "a hand edit keeps the stamp: {r}");
    assert_eq!(sb.read("flags/prod.env"), edited, "--check must not write");
    assert!(!sb.exists("flags/staging.flagd.json"), "--check must not write");
    // --read-only opens the same way: no repair either.
    sb.run(&["--read-only", "flag", "list"]).ok();
    check(&sb).code(1);
    // Any other process repairs.
    sb.run(&["flag", "list"]).ok();
    check(&sb).code(0);
    assert!(sb.read("flags/prod.env").contains("FEATURE_F3='false'"));
}
