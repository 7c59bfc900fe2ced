//! A reproducible stream of numbers for the property tests, without a
//! dependency (xorshift64*).

use serde_json::{json, Value};

pub(crate) struct Rng(u64);

impl Rng {
    /// The same `seed`, the same stream (any seed: the state is never 0).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// 0 ≤ n < `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[self.below(of.len() as u64) as usize]
    }
    /// One of `of` as JSON, or null (40 %).
    pub fn maybe(&mut self, of: &[&str]) -> Value {
        if self.chance(40) {
            Value::Null
        } else {
            json!(self.pick(of))
        }
    }
}
