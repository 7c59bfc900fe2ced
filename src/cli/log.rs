//! The log file: `RELCON_LOG=debug` (or error, warn, info, trace) writes
//! what relcon does to `$XDG_STATE_HOME/relcon/relcon.log` (else
//! `~/.local/state/relcon/relcon.log`). Off by default. What is logged is
//! chosen where it is logged: commands, config paths, hook steps with their
//! outcome and duration, HTTP statuses — never hook output, variable values
//! or tokens, so no secret reaches the file.

use std::path::PathBuf;

use tracing::level_filters::LevelFilter;
use tracing_appender::non_blocking::WorkerGuard;

/// The folder the log goes to.
pub fn dir() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("relcon"))
}

/// Start logging when `RELCON_LOG` asks for it. Keep the guard until the
/// process ends: dropping it flushes the file.
pub fn init() -> Option<WorkerGuard> {
    let wanted = std::env::var("RELCON_LOG").ok().filter(|v| !v.trim().is_empty())?;
    let level = match wanted.trim().to_ascii_lowercase().as_str() {
        "off" | "0" => return None,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" | "1" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        other => {
            super::term::err(format!(
                "warning: RELCON_LOG={other:?} is not one of error, warn, info, debug, trace: not logging"
            ));
            return None;
        }
    };
    let dir = dir()?;
    if let Err(e) = std::fs::create_dir_all(&dir) {
        super::term::err(format!("warning: cannot create {}: {e}: not logging", dir.display()));
        return None;
    }
    let (writer, guard) = tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, "relcon.log"));
    let installed = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(writer)
        .try_init();
    if installed.is_err() {
        return None;
    }
    tracing::info!(
        version = super::conventions::VERSION,
        pid = std::process::id(),
        "relcon started"
    );
    Some(guard)
}
