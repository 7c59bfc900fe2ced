//! The embedded sandbox. (Being built.)
pub fn main(_cli: &crate::cli::Cli, _keep: Option<&std::path::Path>, _print: bool) -> i32 {
    eprintln!("the demo is not built yet");
    1
}
