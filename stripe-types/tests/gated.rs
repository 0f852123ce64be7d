//! A build that leaves out resources an enabled type only names: `Charge.customer` without
//! the `customers` feature. `cargo xtask test` runs it as
//! `cargo test -p stripe-types --no-default-features --features charges --test gated`.
#![cfg(all(feature = "charges", not(feature = "customers")))]

use stripe_types::rt::{DecodeBody, Expandable, HasId};
use stripe_types::{gated, Charge, CustomerId, CustomerOrDeletedCustomer};

#[path = "support/charge.rs"]
mod charge_json;
use charge_json::{CHARGE, CUSTOMER};

fn charge(customer: &str) -> Charge {
    let json = CHARGE
        .replace("CUSTOMER", customer)
        .replace("STATUS", "succeeded");
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
