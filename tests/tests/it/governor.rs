//! The rate governor: a batch under a server that enforces its limit gets no 429 (and one
//! without the governor gets them); a 429 slows the bucket, which recovers; clients share one
//! governor; list streams and search requests are paced by their buckets.

use integration_tests::rate_limited::RateLimitedServer;
use std::time::{Duration, Instant};
use stripe_client::batch::Batch;
use stripe_client::governor::{Governor, Kind, Mode};
use stripe_client::prelude::*;
use stripe_client::retry::ManualClock;
use stripe_client::{Client, HttpResponse, MockTransport};
use stripe_types::{ListCustomers, RetrieveBalance, SearchCustomers, UpdateCustomer};

const CUSTOMER: &str = integration_tests::rate_limited::CUSTOMER;

/// 60 writes at concurrency 16 through a governor at the server's own rate (40/s): the server
/// rejects none, and the batch takes at least the time the rate allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governed_batch_stays_under_the_servers_limit() {
    let server = RateLimitedServer::start(40.0, 40.0).await;
    let governor = Governor::builder()
        .limit(Mode::Test, Kind::Write, 40.0)
        .build();
    let client = Client::builder("sk_test_123")
        .base_url(&server.url)
        .governor(&governor)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut batch = Batch::new().concurrency(16);
    for i in 0..60 {
        let client = client.clone();
        batch.push(async move { UpdateCustomer::new(format!("cus_{i}")).send(&client).await });
    }
    let results = batch.run().await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.rejected(), 0, "no request over the limit");
    assert_eq!(server.accepted(), 60);
    // 10 at once (a quarter second of 40/s), then 50 at 40/s: at least 1.25 s.
    assert!(elapsed >= Duration::from_millis(1200), "{elapsed:?}");
    assert_eq!(governor.stats().requests, 60);
    assert_eq!(governor.stats().rate_limited, 0);
}

/// The same batch without a governor: the server answers 429s, which the default policy does
/// not retry (as the official SDKs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_governor_the_batch_is_rate_limited() {
    let server = RateLimitedServer::start(40.0, 40.0).await;
    let client = Client::builder("sk_test_123")
        .base_url(&server.url)
        .build()
        .unwrap();
    let mut batch = Batch::new().concurrency(16);
    for i in 0..120 {
        let client = client.clone();
        batch.push(async move { UpdateCustomer::new(format!("cus_{i}")).send(&client).await });
    }
    let results = batch.run().await;
    let failed = results.iter().filter(|r| r.is_err()).count() as u64;
    assert!(server.rejected() > 0, "a burst of 120 goes over 40/s");
    assert_eq!(failed, server.rejected(), "each 429 failed its call");
}

fn rate_limited() -> HttpResponse {
    HttpResponse::json(
        429,
        r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}"#,
    )
}

/// A rate-limit 429 halves the bucket's rate and is retried through it; the rate climbs back
/// to the limit over the recovery time. A `lock_timeout` 429 is not about the rate.
#[tokio::test]
async fn a_429_slows_the_bucket_and_it_recovers() {
    let mock = MockTransport::new();
    mock.push_response(rate_limited());
    mock.push_json(200, CUSTOMER);
    let clock = ManualClock::new();
    let governor = Governor::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .clock(clock.clone())
        .governor(&governor)
        .build()
        .unwrap();
    let response = client
        .send_with_response(&UpdateCustomer::new("cus_1"))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2, "the rate-limited attempt was retried");
    assert_eq!(governor.stats().rate_limited, 1);
    let rate = |g: &Governor| g.current_rate(Mode::Test, Kind::Write, &clock).unwrap();
    // The retry's backoff moved the clock on a little; halved from 25, climbing 2.5/s.
    assert!(rate(&governor) < 14.0, "{}", rate(&governor));
    clock.advance(Duration::from_secs(2));
    let mid = rate(&governor);
    assert!(mid > 16.0 && mid < 20.0, "{mid}");
    clock.advance(Duration::from_secs(10));
    assert_eq!(rate(&governor), 25.0);
    // Reads have their own bucket, untouched.
    assert_eq!(
        governor.current_rate(Mode::Test, Kind::Read, &clock),
        Some(25.0)
    );

    // lock_timeout: retried by the policy, no slowdown.
    mock.push_json(
        429,
        r#"{"error":{"type":"invalid_request_error","code":"lock_timeout"}}"#,
    );
    mock.push_json(200, CUSTOMER);
    let response = client
        .send_with_response(&UpdateCustomer::new("cus_1"))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);
    assert_eq!(governor.stats().rate_limited, 1);

    // Without a governor, a rate-limit 429 is not retried (the official policy).
    let plain = Client::builder("sk_test_123")
        .transport(mock.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    mock.push_response(rate_limited());
    let e = UpdateCustomer::new("cus_1").send(&plain).await.unwrap_err();
    assert_eq!(e.status(), Some(429));
}

/// Two clients, one governor: their requests share the bucket (10 writes/s, no burst: 20
/// requests are 1.9 s apart from first to last).
#[tokio::test]
async fn one_governor_is_shared_by_many_clients() {
    let mock = MockTransport::new();
    for _ in 0..20 {
        mock.push_json(200, CUSTOMER);
    }
    let clock = ManualClock::new();
    let governor = Governor::builder()
        .limit(Mode::Test, Kind::Write, 10.0)
        .burst(Duration::ZERO)
        .build();
    let build = || {
        Client::builder("sk_test_123")
            .transport(mock.clone())
            .clock(clock.clone())
            .governor(&governor)
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());
    for _ in 0..10 {
        UpdateCustomer::new("cus_1").send(&a).await.unwrap();
        UpdateCustomer::new("cus_1").send(&b).await.unwrap();
    }
    let slept: Duration = clock.sleeps().iter().sum();
    assert!((slept.as_secs_f64() - 1.9).abs() < 1e-6, "{slept:?}");
    assert_eq!(governor.stats().requests, 20);
    // A live key has its own (higher) buckets.
    let live = Client::builder("sk_live_1234567890abcdef")
        .transport(mock.clone())
        .clock(clock.clone())
        .governor(&governor)
        .build()
        .unwrap();
    mock.push_json(200, CUSTOMER);
    let before = clock.sleeps().len();
    UpdateCustomer::new("cus_1").send(&live).await.unwrap();
    assert_eq!(
        clock.sleeps().len(),
        before,
        "no wait in live mode's bucket"
    );
}

/// A list stream waits for the read bucket before each page.
#[tokio::test]
async fn list_streams_are_paced_page_by_page() {
    let mock = MockTransport::new();
    for i in 0..5 {
        let more = i < 4;
        mock.push_json(
            200,
            format!(r#"{{"object":"list","url":"/v1/customers","has_more":{more},"data":[{{"id":"cus_{i}","object":"customer","created":1,"livemode":false}}]}}"#),
        );
    }
    let clock = ManualClock::new();
    let governor = Governor::builder()
        .limit(Mode::Test, Kind::Read, 2.0)
        .burst(Duration::ZERO)
        .build();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .clock(clock.clone())
        .governor(&governor)
        .build()
        .unwrap();
    let all: Vec<_> = ListCustomers::new()
        .stream(&client)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(500); 4]);
}

/// A search counts against the Search API's limit and the basic read limit: with search at
/// 1/s, three searches take 2 s; a plain read right after waits for the read bucket only.
#[tokio::test]
async fn searches_count_against_their_own_limit_too() {
    let mock = MockTransport::new();
    for _ in 0..3 {
        mock.push_json(
            200,
            r#"{"object":"search_result","url":"/v1/customers/search","has_more":false,"data":[]}"#,
        );
    }
    mock.push_json(
        200,
        r#"{"object":"balance","available":[],"pending":[],"livemode":false}"#,
    );
    let clock = ManualClock::new();
    let governor = Governor::builder()
        .limit(Mode::Test, Kind::Search, 1.0)
        .burst(Duration::ZERO)
        .build();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .clock(clock.clone())
        .governor(&governor)
        .build()
        .unwrap();
    for _ in 0..3 {
        SearchCustomers::new("email:'a@b.c'")
            .send(&client)
            .await
            .unwrap();
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1); 2]);
    RetrieveBalance::new().send(&client).await.unwrap();
    assert_eq!(clock.sleeps().len(), 2, "the read bucket had room");
}
