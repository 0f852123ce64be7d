//! Per-attempt timeouts that share their timers.
//!
//! A tokio timer that becomes the earliest one of its runtime wakes the thread parked on the
//! runtime's time driver (tokio's `time::Handle::reregister`: `when < next_wake` →
//! `unpark`). Between requests a client has no timer left, so `tokio::time::timeout`
//! around each attempt woke a parked thread on every request: a futex wake and an eventfd
//! write, and a thread switch on the hot path. On the loopback bench that was about 8 % of a
//! request's time (`headtohead --profile 1`: 145.7 µs with the timer, 135.5 µs without).
//!
//! [`Deadlines`] lets the attempts that start close together wait on one timer. An attempt
//! with timeout `t` starting at `now` joins the shared timer of its runtime and timeout when
//! that timer fires in `[now + t, now + t + slack(t)]`, and otherwise starts a new one at
//! `now + t + slack(t)`. So a busy client registers one timer per `slack(t)` (1 s for the
//! default 80 s) instead of one per request, and that timer is not earlier than the one
//! before it, so registering it wakes no one. The price: a timeout fires up to `slack(t)`
//! late (`t / 32`, between 1 ms and 1 s).
//!
//! A timer belongs to the runtime that made it, so timers are shared only within one
//! runtime (by [`tokio::runtime::Id`]); a client used from several runtimes keeps a few.

use futures_util::future::{FutureExt, Shared};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// How many shared timers a client keeps (one per runtime and timeout in use).
const SLOTS: usize = 4;

/// How late a timeout of `timeout` may fire: `timeout / 32`, between 1 ms and 1 s.
pub(crate) fn slack(timeout: Duration) -> Duration {
    (timeout / 32).clamp(Duration::from_millis(1), Duration::from_secs(1))
}

type SharedSleep = Shared<Pin<Box<Sleep>>>;

struct Slot {
    runtime: tokio::runtime::Id,
    timeout: Duration,
    fires_at: Instant,
    sleep: SharedSleep,
}

/// A client's shared timers; see the module docs.
#[derive(Default)]
pub(crate) struct Deadlines {
    slots: Mutex<Vec<Slot>>,
}

impl std::fmt::Debug for Deadlines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deadlines").finish_non_exhaustive()
    }
}

impl Deadlines {
    /// A future that completes no earlier than `timeout` from now, and at most
    /// [`slack`]`(timeout)` later. Must be called inside a tokio runtime with time enabled
    /// (as `tokio::time::timeout`).
    pub(crate) fn after(&self, timeout: Duration) -> Timer {
        let now = Instant::now();
        let due = now.checked_add(timeout);
        let (Ok(handle), Some(due)) = (tokio::runtime::Handle::try_current(), due) else {
            // No runtime: `sleep_until` panics with tokio's own message, as
            // `tokio::time::timeout` did. A timeout past the end of time never fires.
            return Timer::Own(Box::pin(tokio::time::sleep_until(
                due.unwrap_or_else(far_future),
            )));
        };
        let runtime = handle.id();
        let latest = due + slack(timeout);
        // A poisoned lock only means a panic elsewhere while it was held; the slots are
        // still whole.
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slots.iter().find(|s| {
            s.runtime == runtime
                && s.timeout == timeout
                && s.fires_at >= due
                && s.fires_at <= latest
        }) {
            return Timer::Shared(s.sleep.clone());
        }
        let sleep = (Box::pin(tokio::time::sleep_until(latest)) as Pin<Box<Sleep>>).shared();
        let slot = Slot {
            runtime,
            timeout,
            fires_at: latest,
            sleep: sleep.clone(),
        };
        // Replace this runtime and timeout's slot, else one that has fired, else the one
        // that fires first.
        let replace = slots
            .iter()
            .position(|s| s.runtime == runtime && s.timeout == timeout)
            .or_else(|| slots.iter().position(|s| s.fires_at <= now));
        match replace {
            Some(i) => slots[i] = slot,
            None if slots.len() < SLOTS => slots.push(slot),
            None => {
                if let Some(first) = slots.iter_mut().min_by_key(|s| s.fires_at) {
                    *first = slot;
                }
            }
        }
        Timer::Shared(sleep)
    }
}

fn far_future() -> Instant {
    // About 30 years, as tokio's own `far_future`.
    Instant::now() + Duration::from_secs(86400 * 365 * 30)
}

/// The future [`Deadlines::after`] returns.
pub(crate) enum Timer {
    Shared(SharedSleep),
    Own(Pin<Box<Sleep>>),
}

impl Future for Timer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.get_mut() {
            Timer::Shared(s) => s.poll_unpin(cx),
            Timer::Own(s) => s.as_mut().poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_is_a_32nd_between_1_ms_and_1_s() {
        assert_eq!(slack(Duration::from_secs(80)), Duration::from_secs(1));
        assert_eq!(slack(Duration::from_millis(320)), Duration::from_millis(10));
        assert_eq!(slack(Duration::from_millis(5)), Duration::from_millis(1));
        assert_eq!(slack(Duration::ZERO), Duration::from_millis(1));
    }

    #[tokio::test(start_paused = true)]
    async fn fires_after_the_timeout_and_within_the_slack() {
        let d = Deadlines::default();
        let t = Duration::from_secs(80);
        let start = Instant::now();
        d.after(t).await;
        let waited = start.elapsed();
        assert!(waited >= t && waited <= t + slack(t), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_close_together_share_a_timer_and_later_ones_do_not() {
        let d = Deadlines::default();
        let t = Duration::from_secs(8);
        let first = d.after(t);
        tokio::time::advance(slack(t) / 2).await;
        let second = d.after(t);
        assert!(matches!((&first, &second), (Timer::Shared(a), Timer::Shared(b)) if a.ptr_eq(b)));
        tokio::time::advance(slack(t)).await;
        let third = d.after(t);
        assert!(matches!((&first, &third), (Timer::Shared(a), Timer::Shared(b)) if !a.ptr_eq(b)));
        // Every one of them still waits its own timeout at least.
        let start = Instant::now();
        third.await;
        assert!(start.elapsed() >= t);
        assert_eq!(d.slots.lock().unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn other_timeouts_get_their_own_slots_up_to_the_limit() {
        let d = Deadlines::default();
        let timers: Vec<Timer> = (1..=6).map(|s| d.after(Duration::from_secs(s))).collect();
        assert_eq!(d.slots.lock().unwrap().len(), SLOTS);
        let start = Instant::now();
        futures_util::future::join_all(timers).await;
        assert!(start.elapsed() >= Duration::from_secs(6));
    }

    #[test]
    fn timers_are_not_shared_across_runtimes() {
        let d = Deadlines::default();
        let t = Duration::from_millis(20);
        for _ in 0..3 {
            // Each runtime is dropped before the next starts; a timer of a dropped runtime
            // must not be polled by the next one.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            rt.block_on(async {
                let start = std::time::Instant::now();
                d.after(t).await;
                assert!(start.elapsed() >= t);
            });
        }
    }
}
