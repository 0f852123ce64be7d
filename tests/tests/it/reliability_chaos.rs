//! Fault injection at scale: 2,000 POSTs through the client against a chaos server on
//! 127.0.0.1 that injects 30 % faults (5xx, 429 with and without `lock_timeout`, 409,
//! resets before and after reading, stalls past the timeout, truncated bodies, HTML) and
//! applies each POST at most once per idempotency key, like Stripe.
//!
//! Asserts that every intended operation (a unique `metadata[op]`) was applied at most
//! once, that every call ends in success (with its own answer) or a classified error, and
//! that nothing panics. Backoff goes through a `ManualClock`, so no attempt sleeps.

use futures_util::stream::{self, StreamExt};
use integration_tests::chaos::{ChaosConfig, ChaosServer};
use integration_tests::reqs::CreateCustomer;
use std::time::{Duration, Instant};
use stripe_client::retry::ManualClock;
use stripe_client::{Client, Error, StripeRequestExt};

const POSTS: usize = 2_000;
const CONCURRENCY: usize = 32;
const FAULT_RATE: f64 = 0.30;

/// How one call ended.
#[derive(Debug)]
enum End {
    /// Success carrying the answer for this very operation.
    Ok,
    /// Success carrying someone else's answer.
    WrongAnswer(String),
    /// A classified error.
    Classified(&'static str),
    /// An error outside the expected classes.
    Unclassified(String),
}

/// The classes a chaos fault may legitimately end in once retries are used up.
fn classify(e: &Error) -> Option<&'static str> {
    match e {
        Error::Api(api) => match api.status {
            409 => Some("409"),
            429 => Some("429"),
            500..=599 => {
                // A 5xx is transient by definition; the caller can tell it is safe to retry.
                e.is_retryable().then_some("5xx")
            }
            _ => None,
        },
        Error::Connection { .. } => e.is_retryable().then_some("connection"),
        Error::Timeout(_) => e.is_retryable().then_some("timeout"),
        Error::Decode(_) => (!e.is_retryable()).then_some("decode"),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_posts_apply_at_most_once() {
    let mut config = ChaosConfig::uniform(FAULT_RATE);
    config.stall = Duration::from_millis(1_500);
    let server = ChaosServer::start(config).await;
    let clock = ManualClock::new();
    let client = Client::builder("sk_test_chaos")
        .base_url(&server.url)
        .clock(clock.clone())
        .max_retries(3)
        .timeout(Duration::from_millis(300))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();

    let started = Instant::now();
    let ends: Vec<Result<End, tokio::task::JoinError>> = stream::iter(0..POSTS)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let op = format!("op{i:05}");
                let res = CreateCustomer::new()
                    .email("chaos@example.com")
                    .metadata("op", &op)
                    .send(&client)
                    .await;
                match res {
                    Ok(c) => {
                        let got = c
                            .metadata
                            .as_ref()
                            .and_then(|m| m.get("op").cloned())
                            .unwrap_or_default();
                        if got == op {
                            End::Ok
                        } else {
                            End::WrongAnswer(format!("{op} answered with {got}"))
                        }
                    }
                    Err(e) => match classify(&e) {
                        Some(class) => End::Classified(class),
                        None => End::Unclassified(format!("{e:?}")),
                    },
                }
            })
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed();

    let stats = server.stats();
    let mut ok = 0;
    let mut panics = 0;
    let mut unclassified = Vec::new();
    let mut wrong = Vec::new();
    let mut classes = std::collections::BTreeMap::<&str, usize>::new();
    for end in &ends {
        match end {
            Ok(End::Ok) => ok += 1,
            Ok(End::WrongAnswer(w)) => wrong.push(w.clone()),
            Ok(End::Classified(c)) => *classes.entry(c).or_default() += 1,
            Ok(End::Unclassified(u)) => unclassified.push(u.clone()),
            Err(j) if j.is_panic() => panics += 1,
            Err(j) => unclassified.push(format!("join error: {j}")),
        }
    }
    let applied_twice = stats.applied_twice();
    println!(
        "chaos: {POSTS} posts, applied twice {applied_twice}, unclassified {}, panics {panics}",
        unclassified.len()
    );
    println!(
        "chaos detail: {ok} ok, errors by class {classes:?}, wrong answers {}, {} attempts, \
         {} replays, faults {:?}, {} backoff sleeps, {:.1} s",
        wrong.len(),
        stats.connections,
        stats.replays,
        stats.faults,
        clock.sleeps().len(),
        elapsed.as_secs_f64()
    );

    assert_eq!(ends.len(), POSTS);
    assert_eq!(applied_twice, 0, "operations applied more than once");
    assert_eq!(panics, 0, "calls panicked");
    assert!(unclassified.is_empty(), "unclassified: {unclassified:?}");
    assert!(wrong.is_empty(), "wrong answers: {wrong:?}");
    assert_eq!(stats.posts_without_key, 0, "every POST carries a key");
    // Every successful call was applied exactly once on the server.
    let applied_once = stats.applied.values().filter(|n| **n == 1).count();
    assert!(applied_once >= ok, "{applied_once} applied < {ok} ok");
    // The faults really happened (roughly 30 % of attempts) and retries recovered most calls.
    let injected: u64 = stats.faults.values().sum();
    let rate = injected as f64 / stats.connections as f64;
    assert!((0.2..0.4).contains(&rate), "fault rate {rate:.3}");
    assert!(ok * 10 >= POSTS * 8, "only {ok} of {POSTS} succeeded");
}
