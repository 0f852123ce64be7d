//! A rate governor: keeps a client (or many clients) under Stripe's published rate limits,
//! so bulk jobs pace themselves instead of collecting 429s.
//!
//! ```no_run
//! use stripe_client::batch::Batch;
//! use stripe_client::governor::Governor;
//! use stripe_client::prelude::*;
//! use stripe_client::types::UpdateCustomer;
//!
//! # async fn f(ids: Vec<String>) -> Result<(), stripe_client::Error> {
//! let governor = Governor::new(); // Stripe's limits, by the mode of each client's key
//! let client = Client::builder("sk_test_...").governor(&governor).build()?;
//! let mut batch = Batch::new().concurrency(64);
//! for id in &ids {
//!     let client = client.clone();
//!     batch.push(async move { UpdateCustomer::new(id.as_str()).description("backfilled").send(&client).await });
//! }
//! let results = batch.run().await; // 25 writes/s in test mode: 2,000 calls in about 80 s
//! # Ok(()) }
//! ```
//!
//! Opt-in: a client without [`ClientBuilder::governor`](crate::ClientBuilder::governor)
//! is not governed. A governed client waits, before each attempt (retries included), for a
//! slot in the buckets the request counts against; list streams ([`crate::pagination`]) wait
//! before each page, and [`Batch`](crate::batch::Batch) calls wait in turn, so a batch's
//! `concurrency` bounds the requests in flight and the governor sets their pace.
//!
//! # Stripe's limits
//!
//! From <https://docs.stripe.com/rate-limits> (the *basic rate limiter*, per account):
//!
//! | requests | live mode | test mode |
//! | --- | --- | --- |
//! | reads (`GET`) | 100/s | 25/s |
//! | writes (`POST`, `DELETE`) | 100/s | 25/s |
//! | Search API (`GET /v1/<resource>/search`) | 20 reads/s | 20 reads/s |
//! | Files API (`files.stripe.com`, `/v1/files`) | 20 reads/s, 20 writes/s | the same |
//! | Meter events (`POST /v1/billing/meter_events`, `/v2/billing/meter_events`) | 1,000/s, its own limit | counted in the basic writes |
//! | v2 meter event stream (`meter-events.stripe.com`) | 10,000/s | counted in the basic writes |
//!
//! - Search and Files calls "also count against the basic limits", and their stricter limits
//!   "apply separately to live mode and test mode" (same page): such a request takes a slot
//!   in both buckets.
//! - Live-mode meter events "don't count against the basic limits"; in test mode, and on a
//!   connected account (`Stripe-Account`), they do (same page, and
//!   <https://docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api>).
//! - The v2 stream's figure is from the SDKs' docstrings and the changelog of
//!   2024-09-30.acacia (<https://docs.stripe.com/changelog/acacia/2024-09-30/usage-based-billing-v2-meter-events-api>).
//! - Stripe answers an exceeded limit with 429 and `error.code` `rate_limit`. A 429 with
//!   `lock_timeout` is contention on one object, not a rate: the governor ignores it (the
//!   retry policy retries it, as the official SDKs do).
//! - Stripe recommends a token bucket on the client side and keeping background jobs to "a
//!   subset of the maximum" (<https://docs.stripe.com/rate-limits>,
//!   <https://support.stripe.com/questions/rate-limit-error-when-creating-bulk-api-requests>);
//!   its own limiter is a token bucket (<https://stripe.com/blog/rate-limiters>).
//!
//! The mode is read from each client's key: `sk_live_` and `rk_live_` keys are live; every
//! other key (test keys, and keys of unknown shape) gets the lower test-mode limits. Limits are
//! per account and mode: share one governor among the clients of one account, and give each
//! account its own.
//!
//! # How it paces
//!
//! Each (mode, bucket) is a token bucket (as GCRA: one "next free slot" time per bucket):
//! a request reserves its slot when it arrives, so waiting requests go in arrival order, and
//! the bucket allows a burst of [`GovernorBuilder::burst`] (default a quarter second's worth)
//! before pacing at the rate.
//!
//! **Adaptive.** After a rate-limit 429 (one that is not `lock_timeout`), each bucket the
//! request used halves its rate (at most once a second, however many requests in flight
//! come back 429) and loses its burst; it then climbs back linearly to its limit over
//! [`GovernorBuilder::recovery`] (default 10 s). A governed client also retries a rate-limit
//! 429 (within its `max_retries`, after its backoff), which the default policy does not: the
//! retry waits for a slot of the slowed bucket, so it does not add to the overload that the
//! official SDKs' maintainers decline to retry into.
//!
//! **Shared.** A [`Governor`] is a handle: clone it, or pass `&governor` to several builders;
//! every client built with it draws from the same buckets. Clients that share a governor
//! should share a clock too (the default system clock), as the buckets keep its instants.
//!
//! **Several processes.** The governor does not coordinate processes. Give each of `N`
//! processes that share an account [`GovernorBuilder::fraction`]`(1.0 / N as f64)`, or a
//! smaller share to keep headroom for interactive traffic (checkout, the Dashboard):
//! `fraction(0.5)` leaves half of every limit to the rest of your integration.

use crate::retry::{Clock, Instant};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use stripe_types::rt::{Host, Method};

/// Live or test mode, from the key's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `sk_live_…`, `rk_live_…`.
    Live,
    /// Every other key.
    Test,
}

impl Mode {
    /// The mode of requests made with `api_key`: live for `sk_live_` and `rk_live_` keys,
    /// test for every other.
    pub fn of_key(api_key: &str) -> Mode {
        if api_key.starts_with("sk_live_") || api_key.starts_with("rk_live_") {
            Mode::Live
        } else {
            Mode::Test
        }
    }
}

/// Which limit a request counts against, besides the basic read or write limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `GET`: the basic read limit.
    Read,
    /// `POST`, `DELETE`: the basic write limit.
    Write,
    /// `GET /v1/<resource>/search`: the Search API's limit and the basic read limit.
    Search,
    /// `files.stripe.com` and `/v1/files`: the Files API's limit (reads and writes each)
    /// and the basic limit.
    Files,
    /// `POST /v1/billing/meter_events` and `/v2/billing/meter_events`: their own limit in
    /// live mode; the basic write limit in test mode and on a connected account.
    MeterEvents,
    /// `meter-events.stripe.com` (the v2 meter event stream): its own limit in live mode;
    /// the basic write limit in test mode and on a connected account.
    MeterEventStream,
}

impl Kind {
    /// The kind of a request.
    pub fn of(method: Method, host: Host, path: &str) -> Kind {
        let path = path.split('?').next().unwrap_or(path);
        match host {
            Host::MeterEvents => Kind::MeterEventStream,
            Host::Files => Kind::Files,
            Host::Api
                if path == "/v1/billing/meter_events" || path == "/v2/billing/meter_events" =>
            {
                Kind::MeterEvents
            }
            Host::Api
                if method == Method::Get
                    && path.starts_with("/v1/")
                    && path.ends_with("/search") =>
            {
                Kind::Search
            }
            Host::Api if path == "/v1/files" || path.starts_with("/v1/files/") => Kind::Files,
            Host::Api if method == Method::Get => Kind::Read,
            Host::Api => Kind::Write,
        }
    }
}

/// Requests per second, by kind, in one mode. `None` for an endpoint limit means the
/// requests count in the basic limit only.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Limits {
    /// Basic reads.
    pub read: f64,
    /// Basic writes.
    pub write: f64,
    /// Search API reads.
    pub search: f64,
    /// Files API reads, and (separately) Files API writes.
    pub files: f64,
    /// Meter events, when they have their own limit (live mode).
    pub meter_events: Option<f64>,
    /// The v2 meter event stream, when it has its own limit (live mode).
    pub meter_event_stream: Option<f64>,
}

impl Limits {
    /// Stripe's live-mode limits (see the [module](self) docs for the sources).
    pub const LIVE: Limits = Limits {
        read: 100.0,
        write: 100.0,
        search: 20.0,
        files: 20.0,
        meter_events: Some(1000.0),
        meter_event_stream: Some(10_000.0),
    };
    /// Stripe's test-mode (and sandbox) limits.
    pub const TEST: Limits = Limits {
        read: 25.0,
        write: 25.0,
        search: 20.0,
        files: 20.0,
        meter_events: None,
        meter_event_stream: None,
    };

    /// Stripe's limits in `mode`.
    pub fn stripe(mode: Mode) -> Limits {
        match mode {
            Mode::Live => Limits::LIVE,
            Mode::Test => Limits::TEST,
        }
    }

    /// These limits with `kind`'s set to `per_second` (for `Read`/`Write`, the basic one).
    pub fn with(mut self, kind: Kind, per_second: f64) -> Limits {
        match kind {
            Kind::Read => self.read = per_second,
            Kind::Write => self.write = per_second,
            Kind::Search => self.search = per_second,
            Kind::Files => self.files = per_second,
            Kind::MeterEvents => self.meter_events = Some(per_second),
            Kind::MeterEventStream => self.meter_event_stream = Some(per_second),
        }
        self
    }
}

/// The buckets of one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    Read,
    Write,
    Search,
    FilesRead,
    FilesWrite,
    MeterEvents,
    MeterEventStream,
}

const BUCKETS: usize = 7;

impl Bucket {
    fn limit(self, l: &Limits) -> Option<f64> {
        match self {
            Bucket::Read => Some(l.read),
            Bucket::Write => Some(l.write),
            Bucket::Search => Some(l.search),
            Bucket::FilesRead | Bucket::FilesWrite => Some(l.files),
            Bucket::MeterEvents => l.meter_events,
            Bucket::MeterEventStream => l.meter_event_stream,
        }
    }

    /// The buckets a request takes a slot in (one or two).
    fn of(kind: Kind, write: bool, on_connected_account: bool, l: &Limits) -> [Option<Bucket>; 2] {
        let basic = Some(if write { Bucket::Write } else { Bucket::Read });
        let own = |b: Bucket| {
            if b.limit(l).is_some() && !on_connected_account {
                [Some(b), None]
            } else {
                [basic, None]
            }
        };
        match kind {
            Kind::Read | Kind::Write => [basic, None],
            Kind::Search => [Some(Bucket::Search), basic],
            Kind::Files if write => [Some(Bucket::FilesWrite), basic],
            Kind::Files => [Some(Bucket::FilesRead), basic],
            Kind::MeterEvents => own(Bucket::MeterEvents),
            Kind::MeterEventStream => own(Bucket::MeterEventStream),
        }
    }
}

/// One token bucket, as GCRA: the theoretical arrival time of the next request.
#[derive(Debug, Clone)]
struct Rate {
    limit: f64,
    /// The next slot (`None`: the bucket is full).
    tat: Option<Instant>,
    /// The last cut after a 429: when, and the rate it cut to.
    cut: Option<(Instant, f64)>,
}

impl Rate {
    fn new(limit: f64) -> Self {
        Rate {
            limit,
            tat: None,
            cut: None,
        }
    }

    /// The rate at `now`: the limit, or on its way back to it after a cut.
    fn rate(&self, now: Instant, recovery: Duration) -> f64 {
        match self.cut {
            Some((at, cut_to)) => {
                let climbed = if recovery.is_zero() {
                    self.limit
                } else {
                    self.limit * now.saturating_duration_since(at).as_secs_f64()
                        / recovery.as_secs_f64()
                };
                (cut_to + climbed).min(self.limit)
            }
            None => self.limit,
        }
    }

    /// Reserve the next slot: the wait until it.
    fn reserve(&mut self, now: Instant, cfg: &Config) -> Duration {
        let interval = 1.0 / self.rate(now, cfg.recovery).max(MIN_RATE);
        let tolerance = secs(interval * (burst_tokens(self.limit, cfg.burst) - 1.0));
        let tat = self.tat.map_or(now, |t| t.max(now));
        let start = tat.checked_sub(tolerance).map_or(now, |s| s.max(now));
        self.tat = Some(tat + secs(interval));
        start.saturating_duration_since(now)
    }

    /// A rate-limit 429 at `now`: halve (once a second at most) and drop the burst.
    fn slow_down(&mut self, now: Instant, cfg: &Config) {
        if let Some((at, _)) = self.cut {
            if now.saturating_duration_since(at) < Duration::from_secs(1) {
                return;
            }
        }
        let cut_to = (self.rate(now, cfg.recovery) / 2.0).max(MIN_RATE);
        self.cut = Some((now, cut_to));
        let next = now + secs(1.0 / cut_to);
        self.tat = Some(self.tat.map_or(next, |t| t.max(next)));
    }
}

/// The slowest pace a bucket is cut to: one request every 2 s.
const MIN_RATE: f64 = 0.5;

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)
}

/// Requests a bucket lets through back to back: a `burst` of its rate, at least one.
fn burst_tokens(limit: f64, burst: Duration) -> f64 {
    (limit * burst.as_secs_f64()).floor().max(1.0)
}

#[derive(Debug, Clone)]
struct Config {
    live: Limits,
    test: Limits,
    burst: Duration,
    recovery: Duration,
}

struct State {
    /// `[live, test]` × [`BUCKETS`].
    rates: [[Rate; BUCKETS]; 2],
}

struct Shared {
    config: Config,
    state: Mutex<State>,
    requests: AtomicU64,
    waited_micros: AtomicU64,
    rate_limited: AtomicU64,
}

/// Keeps clients under Stripe's rate limits (see the [module](self) docs). A handle:
/// clones share the buckets.
#[derive(Clone)]
pub struct Governor {
    shared: Arc<Shared>,
}

impl fmt::Debug for Governor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Governor")
            .field("live", &self.shared.config.live)
            .field("test", &self.shared.config.test)
            .field("burst", &self.shared.config.burst)
            .field("recovery", &self.shared.config.recovery)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for Governor {
    fn default() -> Self {
        Governor::builder().build()
    }
}

/// What a governor has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GovernorStats {
    /// Attempts that went through it.
    pub requests: u64,
    /// Time they spent waiting for a slot, added up.
    pub waited: Duration,
    /// Rate-limit 429s it saw (each slowed its buckets, at most once a second).
    pub rate_limited: u64,
}

impl Governor {
    /// Stripe's published limits ([`Limits::LIVE`], [`Limits::TEST`]).
    pub fn new() -> Governor {
        Governor::default()
    }

    /// Limits, burst, recovery and share to set.
    pub fn builder() -> GovernorBuilder {
        GovernorBuilder {
            live: Limits::LIVE,
            test: Limits::TEST,
            fraction: 1.0,
            burst: Duration::from_millis(250),
            recovery: Duration::from_secs(10),
        }
    }

    /// What it has done so far.
    pub fn stats(&self) -> GovernorStats {
        GovernorStats {
            requests: self.shared.requests.load(Ordering::Relaxed),
            waited: Duration::from_micros(self.shared.waited_micros.load(Ordering::Relaxed)),
            rate_limited: self.shared.rate_limited.load(Ordering::Relaxed),
        }
    }

    /// The current rate of `kind`'s bucket in `mode` (for reads: the basic read bucket), in
    /// requests per second: its limit, or less after a 429.
    pub fn current_rate(&self, mode: Mode, kind: Kind, clock: &dyn Clock) -> Option<f64> {
        let write = !matches!(kind, Kind::Read | Kind::Search);
        let limits = self.shared.config.limits(mode);
        let [first, _] = Bucket::of(kind, write, false, limits);
        let st = self.state();
        let rate = &st.rates[mode_index(mode)][first? as usize];
        Some(rate.rate(clock.now(), self.shared.config.recovery))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait for a slot for a request of `kind` (`write`: not a `GET`) in `mode`; the buckets
    /// it took.
    pub(crate) async fn acquire(
        &self,
        mode: Mode,
        kind: Kind,
        write: bool,
        on_connected_account: bool,
        clock: &dyn Clock,
    ) -> [Option<Bucket>; 2] {
        let cfg = &self.shared.config;
        let buckets = Bucket::of(kind, write, on_connected_account, cfg.limits(mode));
        let wait = {
            let now = clock.now();
            let mut st = self.state();
            let rates = &mut st.rates[mode_index(mode)];
            buckets
                .iter()
                .flatten()
                .map(|b| rates[*b as usize].reserve(now, cfg))
                .max()
                .unwrap_or_default()
        };
        self.shared.requests.fetch_add(1, Ordering::Relaxed);
        if !wait.is_zero() {
            let micros = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX);
            self.shared
                .waited_micros
                .fetch_add(micros, Ordering::Relaxed);
            clock.sleep(wait).await;
        }
        buckets
    }

    /// A rate-limit 429 came back for a request that used `buckets`.
    pub(crate) fn slow_down(&self, mode: Mode, buckets: [Option<Bucket>; 2], clock: &dyn Clock) {
        self.shared.rate_limited.fetch_add(1, Ordering::Relaxed);
        let now = clock.now();
        let mut st = self.state();
        for b in buckets.iter().flatten() {
            st.rates[mode_index(mode)][*b as usize].slow_down(now, &self.shared.config);
        }
    }
}

fn mode_index(mode: Mode) -> usize {
    match mode {
        Mode::Live => 0,
        Mode::Test => 1,
    }
}

impl Config {
    fn limits(&self, mode: Mode) -> &Limits {
        match mode {
            Mode::Live => &self.live,
            Mode::Test => &self.test,
        }
    }
}

/// Settings of a [`Governor`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build()`"]
pub struct GovernorBuilder {
    live: Limits,
    test: Limits,
    fraction: f64,
    burst: Duration,
    recovery: Duration,
}

impl GovernorBuilder {
    /// Limits in live mode instead of [`Limits::LIVE`] (a raised limit, say).
    pub fn live(mut self, limits: Limits) -> Self {
        self.live = limits;
        self
    }
    /// Limits in test mode instead of [`Limits::TEST`].
    pub fn test(mut self, limits: Limits) -> Self {
        self.test = limits;
        self
    }
    /// One limit: `kind` in `mode`, in requests per second.
    pub fn limit(mut self, mode: Mode, kind: Kind, per_second: f64) -> Self {
        match mode {
            Mode::Live => self.live = self.live.with(kind, per_second),
            Mode::Test => self.test = self.test.with(kind, per_second),
        }
        self
    }
    /// This process's share of every limit, in `(0, 1]` (default 1): `1.0 / N as f64` for
    /// each of `N` processes on one account, less to leave headroom. Out of range: 1.
    pub fn fraction(mut self, share: f64) -> Self {
        self.fraction = if share > 0.0 && share <= 1.0 {
            share
        } else {
            1.0
        };
        self
    }
    /// Requests a bucket lets through back to back, as time at its rate (default 250 ms: 6
    /// at 25/s, 25 at 100/s; at least 1).
    pub fn burst(mut self, burst: Duration) -> Self {
        self.burst = burst;
        self
    }
    /// Time a bucket takes to climb from nothing back to its limit after a 429 (default 10
    /// s: from half the limit, 5 s).
    pub fn recovery(mut self, recovery: Duration) -> Self {
        self.recovery = recovery;
        self
    }
    /// The governor.
    pub fn build(self) -> Governor {
        let scale = |l: Limits| {
            let f = self.fraction;
            let s = |x: f64| (x * f).max(MIN_RATE);
            Limits {
                read: s(l.read),
                write: s(l.write),
                search: s(l.search),
                files: s(l.files),
                meter_events: l.meter_events.map(s),
                meter_event_stream: l.meter_event_stream.map(s),
            }
        };
        let config = Config {
            live: scale(self.live),
            test: scale(self.test),
            burst: self.burst,
            recovery: self.recovery,
        };
        let rates = |l: &Limits| {
            [
                Bucket::Read,
                Bucket::Write,
                Bucket::Search,
                Bucket::FilesRead,
                Bucket::FilesWrite,
                Bucket::MeterEvents,
                Bucket::MeterEventStream,
            ]
            .map(|b| Rate::new(b.limit(l).unwrap_or(f64::INFINITY)))
        };
        let state = State {
            rates: [rates(&config.live), rates(&config.test)],
        };
        Governor {
            shared: Arc::new(Shared {
                config,
                state: Mutex::new(state),
                requests: AtomicU64::new(0),
                waited_micros: AtomicU64::new(0),
                rate_limited: AtomicU64::new(0),
            }),
        }
    }
}

/// A client's governor and the mode of its key.
#[derive(Clone, Debug)]
pub(crate) struct Governed {
    pub(crate) governor: Governor,
    pub(crate) mode: Mode,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::ManualClock;

    fn cfg(limit: f64) -> Config {
        Config {
            live: Limits::LIVE,
            test: Limits::TEST.with(Kind::Write, limit),
            burst: Duration::from_millis(250),
            recovery: Duration::from_secs(10),
        }
    }

    #[test]
    fn kinds_follow_method_host_and_path() {
        use Method::*;
        assert_eq!(Kind::of(Get, Host::Api, "/v1/customers/cus_1"), Kind::Read);
        assert_eq!(Kind::of(Post, Host::Api, "/v1/customers"), Kind::Write);
        assert_eq!(
            Kind::of(Delete, Host::Api, "/v1/customers/cus_1"),
            Kind::Write
        );
        assert_eq!(
            Kind::of(Get, Host::Api, "/v1/customers/search?query=x"),
            Kind::Search
        );
        assert_eq!(Kind::of(Post, Host::Files, "/v1/files"), Kind::Files);
        assert_eq!(Kind::of(Get, Host::Api, "/v1/files/file_1"), Kind::Files);
        assert_eq!(
            Kind::of(Post, Host::Api, "/v1/billing/meter_events"),
            Kind::MeterEvents
        );
        assert_eq!(
            Kind::of(Post, Host::Api, "/v2/billing/meter_events"),
            Kind::MeterEvents
        );
        assert_eq!(
            Kind::of(Post, Host::MeterEvents, "/v2/billing/meter_event_stream"),
            Kind::MeterEventStream
        );
        assert_eq!(Mode::of_key("sk_live_abc"), Mode::Live);
        assert_eq!(Mode::of_key("rk_live_abc"), Mode::Live);
        assert_eq!(Mode::of_key("sk_test_abc"), Mode::Test);
        assert_eq!(Mode::of_key("whatever"), Mode::Test);
    }

    #[test]
    fn buckets_count_endpoint_limits_beside_the_basic_ones() {
        let (live, test) = (&Limits::LIVE, &Limits::TEST);
        assert_eq!(
            Bucket::of(Kind::Search, false, false, test),
            [Some(Bucket::Search), Some(Bucket::Read)]
        );
        assert_eq!(
            Bucket::of(Kind::Files, true, false, live),
            [Some(Bucket::FilesWrite), Some(Bucket::Write)]
        );
        // Live meter events have their own limit; in test mode and on a connected account
        // they count in the basic writes.
        assert_eq!(
            Bucket::of(Kind::MeterEvents, true, false, live),
            [Some(Bucket::MeterEvents), None]
        );
        assert_eq!(
            Bucket::of(Kind::MeterEvents, true, false, test),
            [Some(Bucket::Write), None]
        );
        assert_eq!(
            Bucket::of(Kind::MeterEvents, true, true, live),
            [Some(Bucket::Write), None]
        );
    }

    #[test]
    fn a_bucket_bursts_then_paces_at_its_rate() {
        let cfg = cfg(20.0);
        let mut r = Rate::new(20.0);
        let now = Instant::now();
        // A quarter second of burst at 20/s: 5 at once.
        let waits: Vec<Duration> = (0..8).map(|_| r.reserve(now, &cfg)).collect();
        assert!(waits[..5].iter().all(Duration::is_zero), "{waits:?}");
        for (i, w) in waits[5..].iter().enumerate() {
            let expected = 0.05 * (i + 1) as f64;
            assert!((w.as_secs_f64() - expected).abs() < 1e-6, "{waits:?}");
        }
        // 1,000 requests arriving at once take 1,000/20 s (less the burst) to get through.
        let mut r = Rate::new(20.0);
        let last = (0..1000).map(|_| r.reserve(now, &cfg)).max().unwrap();
        assert!(
            (last.as_secs_f64() - (1000.0 - 5.0) / 20.0).abs() < 1e-3,
            "{last:?}"
        );
    }

    #[test]
    fn a_429_halves_the_rate_once_a_second_then_it_recovers_linearly() {
        let cfg = cfg(20.0);
        let mut r = Rate::new(20.0);
        let t0 = Instant::now();
        r.slow_down(t0, &cfg);
        assert_eq!(r.rate(t0, cfg.recovery), 10.0);
        // Other 429s of the same burst do not cut again.
        r.slow_down(t0 + Duration::from_millis(300), &cfg);
        assert_eq!(r.rate(t0, cfg.recovery), 10.0);
        // +2 req/s per second (the limit over 10 s), back at 20 after 5 s.
        let at = |r: &Rate, ms| r.rate(t0 + Duration::from_millis(ms), cfg.recovery);
        assert!((at(&r, 1000) - 12.0).abs() < 1e-9);
        assert!((at(&r, 2500) - 15.0).abs() < 1e-9);
        assert_eq!(at(&r, 5000), 20.0);
        assert_eq!(at(&r, 60_000), 20.0);
        // A second 429 a second later cuts from where it is.
        r.slow_down(t0 + Duration::from_millis(1000), &cfg);
        assert!((at(&r, 1000) - 6.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn shared_by_clones_and_slept_on_the_clock() {
        let clock = ManualClock::new();
        let g = Governor::builder()
            .limit(Mode::Test, Kind::Write, 10.0)
            .burst(Duration::ZERO)
            .build();
        let other = g.clone();
        for _ in 0..5 {
            g.acquire(Mode::Test, Kind::Write, true, false, &clock)
                .await;
            other
                .acquire(Mode::Test, Kind::Write, true, false, &clock)
                .await;
        }
        // 10 requests at 10/s, no burst: the 10th waits 0.9 s after the first.
        let slept: Duration = clock.sleeps().iter().sum();
        assert!(
            (slept.as_secs_f64() - 0.9).abs() < 1e-6,
            "{:?}",
            clock.sleeps()
        );
        assert_eq!(g.stats().requests, 10);
        // Live mode has its own buckets.
        g.acquire(Mode::Live, Kind::Write, true, false, &clock)
            .await;
        assert_eq!(clock.sleeps().len(), 9);
    }

    #[test]
    fn a_fraction_scales_every_limit() {
        let g = Governor::builder().fraction(0.25).build();
        let clock = ManualClock::new();
        assert_eq!(g.current_rate(Mode::Test, Kind::Read, &clock), Some(6.25));
        assert_eq!(g.current_rate(Mode::Live, Kind::Write, &clock), Some(25.0));
        assert_eq!(
            g.current_rate(Mode::Live, Kind::MeterEvents, &clock),
            Some(250.0)
        );
        let g = Governor::builder().fraction(7.0).build();
        assert_eq!(g.current_rate(Mode::Test, Kind::Read, &clock), Some(25.0));
    }
}
