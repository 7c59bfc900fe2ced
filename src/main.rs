use clap::Parser;

use relcon::cli::{self, args::Cmd, Cli};

fn main() {
    let _ = color_eyre::install();
    // SIGPIPE stays ignored (Rust's default): a closed pipe must never kill
    // relcon mid-deployment. cli::term turns lost output into an exit code.
    let parsed = match Cli::try_parse() {
        Ok(p) => p,
        Err(e) => std::process::exit(cli::clap_error(e)),
    };
    let log = cli::log::init();
    let code = match &parsed.command {
        None => relcon::tui::main(&parsed),
        Some(Cmd::Demo { keep, print_config }) => relcon::demo::main(&parsed, keep.as_deref(), *print_config),
        Some(cmd) => cli::run(&parsed, cmd),
    };
    drop(log); // flushes the log file; exit skips destructors
    std::process::exit(code);
}
