//! Key lines as the docs write them ("`→` (select **prod**), `r`, type a
//! reason, `enter`, type `prod`, `enter`"), turned into keystrokes — shared by
//! the README table replay and the tutorial replay.

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
