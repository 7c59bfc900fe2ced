//! The console. (Being built.)
pub fn main(_cli: &crate::cli::Cli) -> i32 {
    eprintln!("the TUI is not built yet");
    1
}
