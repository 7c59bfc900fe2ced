//! What terminal users expect of a command-line tool: shell completions,
//! a man page, and a version that names the commit it was built from.

use clap::CommandFactory;

use super::args::Cli;
use super::term;
use crate::error::{Error, Result};

/// `0.1.0 (abc1234)`: the commit comes from build.rs (`unknown` when built
/// outside a git checkout).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("RELCON_BUILD_COMMIT"), ")");

/// `relcon completions SHELL`: the script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<i32> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "relcon", &mut buf);
    emit(buf)
}

/// `relcon man`: the manual page (roff) on stdout.
pub fn man() -> Result<i32> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Error::runtime(format!("cannot render the man page: {e}")))?;
    emit(buf)
}

/// Generated text, written as it is (it holds no outside input).
fn emit(buf: Vec<u8>) -> Result<i32> {
    let text = String::from_utf8(buf).map_err(|e| Error::runtime(format!("generated text is not UTF-8: {e}")))?;
    term::out_exact(&text);
    Ok(0)
}
