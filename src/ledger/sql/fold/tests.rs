//! The in-memory fold held equal to the SQL projections: random streams of
//! every kind of event (`stream.rs`: valid ones, and ones the SQL refuses)
//! go through `project::apply` into a scratch store and through `Fold`; the
//! fold must refuse exactly what the SQL refuses and end with the same
//! digests, and the rows it writes must be the SQL's, in rowid order.

use chrono::Utc;

use super::stream::Stream;
use super::{Fold, Unsure, Writer, FOLDED, WINDOW};
use crate::ledger::event::kind;
use crate::ledger::sql::chain::PROJECTIONS;
use crate::ledger::sql::{apply, compare, Db, Row};
use crate::ledger::sqlite::SqliteStore;

/// Every projection's rows in the order the store keeps them (rowid).
fn rows_in_place(db: &dyn Db) -> Vec<(&'static str, Vec<Row>)> {
    PROJECTIONS
        .iter()
        .map(|p| {
            (
                p.table,
                db.query(&format!("SELECT {} FROM {} ORDER BY rowid", p.cols, p.table), &[])
                    .unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_fold_knows_every_projection() {
    let tables: Vec<&str> = PROJECTIONS.iter().map(|p| p.table).collect();
    assert_eq!(tables, FOLDED);
}

#[test]
fn the_fold_refuses_what_the_sql_refuses_and_ends_with_the_same_digests() {
    let (mut applied, mut refused) = (std::collections::BTreeMap::<String, u32>::new(), 0);
    for seed in 1..=120 {
        let scratch = SqliteStore::scratch().unwrap();
        let conn = scratch.connection();
        let mut fold = Fold::new();
        // The same rows written, as `ledger rebuild` writes them.
        let rebuilt = SqliteStore::scratch().unwrap();
        let failed = std::cell::RefCell::new(None);
        let mut writer = Fold::with_sink(Writer::new(rebuilt.connection(), &failed), WINDOW);
        let mut stream = Stream::new(seed);
        for _ in 0..250 {
            let e = stream.event();
            let sql = apply(conn, &e);
            let folded = fold.apply_event(&e);
            assert_eq!(writer.apply_event(&e).is_ok(), folded.is_ok());
            assert_eq!(
                sql.is_ok(),
                folded.is_ok(),
                "seed {seed}, event {} {} {:?} {}: SQL {sql:?}, fold {folded:?}",
                e.seq,
                e.kind,
                e.env,
                e.body
            );
            if sql.is_ok() {
                *applied.entry(e.kind.clone()).or_default() += 1;
            } else {
                refused += 1;
            }
        }
        let want = compare::digests(conn).unwrap();
        assert_eq!(
            fold.digests(),
            Ok(want.clone()),
            "seed {seed}:\n{}",
            compare::dump(conn).unwrap()
        );
        assert!(want.iter().any(|d| d.1 > 0));
        assert!(writer.finish().is_ok() && failed.borrow().is_none());
        assert_eq!(rows_in_place(rebuilt.connection()), rows_in_place(conn), "seed {seed}");
    }
    // Every kind was folded, and refusals were tried.
    for k in [
        kind::BUILD_REGISTERED,
        kind::DEPLOYMENT_STARTED,
        kind::DEPLOYMENT_STEP,
        kind::DEPLOYMENT_SUCCEEDED,
        kind::DEPLOYMENT_FAILED,
        kind::DEPLOYMENT_INTERRUPTED,
        kind::DEPLOYMENT_LATE,
        kind::APPROVAL_GRANTED,
        kind::HOLD_SET,
        kind::HOLD_CLEARED,
        kind::CHECKLIST_TICKED,
        kind::CHECKLIST_UNTICKED,
        kind::FLAG_CHANGED,
        kind::INCIDENT_OPENED,
        kind::INCIDENT_NOTED,
        kind::INCIDENT_MITIGATED,
        kind::INCIDENT_RESOLVED,
        kind::ROLLOUT_STARTED,
        kind::ROLLOUT_STEP,
        kind::ROLLOUT_PAUSED,
        kind::ROLLOUT_RESUMED,
        kind::ROLLOUT_ABORTED,
        kind::ROLLOUT_COMPLETED,
    ] {
        assert!(applied.get(k).copied().unwrap_or(0) >= 10, "{k}: {applied:?}");
    }
    assert!(refused > 100, "{refused}");
}

#[test]
fn a_fold_that_let_a_release_go_is_unsure_when_it_changes_and_right_when_it_does_not() {
    let (mut sure, mut unsure) = (0, 0);
    for seed in 1..=60 {
        let scratch = SqliteStore::scratch().unwrap();
        let conn = scratch.connection();
        let mut fold = Fold::with_window(2);
        let rebuilt = SqliteStore::scratch().unwrap();
        let failed = std::cell::RefCell::new(None);
        let mut writer = Fold::with_sink(Writer::new(rebuilt.connection(), &failed), 2);
        let mut stream = Stream::new(seed);
        let mut gave_up = None;
        for _ in 0..40 {
            let e = stream.event();
            let sql = apply(conn, &e);
            if gave_up.is_none() {
                let _ = writer.apply_event(&e);
                match fold.apply_event(&e) {
                    Err(Unsure(why)) if sql.is_ok() => gave_up = Some(why),
                    _ => {}
                }
            }
        }
        match gave_up {
            Some(why) => {
                assert!(why.contains("let go"), "seed {seed}: {why}");
                unsure += 1;
            }
            None => {
                assert_eq!(fold.digests(), Ok(compare::digests(conn).unwrap()), "seed {seed}");
                // Releases written as they were let go keep their order.
                assert!(writer.finish().is_ok());
                assert_eq!(rows_in_place(rebuilt.connection()), rows_in_place(conn), "seed {seed}");
                sure += 1;
            }
        }
    }
    assert!(sure > 5 && unsure > 5, "sure {sure}, unsure {unsure}");
}

#[test]
fn the_fold_agrees_with_the_live_tables_of_the_demo_ledger() {
    // Live tables written one append at a time, as a team writes them.
    let mut store = SqliteStore::scratch().unwrap();
    crate::demo::seed(&mut store, Utc::now()).unwrap();
    let mut fold = Fold::new();
    let mut events = 0;
    crate::ledger::sql::chain::for_each_event(store.connection(), &mut |e| {
        events += 1;
        fold.apply_event(&e)
            .map_err(|Unsure(why)| crate::error::Error::runtime(why))
    })
    .unwrap();
    assert!(events > 100, "{events}");
    let live = compare::digests(store.connection()).unwrap();
    assert_eq!(fold.digests(), Ok(live));
}

/// Ways to damage a consistent store's projections (each tried where it
/// changes something): rows forged, lost, emptied, or moved out of place.
const WRECKS: &[&str] = &[
    "UPDATE approvals SET actor = 'mallory' WHERE rowid = (SELECT MIN(rowid) FROM approvals)",
    "UPDATE releases SET status = 'succeeded' WHERE rowid = (SELECT MAX(rowid) FROM releases)",
    "DELETE FROM releases WHERE rowid = (SELECT rowid FROM releases ORDER BY rowid LIMIT 1 OFFSET 1)",
    "UPDATE builds SET commit_sha = 'forged'",
    "DELETE FROM flag_changes",
    "UPDATE env_state SET hold_actor = 'mallory'",
    "DELETE FROM checklist_ticks WHERE rowid = (SELECT MIN(rowid) FROM checklist_ticks)",
    "INSERT INTO approvals (env, version, actor, at, note, seq) VALUES ('prod', '9.9', 'mallory', 'now', NULL, 1)",
    // The first build moved to the end: the same rows, out of order.
    "CREATE TEMP TABLE moved AS SELECT * FROM builds WHERE rowid = (SELECT MIN(rowid) FROM builds);
     DELETE FROM builds WHERE rowid = (SELECT MIN(rowid) FROM builds);
     INSERT INTO builds SELECT * FROM moved; DROP TABLE moved",
    "DELETE FROM flag_state WHERE rowid = (SELECT MAX(rowid) FROM flag_state)",
];

/// A store's rows changed since it opened (SQLite's `total_changes()`).
fn changes(db: &dyn Db) -> i64 {
    db.query("SELECT total_changes()", &[]).unwrap()[0].int(0).unwrap()
}

#[test]
fn a_mending_rebuild_writes_nothing_when_consistent_and_restores_rows_and_their_order_when_not() {
    let mut wrecked = 0;
    for seed in 1..=60 {
        // The events the SQL accepts, and the store `apply` builds from them.
        let mut stream = Stream::new(seed);
        let probe = SqliteStore::scratch().unwrap();
        let events: Vec<_> = (0..250)
            .map(|_| stream.event())
            .filter(|e| apply(probe.connection(), e).is_ok())
            .collect();
        let built = || {
            let s = SqliteStore::scratch().unwrap();
            for e in &events {
                apply(s.connection(), e).unwrap();
            }
            s
        };
        let want = built();
        let mend = |db: &dyn Db| {
            let failed = std::cell::RefCell::new(None);
            let mut fold = Fold::with_sink(Writer::mending(db, &failed), WINDOW);
            for e in &events {
                fold.apply_event(e).unwrap();
            }
            fold.finish().unwrap().finish().unwrap();
            assert!(failed.borrow().is_none());
        };

        // Consistent: read and compared, nothing written.
        let same = built();
        let before = changes(same.connection());
        mend(same.connection());
        assert_eq!(
            changes(same.connection()),
            before,
            "seed {seed}: a consistent store was written to"
        );

        // Damaged: one or two wrecks, then mended to exactly `apply`'s rows.
        let damaged = built();
        let conn = damaged.connection();
        for w in [seed as usize % WRECKS.len(), (seed as usize * 7 + 3) % WRECKS.len()] {
            let before = changes(conn);
            conn.execute_batch(WRECKS[w]).unwrap();
            wrecked += usize::from(changes(conn) > before);
        }
        mend(conn);
        assert_eq!(rows_in_place(conn), rows_in_place(want.connection()), "seed {seed}");
    }
    assert!(wrecked > 60, "{wrecked} wrecks changed something");
}

#[test]
fn a_ledger_file_is_mended_through_connections_that_read_ahead() {
    use crate::ledger::Store;
    // A file, so the rebuild reads the events and live rows on threads.
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("ledger.db")).unwrap();
    crate::demo::seed(&mut store, Utc::now()).unwrap();
    let want = rows_in_place(store.connection());
    assert!(want.iter().filter(|(_, rows)| !rows.is_empty()).count() >= 6);

    // Consistent: nothing written.
    let before = changes(store.connection());
    store.rebuild().unwrap();
    assert_eq!(
        changes(store.connection()),
        before,
        "a consistent ledger was written to"
    );

    for wreck in WRECKS {
        store.connection().execute_batch(wreck).unwrap();
    }
    assert_ne!(rows_in_place(store.connection()), want);
    store.rebuild().unwrap();
    assert_eq!(rows_in_place(store.connection()), want);
}
