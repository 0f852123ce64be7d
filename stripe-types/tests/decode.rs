//! Decoding hand-written JSON into the generated types: the forward-compatibility and
//! exactness guarantees of the type mapping.
#![cfg(all(feature = "payments", feature = "billing"))]

use stripe_types::rt::{DecodeBody, Expandable, HasId, Int64String};
use stripe_types::*;

/// Decode `json` both ways a type can be decoded — its `DecodeBody` impl (the `rt::json`
/// reader the client uses) and serde (`serde_json::from_str`, through the generated bridge)
/// — and check that they agree.
fn decode<T: DecodeBody + serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> T {
    let direct = match T::decode_body(json.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("decode failed: {e}"),
    };
    let via_serde: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("serde: {e}"));
    assert_eq!(format!("{direct:?}"), format!("{via_serde:?}"));
    direct
}

const CHARGE: &str = r#"{
  "id": "ch_1", "object": "charge", "amount": 100, "amount_captured": 0, "amount_refunded": 0,
  "balance_transaction": null, "billing_details": {"address": null, "email": null, "name": null, "phone": null},
  "calculated_statement_descriptor": null, "captured": false, "created": 1700000000, "currency": "usd",
  "customer": CUSTOMER, "description": null, "disputed": false, "failure_balance_transaction": null,
  "failure_code": null, "failure_message": null, "fraud_details": {}, "livemode": false, "metadata": {},
  "on_behalf_of": null, "outcome": null, "paid": true, "payment_intent": null, "payment_method": null,
  "payment_method_details": null, "receipt_email": null, "receipt_number": null, "receipt_url": null,
  "refunded": false, "review": null, "shipping": null, "source_transfer": null,
  "statement_descriptor": null, "statement_descriptor_suffix": null, "status": "STATUS",
  "transfer_group": null
}"#;

const CUSTOMER: &str = r#"{"id": "cus_1", "object": "customer", "created": 1700000000, "livemode": false, "email": "jenny@example.com"}"#;

fn charge(customer: &str, status: &str) -> Charge {
    decode(
        &CHARGE
            .replace("CUSTOMER", customer)
            .replace("STATUS", status),
    )
}

#[test]
fn unknown_enum_value_is_kept_and_round_trips() {
    let c = charge("null", "quantum_pending");
    assert_eq!(c.status, charge::Status::Unknown("quantum_pending".into()));
    assert_eq!(c.status.as_str(), "quantum_pending");
    assert_eq!(
        serde_json::to_string(&c.status).unwrap(),
        "\"quantum_pending\""
    );
    let known = charge("null", "succeeded");
    assert_eq!(known.status, charge::Status::Succeeded);
    assert_eq!(
        "succeeded".parse::<charge::Status>().unwrap(),
        charge::Status::Succeeded
    );
    assert_eq!(charge::Status::Succeeded.to_string(), "succeeded");
}

#[test]
fn unknown_field_does_not_fail_and_stays_reachable() {
    let json = CUSTOMER.replace(
        "\"livemode\"",
        "\"brand_new_field\": {\"nested\": [1, 2]}, \"livemode\"",
    );
    let c: Customer = decode(&json);
    assert_eq!(c.extra.get("brand_new_field").unwrap()["nested"][1], 2);
    assert_eq!(c.email.as_deref(), Some("jenny@example.com"));
}

#[test]
fn expandable_field_as_id_and_as_object() {
    let c = charge("\"cus_1\"", "succeeded");
    let customer = c.customer.unwrap();
    assert!(matches!(&customer, Expandable::Id(id) if id == "cus_1"));
    assert_eq!(customer.id(), "cus_1");

    let c = charge(CUSTOMER, "succeeded");
    let customer = c.customer.unwrap();
    assert_eq!(customer.id(), "cus_1");
    match customer.as_object() {
        Some(discount::CustomerOrDeletedCustomer::Customer(full)) => {
            assert_eq!(full.email.as_deref(), Some("jenny@example.com"));
            assert_eq!(full.id, "cus_1");
        }
        other => panic!("expected an expanded customer, got {other:?}"),
    }
}

#[test]
fn deleted_object_in_a_union_and_on_its_own() {
    let deleted = r#"{"id": "cus_1", "object": "customer", "deleted": true}"#;
    let c = charge(deleted, "succeeded");
    match c.customer.unwrap().into_object() {
        Some(discount::CustomerOrDeletedCustomer::DeletedCustomer(d)) => assert_eq!(d.id, "cus_1"),
        other => panic!("expected a deleted customer, got {other:?}"),
    }
    let d: DeletedCustomer = decode(deleted);
    assert_eq!(d.id_str(), Some("cus_1"));
}

#[test]
fn unknown_object_in_a_union_keeps_the_raw_json() {
    let alien = r#"{"id": "thing_1", "object": "hologram", "glow": 11}"#;
    let c = charge(alien, "succeeded");
    match c.customer.unwrap() {
        Expandable::Object(o) => match o.into_inner() {
            discount::CustomerOrDeletedCustomer::Unknown(v) => assert_eq!(v["glow"], 11),
            other => panic!("expected Unknown, got {other:?}"),
        },
        other => panic!("expected an object, got {other:?}"),
    }
}

#[test]
fn decimal_round_trips_exactly() {
    let json = r#"{"id": "price_1", "object": "price", "active": true, "billing_scheme": "per_unit",
        "created": 1700000000, "currency": "usd", "custom_unit_amount": null, "livemode": false,
        "lookup_key": null, "metadata": {}, "nickname": null, "product": "prod_1", "recurring": null,
        "tax_behavior": null, "tiers_mode": null, "transform_quantity": null, "type": "one_time",
        "unit_amount": null, "unit_amount_decimal": "0.123456789012345678901234567890"}"#;
    let p: Price = decode(json);
    let d = p.unit_amount_decimal.unwrap();
    assert_eq!(d.as_str(), "0.123456789012345678901234567890");
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        "\"0.123456789012345678901234567890\""
    );
}

#[test]
fn int64_string_round_trips_exactly() {
    // 2^53 + 1 is not representable as an f64.
    let v: Int64String = serde_json::from_str("\"9007199254740993\"").unwrap();
    assert_eq!(v.0, 9_007_199_254_740_993);
    assert_eq!(decode::<Int64String>("\"9007199254740993\"").0, v.0);
    assert_eq!(serde_json::to_string(&v).unwrap(), "\"9007199254740993\"");
    assert!(serde_json::from_str::<Int64String>("\"12x\"").is_err());
}

#[test]
fn missing_required_field_names_the_path() {
    let doc = "{\"id\": \"cus_1\",\n \"object\": \"customer\"}";
    let err = Customer::decode_body(doc.as_bytes()).unwrap_err();
    assert_eq!(err.message(), "missing field `created`");
    // At the object's closing brace, so the client's path is the object's.
    assert_eq!((err.line(), err.column()), (2, 22));
    let err = serde_json::from_str::<Customer>(doc).unwrap_err();
    assert!(err.to_string().contains("created"), "{err}");
}

#[test]
fn wrong_types_and_bad_json_are_errors_with_positions() {
    let cases = [
        (
            r#"{"id": 5, "object": "customer", "created": 1, "livemode": false}"#,
            "invalid type: number, expected a string",
            8,
        ),
        (
            r#"{"id": "cus_1", "created": 1.5, "livemode": false}"#,
            "invalid type: floating point, expected i64",
            28,
        ),
        (
            r#"{"id": "cus_1", "created": 1, "livemode": false"#,
            "EOF while parsing an object",
            48,
        ),
        (
            r#"{"id": "cus_1", "created": 1, "livemode": false} x"#,
            "trailing characters",
            50,
        ),
        (
            r#"[]"#,
            "invalid type: sequence, expected a customer object",
            1,
        ),
    ];
    for (doc, message, column) in cases {
        let err = Customer::decode_body(doc.as_bytes()).unwrap_err();
        assert_eq!((err.message(), err.column()), (message, column), "{doc}");
        assert!(serde_json::from_str::<Customer>(doc).is_err(), "{doc}");
    }
    // Through serde the position would be in the bridge's buffer: the message names the
    // field instead.
    let doc =
        r#"{"id": "cus_1", "created": 1, "livemode": false, "invoice_settings": {"footer": 7}}"#;
    let err = serde_json::from_str::<Customer>(doc)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("invoice_settings.footer: invalid type: number"),
        "{err}"
    );
}

#[test]
fn typed_ids_are_accepted_by_endpoints() {
    use stripe_types::rt::StripeRequest;
    let id: CustomerId = "cus/../1".into();
    let req = RetrieveCustomer::new(id);
    assert_eq!(req.endpoint().path, "/v1/customers/cus%2F..%2F1");
}

#[test]
fn every_event_type_parses_back_from_its_wire_name() {
    // `FromStr` looks names up in a sorted table and maps the index to a variant: every
    // variant must come back from its own name, and a name not in the table is kept.
    for t in EventType::ALL {
        assert_eq!(
            t.as_str().parse::<EventType>().unwrap(),
            t,
            "{}",
            t.as_str()
        );
        let json = format!("\"{}\"", t.as_str());
        assert_eq!(decode::<EventType>(&json), t);
    }
    for s in [
        "",
        "a",
        "zzzz",
        "payment_intent.succeeded.",
        "Payment_intent.succeeded",
    ] {
        assert_eq!(
            s.parse::<EventType>().unwrap(),
            EventType::Unknown(s.into())
        );
    }
    for (s, v) in [
        ("canceled", payment_intent::Status::Canceled),
        ("processing", payment_intent::Status::Processing),
        ("requires_action", payment_intent::Status::RequiresAction),
        ("requires_capture", payment_intent::Status::RequiresCapture),
        (
            "requires_confirmation",
            payment_intent::Status::RequiresConfirmation,
        ),
        (
            "requires_payment_method",
            payment_intent::Status::RequiresPaymentMethod,
        ),
        ("succeeded", payment_intent::Status::Succeeded),
    ] {
        assert_eq!(s.parse::<payment_intent::Status>().unwrap(), v);
        assert_eq!(v.as_str(), s);
    }
}

#[test]
fn a_repeated_key_keeps_the_last_value_and_null_clears_an_optional_field() {
    let doc = r#"{"id": "cus_1", "object": "customer", "created": 1, "livemode": false,
        "email": "a@example.com", "created": 2, "email": "b@example.com", "name": "N", "name": null}"#;
    let c: Customer = decode(doc);
    assert_eq!(c.created.seconds(), 2);
    assert_eq!(c.email.as_deref(), Some("b@example.com"));
    assert_eq!(c.name, None);
}

#[test]
fn a_missing_field_after_fields_that_own_heap_data_is_reported() {
    // The required `currency` is missing after fields that own heap data (an expanded
    // customer, strings, a map): the decoder discards them and names the field.
    let doc = CHARGE
        .replace("CUSTOMER", CUSTOMER)
        .replace("STATUS", "succeeded")
        .replace(r#""currency": "usd","#, "");
    let err = Charge::decode_body(doc.as_bytes()).unwrap_err();
    assert_eq!(err.message(), "missing field `currency`");
    // The first missing one, in field order.
    let doc = r#"{"object": "customer", "livemode": false}"#;
    let err = Customer::decode_body(doc.as_bytes()).unwrap_err();
    assert_eq!(err.message(), "missing field `created`");
}

#[test]
fn list_envelopes_name_their_missing_fields() {
    use stripe_types::rt::{List, SearchList, V2List};
    let list: List<Customer> = List::decode_body(
        format!(r#"{{"object": "list", "url": "/v1/customers", "has_more": true, "data": [{CUSTOMER}]}}"#).as_bytes(),
    )
    .unwrap();
    assert!(list.has_more);
    assert_eq!(list.data[0].id.as_str(), "cus_1");
    let err = List::<Customer>::decode_body(format!(r#"{{"data": [{CUSTOMER}]}}"#).as_bytes())
        .unwrap_err();
    assert_eq!(err.message(), "missing field `has_more`");
    let err = List::<Customer>::decode_body(br#"{"has_more": false}"#).unwrap_err();
    assert_eq!(err.message(), "missing field `data`");
    let err = SearchList::<Customer>::decode_body(br#"{"data": []}"#).unwrap_err();
    assert_eq!(err.message(), "missing field `has_more`");
    let err = V2List::<Customer>::decode_body(br#"{"next_page_url": null}"#).unwrap_err();
    assert_eq!(err.message(), "missing field `data`");
    let err =
        List::<Customer>::decode_body(br#"{"data": [{"id": 1}], "has_more": false}"#).unwrap_err();
    assert!(
        err.message().contains("expected a string"),
        "{}",
        err.message()
    );
}
