//! `audit --since` finds recent events through the `at` index instead of
//! walking the whole table (issue 17), and still answers exactly what the
//! plain filter would: newest first, at most `--limit`, including events
//! recorded after a clock was set back. On both stores, with the real binary.

mod common;

use chrono::{Duration, Utc};
use common::{pipeline_config, Backend, Sandbox};
use relcon::ledger::{kind, NewEvent};

both_stores!(since_is_exact_when_the_clock_went_back);

fn note(text: &str) -> NewEvent {
    NewEvent::new(kind::NOTE_ADDED, Some("dev"), serde_json::json!({ "text": text }))
}

fn seqs(sb: &Sandbox, args: &[&str]) -> Vec<u64> {
    let r = sb.run(args).ok();
    r.json()
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

fn since_is_exact_when_the_clock_went_back(b: Backend) {
    let sb = Sandbox::on(b, &pipeline_config("\"true\"", "", ""));
    let now = Utc::now();
    let mut store = sb.store();
    // seq 1..=5: old, old, recent, old again (a clock set back), recent.
    for (i, at) in [
        now - Duration::hours(3),
        now - Duration::hours(2),
        now - Duration::minutes(10),
        now - Duration::hours(5),
        now - Duration::minutes(5),
    ]
    .into_iter()
    .enumerate()
    {
        let mut one = Some(note(&format!("n{i}")));
        store
            .transact(at, "ana", &mut |_| Ok(one.take().into_iter().collect()))
            .unwrap();
    }
    assert_eq!(seqs(&sb, &["audit", "--json", "--since", "1h"]), vec![5, 3]);
    assert_eq!(
        seqs(&sb, &["audit", "--json", "--since", "1h", "--limit", "1"]),
        vec![5]
    );
    assert_eq!(
        seqs(&sb, &["audit", "--json", "--since", "4h"]),
        vec![5, 3, 2, 1],
        "seq 4 is older than 4 h although it came later"
    );
    assert_eq!(
        seqs(&sb, &["audit", "--json", "--since", "4h", "--limit", "2"]),
        vec![5, 3]
    );
    assert_eq!(seqs(&sb, &["audit", "--json", "--since", "1m"]), Vec::<u64>::new());
    // The store call the console uses, with no bound: the newest, by seq.
    let all = store.events_newest(3, None).unwrap();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![5, 4, 3]);
}
