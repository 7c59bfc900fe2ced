//! Secrets are read from named environment variables at run time and
//! replaced with `***` in everything relcon shows or stores.

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Collect the current values of the named variables. Values shorter than
    /// 4 characters are ignored: redacting "1" would mangle every number.
    pub fn from_env(names: &[String]) -> Redactor {
        let mut secrets: Vec<String> = names
            .iter()
            .filter_map(|n| std::env::var(n).ok())
            .filter(|v| v.chars().count() >= 4)
            .collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn with_secrets(secrets: Vec<String>) -> Redactor {
        Redactor { secrets }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence() {
        let r = Redactor::with_secrets(vec!["s3cr3t-token".into()]);
        assert_eq!(r.redact("a s3cr3t-token b s3cr3t-token"), "a *** b ***");
        assert_eq!(r.redact("nothing here"), "nothing here");
    }
}
