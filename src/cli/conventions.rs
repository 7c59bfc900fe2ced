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

/// The sections a manual page has that clap does not know of: what the
/// exit status means (scripts branch on it) and the environment read.
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
0
Done.
.TP
1
A runtime error: the ledger unreachable or broken, an I/O error; with \fB\-\-json\fR the error is an object on stdout.
.TP
2
A usage or config error (a bad config names its file, line and column).
.TP
3
Refused by a gate; every failing gate is listed.
.TP
4
A hook failed: the deployment is recorded as failed (a rollout's traffic hook: the rollout is paused).
.SH ENVIRONMENT
.TP
RELCON_CONFIG
The config file when \fB\-\-config\fR is not given (else relcon.toml here or in the nearest parent).
.TP
RELCON_USER
Who acts (else git's user.email, else $USER).
.TP
RELCON_LEDGER_URL
The ledger, over the config's [ledger] url.
.TP
RELCON_READ_ONLY
1: write nothing, as \fB\-\-read\-only\fR.
.TP
RELCON_STATE_DIR
Where this machine keeps the head checkpoint and its state (else $XDG_STATE_HOME/relcon, else ~/.local/state/relcon).
.TP
RELCON_HOST
This machine's name as deployments record it (else the host name).
.TP
RELCON_LOG
A log level (debug, info, warn): writes $XDG_STATE_HOME/relcon/relcon.log.
.TP
NO_COLOR
Set: no colours.
"#;

/// `relcon man`: the manual page (roff) on stdout.
pub fn man() -> Result<i32> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Error::runtime(format!("cannot render the man page: {e}")))?;
    let text = String::from_utf8(buf).map_err(|e| Error::runtime(format!("generated text is not UTF-8: {e}")))?;
    // Before the version, where man pages keep them.
    let page = match text.find(".SH VERSION") {
        Some(i) => format!("{}{MAN_EXTRA}{}", &text[..i], &text[i..]),
        None => format!("{text}{MAN_EXTRA}"),
    };
    emit(page.into_bytes())
}

/// Generated text, written as it is (it holds no outside input).
fn emit(buf: Vec<u8>) -> Result<i32> {
    let text = String::from_utf8(buf).map_err(|e| Error::runtime(format!("generated text is not UTF-8: {e}")))?;
    term::out_exact(&text);
    Ok(0)
}
