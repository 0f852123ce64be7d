//! The client's one clock: a monotonic `now`, `sleep`, and the wall-clock time. Retry
//! backoff, the total retry deadline, the meter guards' timestamp window and meter event
//! session expiry all read it, so a test injects [`ManualClock`] and takes no real time.
//!
//! Shared state at the bottom of the crate: this module imports nothing of the crate but the
//! target's timer ([`crate::rt`]). The public path is [`crate::retry`], which re-exports it.

/// The clock's types: std's on native targets; on wasm32, `web-time`'s (the same API, read
/// from the JavaScript host's `performance` and `Date`).
pub use crate::rt::{Instant, SystemTime, UNIX_EPOCH};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A boxed, `Send` future (the same type as [`crate::transport::BoxFuture`]).
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Time as the client sees it: a monotonic `now`, `sleep`, and the wall-clock time (the
/// meter guards' timestamp window, meter event session expiry). The client's one clock:
/// inject a fake one so retry tests take no real time and metering tests pin "now".
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
    /// Wait `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// The current wall-clock time (default: the system time).
    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }
    /// The current wall-clock time in Unix milliseconds.
    fn unix_millis(&self) -> i64 {
        match self.system_time().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// The real clock: `Instant::now` and the runtime's timer (tokio's on native targets, the
/// host's `setTimeout` on wasm32).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(crate::rt::sleep(duration))
    }
}

/// A fake clock for tests: `sleep` returns at once, records the duration and advances
/// the instant. The wall-clock time starts at the given time (or now) and moves only when
/// told ([`ManualClock::advance`], [`ManualClock::set_system_time`]), so a test pins it.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<std::sync::Mutex<ManualTime>>,
}

#[derive(Debug)]
struct ManualTime {
    now: Instant,
    wall: SystemTime,
    sleeps: Vec<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::at(SystemTime::now())
    }
}

impl ManualClock {
    /// A clock starting now.
    pub fn new() -> Self {
        ManualClock::default()
    }
    /// A clock whose wall-clock time starts at `wall`.
    pub fn at(wall: SystemTime) -> Self {
        ManualClock {
            inner: Arc::new(std::sync::Mutex::new(ManualTime {
                now: Instant::now(),
                wall,
                sleeps: Vec::new(),
            })),
        }
    }
    /// A clock whose wall-clock time starts at Unix second `secs`.
    pub fn at_unix(secs: i64) -> Self {
        let d = Duration::from_secs(secs.unsigned_abs());
        ManualClock::at(if secs >= 0 {
            UNIX_EPOCH + d
        } else {
            UNIX_EPOCH - d
        })
    }
    /// Every duration slept so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner
            .lock()
            .map(|g| g.sleeps.clone())
            .unwrap_or_default()
    }
    /// Move time forward (the instant and the wall-clock time).
    pub fn advance(&self, d: Duration) {
        if let Ok(mut g) = self.inner.lock() {
            g.now += d;
            g.wall += d;
        }
    }
    /// Show wall-clock time `wall` from now on.
    pub fn set_system_time(&self, wall: SystemTime) {
        if let Ok(mut g) = self.inner.lock() {
            g.wall = wall;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.inner
            .lock()
            .map(|g| g.now)
            .unwrap_or_else(|_| Instant::now())
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        if let Ok(mut g) = self.inner.lock() {
            g.now += duration;
            g.sleeps.push(duration);
        }
        Box::pin(async {})
    }
    fn system_time(&self) -> SystemTime {
        self.inner
            .lock()
            .map(|g| g.wall)
            .unwrap_or_else(|_| SystemTime::now())
    }
}
