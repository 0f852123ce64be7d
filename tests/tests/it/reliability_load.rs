//! Load: 10,000 requests at concurrency 64 through one client, against stripe-mock (through
//! a counting TCP proxy on 127.0.0.1) and against a local axum server that counts the TCP
//! connections it accepts. Zero failures; p50/p99 latency; connections are reused (at most
//! per concurrent request, give or take hyper's pool race).
//!
//! On the connection bound: hyper's HTTP/1 pool takes a connection back only after a task it
//! spawns sees the connection idle, just after the body's end reaches the caller; on
//! loopback, a request starting in that window dials a new connection. That is scheduling,
//! not a leak, so the test asserts reuse with slack (`connections <= 2 x concurrency`) and
//! prints the exact count. Over TLS with a realistic server delay the count is exactly the
//! concurrency (`bench/benches/realistic_network.rs`).

use axum::serve::{Listener, ListenerExt};
use futures_util::stream::{self, StreamExt};
use integration_tests::reqs::RetrieveCustomer;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_client::{Client, StripeRequestExt};
use tokio::net::{TcpListener, TcpStream};

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 64;
/// At most this many TCP connections for the whole run (see the module docs).
const MAX_CONNECTIONS: u64 = 2 * CONCURRENCY as u64;

struct Report {
    failures: usize,
    first_failure: Option<String>,
    p50: Duration,
    p99: Duration,
    elapsed: Duration,
}

async fn run_load(client: &Client) -> Report {
    let started = Instant::now();
    let results: Vec<(Duration, Result<(), String>)> = stream::iter(0..REQUESTS)
        .map(|i| {
            let client = client.clone();
            async move {
                let t = Instant::now();
                let res = RetrieveCustomer::new(format!("cus_load{i}"))
                    .send(&client)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}"));
                (t.elapsed(), res)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut lat: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let failures: Vec<&String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    Report {
        failures: failures.len(),
        first_failure: failures.first().map(|s| (*s).clone()),
        p50: pct(0.50),
        p99: pct(0.99),
        elapsed,
    }
}

/// Zero failures, and connections reused (see the module docs for the bound).
fn check(report: &Report, c: u64) {
    assert_eq!(
        report.failures, 0,
        "first failure: {:?}",
        report.first_failure
    );
    assert!(
        c <= MAX_CONNECTIONS,
        "{c} connections for {CONCURRENCY} concurrent requests"
    );
}

fn print(label: &str, r: &Report, connections: u64) {
    println!(
        "load: {REQUESTS} requests, failures {}, connections {connections}, p50 {:.2} ms, p99 {:.2} ms",
        r.failures,
        r.p50.as_secs_f64() * 1e3,
        r.p99.as_secs_f64() * 1e3
    );
    println!(
        "load detail ({label}): concurrency {CONCURRENCY}, {:.1} s, {:.0} req/s",
        r.elapsed.as_secs_f64(),
        REQUESTS as f64 / r.elapsed.as_secs_f64()
    );
}

fn client(url: &str) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A TCP proxy on 127.0.0.1 in front of `upstream` (`http://host:port`) that counts the
/// connections it accepts.
async fn counting_proxy(upstream: &str) -> (String, Arc<AtomicU64>) {
    let target = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::Relaxed);
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (url, count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_against_stripe_mock() {
    let mock = integration_tests::stripe_mock();
    let (url, connections) = counting_proxy(&mock).await;
    let report = run_load(&client(&url)).await;
    let c = connections.load(Ordering::Relaxed);
    print("stripe-mock via counting proxy", &report, c);
    check(&report, c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_against_local_axum_server() {
    let connections = Arc::new(AtomicU64::new(0));
    let c = connections.clone();
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .tap_io(move |_tcp| {
            c.fetch_add(1, Ordering::Relaxed);
        });
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/v1/customers/{id}",
        axum::routing::get(
            |axum::extract::Path(id): axum::extract::Path<String>| async move {
                (
                    [
                        ("content-type", "application/json"),
                        ("request-id", "req_load"),
                    ],
                    format!(r#"{{"id":"{id}","object":"customer"}}"#),
                )
            },
        ),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let report = run_load(&client(&url)).await;
    let c = connections.load(Ordering::Relaxed);
    print("local axum server", &report, c);
    server.abort();
    check(&report, c);
    assert!(c >= 1);
}
