//! Forward compatibility: responses carrying fields, enum values, object types and event
//! types the pinned spec does not know still decode, and keep the unknown parts reachable
//! (`extra`, `Unknown(String)`, `Unknown(serde_json::Value)`).
//!
//! The base objects are real ones from stripe-mock, changed the way a newer API would
//! change them; they are decoded both with serde directly and through the client
//! (a `MockTransport` answering with the changed JSON).

use serde_json::{json, Value};
use stripe_client::webhook::{EventObject, EventType, Webhook};
use stripe_client::{Client, HttpResponse, MockTransport, StripeRequestExt};

async fn fixture(path: &str) -> Value {
    let client = integration_tests::client_for(&integration_tests::stripe_mock());
    client
        .raw_request(stripe_types::rt::Method::Get, path, json!({}))
        .await
        .unwrap_or_else(|e| panic!("stripe-mock {path}: {e}"))
}

fn mock_client(answer: &Value) -> Client {
    let mock = MockTransport::new();
    mock.push_response(HttpResponse::json(200, answer.to_string()));
    Client::builder("sk_test_123")
        .transport(mock)
        .max_retries(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn customer_with_unknown_fields_enum_values_and_object_types() {
    let mut c = fixture("/v1/customers/cus_123").await;
    c["brand_new_field"] = json!({"nested": [1, 2, 3]});
    c["another_new_field"] = json!("hello");
    c["tax_exempt"] = json!("partially_exempt_from_the_future");
    c["default_source"] = json!({"id": "ppm_1", "object": "payment_method_of_the_future", "x": 1});
    c["invoice_settings"]["field_added_later"] = json!(true);

    let direct: stripe_types::Customer = serde_json::from_value(c.clone()).expect("decodes");
    let via_client = match stripe_types::RetrieveCustomer::new("cus_123")
        .send(&mock_client(&c))
        .await
        .expect("decodes through the client")
    {
        stripe_types::CustomerOrDeletedCustomer::Customer(c) => c.into_inner(),
        other => panic!("expected a customer, got {other:?}"),
    };
    for cus in [&direct, &via_client] {
        assert_eq!(
            cus.extra.get("brand_new_field"),
            Some(&json!({"nested": [1, 2, 3]}))
        );
        assert_eq!(cus.extra.get("another_new_field"), Some(&json!("hello")));
        match &cus.tax_exempt {
            Some(stripe_types::customer::TaxExempt::Unknown(v)) => {
                assert_eq!(v, "partially_exempt_from_the_future")
            }
            other => panic!("tax_exempt: {other:?}"),
        }
        assert_eq!(
            cus.tax_exempt.as_ref().unwrap().as_str(),
            "partially_exempt_from_the_future"
        );
        match &cus.default_source {
            Some(stripe_types::rt::Expandable::Object(o)) => match o.as_ref() {
                stripe_types::BankAccountOrCardOrSource::Unknown(v) => {
                    assert_eq!(v["object"], "payment_method_of_the_future");
                    assert_eq!(v["x"], 1);
                }
                other => panic!("default_source: {other:?}"),
            },
            other => panic!("default_source: {other:?}"),
        }
        let inv = cus.invoice_settings.as_ref().expect("invoice_settings");
        assert_eq!(inv.extra.get("field_added_later"), Some(&json!(true)));
    }
}

#[tokio::test]
async fn charge_with_unknown_status_and_fields() {
    let mut ch = fixture("/v1/charges/ch_123").await;
    ch["status"] = json!("teleported");
    ch["quantum_field"] = json!(42);
    let direct: stripe_types::Charge = serde_json::from_value(ch.clone()).expect("decodes");
    let via_client = stripe_types::RetrieveCharge::new("ch_123")
        .send(&mock_client(&ch))
        .await
        .expect("decodes through the client");
    for charge in [&direct, &via_client] {
        assert!(
            matches!(&charge.status, stripe_types::charge::Status::Unknown(s) if s == "teleported"),
            "{:?}",
            charge.status
        );
        assert_eq!(charge.status.as_str(), "teleported");
        assert_eq!(charge.status.to_string(), "teleported");
        assert_eq!(charge.extra.get("quantum_field"), Some(&json!(42)));
    }
    // A known value still decodes to its variant.
    ch["status"] = json!("succeeded");
    let known: stripe_types::Charge = serde_json::from_value(ch).unwrap();
    assert_eq!(known.status, stripe_types::charge::Status::Succeeded);
}

const SECRET: &str = "whsec_forward_compat";

fn deliver(event: &Value) -> stripe_client::webhook::Event {
    let body = event.to_string();
    let now = stripe_types::Timestamp::now();
    let header = Webhook::generate_test_signature(body.as_bytes(), SECRET, now);
    Webhook::construct_event(body.as_bytes(), &header, SECRET).expect("event decodes")
}

fn event(type_: &str, object: Value) -> Value {
    json!({
        "id": "evt_fc",
        "object": "event",
        "type": type_,
        "api_version": "2099-01-01.future",
        "created": 1_700_000_000,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "data": {"object": object},
    })
}

#[tokio::test]
async fn events_with_unknown_types_objects_and_fields() {
    // An unknown event type about an unknown object type.
    let mut e = event(
        "quantum_ledger.entangled",
        json!({"id": "ql_1", "object": "quantum_ledger", "spin": "up"}),
    );
    e["field_from_2099"] = json!({"a": 1});
    let ev = deliver(&e);
    assert!(
        matches!(&ev.type_, EventType::Unknown(t) if t == "quantum_ledger.entangled"),
        "{:?}",
        ev.type_
    );
    assert_eq!(ev.type_.as_str(), "quantum_ledger.entangled");
    match &ev.data.object {
        EventObject::Unknown(v) => {
            assert_eq!(v["object"], "quantum_ledger");
            assert_eq!(v["spin"], "up");
        }
        other => panic!("expected EventObject::Unknown, got {other:?}"),
    }
    assert_eq!(ev.extra.get("field_from_2099"), Some(&json!({"a": 1})));
    assert_eq!(ev.api_version.as_deref(), Some("2099-01-01.future"));

    // A known event type whose (known) object carries unknown fields and enum values.
    let mut ch = fixture("/v1/charges/ch_123").await;
    ch["status"] = json!("teleported");
    ch["quantum_field"] = json!(42);
    let ev = deliver(&event("charge.succeeded", ch));
    assert_eq!(ev.type_, EventType::ChargeSucceeded);
    match &ev.data.object {
        EventObject::Charge(c) => {
            assert_eq!(c.status.as_str(), "teleported");
            assert_eq!(c.extra.get("quantum_field"), Some(&json!(42)));
        }
        other => panic!("expected EventObject::Charge, got {other:?}"),
    }

    // A new event type about a known object.
    let cus = fixture("/v1/customers/cus_123").await;
    let ev = deliver(&event("customer.teleported", cus));
    assert_eq!(ev.type_.as_str(), "customer.teleported");
    assert!(
        matches!(ev.data.object, EventObject::Customer(_)),
        "{:?}",
        ev.data.object
    );
    assert_eq!(ev.object_name(), Some("customer"));

    // A known object type in a shape this SDK cannot decode is kept raw, not an error.
    let ev = deliver(&event(
        "charge.succeeded",
        json!({"id": "ch_1", "object": "charge", "amount": "not a number"}),
    ));
    match &ev.data.object {
        EventObject::Unknown(v) => assert_eq!(v["amount"], "not a number"),
        other => panic!("expected the raw object, got {other:?}"),
    }
}
