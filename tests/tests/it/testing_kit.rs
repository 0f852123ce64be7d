//! `stripe_client::testing`: typed rules (matching on the request's fields, objects, API
//! errors, sequences through the real retry loop, call counts), unmatched requests, typed
//! assertions, objects for tests, and record/replay of the explorer's payments flow against
//! stripe-mock.

use integration_tests::payments_flow::{take_payment, Receipt};
use stripe_client::prelude::*;
use stripe_client::testing::{
    Cassette, ErrorResponse, RecordingTransport, ReplayTransport, RuleMode, StripeMock, TestDefault,
};
use stripe_client::types::*;
use stripe_client::{
    ApiErrorKind, Client, Error, HttpResponse, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
};

fn customer(id: &str, email: Option<&str>) -> Customer {
    let mut c = Customer::test_default();
    c.id = id.into();
    c.email = email.map(str::to_owned);
    c
}

#[tokio::test]
async fn a_rule_matches_on_typed_fields_and_answers_with_a_typed_object() {
    let mock = StripeMock::new();
    let jenny = mock
        .on::<CreateCustomer>()
        .matching(|r| r.email.as_deref() == Some("jenny@example.com"))
        .then_output(customer("cus_jenny", Some("jenny@example.com")));
    let anyone = mock
        .on::<CreateCustomer>()
        .then_compute(|r| customer("cus_other", r.email.as_deref()));
    let client = mock.client();

    let c = CreateCustomer::new()
        .email("jenny@example.com")
        .send(&client)
        .await
        .unwrap();
    assert_eq!(
        (c.id.as_str(), c.email.as_deref()),
        ("cus_jenny", Some("jenny@example.com"))
    );
    let c = CreateCustomer::new()
        .email("max@example.com")
        .name("Max")
        .send(&client)
        .await
        .unwrap();
    assert_eq!(
        (c.id.as_str(), c.email.as_deref()),
        ("cus_other", Some("max@example.com"))
    );
    // The rule repeats under MatchAny.
    CreateCustomer::new()
        .email("jenny@example.com")
        .send(&client)
        .await
        .unwrap();

    assert_eq!(jenny.num_calls(), 2);
    assert_eq!(anyone.num_calls(), 1);
    let seen = anyone.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].name.as_deref(), Some("Max"));
    let all: Vec<CreateCustomer> = mock.requests::<CreateCustomer>();
    assert_eq!(all.len(), 3);
    assert_eq!(mock.calls()[1].operation_id, "PostCustomers");
    assert_eq!(mock.calls()[1].params["name"], "Max");
    assert!(mock.unmatched().is_empty());
}

#[tokio::test]
async fn api_errors_come_back_typed() {
    let mock = StripeMock::new();
    mock.on::<CreatePaymentIntent>().then_error(
        ErrorResponse::card_declined()
            .decline_code("insufficient_funds")
            .param("payment_method"),
    );
    mock.on::<RetrieveCustomer>()
        .matching(|r| r.customer == "cus_gone")
        .then_error(
            ErrorResponse::new(404)
                .code("resource_missing")
                .should_retry(false),
        );
    let client = mock.client();
    let e = CreatePaymentIntent::new(2000, "usd")
        .send(&client)
        .await
        .unwrap_err();
    let api = e.as_api_error().expect("an API error");
    assert_eq!(api.kind, ApiErrorKind::Card);
    assert_eq!(api.decline_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(api.param.as_deref(), Some("payment_method"));
    assert!(e.request_id().unwrap().starts_with("req_mock_"));
    let e = RetrieveCustomer::new("cus_gone")
        .send(&client)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.as_api_error().unwrap().kind, ApiErrorKind::InvalidRequest);
}

/// Fail twice with 500, then succeed: the client's own retry loop runs, with its backoff on
/// the mock's clock (no real waiting).
#[tokio::test]
async fn a_sequence_drives_the_real_retry_loop() {
    let mock = StripeMock::new();
    let rule = mock
        .on::<RetrievePaymentIntent>()
        .sequence()
        .status(500)
        .times(2)
        .output(ready_pi("pi_1", "processing"))
        .build();
    let client = mock.client();
    let response = client
        .send_with_response(&RetrievePaymentIntent::new("pi_1"))
        .await
        .unwrap();
    assert_eq!(response.attempts, 3);
    assert_eq!(response.request_id(), Some("req_mock_1_3"));
    assert_eq!(rule.num_calls(), 3);
    assert_eq!(rule.requests().len(), 1, "one request, three attempts");
    assert!(rule.is_exhausted());
    assert_eq!(mock.calls()[0].attempts, 3);
    let sleeps = mock.clock().sleeps();
    assert_eq!(sleeps.len(), 2, "two backoffs: {sleeps:?}");

    // Used up: the next request is unmatched.
    let e = RetrievePaymentIntent::new("pi_1")
        .send(&client)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unmatched(_)), "{e:?}");
}

#[tokio::test]
async fn connection_errors_are_retried_and_answers_running_out_fail() {
    let mock = StripeMock::new();
    let rule = mock
        .on::<RetrieveBalance>()
        .sequence()
        .connection_error()
        .output(Balance::test_default())
        .build();
    let client = mock.client();
    RetrieveBalance::new().send(&client).await.unwrap();
    assert_eq!(rule.num_calls(), 2);

    // One 500 and nothing after it: the retry finds no answer.
    let mock = StripeMock::new();
    mock.on::<RetrieveBalance>().sequence().status(503).build();
    let e = RetrieveBalance::new()
        .send(&mock.client())
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("attempt 2"), "{text}");
}

#[tokio::test]
async fn an_unmatched_request_names_its_operation_and_parameters() {
    let mock = StripeMock::new();
    mock.on::<CreateCustomer>()
        .matching(|r| r.email.as_deref() == Some("jenny@example.com"))
        .then_output(customer("cus_1", None));
    let client = mock.client();
    let e = CreateCustomer::new()
        .email("max@example.com")
        .send(&client)
        .await
        .unwrap_err();
    let Error::Unmatched(message) = &e else {
        panic!("{e:?}")
    };
    assert!(message.contains("CreateCustomer"), "{message}");
    assert!(message.contains("PostCustomers"), "{message}");
    assert!(message.contains("POST /v1/customers"), "{message}");
    assert!(
        message.contains(r#""email":"max@example.com""#),
        "{message}"
    );
    assert!(
        message.contains("none of the 1 rule(s) for CreateCustomer"),
        "{message}"
    );

    let e = RetrievePaymentIntent::new("pi_1")
        .send(&client)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("GetPaymentIntentsIntent"), "{e}");
    assert!(e.to_string().contains("/v1/payment_intents/pi_1"), "{e}");
    assert_eq!(mock.unmatched().len(), 2);

    // Untyped requests are not the typed mock's.
    let e = client
        .raw_request(Method::Get, "/v1/balance", serde_json::Value::Null)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unmatched(_)), "{e:?}");
}

#[tokio::test]
async fn sequential_mode_takes_the_rules_in_order() {
    let mock = StripeMock::with_mode(RuleMode::Sequential);
    let first = mock
        .on::<CreateCustomer>()
        .then_output(customer("cus_1", None));
    let second = mock
        .on::<UpdateCustomer>()
        .then_output(customer("cus_1", Some("a@b.c")));
    let client = mock.client();
    // Out of turn: the update is not the rule whose turn it is.
    let e = UpdateCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("whose turn it is"), "{e}");
    CreateCustomer::new().send(&client).await.unwrap();
    UpdateCustomer::new("cus_1").send(&client).await.unwrap();
    assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
    // A simple rule answers once in Sequential mode.
    assert!(CreateCustomer::new().send(&client).await.is_err());
}

#[tokio::test]
async fn list_streams_page_through_a_sequence() {
    let mock = StripeMock::new();
    let mut page1 = List::of(vec![customer("cus_1", None), customer("cus_2", None)]);
    page1.has_more = true;
    let page2 = List::of(vec![customer("cus_3", None)]);
    let rule = mock
        .on::<ListCustomers>()
        .sequence()
        .output(page1)
        .output(page2)
        .build();
    let all: Vec<Customer> = ListCustomers::new()
        .limit(2)
        .stream(&mock.client())
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["cus_1", "cus_2", "cus_3"]);
    assert_eq!(rule.num_calls(), 2, "two pages");
}

/// Objects for tests decode as the API's own answers would, for resources across the API.
#[tokio::test]
async fn test_objects_go_through_the_decoder() {
    async fn round_trip<R>(req: R, out: R::Output) -> R::Output
    where
        R: StripeRequest + Clone + 'static,
        R::Output: serde::Serialize,
    {
        let mock = StripeMock::new();
        mock.on::<R>().then_output(out);
        mock.client().send(&req).await.unwrap()
    }
    let c = round_trip(
        RetrieveCustomer::new("x"),
        CustomerOrDeletedCustomer::test_default(),
    )
    .await;
    assert!(matches!(c, CustomerOrDeletedCustomer::Customer(c) if c.id == "customer_test"));
    let pi = round_trip(
        RetrievePaymentIntent::new("x"),
        PaymentIntent::test_default(),
    )
    .await;
    assert_eq!(pi.id, "payment_intent_test");
    let sub = round_trip(RetrieveSubscription::new("x"), Subscription::test_default()).await;
    assert_eq!(sub.currency, "usd");
    round_trip(RetrieveInvoice::new("x"), Invoice::test_default()).await;
    round_trip(
        RetrieveCheckoutSession::new("x"),
        CheckoutSession::test_default(),
    )
    .await;
    round_trip(RetrieveEvent::new("x"), event::Event::test_default()).await;
    let clock = round_trip(
        RetrieveTestHelpersTestClock::new("x"),
        TestHelpersTestClock::test_default(),
    )
    .await;
    assert_eq!(clock.created, stripe_client::testing::TEST_TIME.into());
    round_trip(
        RetrieveReportingReportRun::new("x"),
        ReportingReportRun::test_default(),
    )
    .await;
    round_trip(
        RetrieveV2CoreAccount::new("x"),
        V2CoreAccount::test_default(),
    )
    .await;
    round_trip(RetrieveAccount::new("x"), Account::test_default()).await;
}

fn ready_pi(id: &str, status: &str) -> PaymentIntent {
    let mut pi = PaymentIntent::test_default();
    pi.id = id.into();
    pi.amount = Some(2000);
    pi.currency = Some("usd".into());
    pi.status = status.parse().unwrap();
    pi
}

/// The explorer's payments flow against typed rules: one confirm answered 500 first (retried),
/// and assertions on the typed requests the flow made.
#[tokio::test]
async fn the_payments_flow_against_typed_rules() {
    let mock = StripeMock::new();
    mock.on::<CreateCustomer>()
        .then_compute(|r| customer("cus_jenny", r.email.as_deref()));
    let create = mock
        .on::<CreatePaymentIntent>()
        .matching(|r| r.amount == 2000 && r.currency == "usd")
        .then_output(ready_pi("pi_1", "requires_payment_method"));
    mock.on::<RetrievePaymentIntent>()
        .then_output(ready_pi("pi_1", "requires_payment_method"));
    mock.on::<ListPaymentIntents>()
        .then_output(List::of(vec![ready_pi("pi_1", "requires_payment_method")]));
    let confirm = mock
        .on::<ConfirmPaymentIntent>()
        .sequence()
        .status(500)
        .output(ready_pi("pi_1", "succeeded"))
        .build();
    mock.on::<CreateSetupIntent>().then_output({
        let mut si = SetupIntent::test_default();
        si.id = "seti_1".into();
        si
    });
    let refund = mock.on::<CreateRefund>().then_compute(|r| {
        let mut re = Refund::test_default();
        re.amount = r.amount.unwrap_or_default();
        re
    });

    let receipt = take_payment(&mock.client(), "jenny@example.com", 2000)
        .await
        .unwrap();
    assert_eq!(
        receipt,
        Receipt {
            customer: "cus_jenny".into(),
            payment_intent: "pi_1".into(),
            status: "succeeded".into(),
            recent_payments: 1,
            setup_intent: "seti_1".into(),
            refunded: 500,
        }
    );
    assert_eq!(
        create.requests()[0].customer.as_ref().map(|c| c.as_str()),
        Some("cus_jenny")
    );
    assert_eq!(confirm.num_calls(), 2);
    assert_eq!(
        confirm.requests()[0]
            .payment_method
            .as_ref()
            .map(|p| p.as_str()),
        Some("pm_card_visa")
    );
    assert_eq!(refund.requests()[0].amount, Some(500));
    assert_eq!(mock.calls().len(), 7);
    assert!(mock.unmatched().is_empty());
}

/// The same flow recorded from stripe-mock into a cassette, then replayed offline: the same
/// receipt, every interaction served, a request the cassette does not hold refused. The same
/// traffic records to the same bytes (the replay, recorded again, is byte for byte the
/// cassette; stripe-mock's own ids are random, so two runs against it differ there). The key
/// and client secrets are scrubbed.
#[tokio::test]
async fn the_payments_flow_recorded_from_stripe_mock_and_replayed() {
    let url = integration_tests::stripe_mock();
    let recorder = RecordingTransport::new(
        stripe_client::HyperTransport::new(DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES)
            .unwrap(),
    );
    let client = Client::builder("sk_test_4eC39HqLyjWDarjtT1zdp7dc")
        .base_url(&url)
        .transport(recorder.clone())
        .build()
        .unwrap();
    let live_receipt = take_payment(&client, "jenny@example.com", 2000)
        .await
        .unwrap();
    let cassette = recorder.cassette();
    assert_eq!(cassette.len(), 7);

    let text = cassette.to_json();
    assert!(!text.contains("sk_test_4eC39"), "the key is not recorded");
    assert!(!text.to_ascii_lowercase().contains("authorization"));
    assert!(!text.contains("idempotency-key"), "no random keys");
    assert!(
        text.contains(r#""client_secret": "pi_"#) && text.contains("_secret_scrubbed"),
        "client secrets scrubbed"
    );
    assert!(!text.contains("127.0.0.1"), "no host or port");

    let dir = std::env::temp_dir().join(format!("stripe-rs-cassette-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("payments.json");
    cassette.save(&path).unwrap();

    // Offline: a base URL nothing listens on, and a different key.
    let replay = ReplayTransport::load(&path).unwrap();
    let client = Client::builder("sk_test_replay")
        .base_url("http://127.0.0.1:9")
        .transport(replay.clone())
        .build()
        .unwrap();
    let replayed = take_payment(&client, "jenny@example.com", 2000)
        .await
        .unwrap();
    assert_eq!(replayed, live_receipt);
    assert!(replay.unused().is_empty(), "{:?}", replay.unused());

    // The same traffic again (the replay, recorded): the same bytes.
    let rerecorder = RecordingTransport::new(ReplayTransport::new(cassette.clone()));
    let client2 = Client::builder("sk_test_other")
        .transport(rerecorder.clone())
        .build()
        .unwrap();
    take_payment(&client2, "jenny@example.com", 2000)
        .await
        .unwrap();
    assert_eq!(
        rerecorder.cassette().to_json(),
        cassette.to_json(),
        "recording is stable"
    );

    // A request the cassette does not hold (another amount), and one it held but served.
    let e = CreatePaymentIntent::new(999, "usd")
        .send(&client)
        .await
        .unwrap_err();
    let Error::Unmatched(message) = &e else {
        panic!("{e:?}")
    };
    assert!(message.contains("POST /v1/payment_intents"), "{message}");
    assert!(message.contains("999"), "{message}");
    assert!(CreateCustomer::new()
        .email("jenny@example.com")
        .send(&client)
        .await
        .is_err());
    assert_eq!(Cassette::load(&path).unwrap(), cassette);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn recording_refuses_live_keys() {
    let mock = stripe_client::MockTransport::new();
    mock.push_response(HttpResponse::json(200, "{}"));
    let recorder = RecordingTransport::new(mock.clone());
    let client = Client::builder("sk_live_abcdefghijklmnop")
        .transport(recorder.clone())
        .build()
        .unwrap();
    let e = RetrieveBalance::new().send(&client).await.unwrap_err();
    assert!(e.to_string().contains("test-mode traffic only"), "{e}");
    assert!(recorder.cassette().is_empty());
    assert!(mock.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn mock_clients_take_settings_and_a_governor() {
    let mock = StripeMock::new();
    mock.on::<RetrieveBalance>()
        .sequence()
        .status(500)
        .repeatedly()
        .build();
    let governor = stripe_client::governor::Governor::new();
    let client = mock
        .client_builder()
        .max_retries(0)
        .governor(&governor)
        .build()
        .unwrap();
    let e = RetrieveBalance::new().send(&client).await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(mock.calls()[0].attempts, 1);
    assert_eq!(governor.stats().requests, 1);
}

/// guides/testing.md tests the payments flow this file runs: it shows
/// `tests/src/payments_flow.rs` verbatim, and its two other examples carry the same code as
/// hidden lines.
#[test]
fn the_testing_guide_quotes_the_payments_flow() {
    const GUIDE: &str = include_str!("../../../guides/testing.md");
    const FLOW: &str = include_str!("../../src/payments_flow.rs");
    assert!(
        GUIDE.contains(&format!("```rust\n{FLOW}```\n")),
        "guides/testing.md does not show tests/src/payments_flow.rs verbatim; paste it in"
    );
    let hidden: String = FLOW
        .lines()
        .map(|l| {
            if l.is_empty() {
                "#\n".to_owned()
            } else {
                format!("# {l}\n")
            }
        })
        .collect();
    assert_eq!(
        GUIDE.matches(&hidden).count(),
        2,
        "the guide's typed-rule and record/replay examples hide a copy of tests/src/payments_flow.rs each"
    );
}
