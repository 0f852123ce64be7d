//! Waiters against a local server whose objects change state over time: the server reads the
//! same `ManualClock` the client sleeps on, so minutes of polling take no real time.

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stripe_client::retry::{Clock, Instant, ManualClock};
use stripe_client::testing::TestDefault;
use stripe_client::wait::{self, wait_for, WaitError};
use stripe_client::Client;
use stripe_types::{
    v2_core_account, PaymentIntent, ReportingReportRun, RetrievePaymentIntent,
    TestHelpersTestClock, V2CoreAccount,
};

#[derive(Clone)]
struct World {
    clock: ManualClock,
    start: Instant,
    /// When the test clock's advance is done.
    clock_ready_at: Arc<Mutex<Option<Duration>>>,
    /// The `include` query of the last account request.
    account_query: Arc<Mutex<Option<String>>>,
}

impl World {
    fn elapsed(&self) -> Duration {
        self.clock.now().saturating_duration_since(self.start)
    }
}

async fn advance(State(w): State<World>, Path(id): Path<String>) -> Json<serde_json::Value> {
    *w.clock_ready_at.lock().unwrap() = Some(w.elapsed() + Duration::from_secs(5));
    Json(test_clock(&id, "advancing"))
}

async fn get_test_clock(State(w): State<World>, Path(id): Path<String>) -> Json<serde_json::Value> {
    let ready_at = *w.clock_ready_at.lock().unwrap();
    let status = match (id.as_str(), ready_at) {
        ("clock_broken", _) => "internal_failure",
        (_, Some(at)) if w.elapsed() < at => "advancing",
        _ => "ready",
    };
    Json(test_clock(&id, status))
}

fn test_clock(id: &str, status: &str) -> serde_json::Value {
    let mut c = TestHelpersTestClock::test_default();
    c.id = id.into();
    c.status = status.parse().unwrap();
    serde_json::to_value(c).unwrap()
}

async fn get_payment_intent(
    State(w): State<World>,
    Path(id): Path<String>,
) -> Json<serde_json::Value> {
    let mut pi = PaymentIntent::test_default();
    pi.id = id.as_str().into();
    let settled = id != "pi_stuck" && w.elapsed() >= Duration::from_secs(8);
    pi.status = if settled { "succeeded" } else { "processing" }
        .parse()
        .unwrap();
    Json(serde_json::to_value(pi).unwrap())
}

async fn get_report_run(State(w): State<World>, Path(id): Path<String>) -> Json<serde_json::Value> {
    let mut run = ReportingReportRun::test_default();
    run.id = id.as_str().into();
    run.status = match id.as_str() {
        "frr_bad" if w.elapsed() >= Duration::from_secs(3) => {
            run.error = Some("the report type is not available in test mode".into());
            "failed".into()
        }
        "frr_ok" if w.elapsed() >= Duration::from_secs(20) => "succeeded".into(),
        _ => "pending".into(),
    };
    Json(serde_json::to_value(run).unwrap())
}

async fn get_account(
    State(w): State<World>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Json<serde_json::Value> {
    *w.account_query.lock().unwrap() = q;
    let mut account = V2CoreAccount::test_default();
    account.id = id.into();
    let entry = |who: &str| {
        let mut e = v2_core_account::Entries::test_default();
        e.description = "identity.verification".into();
        e.awaiting_action_from = who.parse().unwrap();
        e
    };
    let mut requirements = v2_core_account::Requirements::test_default();
    requirements.entries = Some(if w.elapsed() < Duration::from_secs(12) {
        vec![entry("stripe"), entry("user")]
    } else {
        vec![entry("user")]
    });
    account.requirements = Some(requirements);
    Json(serde_json::to_value(account).unwrap())
}

async fn start() -> (Client, World) {
    let clock = ManualClock::new();
    let world = World {
        start: clock.now(),
        clock: clock.clone(),
        clock_ready_at: Arc::default(),
        account_query: Arc::default(),
    };
    let app = Router::new()
        .route("/v1/test_helpers/test_clocks/{id}/advance", post(advance))
        .route("/v1/test_helpers/test_clocks/{id}", get(get_test_clock))
        .route("/v1/payment_intents/{id}", get(get_payment_intent))
        .route("/v1/reporting/report_runs/{id}", get(get_report_run))
        .route("/v2/core/accounts/{id}", get(get_account))
        .with_state(world.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder("sk_test_123")
        .base_url(url)
        .clock(clock)
        .build()
        .unwrap();
    (client, world)
}

#[tokio::test]
async fn a_test_clock_is_ready_after_its_advance() {
    let (client, world) = start().await;
    let clock =
        wait::advance_test_clock(&client, "clock_1", 1_800_000_000, Duration::from_secs(60))
            .await
            .unwrap();
    assert_eq!(clock.status.as_str(), "ready");
    // Polls at 0 s (advancing), then after 1, 1.5, 2.25 s of backoff: ready at 5 s.
    assert!(
        world.elapsed() >= Duration::from_secs(5),
        "{:?}",
        world.elapsed()
    );
    assert_eq!(
        world.clock.sleeps(),
        [1.0, 1.5, 2.25, 3.375].map(Duration::from_secs_f64)
    );

    let e = wait::test_clock_ready(&client, "clock_broken")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, WaitError::Failed { reason, .. } if reason.contains("internal_failure")),
        "{e}"
    );
}

#[tokio::test]
async fn a_payment_intent_leaves_processing() {
    let (client, world) = start().await;
    let pi = wait::payment_intent_settled(&client, "pi_1").await.unwrap();
    assert_eq!(pi.status.as_str(), "succeeded");
    assert!(world.elapsed() >= Duration::from_secs(8));
}

/// The deadline's error carries the last state seen; the last wait is cut to poll at the
/// deadline itself.
#[tokio::test]
async fn a_deadline_gives_the_last_state_seen() {
    let (client, world) = start().await;
    let e = wait_for(&client, RetrievePaymentIntent::new("pi_stuck"), |pi| {
        pi.status.as_str() != "processing"
    })
    .deadline(Duration::from_secs(30))
    .backoff(Duration::from_secs(2), 2.0, Duration::from_secs(8))
    .await
    .unwrap_err();
    let WaitError::Deadline {
        last,
        waited,
        polls,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(last.id, "pi_stuck");
    assert_eq!(last.status.as_str(), "processing");
    assert_eq!(*waited, Duration::from_secs(30));
    // 0, 2, 6, 14, 22, 30.
    assert_eq!(*polls, 6);
    assert_eq!(world.elapsed(), Duration::from_secs(30));
    assert_eq!(e.last().map(|pi| pi.id.as_str()), Some("pi_stuck"));
    assert!(matches!(e.into_error(), stripe_client::Error::Timeout(_)));
}

#[tokio::test]
async fn a_report_run_finishes_or_fails() {
    let (client, world) = start().await;
    let run = wait::report_run_finished(&client, "frr_ok")
        .deadline(Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded");
    assert!(world.elapsed() >= Duration::from_secs(20));

    let e = wait::report_run_finished(&client, "frr_bad")
        .await
        .unwrap_err();
    let WaitError::Failed { last, reason } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(last.status, "failed");
    assert!(reason.contains("not available in test mode"), "{reason}");
}

#[tokio::test]
async fn a_v2_accounts_requirements_settle() {
    let (client, world) = start().await;
    let account = wait::v2_account_requirements_settled(&client, "acct_1")
        .await
        .unwrap();
    let entries = account.requirements.unwrap().entries.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].awaiting_action_from.as_str(), "user");
    assert!(world.elapsed() >= Duration::from_secs(12));
    let q = world
        .account_query
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_default();
    assert!(
        q.contains("requirements") && q.contains("future_requirements"),
        "{q}"
    );
}

/// A poll that fails ends the wait with the client's error (after its own retries).
#[tokio::test]
async fn a_failed_poll_ends_the_wait() {
    let (client, _world) = start().await;
    // The server has no customers.
    let e = wait_for(
        &client,
        stripe_types::RetrieveCustomer::new("cus_1"),
        |_| true,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, WaitError::Request { error, last: None } if error.status() == Some(404)),
        "{e:?}"
    );
}
