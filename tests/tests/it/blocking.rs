//! The blocking client (`stripe_client::blocking`, feature `blocking`): the call shape against
//! stripe-mock, retries and idempotency against the fault-injecting server, pagination as an
//! `Iterator`, telemetry, threads sharing one client (one of them panicking), and the typed
//! error inside a tokio runtime.
//!
//! The test functions are plain `#[test]`s: the blocking client is for code without a
//! runtime. The fault servers run on a runtime of the test's own ([`servers`]).

use integration_tests::fault::{Action, FaultServer, OK_CUSTOMER};
use integration_tests::reqs;
use integration_tests::stripe_mock;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_client::blocking::prelude::*;
use stripe_client::retry::ManualClock;
use stripe_client::telemetry::{Observer, RequestException, RequestStart, RequestStop};
use stripe_client::{ApiErrorKind, StripeRequestExt};

const API_ERROR: &str = r#"{"error":{"type":"api_error","message":"boom"}}"#;

/// A runtime for the fault servers (the client under test never runs on it).
fn servers() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn builder(url: &str) -> stripe_client::ClientBuilder {
    stripe_client::Client::builder("sk_test_123")
        .base_url(url)
        .timeout(Duration::from_secs(10))
}

fn client(url: &str) -> Client {
    Client::from_builder(builder(url).clock(ManualClock::new())).unwrap()
}

fn keys(server: &FaultServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").expect("a key").to_owned())
        .collect()
}

#[test]
fn stripe_mock_call_shape() {
    use stripe_client::types::{
        CreateCustomer, DeleteCustomer, ListCustomers, RetrieveCustomer, SearchCustomers,
    };
    let client =
        Client::from_builder(stripe_client::Client::builder("sk_test_123").base_url(stripe_mock()))
            .unwrap();

    let created = CreateCustomer::new()
        .email("jenny@example.com")
        .send_blocking_with_response(&client)
        .unwrap();
    assert!(created.id.as_str().starts_with("cus_"));
    assert!(created.request_id().is_some());
    // stripe-mock echoes the idempotency key the pipeline generated.
    assert!(created.header("idempotency-key").is_some());

    let got = RetrieveCustomer::new(created.id.as_str())
        .send_blocking(&client)
        .unwrap();
    assert!(
        matches!(
            got,
            stripe_client::types::CustomerOrDeletedCustomer::Customer(_)
        ),
        "{got:?}"
    );

    let listed: Vec<_> = ListCustomers::new()
        .limit(3)
        .iter_blocking(&client)
        .take(5)
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!listed.is_empty());
    assert!(listed.len() <= 5);

    let found = SearchCustomers::new("email:'jenny@example.com'")
        .iter_blocking(&client)
        .take(2)
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert!(found.len() <= 2);

    let opts = RequestOptions::new().idempotency_key("blocking-mock-1");
    let again = CreateCustomer::new()
        .send_blocking_with(&client, opts)
        .unwrap();
    assert!(again.id.as_str().starts_with("cus_"));

    let deleted = DeleteCustomer::new(created.id.as_str())
        .send_blocking(&client)
        .unwrap();
    assert!(deleted.deleted);

    let balance = client
        .raw_request(Method::Get, "/v1/balance", serde_json::Value::Null)
        .unwrap();
    assert_eq!(balance["object"], "balance");

    // Errors are the async client's.
    let err = client
        .raw_request(Method::Get, "/v1/no_such_resource", serde_json::Value::Null)
        .unwrap_err();
    let api = err.as_api_error().expect("an API error");
    assert_eq!(api.kind, ApiErrorKind::InvalidRequest);
    assert_eq!(err.status(), Some(404));
}

#[test]
fn retried_post_keeps_its_idempotency_key() {
    let rt = servers();
    let server = rt.block_on(FaultServer::start(vec![
        Action::status(500, API_ERROR),
        Action::Reset,
    ]));
    let resp = reqs::CreateCustomer::new()
        .email("a@b.com")
        .send_blocking_with_response(&client(&server.url))
        .unwrap();
    assert_eq!(resp.id, "cus_ok");
    assert_eq!(resp.attempts, 3);
    assert_eq!(server.count(), 3);
    let sent = keys(&server);
    assert!(sent.iter().all(|k| *k == sent[0]), "{sent:?}");
    assert!(server
        .requests()
        .iter()
        .all(|r| r.body == "email=a%40b.com"));

    // A caller's own key is sent on every attempt too.
    let server = rt.block_on(FaultServer::start(vec![Action::status(503, API_ERROR)]));
    reqs::CreateCustomer::new()
        .send_blocking_with(
            &client(&server.url),
            RequestOptions::new().idempotency_key("order-6735"),
        )
        .unwrap();
    assert_eq!(keys(&server), ["order-6735", "order-6735"]);
}

#[test]
fn retry_policy_and_errors_are_the_async_clients() {
    let rt = servers();
    // Three 500s: the first attempt and the default two retries, then the API error.
    let server = rt.block_on(FaultServer::start(vec![
        Action::status(500, API_ERROR),
        Action::status(500, API_ERROR),
        Action::status(500, API_ERROR),
    ]));
    let err = reqs::CreateCustomer::new()
        .send_blocking(&client(&server.url))
        .unwrap_err();
    assert_eq!(server.count(), 3);
    let api = err.as_api_error().expect("an API error");
    assert_eq!(api.kind, ApiErrorKind::Api);
    assert_eq!(err.status(), Some(500));

    // `Stripe-Should-Retry: false` is obeyed: one attempt.
    let server = rt.block_on(FaultServer::start(vec![Action::status_with(
        503,
        ("stripe-should-retry", "false"),
        API_ERROR,
    )]));
    assert!(reqs::CreateCustomer::new()
        .send_blocking(&client(&server.url))
        .is_err());
    assert_eq!(server.count(), 1);
}

#[test]
fn timeouts_and_backoff_run_on_the_clients_own_timers() {
    let rt = servers();
    // The real clock: the backoff sleep and the attempt timeout are tokio timers, driven
    // by the blocking client's runtime thread.
    let server = rt.block_on(FaultServer::start(vec![Action::Hang]));
    let client = Client::from_builder(
        builder(&server.url)
            .timeout(Duration::from_millis(300))
            .max_retries(1),
    )
    .unwrap();
    let started = Instant::now();
    let c = reqs::RetrieveCustomer::new("cus_1")
        .send_blocking(&client)
        .unwrap();
    assert_eq!(c.id, "cus_ok");
    assert_eq!(server.count(), 2);
    assert!(started.elapsed() >= Duration::from_millis(300));

    let server = rt.block_on(FaultServer::start(vec![Action::Hang]));
    let client = Client::from_builder(
        builder(&server.url)
            .timeout(Duration::from_millis(200))
            .max_retries(0),
    )
    .unwrap();
    let err = reqs::RetrieveCustomer::new("cus_1")
        .send_blocking(&client)
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
}

fn page(ids: &[&str], has_more: bool) -> String {
    let data: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","object":"customer"}}"#))
        .collect();
    format!(
        r#"{{"object":"list","url":"/v1/customers","has_more":{has_more},"data":[{}]}}"#,
        data.join(",")
    )
}

#[test]
fn pagination_is_a_lazy_iterator() {
    let rt = servers();
    let server = rt.block_on(FaultServer::start_with_fallback(
        vec![
            Action::status(200, &page(&["cus_1", "cus_2"], true)),
            Action::status(500, API_ERROR),
        ],
        &page(&["cus_3"], false),
    ));
    let client = client(&server.url);
    let mut it = reqs::ListCustomers::new()
        .limit(2)
        .iter_blocking_with(&client, RequestOptions::new().stripe_account("acct_1"));
    assert_eq!(
        server.count(),
        0,
        "nothing is fetched before the first next()"
    );
    assert_eq!(it.next().unwrap().unwrap().id, "cus_1");
    assert_eq!(it.next().unwrap().unwrap().id, "cus_2");
    assert_eq!(server.count(), 1);
    // The second page is retried after its 500, then ends the list.
    assert_eq!(it.next().unwrap().unwrap().id, "cus_3");
    assert!(it.next().is_none());
    assert!(it.next().is_none());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs[1].target.contains("starting_after=cus_2"),
        "{}",
        reqs[1].target
    );
    assert!(reqs
        .iter()
        .all(|r| r.header("stripe-account") == Some("acct_1")));

    let all = client
        .list_all(&reqs::ListCustomers::new(), Some(1))
        .unwrap();
    assert_eq!(all.len(), 1);
}

#[derive(Default)]
struct Counts {
    start: AtomicUsize,
    stop: AtomicUsize,
    exception: AtomicUsize,
}

impl Observer for Counts {
    fn on_request_start(&self, _: &RequestStart) {
        self.start.fetch_add(1, Ordering::SeqCst);
    }
    fn on_request_stop(&self, _: &RequestStop) {
        self.stop.fetch_add(1, Ordering::SeqCst);
    }
    fn on_request_exception(&self, _: &RequestException) {
        self.exception.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn telemetry_sees_every_attempt() {
    let rt = servers();
    let server = rt.block_on(FaultServer::start(vec![
        Action::status(500, API_ERROR),
        Action::Reset,
    ]));
    let counts = Arc::new(Counts::default());
    let client = Client::from_builder(
        builder(&server.url)
            .clock(ManualClock::new())
            .observer(counts.clone()),
    )
    .unwrap();
    reqs::CreateCustomer::new().send_blocking(&client).unwrap();
    assert_eq!(counts.start.load(Ordering::SeqCst), 3);
    assert_eq!(counts.stop.load(Ordering::SeqCst), 2, "500 and 200");
    assert_eq!(counts.exception.load(Ordering::SeqCst), 1, "the reset");
}

/// Panics in the pipeline (an observer, run on the caller's thread) when the calling thread
/// is named `panicker`.
struct PanicOnThread;

impl Observer for PanicOnThread {
    fn on_request_stop(&self, _: &RequestStop) {
        if std::thread::current().name() == Some("panicker") {
            panic!("observer panic on the caller's thread");
        }
    }
}

#[test]
fn a_panicking_caller_thread_loses_nothing() {
    const THREADS: usize = 6;
    const PER_THREAD: usize = 10;
    let rt = servers();
    // Every fifth request fails once with a 500 and is retried.
    let script = (0..THREADS * PER_THREAD / 5)
        .flat_map(|_| {
            [
                Action::status(500, API_ERROR),
                Action::status(200, OK_CUSTOMER),
                Action::status(200, OK_CUSTOMER),
                Action::status(200, OK_CUSTOMER),
                Action::status(200, OK_CUSTOMER),
            ]
        })
        .collect();
    let server = rt.block_on(FaultServer::start(script));
    let client = Client::from_builder(
        builder(&server.url)
            .clock(ManualClock::new())
            .max_retries(5)
            .observer(PanicOnThread),
    )
    .unwrap();

    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = client.clone();
            std::thread::Builder::new()
                .name(format!("worker-{t}"))
                .spawn(move || {
                    (0..PER_THREAD)
                        .map(|i| {
                            reqs::CreateCustomer::new()
                                .metadata("n", &format!("{t}-{i}"))
                                .send_blocking_with_response(&client)
                                .map(|r| r.attempts)
                        })
                        .collect::<Result<Vec<u32>, Error>>()
                })
                .unwrap()
        })
        .collect();
    // One thread panics inside the pipeline, another in its own code mid-iteration.
    let in_pipeline = {
        let client = client.clone();
        std::thread::Builder::new()
            .name("panicker".into())
            .spawn(move || reqs::RetrieveCustomer::new("cus_1").send_blocking(&client))
            .unwrap()
    };
    let in_own_code = {
        let client = client.clone();
        std::thread::spawn(move || {
            let mut it = reqs::ListCustomers::new().iter_blocking(&client);
            let _first = it.next();
            panic!("the caller's own bug, mid-iteration");
        })
    };
    assert!(
        in_pipeline.join().is_err(),
        "the observer's panic reached its caller"
    );
    assert!(in_own_code.join().is_err());

    let mut sent = 0;
    for w in workers {
        let attempts = w
            .join()
            .expect("no worker panicked")
            .expect("every request succeeded");
        sent += attempts.iter().map(|&a| a as usize).sum::<usize>();
    }
    // Every worker request reached the server (retries included; the panicking threads
    // sent GETs), each with its own key, kept across its retries.
    let posts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), sent);
    let distinct: HashSet<_> = posts
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(distinct.len(), THREADS * PER_THREAD);
    let bodies: HashSet<_> = posts.iter().map(|r| r.body.clone()).collect();
    assert_eq!(
        bodies.len(),
        THREADS * PER_THREAD,
        "every request, none lost"
    );

    // The client is still usable, from this thread and from new ones.
    reqs::CreateCustomer::new().send_blocking(&client).unwrap();
    let c = client.clone();
    std::thread::spawn(move || reqs::CreateCustomer::new().send_blocking(&c).unwrap())
        .join()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_runtime_it_is_a_typed_error_not_a_deadlock() {
    let server = FaultServer::start(vec![]).await;
    let client = client(&server.url);

    let err = reqs::CreateCustomer::new()
        .send_blocking(&client)
        .unwrap_err();
    assert!(matches!(err, Error::InsideAsyncRuntime), "{err:?}");
    assert!(err.to_string().contains("async client"), "{err}");
    let mut it = reqs::ListCustomers::new().iter_blocking(&client);
    assert!(matches!(it.next(), Some(Err(Error::InsideAsyncRuntime))));
    assert!(it.next().is_none());

    // `spawn_blocking` threads belong to the runtime too.
    let c = client.clone();
    let err = tokio::task::spawn_blocking(move || reqs::CreateCustomer::new().send_blocking(&c))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::InsideAsyncRuntime), "{err:?}");
    assert_eq!(server.count(), 0, "nothing was sent");

    // From a thread of its own it works, and the async client underneath is the same one.
    let c = client.clone();
    let id = std::thread::spawn(move || reqs::CreateCustomer::new().send_blocking(&c))
        .join()
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(id, "cus_ok");
    let id = reqs::CreateCustomer::new()
        .send(client.async_client())
        .await
        .unwrap()
        .id;
    assert_eq!(id, "cus_ok");
    // The last clone dropped inside async code: no panic.
    drop(client);
}
