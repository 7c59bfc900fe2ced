//! Confirmation for actions that change an environment. Without a TTY
//! nothing can be asked, so `--yes` is required (exit 2 otherwise).

use std::io::{BufRead, IsTerminal, Write};

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
    let mut err = std::io::stderr();
    let prompt = match type_name {
        Some(name) => format!("{question}\nType {name:?} to confirm: "),
        None => format!("{question} [y/N] "),
    };
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
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
