//! Post-deployment review (the fintech process's four questions), recorded
//! as a note on the release: a `note.added` event carrying the release
//! number and the answers. `history` and the release detail show it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::Ctx;
use crate::error::{Error, Result};
use crate::ledger::{kind, NewEvent};

/// The process's questions, in its order.
pub const QUESTIONS: [&str; 4] = [
    "What went well?",
    "What could be improved?",
    "Any unexpected issues?",
    "How can we prevent similar issues in the future?",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: String,
    pub answer: String,
}

/// A recorded review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub env: String,
    pub number: u64,
    pub version: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub seq: u64,
    pub answers: Vec<Answer>,
}

/// The release a review is about: `number`, or the env's current one.
pub fn target(ctx: &Ctx, env: &str, number: Option<u64>) -> Result<crate::domain::Release> {
    ctx.env(env)?;
    let view = ctx.store.view();
    match number {
        Some(n) => view
            .release(env, n)?
            .ok_or_else(|| Error::usage(format!("{env} has no release v{n}"))),
        None => view
            .current_release(env)?
            .ok_or_else(|| Error::usage(format!("{env} has no release yet: nothing to review"))),
    }
}

/// Record the four answers (in `QUESTIONS` order) on the release.
pub fn record(ctx: &mut Ctx, env: &str, number: Option<u64>, answers: &[String]) -> Result<Review> {
    ctx.writable()?;
    if answers.len() != QUESTIONS.len() {
        return Err(Error::usage(format!(
            "a review answers {} questions, in order (one --answer each; \"\" to skip one): {}",
            QUESTIONS.len(),
            QUESTIONS.join(" / ")
        )));
    }
    if answers.iter().all(|a| a.trim().is_empty()) {
        return Err(Error::usage("every answer is empty: nothing to record"));
    }
    let r = target(ctx, env, number)?;
    let answers: Vec<Answer> = QUESTIONS
        .iter()
        .zip(answers)
        .map(|(q, a)| Answer {
            question: q.to_string(),
            answer: a.trim().to_string(),
        })
        .collect();
    let body = serde_json::json!({
        "text": format!("post-deployment review of v{} ({})", r.number, r.version),
        "number": r.number,
        "version": r.version,
        "review": answers,
    });
    let (now, actor) = (ctx.now(), ctx.actor.clone());
    let events = ctx.store.transact(now, &actor, &mut |_| {
        Ok(vec![NewEvent::new(kind::NOTE_ADDED, Some(env), body.clone())])
    })?;
    let e = events
        .first()
        .ok_or_else(|| Error::runtime("the review was not recorded"))?;
    Ok(Review {
        env: env.to_string(),
        number: r.number,
        version: r.version,
        by: e.actor.clone(),
        at: e.at,
        seq: e.seq,
        answers,
    })
}

/// An env's notes from a seq on. The kind is written out, not bound: only
/// then can SQLite use its index of notes (`events_notes`, WHERE kind =
/// 'note.added'), so a history page deep in the past does not read every
/// later event.
fn notes_sql() -> String {
    format!(
        "SELECT {} FROM events WHERE kind = '{}' AND env = ?1 AND seq >= ?2 ORDER BY seq",
        crate::ledger::sql::chain::EVENT_COLS,
        kind::NOTE_ADDED
    )
}

/// The reviews recorded in `env` from event `since` on (a review follows
/// its release, so the oldest release shown is where to start). A later
/// review of the same release replaces the earlier one.
pub fn reviews(ctx: &Ctx, env: &str, since: u64) -> Result<BTreeMap<u64, Review>> {
    let rows = ctx.store.db().query(&notes_sql(), crate::vals![env, since])?;
    let mut out = BTreeMap::new();
    for row in &rows {
        let e = crate::ledger::sql::chain::event_row(row)?;
        let body = e.body_json();
        let (Some(number), Some(list)) = (body.get("number").and_then(|n| n.as_u64()), body.get("review")) else {
            continue;
        };
        let Ok(answers) = serde_json::from_value::<Vec<Answer>>(list.clone()) else {
            continue;
        };
        out.insert(
            number,
            Review {
                env: env.to_string(),
                number,
                version: body
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string(),
                by: e.actor.clone(),
                at: e.at,
                seq: e.seq,
                answers,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// A history page's reviews come through the index of notes, on SQLite.
    #[test]
    fn the_notes_of_an_env_are_read_through_their_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::ledger::SqliteStore::open(&dir.path().join("ledger.db")).unwrap();
        let plan: Vec<String> = store
            .connection()
            .prepare(&format!("EXPLAIN QUERY PLAN {}", super::notes_sql()))
            .unwrap()
            .query_map(rusqlite::params!["dev", 1], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains("USING INDEX events_notes")), "{plan:?}");
    }
}
