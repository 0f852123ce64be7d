//! [`MeterEventSender`]: the high-throughput v2 meter event stream pipeline.
//!
//! ```text
//! send() ×N tasks ──► bounded queue ──► batcher (≤100 events or linger) ──► ≤ max_in_flight
//!   guards, UUID       (backpressure)     one JSON body per batch            POSTs with the
//!   identifier                                                               session token
//!                                                                               │
//!   sent ◄── 2xx ─────────────────────────────────────────────────────────────┤
//!   renew session + resend once ◄── SessionExpired                           │
//!   backoff + resend (same identifiers) ◄── what the retry policy retries    │
//!   FailureSink ◄── anything else, or retries exhausted ────────────────────────┘
//! ```

use super::event::MeterEvent;
use super::sessions::{SessionCache, DEFAULT_REFRESH_MARGIN};
use super::stream::{encode_stream_body, post_prepared, prepare_stream};
use crate::clock::Clock;
use crate::retry::{Attempt, Decision, RetryPolicy};
use crate::{Client, Error};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinHandle;

/// An event that could not be delivered, with the error of its last attempt. The event
/// keeps its identifier (generated if it had none), so resending it later is safe.
#[derive(Debug, Clone)]
pub struct FailedEvent {
    /// The event.
    pub event: MeterEvent,
    /// Why its batch failed (shared by the events of one batch).
    pub error: Arc<Error>,
}

/// Receives every event that finally failed. Called from the sender's tasks: keep it quick
/// (push to a channel, a file, a dead-letter queue).
pub trait FailureSink: Send + Sync + 'static {
    /// One failed event.
    fn on_failure(&self, failed: FailedEvent);
}

impl<F: Fn(FailedEvent) + Send + Sync + 'static> FailureSink for F {
    fn on_failure(&self, failed: FailedEvent) {
        self(failed)
    }
}

impl FailureSink for mpsc::UnboundedSender<FailedEvent> {
    fn on_failure(&self, failed: FailedEvent) {
        if let Err(e) = self.send(failed) {
            LogSink.on_failure(e.0);
        }
    }
}

/// The default sink: one `tracing` error per failed event (event name, identifier and
/// error; never the payload).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSink;

impl FailureSink for LogSink {
    fn on_failure(&self, failed: FailedEvent) {
        tracing::error!(
            event_name = failed.event.event_name(),
            identifier = %failed.event.get_identifier().map(|i| i.to_string()).unwrap_or_default(),
            error = %failed.error,
            "meter event not delivered"
        );
    }
}

/// A snapshot of the sender's counters.
///
/// At any time `accepted ≈ queued + in_flight + sent + failed` (the counters are read one
/// by one); at rest (after [`MeterEventSender::flush`]): `accepted == sent + failed`,
/// `queued == 0`, `in_flight == 0`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SenderStats {
    /// Events taken by [`MeterEventSender::send`].
    pub accepted: u64,
    /// Events in a batch the server acknowledged.
    pub sent: u64,
    /// Event resends (each retry of a batch adds its size).
    pub retried: u64,
    /// Events handed to the failure sink.
    pub failed: u64,
    /// Events in requests now in flight (or waiting to retry).
    pub in_flight: u64,
    /// Events accepted and not yet sent: in the queue or in the batch being filled.
    pub queued: u64,
    /// Stream requests sent (attempts).
    pub requests: u64,
    /// Sessions created.
    pub sessions: u64,
}

/// Configures a [`MeterEventSender`].
pub struct MeterEventSenderBuilder {
    client: Client,
    queue_capacity: usize,
    batch_size: usize,
    linger: Duration,
    max_in_flight: usize,
    max_retries: Option<u32>,
    retry: Option<RetryPolicy>,
    refresh_margin: Duration,
    clock: Option<Arc<dyn Clock>>,
    sink: Arc<dyn FailureSink>,
}

impl std::fmt::Debug for MeterEventSenderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeterEventSenderBuilder")
            .field("queue_capacity", &self.queue_capacity)
            .field("batch_size", &self.batch_size)
            .field("linger", &self.linger)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_retries", &self.max_retries)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

impl MeterEventSenderBuilder {
    /// Events the queue holds before `send` waits (default 10,000).
    pub fn queue_capacity(mut self, n: usize) -> Self {
        self.queue_capacity = n;
        self
    }
    /// Events per request, 1 to 100 (default 100).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }
    /// How long a partial batch waits for more events (default 10 ms; at most an hour).
    pub fn linger(mut self, d: Duration) -> Self {
        self.linger = d.min(Duration::from_secs(3600));
        self
    }
    /// Requests in flight at once (default 8).
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n;
        self
    }
    /// Retries of a batch after transient failures (default: the retry policy's).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }
    /// When to resend a batch (default: the client's
    /// [`retry_policy`](crate::Client::retry_policy) with
    /// [`retry_rate_limited`](RetryPolicy::retry_rate_limited) on: a background sender waits
    /// out a rate limit instead of failing the events). [`max_retries`](Self::max_retries),
    /// when set, replaces its budget.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
    /// Renew the session this long before it expires (default 60 s; capped at a third of
    /// the session's lifetime).
    pub fn refresh_margin(mut self, d: Duration) -> Self {
        self.refresh_margin = d;
        self
    }
    /// The clock that paces retries, times session expiry and the timestamp guard
    /// (default: the client's clock). Inject [`ManualClock`](crate::retry::ManualClock)
    /// for zero real backoff and a pinned "now" in tests.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
    /// Where finally failed events go (default [`LogSink`]).
    pub fn failure_sink(mut self, sink: impl FailureSink) -> Self {
        self.sink = Arc::new(sink);
        self
    }

    /// Start the sender. Must be called inside a Tokio runtime (the batcher is a task).
    pub fn build(self) -> Result<MeterEventSender, Error> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::Config("MeterEventSender::build must be called inside a Tokio runtime".into())
        })?;
        if !(1..=super::guard::MAX_STREAM_EVENTS).contains(&self.batch_size) {
            return Err(Error::Config(format!(
                "batch_size must be 1 to 100, not {}",
                self.batch_size
            )));
        }
        if self.queue_capacity == 0 || self.max_in_flight == 0 {
            return Err(Error::Config(
                "queue_capacity and max_in_flight must be positive".into(),
            ));
        }
        let (tx, rx) = mpsc::channel(self.queue_capacity);
        let retry = self
            .retry
            .unwrap_or_else(|| self.client.retry_policy().retry_rate_limited(true));
        let shared = Arc::new(Shared {
            retry: match self.max_retries {
                Some(n) => retry.max_retries(n),
                None => retry,
            },
            clock: self.clock.unwrap_or_else(|| self.client.clock()),
            client: self.client,
            sink: self.sink,
            batch_size: self.batch_size,
            linger: self.linger,
            max_in_flight: self.max_in_flight,
            permits: Arc::new(Semaphore::new(self.max_in_flight)),
            sessions: SessionCache::new(self.refresh_margin),
            closing: AtomicBool::new(false),
            done: Notify::new(),
            batcher: Mutex::new(None),
            c: Counters::default(),
        });
        let task = handle.spawn(batcher(rx, shared.clone()));
        if let Ok(mut g) = shared.batcher.lock() {
            *g = Some(task);
        }
        Ok(MeterEventSender { tx, shared })
    }
}

/// A cloneable handle that many tasks send meter events into. Events are batched (up to
/// 100 per request or a short linger), sent on the v2 meter event stream with a session the
/// sender creates and renews, retried on transient failures with the same identifiers, and
/// handed to a [`FailureSink`] when they finally fail. Nothing is dropped silently: an
/// event is either refused by [`send`](MeterEventSender::send) (the caller gets it back as
/// an error), acknowledged, or given to the sink.
///
/// Call [`shutdown`](MeterEventSender::shutdown) before exiting. If every handle is dropped
/// instead, the queue is still drained and sent by the background tasks, but nobody waits
/// for them: events still in flight when the runtime stops are lost.
///
/// ```no_run
/// use stripe_client::meter::{MeterEvent, MeterEventSender};
/// # async fn f(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
/// let sender = MeterEventSender::builder(client)
///     .failure_sink(|f: stripe_client::meter::FailedEvent| eprintln!("{}: {}", f.event.event_name(), f.error))
///     .build()?;
/// sender.send(MeterEvent::new("api_requests", "cus_123").value(1)).await?;
/// let stats = sender.shutdown().await;
/// assert_eq!(stats.accepted, stats.sent + stats.failed);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MeterEventSender {
    tx: mpsc::Sender<Msg>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for MeterEventSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeterEventSender")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

enum Msg {
    Event(MeterEvent),
    Flush,
    Close,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    sent: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicU64,
    queued: AtomicU64,
    requests: AtomicU64,
    sessions: AtomicU64,
}

struct Shared {
    client: Client,
    clock: Arc<dyn Clock>,
    sink: Arc<dyn FailureSink>,
    batch_size: usize,
    linger: Duration,
    max_in_flight: usize,
    retry: RetryPolicy,
    permits: Arc<Semaphore>,
    sessions: SessionCache,
    closing: AtomicBool,
    done: Notify,
    batcher: Mutex<Option<JoinHandle<()>>>,
    c: Counters,
}

impl MeterEventSender {
    /// A builder sending with `client` (its connection pool, meter-events base URL, secret
    /// key for sessions, backoff and clock).
    pub fn builder(client: Client) -> MeterEventSenderBuilder {
        MeterEventSenderBuilder {
            client,
            queue_capacity: 10_000,
            batch_size: super::guard::MAX_STREAM_EVENTS,
            linger: Duration::from_millis(10),
            max_in_flight: 8,
            max_retries: None,
            retry: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            clock: None,
            sink: Arc::new(LogSink),
        }
    }

    /// Queue one event, waiting while the queue is full (backpressure). The guards run
    /// first; an event without identifier gets a UUID. Errors (the event is not accepted):
    /// [`Error::Validation`] from a guard, or [`Error::Config`] once the sender is shut down.
    pub async fn send(&self, mut event: MeterEvent) -> Result<(), Error> {
        self.admit(&mut event)?;
        self.shared.c.queued.fetch_add(1, Ordering::Relaxed);
        match self.tx.send(Msg::Event(event)).await {
            Ok(()) => {
                self.shared.c.accepted.fetch_add(1, Ordering::AcqRel);
                Ok(())
            }
            Err(_) => {
                self.shared.c.queued.fetch_sub(1, Ordering::Relaxed);
                Err(closed())
            }
        }
    }

    /// Queue one event without waiting; a full queue is an error carrying nothing sent
    /// ([`Error::Config`] "queue full"): retry later or use [`send`](Self::send).
    pub fn try_send(&self, mut event: MeterEvent) -> Result<(), Error> {
        self.admit(&mut event)?;
        self.shared.c.queued.fetch_add(1, Ordering::Relaxed);
        match self.tx.try_send(Msg::Event(event)) {
            Ok(()) => {
                self.shared.c.accepted.fetch_add(1, Ordering::AcqRel);
                Ok(())
            }
            Err(e) => {
                self.shared.c.queued.fetch_sub(1, Ordering::Relaxed);
                Err(match e {
                    mpsc::error::TrySendError::Full(_) => {
                        Error::Config("meter event queue is full; the event was not queued".into())
                    }
                    mpsc::error::TrySendError::Closed(_) => closed(),
                })
            }
        }
    }

    fn admit(&self, event: &mut MeterEvent) -> Result<(), Error> {
        if self.shared.closing.load(Ordering::Acquire) {
            return Err(closed());
        }
        event.check(&*self.shared.clock)?;
        event.ensure_identifier();
        Ok(())
    }

    /// Send everything accepted so far (partial batches included) and wait until each of
    /// those events is acknowledged or in the failure sink.
    pub async fn flush(&self) {
        let target = self.shared.c.accepted.load(Ordering::Acquire);
        let _ = self.tx.send(Msg::Flush).await;
        self.shared.wait_done(target).await;
    }

    /// Stop accepting events, send everything queued, wait for every request, and return
    /// the final counters. Other handles' `send` fails from now on.
    pub async fn shutdown(&self) -> SenderStats {
        if !self.shared.closing.swap(true, Ordering::AcqRel) {
            let _ = self.tx.send(Msg::Close).await;
        }
        let task = self.shared.batcher.lock().ok().and_then(|mut g| g.take());
        if let Some(t) = task {
            let _ = t.await;
        }
        let target = self.shared.c.accepted.load(Ordering::Acquire);
        self.shared.wait_done(target).await;
        self.stats()
    }

    /// The counters now.
    pub fn stats(&self) -> SenderStats {
        let c = &self.shared.c;
        SenderStats {
            accepted: c.accepted.load(Ordering::Acquire),
            sent: c.sent.load(Ordering::Acquire),
            retried: c.retried.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Acquire),
            in_flight: c.in_flight.load(Ordering::Relaxed),
            queued: c.queued.load(Ordering::Relaxed),
            requests: c.requests.load(Ordering::Relaxed),
            sessions: c.sessions.load(Ordering::Relaxed),
        }
    }
}

fn closed() -> Error {
    Error::Config("the meter event sender is shut down; the event was not queued".into())
}

impl Shared {
    async fn wait_done(&self, target: u64) {
        loop {
            let notified = self.done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let done = self.c.sent.load(Ordering::Acquire) + self.c.failed.load(Ordering::Acquire);
            if done >= target {
                return;
            }
            notified.await;
        }
    }

    async fn dispatch(self: &Arc<Self>, batch: Vec<MeterEvent>) {
        if batch.is_empty() {
            return;
        }
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            // The semaphore is never closed; fail loudly rather than drop.
            self.c
                .queued
                .fetch_sub(batch.len() as u64, Ordering::Relaxed);
            let err = Arc::new(Error::Config("meter event sender stopped".into()));
            self.fail(batch, err);
            return;
        };
        let n = batch.len() as u64;
        self.c.in_flight.fetch_add(n, Ordering::Relaxed);
        self.c.queued.fetch_sub(n, Ordering::Relaxed);
        let shared = self.clone();
        tokio::spawn(async move {
            shared.send_batch(batch).await;
            drop(permit);
        });
    }

    fn fail(&self, batch: Vec<MeterEvent>, error: Arc<Error>) {
        self.c
            .failed
            .fetch_add(batch.len() as u64, Ordering::AcqRel);
        for event in batch {
            self.sink.on_failure(FailedEvent {
                event,
                error: error.clone(),
            });
        }
        self.done.notify_waiters();
    }

    async fn send_batch(&self, batch: Vec<MeterEvent>) {
        let n = batch.len() as u64;
        let prepared = match encode_stream_body(&batch) {
            Ok(body) => prepare_stream(body),
            Err(e) => {
                self.c.in_flight.fetch_sub(n, Ordering::Relaxed);
                return self.fail(batch, Arc::new(Error::Validation(e.to_string())));
            }
        };
        let started = self.clock.now();
        let mut retries = 0u32;
        let mut renewed_once = false;
        let result = loop {
            let attempt = match self.sessions.get(&self.client, &*self.clock).await {
                Ok((session, created)) => {
                    if created {
                        self.c.sessions.fetch_add(1, Ordering::Relaxed);
                    }
                    self.c.requests.fetch_add(1, Ordering::Relaxed);
                    post_prepared(&self.client, &session, &prepared, Some(0), &*self.clock)
                        .await
                        .map_err(|e| (e, Some(session)))
                }
                Err(e) => Err((e, None)),
            };
            let (err, session) = match attempt {
                Ok(()) => break Ok(()),
                Err(x) => x,
            };
            // An expired session is dropped and the batch resent at once with a new one,
            // outside the retry budget (once: a new session that expires again is not a
            // failure a resend heals).
            if matches!(err, Error::SessionExpired(_)) {
                if let Some(s) = &session {
                    self.sessions.invalidate(&s.id);
                }
                if !renewed_once {
                    renewed_once = true;
                    self.c.retried.fetch_add(n, Ordering::Relaxed);
                    continue;
                }
            }
            let elapsed = self.clock.now().saturating_duration_since(started);
            match self
                .retry
                .decide(&Attempt::new(retries + 1, &err).elapsed(elapsed))
            {
                Decision::Retry(wait) => {
                    retries += 1;
                    self.c.retried.fetch_add(n, Ordering::Relaxed);
                    self.clock.sleep(wait).await;
                }
                Decision::Stop(_) => break Err(err),
            }
        };
        self.c.in_flight.fetch_sub(n, Ordering::Relaxed);
        match result {
            Ok(()) => {
                self.c.sent.fetch_add(n, Ordering::AcqRel);
                self.done.notify_waiters();
            }
            Err(e) => self.fail(batch, Arc::new(e)),
        }
    }
}

async fn batcher(mut rx: mpsc::Receiver<Msg>, shared: Arc<Shared>) {
    let size = shared.batch_size;
    let mut batch: Vec<MeterEvent> = Vec::with_capacity(size);
    let mut msgs: Vec<Msg> = Vec::with_capacity(size);
    let linger = tokio::time::sleep(shared.linger);
    tokio::pin!(linger);
    let mut armed = false;
    loop {
        let want = size - batch.len();
        let got = tokio::select! {
            biased;
            n = rx.recv_many(&mut msgs, want) => Some(n),
            () = &mut linger, if armed => None,
        };
        match got {
            None => {
                armed = false;
                let full = std::mem::replace(&mut batch, Vec::with_capacity(size));
                shared.dispatch(full).await;
            }
            Some(0) => break,
            Some(_) => {
                let mut flush = false;
                for m in msgs.drain(..) {
                    match m {
                        Msg::Event(e) => batch.push(e),
                        Msg::Flush => flush = true,
                        Msg::Close => {
                            rx.close();
                            flush = true;
                        }
                    }
                }
                if batch.len() >= size || (flush && !batch.is_empty()) {
                    armed = false;
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(size));
                    shared.dispatch(full).await;
                } else if !batch.is_empty() && !armed {
                    armed = true;
                    linger
                        .as_mut()
                        .reset(tokio::time::Instant::now() + shared.linger);
                }
            }
        }
    }
    let rest = std::mem::take(&mut batch);
    shared.dispatch(rest).await;
    // Wait for every request in flight.
    let all = u32::try_from(shared.max_in_flight).unwrap_or(u32::MAX);
    let _ = shared.permits.acquire_many(all).await;
    shared.done.notify_waiters();
}
