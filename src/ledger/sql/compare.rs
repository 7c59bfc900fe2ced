//! A ledger's projections against a rebuilt copy: table by table, by an
//! order-independent digest first, row by row only where they differ.

use super::chain::*;
use super::*;
use crate::error::Result;
use std::fmt::Write as _;

fn show(v: &Val) -> String {
    match v {
        Val::Null => "NULL".into(),
        Val::Int(n) => n.to_string(),
        Val::Text(t) => format!("{t:?}"),
    }
}

/// One table's rows, each as a stable line of text, sorted here rather than
/// by the database (SQLite and PostgreSQL collate text differently).
pub fn table_rows(db: &dyn Db, p: &Projection) -> Result<Vec<String>> {
    let sql = format!("SELECT {} FROM {}", p.cols, p.table);
    let mut rows: Vec<String> = db
        .query(&sql, &[])?
        .iter()
        .map(|r| r.0.iter().map(show).collect::<Vec<_>>().join(" | "))
        .collect();
    rows.sort_unstable();
    Ok(rows)
}

/// A table's order-free digest: see [`add_row`].
pub type Digest = ([u64; 4], usize);

/// Add one row to an order-free digest: the wrapping sum of each row's
/// sha256 over its typed, length-prefixed values, and the count. The
/// in-memory fold (`fold/`) digests its rows with this same function.
pub fn add_row<'a>(d: &mut Digest, row: impl IntoIterator<Item = ValRef<'a>>) {
    use sha2::{Digest as _, Sha256};
    // Encoded into one reused buffer and hashed in one update: a dozen
    // small updates a row were most of a whole-ledger digest.
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let out = BUF.with_borrow_mut(|buf| {
        buf.clear();
        encode_row(buf, row);
        let out = Sha256::digest(&buf[..]);
        // A huge value must not stay allocated for the thread's life.
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        out
    });
    for (i, chunk) in out.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        d.0[i] = d.0[i].wrapping_add(u64::from_le_bytes(b));
    }
    d.1 += 1;
}

/// A row's typed, length-prefixed values appended to `buf`: what
/// [`add_row`] hashes, and what `ledger rebuild` compares live rows by.
pub fn encode_row<'a>(buf: &mut Vec<u8>, row: impl IntoIterator<Item = ValRef<'a>>) {
    for v in row {
        match v {
            ValRef::Null => buf.push(0),
            ValRef::Int(n) => {
                buf.push(1);
                buf.extend_from_slice(&n.to_le_bytes());
            }
            ValRef::Text(t) => {
                buf.push(2);
                buf.extend_from_slice(&(t.len() as u64).to_le_bytes());
                buf.extend_from_slice(t);
            }
        }
    }
}

/// Whether `bytes` is `row` as [`encode_row`] encodes it, compared in
/// place (encoding the row first copied every value once more).
pub fn encoded_is(mut bytes: &[u8], row: &[Val]) -> bool {
    fn take<'b>(bytes: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
        let (head, rest) = (bytes.get(..n)?, bytes.get(n..)?);
        *bytes = rest;
        Some(head)
    }
    fn word(bytes: &mut &[u8]) -> Option<[u8; 8]> {
        let mut w = [0u8; 8];
        w.copy_from_slice(take(bytes, 8)?);
        Some(w)
    }
    for v in row {
        let same = match (take(&mut bytes, 1), v) {
            (Some([0]), Val::Null) => true,
            (Some([1]), Val::Int(n)) => word(&mut bytes) == Some(n.to_le_bytes()),
            (Some([2]), Val::Text(t)) => {
                word(&mut bytes) == Some((t.len() as u64).to_le_bytes())
                    && take(&mut bytes, t.len()) == Some(t.as_bytes())
            }
            _ => false,
        };
        if !same {
            return false;
        }
    }
    bytes.is_empty()
}

/// A table's digest (see [`add_row`]), read from a store.
fn table_digest(db: &dyn Db, p: &Projection) -> Result<Digest> {
    let sql = format!("SELECT {} FROM {}", p.cols, p.table);
    let mut d = Digest::default();
    db.each_row_ref(&sql, &[], &mut |r| {
        add_row(&mut d, r.iter().copied());
        Ok(())
    })?;
    Ok(d)
}

/// A stable dump of every projection, to compare rebuilt and live state.
pub fn dump(db: &dyn Db) -> Result<String> {
    let mut out = String::new();
    for p in PROJECTIONS {
        let _ = writeln!(out, "# {}", p.table);
        for line in table_rows(db, p)? {
            let _ = writeln!(out, "{line}");
        }
    }
    Ok(out)
}

/// The first place where `live` differs from `rebuilt` (one `Db` each), in
/// words: which table, which row no event explains, or which row the events
/// call for that is missing.
pub fn first_difference(live: &dyn Db, rebuilt: &dyn Db) -> Result<Option<String>> {
    first_difference_given(live, rebuilt, &digests(live)?, &digests(rebuilt)?)
}

/// Every projection's digest, in [`PROJECTIONS`] order: each side can be
/// digested on its own thread (`audit verify` does), then compared.
pub fn digests(db: &dyn Db) -> Result<Vec<Digest>> {
    PROJECTIONS.iter().map(|p| table_digest(db, p)).collect()
}

/// [`first_difference`] once both sides' [`digests`] are known.
pub fn first_difference_given(
    live: &dyn Db,
    rebuilt: &dyn Db,
    live_digests: &[Digest],
    rebuilt_digests: &[Digest],
) -> Result<Option<String>> {
    for (i, p) in PROJECTIONS.iter().enumerate() {
        // Equal tables (the usual case) are told apart by an order-free
        // digest, one table and one side in memory at a time; only a table
        // that differs is sorted as text to name the row.
        if live_digests.get(i) == rebuilt_digests.get(i) {
            continue;
        }
        let have = table_rows(live, p)?;
        let want = table_rows(rebuilt, p)?;
        if have == want {
            continue;
        }
        // Both sorted: walk them together to find the first row on each side
        // that the other lacks.
        let (mut i, mut j) = (0, 0);
        let (mut extra, mut missing) = (None, None);
        while (i < have.len() || j < want.len()) && (extra.is_none() || missing.is_none()) {
            match (have.get(i), want.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    i += 1;
                    j += 1;
                }
                (Some(a), Some(b)) if a < b => {
                    extra.get_or_insert(a);
                    i += 1;
                }
                (Some(_), Some(b)) | (None, Some(b)) => {
                    missing.get_or_insert(b);
                    j += 1;
                }
                (Some(a), None) => {
                    extra.get_or_insert(a);
                    i += 1;
                }
                (None, None) => break,
            }
        }
        let cols = p.cols.replace('"', "");
        let mut why = format!(
            "projection {} differs from a rebuild from the events (columns: {cols})",
            p.table
        );
        if let Some(r) = extra {
            let _ = write!(why, "; no event explains row [{r}]");
        }
        if let Some(r) = missing {
            let _ = write!(why, "; the events call for row [{r}], which is missing or changed");
        }
        return Ok(Some(why));
    }
    Ok(None)
}
