//! Fault injection against a local scripted server on 127.0.0.1: attempt counts, one
//! idempotency key across attempts, no retry where the policy says none, error
//! classification and timeouts. Backoff uses a `ManualClock`, so no test sleeps for it.

use integration_tests::fault::{Action, FaultServer};
use integration_tests::reqs::{CreateCustomer, RetrieveCustomer};
use std::time::Duration;
use stripe_client::retry::ManualClock;
use stripe_client::{ApiErrorKind, Client, Error, ErrorCode, RequestOptions, StripeRequestExt};

const API_ERROR: &str = r#"{"error":{"type":"api_error","message":"boom"}}"#;
const LOCK_TIMEOUT: &str =
    r#"{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"locked"}}"#;
const RATE_LIMIT: &str =
    r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"slow down"}}"#;

fn client(url: &str, clock: &ManualClock) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .clock(clock.clone())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn same_key(server: &FaultServer) -> String {
    let reqs = server.requests();
    let first = reqs[0]
        .header("idempotency-key")
        .expect("idempotency key")
        .to_owned();
    for r in &reqs {
        assert_eq!(
            r.header("idempotency-key"),
            Some(first.as_str()),
            "same key on every attempt"
        );
    }
    first
}

#[tokio::test]
async fn retries_500_then_succeeds() {
    let server = FaultServer::start(vec![Action::status(500, API_ERROR)]).await;
    let clock = ManualClock::new();
    let resp = CreateCustomer::new()
        .email("a@b.com")
        .send_with_response(&client(&server.url, &clock))
        .await
        .unwrap();
    assert_eq!(resp.id, "cus_ok");
    assert_eq!(resp.attempts, 2);
    assert_eq!(resp.request_id(), Some("req_fault_2"));
    assert_eq!(server.count(), 2);
    same_key(&server);
    assert_eq!(server.requests()[1].body, "email=a%40b.com");
    assert_eq!(clock.sleeps().len(), 1);
}

#[tokio::test]
async fn retries_503_and_409_up_to_the_default_two() {
    let server = FaultServer::start(vec![
        Action::status(503, API_ERROR),
        Action::status(
            409,
            r#"{"error":{"type":"invalid_request_error","message":"conflict"}}"#,
        ),
    ])
    .await;
    let clock = ManualClock::new();
    let c = CreateCustomer::new()
        .send(&client(&server.url, &clock))
        .await
        .unwrap();
    assert_eq!(c.id, "cus_ok");
    assert_eq!(server.count(), 3);
    same_key(&server);
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let server = FaultServer::start(vec![Action::status(500, API_ERROR); 5]).await;
    let clock = ManualClock::new();
    let e = CreateCustomer::new()
        .send(&client(&server.url, &clock))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 3, "1 attempt + 2 retries");
    assert_eq!(e.status(), Some(500));
    assert_eq!(e.request_id(), Some("req_fault_3"));
    assert!(e.is_retryable());
    assert_eq!(e.as_api_error().unwrap().kind, ApiErrorKind::Api);
    same_key(&server);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] >= Duration::from_millis(500) && sleeps[0] <= Duration::from_millis(500));
    assert!(sleeps[1] >= Duration::from_millis(500) && sleeps[1] <= Duration::from_secs(1));
}

#[tokio::test]
async fn per_request_max_retries() {
    let server = FaultServer::start(vec![Action::status(500, API_ERROR); 5]).await;
    let clock = ManualClock::new();
    let c = client(&server.url, &clock);
    let e = CreateCustomer::new()
        .send_with(&c, RequestOptions::new().max_retries(0))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 1);
    assert_eq!(e.status(), Some(500));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn plain_429_is_not_retried() {
    let server = FaultServer::start(vec![Action::status(429, RATE_LIMIT)]).await;
    let clock = ManualClock::new();
    let e = CreateCustomer::new()
        .send(&client(&server.url, &clock))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 1);
    let api = e.as_api_error().unwrap();
    assert_eq!(api.kind, ApiErrorKind::RateLimit);
    assert_eq!(api.code, Some(ErrorCode::RateLimit));
    // One retry policy: `is_retryable` gives the answer the client's own retries follow.
    assert!(!e.is_retryable(), "a plain rate limit is not retried");
}

#[tokio::test]
async fn lock_timeout_429_is_retried() {
    let server = FaultServer::start(vec![Action::status(429, LOCK_TIMEOUT)]).await;
    let clock = ManualClock::new();
    CreateCustomer::new()
        .send(&client(&server.url, &clock))
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
    same_key(&server);
}

#[tokio::test]
async fn should_retry_true_overrides_status() {
    let server = FaultServer::start(vec![Action::status_with(
        400,
        ("Stripe-Should-Retry", "true"),
        r#"{"error":{"type":"invalid_request_error"}}"#,
    )])
    .await;
    let clock = ManualClock::new();
    CreateCustomer::new()
        .send(&client(&server.url, &clock))
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn should_retry_false_is_never_retried() {
    let server = FaultServer::start(vec![
        Action::status_with(503, ("Stripe-Should-Retry", "false"), API_ERROR),
        Action::status_with(409, ("Stripe-Should-Retry", "false"), API_ERROR),
    ])
    .await;
    let clock = ManualClock::new();
    let c = client(&server.url, &clock);
    let e = CreateCustomer::new().send(&c).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.as_api_error().unwrap().should_retry, Some(false));
    let e = CreateCustomer::new().send(&c).await.unwrap_err();
    assert_eq!(e.status(), Some(409));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn permanent_errors_are_not_retried() {
    let server = FaultServer::start(vec![
        Action::status(400, r#"{"error":{"type":"invalid_request_error","code":"parameter_missing","param":"email"}}"#),
        Action::status(401, r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}"#),
        Action::status(404, r#"{"error":{"type":"invalid_request_error","code":"resource_missing"}}"#),
    ])
    .await;
    let clock = ManualClock::new();
    let c = client(&server.url, &clock);
    let kinds = [
        ApiErrorKind::InvalidRequest,
        ApiErrorKind::Authentication,
        ApiErrorKind::InvalidRequest,
    ];
    for kind in kinds {
        let e = CreateCustomer::new().send(&c).await.unwrap_err();
        assert_eq!(e.as_api_error().unwrap().kind, kind);
        assert!(!e.is_retryable());
    }
    assert_eq!(server.count(), 3);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn connection_reset_is_retried_with_the_same_key() {
    let server = FaultServer::start(vec![Action::Reset, Action::Reset]).await;
    let clock = ManualClock::new();
    let c = CreateCustomer::new()
        .send(&client(&server.url, &clock))
        .await
        .unwrap();
    assert_eq!(c.id, "cus_ok");
    assert_eq!(server.count(), 3);
    same_key(&server);
}

#[tokio::test]
async fn connection_reset_exhausts_retries_as_connection_error() {
    let server = FaultServer::start(vec![Action::Reset; 3]).await;
    let clock = ManualClock::new();
    let e = CreateCustomer::new()
        .send(&client(&server.url, &clock))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert_eq!(e.status(), None);
    assert_eq!(server.count(), 3);
    assert!(!e.to_string().contains("sk_test_123"));
}

#[tokio::test]
async fn refused_connection_is_a_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = ManualClock::new();
    let c = client(&format!("http://127.0.0.1:{port}"), &clock);
    let e = RetrieveCustomer::new("cus_1").send(&c).await.unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert_eq!(clock.sleeps().len(), 2, "retried twice");
}

#[tokio::test]
async fn slow_body_times_out_then_retry_succeeds() {
    let server = FaultServer::start(vec![Action::SlowBody(Duration::from_secs(3))]).await;
    let clock = ManualClock::new();
    let c = Client::builder("sk_test_123")
        .base_url(&server.url)
        .clock(clock.clone())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let resp = CreateCustomer::new().send_with_response(&c).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(resp.attempts, 2);
    same_key(&server);
}

#[tokio::test]
async fn hanging_server_times_out() {
    let server = FaultServer::start(vec![Action::Hang, Action::Hang]).await;
    let clock = ManualClock::new();
    let c = client(&server.url, &clock);
    let started = std::time::Instant::now();
    let e = RetrieveCustomer::new("cus_1")
        .send_with(
            &c,
            RequestOptions::new()
                .timeout(Duration::from_millis(200))
                .max_retries(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout(d) if d == Duration::from_millis(200)),
        "{e:?}"
    );
    assert!(e.is_retryable());
    assert_eq!(server.count(), 2);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn html_502_from_a_proxy() {
    let server = FaultServer::start(vec![
        Action::status(
            502,
            "<html><h1>502 Bad Gateway</h1></html>"
        );
        3
    ])
    .await;
    let clock = ManualClock::new();
    let e = RetrieveCustomer::new("cus_1")
        .send(&client(&server.url, &clock))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(e.request_id(), Some("req_fault_3"));
    assert!(e.to_string().contains("502 Bad Gateway"));
    assert_eq!(server.count(), 3);
    // A GET carries no idempotency key on any attempt.
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("idempotency-key").is_none()));
}

#[tokio::test]
async fn response_too_large_from_the_wire() {
    let big = format!(r#"{{"id":"cus_1","pad":"{}"}}"#, "x".repeat(10_000));
    let server = FaultServer::start_with_fallback(vec![], &big).await;
    let c = Client::builder("sk_test_123")
        .base_url(&server.url)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let e = RetrieveCustomer::new("cus_1").send(&c).await.unwrap_err();
    assert!(
        matches!(e, Error::ResponseTooLarge { limit: 1024, .. }),
        "{e:?}"
    );
    assert_eq!(server.count(), 1, "not retried");
}
