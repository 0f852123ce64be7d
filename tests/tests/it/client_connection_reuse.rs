//! Connection reuse by the default transport: sequential requests reuse their connection,
//! concurrent tasks reuse the pool's, and a genuine need for more connections is met at once.
//!
//! On loopback with no server delay, hyper's HTTP/1 pool takes a connection back a moment
//! after the caller has the whole body, so a request starting in that moment now and then
//! dials a new one: the bounds below allow for that. Over TLS with a realistic server delay
//! the count is exact (`bench/benches/realistic_network.rs`).

use axum::serve::ListenerExt;
use integration_tests::reqs::RetrieveCustomer;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_client::StripeRequestExt;

/// A local server answering `GET /v1/customers/{id}` after `delay`, counting the TCP
/// connections it accepts.
async fn server(delay: Duration) -> (String, Arc<AtomicU64>) {
    let accepted = Arc::new(AtomicU64::new(0));
    let count = accepted.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let listener = listener.tap_io(move |_| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    let app = axum::Router::new().route(
        "/v1/customers/{id}",
        axum::routing::get(
            move |axum::extract::Path(id): axum::extract::Path<String>| async move {
                tokio::time::sleep(delay).await;
                (
                    [("content-type", "application/json")],
                    format!(r#"{{"id":"{id}","object":"customer"}}"#),
                )
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, accepted)
}

/// `tasks` tasks, each retrieving `per_task` customers one after another through `client`.
async fn retrieve_from_tasks(client: &stripe_client::Client, tasks: usize, per_task: usize) {
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in 0..per_task {
                    RetrieveCustomer::new(format!("cus_{t}_{i}"))
                        .send(&client)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_requests_share_one_connection() {
    let (url, accepted) = server(Duration::ZERO).await;
    let client = integration_tests::client_for(&url);
    for i in 0..200 {
        let c = RetrieveCustomer::new(format!("cus_{i}"))
            .send(&client)
            .await
            .unwrap();
        assert_eq!(c.id, format!("cus_{i}"));
    }
    let n = accepted.load(Ordering::Relaxed);
    println!("connection reuse: 200 sequential requests, connections {n}");
    assert!(
        (1..=4).contains(&n),
        "{n} connections for 200 sequential requests"
    );
}

/// 16 tasks, 100 requests each, no server delay: the pool's returning connections serve
/// the next requests (at most two connections per task: see the module docs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_reuse_connections() {
    let (url, accepted) = server(Duration::ZERO).await;
    retrieve_from_tasks(&integration_tests::client_for(&url), 16, 100).await;
    let n = accepted.load(Ordering::Relaxed);
    println!("connection reuse: 1600 requests from 16 tasks, connections {n}");
    assert!((1..=32).contains(&n), "{n} connections for 16 tasks");
}

/// After a warm, busy client, 8 requests that all need a connection at the same time (the
/// server holds each for 300 ms) get 8 connections, without failing or waiting for one
/// another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_need_for_connections_is_met() {
    let (url, accepted) = server(Duration::from_millis(300)).await;
    let client = integration_tests::client_for(&url);
    RetrieveCustomer::new("cus_warm")
        .send(&client)
        .await
        .unwrap();
    let started = Instant::now();
    let burst: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                RetrieveCustomer::new(format!("cus_{i}"))
                    .send(&client)
                    .await
                    .map(|c| c.id)
            })
        })
        .collect();
    for (i, t) in burst.into_iter().enumerate() {
        assert_eq!(t.await.unwrap().unwrap(), format!("cus_{i}"));
    }
    let elapsed = started.elapsed();
    // 8, or 9 when the burst started before the warm-up's connection was back in the pool.
    let n = accepted.load(Ordering::Relaxed);
    assert!((8..=9).contains(&n), "{n} connections for a burst of 8");
    // Served in parallel: about one server delay, not 8.
    assert!(
        elapsed < Duration::from_millis(1500),
        "burst took {elapsed:?}"
    );
}

/// A client built from the caller's own `reqwest::ClientBuilder` keeps the connection reuse
/// and the caller's settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_from_your_reqwest_builder_reuses_connections() {
    let (url, accepted) = server(Duration::ZERO).await;
    let client = stripe_client::Client::builder("sk_test_123")
        .base_url(&url)
        .http_client_builder(stripe_client::reqwest::Client::builder().pool_max_idle_per_host(8))
        .build()
        .unwrap();
    retrieve_from_tasks(&client, 8, 50).await;
    let n = accepted.load(Ordering::Relaxed);
    assert!((1..=12).contains(&n), "{n} connections for 8 tasks");
}
