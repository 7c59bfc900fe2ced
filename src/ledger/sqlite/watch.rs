//! Waking when the ledger file is written, instead of polling: inotify on
//! the folder that holds the database. The folder, not the file, because
//! the `-wal` file comes and goes; only events that name the database, its
//! WAL or its rollback journal count (the `-shm` index is written through a
//! memory map, which inotify does not report, and other files are not ours).
//! Where inotify is unavailable (not Linux, out of watches), `new` says so
//! and the caller polls instead.
//!
//! A [`Wake`](crate::ledger::Wake) ends a wait from another thread (an
//! eventfd polled beside the watch), so a thread that waits for writes
//! need not also wake every second to see whether it should stop.

use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ledger::Wake;

pub struct FileWatch {
    fd: OwnedFd,
    /// The database's file name; its WAL and journal share it as a prefix.
    name: OsString,
    wake: WakeFd,
}

/// Set by [`FileWatch::waker`]'s wakes: ends the current wait and every
/// later one (it stays set), since it is used to stop the waiter.
#[derive(Clone)]
struct WakeFd(Arc<OwnedFd>);

impl WakeFd {
    fn wake(&self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes 8 bytes we own to an eventfd we own. A full counter
        // (never, at one write per stop) would only mean it is already set.
        let _ = unsafe { libc::write(self.0.as_raw_fd(), one.as_ptr().cast(), one.len()) };
    }
}

/// How a [`FileWatch::wait`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    Written,
    TimedOut,
    Woken,
}

impl FileWatch {
    #[cfg(target_os = "linux")]
    pub fn new(db: &Path) -> Option<FileWatch> {
        let name = db.file_name()?.to_os_string();
        let dir = match db.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let dir = CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: plain system calls; the descriptor is owned from here on.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mask = libc::IN_MODIFY | libc::IN_CLOSE_WRITE | libc::IN_CREATE | libc::IN_MOVED_TO | libc::IN_DELETE;
        // SAFETY: `dir` is a NUL-terminated path that outlives the call.
        if unsafe { libc::inotify_add_watch(fd.as_raw_fd(), dir.as_ptr(), mask) } < 0 {
            return None;
        }
        // SAFETY: a plain system call; the descriptor is owned from here on.
        let wake = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if wake < 0 {
            return None;
        }
        // SAFETY: `wake` is a fresh descriptor nobody else owns.
        let wake = WakeFd(Arc::new(unsafe { OwnedFd::from_raw_fd(wake) }));
        Some(FileWatch { fd, name, wake })
    }

    pub fn waker(&self) -> Wake {
        let fd = self.wake.clone();
        Wake::new(move || fd.wake())
    }

    #[cfg(not(target_os = "linux"))]
    pub fn new(_db: &Path) -> Option<FileWatch> {
        None
    }

    /// Sleep until one of the database's files is written, the [`Wake`] is
    /// set or `timeout` passes. Events queue from `new` on, so a write
    /// between a caller's check and this call still wakes it.
    pub fn wait(&self, timeout: Duration) -> Waited {
        let until = Instant::now() + timeout;
        loop {
            if self.drain() {
                return Waited::Written;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Waited::TimedOut;
            }
            let pfd = |fd: &OwnedFd| libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let mut fds = [pfd(&self.fd), pfd(&self.wake.0)];
            let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            // SAFETY: two valid pollfds for the duration of the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
            if n < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                // Cannot wait on it: the caller rereads, as after a timeout.
                std::thread::sleep(left.min(Duration::from_millis(40)));
                return Waited::TimedOut;
            }
            if fds[1].revents & libc::POLLIN != 0 {
                return Waited::Woken;
            }
        }
    }

    /// Read every queued event; true when one names the database's files.
    fn drain(&self) -> bool {
        let mut hit = false;
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: reads into a buffer we own, at most its length.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return hit;
            }
            let mut off = 0usize;
            let head = std::mem::size_of::<libc::inotify_event>();
            while off + head <= n as usize {
                // SAFETY: the kernel wrote whole events; read_unaligned copes
                // with the byte buffer's alignment.
                let ev: libc::inotify_event = unsafe { std::ptr::read_unaligned(buf.as_ptr().add(off).cast()) };
                let len = ev.len as usize;
                let name = buf.get(off + head..off + head + len).unwrap_or(&[]);
                let name = name.split(|b| *b == 0).next().unwrap_or(&[]);
                hit |= self.ours(OsStr::from_bytes(name));
                off += head + len;
            }
        }
    }

    fn ours(&self, file: &OsStr) -> bool {
        let base = self.name.as_bytes();
        let file = file.as_bytes();
        file == base
            || [b"-wal".as_slice(), b"-journal"]
                .iter()
                .any(|s| file == [base, s].concat())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn wakes_for_the_database_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger.db");
        let w = FileWatch::new(&db).expect("inotify on Linux");
        let quiet = Duration::from_millis(20);
        assert_eq!(w.wait(quiet), Waited::TimedOut, "nothing written yet");
        std::fs::write(dir.path().join("other.txt"), "x").unwrap();
        std::fs::write(dir.path().join("ledger.db-shm"), "x").unwrap();
        assert_eq!(w.wait(quiet), Waited::TimedOut, "other files do not count");
        std::fs::write(dir.path().join("ledger.db-wal"), "x").unwrap();
        assert_eq!(w.wait(Duration::from_millis(2000)), Waited::Written, "the WAL counts");
        assert_eq!(w.wait(quiet), Waited::TimedOut, "events were drained");
        std::fs::write(&db, "x").unwrap();
        assert_eq!(
            w.wait(Duration::from_millis(2000)),
            Waited::Written,
            "the database counts"
        );
    }

    #[test]
    fn a_wake_from_another_thread_ends_a_long_wait_and_every_later_one() {
        let dir = tempfile::tempdir().unwrap();
        let w = FileWatch::new(&dir.path().join("ledger.db")).expect("inotify on Linux");
        let wake = w.waker();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            wake.wake();
        });
        let started = Instant::now();
        assert_eq!(w.wait(Duration::from_secs(600)), Waited::Woken);
        assert!(started.elapsed() < Duration::from_secs(60), "woken, not timed out");
        t.join().unwrap();
        assert_eq!(w.wait(Duration::from_secs(600)), Waited::Woken, "it stays set");
    }
}
