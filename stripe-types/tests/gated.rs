//! A build that leaves out resources an enabled type only names: `Charge.customer` without
//! the `customers` feature. `cargo xtask test` runs it as
//! `cargo test -p stripe-types --no-default-features --features charges --test gated`.
#![cfg(all(feature = "charges", not(feature = "customers")))]

use stripe_types::rt::{DecodeBody, Expandable, HasId};
use stripe_types::{gated, Charge, CustomerId, CustomerOrDeletedCustomer};

const CHARGE: &str = r#"{
  "id": "ch_1", "object": "charge", "amount": 100, "amount_captured": 0, "amount_refunded": 0,
  "balance_transaction": null, "billing_details": {"address": null, "email": null, "name": null, "phone": null},
  "calculated_statement_descriptor": null, "captured": false, "created": 1700000000, "currency": "usd",
  "customer": CUSTOMER, "description": null, "disputed": false, "failure_balance_transaction": null,
  "failure_code": null, "failure_message": null, "fraud_details": {}, "livemode": false, "metadata": {},
  "on_behalf_of": null, "outcome": null, "paid": true, "payment_intent": null, "payment_method": null,
  "payment_method_details": null, "receipt_email": null, "receipt_number": null, "receipt_url": null,
  "refunded": false, "review": null, "shipping": null, "source_transfer": null,
  "statement_descriptor": null, "statement_descriptor_suffix": null, "status": "succeeded",
  "transfer_group": null
}"#;

const CUSTOMER: &str = r#"{"id":"cus_1","object":"customer","created":1700000000,"livemode":false,"email":"jenny@example.com"}"#;

fn charge(customer: &str) -> Charge {
    let json = CHARGE.replace("CUSTOMER", customer);
    let direct = Charge::decode_body(json.as_bytes()).expect("decodes");
    let via_serde: Charge = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(format!("{direct:?}"), format!("{via_serde:?}"));
    direct
}

#[test]
fn an_unexpanded_field_keeps_its_id() {
    let c = charge("\"cus_1\"");
    let customer = c.customer.expect("customer");
    assert!(matches!(&customer, Expandable::Id(id) if id == "cus_1"));
    assert_eq!(customer.id(), "cus_1");
}

#[test]
fn an_expanded_object_of_an_off_resource_keeps_its_json() {
    let c = charge(CUSTOMER);
    let customer = c.customer.expect("customer");
    assert_eq!(customer.id(), "cus_1");
    let Some(CustomerOrDeletedCustomer::Customer(stand_in)) = customer.as_object() else {
        panic!("expected the customer's stand-in, got {customer:?}");
    };
    let stand_in: &gated::Customer = stand_in;
    assert_eq!(stand_in.id(), Some("cus_1"));
    assert_eq!(stand_in.id_str(), Some("cus_1"));
    assert_eq!(stand_in.object(), Some("customer"));
    assert_eq!(stand_in.json()["email"], "jenny@example.com");
    // Serializes back to what was sent; `Debug` shows neither the email nor other fields.
    let expected: serde_json::Value = serde_json::from_str(CUSTOMER).unwrap();
    assert_eq!(serde_json::to_value(stand_in).unwrap(), expected);
    let debug = format!("{stand_in:?}");
    assert!(
        debug.contains("cus_1") && !debug.contains("jenny"),
        "{debug}"
    );
}

#[test]
fn the_id_of_an_off_resource_stays_typed() {
    let id: CustomerId = "cus_1".into();
    assert_eq!(id.as_str(), "cus_1");
}
