//! [`Outbox`]: meter events stored durably before `record` returns, and sent by
//! [`OutboxDrainer`]s that may crash and may run on several machines.
//!
//! ```text
//! record(event) ── guards ── identifier + timestamp ── INSERT (committed) ──► Ok(identifier)
//! record_in(&mut tx, event) ── INSERT in the app's own transaction (Postgres)
//!
//! OutboxDrainer ×N (tasks, processes, machines)
//!   claim ≤500 rows (lease: token + expiry; Postgres FOR UPDATE SKIP LOCKED)
//!     ├─ timestamp older than 35 days ─────────────────────────────► dead letter
//!     ├─ outcome unknown for longer than the de-duplication window ─► dead letter
//!     └─ POST /v2/billing/meter_event_stream ×5 at once (≤100 each, session token,
//!        the identifiers recorded)
//!          2xx ─► delivered      5xx/429/network ─► released with backoff
//!          expired session ─► renew, resend      400 ─► one by one, refused ones dead-lettered
//! crash anywhere ─► the lease ends ─► another drainer resends with the same identifiers
//! ```
//!
//! Stripe counts an identifier once within its de-duplication window ("We'll enforce
//! uniqueness within a rolling 24 hour period", the stream's `identifier` in the API
//! reference and the pinned spec), so a resend after a crash is counted once. An event
//! whose fate is unknown (sent, no answer) for longer than that window is not resent blindly:
//! it is dead-lettered, and [`Outbox::requeue`] sends it again when you decide to.

mod db;
mod drainer;

/// The durability guide (`guides/metering-durability.md`), compiled so its examples stay
/// correct (with both stores; its axum part with `axum`).
#[cfg(all(
    doctest,
    feature = "durable-sqlite",
    feature = "durable-postgres",
    feature = "payments"
))]
#[doc = include_str!("../../../../guides/metering-durability.md")]
pub struct MeteringDurabilityGuide;

pub use drainer::{
    DrainReport, DrainerHandle, DrainerHealth, DrainerStats, OutboxDrainer, OutboxDrainerBuilder,
};

use super::event::{EventIdentifier, MeterEvent};
use super::stream::encode_stream_event;
use crate::durable::{now_ms, retry_broken, Store, StoreError, StoreErrorKind};
use crate::retry::{Clock, SystemClock};
use crate::{Client, Error};
use db::NewRow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};

/// Stripe's de-duplication window for a meter event's `identifier` on the v2 stream: "We'll
/// enforce uniqueness within a rolling 24 hour period" (the API reference of
/// `POST /v2/billing/meter_event_stream`, `events[].identifier`; the same words in the pinned
/// spec). v1 `POST /v1/billing/meter_events` says "a rolling period of at least 24 hours".
pub const STRIPE_DEDUP_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// How long before the end of [`STRIPE_DEDUP_WINDOW`] the drainer stops resending an event
/// whose outcome is unknown, by default: one hour of margin for clocks and queues.
pub const DEFAULT_RESEND_WINDOW: Duration = Duration::from_secs(23 * 3600);

/// Why an event is in the dead-letter table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeadLetterReason {
    /// Its timestamp is more than 35 days old: Stripe refuses such events
    /// ([`MAX_PAST`](super::guard::MAX_PAST)). Correct the usage with an adjustment or a
    /// credit instead.
    TimestampTooOld,
    /// A request carrying it was sent but its outcome never became known (no answer, 5xx,
    /// a crash), and by now Stripe may have forgotten the identifier: resending could count
    /// it twice. Check the meter's event summaries in Stripe, then [`Outbox::requeue`] it or
    /// leave it.
    OutcomeUnknown,
    /// Stripe refused it (a 4xx other than rate limits, authentication and expired sessions);
    /// the detail has Stripe's message.
    Rejected,
    /// A reason written by a newer version of this crate.
    Other(String),
}

impl DeadLetterReason {
    /// The code stored in the `reason` column.
    pub fn as_str(&self) -> &str {
        match self {
            DeadLetterReason::TimestampTooOld => "timestamp_too_old",
            DeadLetterReason::OutcomeUnknown => "outcome_unknown",
            DeadLetterReason::Rejected => "rejected",
            DeadLetterReason::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "timestamp_too_old" => DeadLetterReason::TimestampTooOld,
            "outcome_unknown" => DeadLetterReason::OutcomeUnknown,
            "rejected" => DeadLetterReason::Rejected,
            other => DeadLetterReason::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for DeadLetterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event in the dead-letter table. `Debug` never shows the payload.
#[derive(Clone)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The event's identifier (kept: a requeued event is sent with it).
    pub identifier: String,
    /// The meter's event name.
    pub event_name: String,
    /// The event's timestamp (Unix seconds).
    pub timestamp: i64,
    /// When it was recorded (Unix milliseconds).
    pub recorded_at_ms: i64,
    /// Claims so far.
    pub attempts: u64,
    /// When its first attempt with an unknown outcome started (Unix milliseconds).
    pub unknown_since_ms: Option<i64>,
    /// Why.
    pub reason: DeadLetterReason,
    /// What happened, in words (Stripe's message for a refusal).
    pub detail: String,
    /// When it was dead-lettered (Unix milliseconds).
    pub dead_at_ms: i64,
    body: String,
}

impl DeadLetter {
    /// The event as the stream receives it (JSON: event name, identifier, payload,
    /// timestamp). It holds the payload: handle it as you would the usage itself.
    pub fn stream_json(&self) -> &str {
        &self.body
    }

    fn from_row(r: db::DeadRow) -> Self {
        DeadLetter {
            identifier: r.identifier,
            event_name: r.event_name,
            timestamp: r.event_ts,
            recorded_at_ms: r.recorded_at,
            attempts: u64::try_from(r.attempts).unwrap_or(0),
            unknown_since_ms: r.unknown_since,
            reason: DeadLetterReason::parse(&r.reason),
            detail: r.detail,
            dead_at_ms: r.dead_at,
            body: r.body,
        }
    }
}

impl fmt::Debug for DeadLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetter")
            .field("identifier", &self.identifier)
            .field("event_name", &self.event_name)
            .field("timestamp", &self.timestamp)
            .field("attempts", &self.attempts)
            .field("reason", &self.reason)
            .field("detail", &self.detail)
            .field("payload", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Where a recorded event is ([`Outbox::status`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventStatus {
    /// Waiting to be sent, or being sent.
    Pending {
        /// Claims so far.
        attempts: u64,
        /// The last failed attempt's error.
        last_error: Option<String>,
    },
    /// Stripe acknowledged it (Unix milliseconds). Kept until pruned.
    Delivered {
        /// When.
        at_ms: i64,
    },
    /// In the dead-letter table.
    DeadLettered(DeadLetter),
}

/// The outbox's queue as a health check sees it ([`Outbox::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OutboxStats {
    /// Events not yet delivered (queue depth), including those being sent.
    pub pending: u64,
    /// Of those, events leased to a drainer right now.
    pub in_flight: u64,
    /// How long the oldest undelivered event has waited since it was recorded (the lag).
    pub lag: Option<Duration>,
    /// Delivered events still kept (until [`Outbox::prune_delivered`]).
    pub delivered_retained: u64,
    /// Events in the dead-letter table.
    pub dead_letters: u64,
}

/// A durable queue of meter events in a [`Store`]: [`record`](Outbox::record) stores an event
/// (guards run first; an identifier and a timestamp are assigned when unset) and returns once
/// it is committed; [`OutboxDrainer`]s send what is stored. Cheap to clone.
///
/// ```no_run
/// use stripe_client::meter::{MeterEvent, Outbox};
/// # async fn f(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
/// let outbox = Outbox::sqlite("/var/lib/myapp/usage.db").await?;
/// let drainer = outbox.drainer(client).build()?.spawn();
/// let id = outbox.record(MeterEvent::new("api_requests", "cus_123").value(1)).await?;
/// println!("stored {id}; lag {:?}", outbox.stats().await?.lag);
/// drainer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    /// SQLite: the task that commits concurrent `record`s together (one fsync for many).
    writer: Option<mpsc::Sender<WriteReq>>,
    /// Woken by every `record` in this process, so idle drainers here start at once.
    recorded: Notify,
}

#[cfg_attr(not(feature = "durable-sqlite"), allow(dead_code))]
struct WriteReq {
    rows: Vec<NewRow>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// The outbox in `store`: creates or migrates its tables
    /// (`stripe_meter_outbox`, `stripe_meter_dead_letter`). Call inside a Tokio runtime.
    pub async fn open(store: Store) -> Result<Outbox, Error> {
        Outbox::open_with_clock(store, SystemClock).await
    }

    /// [`Outbox::open`] with another clock than the system's (record times, leases, the
    /// timestamp guard; tests pin time with [`ManualClock`](crate::retry::ManualClock)).
    pub async fn open_with_clock(store: Store, clock: impl Clock) -> Result<Outbox, Error> {
        store
            .migrate("meter_outbox", &[db::SQLITE_V1], &[db::POSTGRES_V1])
            .await?;
        let writer = match &store.backend {
            #[cfg(feature = "durable-sqlite")]
            crate::durable::Backend::Sqlite(_) => {
                let (tx, rx) = mpsc::channel(1024);
                tokio::spawn(write_loop(store.clone(), rx));
                Some(tx)
            }
            #[cfg(feature = "durable-postgres")]
            crate::durable::Backend::Postgres(_) => None,
        };
        Ok(Outbox {
            inner: Arc::new(Inner {
                store,
                clock: Arc::new(clock),
                writer,
                recorded: Notify::new(),
            }),
        })
    }

    /// An outbox in the SQLite file at `path` (created when missing): [`Store::sqlite`] then
    /// [`Outbox::open`].
    #[cfg(feature = "durable-sqlite")]
    pub async fn sqlite(path: impl AsRef<std::path::Path>) -> Result<Outbox, Error> {
        Outbox::open(Store::sqlite(path).await?).await
    }

    /// An outbox in the Postgres database at `url`: [`Store::postgres`] then
    /// [`Outbox::open`].
    #[cfg(feature = "durable-postgres")]
    pub async fn postgres(url: &str) -> Result<Outbox, Error> {
        Outbox::open(Store::postgres(url).await?).await
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The guards, then an identifier (a UUID when unset) and a timestamp (now, when unset:
    /// the time the usage occurred, as Stripe would otherwise take the time it *receives* the
    /// event), then the row.
    fn prepare(&self, mut event: MeterEvent, now: i64) -> Result<(EventIdentifier, NewRow), Error> {
        event.check(&*self.inner.clock)?;
        let ts = *event.timestamp.get_or_insert(now.div_euclid(1000));
        let id = event.ensure_identifier().clone();
        let body = encode_stream_event(&event).map_err(|e| Error::Validation(e.to_string()))?;
        let row = NewRow {
            identifier: id.to_string(),
            event_name: event.event_name.to_string(),
            body,
            event_ts: ts,
            recorded_at: now,
        };
        Ok((id, row))
    }

    /// Store `event` durably and return its identifier once the store has committed it.
    ///
    /// The guards run first: a refused event is never stored ([`Error::Guard`]). An event
    /// without identifier gets a UUID, one without timestamp gets now; both are stored, so
    /// every resend carries the same identifier and time. Recording an identifier that is
    /// already stored changes nothing and returns it again.
    ///
    /// A store failure is [`Error::Store`] (for example [`StoreErrorKind::Unavailable`] when
    /// the database cannot be reached): the event may not be stored; recording it again with
    /// the same identifier is safe. A pooled connection found dead (after a database restart)
    /// is replaced and the write retried first.
    pub async fn record(&self, event: MeterEvent) -> Result<EventIdentifier, Error> {
        let now = now_ms(&*self.inner.clock);
        let (id, row) = self.prepare(event, now)?;
        self.store_rows(vec![row]).await?;
        Ok(id)
    }

    /// Store several events in one transaction: all or none. Every event's guards run before
    /// anything is stored.
    pub async fn record_many(
        &self,
        events: impl IntoIterator<Item = MeterEvent>,
    ) -> Result<Vec<EventIdentifier>, Error> {
        let now = now_ms(&*self.inner.clock);
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        for e in events {
            let (id, row) = self.prepare(e, now)?;
            ids.push(id);
            rows.push(row);
        }
        self.store_rows(rows).await?;
        Ok(ids)
    }

    /// Store `event` inside your own Postgres transaction (the transactional outbox): it is
    /// sent only if the transaction commits, and never if it rolls back. Pass `&mut tx` (a
    /// [`sqlx::Transaction`](crate::durable::sqlx::Transaction) on Postgres) or any
    /// `&mut PgConnection`; the outbox's tables must be in that database (open the outbox on
    /// the same database first, for example with [`Store::from_pg_pool`] on your app's pool).
    ///
    /// ```no_run
    /// use stripe_client::durable::sqlx;
    /// use stripe_client::meter::{MeterEvent, Outbox};
    /// # async fn f(outbox: Outbox, pool: sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut tx = pool.begin().await?;
    /// sqlx::query("UPDATE jobs SET done = true WHERE id = $1").bind(42).execute(&mut *tx).await?;
    /// outbox.record_in(&mut tx, MeterEvent::new("jobs", "cus_123").value(1)).await?;
    /// tx.commit().await?; // the usage and the job commit together
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "durable-postgres")]
    pub async fn record_in(
        &self,
        conn: &mut sqlx::PgConnection,
        event: MeterEvent,
    ) -> Result<EventIdentifier, Error> {
        if self.inner.store.kind() != crate::durable::StoreKind::Postgres {
            return Err(StoreError::new(
                StoreErrorKind::Config,
                "record_in writes to Postgres: open this outbox on the same Postgres database",
            )
            .into());
        }
        let now = now_ms(&*self.inner.clock);
        let (id, row) = self.prepare(event, now)?;
        db::insert_pg(conn, std::slice::from_ref(&row)).await?;
        self.inner.recorded.notify_waiters();
        Ok(id)
    }

    async fn store_rows(&self, rows: Vec<NewRow>) -> Result<(), Error> {
        // Safe to repeat: a row whose identifier is stored already is left as it is.
        retry_broken(|| self.write(rows.clone())).await?;
        self.inner.recorded.notify_waiters();
        Ok(())
    }

    async fn write(&self, rows: Vec<NewRow>) -> Result<(), StoreError> {
        let Some(writer) = &self.inner.writer else {
            return db::insert(&self.inner.store, &rows).await;
        };
        let stopped = || {
            StoreError::new(
                StoreErrorKind::Unavailable,
                "the outbox's writer task has stopped (its runtime shut down)",
            )
        };
        let (done, wait) = oneshot::channel();
        writer
            .send(WriteReq { rows, done })
            .await
            .map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?
    }

    /// Queue depth, events in flight, lag, delivered rows kept and dead letters.
    pub async fn stats(&self) -> Result<OutboxStats, Error> {
        let now = now_ms(&*self.inner.clock);
        let c = db::counts(&self.inner.store, now).await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(OutboxStats {
            pending: n(c.pending),
            in_flight: n(c.leased),
            lag: c
                .oldest_recorded_at
                .map(|t| Duration::from_millis(n(now - t))),
            delivered_retained: n(c.delivered),
            dead_letters: n(c.dead),
        })
    }

    /// Up to `limit` dead letters (all reasons, or only `reason`), ordered by identifier,
    /// after identifier `after` (pass the last one seen to page).
    pub async fn dead_letters(
        &self,
        reason: Option<&DeadLetterReason>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeadLetter>, Error> {
        let rows = db::dead_letters(
            &self.inner.store,
            reason.map(DeadLetterReason::as_str),
            after,
            i64::from(limit),
        )
        .await?;
        Ok(rows.into_iter().map(DeadLetter::from_row).collect())
    }

    /// Put these dead letters back into the outbox, to be sent now with their identifiers
    /// (attempts and unknown-outcome time reset). Returns how many were found.
    ///
    /// A requeued [`DeadLetterReason::OutcomeUnknown`] event is counted twice by Stripe if
    /// the first attempt did reach it: check first. A [`DeadLetterReason::TimestampTooOld`]
    /// one comes straight back.
    pub async fn requeue<S: AsRef<str>>(&self, identifiers: &[S]) -> Result<u64, Error> {
        let ids: Vec<String> = identifiers.iter().map(|s| s.as_ref().to_owned()).collect();
        let now = now_ms(&*self.inner.clock);
        let n = db::requeue(&self.inner.store, Some(&ids), None, now).await?;
        self.inner.recorded.notify_waiters();
        Ok(n)
    }

    /// Requeue every dead letter, or every one with `reason` (see [`Outbox::requeue`]).
    pub async fn requeue_all(&self, reason: Option<&DeadLetterReason>) -> Result<u64, Error> {
        let now = now_ms(&*self.inner.clock);
        let n = db::requeue(
            &self.inner.store,
            None,
            reason.map(DeadLetterReason::as_str),
            now,
        )
        .await?;
        self.inner.recorded.notify_waiters();
        Ok(n)
    }

    /// Delete delivered events delivered more than `older_than` ago; returns how many.
    /// (Drainers do this themselves, see
    /// [`OutboxDrainerBuilder::retain_delivered`].)
    pub async fn prune_delivered(&self, older_than: Duration) -> Result<u64, Error> {
        let cutoff = now_ms(&*self.inner.clock)
            .saturating_sub(i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX));
        Ok(db::prune_delivered(&self.inner.store, cutoff).await?)
    }

    /// Where the event with `identifier` is: pending, delivered (until pruned), dead-lettered,
    /// or `None` (never recorded, or pruned).
    pub async fn status(&self, identifier: &str) -> Result<Option<EventStatus>, Error> {
        Ok(match db::find(&self.inner.store, identifier).await? {
            None => None,
            Some(db::Where::Outbox {
                delivered_at: Some(at),
                ..
            }) => Some(EventStatus::Delivered { at_ms: at }),
            Some(db::Where::Outbox {
                attempts,
                last_error,
                ..
            }) => Some(EventStatus::Pending {
                attempts: u64::try_from(attempts).unwrap_or(0),
                last_error,
            }),
            Some(db::Where::Dead(r)) => Some(EventStatus::DeadLettered(DeadLetter::from_row(r))),
        })
    }

    /// A drainer sending this outbox's events with `client` (its meter-events base URL,
    /// secret key for sessions, observer and tracing).
    pub fn drainer(&self, client: Client) -> OutboxDrainerBuilder {
        OutboxDrainerBuilder::new(self.clone(), client)
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.inner.clock
    }

    /// Wait until a `record` in this process stores something, or `timeout` passes.
    pub(crate) async fn wait_recorded(&self, timeout: Duration) {
        let notified = self.inner.recorded.notified();
        let _ = tokio::time::timeout(timeout, notified).await;
    }
}

/// SQLite's group commit: every `record` waiting when a commit starts goes into it, so many
/// concurrent records share one transaction and one flush. A failed commit fails every
/// record in it (none of their rows is stored).
#[cfg(feature = "durable-sqlite")]
async fn write_loop(store: Store, mut rx: mpsc::Receiver<WriteReq>) {
    let mut reqs = Vec::with_capacity(256);
    while rx.recv_many(&mut reqs, 256).await > 0 {
        let rows: Vec<NewRow> = reqs
            .iter_mut()
            .flat_map(|r| std::mem::take(&mut r.rows))
            .collect();
        let result = db::insert(&store, &rows).await;
        for r in reqs.drain(..) {
            let _ = r.done.send(result.clone());
        }
    }
}
