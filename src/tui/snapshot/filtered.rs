//! A history filter's window, found by the reader: the env's history is
//! read newest first in chunks and only the matches in the window asked
//! for are kept (with their count, and what the commits pane needs to know
//! of the rows around them). Memory is a chunk and a window, whatever the
//! history's length; a filter set while nothing new names the env costs
//! nothing more (the reload takes the page as it was, `unchanged`).

use std::collections::BTreeMap;

use super::{Filtered, HistoryPage, Query};
use crate::domain::release::filter_words;
use crate::domain::{DeploymentStatus, Release};
use crate::error::Result;
use crate::ops::{self, Ctx};

/// Releases read per query while scanning.
const CHUNK: usize = 1_000;

pub(super) fn page(ctx: &Ctx, q: &Query) -> Result<HistoryPage> {
    let words = filter_words(&q.history_filter);
    let (lo, hi) = (q.history_offset, q.history_offset + q.history_limit as u64);
    let mut hay = String::new();
    let mut rows: Vec<Release> = Vec::new();
    let mut prev_succeeded = BTreeMap::new();
    // Kept rows still waiting for an older succeeded release.
    let mut waiting: Vec<u64> = Vec::new();
    let mut matched = 0u64;
    let mut read = 0u64;
    loop {
        let chunk = ops::status::history(ctx, &q.env, read, CHUNK)?;
        read += chunk.len() as u64;
        for r in &chunk {
            if r.status == DeploymentStatus::Succeeded {
                for n in waiting.drain(..) {
                    prev_succeeded.insert(n, Some(r.number));
                }
            }
            if !r.matches(&words, &mut hay) {
                continue;
            }
            if (lo..hi).contains(&matched) {
                waiting.push(r.number);
                rows.push(r.clone());
            }
            matched += 1;
        }
        if chunk.len() < CHUNK {
            break;
        }
    }
    for n in waiting {
        prev_succeeded.insert(n, None);
    }
    let since = rows.iter().map(|r| r.seq).min().unwrap_or(u64::MAX);
    let reviews = ops::review::reviews(ctx, &q.env, since)?;
    Ok(HistoryPage {
        env: q.env.clone(),
        offset: lo.min(matched.saturating_sub(1)),
        rows: rows.into(),
        total: matched,
        reviews,
        filtered: Some(Filtered {
            filter: q.history_filter.clone(),
            prev_succeeded,
        }),
    })
}
