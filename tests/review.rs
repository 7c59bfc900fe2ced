//! Post-deployment review (the fintech process's four questions): answers
//! recorded as a note on the release, shown with it in `history` (text and
//! JSON) and kept through a rebuild; the console shows it in the release detail.

mod common;
mod tui_support;
mod tui_term;

use common::{pipeline_config, Backend, Sandbox};

both_stores!(review_is_recorded_on_the_release_and_shown_with_it);

fn review_is_recorded_on_the_release_and_shown_with_it(b: Backend) {
    let sb = Sandbox::on(b, &pipeline_config("\"true\"", "", ""));
    sb.register("1.0", "abc1");
    sb.register("1.1", "abc2");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["deploy", "dev", "1.1", "--yes"]).ok();

    // Without answers and without a terminal: the questions are named.
    let run = sb.run(&["review", "dev"]).code(2);
    assert!(run.stderr.contains("What went well?"), "{run}");
    assert!(
        run.stderr.contains("How can we prevent similar issues in the future?"),
        "{run}"
    );
    // Not four answers: refused, nothing recorded.
    let run = sb.run(&["review", "dev", "--answer", "only one"]).code(2);
    assert!(run.stderr.contains("4 questions"), "{run}");
    let run = sb.run(&[
        "review", "dev", "v9", "--answer", "a", "--answer", "b", "--answer", "c", "--answer", "d",
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("no release v9"), "{run}");

    // The current release (v2) by default; v1 by number.
    let v = sb
        .run(&[
            "review",
            "dev",
            "--answer",
            "Smooth rollout",
            "--answer",
            "Slow smoke tests",
            "--answer",
            "",
            "--answer",
            "Cache warm-up in the hook",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!((v["number"].as_u64(), v["version"].as_str()), (Some(2), Some("1.1")));
    assert_eq!(v["by"], "ana");
    assert_eq!(v["answers"][0]["question"], "What went well?");
    assert_eq!(v["answers"][0]["answer"], "Smooth rollout");
    assert_eq!(v["answers"][2]["answer"], "");
    sb.run_as(
        "bo",
        &[
            "review", "dev", "v1", "--answer", "fine", "--answer", "", "--answer", "", "--answer", "",
        ],
    )
    .ok();

    // A note on the release in the ledger…
    let notes: Vec<_> = sb.audit().into_iter().filter(|e| e["kind"] == "note.added").collect();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes.iter().filter(|n| n["env"] == "dev").count(), 2);
    // …shown with it in history, text and JSON.
    let h = sb.history("dev");
    assert_eq!(h[0]["number"], 2);
    assert_eq!(h[0]["review"]["answers"][1]["answer"], "Slow smoke tests");
    assert_eq!(h[1]["review"]["by"], "bo");
    let text = sb.run(&["history", "dev"]).ok().stdout;
    assert!(text.contains("review by ana:"), "{text}");
    assert!(text.contains("What could be improved? Slow smoke tests"), "{text}");
    // A rebuild keeps it (it is history), and verify is clean.
    sb.run(&["ledger", "rebuild"]).ok();
    assert_eq!(
        sb.history("dev")[0]["review"]["answers"][3]["answer"],
        "Cache warm-up in the hook"
    );
    sb.run(&["audit", "verify"]).ok();
    // Read-only refuses to record one.
    sb.run(&[
        "--read-only",
        "review",
        "dev",
        "--answer",
        "a",
        "--answer",
        "b",
        "--answer",
        "c",
        "--answer",
        "d",
    ])
    .code(2);
}

/// The console's release detail shows the review of the highlighted release.
#[test]
fn the_console_release_detail_shows_the_review() {
    let mut w = tui_support::world();
    let answers: Vec<String> = ["Calm promotion", "", "Checkout latency blip", "Alert on p99"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for env in ["dev", "staging", "prod"] {
        relcon::ops::review::record(&mut w.ctx, env, None, &answers).unwrap();
    }
    let a = tui_support::app(&mut w, (160, 48), false);
    let (t, _) = tui_support::screen(&a, 160, 48);
    assert!(t.contains("review   by ana"), "{t}");
    assert!(t.contains("What went well? Calm promotion"), "{t}");
    assert!(t.contains("Any unexpected issues? Checkout latency blip"), "{t}");
    // An empty answer is left out.
    assert!(!t.contains("What could be improved?"), "{t}");
}

/// On a terminal, `relcon review ENV` asks the four questions one by one.
#[test]
fn review_asks_the_four_questions_on_a_terminal() {
    let sb = Sandbox::new(&pipeline_config("\"true\"", "", ""));
    sb.register("1.0", "abc1");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    let state = sb.path(".state");
    let mut t = tui_term::Spawn::new(sb.root(), "ana")
        .env(&[("RELCON_STATE_DIR", state.to_str().unwrap())])
        .args(&["review", "dev"])
        .start();
    t.wait_for("What went well?");
    t.send("Fast rollout\r");
    t.wait_for("What could be improved?");
    t.send("\r");
    t.wait_for("Any unexpected issues?");
    t.send("None\r");
    t.wait_for("How can we prevent similar issues in the future?");
    t.send("More canaries\r");
    t.wait_for("recorded");
    assert!(t.exit().success(), "{}", t.text());
    let h = sb.history("dev");
    let answers: Vec<&str> = h[0]["review"]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["answer"].as_str().unwrap())
        .collect();
    assert_eq!(answers, ["Fast rollout", "", "None", "More canaries"]);
}
