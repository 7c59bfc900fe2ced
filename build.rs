//! Records the commit relcon is built from, for `relcon --version`:
//! `git rev-parse --short HEAD` when the source is a git checkout, else
//! `$RELCON_BUILD_COMMIT` (for packagers building from a tarball), else
//! "unknown". Never fails the build.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RELCON_BUILD_COMMIT");
    let from_env = std::env::var("RELCON_BUILD_COMMIT")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let commit = from_env
        .or_else(|| {
            // Only a checkout of this very source counts, not a repository
            // that happens to contain the unpacked tarball.
            let top = git(&["rev-parse", "--show-toplevel"])?;
            let here = std::env::var("CARGO_MANIFEST_DIR").ok()?;
            let same = std::fs::canonicalize(&top).ok()? == std::fs::canonicalize(&here).ok()?;
            if !same {
                return None;
            }
            // Rebuild when HEAD moves (a commit, a checkout).
            for p in ["HEAD", "refs", "packed-refs"] {
                if let Some(path) = git(&["rev-parse", "--git-path", p]) {
                    println!("cargo:rerun-if-changed={path}");
                }
            }
            git(&["rev-parse", "--short", "HEAD"])
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=RELCON_BUILD_COMMIT={commit}");
}
