//! The metering outbox on SQLite and on the real Postgres `cargo xtask test` starts: record
//! (guards, identifiers, timestamps, idempotence), the drainer against the local stream server
//! (delivery, session renewal, retries, refusals, the 35-day limit and the de-duplication
//! window, dead letters and requeue), lag and queue depth, and `record_in` inside a Postgres
//! transaction that commits or rolls back. The crash tests are in `durable_crash.rs`, bad
//! input in `durable_bad_input.rs`.

use integration_tests::durable::{fresh_pg_database, TempDir};
use integration_tests::meter_server::{MeterServer, MeterServerConfig};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stripe_client::durable::{sqlx, Store, StoreKind};
use stripe_client::meter::{
    DeadLetterReason, EventStatus, GuardKind, MeterEvent, Outbox, OutboxDrainer,
};
use stripe_client::retry::ManualClock;
use stripe_client::telemetry::{Observer, OutboxReport};
use stripe_client::{Client, Error};

fn client(url: &str) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn drainer(outbox: &Outbox, server: &MeterServer) -> OutboxDrainer {
    outbox
        .drainer(client(&server.url))
        .lease(Duration::from_secs(5))
        .poll_interval(Duration::from_millis(20))
        .build()
        .unwrap()
}

fn event(i: usize) -> MeterEvent {
    MeterEvent::new("api_requests", format!("cus_{}", i % 7))
        .value(i as i64)
        .payload("seq", i.to_string())
}

async fn sqlite_store(dir: &TempDir) -> Store {
    Store::sqlite(dir.join("outbox.db")).await.unwrap()
}

async fn pg_store() -> Store {
    Store::postgres(&fresh_pg_database().await).await.unwrap()
}

/// Record, drain, and find every event at the server once, with the identifier recorded.
async fn record_and_drain(store: Store) {
    let kind = store.kind();
    let outbox = Outbox::open(store).await.unwrap();
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let mut ids = Vec::new();
    for i in 0..250 {
        ids.push(outbox.record(event(i)).await.unwrap().to_string());
    }
    ids.extend(
        outbox
            .record_many((250..1000).map(event))
            .await
            .unwrap()
            .iter()
            .map(|i| i.to_string()),
    );
    let stats = outbox.stats().await.unwrap();
    assert_eq!(stats.pending, 1000, "{kind:?}");
    assert!(stats.lag.is_some());
    let report = drainer(&outbox, &server).run_until_empty().await.unwrap();
    assert_eq!(report.stats.delivered, 1000, "{kind:?}: {report:?}");
    assert_eq!(report.stats.dead_lettered, 0);
    let receipts = server.receipts();
    for id in &ids {
        assert_eq!(receipts.get(id).map(|r| r.received), Some(1), "{id}");
    }
    assert_eq!(
        server.counters().requests.load(Ordering::Relaxed),
        10,
        "100 per request"
    );
    let stats = outbox.stats().await.unwrap();
    assert_eq!(
        (stats.pending, stats.delivered_retained, stats.lag),
        (0, 1000, None)
    );
    assert!(matches!(
        outbox.status(&ids[0]).await.unwrap(),
        Some(EventStatus::Delivered { .. })
    ));
    assert_eq!(outbox.prune_delivered(Duration::ZERO).await.unwrap(), 1000);
    assert!(outbox.status(&ids[0]).await.unwrap().is_none());
}

#[tokio::test]
async fn sqlite_records_and_drains_every_event_once() {
    let dir = TempDir::new("outbox");
    record_and_drain(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn postgres_records_and_drains_every_event_once() {
    record_and_drain(pg_store().await).await;
}

async fn record_assigns_and_guards(store: Store) {
    let outbox = Outbox::open(store).await.unwrap();
    let server = MeterServer::start(MeterServerConfig::default()).await;
    // A refused event is never stored.
    let err = outbox
        .record(MeterEvent::new("api_requests", " "))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Guard(ref g) if g.kind == GuardKind::Missing),
        "{err}"
    );
    let too_old = stripe_client::types::rt::Timestamp::now().0 - 36 * 86_400;
    let err = outbox
        .record(MeterEvent::new("api_requests", "cus_1").timestamp(too_old))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Guard(ref g) if g.kind == GuardKind::TimestampTooOld),
        "{err}"
    );
    assert_eq!(outbox.stats().await.unwrap().pending, 0);
    // An identifier is assigned at record time, and kept.
    let id = outbox
        .record(MeterEvent::new("api_requests", "cus_1").value(3))
        .await
        .unwrap();
    assert!(id.as_uuid().is_some(), "a generated UUID");
    // The same identifier twice is one event.
    let fixed = outbox
        .record(MeterEvent::new("api_requests", "cus_1").identifier("order-6735"))
        .await
        .unwrap();
    outbox
        .record(MeterEvent::new("api_requests", "cus_1").identifier("order-6735"))
        .await
        .unwrap();
    assert_eq!(fixed.to_string(), "order-6735");
    assert_eq!(outbox.stats().await.unwrap().pending, 2);
    drainer(&outbox, &server).run_until_empty().await.unwrap();
    assert_eq!(server.counters().events.load(Ordering::Relaxed), 2);
    assert!(server.received(&id.to_string()) && server.received("order-6735"));
}

#[tokio::test]
async fn sqlite_record_runs_the_guards_and_assigns_identifiers() {
    let dir = TempDir::new("outbox");
    record_assigns_and_guards(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn postgres_record_runs_the_guards_and_assigns_identifiers() {
    record_assigns_and_guards(pg_store().await).await;
}

/// The timestamp sent is the one assigned at record time, not the time of sending.
#[tokio::test]
async fn the_timestamp_is_the_time_of_recording() {
    let dir = TempDir::new("outbox");
    let clock = ManualClock::at_unix(1_767_225_600); // 2026-01-01T00:00:00Z
    let outbox = Outbox::open_with_clock(sqlite_store(&dir).await, clock.clone())
        .await
        .unwrap();
    let id = outbox.record(event(1)).await.unwrap().to_string();
    let given = outbox
        .record(event(2).timestamp(1_767_225_000))
        .await
        .unwrap()
        .to_string();
    clock.advance(Duration::from_secs(3 * 86_400));
    let server = MeterServer::start(MeterServerConfig::default()).await;
    drainer(&outbox, &server).run_until_empty().await.unwrap();
    let receipts = server.receipts();
    assert_eq!(
        receipts[&id].timestamp.as_deref(),
        Some("2026-01-01T00:00:00Z"),
        "recorded three days before it was sent"
    );
    assert_eq!(
        receipts[&given].timestamp.as_deref(),
        Some("2025-12-31T23:50:00Z")
    );
}

async fn dead_letters_and_requeue(store: Store) {
    let clock = ManualClock::new();
    let outbox = Outbox::open_with_clock(store, clock.clone()).await.unwrap();
    // 1. Events older than 35 days when they are drained.
    let old = outbox.record(event(1)).await.unwrap().to_string();
    clock.advance(Duration::from_secs(36 * 86_400));
    // 2. A refused event in a batch of good ones: found one by one.
    let server = MeterServer::start(MeterServerConfig {
        reject_event_names: vec!["no_such_meter".into()],
        ..MeterServerConfig::default()
    })
    .await;
    let good: Vec<String> = outbox
        .record_many((10..15).map(event))
        .await
        .unwrap()
        .iter()
        .map(|i| i.to_string())
        .collect();
    let bad = outbox
        .record(MeterEvent::new("no_such_meter", "cus_1"))
        .await
        .unwrap()
        .to_string();
    let d = drainer(&outbox, &server);
    let report = d.run_until_empty().await.unwrap();
    assert_eq!(report.stats.delivered, 5, "{report:?}");
    assert_eq!(report.stats.dead_lettered, 2, "{report:?}");
    for id in &good {
        assert!(server.received(id));
    }
    assert!(!server.received(&old) && !server.received(&bad));
    let dead = outbox.dead_letters(None, None, 10).await.unwrap();
    assert_eq!(dead.len(), 2);
    let too_old = outbox
        .dead_letters(Some(&DeadLetterReason::TimestampTooOld), None, 10)
        .await
        .unwrap();
    assert_eq!(too_old.len(), 1);
    assert_eq!(too_old[0].identifier, old);
    assert!(
        too_old[0].detail.contains("35 days"),
        "{}",
        too_old[0].detail
    );
    assert!(
        !format!("{:?}", too_old[0]).contains("cus_1"),
        "payload redacted"
    );
    assert!(too_old[0].stream_json().contains("cus_1"));
    let rejected = outbox
        .dead_letters(Some(&DeadLetterReason::Rejected), None, 10)
        .await
        .unwrap();
    assert_eq!(rejected[0].identifier, bad);
    assert!(
        rejected[0].detail.contains("no meter"),
        "{}",
        rejected[0].detail
    );
    let health = d.health().await.unwrap();
    assert_eq!((health.dead_letters, health.queue_depth), (2, 0));
    // Requeue: the refused one is sent again (and refused again); the rest stay.
    assert_eq!(outbox.requeue(&[bad.as_str()]).await.unwrap(), 1);
    assert_eq!(outbox.stats().await.unwrap().pending, 1);
    d.run_until_empty().await.unwrap();
    assert_eq!(outbox.stats().await.unwrap().dead_letters, 2);
    assert!(matches!(
        outbox.status(&bad).await.unwrap(),
        Some(EventStatus::DeadLettered(_))
    ));
    // requeue_all by reason.
    assert_eq!(
        outbox
            .requeue_all(Some(&DeadLetterReason::Rejected))
            .await
            .unwrap(),
        1
    );
    assert_eq!(outbox.stats().await.unwrap().dead_letters, 1);
}

#[tokio::test]
async fn sqlite_dead_letters_old_and_refused_events_and_requeues_them() {
    let dir = TempDir::new("outbox");
    dead_letters_and_requeue(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn postgres_dead_letters_old_and_refused_events_and_requeues_them() {
    dead_letters_and_requeue(pg_store().await).await;
}

/// An event whose outcome is unknown (5xx: maybe received) is resent within the window and
/// dead-lettered after it; one that Stripe certainly did not receive (429) is not.
async fn dedup_window(store: Store) {
    let clock = ManualClock::new();
    let outbox = Outbox::open_with_clock(store, clock.clone()).await.unwrap();
    let server_500 = MeterServer::start(MeterServerConfig {
        p_500: 1.0,
        ..MeterServerConfig::default()
    })
    .await;
    let server_429 = MeterServer::start(MeterServerConfig {
        p_429: 1.0,
        ..MeterServerConfig::default()
    })
    .await;
    let ok = MeterServer::start(MeterServerConfig::default()).await;
    let unknown = outbox.record(event(1)).await.unwrap().to_string();
    // First attempt: a 500. Its fate is unknown from now on.
    assert_eq!(drainer(&outbox, &server_500).drain_once().await.unwrap(), 1);
    clock.advance(Duration::from_secs(22 * 3600));
    assert_eq!(
        drainer(&outbox, &server_500).drain_once().await.unwrap(),
        1,
        "resent inside the window"
    );
    clock.advance(Duration::from_secs(3600 + 60));
    // 23 h after the first attempt: not resent.
    let d = drainer(&outbox, &ok);
    d.run_until_empty().await.unwrap();
    assert!(!ok.received(&unknown));
    let dead = outbox
        .dead_letters(Some(&DeadLetterReason::OutcomeUnknown), None, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].unknown_since_ms.is_some());
    assert_eq!(dead[0].attempts, 3);
    // Requeued by a person who checked: sent.
    outbox.requeue(&[unknown.as_str()]).await.unwrap();
    d.run_until_empty().await.unwrap();
    assert!(ok.received(&unknown));

    // A 429 is a refusal: nothing was received, the clock does not start.
    let limited = outbox.record(event(2)).await.unwrap().to_string();
    assert_eq!(drainer(&outbox, &server_429).drain_once().await.unwrap(), 1);
    clock.advance(Duration::from_secs(30 * 3600));
    d.run_until_empty().await.unwrap();
    assert!(
        ok.received(&limited),
        "sent after 30 h: no attempt could have counted"
    );
    assert_eq!(server_429.counters().events.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn sqlite_unknown_outcomes_stop_at_the_dedup_window() {
    let dir = TempDir::new("outbox");
    dedup_window(sqlite_store(&dir).await).await;
}

#[tokio::test]
async fn postgres_unknown_outcomes_stop_at_the_dedup_window() {
    dedup_window(pg_store().await).await;
}

/// Transient failures (5xx, 429, expired sessions) are retried with the same identifiers;
/// nothing is lost or counted twice.
#[tokio::test]
async fn transient_failures_are_retried_with_the_same_identifiers() {
    let outbox = Outbox::open(pg_store().await).await.unwrap();
    let server = MeterServer::start(MeterServerConfig {
        p_500: 0.15,
        p_429: 0.1,
        p_expire: 0.2,
        answer_delay: Duration::from_millis(1),
        ..MeterServerConfig::default()
    })
    .await;
    let ids: Vec<String> = outbox
        .record_many((0..3000).map(event))
        .await
        .unwrap()
        .iter()
        .map(|i| i.to_string())
        .collect();
    let d = drainer(&outbox, &server);
    let report = tokio::time::timeout(Duration::from_secs(120), d.run_until_empty())
        .await
        .expect("drained within 2 minutes")
        .unwrap();
    assert_eq!(report.stats.dead_lettered, 0);
    let receipts = server.receipts();
    for id in &ids {
        assert!(receipts.contains_key(id), "{id} lost");
    }
    assert!(server.counted_twice().is_empty());
    assert!(
        report.stats.released > 0 && report.stats.sessions > 1,
        "{report:?}"
    );
    println!(
        "transient faults: {} requests, {} failed, {} events released, {} sessions, {} wire resends",
        report.stats.requests,
        report.stats.failed_requests,
        report.stats.released,
        report.stats.sessions,
        server.counters().duplicates.load(Ordering::Relaxed)
    );
}

/// A bad API key keeps the events (it is no fault of theirs) and says why.
#[tokio::test]
async fn an_authentication_failure_keeps_the_events() {
    let dir = TempDir::new("outbox");
    let outbox = Outbox::open(sqlite_store(&dir).await).await.unwrap();
    let server = MeterServer::start(MeterServerConfig::default()).await;
    outbox.record(event(1)).await.unwrap();
    let bad = Client::builder("rk_test_not_a_secret_key")
        .base_url(&server.url)
        .build()
        .unwrap();
    let d = outbox.drainer(bad).build().unwrap();
    let err = d.run_until_empty().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    let health = d.health().await.unwrap();
    assert_eq!((health.queue_depth, health.dead_letters), (1, 0));
    assert!(health.last_error.is_some() && health.consecutive_failures >= 1);
}

/// Several drainers on one Postgres outbox never send an event twice while all are alive.
#[tokio::test]
async fn postgres_drainers_share_the_outbox_without_sending_twice() {
    let url = fresh_pg_database().await;
    let server = MeterServer::start(MeterServerConfig {
        answer_delay: Duration::from_millis(2),
        ..MeterServerConfig::default()
    })
    .await;
    let outbox = Outbox::postgres(&url).await.unwrap();
    outbox.record_many((0..6000).map(event)).await.unwrap();
    let mut runs = Vec::new();
    for _ in 0..3 {
        // Each drainer with its own pool, as on its own machine. A long lease (requests time
        // out after a third of it), so that a slow moment on a busy machine is not a timeout
        // and a resend.
        let own = Outbox::postgres(&url).await.unwrap();
        let d = own
            .drainer(client(&server.url))
            .lease(Duration::from_secs(30))
            .poll_interval(Duration::from_millis(20))
            .build()
            .unwrap();
        runs.push(tokio::spawn(async move { d.run_until_empty().await }));
    }
    let mut delivered = Vec::new();
    for r in runs {
        delivered.push(r.await.unwrap().unwrap().stats.delivered);
    }
    assert_eq!(delivered.iter().sum::<u64>(), 6000, "{delivered:?}");
    assert!(
        delivered.iter().all(|&n| n > 0),
        "all three took work: {delivered:?}"
    );
    assert_eq!(server.counters().unique.load(Ordering::Relaxed), 6000);
    assert_eq!(
        server.counters().duplicates.load(Ordering::Relaxed),
        0,
        "no event sent twice"
    );
}

/// The transactional outbox: what a rolled-back transaction recorded is never sent.
#[tokio::test]
async fn postgres_record_in_commits_and_rolls_back_with_the_transaction() {
    let url = fresh_pg_database().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE jobs (id BIGINT PRIMARY KEY, done BOOLEAN NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let outbox = Outbox::open(Store::from_pg_pool(pool.clone()))
        .await
        .unwrap();
    let server = MeterServer::start(MeterServerConfig::default()).await;

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO jobs VALUES (1, true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rolled_back = outbox
        .record_in(&mut tx, MeterEvent::new("jobs", "cus_1").value(1))
        .await
        .unwrap();
    // Not visible outside the transaction.
    assert_eq!(outbox.stats().await.unwrap().pending, 0);
    tx.rollback().await.unwrap();

    let mut tx = pool.begin().await.unwrap();
    sqlx::query("INSERT INTO jobs VALUES (2, true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let committed = outbox
        .record_in(&mut tx, MeterEvent::new("jobs", "cus_1").value(2))
        .await
        .unwrap();
    // The guards run inside the transaction too; a refusal stores nothing.
    let refused = outbox
        .record_in(&mut tx, MeterEvent::new("", "cus_1"))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Guard(_)));
    tx.commit().await.unwrap();

    // A connection works as well as a transaction.
    let mut conn = pool.acquire().await.unwrap();
    let plain = outbox
        .record_in(&mut conn, MeterEvent::new("jobs", "cus_1").value(3))
        .await
        .unwrap();
    drop(conn);

    let report = drainer(&outbox, &server).run_until_empty().await.unwrap();
    assert_eq!(report.stats.delivered, 2);
    assert!(server.received(&committed.to_string()));
    assert!(server.received(&plain.to_string()));
    assert!(
        !server.received(&rolled_back.to_string()),
        "rolled back: never sent"
    );
    assert!(outbox
        .status(&rolled_back.to_string())
        .await
        .unwrap()
        .is_none());
}

/// `record_in` writes to Postgres: on a SQLite outbox it says so.
#[tokio::test]
async fn record_in_needs_a_postgres_outbox() {
    let dir = TempDir::new("outbox");
    let outbox = Outbox::open(sqlite_store(&dir).await).await.unwrap();
    assert_eq!(outbox.store().kind(), StoreKind::Sqlite);
    let pool = sqlx::PgPool::connect(&fresh_pg_database().await)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let err = outbox.record_in(&mut tx, event(1)).await.unwrap_err();
    let Error::Store(e) = err else {
        panic!("{err}")
    };
    assert_eq!(e.kind(), stripe_client::durable::StoreErrorKind::Config);
}

#[derive(Default)]
struct Reports {
    n: AtomicU64,
    last_depth: AtomicU64,
}

impl Observer for Reports {
    fn on_outbox_report(&self, r: &OutboxReport) {
        self.n.fetch_add(1, Ordering::Relaxed);
        self.last_depth.store(r.queue_depth, Ordering::Relaxed);
    }
}

/// A spawned drainer reports queue depth and lag to the client's observer, delivers what is
/// recorded while it runs, and hands its claims back at shutdown.
#[tokio::test]
async fn a_spawned_drainer_reports_to_the_observer() {
    let dir = TempDir::new("outbox");
    let outbox = Outbox::open(sqlite_store(&dir).await).await.unwrap();
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let reports = Arc::new(Reports::default());
    let client = Client::builder("sk_test_123")
        .base_url(&server.url)
        .observer(reports.clone())
        .build()
        .unwrap();
    let handle = outbox
        .drainer(client)
        .report_interval(Duration::from_millis(50))
        .build()
        .unwrap()
        .spawn();
    let ids = outbox.record_many((0..300).map(event)).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while outbox.stats().await.unwrap().pending > 0 {
        assert!(std::time::Instant::now() < deadline, "not drained");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let health = handle.drainer().health().await.unwrap();
    assert_eq!(health.queue_depth, 0);
    assert!(health.last_delivery_ms.is_some());
    assert_eq!(handle.drainer().lag().await.unwrap(), None);
    let stats = handle.shutdown().await;
    assert_eq!(stats.delivered, 300);
    assert!(reports.n.load(Ordering::Relaxed) >= 1);
    assert_eq!(reports.last_depth.load(Ordering::Relaxed), 0);
    for id in ids {
        assert!(server.received(&id.to_string()));
    }
}
