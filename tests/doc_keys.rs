//! docs/keys.md's key tables are generated from the default keymap, so the
//! docs cannot drift from what the keys do. `UPDATE_DOCS=1 cargo test --test
//! doc_keys` rewrites them.

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
        panic!("docs/keys.md is out of date with the default keymap: run UPDATE_DOCS=1 cargo test --test doc_keys");
    }
}
