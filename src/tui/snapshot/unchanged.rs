//! What a reload may take from the snapshot before it instead of reading it
//! again: the parts no event since has touched. A console reloads on every
//! ledger change, each minute (ages) and on every health state change; an
//! env's history changes only with events that name the env, and the audit
//! trail only grows at its head. So a reload reads the envs touched since
//! (one range of new events) and the audit trail's new events, not every
//! window again — with a filter set, that window is the env's whole
//! history (issue 17: a read independent of history length).

use std::collections::HashSet;

use super::{EnvPage, HistoryPage, Query, Snapshot};
use crate::error::Result;
use crate::ledger::Event;
use crate::ops::{self, Ctx};

/// More new events than this and the snapshot is read whole: a range that
/// long costs what reading again does.
const MOST_NEW: u64 = 10_000;

pub(super) struct Unchanged<'a> {
    prev: &'a Snapshot,
    /// The envs that events after `prev`'s head named.
    touched: HashSet<String>,
}

impl<'a> Unchanged<'a> {
    /// What stayed as `prev` read it, now that the ledger's head is `head`;
    /// `None` when nothing can be trusted to (the head went back: another
    /// ledger, a restore), or when so much is new that reading is as cheap.
    pub(super) fn since(ctx: &Ctx, prev: &'a Snapshot, head: u64) -> Result<Option<Unchanged<'a>>> {
        let from = prev.status.head_seq;
        if head < from || head - from > MOST_NEW {
            return Ok(None);
        }
        let rows = ctx.store.db().query(
            "SELECT DISTINCT env FROM events WHERE seq > ?1 AND seq <= ?2",
            crate::vals![from, head],
        )?;
        let mut touched = HashSet::new();
        for r in &rows {
            if let Some(env) = r.opt_text(0)? {
                touched.insert(env);
            }
        }
        Ok(Some(Unchanged { prev, touched }))
    }

    /// `prev`'s window of `q.env`'s history, when `q` asks for the same one
    /// and no new event named the env.
    pub(super) fn history(&self, q: &Query) -> Option<HistoryPage> {
        let p = &self.prev.query;
        let same = p.env == q.env
            && (p.history_offset, p.history_limit, &p.history_filter)
                == (q.history_offset, q.history_limit, &q.history_filter);
        (same && !self.touched.contains(&q.env)).then(|| self.prev.history.clone())
    }

    /// `prev`'s first window of `env` (its own or one beside), when no new
    /// event named the env; its checklist runs are read again (a build
    /// registered names no env and may start one).
    pub(super) fn first_page(&self, ctx: &Ctx, env: &str, limit: usize) -> Result<Option<EnvPage>> {
        if self.touched.contains(env) {
            return Ok(None);
        }
        let Some(mut page) = self.prev.page_of(env, limit) else {
            return Ok(None);
        };
        page.runs = ops::checklist::runs(ctx, env)?;
        Ok(Some(page))
    }

    /// The audit trail `q` asks for: `prev`'s, after the events appended
    /// since its newest; `None` when `prev` did not hold the same one or
    /// more are new than it shows.
    pub(super) fn audit(&self, ctx: &Ctx, q: &Query) -> Result<Option<Vec<Event>>> {
        let p = &self.prev.query;
        if !(q.audit && p.audit && p.audit_limit == q.audit_limit) {
            return Ok(None);
        }
        let newest = self.prev.audit.first().map_or(0, |e| e.seq);
        let mut new = ctx.store.events_after(newest, q.audit_limit)?;
        if new.len() >= q.audit_limit {
            return Ok(None);
        }
        new.reverse();
        let keep = q.audit_limit - new.len();
        new.extend(self.prev.audit.iter().take(keep).cloned());
        Ok(Some(new))
    }
}
