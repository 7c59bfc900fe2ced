//! `relcon flag eval ENV FLAG --stdin` budget (issue 16): 10 000 targeting
//! keys "well under a second". Two measurements:
//!
//! * `flag_eval/evaluate_10k` (criterion): the library path the command
//!   takes per key (`ops::flags::eval_with` over a state read once), 10 000
//!   keys, serialised as the JSON lines the command prints.
//! * `flag_eval/binary_10k`: the real binary, stdin piped with 10 000 keys,
//!   process start and ledger open included.
//!
//! `cargo bench --bench flag_eval`.

use std::io::Write;
use std::process::{Command, Stdio};

use criterion::Criterion;
use relcon::domain::FlagState;
use relcon::ops::flags;

fn keys() -> Vec<String> {
    (0..10_000).map(|i| format!("tenant-{i}")).collect()
}

fn evaluate_10k(c: &mut Criterion) {
    let state = FlagState {
        enabled: true,
        rollout: 25,
        targets: vec!["15".into(), "42".into(), "103".into()],
    };
    let keys = keys();
    c.bench_function("flag_eval/evaluate_10k", |b| {
        b.iter(|| {
            let mut out = String::with_capacity(1 << 20);
            for k in &keys {
                let r = flags::eval_with(&state, "prod", "customer_portal", k);
                out.push_str(&serde_json::to_string(&r).unwrap_or_default());
                out.push('\n');
            }
            out.len()
        })
    });
}

fn binary_10k(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("relcon.toml"),
        "[project]\nname = \"bench\"\n[[environment]]\nname = \"prod\"\n[flag.customer_portal]\nenv.prod = { enabled = true, rollout = 25, targets = [\"15\"] }\n",
    )
    .expect("config");
    let bin = env!("CARGO_BIN_EXE_relcon");
    let input = keys().join("\n") + "\n";
    c.bench_function("flag_eval/binary_10k", |b| {
        b.iter(|| {
            let mut child = Command::new(bin)
                .args(["flag", "eval", "prod", "customer_portal", "--stdin", "--json"])
                .current_dir(dir.path())
                .env("RELCON_USER", "bench")
                .env("RELCON_STATE_DIR", dir.path().join(".state"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("relcon");
            let mut stdin = child.stdin.take().expect("stdin");
            let text = input.clone();
            let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
            let out = child.wait_with_output().expect("output");
            let _ = writer.join();
            assert!(out.status.success());
            out.stdout.len()
        })
    });
}

fn main() {
    let mut c = Criterion::default().sample_size(20).configure_from_args();
    evaluate_10k(&mut c);
    binary_10k(&mut c);
    c.final_summary();
}
