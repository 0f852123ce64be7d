//! Requests per second at concurrency 64 through one `stripe_client::Client` against a local
//! axum server on loopback, counting the TCP connections the server accepted (target: at most
//! 64, i.e. connections are reused).
//!
//! `cargo bench -p stripe-benches --bench concurrency`
//! Ends with `BENCH concurrency_rps=<n>` and `BENCH concurrency_connections=<n>`.

use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use stripe_benches::CUSTOMER;
use stripe_client::prelude::*;
use stripe_client::Client;
use stripe_types::RetrieveCustomer;

const CONCURRENCY: usize = 64;

/// The canned server, on its own thread and runtime ([`stripe_benches::spawn_server`]).
fn spawn_server(accepted: Arc<AtomicU64>) -> std::net::SocketAddr {
    stripe_benches::spawn_server(move |listener| async move {
        let app = Router::new().route(
            "/v1/customers/{id}",
            get(|| async {
                (
                    [
                        ("content-type", "application/json"),
                        ("request-id", "req_bench"),
                    ],
                    CUSTOMER,
                )
            }),
        );
        // Count every TCP connection the server accepts.
        let listener = listener.tap_io(move |_tcp| {
            accepted.fetch_add(1, Ordering::Relaxed);
        });
        let _ = axum::serve(listener, app).await;
    })
}

fn main() {
    let quick =
        std::env::args().any(|a| a == "--quick") || !std::env::args().any(|a| a == "--bench");
    let total: usize = if quick { 20_000 } else { 100_000 };
    let accepted = Arc::new(AtomicU64::new(0));
    let addr = spawn_server(accepted.clone());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let client = Client::builder("sk_test_bench")
            .base_url(format!("http://{addr}"))
            .build()
            .expect("client");
        let started = Instant::now();
        let per = total / CONCURRENCY;
        let mut tasks = Vec::new();
        for _ in 0..CONCURRENCY {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..per {
                    let c = RetrieveCustomer::new("cus_NffrFeUfNV2Hib")
                        .send(&client)
                        .await
                        .expect("request");
                    std::hint::black_box(c);
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let elapsed = started.elapsed();
        let done = per * CONCURRENCY;
        let rps = (done as f64 / elapsed.as_secs_f64()) as u64;
        let conns = accepted.load(Ordering::Relaxed);
        println!(
            "concurrency {CONCURRENCY}: {done} requests in {:.3} s, {rps} requests/s, {conns} TCP connections opened (target <= {CONCURRENCY})",
            elapsed.as_secs_f64()
        );
        println!("BENCH concurrency_rps={rps}");
        println!("BENCH concurrency_connections={conns}");
    });
}
