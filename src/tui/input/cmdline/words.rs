//! Splitting a command line into words, like a shell does.

/// Split like a shell: whitespace separates words, quotes group them,
/// a backslash escapes the next character (not inside single quotes).
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (_, '\\') => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unclosed quote".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split(r#"rollback prod --reason "bad deploy" --to v12"#).unwrap(),
            ["rollback", "prod", "--reason", "bad deploy", "--to", "v12"]
        );
        assert_eq!(split(r"a 'b c' d\ e").unwrap(), ["a", "b c", "d e"]);
        assert_eq!(split(r#"x """#).unwrap(), ["x", ""]);
        assert!(split("'open").is_err());
    }
}
