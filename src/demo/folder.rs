//! Who owns a demo folder. The demo writes a marker (`.relcon-demo`) with
//! the hash of the config it wrote, and refuses a folder holding a config
//! (or hooks, services, a ledger, exports) it did not write. A running demo
//! holds `.relcon-demo.lock` (flock) for its whole life and records its pid
//! and ports in the marker, so a second `relcon demo --keep DIR` joins it —
//! a console on the same sandbox — instead of rewriting config and ports.

use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

pub const MARKER: &str = ".relcon-demo";
pub const LOCK: &str = ".relcon-demo.lock";

/// What the demo writes into its folder (besides the marker and the lock).
const WRITES: &[&str] = &["relcon.toml", "hooks", "services", "ledger.db", "flags"];

/// The marker's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub config_sha256: String,
    pub pid: u32,
    pub ports: Vec<u16>,
}

impl Marker {
    fn render(&self) -> String {
        let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
        format!(
            "# Written by `relcon demo`: this folder is a demo sandbox. Do not edit.\nconfig-sha256 {}\npid {}\nports {}\n",
            self.config_sha256,
            self.pid,
            ports.join(" ")
        )
    }

    fn parse(text: &str) -> Option<Marker> {
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ').map(str::trim))
        };
        Some(Marker {
            config_sha256: field("config-sha256")?.to_string(),
            pid: field("pid")?.parse().ok()?,
            ports: field("ports")?
                .split_whitespace()
                .map(|p| p.parse().ok())
                .collect::<Option<Vec<u16>>>()?,
        })
    }
}

pub fn read_marker(dir: &Path) -> Option<Marker> {
    Marker::parse(&std::fs::read_to_string(dir.join(MARKER)).ok()?)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `dir/relcon.toml` is the one the marker says the demo wrote.
fn config_is_ours(dir: &Path, marker: &Marker) -> bool {
    std::fs::read(dir.join("relcon.toml")).is_ok_and(|b| sha256_hex(&b) == marker.config_sha256)
}

/// Record, after the config is written and the services run, that this
/// process owns the folder.
pub fn write_marker(dir: &Path, config: &str, ports: &[u16]) -> Result<()> {
    let m = Marker {
        config_sha256: sha256_hex(config.as_bytes()),
        pid: std::process::id(),
        ports: ports.to_vec(),
    };
    crate::flags::publish::write_atomic(&dir.join(MARKER), &m.render())
        .map_err(|e| Error::runtime(format!("demo folder {}: {e}", dir.display())))
}

/// Refuse (usage error) a folder holding files the demo did not write.
pub fn check_ours(dir: &Path) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::usage(format!(
            "{} {why}: the demo never overwrites what it did not write. Use an empty or new folder, e.g. `relcon demo --keep relcon-demo`",
            dir.display()
        )))
    };
    match read_marker(dir) {
        Some(m) if dir.join("relcon.toml").exists() && !config_is_ours(dir, &m) => {
            refuse("holds a relcon.toml that was changed since the demo wrote it".into())
        }
        Some(_) => Ok(()),
        None => {
            let foreign: Vec<&str> = WRITES.iter().copied().filter(|f| dir.join(f).exists()).collect();
            if foreign.is_empty() {
                Ok(())
            } else {
                refuse(format!(
                    "already holds {} and was not made by `relcon demo`",
                    foreign.join(", ")
                ))
            }
        }
    }
}

/// Held by the demo that runs the folder's services, for its whole life.
pub struct OwnerLock {
    _file: File,
}

/// Who this process is in the folder.
pub enum Claim {
    /// Nobody else runs it: set it up and start the services.
    Owner(OwnerLock),
    /// Another demo runs it: open a console on it, touch nothing.
    Join(Marker),
}

/// Take the folder, or find the demo that has it. A demo that is still
/// starting is waited for (up to `wait`) until its marker names it.
pub fn claim(dir: &Path, wait: Duration) -> Result<Claim> {
    let io = |e: std::io::Error| Error::runtime(format!("demo folder {}: {e}", dir.display()));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(dir.join(LOCK))
        .map_err(io)?;
    let deadline = Instant::now() + wait;
    loop {
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(Claim::Owner(OwnerLock { _file: file }));
        }
        // A marker naming this very process is a demo it already dropped:
        // the lock is only held a moment longer by a child forked meanwhile
        // (until its exec closes the descriptor), so wait for it rather
        // than join services that are gone.
        if let Some(m) = read_marker(dir) {
            if m.pid != std::process::id() && crate::ops::identity::pid_alive(m.pid) && config_is_ours(dir, &m) {
                return Ok(Claim::Join(m));
            }
        }
        if Instant::now() >= deadline {
            return Err(Error::runtime(format!(
                "another relcon demo holds {} but did not finish starting within {}s",
                dir.display(),
                wait.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_round_trips() {
        let m = Marker {
            config_sha256: sha256_hex(b"x"),
            pid: 42,
            ports: vec![8081, 8082, 8083],
        };
        assert_eq!(Marker::parse(&m.render()), Some(m));
        assert_eq!(Marker::parse("pid 1\n"), None);
    }

    #[test]
    fn a_folder_with_foreign_files_is_refused_and_an_empty_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        check_ours(dir.path()).unwrap();
        std::fs::write(dir.path().join("README"), "mine").unwrap();
        check_ours(dir.path()).unwrap();
        std::fs::write(dir.path().join("relcon.toml"), "[project]\n").unwrap();
        let e = check_ours(dir.path()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("relcon.toml"), "{e}");
        // With the demo's marker for exactly these bytes it is ours.
        write_marker(dir.path(), "[project]\n", &[1]).unwrap();
        check_ours(dir.path()).unwrap();
        std::fs::write(dir.path().join("relcon.toml"), "[project]\nname = \"edited\"\n").unwrap();
        assert!(check_ours(dir.path()).unwrap_err().to_string().contains("changed"));
    }
}
