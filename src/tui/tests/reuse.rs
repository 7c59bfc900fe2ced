//! The reader's partial reload: a snapshot made from the last one for a
//! changed query (the ledger unchanged) is the one a full load gives.

use super::{ctx, releases};
use crate::health::Board;
use crate::tui::snapshot::{Query, Snapshot};

/// A change to a query, named.
type Change = (&'static str, Box<dyn Fn(&mut Query)>);

/// Debug text, the whole snapshot: every field must match.
fn same(a: &Snapshot, b: &Snapshot, what: &str) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}");
}

#[test]
fn a_changed_query_reads_only_its_part_and_gives_a_full_loads_snapshot() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 300);
    let first = Query::first("dev", 20);
    let mut prev = Snapshot::load(&ctx, &first).unwrap();
    let steps: Vec<Change> = vec![
        ("another env", Box::new(|q| q.env = "staging".into())),
        (
            "back, a later history window",
            Box::new(|q| {
                q.env = "dev".into();
                q.history_offset = 100;
                q.history_limit = Query::HISTORY_WINDOW;
            }),
        ),
        ("a filter", Box::new(|q| q.history_filter = "v1".into())),
        ("another env, filtered", Box::new(|q| q.env = "staging".into())),
        (
            "back, the filter cleared",
            Box::new(|q| {
                q.env = "dev".into();
                q.history_filter.clear();
            }),
        ),
        ("the audit trail", Box::new(|q| q.audit = true)),
        ("more of it", Box::new(|q| q.audit_limit += Query::AUDIT_PAGE)),
        ("flags", Box::new(|q| q.flags = true)),
        (
            "insights, audit closed",
            Box::new(|q| {
                q.insights = true;
                q.audit = false;
            }),
        ),
        ("insights closed", Box::new(|q| q.insights = false)),
    ];
    for (what, change) in steps {
        let mut q = prev.query.clone();
        change(&mut q);
        let part = Snapshot::load_changed(&ctx, &q, &prev, None).unwrap();
        same(
            &part,
            &Snapshot::load_full(&ctx, &q, &Board::default(), None).unwrap(),
            what,
        );
        prev = part;
    }
}

#[test]
fn known_insights_are_used_not_read() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 3);
    let mut q = Query::first("dev", 20);
    q.insights = true;
    let kept = Vec::new();
    let s = Snapshot::load_full(&ctx, &q, &Board::default(), Some(&kept)).unwrap();
    assert!(s.insights.is_some_and(|i| i.is_empty()), "the kept (empty) insights");
}

#[test]
fn kept_insights_travel_with_every_snapshot_and_others_only_when_asked() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 3);
    let q = Query::first("dev", 20);
    let kept = Vec::new();
    // The reader keeps them while the ledger has not moved: the Insights
    // view, opened again, shows them in its key's own frame.
    let s = Snapshot::load_full(&ctx, &q, &Board::default(), Some(&kept)).unwrap();
    assert!(s.insights.is_some(), "kept insights travel though not asked for");
    // Insights the reader no longer keeps (the ledger moved) are not carried on.
    let s = Snapshot::load_changed(&ctx, &Query::first("staging", 20), &s, None).unwrap();
    assert!(s.insights.is_none(), "dropped once not kept and not asked for");
}

#[test]
fn a_reload_takes_what_no_new_event_touched_and_reads_the_rest() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 30);
    // Staging's view: dev's first window rides beside it; the audit trail open.
    let mut q = Query::first("staging", 20);
    q.audit = true;
    let board = Board::default();
    let prev = Snapshot::load_full(&ctx, &q, &board, None).unwrap();
    // New events that name dev: a reload from the last snapshot is the
    // one a whole read gives (dev read again, the audit trail grown).
    deploy(&mut ctx, 31);
    let full = Snapshot::load_full(&ctx, &q, &board, None).unwrap();
    let since = Snapshot::load_since(&ctx, &q, &board, None, &prev).unwrap();
    same(&since, &full, "after events naming dev");
    assert_eq!(since.audit.len(), 63, "the audit trail holds the new events");
    assert_eq!(since.audit.first().map(|e| e.seq), Some(63));
    assert_eq!(
        since
            .nearby
            .iter()
            .find(|p| p.history.env == "dev")
            .map(|p| p.history.total),
        Some(31)
    );
    // Rows changed behind the ledger's back (no event) show that nothing
    // was read again: dev's window is the last one's.
    ctx.store
        .db()
        .exec("UPDATE releases SET version = 'forged' WHERE env = 'dev'", &[])
        .unwrap();
    let version = |s: &Snapshot| {
        let dev = s.nearby.iter().find(|p| p.history.env == "dev").unwrap();
        dev.history.rows[0].version.clone()
    };
    let again = Snapshot::load_since(&ctx, &q, &board, None, &since).unwrap();
    assert_eq!(version(&again), "1.0.0", "taken from the last snapshot");
    let read = Snapshot::load_full(&ctx, &q, &board, None).unwrap();
    assert_eq!(version(&read), "forged", "a whole read sees the table as it is");
    // A head that went back (another ledger) trusts nothing of the last one.
    let mut ahead = again.clone();
    ahead.status.head_seq += 1;
    let back = Snapshot::load_since(&ctx, &q, &board, None, &ahead).unwrap();
    assert_eq!(version(&back), "forged");
}

/// Release `n` of 1.0.0 deployed to dev: two events naming dev.
fn deploy(ctx: &mut crate::ops::Ctx, n: u64) {
    use crate::ledger::{kind, NewEvent};
    let at = ctx.now();
    ctx.store
        .transact(at, "ci", &mut |_| {
            Ok(vec![
                NewEvent::new(
                    kind::DEPLOYMENT_STARTED,
                    Some("dev"),
                    serde_json::json!({"number": n, "version": "1.0.0", "commit": "abc", "action": "deploy"}),
                ),
                NewEvent::new(
                    kind::DEPLOYMENT_SUCCEEDED,
                    Some("dev"),
                    serde_json::json!({"number": n}),
                ),
            ])
        })
        .unwrap();
}
