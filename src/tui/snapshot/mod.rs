//! The owned picture the UI draws: loaded on the reader thread, sent whole.
//! Only a window of the selected env's history travels, so a history of
//! 100 000 releases costs what a page costs.

use crate::domain::Release;
use crate::error::Result;
use crate::health::Board;
use crate::ledger::Event;
use crate::ops::checklist::Run;
use crate::ops::flags::FlagListRow;
use crate::ops::status::Status;
use crate::ops::{self, Ctx};

mod filtered;
mod nearby;
mod unchanged;
use nearby::nearby;
use unchanged::Unchanged;

/// What the UI is looking at; the reader loads exactly this. Start-up
/// reads only what the first frame shows (DESIGN §7: a huge ledger must
/// not slow the first frame): the visible history rows, no audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub env: String,
    pub history_offset: u64,
    pub history_limit: usize,
    /// The Dashboard's filter (`/`): the history window is then one of the
    /// releases it matches, found by the reader (`filtered`), so a filter
    /// costs a window's memory, not the env's whole history.
    pub history_filter: String,
    /// Newest events of the audit trail to load, when `audit` is set.
    pub audit_limit: usize,
    /// Load the audit trail (once the Audit view has been opened).
    pub audit: bool,
    /// Load every flag × env (once the Flags view has been opened).
    pub flags: bool,
    /// Load the DORA metrics per env and week (while the Insights view is open).
    pub insights: bool,
}

impl Query {
    /// The history window once the list scrolls past the first one.
    pub const HISTORY_WINDOW: usize = 200;
    /// Rows loaded past the visible ones: a few key presses of scrolling,
    /// and the previous release the detail pane compares commits with.
    pub const HISTORY_SLACK: usize = 16;
    pub const AUDIT_PAGE: usize = 500;

    /// The first query: `visible` history rows of `env` (and the slack).
    pub fn first(env: &str, visible: u16) -> Query {
        Query {
            env: env.to_string(),
            history_offset: 0,
            history_limit: usize::from(visible) + Query::HISTORY_SLACK,
            history_filter: String::new(),
            audit_limit: Query::AUDIT_PAGE,
            audit: false,
            flags: false,
            insights: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HistoryPage {
    pub env: String,
    /// Index (newest = 0) of `rows[0]` in the list: the env's history, or
    /// the filter's matches.
    pub offset: u64,
    /// Shared, not copied, by the snapshots that carry the same page (the
    /// reader keeps the last one; a query change reuses its pages).
    pub rows: std::sync::Arc<[Release]>,
    /// Rows in the list: releases, or matches.
    pub total: u64,
    /// Post-deployment reviews of these rows, by release number.
    pub reviews: std::collections::BTreeMap<u64, ops::review::Review>,
    /// Set when the list is a filter's matches.
    pub filtered: Option<Filtered>,
}

/// A page of matches: what it matched, and what the rows' neighbours in
/// the whole history would have told (the commits pane compares a release
/// with the succeeded one before it, which need not match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    pub filter: String,
    /// Each row's number → the number of the newest succeeded release
    /// older than it (`None`: it has none).
    pub prev_succeeded: std::collections::BTreeMap<u64, Option<u64>>,
}

impl HistoryPage {
    /// The release at absolute index `i` (newest = 0), if it is in the window.
    pub fn get(&self, i: u64) -> Option<&Release> {
        i.checked_sub(self.offset).and_then(|k| self.rows.get(k as usize))
    }
}

/// One env's part of a snapshot, read for the envs either side of the
/// selected one, so that `h` and `l` show theirs at once (issue 17).
#[derive(Debug, Clone)]
pub struct EnvPage {
    pub history: HistoryPage,
    /// The `history_limit` it was read with (offset 0).
    pub limit: usize,
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub query: Query,
    pub status: Status,
    pub history: HistoryPage,
    /// Newest first (empty unless `query.audit`).
    pub audit: Vec<Event>,
    /// Open checklist runs of `query.env`.
    pub runs: Vec<Run>,
    /// Every flag × env, flags sorted, envs in pipeline order (when asked).
    pub flags: Vec<FlagListRow>,
    /// Active rollouts, and those that ended in the last hour.
    pub rollouts: Vec<crate::ops::rollout::RolloutStatus>,
    /// The first history window and open runs of the envs either side of
    /// `query.env`, read at the same moment as the rest.
    pub nearby: Vec<EnvPage>,
    /// Each env's DORA metrics, total and per week: when asked, and while
    /// the ones last read still hold (the ledger has not moved since).
    pub insights: Option<Vec<ops::insights::EnvInsights>>,
    /// The clock when this was read: lease countdowns start from here, and
    /// the banner says which state a console cut off from its ledger shows.
    pub loaded_at: chrono::DateTime<chrono::Utc>,
}

impl Snapshot {
    /// Read everything the UI shows for `q` through the same ops the CLI
    /// uses (health as not polled).
    pub fn load(ctx: &Ctx, q: &Query) -> Result<Snapshot> {
        Snapshot::load_with(ctx, q, &Board::default())
    }

    /// The same, with what the health board knows (drift, verifying, the
    /// `require_healthy` gate).
    pub fn load_with(ctx: &Ctx, q: &Query, board: &Board) -> Result<Snapshot> {
        Snapshot::load_full(ctx, q, board, None)
    }

    /// Everything read again, but for `insights` when given (the reader
    /// keeps them while the ledger has not moved: they read all of it).
    pub fn load_full(ctx: &Ctx, q: &Query, board: &Board, insights: Option<&Insights>) -> Result<Snapshot> {
        Snapshot::read(ctx, q, board, insights, true, None)
    }

    /// The same as [`Snapshot::load_full`], but the history windows no new
    /// event touched and the audit trail's older part are `prev`'s (see
    /// `unchanged`): the reader's reload on a ledger change, a minute, a
    /// health state.
    pub fn load_since(
        ctx: &Ctx,
        q: &Query,
        board: &Board,
        insights: Option<&Insights>,
        prev: &Snapshot,
    ) -> Result<Snapshot> {
        Snapshot::read(ctx, q, board, insights, true, Some(prev))
    }

    /// The console's first snapshot: only what the first frame shows (DESIGN
    /// §7); the envs beside come with the reader's first reload.
    pub fn first(ctx: &Ctx, q: &Query) -> Result<Snapshot> {
        Snapshot::read(ctx, q, &Board::default(), None, false, None)
    }

    fn read(
        ctx: &Ctx,
        q: &Query,
        board: &Board,
        insights: Option<&Insights>,
        beside: bool,
        prev: Option<&Snapshot>,
    ) -> Result<Snapshot> {
        let loaded_at = ctx.now();
        let status = ops::status::status_with_health(ctx, board)?;
        let same = match prev {
            Some(p) => Unchanged::since(ctx, p, status.head_seq)?,
            None => None,
        };
        let history = match same.as_ref().and_then(|u| u.history(q)) {
            Some(h) => h,
            None => history_page(ctx, q, &status)?,
        };
        let audit = match same.as_ref().map(|u| u.audit(ctx, q)).transpose()?.flatten() {
            Some(a) => a,
            None if q.audit => ops::audit::list(ctx, q.audit_limit, None)?,
            None => Vec::new(),
        };
        let runs = ops::checklist::runs(ctx, &q.env)?;
        let flags = if q.flags { ops::flags::list(ctx)? } else { Vec::new() };
        let rollouts = ops::rollout::recent(ctx, ops::rollout::SHOWN_AFTER_END)?;
        let insights = insights_for(ctx, q, insights, loaded_at)?;
        let nearby = if beside {
            nearby(ctx, q, &status, |env| match &same {
                Some(u) => u.first_page(ctx, env, q.history_limit),
                None => Ok(None),
            })?
        } else {
            Vec::new()
        };
        Ok(Snapshot {
            query: q.clone(),
            status,
            history,
            audit,
            runs,
            flags,
            rollouts,
            nearby,
            insights,
            loaded_at,
        })
    }

    /// The snapshot for `q` from `prev`, loaded for another query with the
    /// ledger, health and clock as they are now: only what the query's
    /// change asks for is read (another env's history, the audit trail
    /// opened), so a key that switches views or envs costs that part and
    /// not a whole reload (issue 17: every view within 1.5× of a minimal
    /// loop). Status, rollouts and `loaded_at` are `prev`'s.
    pub fn load_changed(ctx: &Ctx, q: &Query, prev: &Snapshot, insights: Option<&Insights>) -> Result<Snapshot> {
        let p = &prev.query;
        let same_env = p.env == q.env;
        // What `prev` read for an env: its own window, or one either side.
        let known = |env: &str| prev.page_of(env, q.history_limit);
        let (history, runs) = if same_env
            && (p.history_offset, p.history_limit, &p.history_filter)
                == (q.history_offset, q.history_limit, &q.history_filter)
        {
            (prev.history.clone(), prev.runs.clone())
        } else if let Some(page) = known(&q.env).filter(|_| q.history_offset == 0 && q.history_filter.is_empty()) {
            (page.history, page.runs)
        } else {
            let runs = if same_env {
                prev.runs.clone()
            } else {
                ops::checklist::runs(ctx, &q.env)?
            };
            (history_page(ctx, q, &prev.status)?, runs)
        };
        let audit = match (q.audit, p.audit && p.audit_limit == q.audit_limit) {
            (false, _) => Vec::new(),
            (true, true) => prev.audit.clone(),
            (true, false) => ops::audit::list(ctx, q.audit_limit, None)?,
        };
        let flags = match (q.flags, p.flags) {
            (false, _) => Vec::new(),
            (true, true) => prev.flags.clone(),
            (true, false) => ops::flags::list(ctx)?,
        };
        // Insights the reader no longer keeps travel on only when asked for.
        let insights = insights.or(prev.insights.as_ref().filter(|_| q.insights));
        let insights = insights_for(ctx, q, insights, prev.loaded_at)?;
        let nearby = nearby(ctx, q, &prev.status, |env| Ok(known(env)))?;
        Ok(Snapshot {
            query: q.clone(),
            status: prev.status.clone(),
            history,
            audit,
            runs,
            flags,
            rollouts: prev.rollouts.clone(),
            nearby,
            insights,
            loaded_at: prev.loaded_at,
        })
    }

    /// The first `limit` rows of `env`'s history and its runs, if this
    /// snapshot holds them.
    fn page_of(&self, env: &str, limit: usize) -> Option<EnvPage> {
        let own = (self.query.env == env
            && self.history.offset == 0
            && self.query.history_limit == limit
            && self.query.history_filter.is_empty())
        .then(|| EnvPage {
            history: self.history.clone(),
            limit,
            runs: self.runs.clone(),
        });
        own.or_else(|| {
            self.nearby
                .iter()
                .find(|p| p.history.env == env && p.limit == limit)
                .cloned()
        })
    }

    /// Turn to `q`, another env's first window, if this snapshot read it
    /// beside its own (the key's frame shows the env's rows at once; the
    /// reader's next snapshot reads the envs beyond). Everything else
    /// stays as read, at the same moment.
    pub fn turn_to(&mut self, q: &Query) {
        let same_rest = Query {
            env: q.env.clone(),
            ..self.query.clone()
        } == *q;
        if !same_rest || q.history_offset != 0 || !q.history_filter.is_empty() {
            return;
        }
        let Some(i) = self
            .nearby
            .iter()
            .position(|p| p.history.env == q.env && p.limit == q.history_limit)
        else {
            return;
        };
        let page = self.nearby.swap_remove(i);
        let left = EnvPage {
            history: std::mem::replace(&mut self.history, page.history),
            limit: self.query.history_limit,
            runs: std::mem::replace(&mut self.runs, page.runs),
        };
        if self.query.history_offset == 0 && self.query.history_filter.is_empty() {
            self.nearby.push(left);
        }
        self.query = q.clone();
    }
}

/// Each env's DORA metrics, total and per week.
pub type Insights = Vec<ops::insights::EnvInsights>;

/// The window of `q.env`'s history `q` asks for, and its reviews.
fn history_page(ctx: &Ctx, q: &Query, status: &Status) -> Result<HistoryPage> {
    if !q.history_filter.trim().is_empty() {
        return filtered::page(ctx, q);
    }
    let total = status
        .environments
        .iter()
        .find(|e| e.name == q.env)
        .map_or(0, |e| e.releases);
    let offset = q.history_offset.min(total.saturating_sub(1));
    let rows = ops::status::history(ctx, &q.env, offset, q.history_limit)?;
    let since = rows.iter().map(|r| r.seq).min().unwrap_or(u64::MAX);
    let reviews = ops::review::reviews(ctx, &q.env, since)?;
    Ok(HistoryPage {
        env: q.env.clone(),
        offset,
        rows: rows.into(),
        total,
        reviews,
        filtered: None,
    })
}

/// The insights: `known` ones, else read when `q` asks for them.
fn insights_for(
    ctx: &Ctx,
    q: &Query,
    known: Option<&Insights>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Insights>> {
    Ok(match (q.insights, known) {
        // Kept ones travel with every snapshot: the view shows them at once.
        (_, Some(i)) => Some(i.clone()),
        (false, None) => None,
        (true, None) => Some(ops::insights::load(ctx, now)?),
    })
}
