//! The durable metering outbox: `record` throughput and latency on SQLite and Postgres (and
//! `record_in` inside a Postgres transaction), and drain throughput from Postgres to a local
//! stream sink with 1 and with 3 drainers.
//!
//! Needs a Postgres server: `STRIPE_RS_POSTGRES_URL` (`cargo xtask bench` starts one with
//! Postgres' durable defaults, every commit flushed). SQLite runs in a temporary file with
//! `synchronous = FULL` (the default: every commit flushed).
//!
//! `cargo bench -p stripe-benches --bench outbox` (`OUTBOX_BENCH_EVENTS` events to drain,
//! default 100,000; `OUTBOX_BENCH_RECORDS` per record measurement, default 20,000).
//! Prints `BENCH outbox_<figure>=<value>` lines.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stripe_client::durable::{sqlx, Store};
use stripe_client::meter::{MeterEvent, Outbox};
use stripe_client::Client;

#[derive(Default)]
struct Sink {
    seen: Mutex<HashSet<u128>>,
    events: AtomicU64,
    unique: AtomicU64,
}

#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    events: Vec<Ev<'a>>,
}

#[derive(Deserialize)]
struct Ev<'a> {
    #[serde(borrow)]
    identifier: Option<&'a str>,
}

async fn session() -> &'static str {
    r#"{"id":"mes_bench","object":"v2.billing.meter_event_session","authentication_token":"tok_bench","created":"2026-01-01T00:00:00Z","expires_at":"2099-01-01T00:00:00Z","livemode":false}"#
}

async fn stream(
    State(sink): State<Arc<Sink>>,
    body: Bytes,
) -> (axum::http::StatusCode, &'static str) {
    let Ok(b) = serde_json::from_slice::<Body<'_>>(&body) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            r#"{"error":{"type":"invalid_request_error"}}"#,
        );
    };
    let mut new = 0;
    if let Ok(mut seen) = sink.seen.lock() {
        for e in &b.events {
            if let Some(u) = e.identifier.and_then(|i| uuid::Uuid::parse_str(i).ok()) {
                new += u64::from(seen.insert(u.as_u128()));
            }
        }
    }
    sink.events
        .fetch_add(b.events.len() as u64, Ordering::Relaxed);
    sink.unique.fetch_add(new, Ordering::Relaxed);
    (axum::http::StatusCode::OK, "{}")
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn event(i: usize) -> MeterEvent {
    MeterEvent::new("api_requests", format!("cus_{}", i % 64)).value(1)
}

/// Percentile `p` (0..1) of `samples`, sorted in place.
fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `n` records from `tasks` concurrent tasks: (events/s, p50, p99).
async fn record_load(outbox: &Outbox, n: usize, tasks: usize) -> (f64, Duration, Duration) {
    let started = Instant::now();
    let per = n / tasks;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let outbox = outbox.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let s = Instant::now();
                outbox.record(event(t * per + i)).await.expect("record");
                lat.push(s.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(n);
    for h in handles {
        all.extend(h.await.expect("recorder"));
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    let p50 = percentile(&mut all, 0.50);
    let p99 = percentile(&mut all, 0.99);
    (rate, p50, p99)
}

/// `n` transactions from `tasks` tasks, each: BEGIN, an UPDATE of the app's own row,
/// `record_in`, COMMIT. (events/s, record_in p99, whole transaction p99).
async fn record_in_load(
    outbox: &Outbox,
    pool: &sqlx::PgPool,
    n: usize,
    tasks: usize,
) -> (f64, Duration, Duration, Duration) {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_jobs (id BIGINT PRIMARY KEY, runs BIGINT NOT NULL)",
    )
    .execute(pool)
    .await
    .expect("create bench_jobs");
    for t in 0..tasks {
        sqlx::query("INSERT INTO bench_jobs VALUES ($1, 0) ON CONFLICT DO NOTHING")
            .bind(t as i64)
            .execute(pool)
            .await
            .expect("insert bench_jobs");
    }
    let started = Instant::now();
    let per = n / tasks;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (outbox, pool) = (outbox.clone(), pool.clone());
        handles.push(tokio::spawn(async move {
            let mut rec = Vec::with_capacity(per);
            let mut txs = Vec::with_capacity(per);
            for i in 0..per {
                let s = Instant::now();
                let mut tx = pool.begin().await.expect("begin");
                sqlx::query("UPDATE bench_jobs SET runs = runs + 1 WHERE id = $1")
                    .bind(t as i64)
                    .execute(&mut *tx)
                    .await
                    .expect("update");
                let r = Instant::now();
                outbox
                    .record_in(&mut tx, event(t * per + i))
                    .await
                    .expect("record_in");
                rec.push(r.elapsed());
                tx.commit().await.expect("commit");
                txs.push(s.elapsed());
            }
            (rec, txs)
        }));
    }
    let (mut rec, mut txs) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for h in handles {
        let (r, t) = h.await.expect("recorder");
        rec.extend(r);
        txs.extend(t);
    }
    let rate = rec.len() as f64 / started.elapsed().as_secs_f64();
    let p50 = percentile(&mut rec, 0.50);
    let p99 = percentile(&mut rec, 0.99);
    let tx99 = percentile(&mut txs, 0.99);
    (rate, p50, p99, tx99)
}

/// Fill a fresh outbox database with `n` events (`record_many`, 1,000 at a time).
async fn fill(outbox: &Outbox, n: usize) {
    for chunk in (0..n).step_by(1000) {
        outbox
            .record_many((chunk..(chunk + 1000).min(n)).map(event))
            .await
            .expect("fill");
    }
}

/// Drain `n` events with `drainers` drainers, each with its own pool, concurrently.
async fn drain(
    url: &str,
    sink_url: &str,
    sink: &Sink,
    n: usize,
    drainers: usize,
) -> (f64, u64, u64) {
    let before_unique = sink.unique.load(Ordering::Relaxed);
    let before_events = sink.events.load(Ordering::Relaxed);
    let mut runs = Vec::new();
    let mut outboxes = Vec::new();
    for _ in 0..drainers {
        outboxes.push(Outbox::postgres(url).await.expect("outbox"));
    }
    let started = Instant::now();
    for outbox in outboxes {
        let client = Client::builder("sk_test_bench")
            .base_url(sink_url)
            .build()
            .expect("client");
        let d = outbox.drainer(client).build().expect("drainer");
        runs.push(tokio::spawn(async move { d.run_until_empty().await }));
    }
    for r in runs {
        r.await.expect("drainer task").expect("drain");
    }
    let secs = started.elapsed().as_secs_f64();
    let unique = sink.unique.load(Ordering::Relaxed) - before_unique;
    let events = sink.events.load(Ordering::Relaxed) - before_events;
    let lost = (n as u64).saturating_sub(unique);
    let duplicated = events.saturating_sub(unique);
    (n as f64 / secs, lost, duplicated)
}

async fn fresh_database(base: &str, name: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("connect to Postgres");
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let authority = base.find("://").map_or(0, |i| i + 3);
    let head = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    format!("{head}/{name}")
}

fn main() {
    let quick =
        std::env::args().any(|a| a == "--quick") || !std::env::args().any(|a| a == "--bench");
    let drain_n = env_or("OUTBOX_BENCH_EVENTS", if quick { 50_000 } else { 100_000 });
    let records = env_or("OUTBOX_BENCH_RECORDS", if quick { 10_000 } else { 20_000 });
    let pg = std::env::var("STRIPE_RS_POSTGRES_URL").unwrap_or_else(|_| {
        eprintln!("outbox bench: STRIPE_RS_POSTGRES_URL is not set (`cargo xtask bench` starts Postgres; by hand: `cargo xtask postgres start`)");
        std::process::exit(2);
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let sink = Arc::new(Sink::default());
        let s2 = sink.clone();
        let addr = stripe_benches::spawn_server(move |listener| async move {
            let app = Router::new()
                .route("/v2/billing/meter_event_session", post(session))
                .route("/v2/billing/meter_event_stream", post(stream))
                .with_state(s2);
            let _ = axum::serve(listener, app).await;
        });
        let sink_url = format!("http://{addr}");

        // SQLite: one recorder, then 16 (their commits grouped).
        let dir = std::env::temp_dir().join(format!("stripe-rs-outbox-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let sqlite = Outbox::open(Store::sqlite(dir.join("outbox.db")).await.expect("sqlite"))
            .await
            .expect("sqlite outbox");
        let (r1, p50_1, p99_1) = record_load(&sqlite, records / 4, 1).await;
        println!("sqlite record, 1 recorder: {r1:.0} events/s, p50 {:.3} ms, p99 {:.3} ms", ms(p50_1), ms(p99_1));
        let (r16, p50_16, p99_16) = record_load(&sqlite, records, 16).await;
        println!("sqlite record, 16 recorders: {r16:.0} events/s, p50 {:.3} ms, p99 {:.3} ms", ms(p50_16), ms(p99_16));
        println!("BENCH outbox_sqlite_record1_per_s={r1:.0}");
        println!("BENCH outbox_sqlite_record1_p99_ms={:.3}", ms(p99_1));
        println!("BENCH outbox_sqlite_record_per_s={r16:.0}");
        println!("BENCH outbox_sqlite_record_p99_ms={:.3}", ms(p99_16));
        sqlite.store().close().await;
        let _ = std::fs::remove_dir_all(&dir);

        // Postgres: record (autocommit), 1 and 16 recorders; record_in in a transaction.
        let url = fresh_database(&pg, "stripe_rs_bench_record").await;
        let outbox = Outbox::postgres(&url).await.expect("postgres outbox");
        let (q1, pq50_1, pq99_1) = record_load(&outbox, records / 4, 1).await;
        println!("postgres record, 1 recorder: {q1:.0} events/s, p50 {:.3} ms, p99 {:.3} ms", ms(pq50_1), ms(pq99_1));
        let (q16, pq50, pq99) = record_load(&outbox, records, 16).await;
        println!("postgres record, 16 recorders: {q16:.0} events/s, p50 {:.3} ms, p99 {:.3} ms", ms(pq50), ms(pq99));
        let pool = outbox.store().pg_pool().expect("pool").clone();
        let (t8, tp50, tp99, tx99) = record_in_load(&outbox, &pool, records, 8).await;
        println!(
            "postgres record_in inside a transaction, 8 tasks: {t8:.0} events/s, record_in p50 {:.3} ms, p99 {:.3} ms; whole transaction p99 {:.3} ms",
            ms(tp50), ms(tp99), ms(tx99)
        );
        println!("BENCH outbox_pg_record1_per_s={q1:.0}");
        println!("BENCH outbox_pg_record1_p99_ms={:.3}", ms(pq99_1));
        println!("BENCH outbox_pg_record_per_s={q16:.0}");
        println!("BENCH outbox_pg_record_p99_ms={:.3}", ms(pq99));
        println!("BENCH outbox_pg_record_in_tx_per_s={t8:.0}");
        println!("BENCH outbox_pg_record_in_tx_p99_ms={:.3}", ms(tp99));
        println!("BENCH outbox_pg_tx_p99_ms={:.3}", ms(tx99));
        outbox.store().close().await;

        // Drain from Postgres: 1 drainer, then 3 (each its own pool, as on its own machine).
        for (drainers, name) in [(1usize, "stripe_rs_bench_drain1"), (3, "stripe_rs_bench_drain3")] {
            let url = fresh_database(&pg, name).await;
            let outbox = Outbox::postgres(&url).await.expect("outbox");
            fill(&outbox, drain_n).await;
            let (rate, lost, dup) = drain(&url, &sink_url, &sink, drain_n, drainers).await;
            println!("postgres drain, {drainers} drainer(s): {drain_n} events, {rate:.0} events/s, lost {lost}, duplicated {dup}");
            println!("BENCH outbox_pg_drain{drainers}_per_s={rate:.0}");
            println!("BENCH outbox_pg_drain{drainers}_lost={lost}");
            println!("BENCH outbox_pg_drain{drainers}_duplicated={dup}");
            outbox.store().close().await;
        }
        println!("BENCH outbox_drain_events={drain_n}");
    });
}
