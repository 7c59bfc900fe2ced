//! Docs that cannot drift: docs/keys.md's key tables are generated from the
//! default keymap, and the screen captures pasted into README.md and
//! docs/tutorial.md must equal docs/captures/*.txt (which tests/doc_captures.rs
//! renders from the demo). `UPDATE_DOCS=1 cargo test --test docs_sync`
//! rewrites both.

use relcon::config::Keymap;

const BEGIN: &str = "<!-- generated from the default keymap: begin -->";
const END: &str = "<!-- generated from the default keymap: end -->";

const MODES: &[(&str, &str)] = &[
    ("global", "Everywhere"),
    ("dashboard", "Dashboard: acts on the selected environment"),
    ("checklists", "Checklists: acts on the highlighted item"),
    ("flags", "Flags: acts on the highlighted flag and environment"),
    ("audit", "Audit"),
    ("health", "Health"),
    ("rollouts", "Rollouts: acts on the selected environment's rollout"),
];

fn tables(k: &Keymap) -> String {
    let mut out = String::new();
    for (mode, title) in MODES {
        out.push_str(&format!("\n### {title} (`[keys.{mode}]`)\n\n"));
        let own = k.modes.get(*mode).cloned().unwrap_or_default();
        if own.is_empty() {
            out.push_str("No keys of its own: the global keys work here.\n");
            continue;
        }
        out.push_str("| key | command | does |\n| --- | --- | --- |\n");
        // One row per command, keys joined.
        let mut rows: Vec<(String, String, String)> = Vec::new();
        for b in &own {
            let key = format!("`{}`", b.key);
            match rows.iter_mut().find(|r| r.1 == b.command.name()) {
                Some(r) => r.0 = format!("{}, {key}", r.0),
                None => rows.push((key, b.command.name().to_string(), b.desc.clone())),
            }
        }
        for (key, cmd, desc) in rows {
            out.push_str(&format!("| {key} | `{cmd}` | {desc} |\n"));
        }
    }
    out
}

/// docs/config.md's `[keys.MODE]`: every mode and every command a key can
/// run, from the code (a new-user run found both lists a release behind).
fn config_keys_section() -> String {
    use relcon::config::{keys::MODES, Command};
    let modes: Vec<String> = MODES.iter().map(|m| format!("`{m}`")).collect();
    let mut out = format!("**Modes**: {}.\n\n", modes.join(", "));
    out.push_str("**Commands** (what a key can run):\n\n| command | does | changes something |\n| --- | --- | --- |\n");
    for c in Command::ALL {
        let writes = if c.writes() { "yes" } else { "" };
        out.push_str(&format!("| `{}` | {} | {writes} |\n", c.name(), c.default_desc()));
    }
    out
}

#[test]
fn config_doc_lists_every_mode_and_command() {
    const B: &str = "<!-- generated from the keymap's modes and commands: begin -->";
    const E: &str = "<!-- generated from the keymap's modes and commands: end -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/config.md");
    let doc = std::fs::read_to_string(path).expect("docs/config.md");
    let (Some(a), Some(b)) = (doc.find(B), doc.find(E)) else {
        panic!("docs/config.md lacks the generated-section markers")
    };
    let want = format!("{B}\n{}{E}", config_keys_section());
    if doc[a..b + E.len()] != want {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, format!("{}{want}{}", &doc[..a], &doc[b + E.len()..])).expect("write docs/config.md");
            return;
        }
        panic!("docs/config.md's [keys.MODE] lists are out of date: run UPDATE_DOCS=1 cargo test --test docs_sync");
    }
}

#[test]
fn keys_doc_matches_the_default_keymap() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/keys.md");
    let doc = std::fs::read_to_string(path).expect("docs/keys.md");
    let (Some(a), Some(b)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/keys.md lacks the generated-section markers")
    };
    let want = format!("{BEGIN}\n{}\n{END}", tables(&Keymap::defaults()));
    let have = &doc[a..b + END.len()];
    if have != want {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, format!("{}{want}{}", &doc[..a], &doc[b + END.len()..])).expect("write docs/keys.md");
            return;
        }
        panic!("docs/keys.md is out of date with the default keymap: run UPDATE_DOCS=1 cargo test --test docs_sync");
    }
}

/// Every `<!-- capture:NAME -->` in a doc must be followed by a ```text block
/// holding docs/captures/NAME.txt exactly.
fn check_embeds(doc_rel: &str) {
    let root = env!("CARGO_MANIFEST_DIR");
    let path = format!("{root}/{doc_rel}");
    let doc = std::fs::read_to_string(&path).expect("doc");
    let mut out = String::new();
    let mut rest = doc.as_str();
    let mut stale = Vec::new();
    while let Some(i) = rest.find("<!-- capture:") {
        let (before, from) = rest.split_at(i);
        out.push_str(before);
        let end_marker = from.find("-->").expect("marker end") + 3;
        let name = from["<!-- capture:".len()..end_marker - 3].trim().to_string();
        let capture = std::fs::read_to_string(format!("{root}/docs/captures/{name}.txt"))
            .unwrap_or_else(|_| panic!("{doc_rel}: no docs/captures/{name}.txt"));
        let want = format!("<!-- capture:{name} -->\n```text\n{}```", capture);
        let after_marker = &from[end_marker..];
        // The block already there (if any): marker, newline, fenced block.
        let existing_len = after_marker
            .strip_prefix("\n```text\n")
            .and_then(|b| b.find("\n```").map(|j| "\n```text\n".len() + j + "\n```".len()))
            .unwrap_or(0);
        let have = &from[..end_marker + existing_len];
        if have != want {
            stale.push(name.clone());
        }
        out.push_str(&want);
        rest = &from[end_marker + existing_len..];
    }
    out.push_str(rest);
    if !stale.is_empty() {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, out).expect("write doc");
            return;
        }
        panic!(
            "{doc_rel}: captures {stale:?} differ from docs/captures: run UPDATE_DOCS=1 cargo test --test docs_sync"
        );
    }
}

#[test]
fn readme_captures_match_the_rendered_demo() {
    check_embeds("README.md");
}

#[test]
fn tutorial_captures_match_the_rendered_demo() {
    check_embeds("docs/tutorial.md");
}
