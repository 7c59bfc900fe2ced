//! The head checkpoint: the newest seq and hash this machine has seen of a
//! ledger, kept outside the ledger (in the user's state folder), so that
//! deleting the newest events — which leaves a perfectly valid shorter
//! chain — is still noticed by `audit verify`. It only ever moves forward;
//! `ledger rebuild` never lowers it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

use super::sql::{vals, Db};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The ledger it is about (path or URL without password).
    pub ledger: String,
    /// Hash of event 1: tells a recreated ledger at the same place apart.
    pub first: String,
    pub seq: u64,
    pub hash: String,
}

/// `$RELCON_STATE_DIR`, else `$XDG_STATE_HOME/relcon`, else `~/.local/state/relcon`.
pub fn state_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("RELCON_STATE_DIR")
        .or_else(|| var("XDG_STATE_HOME").map(|d| d.join("relcon")))
        .or_else(|| var("HOME").map(|h| h.join(".local/state/relcon")))
}

fn path_for(location: &str) -> Option<PathBuf> {
    let digest = Sha256::digest(location.as_bytes());
    let name: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    state_dir().map(|d| d.join("heads").join(format!("{name}.json")))
}

fn first_hash(db: &dyn Db) -> Result<Option<String>> {
    db.query_opt("SELECT hash FROM events WHERE seq = 1", &[])?
        .map(|r| r.text(0))
        .transpose()
}

fn hash_at(db: &dyn Db, seq: u64) -> Result<Option<String>> {
    db.query_opt("SELECT hash FROM events WHERE seq = ?1", vals![seq])?
        .map(|r| r.text(0))
        .transpose()
}

pub fn read(location: &str) -> Option<Checkpoint> {
    let text = std::fs::read_to_string(path_for(location)?).ok()?;
    serde_json::from_str(&text).ok()
}

/// Move the checkpoint forward to `(seq, hash)` after a commit. Best
/// effort: a machine without a writable state folder simply has none.
/// `first` caches the hash of event 1, which never changes, so a commit
/// costs no extra query.
pub fn advance(db: &dyn Db, location: &str, seq: u64, hash: &str, first: &std::sync::OnceLock<String>) {
    let Some(path) = path_for(location) else { return };
    let first = match first.get() {
        Some(f) => f.clone(),
        None => match first_hash(db) {
            Ok(Some(f)) => first.get_or_init(|| f).clone(),
            _ => return,
        },
    };
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    // Serialise with other processes, so the checkpoint never moves back.
    let Ok(_lock) = crate::fslock::FileLock::exclusive(&path.with_extension("lock")) else {
        return;
    };
    if let Some(cur) = read(location) {
        if cur.first == first && cur.seq >= seq {
            return;
        }
    }
    let cp = Checkpoint {
        ledger: location.to_string(),
        first,
        seq,
        hash: hash.to_string(),
    };
    if let Ok(text) = serde_json::to_string(&cp) {
        let _ = crate::fslock::write_atomic(&path, &text, false);
    }
}

/// What the ledger lacks against this machine's checkpoint, in words.
pub fn check(db: &dyn Db, location: &str) -> Result<Option<String>> {
    let Some(cp) = read(location) else { return Ok(None) };
    let first = first_hash(db)?;
    if first.as_deref() != Some(cp.first.as_str()) {
        return Ok(Some(match first {
            None => format!(
                "the ledger is empty, but this machine saw it at seq {} ({}): its events were removed",
                cp.seq,
                short(&cp.hash)
            ),
            Some(_) => format!(
                "the ledger's first event is not the one this machine saw (it saw seq {} with {}): the ledger was replaced",
                cp.seq,
                short(&cp.hash)
            ),
        }));
    }
    let head = super::sql::chain::head_seq(db)?;
    if head < cp.seq {
        return Ok(Some(format!(
            "the ledger ends at seq {head}, but this machine saw seq {} ({}): the newest {} event{} were removed",
            cp.seq,
            short(&cp.hash),
            cp.seq - head,
            if cp.seq - head == 1 { "" } else { "s" }
        )));
    }
    match hash_at(db, cp.seq)? {
        Some(h) if h == cp.hash => Ok(None),
        _ => Ok(Some(format!(
            "event {} is not the one this machine saw ({}): history was rewritten",
            cp.seq,
            short(&cp.hash)
        ))),
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
