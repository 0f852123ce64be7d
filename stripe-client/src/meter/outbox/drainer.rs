//! [`OutboxDrainer`]: claims batches from an [`Outbox`], sends them on the v2 meter event
//! stream, marks them delivered; reports queue depth and lag.

use super::db::{self, Claimed};
use super::{DeadLetterReason, Outbox, DEFAULT_RESEND_WINDOW, STRIPE_DEDUP_WINDOW};
use crate::durable::{now_ms, retry_broken, StoreError};
use crate::meter::guard::{self, GuardKind};
use crate::meter::sessions::SessionCache;
use crate::meter::stream::{expired_locally, prepare_stream, session_options};
use crate::retry::{self, Attempt, RetryPolicy};
use crate::telemetry::OutboxReport;
use crate::{Client, Error};
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Configures an [`OutboxDrainer`] ([`Outbox::drainer`]).
pub struct OutboxDrainerBuilder {
    outbox: Outbox,
    client: Client,
    batch_size: usize,
    claim_size: usize,
    workers: usize,
    lease: Duration,
    poll_interval: Duration,
    resend_window: Duration,
    report_interval: Duration,
    retain_delivered: Option<Duration>,
    refresh_margin: Duration,
}

impl fmt::Debug for OutboxDrainerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxDrainerBuilder")
            .field("batch_size", &self.batch_size)
            .field("claim_size", &self.claim_size)
            .field("workers", &self.workers)
            .field("lease", &self.lease)
            .field("poll_interval", &self.poll_interval)
            .field("resend_window", &self.resend_window)
            .field("report_interval", &self.report_interval)
            .field("retain_delivered", &self.retain_delivered)
            .finish_non_exhaustive()
    }
}

impl OutboxDrainerBuilder {
    pub(super) fn new(outbox: Outbox, client: Client) -> Self {
        OutboxDrainerBuilder {
            outbox,
            client,
            batch_size: guard::MAX_STREAM_EVENTS,
            claim_size: 5 * guard::MAX_STREAM_EVENTS,
            workers: 2,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(250),
            resend_window: DEFAULT_RESEND_WINDOW,
            report_interval: Duration::from_secs(10),
            retain_delivered: Some(STRIPE_DEDUP_WINDOW),
            refresh_margin: Duration::from_secs(60),
        }
    }

    /// Events per stream request, 1 to 100 (default 100).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }

    /// Events per claim (default 500): sent as requests of [`batch_size`](Self::batch_size)
    /// at once, and marked delivered in one statement. Larger claims mean fewer commits per
    /// event; a drainer that dies holds this many events until its lease ends.
    pub fn claim_size(mut self, n: usize) -> Self {
        self.claim_size = n;
        self
    }

    /// Claim-and-send loops run at once by this drainer (default 2). Requests in flight are
    /// at most `workers × claim_size / batch_size`.
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    /// How long a claim holds its events (default 60 s, at least 3 s). A drainer that dies
    /// holding a claim delays those events by at most this much; each request's timeout is a
    /// third of it (at most 30 s), so a live drainer finishes with a claim before it ends.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How often an idle drainer looks for work another process recorded, or a lease that
    /// ended (default 250 ms). Records in this process wake it at once.
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }

    /// How long after its first unanswered attempt an event may still be resent (default
    /// 23 h, one hour inside Stripe's 24-hour de-duplication window; at most 24 h). Past it,
    /// the event is dead-lettered ([`DeadLetterReason::OutcomeUnknown`]).
    pub fn resend_window(mut self, d: Duration) -> Self {
        self.resend_window = d.min(STRIPE_DEDUP_WINDOW);
        self
    }

    /// How often a spawned drainer reports its queue depth and lag to tracing and the
    /// client's [`Observer`](crate::telemetry::Observer) (default 10 s).
    pub fn report_interval(mut self, d: Duration) -> Self {
        self.report_interval = d;
        self
    }

    /// How long delivered events are kept (for [`Outbox::status`]) before a spawned drainer
    /// prunes them (default 24 h; `None` keeps them until [`Outbox::prune_delivered`]).
    pub fn retain_delivered(mut self, d: Option<Duration>) -> Self {
        self.retain_delivered = d;
        self
    }

    /// Renew the meter event session this long before it expires (default 60 s).
    pub fn refresh_margin(mut self, d: Duration) -> Self {
        self.refresh_margin = d;
        self
    }

    /// The drainer. Errors ([`Error::Config`]) for a batch size outside 1..=100, no workers
    /// or a lease under 3 s.
    pub fn build(self) -> Result<OutboxDrainer, Error> {
        if !(1..=guard::MAX_STREAM_EVENTS).contains(&self.batch_size) {
            return Err(Error::Config(format!(
                "batch_size must be 1 to 100, not {}",
                self.batch_size
            )));
        }
        if self.claim_size == 0 {
            return Err(Error::Config("claim_size must be positive".into()));
        }
        if self.workers == 0 {
            return Err(Error::Config(
                "an outbox drainer needs at least one worker".into(),
            ));
        }
        if self.lease < Duration::from_secs(3) {
            return Err(Error::Config("the lease must be at least 3 s".into()));
        }
        Ok(OutboxDrainer {
            shared: Arc::new(Shared {
                request_timeout: (self.lease / 3).min(Duration::from_secs(30)),
                sessions: SessionCache::new(self.refresh_margin),
                retry: self.client.retry_policy().retry_rate_limited(true),
                outbox: self.outbox,
                client: self.client,
                batch_size: self.batch_size,
                claim_size: self.claim_size.max(self.batch_size),
                workers: self.workers,
                lease: self.lease,
                poll_interval: self.poll_interval,
                resend_window: self.resend_window,
                report_interval: self.report_interval,
                retain_delivered: self.retain_delivered,
                c: Counters::default(),
                last_error: Mutex::new(None),
            }),
        })
    }
}

/// Sends an [`Outbox`]'s events: claims up to 500 at a time with a lease, sends them on the
/// v2 meter event stream (100 per request, the requests at once) with a session it creates
/// and renews, and marks them delivered.
/// Any number of drainers, in this process or others, on this machine or others, can share
/// one outbox (on Postgres across machines): a claim is theirs alone while its lease lasts,
/// and a claim whose drainer died is taken over when it ends and resent with the same
/// identifiers.
///
/// Run it in the background with [`spawn`](OutboxDrainer::spawn), or drain what is there
/// with [`run_until_empty`](OutboxDrainer::run_until_empty) (a cron job, a test). A health
/// check calls [`health`](OutboxDrainer::health) (or [`lag`](OutboxDrainer::lag),
/// [`queue_depth`](OutboxDrainer::queue_depth)); a spawned drainer also reports them every
/// [`report_interval`](OutboxDrainerBuilder::report_interval) to `tracing` (target
/// `stripe_client::meter::outbox`) and to the client's
/// [`Observer::on_outbox_report`](crate::telemetry::Observer::on_outbox_report).
///
/// Failed requests follow the SDK's retry policy: transient failures (5xx, 409, 429,
/// network, timeouts) give the batch back for a later attempt after the policy's backoff; an
/// expired session is renewed and the batch resent at once; an authentication failure keeps
/// the events and pauses; a refused batch is resent one event at a time and the refused
/// events are dead-lettered ([`DeadLetterReason::Rejected`]).
#[derive(Clone)]
pub struct OutboxDrainer {
    shared: Arc<Shared>,
}

impl fmt::Debug for OutboxDrainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxDrainer")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

struct Shared {
    outbox: Outbox,
    client: Client,
    /// The client's retry policy, rate limits included ([`disposition`]).
    retry: RetryPolicy,
    sessions: SessionCache,
    batch_size: usize,
    claim_size: usize,
    workers: usize,
    lease: Duration,
    request_timeout: Duration,
    poll_interval: Duration,
    resend_window: Duration,
    report_interval: Duration,
    retain_delivered: Option<Duration>,
    c: Counters,
    last_error: Mutex<Option<String>>,
}

#[derive(Default)]
struct Counters {
    claimed: AtomicU64,
    delivered: AtomicU64,
    resent: AtomicU64,
    released: AtomicU64,
    dead_lettered: AtomicU64,
    requests: AtomicU64,
    failed_requests: AtomicU64,
    sessions: AtomicU64,
    last_delivery_ms: AtomicU64,
    consecutive_failures: AtomicU32,
}

/// A drainer's counters since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainerStats {
    /// Events claimed (each claim of an event counts).
    pub claimed: u64,
    /// Events Stripe acknowledged.
    pub delivered: u64,
    /// Events sent again after an earlier attempt (theirs or a crashed drainer's): Stripe
    /// counts each identifier once.
    pub resent: u64,
    /// Events given back for a later attempt after a transient failure.
    pub released: u64,
    /// Events moved to the dead-letter table.
    pub dead_lettered: u64,
    /// Stream requests sent.
    pub requests: u64,
    /// Stream requests that failed.
    pub failed_requests: u64,
    /// Meter event sessions created.
    pub sessions: u64,
}

/// What a health check wants from a drainer ([`OutboxDrainer::health`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainerHealth {
    /// Events not yet delivered, in the whole outbox (every drainer's).
    pub queue_depth: u64,
    /// Of those, events leased right now.
    pub in_flight: u64,
    /// How long the oldest undelivered event has waited since it was recorded.
    pub lag: Option<Duration>,
    /// Events in the dead-letter table.
    pub dead_letters: u64,
    /// When this drainer last had a batch acknowledged (Unix milliseconds).
    pub last_delivery_ms: Option<i64>,
    /// This drainer's last failure, if its last attempt failed.
    pub last_error: Option<String>,
    /// Failures in a row (0 after a success).
    pub consecutive_failures: u32,
    /// This drainer's counters.
    pub stats: DrainerStats,
}

/// What [`OutboxDrainer::run_until_empty`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainReport {
    /// The drainer's counters when the outbox was empty.
    pub stats: DrainerStats,
    /// How long it took.
    pub elapsed: Duration,
}

/// A spawned drainer ([`OutboxDrainer::spawn`]).
#[derive(Debug)]
pub struct DrainerHandle {
    drainer: OutboxDrainer,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl DrainerHandle {
    /// The drainer (for [`health`](OutboxDrainer::health) and its counters).
    pub fn drainer(&self) -> &OutboxDrainer {
        &self.drainer
    }

    /// Stop claiming, let the batches in flight finish (delivered or given back), and
    /// return the counters. Events not yet claimed stay in the outbox for the next drainer.
    pub async fn shutdown(self) -> DrainerStats {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.drainer.stats()
    }
}

/// What one claim-and-send cycle did.
enum Cycle {
    /// Nothing was claimable.
    Idle,
    /// A batch was handled (delivered, dead-lettered or given back).
    Progress,
    /// The batch (or the store) failed transiently: wait this long before the next claim.
    Pause(Duration),
    /// Sending cannot work until someone fixes something (authentication, configuration):
    /// the events were given back.
    Halt(Error),
}

/// How the drainer treats a failed stream request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Disposition {
    /// The session expired: renew it and resend at once.
    RenewSession,
    /// Try again later. `received` says whether Stripe may have received the batch.
    Retry { maybe_received: bool },
    /// Authentication or configuration: keep the events, pause, report.
    Halt,
    /// Stripe refused the batch for what is in it.
    Reject,
}

/// The drainer's one use of the SDK's retry policy: the client's
/// [`RetryPolicy`] with [`retry_rate_limited`](RetryPolicy::retry_rate_limited) on, as the
/// [`MeterEventSender`](crate::meter::MeterEventSender) uses it (a background sender waits
/// out a rate limit). The policy says whether a failure can heal; the drainer keeps its own
/// budget (the lease and the de-duplication window) and its backoff ([`pause_after`]).
fn disposition(err: &Error, policy: &RetryPolicy) -> Disposition {
    if matches!(err, Error::SessionExpired(_)) {
        return Disposition::RenewSession;
    }
    if policy.is_retryable(&Attempt::new(1, err)) {
        return Disposition::Retry {
            maybe_received: !definitely_not_received(err),
        };
    }
    match err {
        Error::Api(e) if e.status == 401 || e.status == 403 => Disposition::Halt,
        Error::Config(_) | Error::InvalidKey(_) => Disposition::Halt,
        Error::Api(_) => Disposition::Reject,
        // Not sent at all (an unencodable request), or a failure the policy does not retry:
        // keep the events rather than lose them.
        _ => Disposition::Halt,
    }
}

/// `true` when the request certainly did not count: Stripe answered a 4xx (it processes
/// nothing of a refused request) other than 408 and 409, or it was never sent.
fn definitely_not_received(err: &Error) -> bool {
    match err {
        Error::Api(e) | Error::SessionExpired(e) => {
            (400..500).contains(&e.status) && e.status != 408 && e.status != 409
        }
        Error::Validation(_) | Error::Guard(_) | Error::Config(_) | Error::InvalidKey(_) => true,
        _ => false,
    }
}

/// The pause before trying again after `failures` failures in a row: the retry policy's
/// backoff ([`retry::backoff`]: 0.5 s doubling to 5 s, jittered).
fn pause_after(failures: u32) -> Duration {
    retry::backoff(failures.max(1), crate::random::unit_f64())
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl OutboxDrainer {
    /// This drainer's counters.
    pub fn stats(&self) -> DrainerStats {
        let c = &self.shared.c;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        DrainerStats {
            claimed: l(&c.claimed),
            delivered: l(&c.delivered),
            resent: l(&c.resent),
            released: l(&c.released),
            dead_lettered: l(&c.dead_lettered),
            requests: l(&c.requests),
            failed_requests: l(&c.failed_requests),
            sessions: l(&c.sessions),
        }
    }

    /// Queue depth, lag and dead letters of the outbox, and this drainer's recent success or
    /// failure: what a health check reports (one query on the store).
    pub async fn health(&self) -> Result<DrainerHealth, Error> {
        let s = self.shared.outbox.stats().await?;
        let c = &self.shared.c;
        let last = c.last_delivery_ms.load(Ordering::Relaxed);
        Ok(DrainerHealth {
            queue_depth: s.pending,
            in_flight: s.in_flight,
            lag: s.lag,
            dead_letters: s.dead_letters,
            last_delivery_ms: (last > 0).then(|| i64::try_from(last).unwrap_or(i64::MAX)),
            last_error: self.shared.last_error.lock().ok().and_then(|g| g.clone()),
            consecutive_failures: c.consecutive_failures.load(Ordering::Relaxed),
            stats: self.stats(),
        })
    }

    /// Events not yet delivered.
    pub async fn queue_depth(&self) -> Result<u64, Error> {
        Ok(self.shared.outbox.stats().await?.pending)
    }

    /// How long the oldest undelivered event has waited (`None` when none waits).
    pub async fn lag(&self) -> Result<Option<Duration>, Error> {
        Ok(self.shared.outbox.stats().await?.lag)
    }

    /// One claim-and-send cycle: claims up to a claim's worth of events, sends them, records
    /// the outcome.
    /// Returns the number of events claimed (0 when nothing was claimable).
    pub async fn drain_once(&self) -> Result<usize, Error> {
        let before = self.shared.c.claimed.load(Ordering::Relaxed);
        match self.shared.cycle().await? {
            Cycle::Halt(e) => Err(e),
            _ => Ok((self.shared.c.claimed.load(Ordering::Relaxed) - before) as usize),
        }
    }

    /// Send until nothing is left undelivered: every event delivered or dead-lettered,
    /// including events leased by a drainer that died (this waits for their leases to end)
    /// and events waiting to be retried. Runs this drainer's workers concurrently.
    ///
    /// Returns an error when sending cannot work (authentication, configuration, a store
    /// that is corrupt or full); transient failures are retried. Wrap it in a timeout if
    /// Stripe may be unreachable for long.
    pub async fn run_until_empty(&self) -> Result<DrainReport, Error> {
        let started = std::time::Instant::now();
        let loops = (0..self.shared.workers).map(|_| {
            let shared = self.shared.clone();
            async move { shared.until_empty().await }
        });
        for r in futures_util::future::join_all(loops).await {
            r?;
        }
        Ok(DrainReport {
            stats: self.stats(),
            elapsed: started.elapsed(),
        })
    }

    /// Run in the background (Tokio tasks: the workers and a reporter that also prunes
    /// delivered events) until [`DrainerHandle::shutdown`]. Must be called inside a Tokio
    /// runtime.
    pub fn spawn(self) -> DrainerHandle {
        let (stop, rx) = watch::channel(false);
        let mut tasks = Vec::with_capacity(self.shared.workers + 1);
        for _ in 0..self.shared.workers {
            tasks.push(tokio::spawn(self.shared.clone().work(rx.clone())));
        }
        tasks.push(tokio::spawn(self.shared.clone().report_loop(rx)));
        DrainerHandle {
            drainer: self,
            stop,
            tasks,
        }
    }
}

impl Shared {
    fn note_error(&self, e: &dyn fmt::Display) {
        let n = self.c.consecutive_failures.fetch_add(1, Ordering::Relaxed) + 1;
        let text = e.to_string();
        tracing::warn!(
            target: "stripe_client::meter::outbox",
            error = %text,
            consecutive_failures = n,
            "meter outbox drainer: attempt failed"
        );
        if let Ok(mut g) = self.last_error.lock() {
            *g = Some(text);
        }
    }

    fn note_success(&self) {
        self.c.consecutive_failures.store(0, Ordering::Relaxed);
        if let Ok(mut g) = self.last_error.lock() {
            *g = None;
        }
    }

    /// Workers of a spawned drainer: cycles until told to stop.
    async fn work(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            let wait = match self.cycle().await {
                Ok(Cycle::Progress) => continue,
                Ok(Cycle::Idle) => None,
                Ok(Cycle::Pause(d)) => Some(d),
                Ok(Cycle::Halt(e)) => {
                    tracing::error!(
                        target: "stripe_client::meter::outbox",
                        error = %e,
                        "meter outbox drainer cannot send; the events stay in the outbox"
                    );
                    Some(retry::MAX_BACKOFF)
                }
                Err(e) => {
                    self.note_error(&e);
                    Some(pause_after(
                        self.c.consecutive_failures.load(Ordering::Relaxed),
                    ))
                }
            };
            let wait_for = async {
                match wait {
                    Some(d) => tokio::time::sleep(d).await,
                    None => self.outbox.wait_recorded(self.poll_interval).await,
                }
            };
            tokio::select! {
                () = wait_for => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// One worker of `run_until_empty`.
    async fn until_empty(&self) -> Result<(), Error> {
        loop {
            match self.cycle().await {
                Ok(Cycle::Progress) => continue,
                Ok(Cycle::Pause(d)) => tokio::time::sleep(d).await,
                Ok(Cycle::Halt(e)) => return Err(e),
                Ok(Cycle::Idle) => {
                    let now = now_ms(self.outbox.clock());
                    let c = db::counts(self.outbox.store(), now).await?;
                    if c.pending == 0 {
                        return Ok(());
                    }
                    self.outbox.wait_recorded(self.poll_interval).await;
                }
                Err(Error::Store(e)) if e.is_transient() => {
                    self.note_error(&e);
                    tokio::time::sleep(pause_after(
                        self.c.consecutive_failures.load(Ordering::Relaxed),
                    ))
                    .await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The reporter of a spawned drainer: queue depth and lag to tracing and the observer,
    /// and pruning of old delivered events.
    async fn report_loop(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            tokio::select! {
                () = tokio::time::sleep(self.report_interval) => {}
                _ = stop.changed() => break,
            }
            self.report().await;
            if let Some(keep) = self.retain_delivered {
                if let Err(e) = self.outbox.prune_delivered(keep).await {
                    tracing::warn!(target: "stripe_client::meter::outbox", error = %e, "pruning delivered meter events failed");
                }
            }
        }
    }

    async fn report(&self) {
        let s = match self.outbox.stats().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(target: "stripe_client::meter::outbox", error = %e, "meter outbox: cannot read queue depth");
                return;
            }
        };
        let c = &self.c;
        let report = OutboxReport {
            queue_depth: s.pending,
            in_flight: s.in_flight,
            lag: s.lag,
            dead_letters: s.dead_letters,
            delivered: c.delivered.load(Ordering::Relaxed),
            resent: c.resent.load(Ordering::Relaxed),
            dead_lettered: c.dead_lettered.load(Ordering::Relaxed),
            consecutive_failures: c.consecutive_failures.load(Ordering::Relaxed),
        };
        tracing::info!(
            target: "stripe_client::meter::outbox",
            queue_depth = report.queue_depth,
            in_flight = report.in_flight,
            lag_ms = report.lag.map_or(0, |d| d.as_millis() as u64),
            dead_letters = report.dead_letters,
            delivered = report.delivered,
            resent = report.resent,
            consecutive_failures = report.consecutive_failures,
            "meter outbox"
        );
        if let Some(o) = self.client.observer() {
            o.on_outbox_report(&report);
        }
    }

    /// Claim a batch and deal with it.
    async fn cycle(&self) -> Result<Cycle, Error> {
        let clock = self.outbox.clock();
        let now = now_ms(clock);
        let token = crate::random::uuid_v4().simple().to_string();
        let rows = db::claim(
            self.outbox.store(),
            now,
            self.claim_size as i64,
            &token,
            now.saturating_add(ms(self.lease)),
        )
        .await?;
        if rows.is_empty() {
            return Ok(Cycle::Idle);
        }
        self.c
            .claimed
            .fetch_add(rows.len() as u64, Ordering::Relaxed);
        // Events that must not be sent.
        let mut too_old = Vec::new();
        let mut unknown = Vec::new();
        let mut send = Vec::with_capacity(rows.len());
        let window = ms(self.resend_window);
        for r in rows {
            if let Err(g) = guard::check_timestamp("timestamp", r.event_ts, clock) {
                if g.kind == GuardKind::TimestampTooOld {
                    too_old.push((r, g.message));
                    continue;
                }
            }
            if r.prev_unknown.is_some_and(|t| now - t >= window) {
                unknown.push(r);
                continue;
            }
            send.push(r);
        }
        for (r, why) in too_old {
            self.dead(&[r], &token, DeadLetterReason::TimestampTooOld, &why)
                .await?;
        }
        if !unknown.is_empty() {
            let why = format!(
                "an attempt to send it started {} h ago without a known outcome; Stripe \
                 de-duplicates identifiers for 24 h, so a resend now could be counted twice",
                self.resend_window.as_secs() / 3600
            );
            self.dead(&unknown, &token, DeadLetterReason::OutcomeUnknown, &why)
                .await?;
        }
        if send.is_empty() {
            return Ok(Cycle::Progress);
        }
        self.send(send, &token).await
    }

    async fn dead(
        &self,
        rows: &[Claimed],
        token: &str,
        reason: DeadLetterReason,
        detail: &str,
    ) -> Result<(), StoreError> {
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let now = now_ms(self.outbox.clock());
        let n = db::dead_letter(
            self.outbox.store(),
            &seqs,
            token,
            reason.as_str(),
            detail,
            now,
        )
        .await?;
        self.c.dead_lettered.fetch_add(n, Ordering::Relaxed);
        for r in rows {
            tracing::warn!(
                target: "stripe_client::meter::outbox",
                identifier = %r.identifier,
                reason = %reason,
                detail,
                "meter event dead-lettered"
            );
        }
        Ok(())
    }

    /// Send `rows` in requests of up to a batch each, at once; mark every delivered event in
    /// one statement, then deal with the requests that failed.
    async fn send(&self, rows: Vec<Claimed>, token: &str) -> Result<Cycle, Error> {
        let mut chunks = Vec::with_capacity(rows.len().div_ceil(self.batch_size));
        let mut rows = rows.into_iter();
        loop {
            let chunk: Vec<Claimed> = rows.by_ref().take(self.batch_size).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        let sent = futures_util::future::join_all(chunks.into_iter().map(|chunk| async move {
            let result = self.post(&chunk).await;
            (chunk, result)
        }))
        .await;
        let mut delivered = Vec::new();
        let mut failed = Vec::new();
        for (chunk, result) in sent {
            match result {
                Ok(()) => delivered.extend(chunk),
                Err(e) => failed.push((chunk, e)),
            }
        }
        if !delivered.is_empty() {
            self.delivered(&delivered).await?;
        }
        let mut outcome = Cycle::Progress;
        for (chunk, e) in failed {
            outcome = match (outcome, self.failed(chunk, token, e).await?) {
                (Cycle::Halt(e), _) | (_, Cycle::Halt(e)) => Cycle::Halt(e),
                (Cycle::Pause(a), Cycle::Pause(b)) => Cycle::Pause(a.max(b)),
                (Cycle::Pause(d), _) | (_, Cycle::Pause(d)) => Cycle::Pause(d),
                _ => Cycle::Progress,
            };
        }
        Ok(outcome)
    }

    async fn delivered(&self, rows: &[Claimed]) -> Result<(), StoreError> {
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let now = now_ms(self.outbox.clock());
        // (Repeatable: marking delivered twice changes nothing.)
        retry_broken(|| db::ack(self.outbox.store(), &seqs, now)).await?;
        let resent = rows.iter().filter(|r| r.attempts > 1).count() as u64;
        self.c
            .delivered
            .fetch_add(rows.len() as u64, Ordering::Relaxed);
        self.c.resent.fetch_add(resent, Ordering::Relaxed);
        self.c
            .last_delivery_ms
            .store(u64::try_from(now).unwrap_or(0), Ordering::Relaxed);
        self.note_success();
        Ok(())
    }

    async fn failed(&self, rows: Vec<Claimed>, token: &str, err: Error) -> Result<Cycle, Error> {
        self.c.failed_requests.fetch_add(1, Ordering::Relaxed);
        match disposition(&err, &self.retry) {
            // (An expired session was renewed and resent once in `post`; a second expiry
            // in a row is transient.)
            Disposition::RenewSession | Disposition::Retry { .. } => {
                let maybe_received = !definitely_not_received(&err);
                self.note_error(&err);
                let failures = self.c.consecutive_failures.load(Ordering::Relaxed);
                let pause = pause_after(failures);
                self.release(&rows, token, pause, &err, !maybe_received)
                    .await?;
                Ok(Cycle::Pause(pause))
            }
            Disposition::Halt => {
                self.note_error(&err);
                self.release(
                    &rows,
                    token,
                    retry::MAX_BACKOFF,
                    &err,
                    definitely_not_received(&err),
                )
                .await?;
                Ok(Cycle::Halt(err))
            }
            Disposition::Reject if rows.len() > 1 => {
                // One refused event refuses its whole batch: find it by sending one by one.
                let mut outcome = Cycle::Progress;
                for r in rows {
                    match self.post(std::slice::from_ref(&r)).await {
                        Ok(()) => self.delivered(std::slice::from_ref(&r)).await?,
                        Err(e) if disposition(&e, &self.retry) == Disposition::Reject => {
                            self.dead(&[r], token, DeadLetterReason::Rejected, &e.to_string())
                                .await?;
                        }
                        Err(e) => {
                            self.note_error(&e);
                            let pause = pause_after(1);
                            self.release(
                                std::slice::from_ref(&r),
                                token,
                                pause,
                                &e,
                                definitely_not_received(&e),
                            )
                            .await?;
                            outcome = Cycle::Pause(pause);
                        }
                    }
                }
                Ok(outcome)
            }
            Disposition::Reject => {
                self.dead(&rows, token, DeadLetterReason::Rejected, &err.to_string())
                    .await?;
                Ok(Cycle::Progress)
            }
        }
    }

    async fn release(
        &self,
        rows: &[Claimed],
        token: &str,
        after: Duration,
        err: &Error,
        not_received: bool,
    ) -> Result<(), StoreError> {
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let at = now_ms(self.outbox.clock()).saturating_add(ms(after));
        db::release(
            self.outbox.store(),
            &seqs,
            token,
            at,
            &err.to_string(),
            not_received,
        )
        .await?;
        self.c
            .released
            .fetch_add(rows.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// One stream request for `rows` (their stored JSON, as recorded), renewing the session
    /// and resending once if it expired.
    async fn post(&self, rows: &[Claimed]) -> Result<(), Error> {
        let mut body =
            Vec::with_capacity(12 + rows.iter().map(|r| r.body.len() + 1).sum::<usize>());
        body.extend_from_slice(b"{\"events\":[");
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(r.body.as_bytes());
        }
        body.extend_from_slice(b"]}");
        let prepared = prepare_stream(body);
        let clock = self.client.clock();
        let mut renewed = false;
        loop {
            let (session, created) = self.sessions.get(&self.client, &*clock).await?;
            if created {
                self.c.sessions.fetch_add(1, Ordering::Relaxed);
            }
            let result = if session.is_expired(&*clock) {
                Err(expired_locally(&session))
            } else {
                let mut opts = session_options(&session, Some(0));
                opts.timeout = Some(self.request_timeout);
                self.c.requests.fetch_add(1, Ordering::Relaxed);
                self.client
                    .execute_prepared(&prepared, &opts)
                    .await
                    .map(|_| ())
            };
            match result {
                Err(Error::SessionExpired(_)) if !renewed => {
                    self.sessions.invalidate(&session.id);
                    renewed = true;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, ApiErrorKind};

    fn api(status: u16) -> Error {
        Error::Api(Box::new(ApiError {
            status,
            // As the pipeline classifies them.
            kind: match status {
                429 => ApiErrorKind::RateLimit,
                409 => ApiErrorKind::Conflict,
                401 => ApiErrorKind::Authentication,
                403 => ApiErrorKind::Permission,
                400 | 404 => ApiErrorKind::InvalidRequest,
                _ => ApiErrorKind::Api,
            },
            error_type: None,
            code: None,
            decline_code: None,
            param: None,
            message: None,
            user_message: None,
            doc_url: None,
            request_id: None,
            request_log_url: None,
            is_v2: true,
            should_retry: None,
            raw: serde_json::Value::Null,
        }))
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::new().retry_rate_limited(true)
    }

    #[test]
    fn dispositions_follow_the_retry_policy() {
        use Disposition::*;
        assert_eq!(
            disposition(&api(500), &policy()),
            Retry {
                maybe_received: true
            }
        );
        assert_eq!(
            disposition(&api(503), &policy()),
            Retry {
                maybe_received: true
            }
        );
        assert_eq!(
            disposition(&api(409), &policy()),
            Retry {
                maybe_received: true
            }
        );
        assert_eq!(
            disposition(&api(429), &policy()),
            Retry {
                maybe_received: false
            }
        );
        assert_eq!(
            disposition(&Error::connection("reset", None), &policy()),
            Retry {
                maybe_received: true
            }
        );
        assert_eq!(
            disposition(&Error::Timeout(Duration::from_secs(1)), &policy()),
            Retry {
                maybe_received: true
            }
        );
        assert_eq!(disposition(&api(401), &policy()), Halt);
        assert_eq!(disposition(&api(403), &policy()), Halt);
        assert_eq!(disposition(&api(400), &policy()), Reject);
        assert_eq!(disposition(&api(404), &policy()), Reject);
        assert_eq!(disposition(&Error::Config("x".into()), &policy()), Halt);
        assert!(definitely_not_received(&api(400)));
        assert!(!definitely_not_received(&api(502)));
    }

    #[test]
    fn pauses_are_the_policy_backoff() {
        for n in 1..10 {
            let p = pause_after(n);
            assert!(p >= retry::MIN_BACKOFF && p <= retry::MAX_BACKOFF);
        }
    }
}
