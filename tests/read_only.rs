//! `--read-only` means read-only everywhere (DESIGN §10). Every command
//! clap knows is classified here as read or write, so a new one cannot slip
//! through; every write verb, run with `--read-only` and with
//! `RELCON_READ_ONLY=1` and valid arguments, exits 2 and changes no byte of
//! the ledger, the config or the exports; every read verb still works and
//! changes nothing either; and a read-only console (real binary in a
//! pseudo-terminal) shows an interrupted deployment without recording it.

mod common;
mod tui_term;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::CommandFactory;
use common::{sigkill, wait_child, wait_until, Sandbox};
use tui_term::Spawn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Reads,
    Writes,
}
use Class::{Reads as R, Writes as W};

/// Every invocation the test runs: the command's path in clap's tree, its
/// arguments (valid ones: `valid` says whether the test also runs it for
/// real afterwards, in this order, and expects success), and its class.
const TABLE: &[(&str, &[&str], Class, bool)] = &[
    ("status", &["status", "--json"], R, true),
    ("history", &["history", "dev"], R, true),
    ("health", &["health", "--json"], R, true),
    ("checklist", &["checklist", "staging"], R, true),
    (
        "checklist import",
        &["checklist", "import", "list.md", "--name", "imported"],
        R,
        true,
    ),
    ("audit", &["audit"], R, true),
    ("audit verify", &["audit", "verify"], R, true),
    ("audit head", &["audit", "head"], R, true),
    ("diff", &["diff", "dev", "staging"], R, true),
    ("incident list", &["incident", "list"], R, true),
    ("metrics", &["metrics", "--explain"], R, true),
    ("notify status", &["notify", "status", "--json"], R, true),
    ("announce", &["announce", "dev", "--template", "staging-ready"], R, true),
    ("flag list", &["flag", "list"], R, true),
    ("flag eval", &["flag", "eval", "dev", "beta", "tenant-1"], R, true),
    ("flag export", &["flag", "export", "--check"], R, true),
    ("demo", &["demo", "--print-config"], R, true),
    ("completions", &["completions", "bash"], R, true),
    ("man", &["man"], R, true),
    ("init", &["init", "second.toml"], W, true),
    // The demo needs a terminal for its console: only the refusal is run.
    ("demo", &["demo", "--keep", "demo-folder"], W, false),
    (
        "release register",
        &["release", "register", "2.0", "--commit", "feed2"],
        W,
        true,
    ),
    ("deploy", &["deploy", "dev", "2.0", "--yes"], W, true),
    ("promote", &["promote", "dev", "staging", "--yes"], W, true),
    ("rollback", &["rollback", "staging", "--yes"], W, true),
    (
        "hold clear",
        &["hold", "clear", "staging", "--reason", "checked"],
        W,
        true,
    ),
    ("approve", &["approve", "prod", "1.0"], W, true),
    ("check", &["check", "staging", "post", "1"], W, true),
    ("flag set", &["flag", "set", "dev", "beta", "on", "--yes"], W, true),
    ("flag kill", &["flag", "kill", "dev", "beta", "--yes"], W, true),
    ("flag restore", &["flag", "restore", "dev", "beta", "--yes"], W, true),
    ("flag export", &["flag", "export"], W, true),
    ("resolve", &["resolve", "lab", "failed", "--yes"], W, true),
    ("ledger rebuild", &["ledger", "rebuild"], W, true),
    ("ledger init", &["ledger", "init"], W, true),
    (
        "incident open",
        &["incident", "open", "staging", "--severity", "high"],
        W,
        true,
    ),
    ("incident note", &["incident", "note", "staging", "watching"], W, true),
    ("incident show", &["incident", "show", "staging"], R, true),
    ("incident resolve", &["incident", "resolve", "staging"], W, true),
    ("rollout status", &["rollout", "status"], R, true),
    // No plan in this config: only the refusals are run (tests/rollouts.rs runs them).
    (
        "rollout start",
        &["rollout", "start", "dev", "p", "--flag", "beta", "--yes"],
        W,
        false,
    ),
    ("rollout pause", &["rollout", "pause", "dev"], W, false),
    ("rollout resume", &["rollout", "resume", "dev"], W, false),
    ("rollout advance", &["rollout", "advance", "dev", "--yes"], W, false),
    ("rollout abort", &["rollout", "abort", "dev", "--yes"], W, false),
    ("rollout run", &["rollout", "run"], W, true),
    ("ledger copy", &["ledger", "copy", "--to", "sqlite:copy.db"], W, true),
    ("notify flush", &["notify", "flush"], W, true),
    // This config has no [[notify]] sink to send to: only the refusal is run.
    (
        "announce",
        &["announce", "dev", "--template", "staging-ready", "--send", "team"],
        W,
        false,
    ),
    (
        "review",
        &[
            "review", "dev", "--answer", "ok", "--answer", "", "--answer", "no", "--answer", "tests",
        ],
        W,
        true,
    ),
    (
        "checklist import",
        &["checklist", "import", "list.md", "--name", "imported", "--write"],
        W,
        true,
    ),
];

/// Every command a user can invoke: leaves of clap's tree, plus commands
/// that also run without their subcommand (`checklist`, `audit`).
fn invocable(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let path = format!("{prefix}{}", sub.get_name());
        if sub.get_subcommands().next().is_none() || !sub.is_subcommand_required_set() {
            out.insert(path.clone());
        }
        invocable(sub, &format!("{path} "), out);
    }
}

#[test]
fn every_command_is_classified_read_or_write() {
    let mut all = BTreeSet::new();
    invocable(&relcon::cli::Cli::command(), "", &mut all);
    let classified: BTreeSet<String> = TABLE.iter().map(|(p, ..)| p.to_string()).collect();
    let missing: Vec<&String> = all.difference(&classified).collect();
    assert!(
        missing.is_empty(),
        "commands not classified read or write in tests/read_only.rs TABLE (add them, with valid arguments): {missing:?}"
    );
    let unknown: Vec<&String> = classified.difference(&all).collect();
    assert!(
        unknown.is_empty(),
        "TABLE names commands clap does not know: {unknown:?}"
    );
    // The table agrees with the binary's own classification.
    for (path, args, class, _) in TABLE {
        let mut argv = vec!["relcon"];
        argv.extend_from_slice(args);
        let cli = <relcon::cli::Cli as clap::Parser>::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
        let cmd = cli.command.as_ref().unwrap();
        assert_eq!(cmd.write_verb().is_some(), *class == W, "{path}: {args:?}");
    }
}

const CONFIG: &str = r#"[project]
name = "read-only"

[[environment]]
name = "dev"
deploy = "sh hook.sh"
health = [{ name = "api", url = "http://127.0.0.1:9/health", timeout = "1s" }]

[[environment]]
name = "staging"
promote_from = "dev"
deploy = "sh hook.sh"
checklists = { after = ["post"] }

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
approvals = 1
deploy = "sh hook.sh"

[[environment]]
name = "lab"
deploy = "sh hook.sh"

[checklist.post]
items = ["Smoke test", "Notify #releases"]

[flag.beta]
env.dev = { enabled = false }

[export]
flags = [{ format = "flagd", path = "flags/{env}.flagd.json" }, { format = "dotenv", path = "flags/{env}.env" }]
"#;

/// A deploy hook that blocks while the file `hold` exists, so a test can
/// leave a deployment in flight.
const HOOK: &str = "if [ -e hold ]; then touch started; while [ -e hold ]; do sleep 0.05; done; fi\n";

/// Releases in dev and staging, and in lab a deployment whose relcon process
/// was SIGKILLed: still `started` in the ledger, its pid dead. Nothing has
/// opened the ledger since, so nothing recorded it as interrupted.
fn sandbox_with_an_orphaned_deployment() -> Sandbox {
    let sb = Sandbox::new(CONFIG);
    sb.write("hook.sh", HOOK);
    sb.write("list.md", "- [ ] Backups verified\n- [ ] On-call informed\n");
    sb.register("1.0", "abc1");
    sb.register("1.1", "abc2");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    sb.run(&["deploy", "dev", "1.1", "--yes"]).ok();
    sb.write("hold", "");
    let mut child = sb.spawn_as("ana", &["deploy", "lab", "1.0", "--yes"]);
    let started = wait_until(Duration::from_secs(20), || sb.exists("started"));
    sigkill(child.id() as i32);
    wait_child(&mut child, Duration::from_secs(10));
    std::fs::remove_file(sb.path("hold")).unwrap();
    assert!(started, "the lab deployment never started");
    // Fold the dead writer's WAL into the file, so that opening it later
    // has nothing to checkpoint and any change of bytes is a real write.
    sb.db().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    sb
}

/// Every file under the sandbox (but SQLite's shared-memory index, which
/// readers use), with its bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if !p.to_string_lossy().ends_with("-shm") {
                let bytes = std::fs::read(&p).unwrap_or_default();
                // An empty WAL left by a reader is the same as none.
                if !(p.to_string_lossy().ends_with("-wal") && bytes.is_empty()) {
                    out.insert(p, bytes);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &mut out);
    out
}

fn event_count(sb: &Sandbox) -> i64 {
    sb.db()
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

#[track_caller]
fn assert_unchanged(sb: &Sandbox, before: &BTreeMap<PathBuf, Vec<u8>>, what: &str) {
    let after = snapshot(sb.root());
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .map(|p| p.display().to_string())
        .collect();
    assert!(changed.is_empty(), "{what} changed {changed:?}");
}

#[test]
fn read_only_refuses_every_write_verb_and_reads_without_writing() {
    let sb = sandbox_with_an_orphaned_deployment();
    let events = event_count(&sb);
    let before = snapshot(sb.root());

    for (path, args, class, _) in TABLE {
        for how in ["--read-only", "RELCON_READ_ONLY=1"] {
            let r = if how == "--read-only" {
                sb.run(&[&["--read-only"][..], args].concat())
            } else {
                sb.run_env(&[("RELCON_READ_ONLY", "1")], args)
            };
            let what = format!("`relcon {}` with {how}", args.join(" "));
            match class {
                W => {
                    assert_eq!(r.code, 2, "{what} must be refused:\n{r}");
                    assert!(r.stderr.contains("read-only"), "{what}: say why:\n{r}");
                }
                R => assert!(r.code == 0 || *path == "health", "{what}:\n{r}"),
            }
            assert_unchanged(&sb, &before, &what);
        }
    }
    assert_eq!(event_count(&sb), events);

    // The read-only status shows the dead deployment as interrupted.
    let st = sb.run(&["--read-only", "status", "--json"]).ok().json();
    let lab = st["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "lab")
        .unwrap();
    assert_eq!(lab["deployment"]["state"], "interrupted", "{lab}");
    assert!(
        common::strings(&lab["badges"]).contains(&"interrupted".to_string()),
        "{lab}"
    );
    assert_unchanged(&sb, &before, "read-only status");

    // Without read-only, the same invocations are valid and succeed (the
    // first process records the interruption, so `resolve` has one).
    for (_, args, class, valid) in TABLE {
        if *class == W && *valid {
            let r = sb.run(args);
            assert_eq!(r.code, 0, "`relcon {}` without --read-only:\n{r}", args.join(" "));
        }
    }
    assert!(event_count(&sb) > events);
    assert!(sb.exists("second.toml"));
}

#[test]
fn a_read_only_console_shows_an_interrupted_deployment_and_records_nothing() {
    let sb = sandbox_with_an_orphaned_deployment();
    let events = event_count(&sb);
    let before = snapshot(sb.root());

    let term = Spawn::new(sb.root(), "viewer")
        .args(&["--read-only"])
        .size(30, 120)
        .start();
    term.wait_in("lab shown as interrupted, read-only", Duration::from_secs(15), |t| {
        t.contains("read-only") && t.contains("interrupted")
    });
    term.quit();
    assert_eq!(event_count(&sb), events, "a read-only console recorded an event");
    assert_unchanged(&sb, &before, "the read-only console");

    // The same start without --read-only records the interruption: the
    // check above is not vacuous.
    sb.run(&["status"]).ok();
    let kinds: Vec<String> = sb
        .audit()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.contains(&"deployment.interrupted".to_string()), "{kinds:?}");
}
