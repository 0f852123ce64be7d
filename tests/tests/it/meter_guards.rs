//! Every meter guard, with its message. The client points at a closed port: a guard that
//! let a request through would surface as a connection error instead of `Error::Guard`.

use serde_json::json;
use std::time::{Duration, SystemTime};
use stripe_client::meter::{
    check_create_adjustment, check_create_event, check_create_meter, create_adjustment_json,
    create_event_json, create_meter, create_meter_json, guard, GuardKind, MeterBuilder, MeterEvent,
    MeterEventAdjustment, MeterValue,
};
use stripe_client::retry::{ManualClock, SystemClock};
use stripe_client::types::{
    billing_meter::create::DefaultAggregation, billing_meter::create::ValueSettings,
    billing_meter::Formula as DefaultAggregationFormula,
    billing_meter_event_adjustment::Type as AdjustmentType, CreateBillingMeter,
    CreateBillingMeterArgs, CreateBillingMeterEvent, CreateBillingMeterEventAdjustment,
};
use stripe_client::{Client, Error, RequestOptions};

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn offline_client() -> Client {
    // Port 9 (discard) is closed on loopback: any request would be a connection error.
    Client::builder("sk_test_123")
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .build()
        .unwrap()
}

fn validation(e: Error) -> String {
    match e {
        Error::Guard(g) => g.to_string(),
        other => panic!("expected a guard's refusal, got {other:?}"),
    }
}

fn sum_without_value_settings() -> CreateBillingMeter {
    CreateBillingMeter::new(CreateBillingMeterArgs {
        default_aggregation: DefaultAggregation::new(DefaultAggregationFormula::Sum),
        display_name: "API requests".into(),
        event_name: "api_requests".into(),
    })
}

#[tokio::test]
async fn sum_meter_without_value_settings_is_refused_before_the_network() {
    let err = check_create_meter(&sum_without_value_settings()).unwrap_err();
    assert_eq!(err.kind, GuardKind::ValueSettingsRequired);
    assert_eq!(err.field, "value_settings.event_payload_key");
    assert!(err.message.contains("formula `sum`"), "{}", err.message);
    assert!(
        err.message
            .contains("MeterBuilder::sum(display_name, event_name, \"value\")"),
        "{}",
        err.message
    );
    let msg = validation(
        create_meter(&offline_client(), &sum_without_value_settings())
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("value_settings.event_payload_key"), "{msg}");
}

#[test]
fn last_meter_without_value_settings_is_refused() {
    let p = CreateBillingMeter::new(CreateBillingMeterArgs {
        default_aggregation: DefaultAggregation::new(DefaultAggregationFormula::Last),
        display_name: "Seats".into(),
        event_name: "seats".into(),
    });
    let err = check_create_meter(&p).unwrap_err();
    assert_eq!(err.kind, GuardKind::ValueSettingsRequired);
    assert!(err.message.contains("formula `last`"), "{}", err.message);
    // With value settings it passes.
    assert!(check_create_meter(&p.value_settings(ValueSettings::new("seats"))).is_ok());
}

#[test]
fn typed_builder_shapes_always_pass() {
    assert!(check_create_meter(&MeterBuilder::sum("A", "a", "value").build()).is_ok());
    assert!(check_create_meter(
        &MeterBuilder::last("B", "b", "n")
            .customer_key("cust")
            .build()
    )
    .is_ok());
    assert!(check_create_meter(&MeterBuilder::count("C", "c").build()).is_ok());
}

#[tokio::test]
async fn untyped_meter_params_are_checked() {
    let msg = validation(
        create_meter_json(
            &offline_client(),
            json!({"display_name": "A", "event_name": "a", "default_aggregation": {"formula": "sum"}}),
        )
        .await
        .unwrap_err(),
    );
    assert!(msg.contains("value_settings.event_payload_key"), "{msg}");
    let err = guard::check_meter_params(&json!({
        "display_name": "A", "event_name": "a", "default_aggregation": {"formula": "count"},
        "customer_mapping": {"event_payload_key": "cid", "type": "by_email"}
    }))
    .unwrap_err();
    assert_eq!(err.field, "customer_mapping.type");
    assert!(
        err.message.contains("customer_mapping[type]=by_id"),
        "{}",
        err.message
    );
    let err = guard::check_meter_params(&json!({
        "display_name": "A", "event_name": "a", "default_aggregation": {"formula": "count"},
        "customer_mapping": {"type": "by_id"}
    }))
    .unwrap_err();
    assert_eq!(err.field, "customer_mapping.event_payload_key");
    let err =
        guard::check_meter_params(&json!({"display_name": "A", "event_name": "a"})).unwrap_err();
    assert_eq!(err.field, "default_aggregation.formula");
}

#[tokio::test]
async fn adjustment_without_cancel_identifier_is_refused() {
    let p = CreateBillingMeterEventAdjustment::new("api_requests", AdjustmentType::Cancel);
    let err = check_create_adjustment(&p).unwrap_err();
    assert_eq!(err.kind, GuardKind::CancelIdentifierRequired);
    assert!(
        err.message
            .contains(r#""cancel": {"identifier": "<identifier>"}"#),
        "{}",
        err.message
    );
    let msg = validation(
        create_adjustment_json(
            &offline_client(),
            json!({"event_name": "api_requests", "type": "cancel"}),
        )
        .await
        .unwrap_err(),
    );
    assert!(msg.contains("cancel.identifier"), "{msg}");
}

#[tokio::test]
async fn adjustment_with_top_level_identifier_shows_the_right_shape() {
    let msg = validation(
        create_adjustment_json(
            &offline_client(),
            json!({"event_name": "api_requests", "type": "cancel", "identifier": "evt_42"}),
        )
        .await
        .unwrap_err(),
    );
    assert!(
        msg.starts_with(
            "identifier: an adjustment names the event it cancels in `cancel.identifier`"
        ),
        "{msg}"
    );
    assert!(
        msg.contains(r#"{"event_name": "api_requests", "type": "cancel", "cancel": {"identifier": "evt_42"}}"#),
        "{msg}"
    );
    let err = guard::check_adjustment_params(
        &json!({"event_name": "a", "type": "undo", "cancel": {"identifier": "x"}}),
    )
    .unwrap_err();
    assert_eq!(err.field, "type");
    // The typed builder always has the right shape.
    assert!(
        check_create_adjustment(&MeterEventAdjustment::cancel("a", "evt_1").to_v1_params()).is_ok()
    );
}

#[tokio::test]
async fn raw_payload_with_a_number_is_refused() {
    let msg = validation(
        create_event_json(
            &offline_client(),
            json!({"event_name": "api_requests", "payload": {"stripe_customer_id": "cus_1", "value": 25}}),
            RequestOptions::new(),
        )
        .await
        .unwrap_err(),
    );
    assert!(
        msg.starts_with("payload.value: is the JSON number 25"),
        "{msg}"
    );
    assert!(msg.contains(r#"send "value": "25""#), "{msg}");
    let err = guard::check_event_params(
        &json!({"event_name": "a", "payload": {"stripe_customer_id": "cus_1", "region": true}}),
        &SystemClock,
    )
    .unwrap_err();
    assert_eq!(
        (err.kind, err.field.as_str()),
        (GuardKind::PayloadNotString, "payload.region")
    );
    let err = guard::check_event_params(
        &json!({"event_name": "a", "payload": {"stripe_customer_id": "cus_1", "value": "lots"}}),
        &SystemClock,
    )
    .unwrap_err();
    assert_eq!(err.kind, GuardKind::ValueNotNumeric);
    assert!(err.message.contains("\"25\""), "{}", err.message);
}

#[test]
fn typed_values_are_numbers_sent_as_strings() {
    let e = MeterEvent::new("a", "cus_1").value(25);
    assert_eq!(e.payload_map()["value"], "25");
    assert_eq!(
        MeterEvent::new("a", "c").value(0.5).payload_map()["value"],
        "0.5"
    );
    assert_eq!(
        MeterEvent::new("a", "c").value(u64::MAX).payload_map()["value"],
        "18446744073709551615"
    );
    let err = MeterValue::decimal("12abc").unwrap_err();
    assert_eq!(err.kind, GuardKind::ValueNotNumeric);
    assert!(MeterValue::decimal("12.50").is_ok());
    let err = MeterEvent::new("a", "c")
        .value(f64::NAN)
        .check(&SystemClock)
        .unwrap_err();
    assert!(err.message.contains("finite"), "{}", err.message);
    // The generated v1 params pass the runtime check.
    assert!(check_create_event(&e.to_v1_params(), &SystemClock).is_ok());
}

#[test]
fn timestamp_window_with_an_injected_clock() {
    let clock = ManualClock::at_unix(NOW);
    let day = 86_400;
    let ok = |ts: i64| MeterEvent::new("a", "c").timestamp(ts).check(&clock);
    assert!(ok(NOW - 34 * day).is_ok());
    assert!(ok(NOW - 35 * day).is_ok());
    assert!(ok(NOW + 299).is_ok());
    let err = ok(NOW - 36 * day).unwrap_err();
    assert_eq!(err.kind, GuardKind::TimestampTooOld);
    assert!(
        err.message.contains("at most 35 days old"),
        "{}",
        err.message
    );
    assert!(err.message.contains("adjustment"), "{}", err.message);
    let err = ok(NOW + 6 * 60).unwrap_err();
    assert_eq!(err.kind, GuardKind::TimestampInFuture);
    assert!(
        err.message.contains("at most 5 minutes in the future"),
        "{}",
        err.message
    );
    // Moving the clock moves the window.
    clock.advance(Duration::from_secs(2 * day as u64));
    assert!(ok(NOW - 36 * day).is_err());
    assert!(ok(NOW + 6 * 60).is_ok());
    // Generated params and v2 RFC 3339 text are checked too.
    let p = CreateBillingMeterEvent::new(
        "a",
        std::collections::BTreeMap::from([("stripe_customer_id".to_owned(), "c".to_owned())]),
    )
    .timestamp(NOW - 100 * day);
    assert_eq!(
        check_create_event(&p, &clock).unwrap_err().kind,
        GuardKind::TimestampTooOld
    );
    let err = guard::check_event_params(
        &json!({"event_name": "a", "payload": {"stripe_customer_id": "c"}, "timestamp": "2027-01-01T00:00:00Z"}),
        &clock,
    )
    .unwrap_err();
    assert_eq!(err.kind, GuardKind::TimestampInFuture);
    let err = guard::check_event_params(
        &json!({"event_name": "a", "payload": {"stripe_customer_id": "c"}, "timestamp": "yesterday"}),
        &clock,
    )
    .unwrap_err();
    assert_eq!(err.kind, GuardKind::TimestampInvalid);
}

#[tokio::test]
async fn typed_send_refuses_old_timestamps_before_the_network() {
    let old = MeterEvent::new("api_requests", "cus_1")
        .value(1)
        .timestamp(stripe_client::types::rt::Timestamp::now().0 - 40 * 86_400);
    let msg = validation(old.send(&offline_client()).await.unwrap_err());
    assert!(msg.starts_with("timestamp: "), "{msg}");
    assert!(msg.contains("35 days"), "{msg}");
    // The window follows the client's clock.
    let clock = ManualClock::at(SystemTime::now() - Duration::from_secs(50 * 86_400));
    let client = Client::builder("sk_test_123")
        .base_url("http://127.0.0.1:9")
        .max_retries(0)
        .clock(clock)
        .build()
        .unwrap();
    let err = old.send(&client).await.unwrap_err();
    let Error::Guard(g) = err else {
        panic!("expected a guard's refusal, got {err:?}")
    };
    assert_eq!(g.kind, GuardKind::TimestampInFuture);
}

#[test]
fn lengths_the_spec_bounds() {
    let clock = SystemClock;
    let n100 = "n".repeat(100);
    let n101 = "n".repeat(101);
    assert!(MeterEvent::new(n100.as_str(), "c")
        .identifier(n100.as_str())
        .check(&clock)
        .is_ok());
    let err = MeterEvent::new(n101.as_str(), "c")
        .check(&clock)
        .unwrap_err();
    assert_eq!(
        (err.kind, err.field.as_str()),
        (GuardKind::TooLong, "event_name")
    );
    assert!(
        err.message
            .contains("101 characters long; the API accepts at most 100"),
        "{}",
        err.message
    );
    let err = MeterEvent::new("a", "c")
        .identifier(n101.as_str())
        .check(&clock)
        .unwrap_err();
    assert_eq!(
        (err.kind, err.field.as_str()),
        (GuardKind::TooLong, "identifier")
    );
    let err = MeterEvent::new("", "c").check(&clock).unwrap_err();
    assert_eq!(err.kind, GuardKind::Missing);
    let err = MeterEvent::new("a", "").check(&clock).unwrap_err();
    assert_eq!(err.field, "payload.stripe_customer_id");
    let err =
        guard::check_adjustment_params(&json!({"event_name": "a", "cancel": {"identifier": n101}}))
            .unwrap_err();
    assert_eq!(
        (err.kind, err.field.as_str()),
        (GuardKind::TooLong, "cancel.identifier")
    );
    let err = guard::check_meter_params(
        &json!({"event_name": "e".repeat(101), "default_aggregation": {"formula": "count"}}),
    )
    .unwrap_err();
    assert_eq!(err.kind, GuardKind::TooLong);
}

#[test]
fn stream_batch_bounds() {
    let ev = json!({"event_name": "a", "payload": {"stripe_customer_id": "c", "value": "1"}});
    let many = json!({"events": vec![ev.clone(); 101]});
    let err = guard::check_stream_params(&many, &SystemClock).unwrap_err();
    assert_eq!(err.kind, GuardKind::BatchSize);
    assert!(err.message.contains("at most 100"), "{}", err.message);
    assert!(guard::check_stream_params(&json!({"events": []}), &SystemClock).is_err());
    let bad = json!({"events": [ev, {"event_name": "a", "payload": {"value": 3}}]});
    let err = guard::check_stream_params(&bad, &SystemClock).unwrap_err();
    assert_eq!(err.field, "events[1].payload.value");
}

#[test]
fn guard_errors_never_panic_on_odd_input() {
    for v in [
        json!(null),
        json!(3),
        json!("x"),
        json!([]),
        json!({"event_name": 5}),
    ] {
        assert!(guard::check_meter_params(&v).is_err());
        assert!(guard::check_event_params(&v, &SystemClock).is_err());
        assert!(guard::check_adjustment_params(&v).is_err());
        assert!(guard::check_stream_params(&v, &SystemClock).is_err());
    }
}
