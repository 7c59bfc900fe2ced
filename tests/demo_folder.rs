//! The demo never overwrites what it did not write (DESIGN §10), with the
//! real binary: `relcon demo --keep DIR` refuses (exit 2) a folder holding a
//! config it did not write, or one it wrote that was edited since, and
//! writes nothing there; a second `relcon demo --keep DIR` while the first
//! runs opens a console on the same sandbox (both in pseudo-terminals) and
//! leaves the first's config and services alone.

mod common;

mod tui_term;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{wait_until, BIN};
use tui_term::{Spawn, Term, PROXIES};

/// `relcon demo --keep DIR` without a terminal.
fn demo_without_tty(dir: &Path) -> common::Run {
    let mut c = Command::new(BIN);
    c.args(["demo", "--keep"])
        .arg(dir)
        .env("RELCON_USER", "ana")
        .env_remove("RELCON_CONFIG")
        .stdin(Stdio::null());
    for v in PROXIES {
        c.env_remove(v);
    }
    let out = c.output().expect("run relcon demo");
    common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

#[test]
fn the_demo_refuses_a_folder_it_did_not_write() {
    // A real project: its own config and deploy hook.
    let project = tempfile::tempdir().unwrap();
    let mine = "[project]\nname = \"mine\"\n\n[[environment]]\nname = \"prod\"\ndeploy = \"./deploy.sh\"\n";
    std::fs::write(project.path().join("relcon.toml"), mine).unwrap();
    std::fs::create_dir(project.path().join("hooks")).unwrap();
    std::fs::write(project.path().join("hooks/deploy.sh"), "echo mine\n").unwrap();
    let before = files(project.path());
    let r = demo_without_tty(project.path()).code(2);
    assert!(
        r.stderr.contains("never overwrites what it did not write") && r.stderr.contains("relcon.toml"),
        "{r}"
    );
    assert_eq!(
        files(project.path()),
        before,
        "the demo wrote into a folder it does not own"
    );

    // A folder the demo made, whose config was edited since: refused too.
    let kept = tempfile::tempdir().unwrap();
    drop(relcon::demo::prepare(Some(kept.path())).expect("a fresh folder is fine"));
    let config = kept.path().join("relcon.toml");
    let written = std::fs::read_to_string(&config).unwrap();
    let edited = written.replace("customer-portal", "my-portal");
    std::fs::write(&config, &edited).unwrap();
    let before = files(kept.path());
    let r = demo_without_tty(kept.path()).code(2);
    assert!(r.stderr.contains("changed since the demo wrote it"), "{r}");
    assert_eq!(files(kept.path()), before);

    // Put back as the demo wrote it, the folder is the demo's again.
    std::fs::write(&config, &written).unwrap();
    let again = relcon::demo::prepare(Some(kept.path())).expect("the demo's own folder");
    assert!(!again.joined);
}

/// `relcon demo --keep DIR` in a pseudo-terminal, as `user`.
fn start(dir: &Path, user: &str) -> Term {
    let args: [&OsStr; 3] = ["demo".as_ref(), "--keep".as_ref(), dir.as_os_str()];
    let here = std::env::current_dir().expect("the test's folder");
    Spawn::new(&here, user).args(&args).size(40, 140).start()
}

/// A demo's services take a while to answer their first polls.
const DASHBOARD: Duration = Duration::from_secs(30);

/// The health+json version a demo service reports, if it answers.
fn reported(port: u16) -> Option<String> {
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(3))
        .build()
        .ok()?;
    let body: serde_json::Value = client
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .ok()?
        .json()
        .ok()?;
    body["releaseId"].as_str().map(str::to_string)
}

fn marker_ports(dir: &Path) -> Vec<u16> {
    relcon::demo::folder::read_marker(dir)
        .map(|m| m.ports)
        .unwrap_or_default()
}

#[test]
fn a_second_demo_joins_the_running_one_and_leaves_it_alone() {
    let keep = tempfile::Builder::new().prefix("relcon-demo-pair-").tempdir().unwrap();
    let dir = keep.path();
    let dashboard = |t: &str| t.contains("prod ◆") && t.matches("● healthy").count() >= 3;

    let mut first = start(dir, "ana");
    first.wait_in("the first console's dashboard", DASHBOARD, dashboard);
    let ports = marker_ports(dir);
    assert_eq!(ports.len(), 3, "the running demo records its ports");
    let config = std::fs::read(dir.join("relcon.toml")).unwrap();
    let marker = std::fs::read(dir.join(".relcon-demo")).unwrap();
    let versions: Vec<Option<String>> = ports.iter().map(|p| reported(*p)).collect();
    assert!(versions.iter().all(Option::is_some), "{versions:?}");

    // The pair joins: a console on the same sandbox, same services.
    let second = start(dir, "bob");
    second.wait_in("the second console's dashboard", DASHBOARD, dashboard);
    assert_eq!(
        std::fs::read(dir.join("relcon.toml")).unwrap(),
        config,
        "the config was rewritten"
    );
    assert_eq!(std::fs::read(dir.join(".relcon-demo")).unwrap(), marker);
    second.quit();

    // After the second one left, the first's services still answer and its
    // console is still healthy: nothing of the first was touched.
    let after: Vec<Option<String>> = ports.iter().map(|p| reported(*p)).collect();
    assert_eq!(after, versions, "the first demo's services stopped answering");
    assert_eq!(std::fs::read(dir.join("relcon.toml")).unwrap(), config);
    assert!(first.running(), "the first demo exited");
    first.wait_in("the first console still healthy", DASHBOARD, dashboard);

    // Without a terminal, a joining demo says what it joined.
    let r = demo_without_tty(dir);
    assert!(r.stderr.contains("joining the demo already running"), "{r}");
    assert_eq!(std::fs::read(dir.join("relcon.toml")).unwrap(), config);

    first.quit();
    // The owner is gone: its services close, and the next demo owns the folder.
    assert!(
        wait_until(Duration::from_secs(10), || ports.iter().all(|p| reported(*p).is_none())),
        "the first demo's services outlived it"
    );
    let next = relcon::demo::prepare(Some(dir)).expect("the folder is free again");
    assert!(!next.joined);
}

/// Dropping a demo frees its folder at once, even while a child forked by
/// some other thread of the process still holds the lock descriptor (until
/// its exec closes it): the next demo in this process waits for the lock
/// and owns the folder — it must not "join" the services just dropped.
#[test]
fn a_demo_dropped_in_this_process_is_not_joined_while_its_lock_lingers() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    drop(relcon::demo::prepare(Some(dir.path())).expect("a fresh folder"));
    // The lingering holder: the lock file taken for 400 ms by another descriptor.
    let lock = std::fs::File::open(dir.path().join(".relcon-demo.lock")).unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(
        unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        drop(lock);
    });
    let again = relcon::demo::prepare(Some(dir.path())).expect("the folder once the lock is free");
    holder.join().unwrap();
    assert!(!again.joined, "joined a demo that was already dropped");
    assert_eq!(
        again.ports,
        marker_ports(dir.path()),
        "the marker names the new services"
    );
    assert!(
        again.ports.iter().all(|p| reported(*p).is_some()),
        "the new services answer"
    );
}
