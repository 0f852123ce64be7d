//! The meter guards run on every path a meter, meter event or cancel adjustment can take,
//! with the default features: the generated struct's `.send`, the client's `send` /
//! `execute`, the builders, a `Batch`, the meter helpers. A local server counts what
//! arrives: a refused request never reaches it. `raw_request` stays the unguarded way.

use integration_tests::fault::FaultServer;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};
use stripe_client::batch::{Batch, BatchError};
use stripe_client::meter::{GuardKind, MeterBuilder, MeterEvent, MeterEventAdjustment};
use stripe_client::prelude::*;
use stripe_client::retry::ManualClock;
use stripe_client::types::{
    billing_meter::create::DefaultAggregation, billing_meter::create::ValueSettings,
    billing_meter::Formula as DefaultAggregationFormula,
    billing_meter_event_adjustment::create::Cancel,
    billing_meter_event_adjustment::Type as AdjustmentType, CreateBillingMeter,
    CreateBillingMeterArgs, CreateBillingMeterEvent, CreateBillingMeterEventAdjustment,
    CreateV2BillingMeterEvent, CreateV2BillingMeterEventAdjustment,
};
use stripe_client::{Client, Error};

fn client(url: &str) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .max_retries(0)
        .build()
        .unwrap()
}

/// The kind of a guard's refusal; panics on any other outcome.
fn kind<T: std::fmt::Debug>(r: Result<T, Error>) -> GuardKind {
    match r {
        Err(Error::Guard(g)) => g.kind,
        other => panic!("expected Error::Guard, got {other:?}"),
    }
}

fn sum_meter_without_value_settings() -> CreateBillingMeter {
    CreateBillingMeter::new(CreateBillingMeterArgs {
        default_aggregation: DefaultAggregation::new(DefaultAggregationFormula::Sum),
        display_name: "API requests".into(),
        event_name: "api_requests".into(),
    })
}

fn adjustment_without_cancel() -> CreateBillingMeterEventAdjustment {
    CreateBillingMeterEventAdjustment::new("api_requests", AdjustmentType::Cancel)
}

fn payload() -> BTreeMap<String, String> {
    BTreeMap::from([("stripe_customer_id".to_owned(), "cus_1".to_owned())])
}

#[tokio::test]
async fn generated_structs_are_guarded_however_they_are_sent() {
    let server = FaultServer::start(vec![]).await;
    let c = client(&server.url);
    // GUARD-01: a `sum` meter needs value_settings.event_payload_key.
    let meter = sum_meter_without_value_settings();
    assert_eq!(kind(meter.send(&c).await), GuardKind::ValueSettingsRequired);
    assert_eq!(kind(c.send(&meter).await), GuardKind::ValueSettingsRequired);
    assert_eq!(
        kind(meter.send_with(&c, RequestOptions::new()).await),
        GuardKind::ValueSettingsRequired
    );
    assert_eq!(
        kind(meter.send_with_response(&c).await),
        GuardKind::ValueSettingsRequired
    );
    assert_eq!(
        kind(c.execute(&meter, RequestOptions::new()).await),
        GuardKind::ValueSettingsRequired
    );
    // GUARD-03: a cancel adjustment needs cancel.identifier...
    assert_eq!(
        kind(adjustment_without_cancel().send(&c).await),
        GuardKind::CancelIdentifierRequired
    );
    // ...even with an empty `cancel` object.
    assert_eq!(
        kind(
            adjustment_without_cancel()
                .cancel(Cancel::new())
                .send(&c)
                .await
        ),
        GuardKind::CancelIdentifierRequired
    );
    // Meter events: payload values are strings, timestamps inside the window.
    let old = stripe_client::types::rt::Timestamp::now().0 - 40 * 86_400;
    assert_eq!(
        kind(
            CreateBillingMeterEvent::new("api_requests", payload())
                .timestamp(old)
                .send(&c)
                .await
        ),
        GuardKind::TimestampTooOld
    );
    // The v2 endpoints too.
    assert_eq!(
        kind(
            CreateV2BillingMeterEventAdjustment::new(
                stripe_client::types::v2_billing_meter_event_adjustment::create::Cancel::new(""),
                "api_requests",
                AdjustmentType::Cancel,
            )
            .send(&c)
            .await
        ),
        GuardKind::Missing
    );
    assert_eq!(
        kind(CreateV2BillingMeterEvent::new("", payload()).send(&c).await),
        GuardKind::Missing
    );
    assert_eq!(server.count(), 0, "nothing reached the network");

    // A valid meter goes through: the guard is not in the way.
    let ok = sum_meter_without_value_settings().value_settings(ValueSettings::new("v"));
    let _ = ok.send(&c).await;
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn builders_and_helpers_are_guarded() {
    let server = FaultServer::start(vec![]).await;
    let c = client(&server.url);
    // A builder whose value key is blank.
    assert_eq!(
        kind(
            MeterBuilder::sum("API requests", "api_requests", " ")
                .create(&c)
                .await
        ),
        GuardKind::ValueSettingsRequired
    );
    assert_eq!(
        kind(
            MeterBuilder::last("Seats", "seats", "")
                .build()
                .send(&c)
                .await
        ),
        GuardKind::ValueSettingsRequired
    );
    // The meter helpers.
    assert_eq!(
        kind(stripe_client::meter::create_meter(&c, &sum_meter_without_value_settings()).await),
        GuardKind::ValueSettingsRequired
    );
    assert_eq!(
        kind(
            MeterEventAdjustment::cancel("api_requests", "")
                .send(&c)
                .await
        ),
        GuardKind::Missing
    );
    assert_eq!(
        kind(
            MeterEvent::new("api_requests", "cus_1")
                .value(f64::NAN)
                .send(&c)
                .await
        ),
        GuardKind::ValueNotNumeric
    );
    assert_eq!(
        kind(
            stripe_client::meter::create_adjustment_json(
                &c,
                json!({"event_name": "api_requests", "type": "cancel", "identifier": "evt_1"}),
            )
            .await
        ),
        GuardKind::IdentifierAtTopLevel
    );
    assert_eq!(server.count(), 0, "nothing reached the network");
}

#[tokio::test]
async fn batch_slots_are_guarded_one_by_one() {
    let server = FaultServer::start(vec![]).await;
    let c = client(&server.url);
    let meter = sum_meter_without_value_settings();
    let adjustment = adjustment_without_cancel();
    let results = Batch::new()
        .concurrency(2)
        .with(async { meter.send(&c).await.map(|_| ()) })
        .with(async { adjustment.send(&c).await.map(|_| ()) })
        .run()
        .await;
    let kinds: Vec<GuardKind> = results
        .into_iter()
        .map(|r| match r {
            Err(BatchError::Failed(Error::Guard(g))) => g.kind,
            other => panic!("expected a guard's refusal, got {other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            GuardKind::ValueSettingsRequired,
            GuardKind::CancelIdentifierRequired
        ]
    );
    assert_eq!(server.count(), 0, "nothing reached the network");
}

#[tokio::test]
async fn the_timestamp_window_follows_the_clients_clock() {
    let server = FaultServer::start(vec![]).await;
    let fifty_days_ago = SystemTime::now() - Duration::from_secs(50 * 86_400);
    let c = Client::builder("sk_test_123")
        .base_url(&server.url)
        .max_retries(0)
        .clock(ManualClock::at(fifty_days_ago))
        .build()
        .unwrap();
    let ts = stripe_client::types::rt::Timestamp::now().0 - 50 * 86_400;
    // "Now" for this client is 50 days ago: a timestamp of today is in the future...
    let today = CreateBillingMeterEvent::new("api_requests", payload())
        .timestamp(stripe_client::types::rt::Timestamp::now().0);
    assert_eq!(kind(today.send(&c).await), GuardKind::TimestampInFuture);
    assert_eq!(server.count(), 0);
    // ...and one of 50 days ago is fine and goes out.
    let _ = CreateBillingMeterEvent::new("api_requests", payload())
        .timestamp(ts)
        .send(&c)
        .await;
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn raw_request_stays_the_unguarded_escape_hatch() {
    let server = FaultServer::start_with_fallback(vec![], "{}").await;
    let c = client(&server.url);
    c.raw_request(
        Method::Post,
        "/v1/billing/meters",
        json!({"display_name": "A", "event_name": "a", "default_aggregation": {"formula": "sum"}}),
    )
    .await
    .unwrap();
    c.raw_request(
        Method::Post,
        "/v1/billing/meter_event_adjustments",
        json!({"event_name": "a", "type": "cancel", "identifier": "evt_1"}),
    )
    .await
    .unwrap();
    assert_eq!(server.count(), 2, "raw_request sent both unchecked");
}

#[test]
fn a_guard_error_is_matchable_and_says_what_to_change() {
    let e: Error = stripe_client::meter::check_create_meter(&sum_meter_without_value_settings())
        .unwrap_err()
        .into();
    let g = e.as_guard_error().expect("a guard error");
    assert_eq!(g.kind, GuardKind::ValueSettingsRequired);
    assert_eq!(g.field, "value_settings.event_payload_key");
    assert!(e
        .to_string()
        .starts_with("refused before sending: value_settings.event_payload_key"));
    assert!(!e.is_retryable());
    assert!(std::error::Error::source(&e).is_some());
}
