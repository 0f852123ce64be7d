//! The outbox's tables and every statement on them, for SQLite and for Postgres side by side.
//!
//! One row per event in `stripe_meter_outbox` until it is delivered (then kept, with
//! `delivered_at`, until pruned); `stripe_meter_dead_letter` holds what will not be sent. A
//! claim is a lease written into the row: `lease_owner` (one token per claim) and
//! `available_at` pushed to the lease's end, so that "claimable" is simply "not delivered and
//! `available_at <= now`", one range of one partial index; a drainer that dies leaves rows
//! that become claimable again when the lease ends. `unknown_since` is when the first attempt
//! whose outcome is unknown started (set by the claim, before anything is sent, and put back
//! by a release that knows Stripe did not receive the batch); `prev_unknown_since` keeps its
//! value from before the claim for that release.

#[cfg(feature = "durable-sqlite")]
use crate::durable::sqlite_tx;
use crate::durable::{Backend, Store, StoreError};

/// Version 1 of the SQLite tables.
pub(super) const SQLITE_V1: &str = "
CREATE TABLE stripe_meter_outbox (
    seq INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    event_name TEXT NOT NULL,
    body TEXT NOT NULL,
    event_ts INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    available_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    unknown_since INTEGER,
    prev_unknown_since INTEGER,
    last_error TEXT,
    delivered_at INTEGER
);
CREATE INDEX stripe_meter_outbox_ready ON stripe_meter_outbox (available_at, seq)
    WHERE delivered_at IS NULL;
CREATE INDEX stripe_meter_outbox_delivered ON stripe_meter_outbox (delivered_at)
    WHERE delivered_at IS NOT NULL;
CREATE TABLE stripe_meter_dead_letter (
    identifier TEXT PRIMARY KEY,
    event_name TEXT NOT NULL,
    body TEXT NOT NULL,
    event_ts INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    unknown_since INTEGER,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    dead_at INTEGER NOT NULL
);
";

/// Version 1 of the Postgres tables.
pub(super) const POSTGRES_V1: &str = "
CREATE TABLE stripe_meter_outbox (
    seq BIGSERIAL PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    event_name TEXT NOT NULL,
    body TEXT NOT NULL,
    event_ts BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    available_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    unknown_since BIGINT,
    prev_unknown_since BIGINT,
    last_error TEXT,
    delivered_at BIGINT
);
CREATE INDEX stripe_meter_outbox_ready ON stripe_meter_outbox (available_at, seq)
    WHERE delivered_at IS NULL;
CREATE INDEX stripe_meter_outbox_delivered ON stripe_meter_outbox (delivered_at)
    WHERE delivered_at IS NOT NULL;
CREATE TABLE stripe_meter_dead_letter (
    identifier TEXT PRIMARY KEY,
    event_name TEXT NOT NULL,
    body TEXT NOT NULL,
    event_ts BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    unknown_since BIGINT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    dead_at BIGINT NOT NULL
);
";

/// An event to store.
#[derive(Debug, Clone)]
pub(crate) struct NewRow {
    pub identifier: String,
    pub event_name: String,
    pub body: String,
    pub event_ts: i64,
    pub recorded_at: i64,
}

/// A claimed row.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub seq: i64,
    pub identifier: String,
    pub body: String,
    pub event_ts: i64,
    /// Attempts including this claim.
    pub attempts: i64,
    /// `unknown_since` before this claim.
    pub prev_unknown: Option<i64>,
}

/// Counts for [`super::OutboxStats`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub pending: i64,
    pub leased: i64,
    pub oldest_recorded_at: Option<i64>,
    pub delivered: i64,
    pub dead: i64,
}

/// A dead-lettered row.
#[derive(Debug, Clone)]
pub(crate) struct DeadRow {
    pub identifier: String,
    pub event_name: String,
    pub body: String,
    pub event_ts: i64,
    pub recorded_at: i64,
    pub attempts: i64,
    pub unknown_since: Option<i64>,
    pub reason: String,
    pub detail: String,
    pub dead_at: i64,
}

/// Where an event is.
#[derive(Debug, Clone)]
pub(crate) enum Where {
    Outbox {
        delivered_at: Option<i64>,
        attempts: i64,
        last_error: Option<String>,
    },
    Dead(DeadRow),
}

fn err(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::from_sqlx(context, e)
}

#[cfg(feature = "durable-sqlite")]
fn json_ids<T: ToString>(ids: &[T]) -> String {
    let mut s = String::with_capacity(ids.len() * 8 + 2);
    s.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    s.push(']');
    s
}

#[cfg(feature = "durable-sqlite")]
fn json_strings(ids: &[String]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

#[cfg(feature = "durable-sqlite")]
const SQLITE_INSERT: &str = "INSERT INTO stripe_meter_outbox \
    (identifier, event_name, body, event_ts, recorded_at, available_at) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (identifier) DO NOTHING";

/// Store `rows` in one transaction (SQLite: `BEGIN IMMEDIATE`, so the write lock is taken
/// up front and the busy timeout applies). A row whose identifier is already stored is left
/// as it is.
pub(crate) async fn insert(store: &Store, rows: &[NewRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => {
            sqlite_tx(
                pool,
                "recording meter events",
                async |tx: &mut sqlx::SqliteConnection| {
                    for r in rows {
                        sqlx::query(SQLITE_INSERT)
                            .bind(&r.identifier)
                            .bind(&r.event_name)
                            .bind(&r.body)
                            .bind(r.event_ts)
                            .bind(r.recorded_at)
                            .execute(&mut *tx)
                            .await
                            .map_err(err("recording meter events"))?;
                    }
                    Ok(())
                },
            )
            .await
        }
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => {
            let mut conn = pool
                .acquire()
                .await
                .map_err(err("recording meter events (connection)"))?;
            insert_pg(&mut conn, rows).await
        }
    }
}

/// Store `rows` on a Postgres connection (or inside a transaction on it): one statement.
#[cfg(feature = "durable-postgres")]
pub(crate) async fn insert_pg(
    conn: &mut sqlx::PgConnection,
    rows: &[NewRow],
) -> Result<(), StoreError> {
    if let [r] = rows {
        sqlx::query(
            "INSERT INTO stripe_meter_outbox \
             (identifier, event_name, body, event_ts, recorded_at, available_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (identifier) DO NOTHING",
        )
        .bind(&r.identifier)
        .bind(&r.event_name)
        .bind(&r.body)
        .bind(r.event_ts)
        .bind(r.recorded_at)
        .execute(conn)
        .await
        .map_err(err("recording a meter event"))?;
        return Ok(());
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut names = Vec::with_capacity(rows.len());
    let mut bodies = Vec::with_capacity(rows.len());
    let mut ts = Vec::with_capacity(rows.len());
    let mut at = Vec::with_capacity(rows.len());
    for r in rows {
        ids.push(r.identifier.as_str());
        names.push(r.event_name.as_str());
        bodies.push(r.body.as_str());
        ts.push(r.event_ts);
        at.push(r.recorded_at);
    }
    sqlx::query(
        "INSERT INTO stripe_meter_outbox \
         (identifier, event_name, body, event_ts, recorded_at, available_at) \
         SELECT i, n, b, t, a, a FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[]) \
         AS r(i, n, b, t, a) ON CONFLICT (identifier) DO NOTHING",
    )
    .bind(&ids)
    .bind(&names)
    .bind(&bodies)
    .bind(&ts)
    .bind(&at)
    .execute(conn)
    .await
    .map_err(err("recording meter events"))?;
    Ok(())
}

/// Claim up to `limit` rows available at `now`: lease them to `token` until `lease_until`.
pub(crate) async fn claim(
    store: &Store,
    now: i64,
    limit: i64,
    token: &str,
    lease_until: i64,
) -> Result<Vec<Claimed>, StoreError> {
    macro_rules! rows {
        ($rows:expr) => {{
            use sqlx::Row;
            let mut out = Vec::with_capacity($rows.len());
            for r in $rows {
                out.push(Claimed {
                    seq: r.try_get(0).map_err(err("reading claimed rows"))?,
                    identifier: r.try_get(1).map_err(err("reading claimed rows"))?,
                    body: r.try_get(2).map_err(err("reading claimed rows"))?,
                    event_ts: r.try_get(3).map_err(err("reading claimed rows"))?,
                    attempts: r.try_get(4).map_err(err("reading claimed rows"))?,
                    prev_unknown: r.try_get(5).map_err(err("reading claimed rows"))?,
                });
            }
            out.sort_by_key(|c: &Claimed| c.seq);
            out
        }};
    }
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => {
            let rows = sqlx::query(
                "UPDATE stripe_meter_outbox SET lease_owner = ?3, available_at = ?4, \
                 attempts = attempts + 1, prev_unknown_since = unknown_since, \
                 unknown_since = COALESCE(unknown_since, ?1) \
                 WHERE seq IN (SELECT seq FROM stripe_meter_outbox \
                   WHERE delivered_at IS NULL AND available_at <= ?1 \
                   ORDER BY available_at, seq LIMIT ?2) \
                 RETURNING seq, identifier, body, event_ts, attempts, prev_unknown_since",
            )
            .bind(now)
            .bind(limit)
            .bind(token)
            .bind(lease_until)
            .fetch_all(pool)
            .await
            .map_err(err("claiming meter events"))?;
            Ok(rows!(rows))
        }
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => {
            let rows = sqlx::query(
                "WITH c AS (SELECT seq FROM stripe_meter_outbox \
                   WHERE delivered_at IS NULL AND available_at <= $1 \
                   ORDER BY available_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED) \
                 UPDATE stripe_meter_outbox o SET lease_owner = $3, available_at = $4, \
                 attempts = o.attempts + 1, prev_unknown_since = o.unknown_since, \
                 unknown_since = COALESCE(o.unknown_since, $1) \
                 FROM c WHERE o.seq = c.seq \
                 RETURNING o.seq, o.identifier, o.body, o.event_ts, o.attempts, o.prev_unknown_since",
            )
            .bind(now)
            .bind(limit)
            .bind(token)
            .bind(lease_until)
            .fetch_all(pool)
            .await
            .map_err(err("claiming meter events"))?;
            Ok(rows!(rows))
        }
    }
}

/// Mark `seqs` delivered at `now` (whoever holds them: delivered is delivered).
pub(crate) async fn ack(store: &Store, seqs: &[i64], now: i64) -> Result<(), StoreError> {
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => {
            sqlx::query(
                "UPDATE stripe_meter_outbox SET delivered_at = ?1, lease_owner = NULL, \
                 last_error = NULL WHERE seq IN (SELECT value FROM json_each(?2))",
            )
            .bind(now)
            .bind(json_ids(seqs))
            .execute(pool)
            .await
            .map_err(err("marking meter events delivered"))?;
        }
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => {
            sqlx::query(
                "UPDATE stripe_meter_outbox SET delivered_at = $1, lease_owner = NULL, \
                 last_error = NULL WHERE seq = ANY($2)",
            )
            .bind(now)
            .bind(seqs)
            .execute(pool)
            .await
            .map_err(err("marking meter events delivered"))?;
        }
    }
    Ok(())
}

/// Give `seqs` (still leased to `token`) back for another attempt at `available_at`. With
/// `not_received`, the attempt is known not to have reached Stripe: `unknown_since` goes back
/// to its value before the claim.
pub(crate) async fn release(
    store: &Store,
    seqs: &[i64],
    token: &str,
    available_at: i64,
    error: &str,
    not_received: bool,
) -> Result<(), StoreError> {
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => {
            sqlx::query(
                "UPDATE stripe_meter_outbox SET available_at = ?1, lease_owner = NULL, \
                 last_error = ?2, \
                 unknown_since = CASE WHEN ?3 THEN prev_unknown_since ELSE unknown_since END \
                 WHERE seq IN (SELECT value FROM json_each(?4)) AND lease_owner = ?5",
            )
            .bind(available_at)
            .bind(error)
            .bind(not_received)
            .bind(json_ids(seqs))
            .bind(token)
            .execute(pool)
            .await
            .map_err(err("releasing meter events"))?;
        }
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => {
            sqlx::query(
                "UPDATE stripe_meter_outbox SET available_at = $1, lease_owner = NULL, \
                 last_error = $2, \
                 unknown_since = CASE WHEN $3 THEN prev_unknown_since ELSE unknown_since END \
                 WHERE seq = ANY($4) AND lease_owner = $5",
            )
            .bind(available_at)
            .bind(error)
            .bind(not_received)
            .bind(seqs)
            .bind(token)
            .execute(pool)
            .await
            .map_err(err("releasing meter events"))?;
        }
    }
    Ok(())
}

/// Move `seqs` (still leased to `token`) to the dead-letter table with `reason`.
pub(crate) async fn dead_letter(
    store: &Store,
    seqs: &[i64],
    token: &str,
    reason: &str,
    detail: &str,
    now: i64,
) -> Result<u64, StoreError> {
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => {
            let ids = json_ids(seqs);
            sqlite_tx(
                pool,
                "dead-lettering meter events",
                async |tx: &mut sqlx::SqliteConnection| {
                    sqlx::query(
                    "INSERT INTO stripe_meter_dead_letter (identifier, event_name, body, event_ts, \
                     recorded_at, attempts, unknown_since, reason, detail, dead_at) \
                     SELECT identifier, event_name, body, event_ts, recorded_at, attempts, \
                     unknown_since, ?1, ?2, ?3 FROM stripe_meter_outbox \
                     WHERE seq IN (SELECT value FROM json_each(?4)) AND lease_owner = ?5 \
                     ON CONFLICT (identifier) DO UPDATE SET event_name = excluded.event_name, \
                     body = excluded.body, event_ts = excluded.event_ts, \
                     recorded_at = excluded.recorded_at, attempts = excluded.attempts, \
                     unknown_since = excluded.unknown_since, reason = excluded.reason, \
                     detail = excluded.detail, dead_at = excluded.dead_at",
                )
                .bind(reason)
                .bind(detail)
                .bind(now)
                .bind(&ids)
                .bind(token)
                .execute(&mut *tx)
                .await
                .map_err(err("dead-lettering meter events"))?;
                    let done = sqlx::query(
                        "DELETE FROM stripe_meter_outbox \
                     WHERE seq IN (SELECT value FROM json_each(?1)) AND lease_owner = ?2",
                    )
                    .bind(&ids)
                    .bind(token)
                    .execute(&mut *tx)
                    .await
                    .map_err(err("dead-lettering meter events"))?;
                    Ok(done.rows_affected())
                },
            )
            .await
        }
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => {
            let done = sqlx::query(
                "WITH d AS (DELETE FROM stripe_meter_outbox WHERE seq = ANY($4) AND lease_owner = $5 \
                   RETURNING identifier, event_name, body, event_ts, recorded_at, attempts, unknown_since) \
                 INSERT INTO stripe_meter_dead_letter (identifier, event_name, body, event_ts, \
                 recorded_at, attempts, unknown_since, reason, detail, dead_at) \
                 SELECT identifier, event_name, body, event_ts, recorded_at, attempts, \
                 unknown_since, $1, $2, $3 FROM d \
                 ON CONFLICT (identifier) DO UPDATE SET event_name = excluded.event_name, \
                 body = excluded.body, event_ts = excluded.event_ts, \
                 recorded_at = excluded.recorded_at, attempts = excluded.attempts, \
                 unknown_since = excluded.unknown_since, reason = excluded.reason, \
                 detail = excluded.detail, dead_at = excluded.dead_at",
            )
            .bind(reason)
            .bind(detail)
            .bind(now)
            .bind(seqs)
            .bind(token)
            .execute(pool)
            .await
            .map_err(err("dead-lettering meter events"))?;
            Ok(done.rows_affected())
        }
    }
}

/// Queue depth, leases, lag and table sizes at `now`.
pub(crate) async fn counts(store: &Store, now: i64) -> Result<Counts, StoreError> {
    use sqlx::Row;
    let (sql_pending, sql_delivered, sql_dead) = match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(_) => (
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN lease_owner IS NOT NULL AND available_at > ?1 \
             THEN 1 ELSE 0 END), 0), MIN(recorded_at) FROM stripe_meter_outbox \
             WHERE delivered_at IS NULL",
            "SELECT COUNT(*) FROM stripe_meter_outbox WHERE delivered_at IS NOT NULL",
            "SELECT COUNT(*) FROM stripe_meter_dead_letter",
        ),
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(_) => (
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN lease_owner IS NOT NULL AND available_at > $1 \
             THEN 1 ELSE 0 END), 0)::BIGINT, MIN(recorded_at) FROM stripe_meter_outbox \
             WHERE delivered_at IS NULL",
            "SELECT COUNT(*) FROM stripe_meter_outbox WHERE delivered_at IS NOT NULL",
            "SELECT COUNT(*) FROM stripe_meter_dead_letter",
        ),
    };
    macro_rules! run {
        ($pool:expr) => {{
            let r = sqlx::query(sql_pending)
                .bind(now)
                .fetch_one($pool)
                .await
                .map_err(err("counting meter events"))?;
            let delivered: i64 = sqlx::query_scalar(sql_delivered)
                .fetch_one($pool)
                .await
                .map_err(err("counting meter events"))?;
            let dead: i64 = sqlx::query_scalar(sql_dead)
                .fetch_one($pool)
                .await
                .map_err(err("counting dead letters"))?;
            Counts {
                pending: r.try_get(0).map_err(err("counting meter events"))?,
                leased: r.try_get(1).map_err(err("counting meter events"))?,
                oldest_recorded_at: r.try_get(2).map_err(err("counting meter events"))?,
                delivered,
                dead,
            }
        }};
    }
    Ok(match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => run!(pool),
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => run!(pool),
    })
}

/// Up to `limit` dead letters, oldest first, after identifier `after` (for paging).
pub(crate) async fn dead_letters(
    store: &Store,
    reason: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<DeadRow>, StoreError> {
    const COLS: &str = "identifier, event_name, body, event_ts, recorded_at, attempts, \
                        unknown_since, reason, detail, dead_at";
    macro_rules! rows {
        ($rows:expr) => {{
            let mut out = Vec::with_capacity($rows.len());
            for r in &$rows {
                out.push(dead_row(r)?);
            }
            out
        }};
    }
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => {
            let rows = sqlx::query(&format!(
                "SELECT {COLS} FROM stripe_meter_dead_letter \
                 WHERE (?1 IS NULL OR reason = ?1) AND (?2 IS NULL OR identifier > ?2) \
                 ORDER BY identifier LIMIT ?3"
            ))
            .bind(reason)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(err("reading dead letters"))?;
            Ok(rows!(rows))
        }
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => {
            let rows = sqlx::query(&format!(
                "SELECT {COLS} FROM stripe_meter_dead_letter \
                 WHERE ($1::TEXT IS NULL OR reason = $1) AND ($2::TEXT IS NULL OR identifier > $2) \
                 ORDER BY identifier LIMIT $3"
            ))
            .bind(reason)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(err("reading dead letters"))?;
            Ok(rows!(rows))
        }
    }
}

fn dead_row<R: sqlx::Row>(r: &R) -> Result<DeadRow, StoreError>
where
    usize: sqlx::ColumnIndex<R>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let e = err("reading dead letters");
    Ok(DeadRow {
        identifier: r.try_get(0).map_err(&e)?,
        event_name: r.try_get(1).map_err(&e)?,
        body: r.try_get(2).map_err(&e)?,
        event_ts: r.try_get(3).map_err(&e)?,
        recorded_at: r.try_get(4).map_err(&e)?,
        attempts: r.try_get(5).map_err(&e)?,
        unknown_since: r.try_get(6).map_err(&e)?,
        reason: r.try_get(7).map_err(&e)?,
        detail: r.try_get(8).map_err(&e)?,
        dead_at: r.try_get(9).map_err(&e)?,
    })
}

/// Move dead letters back into the outbox, available at `now` with no attempts: those named
/// in `identifiers`, or with `reason` (every one when `None`) when `identifiers` is `None`.
pub(crate) async fn requeue(
    store: &Store,
    identifiers: Option<&[String]>,
    reason: Option<&str>,
    now: i64,
) -> Result<u64, StoreError> {
    const UPSERT: &str = "ON CONFLICT (identifier) DO UPDATE SET body = excluded.body, \
        event_name = excluded.event_name, event_ts = excluded.event_ts, \
        available_at = excluded.available_at, attempts = 0, lease_owner = NULL, \
        unknown_since = NULL, prev_unknown_since = NULL, last_error = NULL, delivered_at = NULL";
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => {
            let by_id = identifiers.is_some();
            let ids = json_strings(identifiers.unwrap_or(&[]));
            let filter = "((?1 AND identifier IN (SELECT value FROM json_each(?2))) \
                          OR (NOT ?1 AND (?3 IS NULL OR reason = ?3)))";
            sqlite_tx(
                pool,
                "requeueing dead letters",
                async |tx: &mut sqlx::SqliteConnection| {
                    sqlx::query(&format!(
                        "INSERT INTO stripe_meter_outbox (identifier, event_name, body, event_ts, \
                     recorded_at, available_at) SELECT identifier, event_name, body, event_ts, \
                     recorded_at, ?4 FROM stripe_meter_dead_letter WHERE {filter} {UPSERT}"
                    ))
                    .bind(by_id)
                    .bind(&ids)
                    .bind(reason)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(err("requeueing dead letters"))?;
                    let done = sqlx::query(&format!(
                        "DELETE FROM stripe_meter_dead_letter WHERE {filter}"
                    ))
                    .bind(by_id)
                    .bind(&ids)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await
                    .map_err(err("requeueing dead letters"))?;
                    Ok(done.rows_affected())
                },
            )
            .await
        }
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => {
            let done = sqlx::query(&format!(
                "WITH d AS (DELETE FROM stripe_meter_dead_letter \
                   WHERE ($1 AND identifier = ANY($2)) OR (NOT $1 AND ($3::TEXT IS NULL OR reason = $3)) \
                   RETURNING identifier, event_name, body, event_ts, recorded_at) \
                 INSERT INTO stripe_meter_outbox (identifier, event_name, body, event_ts, \
                 recorded_at, available_at) SELECT identifier, event_name, body, event_ts, \
                 recorded_at, $4 FROM d {UPSERT}"
            ))
            .bind(identifiers.is_some())
            .bind(identifiers.unwrap_or(&[]))
            .bind(reason)
            .bind(now)
            .execute(pool)
            .await
            .map_err(err("requeueing dead letters"))?;
            Ok(done.rows_affected())
        }
    }
}

/// Delete delivered rows delivered before `cutoff`.
pub(crate) async fn prune_delivered(store: &Store, cutoff: i64) -> Result<u64, StoreError> {
    let e = err("pruning delivered meter events");
    let n = match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => sqlx::query(
            "DELETE FROM stripe_meter_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?1",
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map_err(e)?
        .rows_affected(),
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => sqlx::query(
            "DELETE FROM stripe_meter_outbox WHERE delivered_at IS NOT NULL AND delivered_at < $1",
        )
        .bind(cutoff)
        .execute(pool)
        .await
        .map_err(e)?
        .rows_affected(),
    };
    Ok(n)
}

/// Where the event with `identifier` is, if anywhere.
pub(crate) async fn find(store: &Store, identifier: &str) -> Result<Option<Where>, StoreError> {
    use sqlx::Row;
    macro_rules! run {
        ($pool:expr, $q1:expr, $q2:expr) => {{
            let row = sqlx::query($q1)
                .bind(identifier)
                .fetch_optional($pool)
                .await
                .map_err(err("looking up a meter event"))?;
            if let Some(r) = row {
                let e = err("looking up a meter event");
                return Ok(Some(Where::Outbox {
                    delivered_at: r.try_get(0).map_err(&e)?,
                    attempts: r.try_get(1).map_err(&e)?,
                    last_error: r.try_get(2).map_err(&e)?,
                }));
            }
            let dead = sqlx::query($q2)
                .bind(identifier)
                .fetch_optional($pool)
                .await
                .map_err(err("looking up a meter event"))?;
            match dead {
                Some(r) => Ok(Some(Where::Dead(dead_row(&r)?))),
                None => Ok(None),
            }
        }};
    }
    match &store.backend {
        #[cfg(feature = "durable-sqlite")]
        Backend::Sqlite(pool) => run!(
            pool,
            "SELECT delivered_at, attempts, last_error FROM stripe_meter_outbox WHERE identifier = ?1",
            "SELECT identifier, event_name, body, event_ts, recorded_at, attempts, unknown_since, \
             reason, detail, dead_at FROM stripe_meter_dead_letter WHERE identifier = ?1"
        ),
        #[cfg(feature = "durable-postgres")]
        Backend::Postgres(pool) => run!(
            pool,
            "SELECT delivered_at, attempts, last_error FROM stripe_meter_outbox WHERE identifier = $1",
            "SELECT identifier, event_name, body, event_ts, recorded_at, attempts, unknown_since, \
             reason, detail, dead_at FROM stripe_meter_dead_letter WHERE identifier = $1"
        ),
    }
}
