//! Ledger events and the hash chain that makes tampering evident.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Event kinds. Everything relcon shows is derived from these.
pub mod kind {
    pub const BUILD_REGISTERED: &str = "build.registered";
    pub const DEPLOYMENT_STARTED: &str = "deployment.started";
    pub const DEPLOYMENT_STEP: &str = "deployment.step";
    pub const DEPLOYMENT_SUCCEEDED: &str = "deployment.succeeded";
    pub const DEPLOYMENT_FAILED: &str = "deployment.failed";
    pub const DEPLOYMENT_INTERRUPTED: &str = "deployment.interrupted";
    /// Values a hook wrote to `$RELCON_OUTPUT` (e.g. the platform's own release id).
    pub const DEPLOYMENT_OUTPUTS: &str = "deployment.outputs";
    pub const APPROVAL_GRANTED: &str = "approval.granted";
    pub const HOLD_SET: &str = "hold.set";
    pub const HOLD_CLEARED: &str = "hold.cleared";
    pub const GATE_OVERRIDDEN: &str = "gate.overridden";
    pub const NOTE_ADDED: &str = "note.added";
    pub const CHECKLIST_TICKED: &str = "checklist.ticked";
    pub const CHECKLIST_UNTICKED: &str = "checklist.unticked";
    pub const FLAG_CHANGED: &str = "flag.changed";
    /// A result that arrived after its deployment lost the environment lease.
    pub const DEPLOYMENT_LATE: &str = "deployment.late";
    pub const LEASE_ACQUIRED: &str = "lease.acquired";
    pub const LEASE_RELEASED: &str = "lease.released";
    /// A holder went silent past its TTL (or was taken over); its lease ended.
    pub const LEASE_EXPIRED: &str = "lease.expired";
    pub const INCIDENT_OPENED: &str = "incident.opened";
    pub const INCIDENT_NOTED: &str = "incident.noted";
    /// A rollback or a flag kill in an environment with an open incident.
    pub const INCIDENT_MITIGATED: &str = "incident.mitigated";
    pub const INCIDENT_RESOLVED: &str = "incident.resolved";
    pub const ROLLOUT_STARTED: &str = "rollout.started";
    pub const ROLLOUT_STEP: &str = "rollout.step";
    pub const ROLLOUT_PAUSED: &str = "rollout.paused";
    pub const ROLLOUT_RESUMED: &str = "rollout.resumed";
    pub const ROLLOUT_ABORTED: &str = "rollout.aborted";
    pub const ROLLOUT_COMPLETED: &str = "rollout.completed";
}

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    pub env: Option<String>,
    /// Canonical JSON text of the body, exactly as hashed.
    pub body: String,
    pub hash: String,
}

impl Event {
    /// This event borrowed, its time as `at` (the caller's `format_at`).
    pub fn borrowed<'a>(&'a self, at: &'a str) -> EventRef<'a> {
        EventRef {
            seq: self.seq,
            at,
            actor: &self.actor,
            kind: &self.kind,
            env: self.env.as_deref(),
            body: &self.body,
            hash: &self.hash,
        }
    }

    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// An event as read, borrowed, its time as the stored text: what a
/// whole-ledger pass needs without six allocations an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    pub seq: u64,
    pub at: &'a str,
    pub actor: &'a str,
    pub kind: &'a str,
    pub env: Option<&'a str>,
    pub body: &'a str,
    pub hash: &'a str,
}

/// Whether `at` is exactly what [`format_at`] writes for some time
/// (`2026-01-02T03:04:05.678Z`, a real date, no leap second), so that
/// `format_at(parse(at)) == at` without parsing and formatting it.
pub fn is_canonical_at(at: &str) -> bool {
    let b = at.as_bytes();
    if b.len() != 24 {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter()
            .try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let seps = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return false;
    }
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec), Some(_ms)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
        num(20..23),
    ) else {
        return false;
    };
    h < 24 && mi < 60 && sec < 60 && chrono::NaiveDate::from_ymd_opt(y as i32, mo, d).is_some()
}

/// An event about to be appended; the store assigns seq, time, actor and hash.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: &'static str,
    pub env: Option<String>,
    pub body: serde_json::Value,
}

impl NewEvent {
    pub fn new(kind: &'static str, env: Option<&str>, body: impl Serialize) -> NewEvent {
        NewEvent {
            kind,
            env: env.map(str::to_string),
            body: serde_json::to_value(body).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Timestamps are stored and hashed as RFC 3339 UTC with milliseconds.
pub fn format_at(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Canonical body text: compact JSON with object keys sorted, whatever
/// map order serde_json was built with.
pub fn canonical_body(body: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(body, &mut out);
    out
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The bytes hashed for an event: a JSON array `[seq, at, actor, kind, env, body]`
/// with the body embedded as its stored text, so any changed byte in any
/// column changes the hash.
pub fn canonical_bytes(seq: u64, at: &str, actor: &str, kind: &str, env: Option<&str>, body: &str) -> Vec<u8> {
    serde_json::to_vec(&(seq, at, actor, kind, env, body)).unwrap_or_default()
}

/// `hash = sha256(prev_hash ‖ canonical bytes)`, hex.
pub fn chain_hash(prev_hash: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical);
    to_hex(&h.finalize().into())
}

/// Whether `hash` is the chain hash of these fields after `prev_hash`:
/// the same bytes as [`canonical_bytes`], written straight into the hash
/// and compared as hex in place (a whole-ledger check hashes millions).
pub fn chain_hash_is(
    hash: &str,
    prev_hash: &str,
    (seq, at, actor, kind, env, body): (u64, &str, &str, &str, Option<&str>, &str),
) -> bool {
    // Serialized into one reused buffer and hashed in one update: the
    // serializer's many small writes cost more straight into the hasher.
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    let written = BUF.with_borrow_mut(|buf| {
        buf.clear();
        let ok = serde_json::to_writer(&mut *buf, &(seq, at, actor, kind, env, body)).is_ok();
        h.update(&buf[..]);
        // A huge body must not stay allocated for the thread's life.
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        ok
    });
    if !written {
        return false;
    }
    let digest: [u8; 32] = h.finalize().into();
    let mut hex = [0u8; 64];
    hex_into(&digest, &mut hex);
    hex == hash.as_bytes()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_into(digest: &[u8; 32], out: &mut [u8; 64]) {
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0xf)];
    }
}

fn to_hex(digest: &[u8; 32]) -> String {
    // By hand: `format!` per byte was 32 allocations a hash.
    let mut out = [0u8; 64];
    hex_into(digest, &mut out);
    out.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canonical_time_is_one_that_formatting_its_parse_gives_back() {
        let parse = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| format_at(&d.with_timezone(&Utc)))
                .ok()
        };
        let mut t = DateTime::parse_from_rfc3339("1999-12-31T23:59:59.999Z")
            .unwrap()
            .with_timezone(&Utc);
        for i in 0..2000 {
            t += chrono::Duration::milliseconds(i * 7_919_993);
            let s = format_at(&t);
            assert!(is_canonical_at(&s), "{s}");
            assert_eq!(parse(&s).as_deref(), Some(s.as_str()));
        }
        for s in [
            "2026-02-30T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-01-01T24:00:00.000Z",
            "2026-01-01T00:00:60.000Z",
            "2026-01-01T00:00:00.000+00:00",
            "2026-01-01T00:00:00Z",
            "2026-01-01 00:00:00.000Z",
            "2026-01-01T00:00:00.00aZ",
            "+2026-01-01T00:00:00.000Z",
        ] {
            // Not taken as canonical (a leap second would round-trip, but is
            // left to the parse, which is always right).
            assert!(!is_canonical_at(s), "{s}");
        }
    }

    #[test]
    fn hash_depends_on_every_field_and_the_previous_hash() {
        let base = chain_hash(GENESIS, &canonical_bytes(1, "t", "a", "k", Some("e"), "{}"));
        assert_eq!(base.len(), 64);
        let variants = [
            chain_hash(GENESIS, &canonical_bytes(2, "t", "a", "k", Some("e"), "{}")),
            chain_hash(GENESIS, &canonical_bytes(1, "u", "a", "k", Some("e"), "{}")),
            chain_hash(GENESIS, &canonical_bytes(1, "t", "b", "k", Some("e"), "{}")),
            chain_hash(GENESIS, &canonical_bytes(1, "t", "a", "l", Some("e"), "{}")),
            chain_hash(GENESIS, &canonical_bytes(1, "t", "a", "k", None, "{}")),
            chain_hash(GENESIS, &canonical_bytes(1, "t", "a", "k", Some("e"), "{ }")),
            chain_hash(&base, &canonical_bytes(1, "t", "a", "k", Some("e"), "{}")),
        ];
        for v in variants {
            assert_ne!(v, base);
        }
        let fields = (1, "t", "a", "k", Some("e"), "{}");
        assert!(chain_hash_is(&base, GENESIS, fields));
        assert!(!chain_hash_is(&base, GENESIS, (1, "t", "a", "k", None, "{}")));
        assert!(!chain_hash_is(&base, &base, fields));
        // Fields cannot bleed into each other.
        assert_ne!(
            canonical_bytes(1, "t", "ab", "c", None, "{}"),
            canonical_bytes(1, "t", "a", "bc", None, "{}")
        );
    }

    #[test]
    fn canonical_body_sorts_keys() {
        let v: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        assert_eq!(canonical_body(&v), r#"{"a":{"c":3,"d":2},"b":1}"#);
    }
}
