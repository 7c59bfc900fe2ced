//! Request bodies written by the user: JSON text with `{{ name }}`
//! placeholders. Outside a string a value becomes a JSON string (quotes
//! included): `{"inputs": {"version": {{ version }}}}`; inside a string it is
//! escaped as string content: `{"text": "{{ env }} runs {{ version }}"}`.
//! Either way nothing in a version, a reason or a user name can close the
//! string and add fields.
//!
//! Shared by webhook hooks and notification sinks (same path, same rules).

/// The placeholder names a template may use, in the order `{{ name }}`
/// appears; `None` when a `{{` is never closed or a name is empty.
pub fn placeholders(template: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "a `{{` in the body template is never closed with `}}`".to_string())?;
        let name = after[..close].trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{{{{{}}}}}` in the body template is not a placeholder: expected e.g. {{{{ version }}}}",
                &after[..close]
            ));
        }
        names.push(name.to_string());
        rest = &after[close + 2..];
    }
    Ok(names)
}

/// Replace every `{{ name }}` with `vars(name)` as a JSON string literal.
/// An unknown name is an error naming it; the result must be valid JSON.
pub fn render_json(template: &str, vars: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let out = fill(template, vars, |out, value| {
        // serde_json escapes quotes, backslashes and control characters.
        let literal = serde_json::Value::String(value).to_string();
        if in_string(out) {
            out.push_str(&literal[1..literal.len() - 1]);
        } else {
            out.push_str(&literal);
        }
    })
    .map_err(|e| format!("{e} in the body template"))?;
    serde_json::from_str::<serde_json::Value>(&out)
        .map_err(|e| format!("the body template does not give valid JSON: {e}"))?;
    Ok(out)
}

/// The one substitution loop: `put` writes each value where its
/// placeholder stood.
fn fill(
    template: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    mut put: impl FnMut(&mut String, String),
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "a `{{` is never closed with `}}`".to_string())?;
        let name = after[..close].trim();
        put(
            &mut out,
            vars(name).ok_or_else(|| format!("unknown placeholder {{{{ {name} }}}}"))?,
        );
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether JSON text ends inside a string literal (an odd number of
/// unescaped quotes). Substituted values are escaped, so counting over the
/// output so far is exact.
fn in_string(json: &str) -> bool {
    let mut inside = false;
    let mut escaped = false;
    for c in json.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if inside => escaped = true,
            '"' => inside = !inside,
            _ => {}
        }
    }
    inside
}

/// Replace every `{{ name }}` with `vars(name)` as plain text, for values
/// that become one JSON string as a whole (GitHub workflow inputs).
pub fn render_text(template: &str, vars: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    fill(template, vars, |out, value| out.push_str(&value))
}

/// Check a template at load time: known names only, and valid JSON once
/// every placeholder holds a string.
pub fn check(template: &str, known: &[&str]) -> Result<(), String> {
    for name in placeholders(template)? {
        if !known.contains(&name.as_str()) {
            return Err(format!(
                "unknown placeholder {{{{ {name} }}}} in the body template: expected one of {}",
                known.join(", ")
            ));
        }
    }
    render_json(template, &|_| Some(String::new())).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "version" => Some("1.2\", \"admin\": true, \"x\": \"".into()),
            "env" => Some("prod".into()),
            "reason" => Some("line\nbreak \\ tab\t".into()),
            _ => None,
        }
    }

    #[test]
    fn values_stay_json_strings() {
        let out = render_json(
            r#"{"ref":"main","inputs":{"version":{{ version }},"env":{{env}}}}"#,
            &vars,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["inputs"]["version"], "1.2\", \"admin\": true, \"x\": \"");
        assert_eq!(v["inputs"]["env"], "prod");
        assert!(v.get("admin").is_none() && v["inputs"].get("admin").is_none());
    }

    #[test]
    fn inside_a_string_values_are_escaped_content() {
        let out = render_json(r#"{"text": "{{ env }} runs {{ version }} \"q\" {{ reason }}"}"#, &vars).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["text"],
            "prod runs 1.2\", \"admin\": true, \"x\": \" \"q\" line\nbreak \\ tab\t"
        );
        assert!(v.get("admin").is_none());
        assert!(!in_string(r#"{"a": "b\\"}"#));
        assert!(in_string(r#"{"a": "b\"c"#));
    }

    #[test]
    fn control_characters_are_escaped() {
        let out = render_json(r#"{"r": {{ reason }}}"#, &vars).unwrap();
        assert_eq!(out, r#"{"r": "line\nbreak \\ tab\t"}"#);
    }

    #[test]
    fn unknown_names_and_bad_templates_are_refused() {
        assert!(render_json(r#"{"a": {{ nope }}}"#, &vars).unwrap_err().contains("nope"));
        assert!(render_json(r#"{"a": {{ env "#, &vars)
            .unwrap_err()
            .contains("never closed"));
        assert!(render_json(r#"{"a": {{ env }}{{ env }}}"#, &vars)
            .unwrap_err()
            .contains("valid JSON"));
        assert!(check(r#"{"a": {{ env }}}"#, &["env"]).is_ok());
        assert!(check(r#"{"a": {{ envx }}}"#, &["env"]).unwrap_err().contains("envx"));
        assert!(check(r#"{"a": {{ e-x }}}"#, &["env"]).is_err());
    }
}
