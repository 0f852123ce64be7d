//! The retry loop of the request pipeline, its policy (the official SDKs') and the
//! injectable clock.
//!
//! Decision order, after an attempt:
//! 1. no retries left → stop;
//! 2. connection error or timeout → retry;
//! 3. `Stripe-Should-Retry: false` → stop; `true` → retry;
//! 4. 409 → retry; 429 with `code == "lock_timeout"` → retry; ≥ 500 → retry;
//! 5. anything else → stop.
//!
//! Backoff before retry `n` (from 1): `min(0.5·2^(n−1), 5)` s, times a jitter in
//! `[0.5, 1)`, floored at 0.5 s. `Retry-After` is ignored, as in the official SDKs.

use crate::client::Inner;
use crate::options::RequestOptions;
use crate::pipeline::{classify, request_id, Prepared, RawResponse};
use crate::pipeline::{header_str, STRIPE_NOTICE};
/// The clock's types: std's on native targets; on wasm32, `web-time`'s (the same API, read
/// from the JavaScript host's `performance` and `Date`).
pub use crate::rt::{Instant, SystemTime, UNIX_EPOCH};
use crate::telemetry::AttemptTrace;
use crate::transport::BoxFuture;
use crate::{Error, ErrorCode};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Longest backoff between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Shortest backoff between attempts.
pub const MIN_BACKOFF: Duration = Duration::from_millis(500);

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

/// The backoff before retry number `retry` (1 for the first retry), with `jitter` in
/// `[0, 1)` (the random part: the factor applied is `0.5·(1 + jitter)`).
pub fn backoff(retry: u32, jitter: f64) -> Duration {
    let exp = retry.saturating_sub(1).min(16);
    let base = (0.5 * f64::from(1u32 << exp)).min(MAX_BACKOFF.as_secs_f64());
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let secs = (base * 0.5 * (1.0 + jitter)).max(MIN_BACKOFF.as_secs_f64());
    Duration::from_secs_f64(secs)
}

/// What the policy needs to know about one finished attempt.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// A response arrived (any status).
    Response {
        /// Status.
        status: u16,
        /// `Stripe-Should-Retry`, when present.
        should_retry: Option<bool>,
        /// `error.code`, when the body was a Stripe error.
        code: Option<&'a ErrorCode>,
    },
    /// The attempt failed without a response.
    Failed(&'a Error),
}

impl<'a> Outcome<'a> {
    /// The outcome an error stands for: the response an API error was made from, or a
    /// failure without a response.
    pub(crate) fn of(error: &'a Error) -> Self {
        match error {
            Error::Api(e) | Error::SessionExpired(e) => Outcome::Response {
                status: e.status,
                should_retry: e.should_retry,
                code: e.code.as_ref(),
            },
            e => Outcome::Failed(e),
        }
    }
}

/// Whether to try again after `retries_done` retries (0 after the first attempt).
pub fn should_retry(outcome: Outcome<'_>, retries_done: u32, max_retries: u32) -> bool {
    if retries_done >= max_retries {
        return false;
    }
    match outcome {
        Outcome::Failed(e) => matches!(e, Error::Connection { .. } | Error::Timeout(_)),
        Outcome::Response {
            status,
            should_retry,
            code,
        } => {
            if let Some(v) = should_retry {
                return v;
            }
            status == 409
                || (status == 429 && code == Some(&ErrorCode::LockTimeout))
                || status >= 500
        }
    }
}

/// Send `p` until it succeeds or the policy above stops: each attempt is built
/// ([`Prepared::to_http`]), sent (`governor::attempt`) and classified ([`classify`]), in its own
/// span; between attempts the clock sleeps the backoff.
pub(crate) async fn send_with_retries(
    client: &Inner,
    p: &Prepared,
    opts: &RequestOptions,
) -> Result<RawResponse, Error> {
    let key = p.idempotency_key(opts)?;
    let key = key.as_deref();
    // The first attempt's request is built before anything is reported, so a request that
    // cannot be built fails without telemetry; a retry builds its own (same key).
    let mut first = Some(p.to_http(client, opts, key)?);
    let max_retries = opts.max_retries.unwrap_or(client.max_retries);
    let timeout = client.timeout(opts);
    let path = p.path.split('?').next().unwrap_or_default();
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let trace = AttemptTrace::start(
            client.observer.as_deref(),
            p.method.as_str(),
            path,
            &p.operation_id,
            attempts,
            key,
        );
        let request = match first.take() {
            Some(r) => r,
            None => p.to_http(client, opts, key)?,
        };
        // The governor's hook (a pass-through without one): wait for a slot, send the attempt
        // (`pipeline::attempt`), learn from a rate-limit 429. `duration` leaves the wait out.
        let (result, duration) = crate::governor::attempt(client, p, opts, request, timeout)
            .instrument(trace.span().clone())
            .await;
        match result {
            Ok(response) => {
                let outcome = classify(&response, p.is_v2);
                let retry = outcome
                    .as_ref()
                    .is_err_and(|e| should_retry(Outcome::of(e), attempts - 1, max_retries));
                let request_id = request_id(&response);
                trace.response(
                    response.status,
                    request_id.as_deref(),
                    header_str(&response.headers, &STRIPE_NOTICE),
                    response.body.len(),
                    duration,
                    retry,
                );
                match outcome {
                    Ok(()) => {
                        return Ok(RawResponse {
                            status: response.status,
                            headers: response.headers,
                            body: response.body,
                            request_id,
                            attempts,
                        })
                    }
                    Err(e) if !retry => return Err(e),
                    Err(_) => {}
                }
            }
            Err(e) => {
                let retry = should_retry(Outcome::Failed(&e), attempts - 1, max_retries);
                trace.failure(&e, duration, retry);
                if !retry {
                    return Err(e);
                }
            }
        }
        client
            .clock
            .sleep(backoff(attempts, crate::random::unit_f64()))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The un-jittered backoff before retry `retry`: 0.5, 1, 2, 4, 5, 5, … s.
    fn backoff_ceiling(retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(16);
        Duration::from_secs_f64((0.5 * f64::from(1u32 << exp)).min(MAX_BACKOFF.as_secs_f64()))
    }

    #[test]
    fn unjittered_sequence() {
        let secs: Vec<f64> = (1..=7).map(|n| backoff_ceiling(n).as_secs_f64()).collect();
        assert_eq!(secs, vec![0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]);
    }

    #[test]
    fn jitter_bounds_and_floor() {
        for n in 1..=8 {
            let lo = backoff(n, 0.0);
            let hi = backoff(n, 0.999_999);
            assert!(lo >= MIN_BACKOFF);
            assert!(hi <= backoff_ceiling(n).max(MIN_BACKOFF));
            assert_eq!(lo, (backoff_ceiling(n) / 2).max(MIN_BACKOFF));
        }
        assert_eq!(backoff(1, 0.5), MIN_BACKOFF);
        assert_eq!(backoff(3, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(10, 0.0), Duration::from_millis(2500));
    }

    #[test]
    fn decisions() {
        let resp = |status, should_retry, code| Outcome::Response {
            status,
            should_retry,
            code,
        };
        assert!(should_retry(resp(500, None, None), 0, 2));
        assert!(!should_retry(resp(500, None, None), 2, 2));
        assert!(should_retry(resp(409, None, None), 0, 2));
        assert!(!should_retry(resp(429, None, None), 0, 2));
        assert!(should_retry(
            resp(429, None, Some(&ErrorCode::LockTimeout)),
            0,
            2
        ));
        assert!(!should_retry(resp(503, Some(false), None), 0, 2));
        assert!(should_retry(resp(400, Some(true), None), 0, 2));
        assert!(!should_retry(resp(400, None, None), 0, 2));
        let conn = Error::connection("reset", None);
        assert!(should_retry(Outcome::Failed(&conn), 0, 2));
        let v = Error::Validation("x".into());
        assert!(!should_retry(Outcome::Failed(&v), 0, 2));
    }
}
