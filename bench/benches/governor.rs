//! The rate governor on a backfill: a local server enforces 25 requests/s (Stripe's test-mode
//! limit, as Stripe enforces it: a token bucket of 25 a second, 25 at most, 429 `rate_limit`
//! above it), and 2,000 `UpdateCustomer` calls go through `Batch` at concurrency 64, first
//! with a governor (Stripe's test-mode limits, from the `sk_test_` key), then without one.
//!
//! `cargo bench -p stripe-benches --bench governor` (or `cargo xtask bench --only governor`).
//! The limit allows 2,000 calls in 80 s; the target is 0 rejected within 5 % of that. Ends with
//! `BENCH governor_*` and `BENCH ungoverned_*` lines.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stripe_client::batch::Batch;
use stripe_client::governor::Governor;
use stripe_client::prelude::*;
use stripe_client::Client;
use stripe_types::UpdateCustomer;

const CALLS: usize = 2_000;
const CONCURRENCY: usize = 64;
const RATE: f64 = 25.0;

#[derive(Default)]
struct Counts {
    accepted: AtomicU64,
    rejected: AtomicU64,
}

/// The rate-enforcing server, on its own thread and runtime.
fn spawn_server(counts: Arc<Counts>) -> std::net::SocketAddr {
    stripe_benches::spawn_server(move |listener| async move {
        let bucket = Arc::new(Mutex::new((RATE, Instant::now())));
        let app = Router::new().fallback(move || {
            let (bucket, counts) = (bucket.clone(), counts.clone());
            async move {
                let ok = {
                    let mut b = bucket.lock().expect("bucket");
                    let now = Instant::now();
                    b.0 = (b.0 + RATE * now.duration_since(b.1).as_secs_f64()).min(RATE);
                    b.1 = now;
                    let ok = b.0 >= 1.0;
                    if ok {
                        b.0 -= 1.0;
                    }
                    ok
                };
                let json = [("content-type", "application/json")];
                if ok {
                    counts.accepted.fetch_add(1, Ordering::Relaxed);
                    (StatusCode::OK, json, stripe_benches::CUSTOMER).into_response()
                } else {
                    counts.rejected.fetch_add(1, Ordering::Relaxed);
                    let body = r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests hit the API too quickly."}}"#;
                    (StatusCode::TOO_MANY_REQUESTS, json, body).into_response()
                }
            }
        });
        let _ = axum::serve(listener, app).await;
    })
}

struct Run {
    seconds: f64,
    failed: usize,
    rejected: u64,
    retries: u64,
}

async fn backfill(client: &Client, counts: &Counts) -> Run {
    let before = (
        counts.accepted.load(Ordering::Relaxed),
        counts.rejected.load(Ordering::Relaxed),
    );
    let started = Instant::now();
    let mut batch = Batch::new().concurrency(CONCURRENCY);
    for i in 0..CALLS {
        let client = client.clone();
        batch.push(async move {
            UpdateCustomer::new(format!("cus_{i:05}"))
                .description("backfilled")
                .send(&client)
                .await
        });
    }
    let results = batch.run().await;
    let seconds = started.elapsed().as_secs_f64();
    let accepted = counts.accepted.load(Ordering::Relaxed) - before.0;
    let rejected = counts.rejected.load(Ordering::Relaxed) - before.1;
    Run {
        seconds,
        failed: results.iter().filter(|r| r.is_err()).count(),
        rejected,
        retries: (accepted + rejected).saturating_sub(CALLS as u64),
    }
}

fn main() {
    let counts = Arc::new(Counts::default());
    let addr = spawn_server(counts.clone());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let base = format!("http://{addr}");
        let governor = Governor::new();
        let governed = Client::builder("sk_test_bench_governor")
            .base_url(&base)
            .governor(&governor)
            .build()
            .expect("client");
        let g = backfill(&governed, &counts).await;
        let ideal = CALLS as f64 / RATE;
        println!(
            "governor: {CALLS} calls at concurrency {CONCURRENCY} under {RATE}/s in {:.2} s ({:+.2} % of the {ideal:.0} s the limit allows), {} rejected, {} retries, {} failed; waited {:.0} s in all",
            g.seconds,
            (g.seconds / ideal - 1.0) * 100.0,
            g.rejected,
            g.retries,
            g.failed,
            governor.stats().waited.as_secs_f64()
        );
        // Let the server's bucket fill again.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let plain = Client::builder("sk_test_bench_governor")
            .base_url(&base)
            .build()
            .expect("client");
        let u = backfill(&plain, &counts).await;
        println!(
            "without: {CALLS} calls in {:.2} s, {} answered 429, {} retries, {} failed",
            u.seconds, u.rejected, u.retries, u.failed
        );
        println!("BENCH governor_seconds={:.3}", g.seconds);
        println!("BENCH governor_ideal_seconds={ideal:.3}");
        println!("BENCH governor_rejected={}", g.rejected);
        println!("BENCH governor_retries={}", g.retries);
        println!("BENCH governor_failed={}", g.failed);
        println!("BENCH ungoverned_seconds={:.3}", u.seconds);
        println!("BENCH ungoverned_rejected={}", u.rejected);
        println!("BENCH ungoverned_retries={}", u.retries);
        println!("BENCH ungoverned_failed={}", u.failed);
    });
}
