//! Decoding breadth of the v2 event payloads: for every v2 event type the SDK knows
//! (`EventNotificationType::ALL`), the fullest thin notification (every field of the spec's
//! `v2.core.event` but `data` and `changes`) is signed, parsed and serialized back to the
//! same JSON, and the fullest full event (every field, the type's `data`) is fetched from the
//! v2 server with `fetch_event` and decoded: its `data` must come back as sent, and a meter
//! error report's typed form must serialize back to it (once for each error code).
//!
//! The pinned spec has no schema for an event's `data`; the meter error report's shape is
//! the one `stripe_client::webhook::MeterErrorReport` documents (Stripe's docs).

use integration_tests::v2_server::breadth::component;
use integration_tests::v2_server::synth::{first_difference, fullest, without_nulls};
use integration_tests::v2_server::V2Server;
use serde_json::{json, Value};
use stripe_client::webhook::{parse_event_notification, EventNotificationType, Webhook};

const SECRET: &str = "whsec_v2_payloads";

/// The meter error codes the SDK names (each payload example takes one in turn).
const METER_CODES: &[&str] = &[
    "archived_meter",
    "meter_event_customer_not_found",
    "meter_event_dimension_count_too_high",
    "meter_event_invalid_value",
    "meter_event_no_customer_defined",
    "missing_dimension_payload_keys",
    "no_meter",
    "timestamp_in_future",
    "timestamp_too_far_in_past",
];

/// The object an event of type `ty` is about.
fn related_object(ty: &EventNotificationType) -> Value {
    match ty {
        EventNotificationType::V2CoreEventDestinationPing => json!({
            "id": "ed_123", "type": "v2.core.event_destination",
            "url": "/v2/core/event_destinations/ed_123"
        }),
        _ => json!({
            "id": "mtr_123", "type": "billing.meter", "url": "/v1/billing/meters/mtr_123"
        }),
    }
}

/// Every fullest `data` of an event of type `ty`: a meter error report per error code, or
/// (no schema in the spec) a free-form object.
fn payloads(ty: &EventNotificationType) -> Vec<Value> {
    match ty {
        EventNotificationType::V1BillingMeterErrorReportTriggered
        | EventNotificationType::V1BillingMeterNoMeterFound => METER_CODES
            .iter()
            .map(|code| {
                json!({
                    "developer_message_summary": format!("3 meter events failed: {code}"),
                    "reason": {
                        "error_count": 3,
                        "error_types": [{
                            "code": code,
                            "error_count": 3,
                            "sample_errors": [{
                                "error_message": format!("{code} for event idem_1"),
                                "request": { "identifier": "idem_1" }
                            }]
                        }]
                    },
                    "validation_start": "2026-01-28T12:00:00.000Z",
                    "validation_end": "2026-01-28T12:05:00.000Z"
                })
            })
            .collect(),
        _ => vec![json!({ "key": "value" })],
    }
}

fn same(label: &str, sent: &Value, back: &Value) {
    if let Some(d) = first_difference(&without_nulls(sent), &without_nulls(back)) {
        panic!("{label}: serializes back to other JSON (sent vs read back) at {d}");
    }
}

#[tokio::test]
async fn v2_event_payloads_decode_and_serialize_back() {
    let server = V2Server::start().await;
    let client = server.client();
    let schema = component("v2.core.event").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (mut notifications, mut events) = (0usize, 0usize);
    assert_eq!(EventNotificationType::ALL.len(), 3);
    for ty in EventNotificationType::ALL {
        for (k, data) in payloads(ty).into_iter().enumerate() {
            let label = format!("{ty} example {k}");
            let mut full = fullest(schema, k);
            let id = format!("evt_{k}_{}", ty.as_str().replace('.', "_"));
            full["id"] = json!(id);
            full["type"] = json!(ty.as_str());
            full["context"] = json!("acct_1/acct_2");
            full["related_object"] = related_object(ty);
            full["data"] = data.clone();
            assert!(
                full["reason"]["request"]["idempotency_key"].is_string(),
                "{full}"
            );
            assert!(full["changes"].is_object(), "{full}");

            // The thin notification, as delivered: signed, parsed, serialized back.
            let mut thin = full.clone();
            thin.as_object_mut().unwrap().remove("data");
            thin.as_object_mut().unwrap().remove("changes");
            let payload = serde_json::to_vec(&thin).unwrap();
            let header = Webhook::generate_test_signature(&payload, SECRET, now);
            let notification = parse_event_notification(&payload, &header, SECRET)
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(&notification.type_, ty, "{label}");
            same(
                &format!("{label} notification"),
                &thin,
                &serde_json::to_value(&notification).unwrap(),
            );
            notifications += 1;

            // The full event, fetched from the v2 server (which checks the request and the
            // answer against the spec).
            server.answer_with("GetV2CoreEventsId", full.clone());
            let event = notification
                .fetch_event(&client)
                .await
                .unwrap_or_else(|e| panic!("{label}: fetch_event: {e}"));
            let seen = server.requests();
            let fetch = seen.last().unwrap();
            assert_eq!(fetch.path, format!("/v2/core/events/{id}"), "{label}");
            assert_eq!(
                fetch.header("stripe-context"),
                Some("acct_1/acct_2"),
                "{label}"
            );
            assert_eq!(
                fetch.header("stripe-request-trigger"),
                Some(format!("event={id}").as_str()),
                "{label}"
            );
            assert_eq!(event.id, id);
            assert_eq!(&event.type_, ty);
            assert_eq!(event.context.as_deref(), Some("acct_1/acct_2"));
            assert_eq!(event.related_object, notification.related_object);
            assert_eq!(event.reason.as_ref(), Some(&full["reason"]), "{label}");
            assert_eq!(event.changes.as_ref(), Some(&full["changes"]), "{label}");
            assert_eq!(event.data.as_ref(), Some(&data), "{label}");
            match event
                .meter_error_report()
                .unwrap_or_else(|e| panic!("{label}: {e}"))
            {
                Some(report) => {
                    // The report names its meter: the event's related object.
                    let mut expected = data.clone();
                    expected["meter_id"] = json!("mtr_123");
                    same(
                        &format!("{label} meter error report"),
                        &expected,
                        &serde_json::to_value(&report).unwrap(),
                    );
                    assert_eq!(report.errors()[0].code.as_str(), METER_CODES[k]);
                }
                None => assert_eq!(ty, &EventNotificationType::V2CoreEventDestinationPing),
            }
            events += 1;
        }
    }
    println!(
        "v2 event payloads: {} event types, {notifications} notifications and {events} fetched events decoded and serialized back",
        EventNotificationType::ALL.len()
    );
    assert_eq!(notifications, 2 * METER_CODES.len() + 1);
}
