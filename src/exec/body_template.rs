//! JSON bodies from a template: `{{ name }}` placeholders replaced by the
//! value JSON-escaped (as the inside of a JSON string), so data can never
//! break out of the string it is placed in, whatever it holds.
//!
//! ```text
//! {"text": "{{ summary }} by {{ actor }}"}
//! ```

/// Render `template`, asking `vars` for each placeholder's value. An
/// unknown name or an unclosed `{{` is an error naming it.
pub fn render_json(template: &str, vars: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| format!("unclosed `{{{{` at byte {}", template.len() - rest.len() + open))?;
        let name = after[..close].trim();
        if name.is_empty() {
            return Err("empty placeholder `{{ }}`".into());
        }
        let value = vars(name).ok_or_else(|| format!("unknown placeholder `{{{{ {name} }}}}`"))?;
        out.push_str(&escape(&value));
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The JSON string escape of `s`, without the surrounding quotes.
fn escape(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::render_json;

    fn vars(name: &str) -> Option<String> {
        match name {
            "version" => Some("1.4.2".into()),
            "evil" => Some("\"}, \"admin\": true, \"x\": \"\n\u{1b}".into()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_and_escapes() {
        let out = render_json(r#"{"v": "{{version}}", "e": "{{ evil }}"}"#, &vars).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["v"], "1.4.2");
        assert_eq!(v["e"], "\"}, \"admin\": true, \"x\": \"\n\u{1b}");
        assert!(v.get("admin").is_none());
    }

    #[test]
    fn unknown_and_unclosed_are_errors() {
        assert_eq!(
            render_json("{{ nope }}", &vars).unwrap_err(),
            "unknown placeholder `{{ nope }}`"
        );
        assert!(render_json("{\"a\": \"{{ version\"}", &vars)
            .unwrap_err()
            .starts_with("unclosed"));
        assert_eq!(render_json("no placeholders", &vars).unwrap(), "no placeholders");
    }
}
