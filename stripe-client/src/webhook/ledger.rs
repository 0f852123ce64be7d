//! [`EventLedger`]: each webhook event handled once, however many times Stripe delivers it and
//! however many replicas receive it (features `durable-sqlite`, `durable-postgres`).
//!
//! Stripe delivers an event at least once: a slow answer, a network error or a redelivery
//! from the Dashboard sends it again, maybe to another replica. The ledger keeps one row per
//! event id. [`EventLedger::handle_once`] claims the row with a lease before the handler runs,
//! marks it done when the handler succeeds, and gives it back when the handler fails, so that
//! Stripe's next delivery handles it. A replica that dies mid-handler stops renewing its lease;
//! when the lease ends the next delivery takes the event over. While a lease is live, another
//! delivery of the same event gets [`LedgerError::InProgress`] (answer it with a non-2xx
//! status: Stripe retries later).
//!
//! [`EventLedger::handle_once_in_pg`] and [`EventLedger::handle_once_in_sqlite`] run the
//! handler inside a database transaction that also marks the event done: the handler's own
//! writes commit exactly once, even when a process dies between the handler and the mark.

use super::{Event, EventNotification, V2Event};
use crate::durable::{now_ms, retry_broken, Backend, Store, StoreError, StoreErrorKind};
use crate::retry::{Clock, SystemClock};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

const SQLITE_V1: &str = "
CREATE TABLE stripe_webhook_ledger (
    event_id TEXT PRIMARY KEY,
    event_type TEXT,
    state TEXT NOT NULL,
    lease_token TEXT,
    lease_until INTEGER,
    attempts INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    done_at INTEGER,
    last_error TEXT
);
CREATE INDEX stripe_webhook_ledger_updated ON stripe_webhook_ledger (updated_at);
";

const POSTGRES_V1: &str = "
CREATE TABLE stripe_webhook_ledger (
    event_id TEXT PRIMARY KEY,
    event_type TEXT,
    state TEXT NOT NULL,
    lease_token TEXT,
    lease_until BIGINT,
    attempts BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    done_at BIGINT,
    last_error TEXT
);
CREATE INDEX stripe_webhook_ledger_updated ON stripe_webhook_ledger (updated_at);
";

/// An event the ledger can key: its id (and type, kept for queries).
pub trait LedgerKey {
    /// The event id (`evt_...`).
    fn event_id(&self) -> &str;
    /// The event type, when known.
    fn event_type(&self) -> Option<&str> {
        None
    }
}

impl LedgerKey for Event {
    fn event_id(&self) -> &str {
        &self.id
    }
    fn event_type(&self) -> Option<&str> {
        Some(self.type_.as_str())
    }
}

impl LedgerKey for EventNotification {
    fn event_id(&self) -> &str {
        &self.id
    }
    fn event_type(&self) -> Option<&str> {
        Some(self.type_.as_str())
    }
}

impl LedgerKey for V2Event {
    fn event_id(&self) -> &str {
        &self.id
    }
    fn event_type(&self) -> Option<&str> {
        Some(self.type_.as_str())
    }
}

impl LedgerKey for str {
    fn event_id(&self) -> &str {
        self
    }
}

impl LedgerKey for String {
    fn event_id(&self) -> &str {
        self
    }
}

/// What [`EventLedger::handle_once`] did (both mean: answer Stripe with 2xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled<T> {
    /// The handler ran and succeeded: its output.
    Ran(T),
    /// The event was handled before: the handler did not run.
    AlreadyHandled,
}

impl<T> Handled<T> {
    /// `true` when the handler ran now.
    pub fn ran(&self) -> bool {
        matches!(self, Handled::Ran(_))
    }
    /// The handler's output, when it ran now.
    pub fn into_output(self) -> Option<T> {
        match self {
            Handled::Ran(t) => Some(t),
            Handled::AlreadyHandled => None,
        }
    }
}

/// Why [`EventLedger::handle_once`] did not handle an event (all mean: answer Stripe with a
/// non-2xx status, so that it delivers the event again).
#[derive(Debug)]
#[non_exhaustive]
pub enum LedgerError<E> {
    /// Another delivery of this event is being handled now (its lease is live). Stripe's next
    /// delivery finds it done, or takes it over if that handler failed or died.
    InProgress,
    /// The handler failed; the event is left to be handled again on the next delivery.
    Handler(E),
    /// The handler finished, but its lease had been taken over meanwhile (it ran longer than
    /// the lease while the ledger could not be reached to renew it): another delivery may
    /// handle the event too. With `handle_once_in_*` the handler's writes were rolled back.
    LeaseLost,
    /// The ledger's store failed (before the handler ran, or while marking it done: then the
    /// event is handled again once its lease ends, unless the handler ran in the ledger's
    /// transaction, whose writes were not committed).
    Store(StoreError),
}

impl<E: fmt::Display> fmt::Display for LedgerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::InProgress => {
                f.write_str("the event is being handled by another delivery; retry later")
            }
            LedgerError::Handler(e) => write!(f, "the event handler failed: {e}"),
            LedgerError::LeaseLost => f.write_str(
                "the event handler outlived its lease, which another delivery took over",
            ),
            LedgerError::Store(e) => write!(f, "event ledger: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for LedgerError<E> {}

impl<E> From<StoreError> for LedgerError<E> {
    fn from(e: StoreError) -> Self {
        LedgerError::Store(e)
    }
}

/// The state of an event in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LedgerState {
    /// A handler holds it (its lease may have ended, if that handler died).
    Running,
    /// Handled.
    Done,
    /// The last handler failed; the next delivery handles it.
    Failed,
}

/// An event's row in the ledger ([`EventLedger::entry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// The event id.
    pub event_id: String,
    /// The event type, when it was known.
    pub event_type: Option<String>,
    /// Running, done or failed.
    pub state: LedgerState,
    /// Deliveries that ran the handler (or started to).
    pub attempts: u64,
    /// First seen (Unix milliseconds).
    pub first_seen_ms: i64,
    /// Handled (Unix milliseconds).
    pub done_ms: Option<i64>,
    /// The last handler failure.
    pub last_error: Option<String>,
}

/// Each webhook event handled once, however many times Stripe delivers it and however many
/// replicas receive it: one row per event id, in a [`Store`] (SQLite on one machine,
/// Postgres for a fleet). Cheap to clone.
///
/// [`handle_once`](EventLedger::handle_once) claims the event's row with a lease before the
/// handler runs, marks it done when the handler succeeds, and gives it back when the
/// handler fails, so that Stripe's next delivery handles it. A replica that dies mid-handler
/// stops renewing its lease; when the lease ends, the next delivery takes the event over.
/// While a lease is live, another delivery of the same event gets
/// [`LedgerError::InProgress`] (answer it with a non-2xx status: Stripe retries later).
/// [`handle_once_in_pg`](EventLedger::handle_once_in_pg) and
/// [`handle_once_in_sqlite`](EventLedger::handle_once_in_sqlite) run the handler inside the
/// transaction that marks the event done, so its writes commit exactly once.
///
/// ```no_run
/// use stripe_client::webhook::{EventLedger, Webhook};
/// # async fn f(body: &[u8], header: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let ledger = EventLedger::sqlite("/var/lib/myapp/webhooks.db").await?;
/// let event = Webhook::construct_event(body, header, "whsec_...")?;
/// ledger
///     .handle_once(&event, || async {
///         println!("fulfilling {}", event.id);
///         Ok::<_, std::io::Error>(())
///     })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EventLedger {
    store: Store,
    clock: Arc<dyn Clock>,
    lease: Duration,
}

impl fmt::Debug for EventLedger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLedger")
            .field("store", &self.store)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

fn err(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::from_sqlx(context, e)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A claim on one event.
struct Claim {
    id: String,
    token: String,
}

impl EventLedger {
    /// The ledger in `store`: creates or migrates its table (`stripe_webhook_ledger`).
    /// Leases last 30 s (renewed every 10 s while a handler runs).
    pub async fn open(store: Store) -> Result<EventLedger, StoreError> {
        store
            .migrate("webhook_ledger", &[SQLITE_V1], &[POSTGRES_V1])
            .await?;
        Ok(EventLedger {
            store,
            clock: Arc::new(SystemClock),
            lease: Duration::from_secs(30),
        })
    }

    /// A ledger in the SQLite file at `path` (created when missing).
    #[cfg(feature = "durable-sqlite")]
    pub async fn sqlite(path: impl AsRef<std::path::Path>) -> Result<EventLedger, StoreError> {
        EventLedger::open(Store::sqlite(path).await?).await
    }

    /// A ledger in the Postgres database at `url`.
    #[cfg(feature = "durable-postgres")]
    pub async fn postgres(url: &str) -> Result<EventLedger, StoreError> {
        EventLedger::open(Store::postgres(url).await?).await
    }

    /// How long a handler's claim lasts without renewal (default 30 s, at least 1 s). A
    /// running handler renews it every third of it; a replica that dies holds the event for
    /// at most this long.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_secs(1));
        self
    }

    /// Another clock than the system's (tests).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> i64 {
        now_ms(&*self.clock)
    }

    /// Run `handler` for `event` unless its id was handled before or is being handled now.
    ///
    /// - first delivery, or the previous handler failed or died (its lease ended): the
    ///   handler runs; `Ok(Handled::Ran(output))` and the event is done, or
    ///   `Err(LedgerError::Handler(e))` and the next delivery runs it again;
    /// - already done: `Ok(Handled::AlreadyHandled)`, the handler does not run;
    /// - another delivery holds a live lease: `Err(LedgerError::InProgress)`.
    ///
    /// The lease is renewed while the handler runs. The handler's side effects happen at
    /// least once and, unless a process dies between the handler's end and the ledger's
    /// mark, exactly once; for exactly once with writes to the same database, use
    /// [`handle_once_in_pg`](Self::handle_once_in_pg) or
    /// [`handle_once_in_sqlite`](Self::handle_once_in_sqlite).
    pub async fn handle_once<K, F, Fut, T, E>(
        &self,
        event: &K,
        handler: F,
    ) -> Result<Handled<T>, LedgerError<E>>
    where
        K: LedgerKey + ?Sized,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let claim = match self.claim(event).await? {
            Ok(c) => c,
            Err(already) => return already,
        };
        match self.with_renewal(&claim, handler()).await {
            Ok(out) => {
                if self.finish(&claim).await? {
                    Ok(Handled::Ran(out))
                } else {
                    Err(LedgerError::LeaseLost)
                }
            }
            Err(e) => {
                self.fail(&claim, "the handler returned an error").await;
                Err(LedgerError::Handler(e))
            }
        }
    }

    /// [`dispatch`](super::dispatch) `event` to `handler`'s methods, once per event id:
    /// [`handle_once`](Self::handle_once) around the v1 [`EventHandler`](super::EventHandler).
    ///
    /// ```no_run
    /// # use stripe_client::webhook::{Event, EventHandler, EventLedger};
    /// # struct Shop;
    /// # impl EventHandler for Shop { type Error = std::io::Error; }
    /// # async fn f(ledger: EventLedger, event: Event) -> Result<(), Box<dyn std::error::Error>> {
    /// ledger.dispatch_once(&event, &Shop).await?;
    /// # Ok(()) }
    /// ```
    #[cfg(all(feature = "payments", feature = "billing"))]
    pub async fn dispatch_once<H: super::EventHandler>(
        &self,
        event: &Event,
        handler: &H,
    ) -> Result<Handled<()>, LedgerError<H::Error>> {
        self.handle_once(event, || super::dispatch(event, handler))
            .await
    }

    /// [`handle_once`](Self::handle_once) with the handler inside a Postgres transaction on
    /// the ledger's database, the same transaction that marks the event done. The handler's
    /// writes through the connection it is given commit if and only if the event is marked
    /// handled: a process that dies anywhere leaves neither, and a handler whose lease was
    /// taken over is rolled back ([`LedgerError::LeaseLost`]).
    ///
    /// ```no_run
    /// # use stripe_client::webhook::{EventLedger, Event};
    /// # use stripe_client::durable::sqlx::{self, PgConnection};
    /// # async fn f(ledger: EventLedger, event: Event) -> Result<(), Box<dyn std::error::Error>> {
    /// ledger
    ///     .handle_once_in_pg(&event, async |tx: &mut PgConnection| {
    ///         sqlx::query("UPDATE orders SET paid = true WHERE stripe_event = $1")
    ///             .bind(&event.id)
    ///             .execute(&mut *tx)
    ///             .await
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "durable-postgres")]
    pub async fn handle_once_in_pg<K, F, T, E>(
        &self,
        event: &K,
        handler: F,
    ) -> Result<Handled<T>, LedgerError<E>>
    where
        K: LedgerKey + ?Sized,
        F: AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T, E>,
    {
        let Some(pool) = self.store.pg_pool() else {
            return Err(LedgerError::Store(StoreError::new(
                StoreErrorKind::Config,
                "handle_once_in_pg needs a ledger on Postgres",
            )));
        };
        let claim = match self.claim(event).await? {
            Ok(c) => c,
            Err(already) => return already,
        };
        let result = async {
            let mut tx = pool
                .begin()
                .await
                .map_err(|e| StoreError::from_sqlx("beginning the handler's transaction", e))?;
            match self.with_renewal(&claim, handler(&mut tx)).await {
                Ok(out) => {
                    let marked = sqlx::query(
                        "UPDATE stripe_webhook_ledger SET state = 'done', done_at = $3, \
                         updated_at = $3, lease_token = NULL, lease_until = NULL, \
                         last_error = NULL \
                         WHERE event_id = $1 AND lease_token = $2 AND state = 'running'",
                    )
                    .bind(&claim.id)
                    .bind(&claim.token)
                    .bind(self.now())
                    .execute(&mut *tx)
                    .await
                    .map_err(err("marking a webhook event handled"))?;
                    if marked.rows_affected() != 1 {
                        let _ = tx.rollback().await;
                        return Err(LedgerError::LeaseLost);
                    }
                    tx.commit()
                        .await
                        .map_err(err("committing a webhook event's handler"))?;
                    Ok(Handled::Ran(out))
                }
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(LedgerError::Handler(e))
                }
            }
        }
        .await;
        self.settle_tx(&claim, result).await
    }

    /// [`handle_once_in_pg`](Self::handle_once_in_pg) for a SQLite ledger: the handler runs
    /// in an immediate transaction on the ledger's file (SQLite has one writer at a time:
    /// keep such handlers short).
    #[cfg(feature = "durable-sqlite")]
    pub async fn handle_once_in_sqlite<K, F, T, E>(
        &self,
        event: &K,
        handler: F,
    ) -> Result<Handled<T>, LedgerError<E>>
    where
        K: LedgerKey + ?Sized,
        F: AsyncFnOnce(&mut sqlx::SqliteConnection) -> Result<T, E>,
    {
        let Some(pool) = self.store.sqlite_pool() else {
            return Err(LedgerError::Store(StoreError::new(
                StoreErrorKind::Config,
                "handle_once_in_sqlite needs a ledger on SQLite",
            )));
        };
        let claim = match self.claim(event).await? {
            Ok(c) => c,
            Err(already) => return already,
        };
        let mut conn = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                let e = StoreError::from_sqlx("a connection for the handler's transaction", e);
                return self.settle_tx(&claim, Err(e.into())).await;
            }
        };
        let result = async {
            use sqlx::Connection;
            let mut tx = conn
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(|e| StoreError::from_sqlx("beginning the handler's transaction", e))?;
            match self.with_renewal(&claim, handler(&mut tx)).await {
                Ok(out) => {
                    let marked = sqlx::query(
                        "UPDATE stripe_webhook_ledger SET state = 'done', done_at = ?3, \
                         updated_at = ?3, lease_token = NULL, lease_until = NULL, \
                         last_error = NULL \
                         WHERE event_id = ?1 AND lease_token = ?2 AND state = 'running'",
                    )
                    .bind(&claim.id)
                    .bind(&claim.token)
                    .bind(self.now())
                    .execute(&mut *tx)
                    .await
                    .map_err(err("marking a webhook event handled"))?;
                    if marked.rows_affected() != 1 {
                        let _ = tx.rollback().await;
                        return Err(LedgerError::LeaseLost);
                    }
                    tx.commit()
                        .await
                        .map_err(err("committing a webhook event's handler"))?;
                    Ok(Handled::Ran(out))
                }
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(LedgerError::Handler(e))
                }
            }
        }
        .await;
        if result.is_err() {
            // SQLite may have ended the transaction itself (a full disk, an I/O error): a
            // connection in that state must not go back to the pool (see `sqlite_tx`).
            conn.close_on_drop();
        }
        drop(conn);
        self.settle_tx(&claim, result).await
    }

    /// After a handler ran in the ledger's transaction: a failure other than a lost lease
    /// rolled the handler's writes back, so the event is given back for the next delivery.
    async fn settle_tx<T, E>(
        &self,
        claim: &Claim,
        result: Result<Handled<T>, LedgerError<E>>,
    ) -> Result<Handled<T>, LedgerError<E>> {
        match &result {
            Err(LedgerError::Handler(_)) => self.fail(claim, "the handler returned an error").await,
            Err(LedgerError::Store(e)) => {
                self.fail(claim, &format!("the handler's transaction failed: {e}"))
                    .await
            }
            _ => {}
        }
        result
    }

    /// Poll `handler` to its end while renewing the claim's lease every third of it.
    async fn with_renewal<O>(&self, claim: &Claim, handler: impl Future<Output = O>) -> O {
        let every = self.lease / 3;
        let renew = async {
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = self.renew(claim).await {
                    tracing::warn!(
                        target: "stripe_client::webhook::ledger",
                        event_id = %claim.id,
                        error = %e,
                        "could not renew a webhook event's lease"
                    );
                }
            }
        };
        let handler = std::pin::pin!(handler);
        let renew = std::pin::pin!(renew);
        match futures_util::future::select(handler, renew).await {
            futures_util::future::Either::Left((out, _)) => out,
            // (The renewal loop never ends; should it, the handler still runs to its end.)
            futures_util::future::Either::Right(((), handler)) => handler.await,
        }
    }

    /// Claim `event`: `Ok(claim)` to run the handler, or `Err(outcome)` when it must not run.
    /// A dead pooled connection is replaced and the claim retried (the same token makes that
    /// safe).
    async fn claim<K: LedgerKey + ?Sized, T, E>(
        &self,
        event: &K,
    ) -> Result<Result<Claim, Result<Handled<T>, LedgerError<E>>>, StoreError> {
        let claim = Claim {
            id: event.event_id().to_owned(),
            token: crate::random::uuid_v4().simple().to_string(),
        };
        let kind = event.event_type();
        let won = retry_broken(|| self.try_claim(&claim, kind)).await?;
        if won {
            return Ok(Ok(claim));
        }
        Ok(Err(match self.entry(&claim.id).await? {
            Some(e) if e.state == LedgerState::Done => Ok(Handled::AlreadyHandled),
            _ => Err(LedgerError::InProgress),
        }))
    }

    async fn try_claim(&self, claim: &Claim, kind: Option<&str>) -> Result<bool, StoreError> {
        let now = self.now();
        let until = now.saturating_add(ms(self.lease));
        let n = match &self.store.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(pool) => sqlx::query(
                "INSERT INTO stripe_webhook_ledger (event_id, event_type, state, lease_token, \
                 lease_until, attempts, first_seen_at, updated_at) \
                 VALUES (?1, ?2, 'running', ?3, ?4, 1, ?5, ?5) \
                 ON CONFLICT (event_id) DO UPDATE SET state = 'running', \
                 lease_token = excluded.lease_token, lease_until = excluded.lease_until, \
                 attempts = stripe_webhook_ledger.attempts + 1, updated_at = excluded.updated_at \
                 WHERE stripe_webhook_ledger.state = 'failed' \
                 OR (stripe_webhook_ledger.state = 'running' AND stripe_webhook_ledger.lease_until <= ?5) \
                 OR stripe_webhook_ledger.lease_token = excluded.lease_token",
            )
            .bind(&claim.id)
            .bind(kind)
            .bind(&claim.token)
            .bind(until)
            .bind(now)
            .execute(pool)
            .await
            .map_err(err("claiming a webhook event"))?
            .rows_affected(),
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(pool) => sqlx::query(
                "INSERT INTO stripe_webhook_ledger AS l (event_id, event_type, state, lease_token, \
                 lease_until, attempts, first_seen_at, updated_at) \
                 VALUES ($1, $2, 'running', $3, $4, 1, $5, $5) \
                 ON CONFLICT (event_id) DO UPDATE SET state = 'running', \
                 lease_token = excluded.lease_token, lease_until = excluded.lease_until, \
                 attempts = l.attempts + 1, updated_at = excluded.updated_at \
                 WHERE l.state = 'failed' OR (l.state = 'running' AND l.lease_until <= $5) \
                 OR l.lease_token = excluded.lease_token",
            )
            .bind(&claim.id)
            .bind(kind)
            .bind(&claim.token)
            .bind(until)
            .bind(now)
            .execute(pool)
            .await
            .map_err(err("claiming a webhook event"))?
            .rows_affected(),
        };
        Ok(n == 1)
    }

    async fn renew(&self, claim: &Claim) -> Result<(), StoreError> {
        let now = self.now();
        let until = now.saturating_add(ms(self.lease));
        match &self.store.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(pool) => sqlx::query(
                "UPDATE stripe_webhook_ledger SET lease_until = ?3, updated_at = ?4 \
                 WHERE event_id = ?1 AND lease_token = ?2 AND state = 'running'",
            )
            .bind(&claim.id)
            .bind(&claim.token)
            .bind(until)
            .bind(now)
            .execute(pool)
            .await
            .map_err(err("renewing a webhook event's lease"))?
            .rows_affected(),
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(pool) => sqlx::query(
                "UPDATE stripe_webhook_ledger SET lease_until = $3, updated_at = $4 \
                 WHERE event_id = $1 AND lease_token = $2 AND state = 'running'",
            )
            .bind(&claim.id)
            .bind(&claim.token)
            .bind(until)
            .bind(now)
            .execute(pool)
            .await
            .map_err(err("renewing a webhook event's lease"))?
            .rows_affected(),
        };
        Ok(())
    }

    /// Mark the claim's event done; `false` when the lease was taken over. Retried while the
    /// lease lasts when the store is unreachable.
    async fn finish(&self, claim: &Claim) -> Result<bool, StoreError> {
        let deadline = std::time::Instant::now() + self.lease;
        let mut tries = 0u32;
        loop {
            tries += 1;
            match self.try_finish(claim).await {
                Err(e) if e.is_transient() && std::time::Instant::now() < deadline => {
                    tokio::time::sleep(crate::retry::backoff(tries, crate::random::unit_f64()))
                        .await;
                }
                other => return other,
            }
        }
    }

    async fn try_finish(&self, claim: &Claim) -> Result<bool, StoreError> {
        let now = self.now();
        let n = match &self.store.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(pool) => sqlx::query(
                "UPDATE stripe_webhook_ledger SET state = 'done', done_at = ?3, updated_at = ?3, \
                 lease_token = NULL, lease_until = NULL, last_error = NULL \
                 WHERE event_id = ?1 AND lease_token = ?2 AND state = 'running'",
            )
            .bind(&claim.id)
            .bind(&claim.token)
            .bind(now)
            .execute(pool)
            .await
            .map_err(err("marking a webhook event handled"))?
            .rows_affected(),
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(pool) => sqlx::query(
                "UPDATE stripe_webhook_ledger SET state = 'done', done_at = $3, updated_at = $3, \
                 lease_token = NULL, lease_until = NULL, last_error = NULL \
                 WHERE event_id = $1 AND lease_token = $2 AND state = 'running'",
            )
            .bind(&claim.id)
            .bind(&claim.token)
            .bind(now)
            .execute(pool)
            .await
            .map_err(err("marking a webhook event handled"))?
            .rows_affected(),
        };
        Ok(n == 1)
    }

    /// Give the claim back after a failure: the next delivery handles the event. A store
    /// failure here only delays that until the lease ends.
    async fn fail(&self, claim: &Claim, why: &str) {
        let now = self.now();
        let r = match &self.store.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(pool) => sqlx::query(
                "UPDATE stripe_webhook_ledger SET state = 'failed', lease_token = NULL, \
                 lease_until = NULL, last_error = ?3, updated_at = ?4 \
                 WHERE event_id = ?1 AND lease_token = ?2",
            )
            .bind(&claim.id)
            .bind(&claim.token)
            .bind(why)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(pool) => sqlx::query(
                "UPDATE stripe_webhook_ledger SET state = 'failed', lease_token = NULL, \
                 lease_until = NULL, last_error = $3, updated_at = $4 \
                 WHERE event_id = $1 AND lease_token = $2",
            )
            .bind(&claim.id)
            .bind(&claim.token)
            .bind(why)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
        };
        if let Err(e) = r {
            tracing::warn!(
                target: "stripe_client::webhook::ledger",
                event_id = %claim.id,
                error = %StoreError::from_sqlx("releasing a failed webhook event", e),
                "the event is handled again once its lease ends"
            );
        }
    }

    /// The ledger's row for `event_id`, if any.
    pub async fn entry(&self, event_id: &str) -> Result<Option<LedgerEntry>, StoreError> {
        use sqlx::Row;
        macro_rules! read {
            ($row:expr) => {{
                let Some(r) = $row else { return Ok(None) };
                let e = err("reading a webhook ledger row");
                let state: String = r.try_get(2).map_err(&e)?;
                let attempts: i64 = r.try_get(3).map_err(&e)?;
                Ok(Some(LedgerEntry {
                    event_id: r.try_get(0).map_err(&e)?,
                    event_type: r.try_get(1).map_err(&e)?,
                    state: match state.as_str() {
                        "done" => LedgerState::Done,
                        "failed" => LedgerState::Failed,
                        _ => LedgerState::Running,
                    },
                    attempts: u64::try_from(attempts).unwrap_or(0),
                    first_seen_ms: r.try_get(4).map_err(&e)?,
                    done_ms: r.try_get(5).map_err(&e)?,
                    last_error: r.try_get(6).map_err(&e)?,
                }))
            }};
        }
        match &self.store.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(pool) => read!(sqlx::query(
                "SELECT event_id, event_type, state, attempts, first_seen_at, done_at, last_error \
                 FROM stripe_webhook_ledger WHERE event_id = ?1"
            )
            .bind(event_id)
            .fetch_optional(pool)
            .await
            .map_err(err("reading a webhook ledger row"))?),
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(pool) => read!(sqlx::query(
                "SELECT event_id, event_type, state, attempts, first_seen_at, done_at, last_error \
                 FROM stripe_webhook_ledger WHERE event_id = $1"
            )
            .bind(event_id)
            .fetch_optional(pool)
            .await
            .map_err(err("reading a webhook ledger row"))?),
        }
    }

    /// Delete rows untouched for `older_than` (handled, failed, or abandoned with their lease
    /// long over); returns how many. An event pruned and then delivered again runs its
    /// handler again: keep rows for longer than Stripe redelivers (it retries for up to three
    /// days in live mode, and the Dashboard can resend events up to 30 days old), 30 days or
    /// more.
    pub async fn prune(&self, older_than: Duration) -> Result<u64, StoreError> {
        let cutoff = self.now().saturating_sub(ms(older_than));
        let n = match &self.store.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(pool) => sqlx::query(
                "DELETE FROM stripe_webhook_ledger WHERE updated_at < ?1 \
                 AND (state <> 'running' OR lease_until < ?1)",
            )
            .bind(cutoff)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(pool) => sqlx::query(
                "DELETE FROM stripe_webhook_ledger WHERE updated_at < $1 \
                 AND (state <> 'running' OR lease_until < $1)",
            )
            .bind(cutoff)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
        };
        n.map_err(err("pruning the webhook ledger"))
    }
}

/// axum: a handled event answers 200.
#[cfg(feature = "axum")]
impl<T> axum::response::IntoResponse for Handled<T> {
    fn into_response(self) -> axum::response::Response {
        let text = match self {
            Handled::Ran(_) => "handled",
            Handled::AlreadyHandled => "already handled",
        };
        (axum::http::StatusCode::OK, text).into_response()
    }
}

/// axum: 409 while another delivery handles the event, 500 when the handler failed (or lost
/// its lease), 503 when the ledger is unavailable; Stripe delivers the event again later. The
/// body is a short reason, never the handler's error.
#[cfg(feature = "axum")]
impl<E> axum::response::IntoResponse for LedgerError<E> {
    fn into_response(self) -> axum::response::Response {
        use axum::http::StatusCode;
        let (status, text) = match self {
            LedgerError::InProgress => (
                StatusCode::CONFLICT,
                "event is being handled by another delivery",
            ),
            LedgerError::Handler(_) => (StatusCode::INTERNAL_SERVER_ERROR, "event handler failed"),
            LedgerError::LeaseLost => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "event handler outlived its lease",
            ),
            LedgerError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "event ledger unavailable"),
        };
        (status, text).into_response()
    }
}
