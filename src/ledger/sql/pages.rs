//! Whole-ledger passes a page of events at a time, each page's text in one
//! buffer, and the chain checked over them (`audit verify`, `ledger rebuild`).

use super::chain::{EVENT_COLS, PAGE};
use super::{vals, Db, ValRef};
use crate::error::{Error, Result};
use crate::ledger::event::{chain_hash_is, format_at, is_canonical_at, EventRef, GENESIS};
use crate::ledger::store::VerifyReport;

/// A page of events as read, their text in one buffer: `audit verify`
/// reads every event once, and six allocations an event were most of that.
#[derive(Debug, Default)]
pub struct RawPage {
    text: String,
    /// Seq, the spans of at, actor, kind, env, body and hash in `text`,
    /// and whether env is set.
    events: Vec<(u64, Spans, bool)>,
}

type Spans = [(u32, u32); 6];

impl RawPage {
    fn push(&mut self, seq: u64, cols: &[ValRef<'_>]) -> Result<()> {
        let mut spans = [(0u32, 0u32); 6];
        let mut has_env = true;
        for (i, span) in spans.iter_mut().enumerate() {
            let start = self.text.len() as u32;
            match cols.get(i + 1) {
                Some(ValRef::Text(t)) => match std::str::from_utf8(t) {
                    Ok(t) => self.text.push_str(t),
                    Err(_) => self.text.push_str(&String::from_utf8_lossy(t)),
                },
                Some(ValRef::Int(n)) => self.text.push_str(&n.to_string()),
                Some(ValRef::Null) if i == 3 => has_env = false,
                Some(ValRef::Null) => {
                    return Err(Error::runtime(format!("ledger: event {seq}: column {} is NULL", i + 1)))
                }
                None => return Err(Error::runtime(format!("ledger: row has no column {}", i + 1))),
            }
            *span = (start, self.text.len() as u32);
        }
        self.events.push((seq, spans, has_env));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<EventRef<'_>> {
        let (seq, spans, has_env) = self.events.get(i)?;
        let col = |j: usize| &self.text[spans[j].0 as usize..spans[j].1 as usize];
        Some(EventRef {
            seq: *seq,
            at: col(0),
            actor: col(1),
            kind: col(2),
            env: has_env.then(|| col(3)),
            body: col(4),
            hash: col(5),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = EventRef<'_>> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    fn truncate(&mut self, n: usize) {
        self.events.truncate(n);
    }
}

/// The page of events after `after`; `sizes` carries the last page's
/// sizes, so that each is allocated once, like the one before it.
pub(super) fn read_page(db: &dyn Db, after: u64, sizes: &mut (usize, usize)) -> Result<RawPage> {
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    let mut page = RawPage {
        text: String::with_capacity(sizes.0),
        events: Vec::with_capacity(sizes.1),
    };
    db.each_row_ref(&sql, vals![after, PAGE as i64], &mut |cols| {
        let seq = match cols.first() {
            Some(ValRef::Int(n)) => *n as u64,
            _ => return Err(Error::runtime("ledger: an event's seq is not a number")),
        };
        page.push(seq, cols)
    })?;
    *sizes = (page.text.len() + page.text.len() / 8, page.len());
    Ok(page)
}

/// Every event in seq order, a page at a time (`ledger rebuild`).
pub(super) fn each_page(db: &dyn Db, each: &mut dyn FnMut(RawPage) -> Result<()>) -> Result<()> {
    let (mut after, mut sizes) = (0, (0, 0));
    loop {
        let page = read_page(db, after, &mut sizes)?;
        let Some(last) = page.iter().last() else { return Ok(()) };
        after = last.seq;
        each(page)?;
    }
}

/// Whether `e` links to the event before it (seq and hash), as
/// [`link_error`] judges an owned event: hashed over its time as stored
/// when that is the canonical text (it always is when relcon wrote it),
/// else over the canonical text of the time it parses to.
pub(super) fn link_error_ref(prev_seq: u64, prev_hash: &str, e: &EventRef<'_>) -> Option<String> {
    if e.seq != prev_seq + 1 {
        return Some(format!("event {} is missing (next stored is {})", prev_seq + 1, e.seq));
    }
    let canonical;
    let at = if is_canonical_at(e.at) {
        e.at
    } else {
        canonical = format_at(&super::view::parse_at(e.at));
        canonical.as_str()
    };
    let fields = (e.seq, at, e.actor, e.kind, e.env, e.body);
    (!chain_hash_is(e.hash, prev_hash, fields))
        .then(|| "hash does not match its contents and the chain before it".to_string())
}

/// [`super::chain::verify_chain_pages`] over pages as read ([`RawPage`]): the same
/// report, the same pages handed on, without an allocation per event.
pub fn verify_chain_raw(db: &dyn Db, each: &mut dyn FnMut(RawPage) -> Result<()>) -> Result<VerifyReport> {
    let (mut prev_seq, mut prev_hash) = (0u64, GENESIS.to_string());
    let mut count = 0u64;
    let mut first_bad = None;
    let mut sizes = (0, 0);
    while first_bad.is_none() {
        let mut page = read_page(db, prev_seq, &mut sizes)?;
        if page.is_empty() {
            break;
        }
        let mut linked = page.len();
        for (i, e) in page.iter().enumerate() {
            if let Some(why) = link_error_ref(prev_seq, &prev_hash, &e) {
                let at = if e.seq != prev_seq + 1 { prev_seq + 1 } else { e.seq };
                first_bad = Some((at, why));
                linked = i;
                break;
            }
            prev_seq = e.seq;
            prev_hash.clear();
            prev_hash.push_str(e.hash);
        }
        count += (linked + usize::from(first_bad.is_some())) as u64;
        page.truncate(linked);
        if !page.is_empty() {
            each(page)?;
        }
    }
    Ok(VerifyReport {
        events: count,
        first_bad,
        head: (prev_seq > 0).then_some((prev_seq, prev_hash)),
        ..VerifyReport::default()
    })
}
