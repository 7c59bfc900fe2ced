//! Exports applications read: flagd flag documents and `.env` files.
//! Every file is written atomically, so a watching flagd never reads half.

use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::FlagState;

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

pub fn flagd_document(rows: &[FlagRow]) -> String {
    let mut flags = Map::new();
    for r in rows {
        flags.insert(r.flag.clone(), flagd_flag(r));
    }
    let doc = json!({ "$schema": "https://flagd.dev/schema/v0/flags.json", "flags": Value::Object(flags) });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// `FEATURE_<FLAG>=true|false`, `_ROLLOUT`, `_TARGETS`. A disabled flag
/// exports rollout 0 and no targets, so an app that reads only the extras
/// still sees the kill.
pub fn dotenv_document(rows: &[FlagRow]) -> String {
    let mut out = String::from("# Written by relcon; edits here are overwritten.\n");
    for r in rows {
        let name: String = r
            .flag
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let s = &r.state;
        out.push_str(&format!("FEATURE_{name}={}\n", s.enabled));
        out.push_str(&format!(
            "FEATURE_{name}_ROLLOUT={}\n",
            if s.enabled { s.rollout } else { 0 }
        ));
        out.push_str(&format!(
            "FEATURE_{name}_TARGETS={}\n",
            if s.enabled { s.targets.join(",") } else { String::new() }
        ));
    }
    out
}

/// `flags/{env}.flagd.json` → the path for one env, relative to the config folder.
pub fn export_path(dir: &Path, template: &str, env: &str) -> PathBuf {
    dir.join(template.replace("{env}", env))
}

/// Temp file in the same folder, fsync, rename, fsync the folder.
pub fn write_atomic(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "export".into());
    // Unique per call, not just per process: two threads exporting the same
    // file at once must not write into (and rename) each other's temp file.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{seq}.tmp", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

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
        let d = dotenv_document(&[row(false, 50, &["15"])]);
        assert!(
            d.contains(
                "FEATURE_CUSTOMER_PORTAL=false\nFEATURE_CUSTOMER_PORTAL_ROLLOUT=0\nFEATURE_CUSTOMER_PORTAL_TARGETS=\n"
            ),
            "{d}"
        );
        let d = dotenv_document(&[row(true, 10, &["15", "42", "103"])]);
        assert!(d.contains("FEATURE_CUSTOMER_PORTAL=true\nFEATURE_CUSTOMER_PORTAL_ROLLOUT=10\nFEATURE_CUSTOMER_PORTAL_TARGETS=15,42,103\n"), "{d}");
    }
}
