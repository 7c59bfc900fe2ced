//! Feature flags through the real binary and library (DESIGN §3b, §4):
//! flagd and dotenv exports against golden files and the §3b shape, kill and
//! restore (also after a double kill), `flag eval` against an independent
//! mmh3 table, atomic export writes under 1 000 rapid changes and under
//! concurrent changes from two threads, the on_change hook, protected envs,
//! `flag_approvals`, and interop with the real OpenFeature flagd evaluator
//! (`@openfeature/flagd-core`, installed by `.ci/install-test-deps`).

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{strings, Backend, Sandbox};
use relcon::ops::flags::{Change, Switch};
use serde_json::{json, Value};

// The ledger-facing tests run on both stores; bucketing, atomic file
// writes and flagd interop are about files and run on SQLite.
both_stores!(
    exports_follow_every_state_and_match_the_golden_files,
    a_second_kill_does_not_lose_the_state_to_restore,
    on_change_hook_gets_the_new_state,
    a_protected_env_needs_a_reason,
    flag_approvals_refuse_a_change_until_someone_else_approves_it,
);

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

const EXPORTS: &str = r#"
[export]
flags = [{ format = "flagd", path = "flags/{env}.flagd.json" }, { format = "dotenv", path = ".env.{env}.flags" }]
"#;

/// staging (open) and prod (protected), one flag, both exports.
fn flag_config(prod_extra: &str, flag_extra: &str) -> String {
    format!(
        r#"[project]
name = "flags-test"

[[environment]]
name = "staging"

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
{prod_extra}

[flag.new_checkout]
description = "Rewritten checkout flow"
env.staging = {{ enabled = false }}
env.prod = {{ enabled = false }}
{flag_extra}
{EXPORTS}"#
    )
}

fn golden(name: &str) -> String {
    let p = format!("{FIXTURES}/flags/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("golden {p}: {e}"))
}

/// A flagd document without the volatile metadata (who, when, and the
/// ledger seq it reflects).
fn stable(mut doc: Value) -> Value {
    if let Some(top) = doc.as_object_mut() {
        let meta = top.remove("metadata");
        assert!(
            meta.as_ref().is_some_and(|m| m["relcon_seq"].is_u64()),
            "no metadata.relcon_seq: {meta:?}"
        );
    }
    if let Some(flags) = doc["flags"].as_object_mut() {
        for f in flags.values_mut() {
            if let Some(m) = f.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("changedAt");
                m.remove("changedBy");
            }
        }
    }
    doc
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON ({e}):\n{text}", path.display()))
}

/// Every `{op: args}` node of a JSON-logic tree.
fn find_ops<'a>(v: &'a Value, op: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if let Some(args) = m.get(op) {
                out.push(args);
            }
            m.values().for_each(|x| find_ops(x, op, out));
        }
        Value::Array(a) => a.iter().for_each(|x| find_ops(x, op, out)),
        _ => {}
    }
}

/// DESIGN §3b: the shape of every flag of an exported flagd document,
/// checked against the flag's state as `flag list --json` reports it.
fn assert_flagd_shape(doc: &Value, list: &Value, env: &str) {
    let text = doc.to_string();
    assert!(
        !text.contains("DISABLED"),
        "a flagd export must never use state DISABLED: {text}"
    );
    let flags = doc["flags"]
        .as_object()
        .unwrap_or_else(|| panic!("no flags object: {doc}"));
    for (name, f) in flags {
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["flag"] == name.as_str() && r["env"] == env)
            .unwrap_or_else(|| panic!("{name}/{env} not in flag list"));
        let (enabled, rollout) = (row["enabled"].as_bool().unwrap(), row["rollout"].as_u64().unwrap());
        let targets = strings(&row["targets"]);
        let ctx = format!("{name} in {env} ({row}): {f}");
        assert_eq!(f["state"], "ENABLED", "{ctx}");
        assert_eq!(f["variants"], json!({ "on": true, "off": false }), "{ctx}");
        let all_on = enabled && rollout == 100;
        assert_eq!(f["defaultVariant"], if all_on { "on" } else { "off" }, "{ctx}");
        let wants_targeting = enabled && rollout < 100 && (!targets.is_empty() || rollout > 0);
        assert_eq!(
            f.get("targeting").is_some(),
            wants_targeting,
            "targeting only with targets or 0 < rollout < 100: {ctx}"
        );
        let Some(t) = f.get("targeting") else { continue };
        let (mut ins, mut fracs) = (Vec::new(), Vec::new());
        find_ops(t, "in", &mut ins);
        find_ops(t, "fractional", &mut fracs);
        if targets.is_empty() {
            assert!(ins.is_empty(), "{ctx}");
        } else {
            assert_eq!(ins.len(), 1, "{ctx}");
            assert_eq!(ins[0][0], json!({ "var": "targetingKey" }), "{ctx}");
            assert_eq!(strings(&ins[0][1]), targets, "{ctx}");
        }
        if rollout == 0 {
            assert!(fracs.is_empty(), "{ctx}");
        } else {
            assert_eq!(fracs.len(), 1, "{ctx}");
            let buckets = fracs[0].as_array().unwrap();
            let weights: Vec<u64> = buckets
                .iter()
                .map(|b| b[1].as_u64().unwrap_or_else(|| panic!("weight not an integer: {ctx}")))
                .collect();
            assert_eq!(weights.iter().sum::<u64>(), 100, "weights must sum to 100: {ctx}");
            assert_eq!(buckets[0], json!(["on", rollout]), "{ctx}");
            assert_eq!(buckets[1], json!(["off", 100 - rollout]), "{ctx}");
        }
        if !targets.is_empty() {
            // if [in targets] then "on" [else fractional]
            let arms = t["if"]
                .as_array()
                .unwrap_or_else(|| panic!("targets need an if: {ctx}"));
            assert_eq!(arms[1], "on", "{ctx}");
            assert_eq!(arms.len(), if rollout > 0 { 3 } else { 2 }, "{ctx}");
        }
    }
}

/// The seq of the newest `flag.changed` event of `env` (0: none).
fn newest_flag_seq(sb: &Sandbox, env: &str) -> u64 {
    sb.audit()
        .iter()
        .filter(|e| e["kind"] == "flag.changed" && e["env"] == env)
        .filter_map(|e| e["seq"].as_u64())
        .max()
        .unwrap_or(0)
}

/// A `.env` export split into its seq stamp and the rest.
fn dotenv_parts(text: &str) -> (u64, &str) {
    let (first, rest) = text.split_once('\n').unwrap_or_else(|| panic!("one line: {text:?}"));
    let seq = first
        .strip_prefix("# relcon seq ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("first line is not `# relcon seq N`: {text:?}"));
    (seq, rest)
}

/// Both exports of `env` equal the golden `state` files, have the §3b
/// shape, and are stamped with the seq of the env's newest flag change.
fn assert_exports(sb: &Sandbox, env: &str, state: &str) {
    let seq = newest_flag_seq(sb, env);
    let doc = read_json(&sb.path(&format!("flags/{env}.flagd.json")));
    assert_eq!(doc["metadata"]["relcon_seq"].as_u64(), Some(seq), "{doc}");
    let want: Value = serde_json::from_str(&golden(&format!("{state}.flagd.json"))).unwrap();
    assert_eq!(
        stable(doc.clone()),
        want,
        "flagd export for state {state:?} differs from tests/fixtures/flags/{state}.flagd.json"
    );
    assert_flagd_shape(&doc, &sb.json(&["flag", "list", "--json"]), env);
    let text = sb.read(&format!(".env.{env}.flags"));
    let (stamped, rest) = dotenv_parts(&text);
    assert_eq!(stamped, seq, "{text}");
    assert_eq!(
        rest,
        golden(&format!("{state}.env")),
        "dotenv export for state {state:?}"
    );
}

fn set(sb: &Sandbox, args: &[&str]) {
    let mut a = vec!["flag", "set"];
    a.extend_from_slice(args);
    a.push("--yes");
    sb.run(&a).ok();
}

fn flag_row(sb: &Sandbox, flag: &str, env: &str) -> Value {
    let list = sb.json(&["flag", "list", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["flag"] == flag && r["env"] == env)
        .cloned()
        .unwrap_or_else(|| panic!("{flag}/{env} not in {list}"))
}

fn exports_follow_every_state_and_match_the_golden_files(b: Backend) {
    let sb = Sandbox::on(b, &flag_config("", ""));
    // Nothing changed yet: `flag export` writes the config's initial state.
    let written = sb.json(&["flag", "export", "--json"]);
    assert_eq!(
        written.as_array().map(Vec::len),
        Some(4),
        "two envs × two exports: {written}"
    );
    assert_exports(&sb, "staging", "off");

    set(&sb, &["staging", "new_checkout", "on", "--reason", "launch"]);
    assert_exports(&sb, "staging", "on");
    set(
        &sb,
        &[
            "staging",
            "new_checkout",
            "0%",
            "--target",
            "15",
            "--target",
            "42",
            "--reason",
            "pilot tenants",
        ],
    );
    assert_exports(&sb, "staging", "targets");
    set(
        &sb,
        &[
            "staging",
            "new_checkout",
            "10%",
            "--untarget",
            "15",
            "--untarget",
            "42",
            "--reason",
            "widen to 10%",
        ],
    );
    assert_exports(&sb, "staging", "rollout-10");
    set(
        &sb,
        &[
            "staging",
            "new_checkout",
            "25%",
            "--target",
            "103",
            "--reason",
            "25% plus tenant 103",
        ],
    );
    assert_exports(&sb, "staging", "targets-25");
    // Who changed it goes in the metadata.
    let doc = read_json(&sb.path("flags/staging.flagd.json"));
    assert_eq!(
        doc["flags"]["new_checkout"]["metadata"]["changedBy"],
        common::USER,
        "{doc}"
    );
    assert!(
        doc["flags"]["new_checkout"]["metadata"]["changedAt"].is_string(),
        "{doc}"
    );
    // prod was never touched by the changes above.
    assert_exports(&sb, "prod", "off");

    // The kill switch: off now, no targeting, the dotenv says false.
    let k = sb
        .run(&[
            "flag",
            "kill",
            "staging",
            "new_checkout",
            "--yes",
            "--reason",
            "INC-1 checkout errors",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(
        (k["row"]["enabled"].as_bool(), k["row"]["killed"].as_bool()),
        (Some(false), Some(true)),
        "{k}"
    );
    assert_exports(&sb, "staging", "killed");
    assert!(sb.read(".env.staging.flags").contains("FEATURE_NEW_CHECKOUT='false'\n"));
    let ev = sb.json(&["flag", "eval", "staging", "new_checkout", "103", "--json"]);
    assert_eq!(
        (ev["enabled"].as_bool(), ev["reason"].as_str()),
        (Some(false), Some("disabled")),
        "a kill beats targets: {ev}"
    );
    let audit = sb.audit();
    let kill = audit
        .iter()
        .filter(|e| e["kind"] == "flag.changed")
        .max_by_key(|e| e["seq"].as_u64())
        .unwrap_or_else(|| panic!("no flag.changed in audit"));
    assert_eq!(
        (kill["env"].as_str(), kill["actor"].as_str()),
        (Some("staging"), Some(common::USER)),
        "{kill}"
    );
    assert_eq!(
        (kill["body"]["change"].as_str(), kill["body"]["flag"].as_str()),
        (Some("kill"), Some("new_checkout")),
        "{kill}"
    );
    assert_eq!(kill["body"]["reason"], "INC-1 checkout errors", "{kill}");
    assert_eq!(kill["body"]["before"]["rollout"], 25, "{kill}");

    // Restore brings the percentage and the targets back.
    sb.run(&[
        "flag",
        "restore",
        "staging",
        "new_checkout",
        "--yes",
        "--reason",
        "fixed in 1.4.3",
    ])
    .ok();
    let row = flag_row(&sb, "new_checkout", "staging");
    assert_eq!(
        (
            row["enabled"].as_bool(),
            row["rollout"].as_u64(),
            strings(&row["targets"])
        ),
        (Some(true), Some(25), vec!["103".to_string()]),
        "{row}"
    );
    assert_eq!(row["killed"], false, "{row}");
    let doc = stable(read_json(&sb.path("flags/staging.flagd.json")));
    let want: Value = serde_json::from_str(&golden("targets-25.flagd.json")).unwrap();
    assert_eq!(
        doc["flags"]["new_checkout"]["targeting"],
        want["flags"]["new_checkout"]["targeting"]
    );
    assert_eq!(
        doc["flags"]["new_checkout"]["metadata"],
        json!({ "description": "Rewritten checkout flow", "reason": "fixed in 1.4.3" })
    );
    assert_eq!(dotenv_parts(&sb.read(".env.staging.flags")).1, golden("targets-25.env"));
    let ev = sb.json(&["flag", "eval", "staging", "new_checkout", "103", "--json"]);
    assert_eq!(
        (ev["enabled"].as_bool(), ev["reason"].as_str()),
        (Some(true), Some("targeted")),
        "{ev}"
    );
    // Restoring what is not killed is a usage error.
    sb.run(&["flag", "restore", "staging", "new_checkout", "--yes"]).code(2);
    // Setting the state it already has is a usage error too, and records nothing.
    let before = sb.audit().len();
    sb.run(&["flag", "set", "staging", "new_checkout", "25%", "--yes"])
        .code(2);
    assert_eq!(sb.audit().len(), before);

    // `flag export` rewrites the files from the ledger after they are lost.
    std::fs::remove_dir_all(sb.path("flags")).unwrap();
    std::fs::remove_file(sb.path(".env.staging.flags")).unwrap();
    sb.run(&["flag", "export"]).ok();
    let text = sb.read(".env.staging.flags");
    assert_eq!(
        dotenv_parts(&text),
        (newest_flag_seq(&sb, "staging"), golden("targets-25.env").as_str())
    );
    assert_exports(&sb, "prod", "off");
}

fn a_second_kill_does_not_lose_the_state_to_restore(b: Backend) {
    let sb = Sandbox::on(b, &flag_config("", ""));
    set(&sb, &["staging", "new_checkout", "25%", "--target", "103"]);
    sb.run(&[
        "flag",
        "kill",
        "staging",
        "new_checkout",
        "--yes",
        "--reason",
        "first responder",
    ])
    .ok();
    // A second on-call engineer hits the kill switch too.
    sb.run(&[
        "flag",
        "kill",
        "staging",
        "new_checkout",
        "--yes",
        "--reason",
        "second responder",
    ])
    .ok();
    // Projections recomputed from the events must remember the same state.
    sb.run(&["ledger", "rebuild"]).ok();
    sb.run(&[
        "flag",
        "restore",
        "staging",
        "new_checkout",
        "--yes",
        "--reason",
        "fixed",
    ])
    .ok();
    let row = flag_row(&sb, "new_checkout", "staging");
    assert_eq!(
        (
            row["enabled"].as_bool(),
            row["rollout"].as_u64(),
            strings(&row["targets"])
        ),
        (Some(true), Some(25), vec!["103".to_string()]),
        "restore after a double kill must bring back the state before the first kill: {row}"
    );
}

// ---------------------------------------------------------------------------
// Bucketing: `flag eval` against an independent table (Python mmh3).
// ---------------------------------------------------------------------------

struct BucketRow {
    flag: String,
    key: String,
    bucket: u64,
}

fn bucket_table() -> Vec<BucketRow> {
    let text =
        std::fs::read_to_string(format!("{FIXTURES}/flag_buckets.tsv")).expect("tests/fixtures/flag_buckets.tsv");
    let rows: Vec<BucketRow> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 4, "bad row {l:?}");
            BucketRow {
                flag: c[0].to_string(),
                key: c[1].to_string(),
                bucket: c[3].parse().unwrap(),
            }
        })
        .collect();
    assert_eq!(rows.len(), 40);
    rows
}

#[test]
fn flag_eval_matches_the_independent_mmh3_table() {
    let table = bucket_table();
    let mut flags: Vec<&str> = table.iter().map(|r| r.flag.as_str()).collect();
    flags.dedup();
    let mut config = String::from("[project]\nname = \"buckets\"\n\n[[environment]]\nname = \"staging\"\n");
    for f in &flags {
        config += &format!("\n[flag.{f}]\nenv.staging = {{ enabled = false }}\n");
    }
    let sb = Sandbox::new(&config);
    for p in [0u64, 1, 50, 99, 100] {
        for f in &flags {
            set(&sb, &["staging", f, &format!("{p}%")]);
        }
        // Evaluate the 40 rows on a few threads: each is a real process.
        let results: Vec<(usize, Value)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let (sb, table) = (&sb, &table);
                    s.spawn(move || {
                        (0..table.len())
                            .filter(|i| i % 4 == t && table[*i].key.is_ascii())
                            .map(|i| {
                                (
                                    i,
                                    sb.json(&["flag", "eval", "staging", &table[i].flag, &table[i].key, "--json"]),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.len(), table.iter().filter(|r| r.key.is_ascii()).count());
        for (i, ev) in results {
            let row = &table[i];
            let ctx = format!("{} / {:?} at {p}%: {ev}", row.flag, row.key);
            assert_eq!(
                (ev["flag"].as_str(), ev["env"].as_str(), ev["key"].as_str()),
                (Some(row.flag.as_str()), Some("staging"), Some(row.key.as_str())),
                "{ctx}"
            );
            // flagd skips `fractional` without a targeting key: the default
            // variant, on only at 100 %.
            if row.key.is_empty() {
                assert_eq!(ev["enabled"].as_bool(), Some(p == 100), "{ctx}");
                if p < 100 {
                    assert_eq!(ev["reason"], "no targeting key", "{ctx}");
                }
                continue;
            }
            assert_eq!(ev["bucket"].as_u64(), Some(row.bucket), "bucket {ctx}");
            assert_eq!(ev["enabled"].as_bool(), Some(row.bucket < p), "{ctx}");
            let reason = ev["reason"].as_str().unwrap();
            if row.bucket < p {
                assert!(
                    reason.starts_with(&format!("in rollout bucket {}", row.bucket)),
                    "{ctx}"
                );
            } else {
                assert!(
                    reason.starts_with(&format!("outside rollout: bucket {}", row.bucket)),
                    "{ctx}"
                );
            }
        }
    }
    // Beyond ASCII, flagd evaluators disagree (Go: UTF-8 bytes, flagd-core:
    // UTF-16 units): `flag eval` refuses such keys; the hash itself stays
    // the UTF-8 one Go flagd and mmh3 compute.
    for row in table.iter().filter(|r| !r.key.is_ascii()) {
        let r = sb.run(&["flag", "eval", "staging", &row.flag, &row.key]).code(2);
        assert!(r.stderr.contains("not ASCII"), "{r}");
        assert_eq!(
            u64::from(relcon::flags::murmur::bucket(&row.flag, &row.key)),
            row.bucket,
            "{} / {:?}",
            row.flag,
            row.key
        );
    }
}

// ---------------------------------------------------------------------------
// Atomic export writes.
// ---------------------------------------------------------------------------

#[test]
fn a_reader_never_sees_a_half_written_export() {
    let sb = Sandbox::new(&flag_config("", ""));
    let mut ctx = sb.ctx("ana");
    relcon::ops::exports::write_all(&ctx).unwrap();
    let flagd = sb.path("flags/staging.flagd.json");
    let dotenv = sb.path(".env.staging.flags");

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, flagd, dotenv) = (stop.clone(), flagd.clone(), dotenv.clone());
        std::thread::spawn(move || {
            let (mut reads, mut bad, mut rollouts) = (0usize, Vec::<String>::new(), std::collections::BTreeSet::new());
            while !stop.load(Ordering::Relaxed) {
                match std::fs::read(&flagd) {
                    Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                        Ok(doc) => {
                            if let Some(r) =
                                doc["flags"]["new_checkout"]["targeting"]["if"][2]["fractional"][0][1].as_u64()
                            {
                                rollouts.insert(r);
                            }
                        }
                        Err(e) => bad.push(format!("flagd read of {} bytes: {e}", bytes.len())),
                    },
                    Err(e) => bad.push(format!("flagd read: {e}")),
                }
                match std::fs::read_to_string(&dotenv) {
                    Ok(t) if t.lines().count() == 5 && t.ends_with('\n') => {}
                    Ok(t) => bad.push(format!("dotenv read: {t:?}")),
                    Err(e) => bad.push(format!("dotenv read: {e}")),
                }
                reads += 1;
            }
            (reads, bad, rollouts)
        })
    };

    for i in 0..1000u32 {
        let change = Change {
            switch: Some(Switch::Percent(i % 99 + 1)),
            add_targets: vec![format!("tenant-{i}")],
            remove_targets: if i >= 40 {
                vec![format!("tenant-{}", i - 40)]
            } else {
                vec![]
            },
        };
        let c = relcon::ops::flags::set(&mut ctx, "staging", "new_checkout", &change, None, false)
            .unwrap_or_else(|e| panic!("change {i}: {e}"));
        assert!(c.warnings.is_empty(), "change {i}: {:?}", c.warnings);
    }
    stop.store(true, Ordering::Relaxed);
    let (reads, bad, rollouts) = reader.join().unwrap();
    assert!(
        bad.is_empty(),
        "{} of {reads} reads saw a partial file, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    assert!(reads >= 200, "the reader only managed {reads} reads");
    assert!(
        rollouts.len() >= 20,
        "the reader saw only {} distinct states: it did not race the writer",
        rollouts.len()
    );
    // The last state is what is on disk, and no temp file is left behind.
    let doc = read_json(&flagd);
    assert_eq!(
        doc["flags"]["new_checkout"]["targeting"]["if"][2]["fractional"][0],
        json!(["on", 999 % 99 + 1])
    );
    let leftovers: Vec<PathBuf> = std::fs::read_dir(sb.path("flags"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Two consoles' worth of changes from one process (e.g. the TUI's worker
/// threads): each export must still be published whole, and no change may
/// fail to export because another thread's temp file got in the way.
#[test]
fn concurrent_changes_in_one_process_export_whole_files() {
    let sb = Sandbox::new(&flag_config(
        "",
        "\n[flag.dark_mode]\nenv.staging = { enabled = false }\n",
    ));
    let ctx = sb.ctx("ana");
    relcon::ops::exports::write_all(&ctx).unwrap();
    let flagd = sb.path("flags/staging.flagd.json");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, flagd) = (stop.clone(), flagd.clone());
        std::thread::spawn(move || {
            let mut bad = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match std::fs::read(&flagd).map(|b| {
                    serde_json::from_slice::<Value>(&b)
                        .map(|_| ())
                        .map_err(|e| format!("{e} ({} bytes)", b.len()))
                }) {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => bad.push(e),
                    Err(e) => bad.push(e.to_string()),
                }
            }
            bad
        })
    };
    let writers: Vec<_> = ["new_checkout", "dark_mode"]
        .into_iter()
        .map(|flag| {
            let mut ctx = ctx.reopen().unwrap();
            std::thread::spawn(move || {
                let mut warnings = Vec::new();
                for i in 0..150u32 {
                    let change = Change {
                        switch: Some(Switch::Percent(i % 99 + 1)),
                        ..Change::default()
                    };
                    let c = relcon::ops::flags::set(&mut ctx, "staging", flag, &change, None, false)
                        .unwrap_or_else(|e| panic!("{flag} change {i}: {e}"));
                    warnings.extend(c.warnings);
                }
                warnings
            })
        })
        .collect();
    let warnings: Vec<String> = writers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    stop.store(true, Ordering::Relaxed);
    let bad = reader.join().unwrap();
    assert!(
        warnings.is_empty(),
        "{} exports failed, e.g. {:?}",
        warnings.len(),
        &warnings[..warnings.len().min(3)]
    );
    assert!(
        bad.is_empty(),
        "{} reads saw a partial file, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(3)]
    );
    // The file ends up with both flags' last state, whoever exported last.
    let doc = read_json(&flagd);
    for flag in ["new_checkout", "dark_mode"] {
        assert_eq!(
            doc["flags"][flag]["targeting"]["fractional"][0],
            json!(["on", 149 % 99 + 1]),
            "{flag}: {doc}"
        );
    }
}

// ---------------------------------------------------------------------------
// on_change, protected envs, flag approvals.
// ---------------------------------------------------------------------------

fn on_change_hook_gets_the_new_state(b: Backend) {
    let hook = r#"on_change = 'printf "%s|%s|%s|%s|%s|%s\n" "$RELCON_FLAG" "$RELCON_ENV" "$RELCON_FLAG_STATE" "$RELCON_FLAG_TARGETS" "$RELCON_ACTOR" "$RELCON_REASON" >> hook.log'"#;
    let mut config = flag_config("", hook);
    config +=
        "\n[flag.broken]\nenv.staging = { enabled = false }\non_change = \"echo cannot reach the CDN >&2; exit 7\"\n";
    let sb = Sandbox::on(b, &config);
    set(
        &sb,
        &[
            "staging",
            "new_checkout",
            "25%",
            "--target",
            "15",
            "--target",
            "42",
            "--reason",
            "pilot",
        ],
    );
    sb.run(&["flag", "kill", "staging", "new_checkout", "--yes"]).ok();
    sb.run_as(
        "bob",
        &[
            "flag",
            "restore",
            "staging",
            "new_checkout",
            "--yes",
            "--reason",
            "ok again",
        ],
    )
    .ok();
    set(&sb, &["staging", "new_checkout", "on", "--untarget", "15"]);
    assert_eq!(
        sb.read("hook.log"),
        "new_checkout|staging|25%|15,42|ana|pilot\nnew_checkout|staging|off|15,42|ana|\nnew_checkout|staging|25%|15,42|bob|ok again\nnew_checkout|staging|on|42|ana|\n"
    );
    // The hook runs after the record: when it fails the change stands, exit 4.
    let r = sb.run(&["flag", "set", "staging", "broken", "on", "--yes"]).code(4);
    assert!(r.stderr.contains("on_change"), "{r}");
    assert_eq!(flag_row(&sb, "broken", "staging")["enabled"], true);
}

fn a_protected_env_needs_a_reason(b: Backend) {
    let sb = Sandbox::on(b, &flag_config("", ""));
    for args in [
        vec!["flag", "set", "prod", "new_checkout", "on", "--yes"],
        vec!["flag", "kill", "prod", "new_checkout", "--yes"],
        vec!["flag", "set", "prod", "new_checkout", "on", "--yes", "--reason", "   "],
    ] {
        let r = sb.run(&args).code(2);
        assert!(r.stderr.contains("--reason"), "{args:?}:\n{r}");
    }
    // No TTY and no --yes: nothing can be confirmed.
    sb.run(&["flag", "set", "prod", "new_checkout", "on", "--reason", "x"])
        .code(2);
    assert!(
        sb.audit().iter().all(|e| e["kind"] != "flag.changed"),
        "a refused change was recorded"
    );
    // The export still says what the ledger says: off.
    assert_eq!(
        read_json(&sb.path("flags/prod.flagd.json"))["flags"]["new_checkout"]["defaultVariant"],
        "off"
    );
    sb.run(&[
        "flag",
        "set",
        "prod",
        "new_checkout",
        "on",
        "--yes",
        "--reason",
        "launch",
    ])
    .ok();
    assert_eq!(flag_row(&sb, "new_checkout", "prod")["enabled"], true);
    // staging is not protected: no reason needed.
    set(&sb, &["staging", "new_checkout", "on"]);
}

fn flag_approvals_refuse_a_change_until_someone_else_approves_it(b: Backend) {
    let sb = Sandbox::on(b, &flag_config("flag_approvals = 1", ""));
    let attempt = || {
        sb.run(&[
            "flag",
            "set",
            "prod",
            "new_checkout",
            "25%",
            "--yes",
            "--reason",
            "ramp up",
        ])
    };
    let r = attempt().code(3);
    assert!(
        r.stderr.contains("approvals") && r.stderr.contains("relcon approve prod flag:new_checkout=25%"),
        "{r}"
    );
    // Your own approval does not count.
    sb.run(&["approve", "prod", "flag:new_checkout=25%"]).ok();
    attempt().code(3);
    // An approval of another state does not count either.
    sb.run_as("bob", &["approve", "prod", "flag:new_checkout=50%"]).ok();
    attempt().code(3);
    assert_eq!(flag_row(&sb, "new_checkout", "prod")["enabled"], false);
    sb.run_as("bob", &["approve", "prod", "flag:new_checkout=25%"]).ok();
    attempt().ok();
    let row = flag_row(&sb, "new_checkout", "prod");
    assert_eq!(
        (row["enabled"].as_bool(), row["rollout"].as_u64()),
        (Some(true), Some(25)),
        "{row}"
    );
    // The kill switch is never gated.
    sb.run(&["flag", "kill", "prod", "new_checkout", "--yes", "--reason", "INC-7"])
        .ok();
    // staging has no flag_approvals.
    set(&sb, &["staging", "new_checkout", "25%"]);
    // Approving an unknown flag is a usage error.
    sb.run_as("bob", &["approve", "prod", "flag:nope=on"]).code(2);
}

// ---------------------------------------------------------------------------
// Interop: the real OpenFeature flagd evaluator reads relcon's exports.
// ---------------------------------------------------------------------------

/// The npm prefix holding @openfeature/flagd-core, and node; None = skip.
fn flagd_core() -> Option<(PathBuf, PathBuf)> {
    let prefix = std::env::var_os("RELCON_FLAGD_CORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/flagd-core"));
    let node =
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join("node")).find(|f| f.is_file()));
    let module = prefix.join("node_modules/@openfeature/flagd-core");
    match node {
        Some(node) if module.is_dir() => Some((node, prefix)),
        _ if std::env::var_os("CI").is_some() => panic!(
            "node or @openfeature/flagd-core missing (looked for node on PATH and {}): .ci/install-test-deps must install them before cargo test",
            module.display()
        ),
        _ => {
            eprintln!("skipping: node or @openfeature/flagd-core not installed (run .ci/install-test-deps)");
            None
        }
    }
}

/// Run tests/flagd/eval.mjs: flagd-core's boolean value per (flag, key).
fn flagd_eval(node: &Path, prefix: &Path, doc: &Path, requests: &[(String, String)]) -> (Vec<Value>, Value) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flagd/eval.mjs");
    let mut child = Command::new(node)
        .arg(&script)
        .arg(prefix)
        .arg(doc)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    let input = serde_json::to_vec(&requests.iter().map(|(f, k)| json!([f, k])).collect::<Vec<_>>()).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "eval.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("eval.mjs output ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (v["results"].as_array().unwrap().clone(), v)
}

/// ~200 targeting keys. ASCII and non-empty on purpose: flagd-core (JS)
/// hashes UTF-16 code units and skips `fractional` for an empty key, where
/// Go flagd and Python mmh3 hash UTF-8 bytes (those are covered by the
/// table test above).
fn interop_keys() -> Vec<String> {
    let mut keys: Vec<String> = ["15", "42", "103", "7", "311", "0", "99999"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    keys.extend((0..100).map(|i| format!("tenant-{i}")));
    keys.extend((0..60).map(|i| format!("user{i}@example.com")));
    keys.extend((0..33).map(|i| format!("{}", 1000 + i * 37)));
    keys
}

#[test]
fn flagd_core_evaluates_relcons_exports_exactly_like_flag_eval() {
    let Some((node, prefix)) = flagd_core() else { return };
    // One env per state, three flags in each.
    let config = r#"[project]
name = "interop"

[[environment]]
name = "targets"
[[environment]]
name = "ten"
[[environment]]
name = "quarter"
[[environment]]
name = "off"
[[environment]]
name = "on"

[flag.customer_portal]
env.targets = { enabled = true, rollout = 0, targets = ["15", "42", "103"] }
env.ten = { enabled = true, rollout = 10 }
env.quarter = { enabled = false }
env.off = { enabled = false, rollout = 50, targets = ["15"] }
env.on = { enabled = true, targets = ["15"] }

[flag.new_checkout]
env.targets = { enabled = true, rollout = 0, targets = ["7"] }
env.ten = { enabled = true, rollout = 1 }
env.quarter = { enabled = true, rollout = 50, targets = ["311"] }
env.off = { enabled = false }
env.on = { enabled = true }

[flag.dark_mode]
env.targets = { enabled = true, rollout = 0, targets = ["0", "99999"] }
env.ten = { enabled = true, rollout = 99 }
env.quarter = { enabled = true, rollout = 75 }
env.off = { enabled = true, rollout = 33 }
env.on = { enabled = true, rollout = 100 }

[export]
flags = [{ format = "flagd", path = "flags/{env}.flagd.json" }]
"#;
    let sb = Sandbox::new(config);
    // Some states reached through the CLI rather than the config.
    set(
        &sb,
        &["quarter", "customer_portal", "25%", "--target", "42", "--target", "103"],
    );
    sb.run(&["flag", "kill", "off", "dark_mode", "--yes", "--reason", "interop"])
        .ok();
    sb.run(&["flag", "export"]).ok();
    let list = sb.json(&["flag", "list", "--json"]);

    let keys = interop_keys();
    assert!(keys.len() >= 200);
    let flags = ["customer_portal", "new_checkout", "dark_mode"];
    let ctx = sb.ctx("ana");
    let mut compared = 0;
    let mut on_counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for env in ["targets", "ten", "quarter", "off", "on"] {
        let doc_path = sb.path(&format!("flags/{env}.flagd.json"));
        assert_flagd_shape(&read_json(&doc_path), &list, env);
        let requests: Vec<(String, String)> = flags
            .iter()
            .flat_map(|f| keys.iter().map(move |k| (f.to_string(), k.clone())))
            .collect();
        let (results, raw) = flagd_eval(&node, &prefix, &doc_path, &requests);
        assert_eq!(raw["version"], "4.0.1", "flagd-core version");
        assert_eq!(
            raw["schemaErrors"],
            json!([]),
            "{env}: flagd's schema rejects the export: {raw}"
        );
        assert_eq!(results.len(), requests.len());
        for (i, ((flag, key), r)) in requests.iter().zip(&results).enumerate() {
            assert!(r["errorCode"].is_null(), "{env}/{flag}/{key}: flagd-core error {r}");
            let ours = relcon::ops::flags::eval(&ctx, env, flag, key).unwrap();
            assert_eq!(
                r["value"].as_bool(),
                Some(ours.enabled),
                "{env}/{flag}/{key:?}: flagd-core {r}, relcon {ours:?}"
            );
            assert_eq!(r["variant"].as_str(), Some(ours.variant), "{env}/{flag}/{key:?}");
            // Tie the library to the binary on a sample of keys.
            if i % 25 == 0 {
                let cli = sb.json(&["flag", "eval", env, flag, key, "--json"]);
                assert_eq!(
                    cli["enabled"].as_bool(),
                    Some(ours.enabled),
                    "{env}/{flag}/{key:?}: {cli}"
                );
            }
            *on_counts.entry((env.to_string(), flag.to_string())).or_default() += usize::from(ours.enabled);
            compared += 1;
        }
    }
    assert_eq!(compared, 5 * 3 * keys.len());
    // The states really differ: a 10 % flag is on for some keys, not all.
    let ten = on_counts[&("ten".to_string(), "customer_portal".to_string())];
    assert!(ten > 5 && ten < 50, "10% of {} keys on: {ten}", keys.len());
    assert_eq!(on_counts[&("off".to_string(), "customer_portal".to_string())], 0);
    assert_eq!(on_counts[&("on".to_string(), "new_checkout".to_string())], keys.len());
    assert_eq!(on_counts[&("targets".to_string(), "customer_portal".to_string())], 3);
}

/// `flag eval --stdin` with many keys, as JSON lines.
fn eval_stdin(sb: &Sandbox, env: &str, flag: &str, keys: &[String]) -> common::Run {
    let mut c = sb.command_as(common::USER, ["flag", "eval", env, flag, "--stdin", "--json"]);
    c.stdin(Stdio::piped());
    let mut child = c.spawn().expect("run relcon");
    let mut input = keys.join("\n");
    input.push('\n');
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// 10 000 keys (and an empty one) through `flag eval --stdin`, one process,
/// against flagd-core on the exported document: same value and variant for
/// every key; the empty key is off, "no targeting key", as flagd has it.
#[test]
fn flag_eval_stdin_agrees_with_flagd_core_on_10000_keys() {
    let config = r#"[project]
name = "interop"

[[environment]]
name = "prod"

[flag.customer_portal]
env.prod = { enabled = true, rollout = 25, targets = ["15", "42", "103"] }

[export]
flags = [{ format = "flagd", path = "flags/{env}.flagd.json" }]
"#;
    let sb = Sandbox::new(config);
    sb.run(&["flag", "export"]).ok();
    let mut keys: Vec<String> = (0..4000).map(|i| format!("tenant-{i}")).collect();
    keys.extend((0..3000).map(|i| format!("user{i}@example.com")));
    keys.extend((0..3000).map(|i| (i * 7919).to_string()));
    keys.push(String::new());
    let r = eval_stdin(&sb, "prod", "customer_portal", &keys).ok();
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert_eq!(lines.len(), keys.len(), "one line per key");
    for (k, l) in keys.iter().zip(&lines) {
        assert_eq!(l["key"].as_str(), Some(k.as_str()), "in order: {l}");
        assert_eq!(
            (l["flag"].as_str(), l["env"].as_str()),
            (Some("customer_portal"), Some("prod"))
        );
    }
    let empty = lines.last().unwrap();
    assert_eq!(
        (empty["enabled"].as_bool(), empty["reason"].as_str()),
        (Some(false), Some("no targeting key"))
    );
    let on = lines.iter().filter(|l| l["enabled"] == true).count();
    assert!(on > 2200 && on < 2800, "25 % of 10 000 keys: {on}");
    // Ties the stream to the one-key command on a sample.
    for i in [0, 4001, 9999] {
        let one = sb.json(&["flag", "eval", "prod", "customer_portal", &keys[i], "--json"]);
        assert_eq!(one["enabled"], lines[i]["enabled"], "{}", keys[i]);
        assert_eq!(one["reason"], lines[i]["reason"], "{}", keys[i]);
    }

    let Some((node, prefix)) = flagd_core() else { return };
    let requests: Vec<(String, String)> = keys
        .iter()
        .map(|k| ("customer_portal".to_string(), k.clone()))
        .collect();
    let (results, _) = flagd_eval(&node, &prefix, &sb.path("flags/prod.flagd.json"), &requests);
    assert_eq!(results.len(), keys.len());
    for ((k, ours), theirs) in keys.iter().zip(&lines).zip(&results) {
        assert!(theirs["errorCode"].is_null(), "{k:?}: {theirs}");
        assert_eq!(
            theirs["value"], ours["enabled"],
            "{k:?}: flagd-core {theirs}, relcon {ours}"
        );
        assert_eq!(theirs["variant"], ours["variant"], "{k:?}");
    }
}

/// flagd evaluators disagree beyond ASCII: such a key is refused (its own
/// error line, exit 2), never answered silently; the other keys still are.
#[test]
fn flag_eval_refuses_non_ascii_keys_clearly() {
    let sb = Sandbox::new(
        "[project]\nname = \"x\"\n[[environment]]\nname = \"prod\"\n[flag.beta]\nenv.prod = { enabled = true, rollout = 50 }\n",
    );
    let keys = ["tenant-1".to_string(), "münchen".to_string(), "tenant-2".to_string()];
    let r = eval_stdin(&sb, "prod", "beta", &keys).code(2);
    let lines: Vec<Value> = r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{r}");
    assert!(
        lines[0]["variant"].is_string() && lines[2]["variant"].is_string(),
        "{r}"
    );
    assert!(lines[1]["error"].as_str().unwrap().contains("not ASCII"), "{r}");
    assert!(lines[1].get("enabled").is_none(), "no answer for a refused key: {r}");
    assert!(r.stderr.contains("1 of 3 keys could not be evaluated"), "{r}");
    let one = sb.run(&["flag", "eval", "prod", "beta", "münchen"]).code(2);
    assert!(one.stderr.contains("UTF-16"), "{one}");
}
