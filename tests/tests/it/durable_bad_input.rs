//! Bad input for the durable outbox and ledger: a corrupt or missing database, a full disk
//! (a real one: an 8 MiB tmpfs; and the store's own size cap), and a lost Postgres
//! connection (a proxy that cuts every connection, and backends terminated by the server).
//! Each time the caller gets a typed [`StoreError`] and nothing already recorded is lost.

use integration_tests::durable::{fresh_pg_database, host_port, url_via, TcpProxy, TempDir};
use integration_tests::meter_server::{MeterServer, MeterServerConfig};
use std::process::Command;
use std::time::Duration;
use stripe_client::durable::{sqlx, SqliteOptions, Store, StoreError, StoreErrorKind};
use stripe_client::meter::{MeterEvent, Outbox};
use stripe_client::webhook::EventLedger;
use stripe_client::{Client, Error};

fn event(i: usize) -> MeterEvent {
    MeterEvent::new("api_requests", "cus_123")
        .value(1)
        .payload("seq", i.to_string())
}

fn store_error(e: Error) -> StoreError {
    match e {
        Error::Store(s) => s,
        other => panic!("expected Error::Store, got {other:?}"),
    }
}

fn client(url: &str) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_corrupt_and_left_alone() {
    let dir = TempDir::new("bad");
    let path = dir.join("outbox.db");
    let garbage: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = store_error(Outbox::sqlite(&path).await.unwrap_err());
    assert_eq!(err.kind(), StoreErrorKind::Corrupt, "{err}");
    assert!(err.to_string().starts_with("database corrupt: "), "{err}");
    let err = EventLedger::sqlite(&path).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Corrupt, "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "the file is not rewritten"
    );
}

#[tokio::test]
async fn a_damaged_database_fails_with_corrupt_not_a_panic() {
    let dir = TempDir::new("bad");
    let path = dir.join("outbox.db");
    {
        let outbox = Outbox::sqlite(&path).await.unwrap();
        outbox.record_many((0..3000).map(event)).await.unwrap();
        // Everything into the main file (WAL mode keeps recent commits beside it).
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(outbox.store().sqlite_pool().unwrap())
            .await
            .unwrap();
        outbox.store().close().await;
    }
    // Overwrite pages in the middle of the file (its tables' b-trees), not its header.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024, "{} bytes", bytes.len());
    for b in &mut bytes[16 * 1024..48 * 1024] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let kinds = async {
        let outbox = Outbox::sqlite(&path).await?;
        outbox.stats().await?;
        outbox.record(event(9999)).await?;
        outbox
            .drainer(client(&server.url))
            .build()?
            .run_until_empty()
            .await?;
        Ok::<_, Error>(())
    }
    .await;
    let err = store_error(kinds.expect_err("a damaged file cannot pass every step"));
    assert_eq!(err.kind(), StoreErrorKind::Corrupt, "{err}");
}

#[tokio::test]
async fn a_missing_database_or_directory_is_missing() {
    let dir = TempDir::new("bad");
    let err = store_error(
        Outbox::sqlite(dir.join("no/such/dir/outbox.db"))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.kind(), StoreErrorKind::Missing, "{err}");
    // Told not to create it (a volume that is not mounted): missing, and still not there.
    let path = dir.join("outbox.db");
    let err = Store::open_sqlite(SqliteOptions::new(&path).create_if_missing(false))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Missing, "{err}");
    assert!(!path.exists());
    let err = EventLedger::sqlite(dir.join("no/such/dir/ledger.db"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Missing, "{err}");
}

/// Record until the store is full (fifty at a time, then one at a time); every record
/// before the failure is intact and drains.
async fn fill_then_check(outbox: Outbox, reopen: impl std::future::Future<Output = Outbox>) {
    let mut stored = Vec::new();
    let mut batch = 50;
    let err = loop {
        let next = stored.len();
        let result = if batch > 1 {
            outbox
                .record_many((next..next + batch).map(event))
                .await
                .map(|ids| ids.iter().map(|i| i.to_string()).collect::<Vec<_>>())
        } else {
            outbox
                .record(event(next))
                .await
                .map(|id| vec![id.to_string()])
        };
        match result {
            Ok(ids) => stored.extend(ids),
            Err(e) if batch > 1 => {
                assert_eq!(store_error(e).kind(), StoreErrorKind::Full);
                batch = 1;
            }
            Err(e) => break store_error(e),
        }
        assert!(stored.len() < 1_000_000, "never full");
    };
    assert_eq!(err.kind(), StoreErrorKind::Full, "{err}");
    assert!(err.to_string().starts_with("database full: "), "{err}");
    assert!(stored.len() > 100, "{} stored before full", stored.len());
    // Full again, still typed; nothing half-written.
    let again = store_error(outbox.record_many((0..50).map(event)).await.unwrap_err());
    assert_eq!(again.kind(), StoreErrorKind::Full);
    outbox.store().close().await;
    let outbox = reopen.await;
    assert_eq!(outbox.stats().await.unwrap().pending, stored.len() as u64);
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let report = outbox
        .drainer(client(&server.url))
        .build()
        .unwrap()
        .run_until_empty()
        .await
        .unwrap();
    assert_eq!(report.stats.delivered, stored.len() as u64);
    for id in &stored {
        assert!(server.received(id), "{id} lost");
    }
    println!(
        "full: {} events stored before the store was full; all drained",
        stored.len()
    );
}

#[tokio::test]
async fn a_store_at_its_size_cap_is_full_and_keeps_what_it_has() {
    let dir = TempDir::new("bad");
    let path = dir.join("outbox.db");
    let capped = Store::open_sqlite(SqliteOptions::new(&path).max_size_bytes(256 * 1024))
        .await
        .unwrap();
    let outbox = Outbox::open(capped).await.unwrap();
    let p = path.clone();
    fill_then_check(outbox, async move { Outbox::sqlite(&p).await.unwrap() }).await;
}

/// A small tmpfs, unmounted on drop.
struct SmallDisk(TempDir);

impl SmallDisk {
    fn mount(bytes: u64) -> SmallDisk {
        let dir = TempDir::new("full-disk");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(dir.path())
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "the full-disk test mounts a {bytes}-byte tmpfs and needs root for it (CI runs as \
             root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: detached even while a file on it is still open.
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

#[tokio::test]
async fn a_full_disk_is_full_and_keeps_what_it_has() {
    // 8 MiB: SQLite's WAL grows to 4 MiB before it checkpoints; the rest fills the file.
    let disk = SmallDisk::mount(8 * 1024 * 1024);
    let path = disk.0.join("outbox.db");
    let outbox = Outbox::sqlite(&path).await.unwrap();
    let copy = TempDir::new("full-disk-copy");
    let copied = copy.join("outbox.db");
    let (p, c) = (path.clone(), copied.clone());
    // Room is made by moving the file to a disk with space, as an operator would.
    fill_then_check(outbox, async move {
        std::fs::copy(&p, &c).unwrap();
        let wal = p.with_extension("db-wal");
        if wal.exists() {
            std::fs::copy(&wal, c.with_extension("db-wal")).unwrap();
        }
        Outbox::sqlite(&c).await.unwrap()
    })
    .await;
    drop(disk);
}

/// Postgres behind a proxy that cuts every connection: a typed error while it is down,
/// nothing recorded before is lost, and recording and draining resume when it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_postgres_connection_is_unavailable_and_loses_nothing() {
    let url = fresh_pg_database().await;
    let proxy = TcpProxy::start(host_port(&url)).await;
    let via = url_via(&url, proxy.addr);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(1))
        .test_before_acquire(false)
        .connect(&via)
        .await
        .unwrap();
    let outbox = Outbox::open(Store::from_pg_pool(pool)).await.unwrap();
    let before = outbox.record_many((0..500).map(event)).await.unwrap();
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let drainer = outbox
        .drainer(client(&server.url))
        .poll_interval(Duration::from_millis(20))
        .build()
        .unwrap();

    proxy.cut().await;
    let started = std::time::Instant::now();
    let err = store_error(outbox.record(event(500)).await.unwrap_err());
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    assert!(err.is_transient());
    assert!(started.elapsed() < Duration::from_secs(10));
    let err = store_error(outbox.stats().await.unwrap_err());
    assert_eq!(err.kind(), StoreErrorKind::Unavailable);
    // A drainer while the database is away: it fails, says why, and keeps going.
    let handle = drainer.clone().spawn();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // (Nothing reached the server: the claims could not be made.)
    assert_eq!(
        server
            .counters()
            .events
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    // What was recorded is all there (read directly, around the proxy).
    let direct = sqlx::PgPool::connect(&url).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_meter_outbox")
        .fetch_one(&direct)
        .await
        .unwrap();
    assert_eq!(n, 500);

    proxy.restore();
    let after = outbox.record(event(501)).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while outbox.stats().await.unwrap().pending > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "not drained after the outage"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = handle.shutdown().await;
    assert_eq!(stats.delivered, 501, "{stats:?}");
    for id in before.iter().chain([&after]) {
        assert!(server.received(&id.to_string()));
    }
}

/// Connections the server terminates (a restart, a failover, an idle timeout): the next
/// record notices on its first query and succeeds on a new connection.
#[tokio::test]
async fn terminated_backends_are_reconnected_by_record() {
    let url = fresh_pg_database().await;
    let outbox = Outbox::postgres(&url).await.unwrap();
    outbox.record(event(0)).await.unwrap();
    let db: String = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&db)
    .fetch_all(&admin)
    .await
    .unwrap();
    assert!(
        !killed.is_empty(),
        "the outbox's connections were terminated"
    );
    for i in 1..=5 {
        outbox.record(event(i)).await.unwrap();
    }
    assert_eq!(outbox.stats().await.unwrap().pending, 6);
    let ledger = EventLedger::open(outbox.store().clone()).await.unwrap();
    assert!(ledger
        .handle_once("evt_1", || async { Ok::<_, std::io::Error>(()) })
        .await
        .unwrap()
        .ran());
}
