//! The builders: the exact form body each produces (through the client's encoder and on
//! the wire), and the error naming a missing required field.

use stripe_client::builders::{
    BuildError, CheckoutMode, CheckoutSessionBuilder, EndBehavior, Interval, PhaseBuilder,
    StartDate, SubscriptionBuilder, SubscriptionScheduleBuilder,
};
use stripe_client::encode;
use stripe_client::prelude::*;
use stripe_client::{Client, MockTransport};
use stripe_types::rt::Timestamp;

fn field(r: Result<impl std::fmt::Debug, BuildError>) -> String {
    r.expect_err("build() should fail").field().to_owned()
}

#[test]
fn subscription_schedule_body() {
    let params = SubscriptionScheduleBuilder::new()
        .customer("cus_123")
        .start_date(StartDate::Now)
        .end_behavior(EndBehavior::Release)
        .phase(
            PhaseBuilder::new()
                .item("price_intro", 1)
                .item("price_addon", 3)
                .iterations(3, Interval::Month),
        )
        .phase(
            PhaseBuilder::new()
                .item("price_full", 2)
                .iterations(1, Interval::Year),
        )
        .metadata([("order", "6735")])
        .build()
        .unwrap();
    assert_eq!(
        encode::to_string(&params).unwrap(),
        "customer=cus_123&end_behavior=release&metadata[order]=6735\
         &phases[0][duration][interval]=month&phases[0][duration][interval_count]=3\
         &phases[0][items][0][price]=price_intro&phases[0][items][0][quantity]=1\
         &phases[0][items][1][price]=price_addon&phases[0][items][1][quantity]=3\
         &phases[1][duration][interval]=year&phases[1][duration][interval_count]=1\
         &phases[1][items][0][price]=price_full&phases[1][items][0][quantity]=2\
         &start_date=now"
    );
}

#[test]
fn subscription_schedule_timestamp_start_end_date_and_trial() {
    let params = SubscriptionScheduleBuilder::new()
        .customer("cus_123")
        .start_date(Timestamp(1_700_000_000))
        .end_behavior(EndBehavior::Cancel)
        .phase(
            PhaseBuilder::new()
                .item("price_1", 1)
                .end_date(Timestamp(1_800_000_000))
                .trial(true),
        )
        .build()
        .unwrap();
    assert_eq!(
        encode::to_string(&params).unwrap(),
        "customer=cus_123&end_behavior=cancel&phases[0][end_date]=1800000000\
         &phases[0][items][0][price]=price_1&phases[0][items][0][quantity]=1\
         &phases[0][trial]=true&start_date=1700000000"
    );
}

#[test]
fn subscription_schedule_missing_fields_are_named() {
    let phase = || PhaseBuilder::new().item("price_1", 1);
    assert_eq!(
        field(SubscriptionScheduleBuilder::new().phase(phase()).build()),
        "customer"
    );
    assert_eq!(
        field(
            SubscriptionScheduleBuilder::new()
                .customer("  ")
                .phase(phase())
                .build()
        ),
        "customer"
    );
    assert_eq!(
        field(SubscriptionScheduleBuilder::new().customer("cus_1").build()),
        "phases"
    );
    assert_eq!(
        field(
            SubscriptionScheduleBuilder::new()
                .customer("cus_1")
                .phase(phase())
                .phase(PhaseBuilder::new())
                .build()
        ),
        "phases[1].items"
    );
    assert_eq!(
        field(
            SubscriptionScheduleBuilder::new()
                .customer("cus_1")
                .phase(PhaseBuilder::new().item("price_1", 1).item("", 1))
                .build()
        ),
        "phases[0].items[1].price"
    );
    let e = SubscriptionScheduleBuilder::new()
        .customer("cus_1")
        .phase(phase().iterations(0, Interval::Month))
        .build()
        .unwrap_err();
    assert_eq!(e.field(), "phases[0].duration.interval_count");
    assert_eq!(
        e.to_string(),
        "`phases[0].duration.interval_count` must be at least 1"
    );
    // A BuildError converts into the client's error for `?` in async code.
    let as_client_error: stripe_client::Error = e.into();
    assert!(matches!(
        as_client_error,
        stripe_client::Error::Validation(_)
    ));
}

#[test]
fn subscription_body_and_errors() {
    let params = SubscriptionBuilder::new()
        .customer("cus_123")
        .item("price_seat", 5)
        .item("price_support", 1)
        .default_payment_method("pm_card_visa")
        .trial_period_days(14)
        .metadata([("plan", "team")])
        .build()
        .unwrap();
    assert_eq!(
        encode::to_string(&params).unwrap(),
        "customer=cus_123&default_payment_method=pm_card_visa\
         &items[0][price]=price_seat&items[0][quantity]=5\
         &items[1][price]=price_support&items[1][quantity]=1\
         &metadata[plan]=team&trial_period_days=14"
    );
    assert_eq!(
        field(SubscriptionBuilder::new().item("price_1", 1).build()),
        "customer"
    );
    assert_eq!(
        field(SubscriptionBuilder::new().customer("cus_1").build()),
        "items"
    );
    assert_eq!(
        field(
            SubscriptionBuilder::new()
                .customer("cus_1")
                .item(" ", 1)
                .build()
        ),
        "items[0].price"
    );
}

#[test]
fn checkout_session_body_and_errors() {
    let params = CheckoutSessionBuilder::new(CheckoutMode::Subscription)
        .customer("cus_123")
        .line_item("price_monthly", 1)
        .line_item("price_seats", 10)
        .success_url("https://example.com/ok?session={CHECKOUT_SESSION_ID}")
        .client_reference_id("order 42")
        .build()
        .unwrap();
    assert_eq!(
        encode::to_string(&params).unwrap(),
        "client_reference_id=order+42&customer=cus_123\
         &line_items[0][price]=price_monthly&line_items[0][quantity]=1\
         &line_items[1][price]=price_seats&line_items[1][quantity]=10\
         &mode=subscription\
         &success_url=https%3A%2F%2Fexample.com%2Fok%3Fsession%3D%7BCHECKOUT_SESSION_ID%7D"
    );
    // Setup mode needs no line items.
    let setup = CheckoutSessionBuilder::new(CheckoutMode::Setup)
        .customer_email("a@b.com")
        .build()
        .unwrap();
    assert_eq!(
        encode::to_string(&setup).unwrap(),
        "customer_email=a%40b.com&mode=setup"
    );

    assert_eq!(
        field(CheckoutSessionBuilder::new(CheckoutMode::Payment).build()),
        "line_items"
    );
    assert_eq!(
        field(CheckoutSessionBuilder::new(CheckoutMode::Subscription).build()),
        "line_items"
    );
    assert_eq!(
        field(
            CheckoutSessionBuilder::new(CheckoutMode::Payment)
                .line_item("", 1)
                .build()
        ),
        "line_items[0].price"
    );
    assert_eq!(
        field(
            CheckoutSessionBuilder::new(CheckoutMode::Setup)
                .customer("cus_1")
                .customer_email("a@b.com")
                .build()
        ),
        "customer_email"
    );
}

/// The built request goes on the wire exactly as the encoder produced it.
#[tokio::test]
async fn built_requests_send_the_encoded_body() {
    let mock = MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .max_retries(0)
        .build()
        .unwrap();
    let params = SubscriptionBuilder::new()
        .customer("cus_123")
        .item("price_1", 2)
        .build()
        .unwrap();
    let expected = encode::to_string(&params).unwrap();
    // The queue is empty: the mock answers 500; only the request matters here.
    let _ = params.send(&client).await;
    let req = mock.last_request().expect("one request");
    assert_eq!(req.method, Method::Post);
    assert!(req.url.ends_with("/v1/subscriptions"), "{}", req.url);
    assert_eq!(req.body_text(), expected);
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

/// The builders' output is accepted by stripe-mock, which validates every parameter
/// against the spec.
#[tokio::test]
async fn stripe_mock_accepts_built_requests() {
    let client = integration_tests::client_for(&integration_tests::stripe_mock());
    let schedule = SubscriptionScheduleBuilder::new()
        .customer("cus_123")
        .start_date(StartDate::Now)
        .end_behavior(EndBehavior::Release)
        .phase(
            PhaseBuilder::new()
                .item("price_123", 1)
                .iterations(12, Interval::Month),
        )
        .build()
        .unwrap()
        .send(&client)
        .await
        .expect("schedule accepted");
    assert!(schedule.id.as_str().starts_with("sub_sched_"));
    let sub = SubscriptionBuilder::new()
        .customer("cus_123")
        .item("price_123", 1)
        .build()
        .unwrap()
        .send(&client)
        .await
        .expect("subscription accepted");
    assert!(sub.id.as_str().starts_with("sub_"));
    let session = CheckoutSessionBuilder::new(CheckoutMode::Payment)
        .line_item("price_123", 2)
        .success_url("https://example.com/ok")
        .build()
        .unwrap()
        .send(&client)
        .await
        .expect("checkout session accepted");
    assert!(session.id.as_str().starts_with("cs_"));
}
