//! Markdown checklists ("- [ ] item" lines, nested items, headings as
//! sections) into a `[checklist.NAME]` template.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedItem {
    pub text: String,
    pub section: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub title: Option<String>,
    pub items: Vec<ImportedItem>,
}

fn clean(s: &str) -> String {
    s.replace("**", "").replace('`', "").trim().to_string()
}

pub fn parse_markdown(md: &str) -> Imported {
    let mut title = None;
    let mut section: Option<String> = None;
    let mut items = Vec::new();
    // (indent, text) of the open parent items, for nested ones.
    let mut parents: Vec<(usize, String)> = Vec::new();
    let mut in_code = false;
    for line in md.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if let Some(h) = trimmed.strip_prefix('#') {
            let text = clean(h.trim_start_matches('#'));
            if title.is_none() {
                title = Some(text.clone());
            }
            section = Some(text);
            parents.clear();
            continue;
        }
        let indent = line.len() - trimmed.len();
        let rest = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
            .or_else(|| trimmed.strip_prefix("+ "))
            .or_else(|| {
                let digits = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
                if digits > 0 {
                    trimmed[digits..].strip_prefix(". ")
                } else {
                    None
                }
            });
        let Some(rest) = rest else { continue };
        let box_text = ["[ ] ", "[x] ", "[X] "].iter().find_map(|p| rest.strip_prefix(p));
        let Some(text) = box_text else { continue };
        let text = clean(text);
        if text.is_empty() {
            continue;
        }
        while parents.last().is_some_and(|(i, _)| *i >= indent) {
            parents.pop();
        }
        let full = match parents.last() {
            Some((_, p)) => format!("{p} › {text}"),
            None => text.clone(),
        };
        parents.push((indent, full.clone()));
        items.push(ImportedItem {
            text: full,
            section: section.clone(),
        });
    }
    Imported { title, items }
}

/// A TOML basic string. JSON's escaping is valid TOML; on top of it every
/// character that could act on a terminal (C1 controls, bidi overrides) is
/// written as `\uXXXX`, so the preview and the config file stay inert.
fn quote(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if super::inert::is_hazard(c) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The TOML for a template, ready to append to relcon.toml.
pub fn to_toml(name: &str, imp: &Imported) -> String {
    let q = quote;
    let mut out = format!(
        "[checklist.{}]\n",
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            name.to_string()
        } else {
            q(name)
        }
    );
    out.push_str(&format!("title = {}\n", q(imp.title.as_deref().unwrap_or(name))));
    out.push_str("items = [\n");
    for it in &imp.items {
        match &it.section {
            Some(s) => out.push_str(&format!("  {{ text = {}, section = {} }},\n", q(&it.text), q(s))),
            None => out.push_str(&format!("  {},\n", q(&it.text))),
        }
    }
    out.push_str("]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_become_sections_and_nesting_is_kept() {
        let md = "# Deployment checklist\n\n## Pre-deployment\n- [ ] All tests pass\n- [x] **Code review** completed\n  - [ ] Security review\n    - [ ] Dependency audit\n  - [ ] Performance review\n- [ ] Rollback plan prepared\n\n```\n- [ ] not an item\n```\n## Post-deployment\n1. [ ] Monitor error rates\n- plain bullet, not an item\n";
        let imp = parse_markdown(md);
        assert_eq!(imp.title.as_deref(), Some("Deployment checklist"));
        let texts: Vec<&str> = imp.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "All tests pass",
                "Code review completed",
                "Code review completed › Security review",
                "Code review completed › Security review › Dependency audit",
                "Code review completed › Performance review",
                "Rollback plan prepared",
                "Monitor error rates",
            ]
        );
        assert_eq!(imp.items[0].section.as_deref(), Some("Pre-deployment"));
        assert_eq!(imp.items[6].section.as_deref(), Some("Post-deployment"));
        let toml = to_toml("pre-deploy", &imp);
        assert!(toml.starts_with("[checklist.pre-deploy]\ntitle = \"Deployment checklist\"\n"));
    }
}
