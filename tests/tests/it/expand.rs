//! `expand` on retrieve and list: the parameter on the wire (`expand[0]=…` in the query)
//! and the typed object in the `Expandable` field, against stripe-mock.

use stripe_client::prelude::*;
use stripe_client::{Client, MockTransport};
use stripe_types::rt::Expandable;
use stripe_types::rt::HasId;
use stripe_types::{
    ListPaymentIntents, ListSubscriptions, RetrievePaymentIntent, RetrieveSubscription,
};

/// The expanded object is the `Customer` variant of the field's union (`Customer`,
/// `DeletedCustomer`, `Unknown`), checked without naming the union type (its generated name
/// is an implementation detail of the generator) and with the same id as `Expandable::id`.
fn assert_customer<T: HasId + std::fmt::Debug>(obj: Option<&T>, id: &str) {
    let obj = obj.expect("the field was expanded");
    let debug = format!("{obj:?}");
    assert!(
        debug.starts_with("Customer(Customer {"),
        "not a Customer: {debug:.120}"
    );
    assert_eq!(obj.id_str(), Some(id));
}

fn mock_client() -> Client {
    integration_tests::client_for(&integration_tests::stripe_mock())
}

#[tokio::test]
async fn expand_is_sent_indexed_in_the_query() {
    let mock = MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .max_retries(0)
        .build()
        .unwrap();
    let _ = RetrieveSubscription::new("sub_123")
        .expand(["customer", "latest_invoice.payment_intent"])
        .send(&client)
        .await;
    let _ = ListSubscriptions::new()
        .limit(3)
        .expand(["data.customer"])
        .send(&client)
        .await;
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[0].url.ends_with(
            "/v1/subscriptions/sub_123?expand[0]=customer&expand[1]=latest_invoice.payment_intent"
        ),
        "{}",
        reqs[0].url
    );
    assert!(
        reqs[1]
            .url
            .ends_with("/v1/subscriptions?expand[0]=data.customer&limit=3"),
        "{}",
        reqs[1].url
    );
    assert!(reqs.iter().all(|r| r.body.is_empty()));
}

#[tokio::test]
async fn retrieve_without_expand_gives_an_id() {
    let sub = RetrieveSubscription::new("sub_123")
        .send(&mock_client())
        .await
        .unwrap();
    match &sub.customer {
        Expandable::Id(id) => assert!(id.starts_with("cus_"), "{id}"),
        Expandable::Object(_) => panic!("customer expanded without expand"),
    }
    assert!(!sub.customer.is_object());
    assert!(sub.customer.as_object().is_none());
}

#[tokio::test]
async fn retrieve_with_expand_gives_the_typed_object() {
    let sub = RetrieveSubscription::new("sub_123")
        .expand(["customer"])
        .send(&mock_client())
        .await
        .unwrap();
    let id = sub.customer.id().to_owned();
    assert!(id.starts_with("cus_"));
    assert_customer(sub.customer.as_object(), &id);
    // The live customer, one call away, with the typed id the field holds.
    let live = sub.customer.live().expect("a live customer");
    assert_eq!(live.id, id);

    let pi = RetrievePaymentIntent::new("pi_123")
        .expand(["customer"])
        .send(&mock_client())
        .await
        .unwrap();
    let customer = pi.customer.as_ref().expect("a customer");
    assert_customer(customer.as_object(), customer.id());
}

#[tokio::test]
async fn list_with_nested_expand_gives_typed_objects() {
    let plain = ListSubscriptions::new()
        .limit(3)
        .send(&mock_client())
        .await
        .unwrap();
    assert!(!plain.data.is_empty());
    assert!(plain.data.iter().all(|s| !s.customer.is_object()));

    let list = ListSubscriptions::new()
        .limit(3)
        .expand(["data.customer"])
        .send(&mock_client())
        .await
        .unwrap();
    assert!(!list.data.is_empty());
    for s in &list.data {
        assert_customer(s.customer.as_object(), s.customer.id());
    }

    let pis = ListPaymentIntents::new()
        .expand(["data.customer"])
        .send(&mock_client())
        .await
        .unwrap();
    for p in &pis.data {
        if let Some(c) = &p.customer {
            assert!(c.is_object(), "{}: data.customer not expanded", p.id);
        }
    }
}

/// Pagination keeps `expand` on every page.
#[tokio::test]
async fn streaming_keeps_expand() {
    let mut stream = ListSubscriptions::new()
        .limit(1)
        .expand(["data.customer"])
        .stream(&mock_client());
    let first = stream.try_next().await.unwrap().expect("one item");
    assert!(first.customer.is_object());
}
