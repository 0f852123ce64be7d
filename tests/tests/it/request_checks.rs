//! A generated request checks itself before the network (`StripeRequest::validate`): an
//! empty or blank id in the path is `Error::Guard` with `GuardKind::EmptyId`, and nothing is
//! sent, however the request goes out (async, blocking, a stream of pages). The metering
//! guards run through the same seam.

use futures_util::StreamExt;
use stripe_client::blocking::StripeRequestBlockingExt;
use stripe_client::meter::GuardKind;
use stripe_client::types::rt::{CheckContext, StripeRequest, Timestamp};
use stripe_client::{Client, Error, MockTransport, StripeRequestExt};
use stripe_types::{
    DeleteCustomer, ListCustomerBalanceTransactions, RetrieveCustomer,
    RetrieveCustomerBalanceTransaction, RetrieveV2CoreEvent, UpdateCustomer,
};

use integration_tests::mock_client;

/// The refusal of an empty id in `field`.
fn empty_id<T: std::fmt::Debug>(r: Result<T, Error>, field: &str) {
    match r {
        Err(Error::Guard(g)) => {
            assert_eq!(g.kind, GuardKind::EmptyId, "{g}");
            assert_eq!(g.field, field, "{g}");
        }
        other => panic!("expected an empty-id refusal of {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn an_empty_or_blank_path_id_is_refused_before_the_network() {
    let (c, mock) = mock_client();
    // `DELETE /v1/customers/` and a POST to the collection, before the check.
    empty_id(DeleteCustomer::new("").send(&c).await, "customer");
    empty_id(UpdateCustomer::new("").send(&c).await, "customer");
    empty_id(RetrieveCustomer::new(" \t").send(&c).await, "customer");
    // The second of two path parameters.
    empty_id(
        RetrieveCustomerBalanceTransaction::new("cus_1", "")
            .send(&c)
            .await,
        "transaction",
    );
    // A v2 path.
    empty_id(RetrieveV2CoreEvent::new("").send(&c).await, "id");
    assert!(mock.requests().is_empty(), "nothing was sent");
    // With an id, the request goes out.
    mock.push_json(200, r#"{"id":"cus_1","object":"customer","deleted":true}"#);
    DeleteCustomer::new("cus_1").send(&c).await.unwrap();
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn a_stream_of_pages_is_refused_too() {
    let (c, mock) = mock_client();
    let items: Vec<_> = ListCustomerBalanceTransactions::new("")
        .stream(&c)
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    empty_id(items.into_iter().next().unwrap(), "customer");
    assert!(mock.requests().is_empty());
}

#[test]
fn the_blocking_client_is_refused_too() {
    let mock = MockTransport::new();
    let c = stripe_client::blocking::Client::from_builder(
        Client::builder("sk_test_123").transport(mock.clone()),
    )
    .unwrap();
    empty_id(DeleteCustomer::new("").send_blocking(&c), "customer");
    assert!(mock.requests().is_empty());
}

#[test]
fn the_check_is_the_requests_own() {
    let cx = CheckContext::at(Timestamp(1_800_000_000));
    assert!(DeleteCustomer::new("cus_1").validate(&cx).is_ok());
    let g = DeleteCustomer::new("").validate(&cx).unwrap_err();
    assert_eq!(g.kind, GuardKind::EmptyId);
    assert!(g.to_string().contains("customer"), "{g}");
}

#[tokio::test]
async fn raw_requests_are_not_checked() {
    let (c, mock) = mock_client();
    mock.push_json(200, r#"{"id":"cus_1","object":"customer","deleted":true}"#);
    c.raw_request(
        stripe_client::Method::Delete,
        "/v1/customers/",
        serde_json::Value::Null,
    )
    .await
    .unwrap();
    assert_eq!(mock.requests().len(), 1);
}
