//! v1 meters, meter events and adjustments against stripe-mock; the v2 meter calls fail
//! there with a clear typed error (stripe-mock serves v1 only); raw requests bypass guards.

use integration_tests::{client_for, stripe_mock};
use serde_json::json;
use stripe_client::meter::{
    self, create_event_json, event_summaries, list_meters, retrieve_meter, stream_meters,
    MeterBuilder, MeterEvent, MeterEventAdjustment,
};
use stripe_client::prelude::*;
use stripe_client::types::{
    billing_meter::Status, billing_meter_event_summary::ValueGroupingWindow, rt::Timestamp,
    ListBillingMeters,
};
use stripe_client::{ApiErrorKind, Error};

#[tokio::test]
async fn create_retrieve_update_deactivate_reactivate() {
    let c = client_for(&stripe_mock());
    let m = MeterBuilder::sum("API requests", "api_requests", "value")
        .customer_key("stripe_customer_id")
        .create(&c)
        .await
        .unwrap();
    assert!(!m.id.as_str().is_empty());
    assert!(!m.value_settings.event_payload_key.is_empty());
    // stripe-mock is stateless (fixtures, fresh ids): check that each call decodes.
    let r = retrieve_meter(&c, m.id.as_str()).await.unwrap();
    assert!(!r.event_name.is_empty());
    let u = meter::update_meter_display_name(&c, m.id.as_str(), "Renamed")
        .await
        .unwrap();
    assert!(!u.id.as_str().is_empty());
    let d = meter::deactivate_meter(&c, m.id.as_str()).await.unwrap();
    assert!(matches!(
        d.status,
        Status::Active | Status::Inactive | Status::Unknown(_)
    ));
    let a = meter::reactivate_meter(&c, m.id.as_str()).await.unwrap();
    assert!(!a.id.as_str().is_empty());
    // count and last meters too.
    MeterBuilder::count("Logins", "logins")
        .create(&c)
        .await
        .unwrap();
    MeterBuilder::last("Seats", "seats", "seats")
        .create(&c)
        .await
        .unwrap();
}

#[tokio::test]
async fn list_stream_and_event_summaries() {
    let c = client_for(&stripe_mock());
    let page = list_meters(
        &c,
        &ListBillingMeters::new()
            .limit(3)
            .status(stripe_client::types::billing_meter::Status::Active),
    )
    .await
    .unwrap();
    assert!(!page.data.is_empty());
    let all: Vec<_> = stream_meters(&c, &ListBillingMeters::new())
        .take(5)
        .try_collect()
        .await
        .unwrap();
    assert!(!all.is_empty());
    let now = Timestamp::now().0;
    let summaries: Vec<_> = event_summaries(
        &c,
        all[0].id.as_str(),
        "cus_123",
        now - 86_400,
        now,
        Some(ValueGroupingWindow::Hour),
    )
    .take(3)
    .try_collect()
    .await
    .unwrap();
    assert!(summaries
        .iter()
        .all(|s| s.id.as_str().starts_with("mtrusg_") || !s.id.as_str().is_empty()));
}

#[tokio::test]
async fn meter_event_with_identifier_timestamp_and_idempotency_key() {
    let c = client_for(&stripe_mock());
    let ts = Timestamp::now().0 - 60;
    let e = MeterEvent::new("api_requests", "cus_123")
        .value(25)
        .identifier("req_8f3a")
        .timestamp(ts)
        .idempotency_key("usage-req_8f3a");
    let created = e.send(&c).await.unwrap();
    assert!(!created.event_name.is_empty());
    // The wire form: payload values are strings, timestamp Unix seconds.
    let p = e.to_v1_params();
    assert_eq!(p.identifier.as_deref(), Some("req_8f3a"));
    assert_eq!(p.timestamp, Some(Timestamp(ts)));
    assert_eq!(p.payload.expose()["value"], "25");
    // Guarded untyped create with an explicit idempotency key.
    create_event_json(
        &c,
        json!({"event_name": "api_requests", "identifier": "req_9",
               "payload": {"stripe_customer_id": "cus_123", "value": "3"}}),
        RequestOptions::new().idempotency_key("usage-req_9"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn meter_event_adjustment_cancel() {
    let c = client_for(&stripe_mock());
    let adj = MeterEventAdjustment::cancel("api_requests", "req_8f3a")
        .idempotency_key("cancel-req_8f3a")
        .send(&c)
        .await
        .unwrap();
    assert!(!adj.event_name.is_empty());
}

#[tokio::test]
async fn raw_requests_bypass_the_guards() {
    let c = client_for(&stripe_mock());
    // A `sum` meter without value settings: the guard would refuse it; raw_request sends it
    // and stripe-mock (which does not know the cross-field rule) answers.
    let r = c
        .raw_request(
            Method::Post,
            "/v1/billing/meters",
            json!({"display_name": "A", "event_name": "a", "default_aggregation": {"formula": "sum"}}),
        )
        .await;
    assert!(r.is_ok(), "{r:?}");
    // A top-level identifier on an adjustment reaches the server, which rejects the unknown
    // parameter itself (an API error, not a client-side Validation).
    let err = c
        .raw_request(
            Method::Post,
            "/v1/billing/meter_event_adjustments",
            json!({"event_name": "a", "type": "cancel", "identifier": "x"}),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
}

#[tokio::test]
async fn v2_meter_calls_fail_against_stripe_mock_with_a_typed_error() {
    let c = client_for(&stripe_mock());
    let check = |e: Error| {
        let api = e
            .as_api_error()
            .unwrap_or_else(|| panic!("expected an API error, got {e:?}"));
        assert_eq!(api.status, 404, "stripe-mock does not serve /v2: {api:?}");
        assert_eq!(api.kind, ApiErrorKind::InvalidRequest);
    };
    check(meter::create_session(&c).await.unwrap_err());
    check(
        MeterEvent::new("api_requests", "cus_123")
            .value(1)
            .send_v2(&c)
            .await
            .unwrap_err(),
    );
    check(
        MeterEventAdjustment::cancel("api_requests", "req_1")
            .send_v2(&c)
            .await
            .unwrap_err(),
    );
}
