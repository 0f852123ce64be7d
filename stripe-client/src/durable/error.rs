//! [`StoreError`]: what a durable store fails with, classified so that a caller can act on it.

use std::fmt;
use std::sync::Arc;

/// What went wrong with a durable store, for a caller to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The database cannot be reached now: a refused or lost connection, a closed or exhausted
    /// pool, a server shutting down, an I/O error. Nothing was written by the failed call;
    /// try again later (the outbox's `record` already retried once on a new connection).
    Unavailable,
    /// The database file does not exist and the store was told not to create it
    /// ([`SqliteOptions::create_if_missing`](super::SqliteOptions::create_if_missing)), or
    /// its directory does not exist.
    Missing,
    /// The database file is not a database or is damaged (SQLite `SQLITE_CORRUPT`,
    /// `SQLITE_NOTADB`; Postgres `XX001`/`XX002`). The store never rewrites such a file:
    /// restore it from a backup or move it aside.
    Corrupt,
    /// No room to write: the disk is full (SQLite `SQLITE_FULL`, Postgres `53100`) or the
    /// store's size cap ([`SqliteOptions::max_size_bytes`](super::SqliteOptions::max_size_bytes))
    /// is reached. The failed write left nothing behind; what was recorded before is intact.
    Full,
    /// Another writer held a lock for longer than the busy timeout (SQLite `SQLITE_BUSY`),
    /// or Postgres gave up on a lock or a serialization conflict. Try again.
    Busy,
    /// The tables are not what this version expects: written by a newer version of this
    /// crate, or changed by hand.
    Schema,
    /// The store is configured wrongly (a URL that does not parse, a store of the other
    /// kind than a method needs).
    Config,
    /// Anything else the database reported.
    Other,
}

impl StoreErrorKind {
    /// `true` when trying the same call again later can succeed without anyone's help
    /// (`Unavailable`, `Busy`).
    pub fn is_transient(self) -> bool {
        matches!(self, StoreErrorKind::Unavailable | StoreErrorKind::Busy)
    }
}

/// A durable store's failure: a [`kind`](StoreError::kind) to match on and a message that
/// says what happened (never a password or an event payload).
#[derive(Clone)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    /// A connection the pool handed out was dead (reset, closed, terminated by the
    /// server): a fresh one may work at once.
    broken_connection: bool,
}

impl StoreError {
    pub(crate) fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            message: message.into(),
            source: None,
            broken_connection: false,
        }
    }

    /// The class of failure.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// What happened.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `true` when trying again later can succeed ([`StoreErrorKind::is_transient`]).
    pub fn is_transient(&self) -> bool {
        self.kind.is_transient()
    }

    /// `context: <sqlx error>`, classified.
    pub(crate) fn from_sqlx(context: &str, e: sqlx::Error) -> Self {
        let kind = classify(&e);
        // A configuration error may quote the connection string: leave it (and its source)
        // out.
        if let sqlx::Error::Configuration(_) = e {
            return StoreError::new(kind, format!("{context}: invalid database configuration"));
        }
        StoreError {
            kind,
            broken_connection: broken_connection(&e),
            message: format!("{context}: {e}"),
            source: Some(Arc::new(e)),
        }
    }

    /// `true` when the call failed on a dead pooled connection (not on getting one): trying
    /// again at once takes a fresh connection.
    pub(crate) fn is_broken_connection(&self) -> bool {
        self.broken_connection
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            StoreErrorKind::Unavailable => "database unavailable",
            StoreErrorKind::Missing => "database missing",
            StoreErrorKind::Corrupt => "database corrupt",
            StoreErrorKind::Full => "database full",
            StoreErrorKind::Busy => "database busy",
            StoreErrorKind::Schema => "unexpected database schema",
            StoreErrorKind::Config => "store configuration",
            StoreErrorKind::Other => "database error",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl From<StoreError> for crate::Error {
    fn from(e: StoreError) -> Self {
        crate::Error::Store(e)
    }
}

/// The kind of a sqlx error: SQLite's (extended) result codes, Postgres' SQLSTATEs, and the
/// pool's and the socket's failures.
fn classify(e: &sqlx::Error) -> StoreErrorKind {
    use StoreErrorKind as K;
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            // SQLite reports a number (the extended code: the primary one in its low byte);
            // Postgres a five-character SQLSTATE.
            if let Ok(n) = code.parse::<i64>() {
                sqlite_kind(n & 0xff)
            } else {
                postgres_kind(&code)
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => K::Unavailable,
        sqlx::Error::Configuration(_) | sqlx::Error::InvalidArgument(_) => K::Config,
        sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::Decode(_) => K::Schema,
        _ => K::Other,
    }
}

/// A query that failed because its connection was dead: the socket broke, or Postgres ended
/// the session (`57P01` admin shutdown, `57P02` crash shutdown, class `08`).
fn broken_connection(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c == "57P01" || c == "57P02" || c.starts_with("08")),
        _ => false,
    }
}

/// Run `op` again, at most twice more, while it fails on a dead pooled connection (after a
/// server restart or failover every idle connection in the pool is dead; each failure
/// drops one). Only for operations that are safe to repeat.
pub(crate) async fn retry_broken<T, F, Fut>(mut op: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match op().await {
            Err(e) if e.is_broken_connection() && tries < 3 => {
                tracing::debug!(error = %e, "durable store: retrying on a fresh connection");
            }
            other => return other,
        }
    }
}

/// SQLite primary result codes (<https://www.sqlite.org/rescode.html>).
fn sqlite_kind(primary: i64) -> StoreErrorKind {
    use StoreErrorKind as K;
    match primary {
        5 | 6 => K::Busy,              // SQLITE_BUSY, SQLITE_LOCKED
        11 | 26 => K::Corrupt,         // SQLITE_CORRUPT, SQLITE_NOTADB
        13 => K::Full,                 // SQLITE_FULL
        14 => K::Missing,              // SQLITE_CANTOPEN
        10 | 8 | 15 => K::Unavailable, // SQLITE_IOERR, SQLITE_READONLY, SQLITE_PROTOCOL
        _ => K::Other,
    }
}

/// Postgres SQLSTATE classes (<https://www.postgresql.org/docs/current/errcodes-appendix.html>).
fn postgres_kind(sqlstate: &str) -> StoreErrorKind {
    use StoreErrorKind as K;
    match sqlstate {
        "53100" => K::Full,
        "XX001" | "XX002" => K::Corrupt,
        "40001" | "40P01" | "55P03" => K::Busy,
        "42P01" | "42703" => K::Schema,
        s if s.starts_with("08") || s.starts_with("57P") || s.starts_with("53") => K::Unavailable,
        _ => K::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(sqlite_kind(13), StoreErrorKind::Full);
        assert_eq!(sqlite_kind(26), StoreErrorKind::Corrupt);
        assert_eq!(sqlite_kind(11), StoreErrorKind::Corrupt);
        assert_eq!(sqlite_kind(5), StoreErrorKind::Busy);
        assert_eq!(sqlite_kind(14), StoreErrorKind::Missing);
        assert_eq!(postgres_kind("53100"), StoreErrorKind::Full);
        assert_eq!(postgres_kind("57P01"), StoreErrorKind::Unavailable);
        assert_eq!(postgres_kind("08006"), StoreErrorKind::Unavailable);
        assert_eq!(postgres_kind("40001"), StoreErrorKind::Busy);
        assert_eq!(postgres_kind("23505"), StoreErrorKind::Other);
        let e = StoreError::from_sqlx("opening", sqlx::Error::PoolTimedOut);
        assert_eq!(e.kind(), StoreErrorKind::Unavailable);
        assert!(e.is_transient());
        assert!(
            !e.is_broken_connection(),
            "no connection to be had: no quick retry"
        );
        assert!(e.to_string().starts_with("database unavailable: opening: "));
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let e = StoreError::from_sqlx("recording", sqlx::Error::Io(io));
        assert!(e.is_broken_connection() && e.kind() == StoreErrorKind::Unavailable);
        let c = StoreError::from_sqlx(
            "connecting",
            sqlx::Error::Configuration("postgres://u:hunter2@h/db is bad".into()),
        );
        assert!(!c.to_string().contains("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
