//! Temporary switches for the realistic-network bench: turn each loopback
//! micro-optimisation off to measure what it is worth. Not public API.

use std::sync::atomic::{AtomicBool, Ordering};

static DEADLINE: AtomicBool = AtomicBool::new(true);
static URL_CACHE: AtomicBool = AtomicBool::new(true);
static DIAL: AtomicBool = AtomicBool::new(true);

/// Turn the shared timers, the origin cache and the reuse-first dial layer on or off
/// (read per request, and when a transport is built for `dial`).
pub fn set(deadline: bool, url_cache: bool, dial: bool) {
    DEADLINE.store(deadline, Ordering::Relaxed);
    URL_CACHE.store(url_cache, Ordering::Relaxed);
    DIAL.store(dial, Ordering::Relaxed);
}

pub(crate) fn deadline() -> bool {
    DEADLINE.load(Ordering::Relaxed)
}
pub(crate) fn url_cache() -> bool {
    URL_CACHE.load(Ordering::Relaxed)
}
pub(crate) fn dial() -> bool {
    DIAL.load(Ordering::Relaxed)
}
