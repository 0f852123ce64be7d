//! The axum extractors through a real router on 127.0.0.1, with raw HTTP/1.1 requests.

use axum::extract::FromRef;
use axum::routing::post;
use axum::Router;
use stripe_client::webhook::axum::{VerifiedEvent, VerifiedEventNotification, WebhookSecret};
use stripe_client::webhook::Webhook;
use stripe_types::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "whsec_axum_test_SECRET";
const LIMIT: usize = 16 * 1024;

#[derive(Clone)]
struct AppState {
    secret: WebhookSecret,
}

impl FromRef<AppState> for WebhookSecret {
    fn from_ref(s: &AppState) -> Self {
        s.secret.clone()
    }
}

async fn v1(VerifiedEvent(e): VerifiedEvent) -> String {
    format!("ok {} {}", e.type_, e.object_name().unwrap_or("-"))
}

async fn thin(VerifiedEventNotification(n): VerifiedEventNotification) -> String {
    format!("thin {}", n.type_)
}

async fn serve() -> std::net::SocketAddr {
    let state = AppState {
        secret: WebhookSecret::with_secrets(["whsec_old", SECRET])
            .unwrap()
            .max_body_bytes(LIMIT),
    };
    let app = Router::new()
        .route("/webhook", post(v1))
        .route("/thin", post(thin))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Send one request and return (status, body).
async fn post_raw(
    addr: std::net::SocketAddr,
    path: &str,
    signature: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(sig) = signature {
        req.push_str(&format!("Stripe-Signature: {sig}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    // A server may answer (and close) before reading an oversized body.
    let _ = s.write_all(body).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn event(ty: &str) -> String {
    format!(
        r#"{{"id":"evt_1","object":"event","type":"{ty}","created":{},"livemode":false,"pending_webhooks":1,"data":{{"object":{{"id":"pi_1","object":"payment_intent","created":1,"livemode":false,"status":"succeeded"}}}}}}"#,
        Timestamp::now().seconds()
    )
}

fn sign(body: &str, secret: &str) -> String {
    Webhook::generate_test_signature(body.as_bytes(), secret, Timestamp::now())
}

#[tokio::test]
async fn good_request() {
    let addr = serve().await;
    let body = event("payment_intent.succeeded");
    let (status, text) = post_raw(
        addr,
        "/webhook",
        Some(&sign(&body, SECRET)),
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (200, "ok payment_intent.succeeded payment_intent")
    );
    // Either configured secret verifies.
    let (status, _) = post_raw(
        addr,
        "/webhook",
        Some(&sign(&body, "whsec_old")),
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_signature() {
    let addr = serve().await;
    let body = event("payment_intent.succeeded");
    let (status, text) = post_raw(
        addr,
        "/webhook",
        Some(&sign(&body, "whsec_wrong")),
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (400, "no signature matches the payload")
    );
    let tampered = body.replace("evt_1", "evt_2");
    let (status, text) = post_raw(
        addr,
        "/webhook",
        Some(&sign(&body, SECRET)),
        tampered.as_bytes(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(!text.contains("SECRET"));
    let (status, text) = post_raw(addr, "/webhook", Some("t=1,v0=abc"), body.as_bytes()).await;
    assert_eq!(
        (status, text.as_str()),
        (400, "no v1 signature in Stripe-Signature header")
    );
    let (status, text) = post_raw(addr, "/webhook", Some("garbage"), body.as_bytes()).await;
    assert_eq!(
        (status, text.as_str()),
        (400, "malformed Stripe-Signature header")
    );
    let old = Webhook::generate_test_signature(
        body.as_bytes(),
        SECRET,
        Timestamp::now().seconds() - 3600,
    );
    let (status, text) = post_raw(addr, "/webhook", Some(&old), body.as_bytes()).await;
    assert_eq!(
        (status, text.as_str()),
        (400, "timestamp outside the tolerance")
    );
}

#[tokio::test]
async fn missing_header() {
    let addr = serve().await;
    let body = event("payment_intent.succeeded");
    let (status, text) = post_raw(addr, "/webhook", None, body.as_bytes()).await;
    assert_eq!(
        (status, text.as_str()),
        (400, "missing Stripe-Signature header")
    );
}

#[tokio::test]
async fn oversized_body() {
    let addr = serve().await;
    let body = format!("{}{}", event("x"), " ".repeat(LIMIT));
    let (status, text) = post_raw(
        addr,
        "/webhook",
        Some(&sign(&body, SECRET)),
        body.as_bytes(),
    )
    .await;
    assert_eq!((status, text.as_str()), (413, "request body too large"));
}

#[tokio::test]
async fn thin_route_and_wrong_kind() {
    let addr = serve().await;
    let thin_body = r#"{"id":"evt_2","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false,"related_object":{"id":"mtr_1","type":"billing.meter","url":"/v1/billing/meters/mtr_1"}}"#;
    let (status, text) = post_raw(
        addr,
        "/thin",
        Some(&sign(thin_body, SECRET)),
        thin_body.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (200, "thin v1.billing.meter.error_report_triggered")
    );
    // A thin event at the v1 route and a v1 event at the thin route are refused, saying why.
    let (status, text) = post_raw(
        addr,
        "/webhook",
        Some(&sign(thin_body, SECRET)),
        thin_body.as_bytes(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text.contains("parse_event_notification"), "{text}");
    let body = event("customer.created");
    let (status, text) = post_raw(addr, "/thin", Some(&sign(&body, SECRET)), body.as_bytes()).await;
    assert_eq!(status, 400);
    assert!(text.contains("construct_event"), "{text}");
}

#[test]
fn secret_is_not_in_debug() {
    let s = WebhookSecret::new(SECRET).unwrap();
    assert!(!format!("{s:?}").contains("SECRET"));
}

#[tokio::test]
async fn oversized_chunked_body_without_content_length() {
    let addr = serve().await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nStripe-Signature: t=1,v1=00\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 4096];
    for _ in 0..(LIMIT / 4096 + 2) {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .is_err()
            || s.write_all(&chunk).await.is_err()
            || s.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}
