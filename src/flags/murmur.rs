//! MurmurHash3 x86 32-bit — the hash flagd's `fractional` uses. Written out
//! here (it is 40 lines) so bucketing has no dependency to drift.

pub fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    let mut k: u32 = 0;
    if tail.len() >= 3 {
        k ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        k ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        k ^= u32::from(tail[0]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// flagd `fractional` bucket in [0, 100) for a flag and targeting key:
/// `(murmur3(flag ‖ key, 0) × 100) >> 32`.
pub fn bucket(flag: &str, key: &str) -> u32 {
    let s = format!("{flag}{key}");
    ((u64::from(murmur3_x86_32(s.as_bytes(), 0)) * 100) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_vectors() {
        // SMHasher / Wikipedia test vectors for MurmurHash3_x86_32.
        let cases: &[(&[u8], u32, u32)] = &[
            (b"", 0, 0),
            (b"", 1, 0x514E_28B7),
            (b"", 0xffff_ffff, 0x81F1_6F39),
            (b"\0\0\0\0", 0, 0x2362_F9DE),
            (b"\xff\xff\xff\xff", 0, 0x7629_3B50),
            (b"\x21\x43\x65\x87", 0, 0xF55B_516B),
            (b"\x21\x43\x65\x87", 0x5082_EDEE, 0x2362_F9DE),
            (b"\x21\x43\x65", 0, 0x7E4A_8634),
            (b"\x21\x43", 0, 0xA0F7_B07A),
            (b"\x21", 0, 0x7266_1CF4),
            (b"aaaa", 0x9747_b28c, 0x5A97_808A),
            (b"abc", 0, 0xB3DD_93FA),
            (b"abcd", 0x9747_b28c, 0xF047_8627),
            (b"Hello, world!", 0x9747_b28c, 0x2488_4CBA),
            (b"The quick brown fox jumps over the lazy dog", 0x9747_b28c, 0x2FA8_26CD),
        ];
        for (data, seed, want) in cases {
            assert_eq!(murmur3_x86_32(data, *seed), *want, "{data:?} seed {seed:#x}");
        }
    }

    #[test]
    fn buckets_are_in_range_and_spread() {
        let mut counts = [0u32; 100];
        for i in 0..10_000 {
            let b = bucket("customer_portal", &i.to_string());
            assert!(b < 100);
            counts[b as usize] += 1;
        }
        // Roughly uniform: every bucket used, none hugely over-full.
        assert!(counts.iter().all(|&c| c > 40 && c < 180), "{counts:?}");
    }
}
