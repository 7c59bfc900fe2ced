use clap::Parser;

use relcon::cli::{self, args::Cmd, Cli};

fn main() {
    let _ = color_eyre::install();
    let parsed = Cli::parse();
    let code = match &parsed.command {
        None => relcon::tui::main(&parsed),
        Some(Cmd::Demo { keep, print_config }) => relcon::demo::main(&parsed, keep.as_deref(), *print_config),
        Some(cmd) => {
            // `relcon audit | head` should end quietly, not panic on a closed pipe.
            // SAFETY: restoring the default disposition of SIGPIPE before any I/O.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            }
            cli::run(&parsed, cmd)
        }
    };
    std::process::exit(code);
}
