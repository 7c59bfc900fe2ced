//! Key lines as the docs write them ("`→` (select **prod**), `r`, type a
//! reason, `enter`, type `prod`, `enter`"), turned into keystrokes — shared by
//! the README table replay and the tutorial replay.

use crate::tui_term::{Term, BIN, PROXIES};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Who the replayed console is.
pub const USER: &str = "oncall@example.com";
/// How long a hook (and its ledger entry) may take.
pub const HOOK: Duration = Duration::from_secs(60);

/// One thing a row says to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Typed(String),
}

/// The key column as steps; `None` when the row has no keys (it describes
/// what to watch). Words after " — " are commentary.
pub fn steps(cell: &str) -> Option<Vec<Step>> {
    let keys = cell.split(" — ").next().unwrap_or(cell);
    let mut out = Vec::new();
    for part in keys.split(", ") {
        let part = part.trim();
        if part == "type a reason" {
            out.push(Step::Typed("README replay".into()));
        } else if let Some(rest) = part.strip_prefix("type `") {
            out.push(Step::Typed(rest.split('`').next().unwrap_or_default().to_string()));
        } else if let Some(rest) = part.strip_prefix('`') {
            let (key, after) = rest.split_once('`').expect("a closing backtick");
            let times = after
                .trim()
                .strip_prefix("× ")
                .and_then(|n| n.split_whitespace().next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(1);
            for _ in 0..times {
                out.push(Step::Key(key.to_string()));
            }
        } else if out.is_empty() {
            return None;
        } else {
            panic!("a step the test cannot replay: {part:?} in {cell:?}");
        }
    }
    Some(out)
}

/// What the terminal sends for a key as the docs name it.
pub fn bytes(key: &str) -> String {
    match key {
        "→" => "\x1b[C".into(),
        "←" => "\x1b[D".into(),
        "enter" => "\r".into(),
        "esc" => "\x1b".into(),
        "space" => " ".into(),
        k if k.chars().count() == 1 => k.into(),
        k => panic!("the docs name a key the test cannot press: {k}"),
    }
}

/// The bytes for a whole key line.
pub fn keystrokes(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => bytes(k),
            Step::Typed(t) => t.clone(),
        })
        .collect()
}

/// Run the real binary on the replay's config; its stdout.
pub fn relcon(config: &Path, args: &[&str]) -> String {
    let mut c = Command::new(BIN);
    c.arg("--config").arg(config).args(args);
    c.env("RELCON_USER", USER)
        .env_remove("RELCON_CONFIG")
        .stdin(Stdio::null());
    for v in PROXIES {
        c.env_remove(v);
    }
    let out = c.output().expect("run relcon");
    assert!(
        out.status.success(),
        "relcon {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn json(config: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&relcon(config, args)).expect("json")
}

/// Poll `pred` on the ledger until it holds, or fail saying `what`.
pub fn ledger(term: &Term, what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + HOOK;
    while !pred() {
        assert!(
            Instant::now() < deadline,
            "the ledger never showed: {what}; screen:\n{}",
            term.text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
