//! stripe-client on wasm32, in Node: `cargo xtask test` runs this file with
//! wasm-bindgen-test-runner. The per-attempt timeout and the backoff on the host's timer, the
//! host's clock, idempotency keys from the host's random source, webhooks and the three
//! encodings; the host's `fetch` against servers in the same Node process (`node:http`): a
//! redirect handed back, not followed, and a body without `Content-Length` cut at the size
//! limit as it streams. Requests to stripe-mock and a retried 500: examples/cloudflare-worker's
//! tests.
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

/// Local HTTP servers in the Node process that runs these tests (`node:http`), for the
/// transport over the host's `fetch`.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
import { createServer } from "node:http";

const listen = (server) =>
  new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server.address().port)));

// A server that answers every request with `status` and `Location: <elsewhere>/v1/customers`,
// and the other host, which counts what reaches it.
export async function redirect_servers(status) {
  const state = { stripe: 0, elsewhere: 0 };
  const elsewhere = createServer((req, res) => {
    state.elsewhere += 1;
    req.resume();
    res.setHeader("content-type", "application/json");
    res.end('{"id":"cus_elsewhere","object":"customer"}');
  });
  const elsewherePort = await listen(elsewhere);
  const stripe = createServer((req, res) => {
    state.stripe += 1;
    req.resume();
    res.statusCode = status;
    res.setHeader("location", `http://127.0.0.1:${elsewherePort}/v1/customers`);
    res.setHeader("request-id", "req_redirect");
    res.end();
  });
  const port = await listen(stripe);
  elsewhere.unref();
  stripe.unref();
  return {
    base: `http://127.0.0.1:${port}`,
    elsewhere: `http://127.0.0.1:${elsewherePort}`,
    stripe_hits: () => state.stripe,
    elsewhere_hits: () => state.elsewhere,
    close: () => { stripe.close(); elsewhere.close(); stripe.closeAllConnections?.(); elsewhere.closeAllConnections?.(); },
  };
}

// A server whose 200 body has no Content-Length (chunked): `total` bytes of JSON padding,
// or chunks without end when `total` is negative.
export async function chunked_server(total) {
  const server = createServer((req, res) => {
    req.resume();
    res.setHeader("content-type", "application/json");
    const chunk = " ".repeat(16 * 1024);
    let sent = 0;
    res.write('{"id":"cus_chunked","object":"customer","pad":"');
    const more = () => {
      while (total < 0 || sent < total) {
        const n = total < 0 ? chunk.length : Math.min(chunk.length, total - sent);
        sent += n;
        if (!res.write(chunk.slice(0, n))) { res.once("drain", more); return; }
      }
      res.end('"}');
    };
    more();
  });
  const port = await listen(server);
  server.unref();
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => { server.close(); server.closeAllConnections?.(); },
  };
}
"#)]
extern "C" {
    type Servers;
    async fn redirect_servers(status: u16) -> wasm_bindgen::JsValue;
    async fn chunked_server(total: f64) -> wasm_bindgen::JsValue;
    #[wasm_bindgen(method, getter)]
    fn base(this: &Servers) -> String;
    #[wasm_bindgen(method, getter)]
    fn elsewhere(this: &Servers) -> String;
    #[wasm_bindgen(method)]
    fn stripe_hits(this: &Servers) -> u32;
    #[wasm_bindgen(method)]
    fn elsewhere_hits(this: &Servers) -> u32;
    #[wasm_bindgen(method)]
    fn close(this: &Servers);
}

async fn servers(future: impl std::future::Future<Output = wasm_bindgen::JsValue>) -> Servers {
    use wasm_bindgen::JsCast;
    future.await.unchecked_into()
}

#[wasm_bindgen_test]
async fn fetch_hands_a_redirect_back_and_sends_nothing_to_its_location() {
    for status in [307, 302] {
        let servers = servers(redirect_servers(status)).await;
        let client = Client::builder("sk_test_123")
            .base_url(servers.base())
            .max_retries(2)
            .build()
            .unwrap();
        let opts = RequestOptions::new()
            .stripe_account("acct_123")
            .idempotency_key("order-1");
        let err = client
            .raw_request_with(
                Method::Post,
                "/v1/customers",
                serde_json::json!({"email": "jenny@example.com"}),
                opts,
            )
            .await
            .unwrap_err();
        match &err {
            Error::Redirect {
                status: s,
                location,
                request_id,
            } => {
                assert_eq!(*s, Some(status));
                assert_eq!(
                    location.as_deref(),
                    Some(&*format!("{}/v1/customers", servers.elsewhere()))
                );
                assert_eq!(request_id.as_deref(), Some("req_redirect"));
            }
            other => panic!("expected Error::Redirect, got {other:?}"),
        }
        // Not followed, not retried.
        assert_eq!(servers.elsewhere_hits(), 0);
        assert_eq!(servers.stripe_hits(), 1);
        servers.close();
    }
}

#[wasm_bindgen_test]
async fn fetch_caps_a_body_without_content_length_while_it_streams() {
    // A body that never ends: refused once it passes the limit, not read until a timeout.
    let endless = servers(chunked_server(-1.0)).await;
    let client = Client::builder("sk_test_123")
        .base_url(endless.base())
        .max_response_bytes(256 * 1024)
        .timeout(Duration::from_secs(20))
        .max_retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .raw_request(Method::Get, "/v1/customers/cus_1", serde_json::Value::Null)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                limit: 262_144,
                status: Some(200),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    endless.close();
    // Under the limit, a chunked body is read whole.
    let small = servers(chunked_server(100_000.0)).await;
    let client = Client::builder("sk_test_123")
        .base_url(small.base())
        .max_response_bytes(256 * 1024)
        .build()
        .unwrap();
    let value = client
        .raw_request(Method::Get, "/v1/customers/cus_1", serde_json::Value::Null)
        .await
        .unwrap();
    assert_eq!(value["id"], "cus_chunked");
    assert_eq!(value["pad"].as_str().map(str::len), Some(100_000));
    small.close();
}
