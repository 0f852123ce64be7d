//! `Batch`: input order, isolation of an error and of a panic, and the concurrency bound
//! measured by a local server.

use axum::routing::get;
use axum::Router;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stripe_client::batch::{Batch, BatchError};
use stripe_client::prelude::*;
use stripe_client::Error;

#[tokio::test]
async fn results_come_back_in_input_order() {
    // Later calls finish first.
    let mut batch: Batch<'_, usize> = Batch::new().concurrency(8);
    for i in 0..8usize {
        batch.push(async move {
            tokio::time::sleep(Duration::from_millis(10 * (8 - i as u64))).await;
            Ok(i)
        });
    }
    assert_eq!(batch.len(), 8);
    let out: Vec<usize> = batch.run().await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(out, (0..8).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_error_fails_only_its_slot() {
    let results = Batch::new()
        .with(async { Ok::<_, Error>("a") })
        .with(async { Err(Error::Validation("bad".into())) })
        .with(async { Ok("c") })
        .run()
        .await;
    assert_eq!(results.len(), 3);
    assert_eq!(*results[0].as_ref().unwrap(), "a");
    match &results[1] {
        Err(BatchError::Failed(Error::Validation(m))) => assert_eq!(m, "bad"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(*results[2].as_ref().unwrap(), "c");
}

#[tokio::test]
async fn a_panic_fails_only_its_slot() {
    let results = Batch::new()
        .concurrency(2)
        .with(async { Ok::<u32, Error>(1) })
        .with(async {
            if true {
                panic!("boom in call 1");
            }
            Ok(2)
        })
        .with(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(3)
        })
        .run()
        .await;
    assert_eq!(*results[0].as_ref().unwrap(), 1);
    let e = results[1].as_ref().unwrap_err();
    assert!(e.is_panic());
    assert!(e.to_string().contains("boom in call 1"), "{e}");
    assert_eq!(*results[2].as_ref().unwrap(), 3);
}

#[tokio::test]
async fn empty_batch_and_zero_concurrency() {
    let empty: Batch<'_, ()> = Batch::new();
    assert!(empty.is_empty());
    assert!(empty.run().await.is_empty());
    // 0 is treated as 1: the calls still run, one at a time.
    let out = Batch::new()
        .concurrency(0)
        .with(async { Ok::<_, Error>(1) })
        .with(async { Ok(2) })
        .run()
        .await;
    assert_eq!(
        out.into_iter().map(|r| r.unwrap()).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
}

async fn slow(gauge: Arc<Gauge>) -> axum::Json<serde_json::Value> {
    let n = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
    gauge.max.fetch_max(n, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(60)).await;
    gauge.now.fetch_sub(1, Ordering::SeqCst);
    let k = gauge.total.fetch_add(1, Ordering::SeqCst);
    axum::Json(serde_json::json!({"ok": true, "n": k}))
}

/// The bound as seen by a server: with 12 calls and `concurrency(3)`, at most (and, with a
/// slow server, exactly) 3 requests are in flight; the failing call (a 404) fails alone.
#[tokio::test]
async fn concurrency_bound_measured_by_a_local_server() {
    let gauge = Arc::new(Gauge::default());
    let g = gauge.clone();
    let app = Router::new().route("/v1/slow", get(move || slow(g.clone())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = stripe_client::Client::builder("sk_test_123")
        .base_url(&url)
        .max_retries(0)
        .build()
        .unwrap();

    let mut batch = Batch::new().concurrency(3);
    for i in 0..12 {
        let client = client.clone();
        let path = if i == 5 { "/v1/missing" } else { "/v1/slow" };
        batch.push(async move {
            client
                .raw_request(Method::Get, path, serde_json::json!({}))
                .await
        });
    }
    let results = batch.run().await;
    assert_eq!(results.len(), 12);
    for (i, r) in results.iter().enumerate() {
        if i == 5 {
            let e = r.as_ref().unwrap_err().as_failed().expect("an API error");
            assert_eq!(e.status(), Some(404));
        } else {
            assert_eq!(r.as_ref().unwrap()["ok"], true, "slot {i}");
        }
    }
    assert_eq!(gauge.total.load(Ordering::SeqCst), 11);
    assert_eq!(
        gauge.max.load(Ordering::SeqCst),
        3,
        "at most 3 requests in flight"
    );
}

/// Typed SDK calls of different kinds in one batch (mapped to one type), against stripe-mock.
#[tokio::test]
async fn typed_calls_against_stripe_mock() {
    use stripe_types::{ListProducts, RetrievePaymentIntent};
    let client = integration_tests::client_for(&integration_tests::stripe_mock());
    let (c1, c2) = (client.clone(), client.clone());
    let results = Batch::new()
        .concurrency(2)
        .with(async move {
            RetrievePaymentIntent::new("pi_123")
                .send(&c1)
                .await
                .map(|p| p.id.to_string())
        })
        .with(async move {
            ListProducts::new()
                .limit(2)
                .send(&c2)
                .await
                .map(|l| format!("{} products", l.data.len()))
        })
        .run()
        .await;
    assert_eq!(results[0].as_ref().unwrap(), "pi_123");
    assert!(results[1].as_ref().unwrap().ends_with("products"));
}
