//! stripe-client on wasm32, in Node: `cargo xtask test` runs this file with
//! wasm-bindgen-test-runner. The per-attempt timeout and the backoff on the host's timer, the
//! host's clock, idempotency keys from the host's random source, webhooks and the three
//! encodings. Requests over the network (stripe-mock, a retried 500):
//! examples/cloudflare-worker's tests.
#![cfg(target_arch = "wasm32")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stripe_client::prelude::*;
use stripe_client::retry::{Instant, SystemTime, UNIX_EPOCH};
use stripe_client::transport::BoxFuture;
use stripe_client::types::file::Purpose;
use stripe_client::types::rt::{FileUpload, Timestamp};
use stripe_client::types::CreateFile;
use stripe_client::webhook::{EventObject, Webhook};
use stripe_client::{HttpRequest, HttpResponse, MockTransport, Transport};
use wasm_bindgen_test::wasm_bindgen_test;

/// A transport whose requests never get an answer.
struct Silent(Arc<AtomicUsize>);

impl Transport for Silent {
    fn send(&self, _: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending())
    }
}

#[wasm_bindgen_test]
async fn an_attempt_times_out_on_the_host_timer_and_is_retried_after_a_backoff() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let client = Client::builder("sk_test_123")
        .transport(Silent(attempts.clone()))
        .timeout(Duration::from_millis(100))
        .max_retries(1)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .raw_request(Method::Get, "/v1/balance", serde_json::Value::Null)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(100)),
        "{err:?}"
    );
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    // Two timeouts of 100 ms around a backoff of at least 500 ms.
    assert!(elapsed >= Duration::from_millis(650), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[wasm_bindgen_test]
fn the_clock_reads_the_host() {
    let now = Timestamp::now().0;
    let system = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(now > 1_700_000_000, "{now}");
    assert!((now - system).abs() <= 1, "{now} vs {system}");
}

#[wasm_bindgen_test]
fn a_signed_delivery_is_verified_and_decoded_as_a_typed_event() {
    let secret = "whsec_test_secret";
    let body = br#"{"id":"evt_1","object":"event","created":1700000000,"livemode":false,
      "pending_webhooks":1,"type":"customer.created",
      "data":{"object":{"id":"cus_1","object":"customer","created":1700000000,"livemode":false}}}"#;
    let header = Webhook::generate_test_signature(body, secret, Timestamp::now());
    let event = Webhook::construct_event(body, &header, secret).unwrap();
    assert_eq!(event.type_.as_str(), "customer.created");
    match &event.data.object {
        EventObject::Customer(c) => assert_eq!(c.id.as_str(), "cus_1"),
        other => panic!("unexpected {:?}", other.object_name()),
    }
    let hour_ago = Timestamp(Timestamp::now().0 - 3600);
    let old = Webhook::generate_test_signature(body, secret, hour_ago);
    assert!(Webhook::construct_event(body, &old, secret).is_err());
}

#[wasm_bindgen_test]
async fn form_json_and_multipart_bodies_with_random_idempotency_keys() {
    let mock = MockTransport::new();
    mock.push_json(200, r#"{"id":"cus_1"}"#)
        .push_json(200, r#"{"id":"ed_1"}"#)
    .push_json(
        200,
        r#"{"id":"file_1","object":"file","created":1700000000,"purpose":"dispute_evidence","size":5}"#,
    );
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .build()
        .unwrap();
    client
        .raw_request(
            Method::Post,
            "/v1/customers",
            serde_json::json!({"email": "jenny@example.com"}),
        )
        .await
        .unwrap();
    client
        .raw_request(
            Method::Post,
            "/v2/core/event_destinations",
            serde_json::json!({"name": "x"}),
        )
        .await
        .unwrap();
    CreateFile::new(
        FileUpload::from_bytes("a.txt", b"hello".to_vec()),
        Purpose::DisputeEvidence,
    )
    .send(&client)
    .await
    .unwrap();
    let reqs = mock.requests();
    assert_eq!(
        reqs[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(reqs[0].body_text(), "email=jenny%40example.com");
    assert_eq!(reqs[1].header("content-type"), Some("application/json"));
    assert_eq!(reqs[1].body_text(), r#"{"name":"x"}"#);
    let multipart = reqs[2].header("content-type").unwrap();
    assert!(
        multipart.starts_with("multipart/form-data; boundary="),
        "{multipart}"
    );
    assert!(reqs[2].body_text().contains("hello"));
    let keys: Vec<&str> = reqs
        .iter()
        .map(|r| r.header("idempotency-key").unwrap())
        .collect();
    assert!(keys[0] != keys[1] && keys[1] != keys[2], "{keys:?}");
}
