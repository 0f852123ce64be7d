//! [`Store`]: the database handle the outbox and the ledger share, and the migration runner
//! both use.

use super::error::{StoreError, StoreErrorKind};
use std::fmt;
#[cfg(feature = "durable-sqlite")]
use std::path::{Path, PathBuf};
#[cfg(feature = "durable-sqlite")]
use std::time::Duration;

/// Which database a [`Store`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreKind {
    /// An embedded SQLite file (feature `durable-sqlite`).
    Sqlite,
    /// A Postgres server (feature `durable-postgres`).
    Postgres,
}

/// A database for the metering outbox and the webhook event ledger: an embedded SQLite file
/// (one machine) or a Postgres server (a fleet). Cheap to clone: clones share one
/// connection pool. Each component creates and migrates its own tables the first time it is
/// opened on a store; both may share one.
///
/// ```no_run
/// # async fn f() -> Result<(), stripe_client::durable::StoreError> {
/// use stripe_client::durable::Store;
/// let one_machine = Store::sqlite("/var/lib/myapp/stripe.db").await?;
/// let fleet = Store::postgres("postgres://app@db.internal/app").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
}

#[derive(Clone)]
pub(crate) enum Backend {
    #[cfg(feature = "durable-sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "durable-postgres")]
    Postgres(sqlx::PgPool),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

/// How SQLite flushes a commit to disk (its `synchronous` setting, in WAL mode).
#[cfg(feature = "durable-sqlite")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Synchronous {
    /// Every commit is flushed before it returns: a recorded event survives a crash of the
    /// process, of the OS and a power cut. The default.
    Full,
    /// Commits are flushed at checkpoints: a recorded event survives a crash of the process
    /// (a kill, a panic, an OOM kill), but the last commits can be lost to an OS crash or a
    /// power cut. Much quicker on slow disks.
    Normal,
}

/// How to open an embedded SQLite store ([`Store::open_sqlite`]).
#[cfg(feature = "durable-sqlite")]
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    path: PathBuf,
    create_if_missing: bool,
    synchronous: Synchronous,
    busy_timeout: Duration,
    max_connections: u32,
    max_size_bytes: Option<u64>,
}

#[cfg(feature = "durable-sqlite")]
impl SqliteOptions {
    /// The file at `path`; created when missing, `synchronous` full, a 5 s busy timeout, 4
    /// pooled connections, no size cap.
    pub fn new(path: impl AsRef<Path>) -> Self {
        SqliteOptions {
            path: path.as_ref().to_path_buf(),
            create_if_missing: true,
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            max_connections: 4,
            max_size_bytes: None,
        }
    }
    /// Create the file when it does not exist (default `true`). Set `false` where a missing
    /// file means a volume that is not mounted: opening then fails with
    /// [`StoreErrorKind::Missing`] instead of starting an empty store beside the real one.
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }
    /// How commits reach the disk (default [`Synchronous::Full`]).
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }
    /// How long a write waits for another process's lock before [`StoreErrorKind::Busy`]
    /// (default 5 s).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }
    /// Pooled connections (default 4; at least 2).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(2);
        self
    }
    /// Cap the file at about `bytes` (SQLite's `max_page_count`): a write past it fails with
    /// [`StoreErrorKind::Full`], as on a full disk, and leaves what was stored intact.
    pub fn max_size_bytes(mut self, bytes: u64) -> Self {
        self.max_size_bytes = Some(bytes);
        self
    }
}

impl Store {
    /// An embedded SQLite store in the file at `path`, created when missing (see
    /// [`SqliteOptions::new`] for the settings).
    #[cfg(feature = "durable-sqlite")]
    pub async fn sqlite(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_sqlite(SqliteOptions::new(path)).await
    }

    /// An embedded SQLite store with `options`. The file is put in WAL mode (readers never
    /// wait for the writer; several processes may share the file on one machine).
    ///
    /// A file that is not a SQLite database fails with [`StoreErrorKind::Corrupt`] and is
    /// left as it is; a missing file (with `create_if_missing(false)`) or directory with
    /// [`StoreErrorKind::Missing`].
    #[cfg(feature = "durable-sqlite")]
    pub async fn open_sqlite(options: SqliteOptions) -> Result<Store, StoreError> {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
        let mut connect = SqliteConnectOptions::new()
            .filename(&options.path)
            .create_if_missing(options.create_if_missing)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.synchronous {
                Synchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
                Synchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
            })
            .busy_timeout(options.busy_timeout);
        if let Some(bytes) = options.max_size_bytes {
            // Pages of 4 KiB, SQLite's default.
            connect = connect.pragma("max_page_count", (bytes / 4096).max(1).to_string());
        }
        if !options.create_if_missing && !options.path.exists() {
            return Err(StoreError::new(
                StoreErrorKind::Missing,
                format!(
                    "{} does not exist (and create_if_missing is off): is its volume mounted?",
                    options.path.display()
                ),
            ));
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.busy_timeout + Duration::from_secs(5))
            .connect_with(connect)
            .await
            .map_err(|e| {
                StoreError::from_sqlx(&format!("opening {}", options.path.display()), e)
            })?;
        Ok(Store {
            backend: Backend::Sqlite(pool),
        })
    }

    /// A store on a SQLite pool of your own. Use WAL mode and a busy timeout, as
    /// [`Store::open_sqlite`] does.
    #[cfg(feature = "durable-sqlite")]
    pub fn from_sqlite_pool(pool: sqlx::SqlitePool) -> Store {
        Store {
            backend: Backend::Sqlite(pool),
        }
    }

    /// A Postgres store: a pool of up to 10 connections to `url`
    /// (`postgres://user:password@host:port/database`, `?sslmode=require` for TLS), waiting
    /// at most 5 s for a connection. Fails with [`StoreErrorKind::Unavailable`] when the
    /// server cannot be reached.
    #[cfg(feature = "durable-postgres")]
    pub async fn postgres(url: &str) -> Result<Store, StoreError> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(std::time::Duration::from_secs(5))
            // A dead connection fails its query and the caller's retry takes a fresh one;
            // pinging before every query would cost a round trip each.
            .test_before_acquire(false)
            .connect(url)
            .await
            .map_err(|e| StoreError::from_sqlx("connecting to Postgres", e))?;
        Ok(Store {
            backend: Backend::Postgres(pool),
        })
    }

    /// A store on a Postgres pool of your own (for example your app's, so that
    /// [`Outbox::record_in`](crate::meter::Outbox::record_in) joins its transactions).
    #[cfg(feature = "durable-postgres")]
    pub fn from_pg_pool(pool: sqlx::PgPool) -> Store {
        Store {
            backend: Backend::Postgres(pool),
        }
    }

    /// SQLite or Postgres.
    pub fn kind(&self) -> StoreKind {
        match &self.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(_) => StoreKind::Sqlite,
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(_) => StoreKind::Postgres,
        }
    }

    /// The Postgres pool, for a Postgres store.
    #[cfg(feature = "durable-postgres")]
    pub fn pg_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.backend {
            Backend::Postgres(p) => Some(p),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The SQLite pool, for a SQLite store.
    #[cfg(feature = "durable-sqlite")]
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.backend {
            Backend::Sqlite(p) => Some(p),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Close the pool: wait for connections in use to come back, then close them.
    pub async fn close(&self) {
        match &self.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(p) => p.close().await,
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(p) => p.close().await,
        }
    }

    /// Bring `component`'s tables to the newest of `steps` (one SQL script per version, for
    /// this store's kind), under a lock so that several processes opening one store at once
    /// migrate it once. Fails with [`StoreErrorKind::Schema`] when the store is newer than
    /// this code.
    pub(crate) async fn migrate(
        &self,
        component: &str,
        sqlite: &[&str],
        postgres: &[&str],
    ) -> Result<(), StoreError> {
        let ctx = |what: &str| format!("migrating {component} ({what})");
        match &self.backend {
            #[cfg(feature = "durable-sqlite")]
            Backend::Sqlite(pool) => {
                let _ = postgres;
                sqlite_tx(
                    pool,
                    &ctx("transaction"),
                    async |tx: &mut sqlx::SqliteConnection| {
                        sqlx::raw_sql(SCHEMA_TABLE)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| StoreError::from_sqlx(&ctx("schema table"), e))?;
                        let current: Option<i64> = sqlx::query_scalar(
                            "SELECT version FROM stripe_rs_schema WHERE component = ?1",
                        )
                        .bind(component)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(|e| StoreError::from_sqlx(&ctx("read version"), e))?;
                        let from = check_version(component, current, sqlite.len())?;
                        for (i, step) in sqlite.iter().enumerate().skip(from) {
                            sqlx::raw_sql(step).execute(&mut *tx).await.map_err(|e| {
                                StoreError::from_sqlx(&ctx(&format!("version {}", i + 1)), e)
                            })?;
                        }
                        if from < sqlite.len() {
                            sqlx::query(
                            "INSERT INTO stripe_rs_schema (component, version) VALUES (?1, ?2) \
                             ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                        )
                        .bind(component)
                        .bind(sqlite.len() as i64)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| StoreError::from_sqlx(&ctx("write version"), e))?;
                        }
                        Ok(())
                    },
                )
                .await
            }
            #[cfg(feature = "durable-postgres")]
            Backend::Postgres(pool) => {
                let _ = sqlite;
                let mut tx = pool
                    .begin()
                    .await
                    .map_err(|e| StoreError::from_sqlx(&ctx("begin"), e))?;
                // One migration at a time across every process on this database.
                sqlx::query("SELECT pg_advisory_xact_lock(7235114089)")
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::from_sqlx(&ctx("lock"), e))?;
                sqlx::raw_sql(SCHEMA_TABLE)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::from_sqlx(&ctx("schema table"), e))?;
                let current: Option<i64> = sqlx::query_scalar(
                    "SELECT version::BIGINT FROM stripe_rs_schema WHERE component = $1",
                )
                .bind(component)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| StoreError::from_sqlx(&ctx("read version"), e))?;
                let from = check_version(component, current, postgres.len())?;
                for (i, step) in postgres.iter().enumerate().skip(from) {
                    sqlx::raw_sql(step).execute(&mut *tx).await.map_err(|e| {
                        StoreError::from_sqlx(&ctx(&format!("version {}", i + 1)), e)
                    })?;
                }
                if from < postgres.len() {
                    sqlx::query(
                        "INSERT INTO stripe_rs_schema (component, version) VALUES ($1, $2) \
                         ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    )
                    .bind(component)
                    .bind(postgres.len() as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StoreError::from_sqlx(&ctx("write version"), e))?;
                }
                tx.commit()
                    .await
                    .map_err(|e| StoreError::from_sqlx(&ctx("commit"), e))
            }
        }
    }
}

/// Run `f` in a SQLite `BEGIN IMMEDIATE` transaction (the write lock taken up front, so the
/// busy timeout applies) on a connection of `pool`; commit when it succeeds, roll back when
/// it fails. A connection whose transaction failed is closed, not returned to the pool:
/// SQLite rolls some transactions back by itself (`SQLITE_FULL`, I/O errors), and sqlx's
/// count of open transactions on that connection would then stay wrong, failing every later
/// `BEGIN` on it.
#[cfg(feature = "durable-sqlite")]
pub(crate) async fn sqlite_tx<T, F>(
    pool: &sqlx::SqlitePool,
    context: &str,
    f: F,
) -> Result<T, StoreError>
where
    F: AsyncFnOnce(&mut sqlx::SqliteConnection) -> Result<T, StoreError>,
{
    use sqlx::Connection;
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| StoreError::from_sqlx(&format!("{context} (connection)"), e))?;
    let result = async {
        let mut tx = conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| StoreError::from_sqlx(&format!("{context} (begin)"), e))?;
        match f(&mut tx).await {
            Ok(v) => {
                tx.commit()
                    .await
                    .map_err(|e| StoreError::from_sqlx(&format!("{context} (commit)"), e))?;
                Ok(v)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }
    .await;
    if result.is_err() {
        conn.close_on_drop();
    }
    result
}

/// The table of applied versions, one row per component (`meter_outbox`, `webhook_ledger`).
const SCHEMA_TABLE: &str = "CREATE TABLE IF NOT EXISTS stripe_rs_schema (\
    component TEXT PRIMARY KEY, version BIGINT NOT NULL)";

/// The first step to apply, or a schema error when the store is ahead of this code.
fn check_version(component: &str, current: Option<i64>, known: usize) -> Result<usize, StoreError> {
    let current = usize::try_from(current.unwrap_or(0)).unwrap_or(usize::MAX);
    if current > known {
        return Err(StoreError::new(
            StoreErrorKind::Schema,
            format!(
                "{component} tables are at version {current}, newer than this stripe-client \
                 knows ({known}): upgrade stripe-client, do not downgrade it"
            ),
        ));
    }
    Ok(current)
}
