//! The v2 meter event stream against a local axum server (`integration_tests::meter_server`):
//! sessions, bearer tokens, expiry (local and 401), batch bounds, and `MeterEventSender`
//! under injected 5xx / 429 / session expiry / latency.

use integration_tests::meter_server::{MeterServer, MeterServerConfig};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use stripe_client::meter::{
    create_session, send_events, send_events_at, FailedEvent, GuardKind, MeterEvent,
    MeterEventSender,
};
use stripe_client::retry::{ManualClock, SystemClock};
use stripe_client::{Client, Error, ErrorCode};

fn client(url: &str) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .clock(ManualClock::new())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn events(prefix: &str, n: usize) -> Vec<MeterEvent> {
    (0..n)
        .map(|i| {
            MeterEvent::new("api_requests", "cus_123")
                .value(i as i64)
                .identifier(format!("{prefix}-{i}"))
        })
        .collect()
}

#[tokio::test]
async fn session_is_typed_and_its_token_redacted() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let session = create_session(&client(&server.url)).await.unwrap();
    let debug = format!("{session:?}");
    assert!(session
        .authentication_token
        .expose()
        .starts_with("mes_tok_"));
    assert!(!debug.contains("mes_tok_"), "{debug}");
    assert!(debug.contains("[redacted]"));
    let now = stripe_client::types::rt::Timestamp::now().0;
    assert!(session.expires_at_unix() > now + 800, "15 minutes ahead");
    assert_eq!(
        session.expires_at.unix_seconds(),
        Some(session.expires_at_unix())
    );
    assert!(!session.is_expired(&SystemClock));
}

#[tokio::test]
async fn send_events_posts_json_with_the_session_token() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let c = client(&server.url);
    let session = create_session(&c).await.unwrap();
    send_events(&c, &session, &events("a", 100)).await.unwrap();
    let k = server.counters();
    assert_eq!(k.requests.load(Ordering::Relaxed), 1);
    assert_eq!(k.events.load(Ordering::Relaxed), 100);
    assert_eq!(
        k.unauthorized.load(Ordering::Relaxed),
        0,
        "bearer was the session token"
    );
    assert!(server.received("a-0") && server.received("a-99"));
}

#[tokio::test]
async fn more_than_100_events_is_refused_before_the_network() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let c = client(&server.url);
    let session = create_session(&c).await.unwrap();
    let err = send_events(&c, &session, &events("b", 101))
        .await
        .unwrap_err();
    match err {
        Error::Guard(g) => {
            assert_eq!(g.kind, GuardKind::BatchSize);
            assert!(
                g.message.contains("101 events") && g.message.contains("at most 100"),
                "{g}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        send_events(&c, &session, &[]).await,
        Err(Error::Guard(g)) if g.kind == GuardKind::BatchSize
    ));
    assert_eq!(server.counters().requests.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn expired_session_fails_without_a_network_call() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let c = client(&server.url);
    let session = create_session(&c).await.unwrap();
    let clock = ManualClock::at(SystemTime::now() + Duration::from_secs(16 * 60));
    let err = send_events_at(&c, &session, &events("c", 1), &clock)
        .await
        .unwrap_err();
    let Error::SessionExpired(api) = err else {
        panic!("expected SessionExpired, got {err:?}")
    };
    assert_eq!(api.code, Some(ErrorCode::BillingMeterEventSessionExpired));
    assert!(api
        .message
        .as_deref()
        .unwrap_or("")
        .contains("no request was sent"));
    assert_eq!(server.counters().requests.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn server_401_session_expired_is_the_same_error() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let c = client(&server.url);
    let session = create_session(&c).await.unwrap();
    server.expire_all_sessions();
    let err = send_events(&c, &session, &events("d", 3))
        .await
        .unwrap_err();
    let Error::SessionExpired(api) = &err else {
        panic!("expected SessionExpired, got {err:?}")
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.code, Some(ErrorCode::BillingMeterEventSessionExpired));
    assert_eq!(
        server.counters().requests.load(Ordering::Relaxed),
        1,
        "401 is not retried"
    );
    assert!(!err.to_string().contains("mes_tok_"));
}

#[tokio::test]
async fn sender_renews_the_session_and_resends_after_expiry() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let sender = MeterEventSender::builder(client(&server.url))
        .linger(Duration::from_millis(2))
        .build()
        .unwrap();
    for e in events("e", 250) {
        sender.send(e).await.unwrap();
    }
    sender.flush().await;
    server.expire_all_sessions();
    for e in events("f", 250) {
        sender.send(e).await.unwrap();
    }
    let stats = sender.shutdown().await;
    let k = server.counters();
    assert_eq!(stats.accepted, 500);
    assert_eq!(stats.sent, 500);
    assert_eq!(stats.failed, 0);
    assert_eq!(k.unique.load(Ordering::Relaxed), 500);
    assert_eq!(k.duplicates.load(Ordering::Relaxed), 0);
    assert!(k.expired.load(Ordering::Relaxed) >= 1);
    assert_eq!(stats.sessions, 2, "{stats:?}");
    assert_eq!(k.sessions.load(Ordering::Relaxed), 2);
    assert!(stats.retried >= 1);
}

#[tokio::test]
async fn sender_flush_sends_a_partial_batch_without_waiting_for_linger() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let sender = MeterEventSender::builder(client(&server.url))
        .linger(Duration::from_secs(3600))
        .build()
        .unwrap();
    for e in events("g", 3) {
        sender.send(e).await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(10), sender.flush())
        .await
        .expect("flush does not wait for the linger");
    assert_eq!(server.counters().unique.load(Ordering::Relaxed), 3);
    let s = sender.stats();
    assert_eq!((s.accepted, s.sent, s.queued, s.in_flight), (3, 3, 0, 0));
}

#[tokio::test]
async fn sender_hands_finally_failed_events_to_the_sink() {
    let server = MeterServer::start(MeterServerConfig {
        p_500: 1.0,
        ..MeterServerConfig::default()
    })
    .await;
    let failed = Arc::new(Mutex::new(Vec::<FailedEvent>::new()));
    let f2 = failed.clone();
    let sender = MeterEventSender::builder(client(&server.url))
        .max_retries(2)
        .linger(Duration::from_millis(1))
        .failure_sink(move |f: FailedEvent| f2.lock().unwrap().push(f))
        .build()
        .unwrap();
    for e in events("h", 150) {
        sender.send(e).await.unwrap();
    }
    // An event without identifier gets one, and the sink sees it.
    sender
        .send(MeterEvent::new("api_requests", "cus_9").value(1))
        .await
        .unwrap();
    let stats = sender.shutdown().await;
    let failed = failed.lock().unwrap();
    assert_eq!(stats.accepted, 151);
    assert_eq!(stats.failed, 151);
    assert_eq!(stats.sent, 0);
    assert_eq!(failed.len(), 151);
    assert_eq!(
        stats.retried,
        151 * 2,
        "two retries per batch, counted per event"
    );
    assert!(failed.iter().all(|f| f.error.status() == Some(500)));
    assert!(failed.iter().all(|f| f.event.get_identifier().is_some()));
    let ids: HashSet<String> = failed
        .iter()
        .map(|f| f.event.get_identifier().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 151);
    assert_eq!(server.counters().events.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn sender_refuses_bad_events_synchronously_and_after_shutdown() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let sender = MeterEventSender::builder(client(&server.url))
        .build()
        .unwrap();
    let old = stripe_client::types::rt::Timestamp::now().0 - 40 * 86_400;
    let err = sender
        .send(MeterEvent::new("api_requests", "cus_1").timestamp(old))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Guard(g) if g.kind == GuardKind::TimestampTooOld && g.message.contains("35 days")),
        "{err:?}"
    );
    assert_eq!(sender.stats().accepted, 0);
    let other = sender.clone();
    let stats = sender.shutdown().await;
    assert_eq!(stats.accepted, 0);
    let err = other
        .send(MeterEvent::new("api_requests", "cus_1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("shut down")),
        "{err:?}"
    );
    assert!(other
        .try_send(MeterEvent::new("api_requests", "cus_1"))
        .is_err());
}

#[test]
fn sender_build_outside_a_runtime_is_an_error_not_a_panic() {
    let c = Client::new("sk_test_123").unwrap();
    let err = MeterEventSender::builder(c).build().unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}

/// 200,000 events from 16 tasks under 5xx, 429, session expiry (short sessions and injected
/// 401s) and latency: every identifier is received exactly once or reported to the sink,
/// and the sender's counters agree with the server's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_thousand_events_under_faults_lose_nothing() {
    const TASKS: usize = 16;
    const PER_TASK: usize = 12_500;
    let server = MeterServer::start(MeterServerConfig {
        session_ttl: Duration::from_secs(3),
        p_500: 0.05,
        p_503: 0.03,
        p_429: 0.05,
        p_expire: 0.01,
        p_latency: 0.05,
        latency: Duration::from_millis(20),
        validate: true,
        ..MeterServerConfig::default()
    })
    .await;
    let failed = Arc::new(Mutex::new(Vec::<String>::new()));
    let f2 = failed.clone();
    let sender = MeterEventSender::builder(client(&server.url))
        .linger(Duration::from_millis(2))
        .max_in_flight(8)
        .max_retries(8)
        .queue_capacity(5_000)
        .failure_sink(move |f: FailedEvent| {
            f2.lock().unwrap().push(
                f.event
                    .get_identifier()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
            )
        })
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let s = sender.clone();
        tasks.push(tokio::spawn(async move {
            let customer: Arc<str> = Arc::from(format!("cus_{t}"));
            let name: Arc<str> = Arc::from("api_requests");
            for i in 0..PER_TASK {
                s.send(
                    MeterEvent::new(name.clone(), customer.clone())
                        .value(1)
                        .identifier(format!("t{t}-{i}")),
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stats = sender.shutdown().await;
    let elapsed = started.elapsed();
    let k = server.counters();
    let failed = failed.lock().unwrap();
    let total = (TASKS * PER_TASK) as u64;
    eprintln!("{stats:?} in {elapsed:?}; server: requests {} 5xx {} 429 {} expired {} sessions {} unique {} dup {}",
        k.requests.load(Ordering::Relaxed), k.injected_5xx.load(Ordering::Relaxed),
        k.injected_429.load(Ordering::Relaxed), k.expired.load(Ordering::Relaxed),
        k.sessions.load(Ordering::Relaxed), k.unique.load(Ordering::Relaxed),
        k.duplicates.load(Ordering::Relaxed));
    assert_eq!(stats.accepted, total);
    assert_eq!(stats.sent + stats.failed, total);
    assert_eq!((stats.queued, stats.in_flight), (0, 0));
    assert_eq!(stats.failed as usize, failed.len());
    assert_eq!(
        k.unique.load(Ordering::Relaxed),
        stats.sent,
        "server count == sent"
    );
    assert_eq!(
        k.duplicates.load(Ordering::Relaxed),
        0,
        "no identifier received twice"
    );
    assert_eq!(k.without_identifier.load(Ordering::Relaxed), 0);
    assert_eq!(k.bad_requests.load(Ordering::Relaxed), 0);
    assert!(
        k.injected_5xx.load(Ordering::Relaxed) > 0 && k.injected_429.load(Ordering::Relaxed) > 0
    );
    assert!(
        k.expired.load(Ordering::Relaxed) > 0,
        "session expiry was exercised"
    );
    assert!(stats.retried > 0);
    // Every identifier: received exactly once, or in the failure sink — never both, never neither.
    let received = server.identifiers();
    let failed_set: HashSet<&String> = failed.iter().collect();
    for t in 0..TASKS {
        for i in 0..PER_TASK {
            let id = format!("t{t}-{i}");
            assert!(
                received.contains(&id) != failed_set.contains(&id),
                "{id}: received {} failed {}",
                received.contains(&id),
                failed_set.contains(&id)
            );
        }
    }
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
}

#[tokio::test]
async fn sender_queue_is_bounded_and_try_send_reports_a_full_queue() {
    let server = MeterServer::start(MeterServerConfig {
        p_latency: 1.0,
        latency: Duration::from_millis(300),
        ..MeterServerConfig::default()
    })
    .await;
    let sender = MeterEventSender::builder(client(&server.url))
        .queue_capacity(10)
        .batch_size(1)
        .max_in_flight(1)
        .build()
        .unwrap();
    let mut accepted = 0u64;
    let mut full = None;
    for i in 0..1_000 {
        match sender.try_send(MeterEvent::new("api_requests", "cus_1").identifier(format!("q{i}")))
        {
            Ok(()) => accepted += 1,
            Err(e) => {
                full = Some(e);
                break;
            }
        }
    }
    let err = full.expect("the queue filled up");
    assert!(
        matches!(&err, Error::Config(m) if m.contains("queue is full")),
        "{err:?}"
    );
    assert!(
        accepted <= 13,
        "bounded: queue 10 + 1 in the batcher + 1 in flight, got {accepted}"
    );
    let s = sender.stats();
    assert_eq!(s.accepted, accepted);
    assert!(s.queued >= 10, "{s:?}");
    sender.flush().await;
    let s = sender.shutdown().await;
    assert_eq!((s.sent, s.failed, s.queued), (accepted, 0, 0));
    assert_eq!(server.counters().unique.load(Ordering::Relaxed), accepted);
}

#[tokio::test]
async fn stream_requests_show_in_the_client_telemetry_without_secrets() {
    use stripe_client::telemetry::{Observer, RequestStop};
    #[derive(Default)]
    struct Seen(Mutex<Vec<String>>);
    impl Observer for Seen {
        fn on_request_stop(&self, e: &RequestStop) {
            self.0.lock().unwrap().push(format!(
                "{} {} {} {:?}",
                e.meta.operation_id, e.meta.path, e.status, e
            ));
        }
    }
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let seen = Arc::new(Seen::default());
    let c = Client::builder("sk_test_123")
        .base_url(&server.url)
        .observer(seen.clone())
        .build()
        .unwrap();
    let sender = MeterEventSender::builder(c).build().unwrap();
    sender
        .send(MeterEvent::new("api_requests", "cus_secret_customer").value(7))
        .await
        .unwrap();
    sender.shutdown().await;
    let seen = seen.0.lock().unwrap();
    assert!(
        seen.iter()
            .any(|s| s
                .starts_with("PostV2BillingMeterEventSession /v2/billing/meter_event_session 200")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|s| s
                .starts_with("PostV2BillingMeterEventStream /v2/billing/meter_event_stream 200")),
        "{seen:?}"
    );
    for s in seen.iter() {
        assert!(
            !s.contains("mes_tok_") && !s.contains("cus_secret_customer"),
            "{s}"
        );
    }
}

#[tokio::test]
async fn stream_goes_to_the_meter_events_host_and_sessions_to_the_api_host() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let session = create_session(&client(&server.url)).await.unwrap();
    // The API host is a closed port: only the meter-events host can answer the stream.
    let meter_only = Client::builder("sk_test_123")
        .api_base("http://127.0.0.1:9")
        .meter_events_base(&server.url)
        .max_retries(0)
        .build()
        .unwrap();
    send_events(&meter_only, &session, &events("host", 5))
        .await
        .unwrap();
    assert_eq!(server.counters().unique.load(Ordering::Relaxed), 5);
    assert!(matches!(
        create_session(&meter_only).await,
        Err(Error::Connection { .. })
    ));
}

#[tokio::test]
async fn sender_renews_the_session_before_it_expires() {
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let wall = ManualClock::new();
    let sender = MeterEventSender::builder(client(&server.url))
        .clock(wall.clone())
        .refresh_margin(Duration::from_secs(60))
        .build()
        .unwrap();
    sender
        .send(MeterEvent::new("api_requests", "cus_1"))
        .await
        .unwrap();
    sender.flush().await;
    assert_eq!(sender.stats().sessions, 1);
    // 14 min 30 s later: 30 s left, inside the 60 s margin -> a new session, no 401.
    wall.advance(Duration::from_secs(14 * 60 + 30));
    sender
        .send(MeterEvent::new("api_requests", "cus_1"))
        .await
        .unwrap();
    let stats = sender.shutdown().await;
    assert_eq!(stats.sessions, 2);
    assert_eq!(stats.retried, 0);
    assert_eq!(server.counters().expired.load(Ordering::Relaxed), 0);
    assert_eq!(server.counters().sessions.load(Ordering::Relaxed), 2);
}

/// One event of the generated stream request.
fn stream_request(name: &str) -> stripe_client::types::CreateV2BillingMeterEventStream {
    use stripe_client::types::billing_meter_event_stream::Events;
    let payload = std::collections::BTreeMap::from([
        ("stripe_customer_id".to_owned(), "cus_123".to_owned()),
        ("value".to_owned(), "1".to_owned()),
    ]);
    stripe_client::types::CreateV2BillingMeterEventStream::new([Events::new(
        "api_requests",
        payload,
    )
    .identifier(name)])
}

/// The generated `CreateV2BillingMeterEventStream` sent with `client.send` (Deliver 7 of
/// issue 28): the client creates a meter event session with the key, sends the stream with
/// the session's token (the server answers 401 to the API key there), keeps the session for
/// the next call and its clones, renews it on its own near expiry and after a 401 expired,
/// and the answer is typed (`rt::Empty`), not JSON.
#[tokio::test]
async fn generated_stream_request_sends_the_clients_own_session_never_the_key() {
    use stripe_client::prelude::*;
    let server = MeterServer::start(MeterServerConfig::default()).await;
    let clock = ManualClock::new();
    let c = Client::builder("sk_test_123")
        .base_url(&server.url)
        .clock(clock.clone())
        .build()
        .unwrap();
    let k = server.counters();

    let answer: stripe_client::types::rt::Empty = stream_request("gen-1").send(&c).await.unwrap();
    assert!(answer.extra.is_empty());
    stream_request("gen-2").send(&c.clone()).await.unwrap();
    assert!(server.received("gen-1") && server.received("gen-2"));
    assert_eq!(k.sessions.load(Ordering::Relaxed), 1, "one session, kept");
    assert_eq!(
        k.unauthorized.load(Ordering::Relaxed),
        0,
        "never the API key"
    );

    // Near expiry (less than a minute left) the client renews before sending.
    clock.advance(Duration::from_secs(850));
    stream_request("gen-3").send(&c).await.unwrap();
    assert_eq!(k.sessions.load(Ordering::Relaxed), 2, "renewed near expiry");
    assert_eq!(k.expired.load(Ordering::Relaxed), 0);
    // Back to the server's time: the new session has its 15 minutes again.
    clock.set_system_time(SystemTime::now());

    // Expired on the server: dropped, a new session, the request sent once more.
    server.expire_all_sessions();
    stream_request("gen-4").send(&c).await.unwrap();
    assert!(server.received("gen-4"));
    assert_eq!(k.expired.load(Ordering::Relaxed), 1);
    assert_eq!(k.sessions.load(Ordering::Relaxed), 3);
    assert_eq!(k.unauthorized.load(Ordering::Relaxed), 0);
    assert_eq!(k.requests.load(Ordering::Relaxed), 5);
}

/// When no session can be had, nothing goes to the stream: the API key is never sent where
/// the session token belongs.
#[tokio::test]
async fn generated_stream_request_without_a_session_sends_nothing_with_the_key() {
    use stripe_client::prelude::*;
    let mock = stripe_client::MockTransport::new();
    mock.push_json(
        500,
        r#"{"error":{"type":"api_error","message":"sessions are down"}}"#,
    );
    let c = Client::builder("sk_test_123")
        .transport(mock.clone())
        .max_retries(0)
        .build()
        .unwrap();
    let err = stream_request("x").send(&c).await.unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1, "only the session was asked for");
    assert!(reqs[0].url.ends_with("/v2/billing/meter_event_session"));
    assert!(reqs
        .iter()
        .all(|r| !r.url.ends_with("/v2/billing/meter_event_stream")));
}
