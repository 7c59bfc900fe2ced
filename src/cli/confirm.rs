//! Confirmation for actions that change an environment. Without a TTY
//! nothing can be asked, so `--yes` is required (exit 2 otherwise).

use std::io::{BufRead, IsTerminal};

use super::term;
use crate::error::{Error, Result};

/// Ask "question [y/N]"; for a protected env the user types its name.
pub fn confirm(question: &str, type_name: Option<&str>, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::usage(
            "this needs confirmation and there is no terminal to ask: pass --yes",
        ));
    }
    // The question quotes data (versions, artifacts, flag names): inert.
    match type_name {
        Some(name) => {
            term::err_lines(question);
            term::prompt(&format!("Type {name:?} to confirm: "));
        }
        None => term::prompt(&format!("{question} [y/N] ")),
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = line.trim();
    let ok = match type_name {
        Some(name) => answer == name,
        None => matches!(answer, "y" | "Y" | "yes"),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::usage("not confirmed; nothing was done"))
    }
}
