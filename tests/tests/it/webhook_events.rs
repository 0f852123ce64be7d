//! Typed events: every spec event type decodes from a minimal event, unknown types and
//! objects are kept, v2 notifications parse and fetch their event from a real local server.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use stripe_client::webhook::{
    dispatch, Event, EventHandler, EventNotification, EventNotificationType, EventObject,
    EventType, MeterErrorCode, Webhook, WebhookError,
};
use stripe_types::{Timestamp, API_VERSION};

const SECRET: &str = "whsec_test_secret";
const T: i64 = 1_700_000_000;

fn sign(body: &str) -> String {
    Webhook::generate_test_signature(body.as_bytes(), SECRET, T)
}

fn decode(body: &str) -> Result<Event, WebhookError> {
    Webhook::new()
        .clock(Timestamp(T))
        .event(body.as_bytes(), &sign(body), SECRET)
}

fn minimal(ty: &str, object: &str) -> String {
    format!(
        r#"{{"id":"evt_1","object":"event","api_version":"{API_VERSION}","created":{T},"data":{{"object":{object}}},"livemode":false,"pending_webhooks":1,"request":{{"id":null,"idempotency_key":null}},"type":"{ty}"}}"#
    )
}

/// The webhook event types the pinned spec lists (`enabled_events`, minus `*`).
fn spec_event_type_count() -> usize {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/openapi.spec3.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(spec).unwrap()).unwrap();
    doc.pointer("/paths/~1v1~1webhook_endpoints/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/enabled_events/items/enum")
        .and_then(|e| e.as_array())
        .expect("the spec lists webhook event types")
        .iter()
        .filter(|e| e.as_str() != Some("*"))
        .count()
}

#[test]
fn every_spec_event_type_round_trips() {
    assert_eq!(
        EventType::ALL.len(),
        spec_event_type_count(),
        "the spec's event types minus `*`"
    );
    let mut seen = HashSet::new();
    for ty in EventType::ALL.iter() {
        let s = ty.as_str();
        assert!(seen.insert(s.to_owned()), "duplicate {s}");
        assert_eq!(s.parse::<EventType>().unwrap(), *ty);
        assert_eq!(ty.to_string(), s);
        assert_eq!(serde_json::to_value(ty).unwrap(), serde_json::json!(s));
        let event = decode(&minimal(s, r#"{"object":"thing","id":"x_1"}"#))
            .unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(event.type_, *ty, "{s}");
        assert!(!matches!(event.type_, EventType::Unknown(_)), "{s}");
        assert_eq!(event.created, Timestamp(T));
    }
    for (s, v) in [
        (
            "payment_intent.succeeded",
            EventType::PaymentIntentSucceeded,
        ),
        (
            "customer.subscription.deleted",
            EventType::CustomerSubscriptionDeleted,
        ),
        ("invoice.payment_failed", EventType::InvoicePaymentFailed),
    ] {
        assert_eq!(decode(&minimal(s, "{}")).unwrap().type_, v);
    }
}

#[test]
fn unknown_type_and_object_decode() {
    let e = decode(&minimal(
        "brand.new_event",
        r#"{"object":"brand_new","id":"bn_1","n":1}"#,
    ))
    .unwrap();
    assert_eq!(e.type_, EventType::Unknown("brand.new_event".into()));
    assert_eq!(e.type_.as_str(), "brand.new_event");
    match &e.data.object {
        EventObject::Unknown(v) => assert_eq!(v["n"], 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.object_name(), Some("brand_new"));
    // No `object` field at all.
    let e = decode(&minimal("x.y", "[1,2]")).unwrap();
    assert!(matches!(e.data.object, EventObject::Unknown(_)));
}

#[test]
fn typed_objects_and_other_api_versions() {
    let pi = r#"{"id":"pi_1","object":"payment_intent","amount":2000,"currency":"usd","created":1,"livemode":false,"status":"succeeded","brand_new_field":{"x":1}}"#;
    let mut body = minimal("payment_intent.succeeded", pi);
    // An event from another API version: extra top-level fields, string request id.
    body = body.replace(
        r#""livemode":false,"pending"#,
        r#""livemode":false,"future":true,"pending"#,
    );
    body = body.replace(r#"{"id":null,"idempotency_key":null}"#, r#""req_123""#);
    let e = decode(&body).unwrap();
    match &e.data.object {
        EventObject::PaymentIntent(p) => {
            assert_eq!(p.amount, Some(2000));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.extra.get("future"), Some(&serde_json::json!(true)));
    assert_eq!(e.request.as_ref().unwrap().id.as_deref(), Some("req_123"));

    // An object that no longer fits its type stays available as raw JSON.
    let odd = r#"{"id":"pi_1","object":"payment_intent","status":{"nested":"surprise"}}"#;
    let e = decode(&minimal("payment_intent.succeeded", odd)).unwrap();
    match &e.data.object {
        EventObject::Unknown(v) => assert_eq!(v["status"]["nested"], "surprise"),
        other => panic!("{other:?}"),
    }
    assert!(e.data.object_decode_error.is_some());
}

#[test]
fn invalid_payload_reports_the_json_path() {
    let body =
        minimal("customer.created", "{}").replace(r#""livemode":false"#, r#""livemode":"no""#);
    match decode(&body) {
        Err(WebhookError::InvalidPayload { path, .. }) => assert_eq!(path, ".livemode"),
        other => panic!("{other:?}"),
    }
    let body =
        minimal("customer.created", "{}").replace(r#""created":1700000000"#, r#""created":null"#);
    match decode(&body) {
        Err(WebhookError::InvalidPayload { path, .. }) => assert_eq!(path, ".created"),
        other => panic!("{other:?}"),
    }
}

#[derive(Default)]
struct Record(Mutex<Vec<String>>);

impl EventHandler for Record {
    type Error = ();
    async fn payment_intent_succeeded(
        &self,
        _: &Event,
        pi: &stripe_types::PaymentIntent,
    ) -> Result<(), ()> {
        self.0.lock().unwrap().push(format!("pi {}", pi.id));
        Ok(())
    }
    async fn invoice_payment_failed(&self, _: &Event, _: &stripe_types::Invoice) -> Result<(), ()> {
        Err(())
    }
    async fn fallback(&self, e: &Event) -> Result<(), ()> {
        self.0.lock().unwrap().push(format!("other {}", e.type_));
        Ok(())
    }
}

#[tokio::test]
async fn handler_routes_by_type_and_object() {
    let h = Record::default();
    let pi = r#"{"id":"pi_9","object":"payment_intent","created":1,"livemode":false,"status":"succeeded"}"#;
    dispatch(
        &decode(&minimal("payment_intent.succeeded", pi)).unwrap(),
        &h,
    )
    .await
    .unwrap();
    dispatch(&decode(&minimal("charge.captured", "{}")).unwrap(), &h)
        .await
        .unwrap();
    let inv = r#"{"id":"in_1","object":"invoice","created":1,"livemode":false}"#;
    let failed = decode(&minimal("invoice.payment_failed", inv)).unwrap();
    if matches!(failed.data.object, EventObject::Invoice(_)) {
        assert_eq!(dispatch(&failed, &h).await, Err(()));
    }
    assert_eq!(*h.0.lock().unwrap(), ["pi pi_9", "other charge.captured"]);
}

const THIN: &str = r#"{"id":"evt_test_65R","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false,"context":"acct_123/acct_456","related_object":{"id":"mtr_123","type":"billing.meter","url":"/v1/billing/meters/mtr_123"},"reason":{"type":"request","request":{"id":"req_1","idempotency_key":"ik"}}}"#;

fn parse_thin(body: &str) -> Result<EventNotification, WebhookError> {
    Webhook::new()
        .clock(Timestamp(T))
        .event_notification(body.as_bytes(), &sign(body), SECRET)
}

#[test]
fn thin_event_notifications() {
    let n = parse_thin(THIN).unwrap();
    assert_eq!(
        n.type_,
        EventNotificationType::V1BillingMeterErrorReportTriggered
    );
    assert_eq!(n.created.unix_seconds(), Some(1_726_554_052));
    assert_eq!(
        n.related_object.as_ref().unwrap().url,
        "/v1/billing/meters/mtr_123"
    );
    // Refusals name the other function.
    let e = decode(THIN).unwrap_err();
    assert_eq!(e, WebhookError::ExpectedSnapshotEvent);
    assert!(e.to_string().contains("parse_event_notification"));
    let e = parse_thin(&minimal("customer.created", "{}")).unwrap_err();
    assert_eq!(e, WebhookError::ExpectedEventNotification);
    assert!(e.to_string().contains("construct_event"));
    // The free function with the system clock: a 2023 signature is too old.
    assert!(matches!(
        stripe_client::webhook::parse_event_notification(THIN.as_bytes(), &sign(THIN), SECRET),
        Err(WebhookError::TimestampOutsideTolerance { .. })
    ));
}

/// A local server standing in for api.stripe.com: records each request's path and headers.
/// Path, `Stripe-Context` and `Stripe-Request-Trigger` of each request the fake API saw.
type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>)>>>;

async fn fake_api(seen: Seen) -> String {
    use axum::http::{HeaderMap, Uri};
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
            seen.lock().unwrap().push((
                uri.path().to_owned(),
                h("stripe-context"),
                h("stripe-request-trigger"),
            ));
            let body = if uri.path().starts_with("/v2/core/events/") {
                serde_json::json!({
                    "id": "evt_test_65R", "object": "v2.core.event",
                    "type": "v1.billing.meter.error_report_triggered",
                    "created": "2024-09-17T06:20:52.246Z", "livemode": false,
                    "context": "acct_123/acct_456",
                    "related_object": {"id": "mtr_123", "type": "billing.meter", "url": "/v1/billing/meters/mtr_123"},
                    "data": {
                        "developer_message_summary": "There is 1 invalid event",
                        "validation_start": "2024-09-17T06:00:00.000Z",
                        "validation_end": "2024-09-17T06:15:00.000Z",
                        "reason": {"error_count": 1, "error_types": [{
                            "code": "meter_event_no_customer_defined", "error_count": 1,
                            "sample_errors": [{"error_message": "Missing customer", "request": {"identifier": "me_1"}}]
                        }]}
                    }
                })
            } else {
                serde_json::json!({"id": "mtr_123", "object": "billing.meter", "status": "active"})
            };
            axum::Json(body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn fetch_event_and_related_object() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let base = fake_api(seen.clone()).await;
    let client = stripe_client::Client::builder("sk_test_123")
        .api_base(base)
        .max_retries(0)
        .build()
        .unwrap();
    let n = parse_thin(THIN).unwrap();

    let event = n.fetch_event(&client).await.unwrap();
    assert_eq!(event.id, "evt_test_65R");
    let report = event.meter_error_report().unwrap().unwrap();
    assert_eq!(report.meter_id.as_deref(), Some("mtr_123"));
    assert_eq!(report.summary(), "There is 1 invalid event");
    assert_eq!(report.error_count(), 1);
    assert_eq!(
        report.errors()[0].code,
        MeterErrorCode::MeterEventNoCustomerDefined
    );
    assert_eq!(
        report.errors()[0].sample_errors[0]
            .request
            .as_ref()
            .unwrap()
            .identifier,
        "me_1"
    );

    let meter = n.fetch_related_object(&client).await.unwrap().unwrap();
    assert_eq!(meter["status"], "active");

    let seen = seen.lock().unwrap().clone();
    let ctx = Some("acct_123/acct_456".to_owned());
    let trigger = Some("event=evt_test_65R".to_owned());
    assert_eq!(
        seen,
        [
            (
                "/v2/core/events/evt_test_65R".to_owned(),
                ctx.clone(),
                trigger.clone()
            ),
            ("/v1/billing/meters/mtr_123".to_owned(), ctx, trigger),
        ]
    );
}
