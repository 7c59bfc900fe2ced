//! The tutorial's key lines, replayed exactly as written: every
//! `**Keys:**` line of docs/tutorial.md is read with the section it sits in,
//! turned into keystrokes (the README table's grammar, tests/keyline), sent
//! to the real `relcon demo` in a pseudo-terminal one section after the
//! other, and what the section promises is checked in the ledger (through
//! the CLI). A key line the console does not follow fails here; so does a
//! section that loses its key line.

mod keyline;
mod tui_term;

use std::ffi::OsStr;
use std::path::Path;

use keyline::{json, keystrokes, ledger, steps, HOOK, USER};
use serde_json::Value;
use tui_term::{Spawn, Term};

/// (section heading, key line) for every `**Keys:**` line, in order.
fn key_lines(doc: &str) -> Vec<(String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for l in doc.lines() {
        if let Some(h) = l.strip_prefix("## ") {
            section = h.trim().to_string();
        } else if let Some(keys) = l.strip_prefix("**Keys:** ") {
            out.push((section.clone(), keys.trim().to_string()));
        }
    }
    out
}

fn check(section: &str, term: &mut Term, config: &Path) {
    if section.contains("roll back") {
        ledger(term, "prod rolled back by the console's user", || {
            let h = json(config, &["history", "prod", "--json"]);
            let r = h.as_array().and_then(|a| a.first()).cloned().unwrap_or(Value::Null);
            r["action"] == "rollback" && r["actor"] == USER && r["status"] == "succeeded"
        });
        ledger(term, "a hold on prod", || {
            let s = json(config, &["status", "--json"]);
            s["environments"]
                .as_array()
                .and_then(|e| e.iter().find(|e| e["name"] == "prod"))
                .is_some_and(|p| !p["hold"].is_null())
        });
        term.wait_for("▲ hold");
    } else if section.contains("Kill a flag") {
        ledger(term, "customer_portal killed in prod", || {
            let all = json(config, &["flag", "list", "--json"]);
            all.as_array()
                .and_then(|a| a.iter().find(|r| r["flag"] == "customer_portal" && r["env"] == "prod"))
                .is_some_and(|r| r["killed"] == true)
        });
        term.wait_for("customer_portal in prod is now off");
    } else if section.contains("Walk a checklist") {
        ledger(
            term,
            "item 6 of staging's validation ticked by the console's user",
            || {
                let a = json(config, &["audit", "--json", "--limit", "5"]);
                a.as_array().is_some_and(|a| {
                    a.iter()
                        .any(|e| e["kind"] == "checklist.ticked" && e["actor"] == USER && e["env"] == "staging")
                })
            },
        );
    } else {
        panic!("a tutorial section with keys the test does not know how to check: {section}");
    }
}

#[test]
fn the_tutorials_key_lines_work_as_written() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/tutorial.md")).unwrap();
    let lines = key_lines(&doc);
    let sections: Vec<&str> = lines.iter().map(|(s, _)| s.as_str()).collect();
    for want in ["roll back", "Kill a flag", "Walk a checklist"] {
        assert!(
            sections.iter().any(|s| s.contains(want)),
            "no key line under “{want}”: {sections:?}"
        );
    }

    let keep = tempfile::Builder::new().prefix("relcon-tutorial-").tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let config = keep.path().join("relcon.toml");
    let args: [&OsStr; 3] = ["demo".as_ref(), "--keep".as_ref(), keep.path().as_os_str()];
    let mut term = Spawn::new(cwd.path(), USER).args(&args).size(48, 160).start();
    term.wait_in("the demo's dashboard", HOOK, |t| {
        t.contains("▸ dev") && t.contains("prod ◆")
    });
    for (section, keys) in &lines {
        let steps = steps(keys).unwrap_or_else(|| panic!("keys that do not parse under {section}: {keys}"));
        term.send(&keystrokes(&steps));
        check(section, &mut term, &config);
    }
    term.quit();
}

#[test]
fn the_key_lines_are_found_with_their_sections() {
    let doc = "## 3. Roll back\n\ntext\n\n**Keys:** `r`, type a reason, `enter`\n## 4. Other\n";
    assert_eq!(
        key_lines(doc),
        vec![("3. Roll back".to_string(), "`r`, type a reason, `enter`".to_string())]
    );
}
