//! Hook output is bounded in memory (DESIGN §10, issue 10 item 5): the real
//! binary deploys with a hook printing a flood of lines, and the peak RSS
//! of that relcon process — from `wait4`'s rusage, exact, not sampled (the
//! larger of relcon's own peak and that of the hook processes it reaped, so
//! an upper bound) — stays under 64 MB, while the stored output keeps its
//! exact first and last lines and the live view says how many lines it did
//! not show.
//!
//! Size: 100 MB by default (a debug build reads it in seconds); 1 GB under
//! `CI` (set to anything but `false`); `RELCON_MEMORY_TEST_BYTES` overrides.

mod common;

use std::io::Read;

use common::{pipeline_config, Sandbox};
use relcon::ledger::{SqliteStore, Store};

const LIMIT_KB: i64 = 64 * 1024;

fn output_bytes() -> u64 {
    if let Some(n) = std::env::var("RELCON_MEMORY_TEST_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    match std::env::var("CI") {
        Ok(v) if v != "false" => 1_000_000_000,
        _ => 100_000_000,
    }
}

/// Wait for `pid` (a child of this process) and return (exit code, peak RSS in KiB).
fn wait_with_rusage(pid: i32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes only into the two out-parameters given.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss)
}

#[test]
fn a_gigabyte_of_hook_output_keeps_relcon_under_64_mb() {
    let bytes = output_bytes();
    let hook =
        format!("\"yes 'line of hook output, about sixty bytes long 0123456789' | head -c {bytes}; echo LAST LINE\"");
    let sb = Sandbox::new(&pipeline_config(&hook, "", ""));
    sb.register("1.0", "abc");
    let mut child = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    let pid = child.id() as i32;
    // Read the live output as a terminal would, keeping only its end.
    let mut stderr = child.stderr.take().expect("stderr piped");
    let reader = std::thread::spawn(move || {
        let (mut total, mut tail) = (0u64, Vec::new());
        let mut buf = [0u8; 65536];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
            tail.extend_from_slice(&buf[..n]);
            if tail.len() > 1 << 20 {
                tail.drain(..tail.len() - 4096);
            }
        }
        (total, String::from_utf8_lossy(&tail).into_owned())
    });
    let mut stdout = child.stdout.take().expect("stdout piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let (code, peak_kb) = wait_with_rusage(pid);
    let (live_bytes, live_tail) = reader.join().unwrap();
    let stdout = out_reader.join().unwrap();
    drop(child); // reaped by wait4 above; dropping only closes handles
    eprintln!(
        "hook printed {bytes} bytes; relcon peak RSS {} KiB ({:.1} MB)",
        peak_kb,
        peak_kb as f64 / 1024.0
    );
    assert_eq!(code, 0, "deploy failed; stdout: {stdout}\nstderr tail: {live_tail}");
    assert!(
        peak_kb < LIMIT_KB,
        "peak RSS {peak_kb} KiB for {bytes} bytes of hook output (limit {LIMIT_KB} KiB)"
    );

    // The live view skipped what it could not show, and said so.
    assert!(
        live_tail.contains("lines not shown"),
        "no note of skipped lines at the end of the live output: {live_tail}"
    );
    assert!(live_bytes < bytes / 4, "live output {live_bytes} bytes: not bounded");
    // The stored output is exact at both ends.
    let store = SqliteStore::open(&sb.ledger_path()).unwrap();
    let stored = store
        .view()
        .release("dev", 1)
        .unwrap()
        .unwrap()
        .output
        .unwrap_or_default();
    assert!(stored.starts_with("line of hook output, about sixty bytes long 0123456789\n"));
    assert!(
        stored.ends_with("LAST LINE\n"),
        "{}",
        &stored[stored.len().saturating_sub(200)..]
    );
    assert!(stored.contains("bytes of output omitted"));
}
