//! A consumer that stops reading relcon's live output (a paused terminal,
//! a stuck pipe) must stall neither the hook nor its supervision (issue 10
//! item 5): the hook's output keeps being drained, the timeout still fires,
//! and the live view says how many lines it could not show.

mod common;

use std::io::Read;
use std::time::Duration;

use common::{pipeline_config, process_alive, wait_until, Sandbox};

#[test]
fn a_consumer_that_stops_reading_never_stalls_the_hook_or_its_timeout() {
    let sb = Sandbox::new(&pipeline_config("{ run = \"./hook.sh\", timeout = \"3s\" }", "", ""));
    sb.script(
        "hook.sh",
        "yes 'flood of hook output' | head -c 20000000\ntouch printed\nsleep 60 &\necho $! > sleep.pid\nwait",
    );
    sb.register("1.0", "abc");
    let mut child = sb.spawn_as("ana", &["deploy", "dev", "1.0", "--yes"]);
    // Nobody reads relcon's stdout or stderr for now: its live lines back up.
    assert!(
        wait_until(Duration::from_secs(60), || sb.exists("printed")),
        "the hook could not finish printing while relcon's output was not read"
    );
    assert!(
        wait_until(Duration::from_secs(30), || sb.exists("sleep.pid")),
        "the hook did not go on"
    );
    let pid: i32 = sb.read("sleep.pid").trim().parse().expect("a pid");
    assert!(
        wait_until(Duration::from_secs(30), || !process_alive(pid)),
        "the 3 s timeout did not stop the hook while relcon's output was not read"
    );
    // Now read: the deployment ends as timed out, and says what it skipped.
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    assert_eq!(
        status.code(),
        Some(4),
        "{}",
        &stderr[stderr.len().saturating_sub(500)..]
    );
    assert!(
        stderr.contains("timed out after 3s"),
        "{}",
        &stderr[stderr.len().saturating_sub(500)..]
    );
    assert!(
        stderr.contains("lines not shown"),
        "{}",
        &stderr[stderr.len().saturating_sub(500)..]
    );
    assert_eq!(sb.history("dev")[0]["status"], "failed");
}
