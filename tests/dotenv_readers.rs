//! `.env` means what a plain reader sees (DESIGN §10): one exported file
//! with tricky targets (spaces, quotes, commas, `$`, backslashes, `%`, `+`,
//! `#`, newlines, escape sequences, non-ASCII) is read identically by bash
//! (`set -a; . file`), python-dotenv, node `dotenv` and phpdotenv; the
//! targets decode (split on `,`, then URL-decode each) to exactly the
//! ledger's; and `FEATURE_X` is `true` only for a flag on for every key.
//!
//! The readers come from `.ci/install-test-deps`. Missing ones skip the test
//! with one message, except under `CI=true`, where that is a failure.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{strings, Sandbox};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How to run one reader, or why it cannot run here.
struct Reader {
    name: &'static str,
    command: Result<Command, String>,
}

fn on_path(exe: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(exe)).find(|f| f.is_file()))
}

fn readers(file: &Path) -> Vec<Reader> {
    let dir = Path::new(ROOT).join("tests/dotenv");
    let installed = Path::new(ROOT).join("target/dotenv-readers");
    let bash = on_path("bash").map(|b| {
        let mut c = Command::new(b);
        // A clean environment: only what the file defines is exported.
        c.env_clear()
            .arg("-c")
            .arg(r#"set -a; . "$1" || exit 1; for k in $(compgen -e); do case $k in FEATURE_*) printf '%s\0%s\0' "$k" "${!k}";; esac; done"#)
            .arg("bash")
            .arg(file);
        c
    });
    let python = match (on_path("python3"), installed.join("py/dotenv/__init__.py").is_file()) {
        (Some(py), true) => {
            let mut c = Command::new(py);
            c.env("PYTHONPATH", installed.join("py"))
                .arg(dir.join("read.py"))
                .arg(file);
            Ok(c)
        }
        _ => Err(format!(
            "python3 with python-dotenv in {}",
            installed.join("py").display()
        )),
    };
    let node = match (on_path("node"), installed.join("node/node_modules/dotenv").is_dir()) {
        (Some(node), true) => {
            let mut c = Command::new(node);
            c.arg(dir.join("read.js")).arg(installed.join("node")).arg(file);
            Ok(c)
        }
        _ => Err(format!("node with dotenv in {}", installed.join("node").display())),
    };
    let autoload = Path::new("/usr/share/php/Dotenv/autoload.php");
    let php = match (on_path("php"), autoload.is_file()) {
        (Some(php), true) => {
            let mut c = Command::new(php);
            c.arg(dir.join("read.php")).arg(autoload).arg(file);
            Ok(c)
        }
        _ => Err(format!("php with phpdotenv at {}", autoload.display())),
    };
    vec![
        Reader {
            name: "bash",
            command: bash.ok_or_else(|| "bash".to_string()),
        },
        Reader {
            name: "python-dotenv",
            command: python,
        },
        Reader {
            name: "node dotenv",
            command: node,
        },
        Reader {
            name: "phpdotenv",
            command: php,
        },
    ]
}

/// FEATURE_* → value as one reader sees them.
fn read_with(name: &str, mut cmd: Command) -> BTreeMap<String, String> {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {name}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name} failed to read the file:\n{stderr}");
    assert!(stderr.trim().is_empty(), "{name} warned while reading:\n{stderr}");
    if name == "bash" {
        let text = String::from_utf8(out.stdout).expect("bash output is UTF-8");
        let parts: Vec<&str> = text.split('\0').collect();
        return parts
            .chunks_exact(2)
            .map(|kv| (kv[0].to_string(), kv[1].to_string()))
            .collect();
    }
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name} output ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    eprintln!("read with {}", v["reader"]);
    v["values"]
        .as_object()
        .unwrap_or_else(|| panic!("{name}: {v}"))
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().unwrap_or_else(|| panic!("{name}: {k} = {v}")).to_string(),
            )
        })
        .collect()
}

/// `_TARGETS` as an app reads it: split on `,`, URL-decode each key.
fn decode_targets(v: &str) -> Vec<String> {
    if v.is_empty() {
        return Vec::new();
    }
    v.split(',')
        .map(|t| {
            let b = t.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' && i + 2 < b.len() {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("bad escape in {t:?}")));
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap_or_else(|_| panic!("{t:?} decodes to invalid UTF-8"))
        })
        .collect()
}

const TRICKY: &[&str] = &[
    "15",
    "a b",
    "it's",
    "x,y",
    "50%",
    "%41",
    "a+b",
    r"back\slash",
    r"end\",
    "${HOME}",
    "$USER",
    "#hash",
    "semi;colon",
    "eq=sign",
    "\"double\"",
    "`tick`",
    " lead",
    "trail ",
    "tab\there",
    "new\nline",
    "\u{1b}]0;title\u{7}",
    "ünïcødé ✓",
    "user@example.com",
];

#[test]
fn four_dotenv_readers_read_one_export_identically() {
    let sb = Sandbox::new(
        r#"[project]
name = "readers"

[[environment]]
name = "prod"

[flag.beta-ui]
env.prod = { enabled = false }

[flag.everyone]
env.prod = { enabled = true, rollout = 100 }

[flag.killed]
env.prod = { enabled = true, rollout = 40, targets = ["it's", "a b"] }

[export]
flags = [{ format = "dotenv", path = "flags/{env}.env" }]
"#,
    );
    let mut args = vec!["flag", "set", "prod", "beta-ui", "5%", "--yes"];
    for t in TRICKY {
        args.extend(["--target", t]);
    }
    sb.run(&args).ok();
    sb.run(&["flag", "kill", "prod", "killed", "--yes"]).ok();
    let list = sb.json(&["flag", "list", "--json"]);
    let ledger_targets = strings(
        &list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["flag"] == "beta-ui")
            .unwrap()["targets"],
    );
    assert_eq!(ledger_targets, TRICKY, "the ledger keeps targets exactly");

    let file = sb.path("flags/prod.env");
    let text = sb.read("flags/prod.env");
    let (missing, runnable): (Vec<Reader>, Vec<Reader>) = readers(&file).into_iter().partition(|r| r.command.is_err());
    if !missing.is_empty() {
        let what: Vec<String> = missing.into_iter().filter_map(|r| r.command.err()).collect();
        if std::env::var_os("CI").is_some() {
            panic!(
                "dotenv readers missing ({}): .ci/install-test-deps must install them before cargo test",
                what.join("; ")
            );
        }
        eprintln!(
            "skipping: dotenv readers not installed ({}); run .ci/install-test-deps",
            what.join("; ")
        );
        return;
    }

    let mut seen: Vec<(&str, BTreeMap<String, String>)> = Vec::new();
    for r in runnable {
        let values = read_with(r.name, r.command.unwrap_or_else(|e| panic!("{e}")));
        seen.push((r.name, values));
    }
    let (first, reference) = &seen[0];
    for (name, values) in &seen[1..] {
        assert_eq!(
            values, reference,
            "{name} and {first} read the file differently:\n{text}"
        );
    }

    let v = |k: &str| {
        reference
            .get(k)
            .cloned()
            .unwrap_or_else(|| panic!("no {k} in {reference:?}\n{text}"))
    };
    // 5 % with targets: a plain boolean reader must see false.
    assert_eq!(v("FEATURE_BETA_UI"), "false", "{text}");
    assert_eq!(v("FEATURE_BETA_UI_ROLLOUT"), "5");
    assert_eq!(decode_targets(&v("FEATURE_BETA_UI_TARGETS")), TRICKY, "{text}");
    assert_eq!(
        (
            v("FEATURE_EVERYONE"),
            v("FEATURE_EVERYONE_ROLLOUT"),
            v("FEATURE_EVERYONE_TARGETS")
        ),
        ("true".to_string(), "100".to_string(), String::new())
    );
    assert_eq!(
        (
            v("FEATURE_KILLED"),
            v("FEATURE_KILLED_ROLLOUT"),
            v("FEATURE_KILLED_TARGETS")
        ),
        ("false".to_string(), "0".to_string(), String::new()),
        "a killed flag shows no rollout and no targets"
    );
    assert_eq!(reference.len(), 9, "{reference:?}");
    // One record per line: nothing in a value breaks the file's lines.
    assert_eq!(text.lines().count(), 2 + 9, "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}
