//! Putting an export on disk so that readers and other relcon processes
//! agree: a cross-process lock next to the file (`<path>.lock`, flock), an
//! atomic replace (temp file in the same folder, fsync, rename), and removal
//! of temp files left by a writer that died.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Held while one process reads the ledger and writes one export; dropping
/// it (or the process dying) releases the lock.
pub struct ExportLock {
    _file: File,
}

impl ExportLock {
    /// Block until this process holds `<path>.lock` exclusively. Each call
    /// opens the lock file anew, so two threads of one process exclude each
    /// other too (flock locks belong to the open file, not the process).
    pub fn acquire(path: &Path) -> std::io::Result<ExportLock> {
        std::fs::create_dir_all(folder(path))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(lock_path(path))?;
        loop {
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(ExportLock { _file: file });
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

/// `flags/prod.env` → `flags/prod.env.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "export".into())
}

/// Temp file in the same folder, fsync, rename, fsync the folder: a reader
/// sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = folder(path);
    std::fs::create_dir_all(dir)?;
    // Unique per call, not just per process: `.NAME.PID.N.tmp`.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{}.{}.{seq}.tmp", file_name(path), std::process::id()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
    }
    test_pause("RELCON_TEST_PAUSE_BEFORE_RENAME");
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Temp files of `path` (`.NAME.PID.N.tmp`) with the pid that wrote each.
pub fn temp_files(path: &Path) -> Vec<(PathBuf, Option<u32>)> {
    let prefix = format!(".{}.", file_name(path));
    let Ok(entries) = std::fs::read_dir(folder(path)) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let middle = name.strip_prefix(&prefix)?.strip_suffix(".tmp")?;
            let pid = middle.split('.').next().and_then(|p| p.parse().ok());
            Some((e.path(), pid))
        })
        .collect()
}

/// Remove temp files no live writer owns. Call with the lock held: every
/// relcon writer holds it while its temp file exists, so what is left
/// belongs to a dead process (or to an old relcon without the lock, whose
/// pid is still alive: those are left alone).
pub fn remove_orphans(path: &Path, alive: &dyn Fn(u32) -> bool) -> Vec<PathBuf> {
    let own = std::process::id();
    let mut removed = Vec::new();
    for (tmp, pid) in temp_files(path) {
        let orphan = match pid {
            Some(p) => p == own || !alive(p),
            None => true,
        };
        if orphan && std::fs::remove_file(&tmp).is_ok() {
            removed.push(tmp);
        }
    }
    removed
}

/// Test-only (debug builds): when the variable names a file, create it and
/// sleep, so a test can SIGKILL this process at exactly this point.
/// Release builds ignore it.
pub fn test_pause(var: &str) {
    #[cfg(debug_assertions)]
    if let Some(marker) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let _ = std::fs::write(&marker, std::process::id().to_string());
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
    #[cfg(not(debug_assertions))]
    let _ = var;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orphans_of_dead_writers_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prod.env");
        write_atomic(&path, "x\n").unwrap();
        let dead = dir.path().join(".prod.env.999999.3.tmp");
        let live = dir.path().join(".prod.env.4242.0.tmp");
        let other = dir.path().join(".staging.env.999999.0.tmp");
        for p in [&dead, &live, &other] {
            std::fs::write(p, "half").unwrap();
        }
        let _lock = ExportLock::acquire(&path).unwrap();
        let removed = remove_orphans(&path, &|pid| pid == 4242);
        assert_eq!(removed, vec![dead.clone()]);
        assert!(!dead.exists() && live.exists() && other.exists());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x\n");
        assert!(lock_path(&path).exists());
    }

    #[test]
    fn the_lock_excludes_another_open_of_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flags/prod.flagd.json");
        let held = ExportLock::acquire(&path).unwrap();
        let f = File::open(lock_path(&path)).unwrap();
        // SAFETY: non-blocking flock on a descriptor this test owns.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(r, -1, "a second lock must not be granted while one is held");
        drop(held);
        // SAFETY: as above.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(r, 0, "released on drop");
    }
}
