//! A closed pipe never aborts a deployment (DESIGN §10): whether the reader
//! of stdout or stderr goes away (`relcon deploy … 2>&1 | head -1`, a closed
//! terminal) or the disk is full (`/dev/full`), the hook stays supervised to
//! the end, the outcome is recorded and relcon exits non-zero afterwards —
//! 141 for a closed pipe, 1 for any other lost output — without a panic.
//! A read-only command whose reader stops (`relcon audit | head -1`) ends
//! quietly with 141.

mod common;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use common::{wait_child, Sandbox, USER};

const WAIT: Duration = Duration::from_secs(60);

/// A hook that talks, pauses, talks again, and leaves a marker as its very
/// last act: the marker exists only if the hook ran to the end.
const SLOW_HOOK: &str = "echo \"step 1 of $RELCON_VERSION\"\nsleep 1\nfor i in 2 3 4 5 6 7 8; do echo \"step $i\"; done\nsleep 1\necho done\ntouch marker";

fn world() -> Sandbox {
    let sb = Sandbox::new("[project]\nname = \"shop\"\n\n[[environment]]\nname = \"dev\"\ndeploy = \"./slow.sh\"\n");
    sb.script("slow.sh", SLOW_HOOK);
    sb.register("1.0", "abc123");
    sb
}

/// A pipe as (read end, write end); close-on-exec, so that relcon is not
/// handed the read end too (a reader of its own would keep the pipe open).
fn pipe() -> (File, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2(2) fills both descriptors, which we then own.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe: {}", std::io::Error::last_os_error());
    // SAFETY: both are fresh descriptors owned by nobody else.
    unsafe { (File::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

fn dev_full() -> Stdio {
    Stdio::from(File::create("/dev/full").expect("/dev/full"))
}

/// The deployment's ledger state, read afterwards with `history --json`.
fn recorded(sb: &Sandbox) -> String {
    let h = sb.history("dev");
    assert_eq!(h.len(), 1, "{h:?}");
    h[0]["status"].as_str().unwrap_or_default().to_string()
}

fn code(st: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    st.code()
        .unwrap_or_else(|| panic!("relcon was killed by signal {:?} instead of exiting", st.signal()))
}

fn spawn_deploy(sb: &Sandbox, stdout: Stdio, stderr: Stdio) -> Child {
    sb.command_as(USER, ["deploy", "dev", "1.0", "--yes"])
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("spawn relcon")
}

fn read_file(sb: &Sandbox, rel: &str) -> String {
    std::fs::read_to_string(sb.path(rel)).unwrap_or_default()
}

#[test]
fn deploy_piped_into_a_reader_that_stops_after_one_line_finishes_and_is_recorded() {
    // `relcon deploy dev 1.0 --yes 2>&1 | head -1`: one pipe for both streams.
    let sb = world();
    let (read, write) = pipe();
    let write2 = write.try_clone().expect("dup");
    let mut child = spawn_deploy(&sb, Stdio::from(write), Stdio::from(write2));
    let mut first = String::new();
    BufReader::new(read).read_line(&mut first).expect("first line");
    // The reader is dropped here: every later write hits a closed pipe.
    assert!(first.contains("dev v1"), "{first}");
    assert!(!sb.exists("marker"), "the hook was still at its first line");
    let st = wait_child(&mut child, WAIT);
    assert!(sb.exists("marker"), "the hook did not run to its end");
    assert_eq!(recorded(&sb), "succeeded");
    assert_eq!(code(st), 141, "a closed pipe: exit 141 once the work is done");
}

#[test]
fn deploy_with_stdout_closed_notes_the_outcome_on_stderr() {
    let sb = world();
    let (read, write) = pipe();
    drop(read);
    let mut child = spawn_deploy(
        &sb,
        Stdio::from(write),
        Stdio::from(File::create(sb.path("err.txt")).unwrap()),
    );
    let st = wait_child(&mut child, WAIT);
    let err = read_file(&sb, "err.txt");
    assert!(sb.exists("marker"), "{err}");
    assert_eq!(recorded(&sb), "succeeded", "{err}");
    assert_eq!(code(st), 141, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("note: stdout could not be written; recorded dev v1: 1.0"),
        "{err}"
    );
}

#[test]
fn deploy_with_stderr_closed_finishes_and_is_recorded() {
    let sb = world();
    let (read, write) = pipe();
    drop(read);
    let mut child = spawn_deploy(&sb, Stdio::piped(), Stdio::from(write));
    let mut out = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut out).unwrap();
    let st = wait_child(&mut child, WAIT);
    assert!(sb.exists("marker"));
    assert_eq!(recorded(&sb), "succeeded");
    assert_eq!(code(st), 141);
    assert_eq!(out.trim(), "dev v1: 1.0 — deploy 1.0");
}

#[test]
fn deploy_with_stdout_on_a_full_disk_is_recorded_and_exits_1() {
    let sb = world();
    let mut child = spawn_deploy(&sb, dev_full(), Stdio::from(File::create(sb.path("err.txt")).unwrap()));
    let st = wait_child(&mut child, WAIT);
    let err = read_file(&sb, "err.txt");
    assert_eq!(code(st), 1, "{err}");
    assert!(sb.exists("marker"), "{err}");
    assert_eq!(recorded(&sb), "succeeded", "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("cannot write to stdout"), "{err}");
    assert!(err.contains("recorded dev v1: 1.0"), "{err}");
}

#[test]
fn deploy_with_stderr_on_a_full_disk_is_recorded_and_exits_1() {
    // Progress lines go to stderr: a full one must not stop the deployment.
    let sb = world();
    let mut child = spawn_deploy(&sb, Stdio::piped(), dev_full());
    let mut out = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut out).unwrap();
    let st = wait_child(&mut child, WAIT);
    assert_eq!(code(st), 1, "{out}");
    assert!(sb.exists("marker"));
    assert_eq!(recorded(&sb), "succeeded");
    assert_eq!(out.trim(), "dev v1: 1.0 — deploy 1.0");
}

#[test]
fn status_on_a_full_disk_exits_1_without_a_panic() {
    let sb = world();
    let mut child = sb
        .command_as(USER, ["status"])
        .stdout(dev_full())
        .stderr(Stdio::from(File::create(sb.path("err.txt")).unwrap()))
        .spawn()
        .expect("spawn");
    let st = wait_child(&mut child, WAIT);
    let err = read_file(&sb, "err.txt");
    assert_eq!(code(st), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line says why:\n{err}");
}

#[test]
fn audit_piped_into_head_ends_quietly_with_141() {
    // More than a pipe buffer of audit lines (long names), so relcon is
    // still writing when the reader goes away.
    let sb = world();
    let mut ctx = sb.ctx(&"x".repeat(4000));
    for i in 0..40 {
        relcon::ops::register::register(
            &mut ctx,
            relcon::ops::register::NewBuild {
                version: format!("2.{i}"),
                commit: "abc".into(),
                artifact: None,
                notes: None,
            },
        )
        .expect("register");
    }
    drop(ctx);
    let mut child = sb.spawn_as(USER, &["audit"]);
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    assert!(first.contains("registered build 2.39"), "{first}");
    let mut err = String::new();
    let mut stderr = child.stderr.take().expect("stderr");
    let st = wait_child(&mut child, WAIT);
    stderr.read_to_string(&mut err).unwrap();
    assert_eq!(code(st), 141, "{err}");
    assert_eq!(err, "", "quiet: nothing on stderr");
}
