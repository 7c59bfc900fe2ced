//! Checklist runs: one walk of a template for one (environment, build).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// An item that is currently ticked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tick {
    /// 1-based item number in the template.
    pub item: u32,
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub role: Option<String>,
}

/// Find an item by number ("3") or unique case-insensitive text prefix.
/// Err lists what matched (or that nothing did).
pub fn find_item(items: &[&str], query: &str) -> Result<usize, String> {
    let q = query.trim();
    if let Ok(n) = q.parse::<usize>() {
        return if n >= 1 && n <= items.len() {
            Ok(n)
        } else {
            Err(format!("item {n} does not exist: expected 1 to {}", items.len()))
        };
    }
    let lower = q.to_lowercase();
    if lower.is_empty() {
        return Err("name an item by number or by the start of its text".into());
    }
    let hits: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, t)| t.to_lowercase().starts_with(&lower))
        .map(|(i, _)| i + 1)
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => {
            // An exact-text match wins even when it is also a prefix of others.
            Err(format!("no item starts with {q:?}"))
        }
        many => {
            if let Some(exact) = many.iter().find(|&&i| items[i - 1].eq_ignore_ascii_case(q)) {
                return Ok(*exact);
            }
            let list: Vec<String> = many.iter().map(|&i| format!("  {i}. {}", items[i - 1])).collect();
            Err(format!(
                "{q:?} matches {} items; say which:\n{}",
                many.len(),
                list.join("\n")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_number_and_prefix() {
        let items = ["All tests pass", "All reviews done", "Rollback plan prepared", "Roll"];
        assert_eq!(find_item(&items, "3"), Ok(3));
        assert_eq!(find_item(&items, "rollback"), Ok(3));
        assert_eq!(find_item(&items, "roll"), Ok(4));
        assert!(find_item(&items, "9").unwrap_err().contains("1 to 4"));
        let e = find_item(&items, "all").unwrap_err();
        assert!(
            e.contains("matches 2 items") && e.contains("1. All tests pass") && e.contains("2. All reviews done"),
            "{e}"
        );
        assert!(find_item(&items, "zzz").is_err());
        assert!(find_item(&items, " ").is_err());
    }
}
