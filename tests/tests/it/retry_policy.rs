//! The one retry policy (`stripe_client::retry::RetryPolicy`): set on the builder, asked by
//! the client's loop with the response itself, by `Error::is_retryable` and by the meter
//! event sender, so all three give one answer; a total deadline over every attempt; no retry
//! of a certificate the server presents that does not verify.

use integration_tests::fault::{Action, FaultServer};
use integration_tests::reqs::{CreateCustomer, RetrieveCustomer};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stripe_client::meter::{FailedEvent, MeterEvent, MeterEventSender};
use stripe_client::retry::{ManualClock, RetryPolicy};
use stripe_client::{Client, Error, StripeRequestExt};

const API_ERROR: &str = r#"{"error":{"type":"api_error","message":"boom"}}"#;

fn client(url: &str, clock: &ManualClock, policy: RetryPolicy) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .clock(clock.clone())
        .retry_policy(policy)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_policy_set_on_the_builder_is_the_clients() {
    let server = FaultServer::start(vec![Action::status(500, API_ERROR); 10]).await;
    let clock = ManualClock::new();
    let c = client(&server.url, &clock, RetryPolicy::never());
    assert_eq!(c.retry_policy(), RetryPolicy::never());
    let e = CreateCustomer::new().send(&c).await.unwrap_err();
    assert_eq!(server.count(), 1, "never: one attempt");
    assert_eq!(e.status(), Some(500));

    let server = FaultServer::start(vec![Action::status(500, API_ERROR); 10]).await;
    let c = client(&server.url, &clock, RetryPolicy::new().max_retries(4));
    CreateCustomer::new().send(&c).await.unwrap_err();
    assert_eq!(server.count(), 5, "four retries");
    // `ClientBuilder::max_retries` sets the same policy's budget.
    let c = Client::builder("sk_test_123")
        .max_retries(7)
        .build()
        .unwrap();
    assert_eq!(c.retry_policy(), RetryPolicy::new().max_retries(7));
}

/// `Stripe-Should-Retry: false` on a 503: the client does not retry it, and
/// `Error::is_retryable` says the same (it used to say `true` for every 5xx).
#[tokio::test]
async fn should_retry_false_is_one_answer_for_the_client_and_is_retryable() {
    let server = FaultServer::start(vec![Action::status_with(
        503,
        ("Stripe-Should-Retry", "false"),
        API_ERROR,
    )])
    .await;
    let clock = ManualClock::new();
    let e = CreateCustomer::new()
        .send(&client(&server.url, &clock, RetryPolicy::new()))
        .await
        .unwrap_err();
    assert_eq!(server.count(), 1);
    assert!(!e.is_retryable());
    assert!(!e.as_api_error().unwrap().is_transient());
}

#[tokio::test]
async fn a_total_deadline_bounds_all_attempts_and_backoffs() {
    let server = FaultServer::start(vec![Action::status(500, API_ERROR); 50]).await;
    let clock = ManualClock::new();
    let policy = RetryPolicy::new()
        .max_retries(20)
        .total_deadline(Duration::from_secs(4));
    let e = CreateCustomer::new()
        .send(&client(&server.url, &clock, policy))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500), "the last attempt's error");
    let slept: Duration = clock.sleeps().iter().sum();
    assert!(slept < Duration::from_secs(4), "slept {slept:?}");
    assert!(
        (2..=6).contains(&server.count()),
        "{} attempts: backoffs of 0.5–1, 0.5–1, 1–2 s… fit 2 to 6 into 4 s",
        server.count()
    );
}

#[tokio::test]
async fn a_total_deadline_cuts_a_hanging_attempt_short() {
    let server = FaultServer::start(vec![Action::Hang; 5]).await;
    let c = Client::builder("sk_test_123")
        .base_url(&server.url)
        .timeout(Duration::from_secs(60))
        .retry_policy(
            RetryPolicy::new()
                .max_retries(5)
                .total_deadline(Duration::from_millis(700)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let e = RetrieveCustomer::new("cus_1").send(&c).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(server.count(), 1, "no retry starts after the deadline");
}

/// A TLS server with a self-signed certificate (which the default roots do not trust),
/// counting the connections it accepts.
async fn untrusted_tls_server() -> (String, Arc<AtomicUsize>) {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    (url, connections)
}

#[tokio::test]
async fn a_certificate_that_does_not_verify_is_not_retried() {
    let (url, connections) = untrusted_tls_server().await;
    let clock = ManualClock::new();
    let c = Client::builder("sk_test_123")
        .base_url(&url)
        .clock(clock.clone())
        .build()
        .unwrap();
    let e = RetrieveCustomer::new("cus_1").send(&c).await.unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e:?}");
    assert!(!e.is_retryable(), "{e}");
    assert_eq!(connections.load(Ordering::SeqCst), 1, "one attempt: {e}");
    assert!(
        clock.sleeps().is_empty(),
        "no backoff: {:?}",
        clock.sleeps()
    );
}

/// The meter event sender asks the same policy: a 503 with `Stripe-Should-Retry: false` is
/// not resent (the sender used to retry every 5xx), and the client's budget is the sender's.
#[tokio::test]
async fn the_meter_sender_follows_the_policy() {
    let session = serde_json::json!({
        "id": "mes_1",
        "object": "v2.billing.meter_event_session",
        "authentication_token": "tok_session",
        "created": "2030-01-01T00:00:00.000Z",
        "expires_at": "2099-01-01T00:00:00.000Z",
        "livemode": false,
    })
    .to_string();
    let run = |script: Vec<Action>, policy: RetryPolicy| async move {
        let server = FaultServer::start_with_fallback(script, "{}").await;
        let clock = ManualClock::new();
        let failed = Arc::new(Mutex::new(Vec::<FailedEvent>::new()));
        let f2 = failed.clone();
        let sender = MeterEventSender::builder(client(&server.url, &clock, policy))
            .linger(Duration::from_millis(1))
            .failure_sink(move |f: FailedEvent| f2.lock().unwrap().push(f))
            .build()
            .unwrap();
        sender
            .send(MeterEvent::new("api_requests", "cus_1").value(1))
            .await
            .unwrap();
        let stats = sender.shutdown().await;
        let failed = failed.lock().unwrap().len();
        (stats, failed, server.count())
    };
    let (stats, failed, requests) = run(
        vec![
            Action::status(200, &session),
            Action::status_with(503, ("Stripe-Should-Retry", "false"), API_ERROR),
        ],
        RetryPolicy::new(),
    )
    .await;
    assert_eq!(
        (stats.retried, stats.failed, failed),
        (0, 1, 1),
        "{stats:?}"
    );
    assert_eq!(requests, 2, "session + one stream request");

    // A plain 500 is resent within the client's budget: one retry here.
    let (stats, _, requests) = run(
        vec![
            Action::status(200, &session),
            Action::status(500, API_ERROR),
            Action::status(500, API_ERROR),
        ],
        RetryPolicy::new().max_retries(1),
    )
    .await;
    assert_eq!((stats.retried, stats.failed), (1, 1), "{stats:?}");
    assert_eq!(requests, 3);
}
