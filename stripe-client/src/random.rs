//! Random values: idempotency keys, meter event identifiers, multipart boundaries and retry
//! jitter, from the operating system's generator (`getrandom`, the source `uuid` uses).
//!
//! One system call per value (≈0.4 µs here). No user-space generator, so nothing to reseed
//! after a `fork`. If the system source fails — it does not on any supported platform, but
//! library code must not panic — the bytes come from std's per-process random SipHash keys
//! over a counter and the clock: still unique, which is what keys and identifiers need.

use crate::rt::{SystemTime, UNIX_EPOCH};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// 16 random bytes.
pub(crate) fn bytes16() -> [u8; 16] {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        let (hi, lo) = (fallback_u64(), fallback_u64());
        b[..8].copy_from_slice(&hi.to_le_bytes());
        b[8..].copy_from_slice(&lo.to_le_bytes());
    }
    b
}

/// A random v4 UUID.
pub(crate) fn uuid_v4() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(bytes16()).into_uuid()
}

/// A uniform `f64` in `[0, 1)`: retry jitter.
pub(crate) fn unit_f64() -> f64 {
    let x = getrandom::u64().unwrap_or_else(|_| fallback_u64());
    // The top 53 bits, scaled: every value is exactly representable and below 1.
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn fallback_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(now);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_differ_and_jitter_is_in_range() {
        assert_ne!(bytes16(), bytes16());
        assert_ne!(fallback_u64(), fallback_u64());
        let u = uuid_v4();
        assert_eq!(u.get_version_num(), 4);
        for _ in 0..1000 {
            let j = unit_f64();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
