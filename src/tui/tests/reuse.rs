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
