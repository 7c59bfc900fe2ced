//! Exports applications read: flagd flag documents and `.env` files,
//! rendered from the ledger's state (see `publish` for how they are written).

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

use crate::domain::FlagState;

/// One flag's state in one env, with who changed it last and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRow {
    pub flag: String,
    pub description: Option<String>,
    pub state: FlagState,
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
    pub reason: Option<String>,
    pub killed: bool,
}

/// The flagd flag definition of DESIGN.md §3b.
pub fn flagd_flag(row: &FlagRow) -> Value {
    let s = &row.state;
    let mut flag = Map::new();
    flag.insert("state".into(), json!("ENABLED"));
    flag.insert("variants".into(), json!({ "on": true, "off": false }));
    let all_on = s.enabled && s.rollout >= 100;
    flag.insert("defaultVariant".into(), json!(if all_on { "on" } else { "off" }));
    if s.enabled && !all_on {
        let targeted = (!s.targets.is_empty()).then(|| json!({ "in": [{ "var": "targetingKey" }, s.targets] }));
        let fractional =
            (s.rollout > 0).then(|| json!({ "fractional": [["on", s.rollout], ["off", 100 - s.rollout]] }));
        let targeting = match (targeted, fractional) {
            (Some(t), Some(f)) => Some(json!({ "if": [t, "on", f] })),
            (Some(t), None) => Some(json!({ "if": [t, "on"] })),
            (None, Some(f)) => Some(f),
            (None, None) => None,
        };
        if let Some(t) = targeting {
            flag.insert("targeting".into(), t);
        }
    }
    let mut meta = Map::new();
    if let Some(d) = &row.description {
        meta.insert("description".into(), json!(d));
    }
    if let Some(b) = &row.changed_by {
        meta.insert("changedBy".into(), json!(b));
    }
    if let Some(a) = &row.changed_at {
        meta.insert("changedAt".into(), json!(a));
    }
    if let Some(r) = &row.reason {
        meta.insert("reason".into(), json!(r));
    }
    if row.killed {
        meta.insert("killed".into(), json!(true));
    }
    if !meta.is_empty() {
        flag.insert("metadata".into(), Value::Object(meta));
    }
    Value::Object(flag)
}

/// The whole flagd document for one env, stamped with the ledger seq it
/// reflects (top-level `metadata.relcon_seq`).
pub fn flagd_document(rows: &[FlagRow], seq: u64) -> String {
    let mut flags = Map::new();
    for r in rows {
        flags.insert(r.flag.clone(), flagd_flag(r));
    }
    let doc = json!({
        "$schema": "https://flagd.dev/schema/v0/flags.json",
        "metadata": { "relcon_seq": seq },
        "flags": Value::Object(flags),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// `FEATURE_<FLAG>`: the flag name upper-cased, anything but ASCII letters
/// and digits as `_`.
pub use crate::config::dotenv_name;

/// `FEATURE_<FLAG>='true'` only when the flag is on for every key (enabled,
/// rollout 100); `_ROLLOUT` and `_TARGETS` carry the rest. A disabled flag
/// exports rollout 0 and no targets, so an app that reads only the extras
/// still sees the kill. The first line says which ledger seq it reflects.
///
/// Every value is single-quoted, and inside the quotes only characters that
/// bash, python-dotenv, node dotenv and phpdotenv all read literally appear:
/// see [`dotenv_quote`].
pub fn dotenv_document(rows: &[FlagRow], seq: u64) -> String {
    let mut out = format!("# relcon seq {seq}\n# Written by relcon; edits here are overwritten.\n");
    for r in rows {
        let name = dotenv_name(&r.flag);
        let s = &r.state;
        let all_on = s.enabled && s.rollout >= 100;
        let rollout = if s.enabled { s.rollout } else { 0 };
        let targets: Vec<String> = if s.enabled {
            s.targets.iter().map(|t| dotenv_quote(t)).collect()
        } else {
            Vec::new()
        };
        out.push_str(&format!("{name}='{all_on}'\n"));
        out.push_str(&format!("{name}_ROLLOUT='{rollout}'\n"));
        out.push_str(&format!("{name}_TARGETS='{}'\n", targets.join(",")));
    }
    out
}

/// Percent-encode (UTF-8 bytes, `%XX`) what would read differently in one
/// of the four readers inside single quotes — `'` ends the value, `\` is an
/// escape in python-dotenv, `$` interpolates in python-dotenv, control
/// characters (newlines) split lines — plus `,` (the list separator), `%`
/// itself and `+` (so PHP's `urldecode` agrees with `rawurldecode`). Split
/// `_TARGETS` on `,`, then URL-decode each key; plain keys (letters,
/// digits, `-_.@:/` and spaces) are written as they are.
pub fn dotenv_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_control() || matches!(c, '%' | '\'' | '\\' | '$' | ',' | '+') {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The ledger seq an exported file says it reflects: `# relcon seq N` on
/// the first line of a `.env`, `metadata.relcon_seq` in a flagd document.
pub fn stamped_seq(text: &str) -> Option<u64> {
    if let Some(rest) = text.strip_prefix("# relcon seq ") {
        return rest.lines().next()?.trim().parse().ok();
    }
    serde_json::from_str::<Value>(text).ok()?["metadata"]["relcon_seq"].as_u64()
}

/// `flags/{env}.flagd.json` → the path for one env, relative to the config folder.
pub fn export_path(dir: &Path, template: &str, env: &str) -> PathBuf {
    dir.join(template.replace("{env}", env))
}

pub use super::publish::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;

    fn row(enabled: bool, rollout: u32, targets: &[&str]) -> FlagRow {
        FlagRow {
            flag: "customer_portal".into(),
            description: None,
            state: FlagState {
                enabled,
                rollout,
                targets: targets.iter().map(|s| s.to_string()).collect(),
            },
            changed_by: None,
            changed_at: None,
            reason: None,
            killed: false,
        }
    }

    #[test]
    fn documents_are_stamped_with_the_seq_they_reflect() {
        let doc: Value = serde_json::from_str(&flagd_document(&[row(true, 10, &[])], 412)).unwrap();
        assert_eq!(doc["metadata"], json!({ "relcon_seq": 412 }));
        assert!(dotenv_document(&[], 412).starts_with("# relcon seq 412\n"));
        assert_eq!(stamped_seq(&dotenv_document(&[], 412)), Some(412));
        assert_eq!(stamped_seq(&flagd_document(&[], 9)), Some(9));
        assert_eq!(stamped_seq("FEATURE_X=true\n"), None);
    }

    #[test]
    fn documents_follow_the_contract() {
        let cases = [
            (
                row(false, 50, &["15"]),
                json!({"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}),
            ),
            (
                row(true, 100, &["15"]),
                json!({"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}),
            ),
            (
                row(true, 0, &[]),
                json!({"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}),
            ),
            (
                row(true, 0, &["15", "42"]),
                json!({"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off",
                       "targeting":{"if":[{"in":[{"var":"targetingKey"},["15","42"]]},"on"]}}),
            ),
            (
                row(true, 10, &[]),
                json!({"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off",
                       "targeting":{"fractional":[["on",10],["off",90]]}}),
            ),
            (
                row(true, 25, &["103"]),
                json!({"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off",
                       "targeting":{"if":[{"in":[{"var":"targetingKey"},["103"]]},"on",{"fractional":[["on",25],["off",75]]}]}}),
            ),
        ];
        for (r, want) in cases {
            assert_eq!(flagd_flag(&r), want, "{:?}", r.state);
        }
    }

    #[test]
    fn dotenv_hides_targets_of_a_disabled_flag() {
        let d = dotenv_document(&[row(false, 50, &["15"])], 7);
        assert!(d.starts_with("# relcon seq 7\n"), "{d}");
        assert!(
            d.contains(
                "FEATURE_CUSTOMER_PORTAL='false'\nFEATURE_CUSTOMER_PORTAL_ROLLOUT='0'\nFEATURE_CUSTOMER_PORTAL_TARGETS=''\n"
            ),
            "{d}"
        );
    }

    #[test]
    fn dotenv_says_true_only_when_on_for_every_key() {
        let cases = [
            (row(true, 100, &[]), "true", "100", ""),
            (row(true, 100, &["15"]), "true", "100", "15"),
            (row(true, 99, &[]), "false", "99", ""),
            (row(true, 5, &["15", "42"]), "false", "5", "15,42"),
            (row(true, 0, &["15"]), "false", "0", "15"),
            (row(false, 100, &["15"]), "false", "0", ""),
        ];
        for (r, on, rollout, targets) in cases {
            let d = dotenv_document(std::slice::from_ref(&r), 1);
            let want = format!(
                "FEATURE_CUSTOMER_PORTAL='{on}'\nFEATURE_CUSTOMER_PORTAL_ROLLOUT='{rollout}'\nFEATURE_CUSTOMER_PORTAL_TARGETS='{targets}'\n"
            );
            assert!(d.ends_with(&want), "{:?}: {d}", r.state);
        }
    }

    #[test]
    fn dotenv_quote_encodes_only_what_a_reader_could_misread() {
        let cases = [
            ("tenant-15", "tenant-15"),
            ("a b", "a b"),
            ("ana@example.com", "ana@example.com"),
            ("ünï", "ünï"),
            ("it's", "it%27s"),
            ("a,b", "a%2Cb"),
            ("50%", "50%25"),
            ("a\\b", "a%5Cb"),
            ("${HOME}", "%24{HOME}"),
            ("a+b", "a%2Bb"),
            ("two\nlines\r", "two%0Alines%0D"),
            ("\u{1b}[2J\u{7}", "%1B[2J%07"),
            ("\u{85}", "%C2%85"),
        ];
        for (raw, want) in cases {
            assert_eq!(dotenv_quote(raw), want, "{raw:?}");
        }
    }
}
