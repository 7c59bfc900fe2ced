//! Tab completion for the `:` line: the first word from the CLI's own
//! verbs (read from its clap definition, so a new verb completes at once),
//! the next ones from the verb's subcommands, the environments, the flags
//! and the versions the console knows.

use clap::CommandFactory;

use crate::cli::args::Cli;

/// What the line can complete to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    /// Env names, flag names, versions.
    pub names: Vec<String>,
}

/// The CLI's verbs (and `q`, `help`), sorted.
pub fn verbs() -> Vec<String> {
    let mut v: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    v.extend(["help".to_string(), "quit".to_string()]);
    v.sort();
    v.dedup();
    v
}

/// The subcommands of `verb` (`flag` → set, kill …).
fn subcommands(verb: &str) -> Vec<String> {
    Cli::command()
        .find_subcommand(verb)
        .map(|c| c.get_subcommands().map(|s| s.get_name().to_string()).collect())
        .unwrap_or_default()
}

/// Complete the last word of `line`: `Ok(new line)` when it could (the
/// longest common prefix of the matches, a space after a single one), or
/// `Err(matches)` to show when it could not go further.
pub fn complete(line: &str, words: &Words) -> Result<String, Vec<String>> {
    let (head, partial) = match line.rfind(char::is_whitespace) {
        Some(i) => line.split_at(i + 1),
        None => ("", line),
    };
    let before: Vec<&str> = head.split_whitespace().collect();
    let pool: Vec<String> = match before.as_slice() {
        [] => verbs(),
        [verb] => {
            let mut p = subcommands(verb);
            p.extend(words.names.iter().cloned());
            p
        }
        _ => words.names.clone(),
    };
    let mut matches: Vec<String> = pool.into_iter().filter(|w| w.starts_with(partial)).collect();
    matches.sort();
    matches.dedup();
    match matches.as_slice() {
        [] => Err(Vec::new()),
        [one] => Ok(format!("{head}{one} ")),
        many => {
            let lcp = many.iter().skip(1).fold(many[0].clone(), |acc, w| {
                acc.chars()
                    .zip(w.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a)
                    .collect()
            });
            if lcp.len() > partial.len() {
                Ok(format!("{head}{lcp}"))
            } else {
                Err(matches)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Words {
        Words {
            names: ["dev", "staging", "prod", "customer_portal", "1.11.0", "1.11.2"]
                .map(String::from)
                .to_vec(),
        }
    }

    #[test]
    fn verbs_envs_flags_and_versions_complete() {
        assert_eq!(complete("prom", &words()), Ok("promote ".into()));
        assert_eq!(complete("promote st", &words()), Ok("promote staging ".into()));
        assert_eq!(
            complete("promote staging pr", &words()),
            Ok("promote staging prod ".into())
        );
        assert_eq!(complete("flag k", &words()), Ok("flag kill ".into()));
        assert_eq!(
            complete("flag kill prod cust", &words()),
            Ok("flag kill prod customer_portal ".into())
        );
        assert_eq!(complete("deploy dev 1.11", &words()), Ok("deploy dev 1.11.".into()));
        assert_eq!(
            complete("deploy dev 1.11.", &words()),
            Err(vec!["1.11.0".to_string(), "1.11.2".to_string()])
        );
        assert_eq!(complete("incident o", &words()), Ok("incident open ".into()));
        assert_eq!(complete("zzz", &words()), Err(Vec::new()));
    }
}
