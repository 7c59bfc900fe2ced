//! Who is acting: `$RELCON_USER`, else git's `user.email`, else `$USER`.

use std::process::Command;

pub fn actor() -> String {
    if let Ok(u) = std::env::var("RELCON_USER") {
        if !u.trim().is_empty() {
            return u.trim().to_string();
        }
    }
    // The user config's [identity] user, before git's guess.
    if let Some(u) = crate::config::user::identity() {
        return u;
    }
    if let Ok(out) = Command::new("git").args(["config", "user.email"]).output() {
        let email = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !email.is_empty() {
            return email;
        }
    }
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// This machine's name, as deployments record it: `$RELCON_HOST` (for
/// containers whose hostname changes on every start), else the kernel's.
pub fn hostname() -> String {
    if let Ok(h) = std::env::var("RELCON_HOST") {
        if !h.trim().is_empty() {
            return h.trim().to_string();
        }
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Whether a process with this pid exists on this machine.
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 performs only the existence and permission check.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}
