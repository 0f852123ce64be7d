//! Client overhead per request: create a customer (encode, send, decode) through
//! `stripe-client` against a local canned axum server, beside a hand-written
//! reqwest + serde_json call doing the same work. Prints the ratio (target ≤ 1.15×).
//!
//! `cargo bench -p stripe-benches --bench client_overhead`

use axum::routing::post;
use axum::Router;
use criterion::{criterion_group, Criterion};
use serde::Serialize;
use std::time::{Duration, Instant};
use stripe_benches::{CreateCustomer, Customer, CUSTOMER};
use stripe_client::prelude::*;

#[derive(Serialize)]
struct Form<'a> {
    email: &'a str,
    name: &'a str,
    #[serde(rename = "metadata[order_id]")]
    metadata_order_id: &'a str,
}

struct Setup {
    rt: tokio::runtime::Runtime,
    client: Client,
    http: reqwest::Client,
    url: String,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(async {
        let app = Router::new().route(
            "/v1/customers",
            post(|_body: axum::body::Bytes| async {
                (
                    [
                        ("content-type", "application/json"),
                        ("request-id", "req_bench"),
                    ],
                    CUSTOMER,
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    });
    let client = Client::builder("sk_test_123")
        .base_url(&url)
        .build()
        .unwrap();
    let http = reqwest::Client::builder().build().unwrap();
    Setup {
        rt,
        client,
        http,
        url,
    }
}

async fn via_client(client: &Client) -> Customer {
    CreateCustomer::jenny_rosen().send(client).await.unwrap()
}

async fn by_hand(http: &reqwest::Client, url: &str) -> Customer {
    let form = Form {
        email: "jennyrosen@example.com",
        name: "Jenny Rosen",
        metadata_order_id: "6735",
    };
    let resp = http
        .post(format!("{url}/v1/customers"))
        .bearer_auth("sk_test_123")
        .header("Stripe-Version", stripe_client::API_VERSION)
        .form(&form)
        .send()
        .await
        .unwrap();
    let bytes = resp.bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn bench(c: &mut Criterion) {
    let s = setup();
    // Warm both connection pools.
    s.rt.block_on(async {
        via_client(&s.client).await;
        by_hand(&s.http, &s.url).await;
    });
    let mut g = c.benchmark_group("create_customer");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("stripe_client", |b| {
        b.to_async(&s.rt).iter(|| via_client(&s.client))
    });
    g.bench_function("hand_written_reqwest", |b| {
        b.to_async(&s.rt).iter(|| by_hand(&s.http, &s.url))
    });
    g.finish();
}

/// Interleaved rounds of both calls; the ratio of the medians.
fn ratio() {
    let s = setup();
    let rounds = 30;
    let per_round = 200;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    s.rt.block_on(async {
        for _ in 0..per_round {
            via_client(&s.client).await;
            by_hand(&s.http, &s.url).await;
        }
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..per_round {
                via_client(&s.client).await;
            }
            a.push(t.elapsed() / per_round);
            let t = Instant::now();
            for _ in 0..per_round {
                by_hand(&s.http, &s.url).await;
            }
            b.push(t.elapsed() / per_round);
        }
    });
    a.sort();
    b.sort();
    let (ma, mb) = (a[rounds / 2], b[rounds / 2]);
    println!(
        "client_overhead: stripe-client {ma:?}/req, hand-written reqwest+serde_json {mb:?}/req, ratio {:.3}x (target <= 1.15x)",
        ma.as_secs_f64() / mb.as_secs_f64()
    );
}

criterion_group!(benches, bench);

/// `client_overhead --profile <client|reqwest> [calls]`: only that call, in a loop, for
/// `perf stat` / `perf record`; prints wall and process CPU time per call.
fn profile(which: &str, calls: u32) {
    let s = setup();
    s.rt.block_on(async {
        for _ in 0..1000 {
            via_client(&s.client).await;
            by_hand(&s.http, &s.url).await;
        }
        let t = Instant::now();
        for _ in 0..calls {
            match which {
                "client" => drop(via_client(&s.client).await),
                _ => drop(by_hand(&s.http, &s.url).await),
            }
        }
        println!(
            "profile {which}: {calls} calls, {:?}/call",
            t.elapsed() / calls
        );
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let which = args.get(i + 1).map_or("client", String::as_str);
        let calls = args
            .get(i + 2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        return profile(which, calls);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    ratio();
}
