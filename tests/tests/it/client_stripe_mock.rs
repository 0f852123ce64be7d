//! Core flows end to end against stripe-mock (started by `integration_tests::stripe_mock()`;
//! these tests fail, never skip, when it cannot be had).
//!
//! Hand-written requests cover the customer resource; the rest of the flows go through
//! `raw_request` until the generated types land (the generated every-operation test covers
//! each typed operation).

use futures_util::TryStreamExt;
use integration_tests::reqs::{
    CreateCustomer, CreateFile, DeleteCustomer, FileLinkData, ListCustomers, RetrieveCustomer,
    SearchCustomers,
};
use integration_tests::{client_for, stripe_mock};
use serde_json::{json, Value};
use stripe_client::prelude::*;
use stripe_client::{ApiErrorKind, ApiErrorType};
use stripe_types::rt::FileUpload;

fn client() -> Client {
    client_for(&stripe_mock())
}

#[tokio::test]
async fn customer_create_retrieve_list_search_delete() {
    let client = client();
    let created = CreateCustomer::new()
        .email("jenny@example.com")
        .metadata("order_id", "6735")
        .send_with_response(&client)
        .await
        .unwrap();
    assert!(created.id.starts_with("cus_"));
    assert_eq!(created.object, "customer");
    assert!(created.request_id().is_some());
    // stripe-mock echoes the idempotency key we generated.
    assert!(created.header("idempotency-key").is_some());

    let got = RetrieveCustomer::new(&created.id)
        .send(&client)
        .await
        .unwrap();
    assert_eq!(got.object, "customer");

    let page = ListCustomers::new().limit(3).send(&client).await.unwrap();
    assert!(!page.data.is_empty());
    let streamed: Vec<_> = ListCustomers::new()
        .limit(3)
        .stream(&client)
        .take(5)
        .try_collect()
        .await
        .unwrap();
    assert!(!streamed.is_empty());

    let found = SearchCustomers {
        query: "email:'jenny@example.com'".into(),
        limit: Some(2),
    }
    .send(&client)
    .await
    .unwrap();
    assert!(!found.data.is_empty());

    let deleted = DeleteCustomer {
        id: created.id.clone(),
    }
    .send(&client)
    .await
    .unwrap();
    assert!(deleted.deleted);
}

#[tokio::test]
async fn invalid_request_is_a_typed_error() {
    let client = client();
    let e = client
        .raw_request(Method::Post, "/v1/customers", json!({"not_a_param": "x"}))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    let api = e.as_api_error().expect("API error");
    assert_eq!(api.kind, ApiErrorKind::InvalidRequest);
    assert_eq!(api.error_type, Some(ApiErrorType::InvalidRequestError));
    assert!(
        api.message
            .as_deref()
            .unwrap_or("")
            .contains("additional properties"),
        "{api:?}"
    );
    assert!(!e.is_retryable());

    // A missing required parameter on a typed path.
    let e = client
        .raw_request(Method::Post, "/v1/payment_intents", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));

    // An unknown path.
    let e = client
        .raw_request(Method::Get, "/v1/not_a_resource", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn payment_intent_setup_intent_refund_flow() {
    let client = client();
    let cus = client
        .raw_request(Method::Post, "/v1/customers", json!({"email": "a@b.com"}))
        .await
        .unwrap();
    let cus_id = cus["id"].as_str().unwrap();
    let pi = client
        .raw_request(
            Method::Post,
            "/v1/payment_intents",
            json!({"amount": 2000, "currency": "usd", "customer": cus_id,
                   "payment_method_types": ["card"], "metadata": {"order": "1"}}),
        )
        .await
        .unwrap();
    let pi_id = pi["id"].as_str().unwrap().to_owned();
    assert!(pi_id.starts_with("pi_"));
    let got = client
        .raw_request(
            Method::Get,
            &format!("/v1/payment_intents/{pi_id}"),
            Value::Null,
        )
        .await
        .unwrap();
    assert_eq!(got["object"], "payment_intent");
    let list = client
        .raw_request(
            Method::Get,
            "/v1/payment_intents",
            json!({"limit": 2, "customer": cus_id}),
        )
        .await
        .unwrap();
    assert_eq!(list["object"], "list");
    let confirmed = client
        .raw_request(
            Method::Post,
            &format!("/v1/payment_intents/{pi_id}/confirm"),
            json!({"payment_method": "pm_card_visa"}),
        )
        .await
        .unwrap();
    assert_eq!(confirmed["object"], "payment_intent");
    let si = client
        .raw_request(
            Method::Post,
            "/v1/setup_intents",
            json!({"customer": cus_id, "usage": "off_session"}),
        )
        .await
        .unwrap();
    let si_id = si["id"].as_str().unwrap();
    let si = client
        .raw_request(
            Method::Get,
            &format!("/v1/setup_intents/{si_id}"),
            Value::Null,
        )
        .await
        .unwrap();
    assert_eq!(si["object"], "setup_intent");
    let refund = client
        .raw_request(
            Method::Post,
            "/v1/refunds",
            json!({"payment_intent": pi_id, "amount": 500}),
        )
        .await
        .unwrap();
    assert_eq!(refund["object"], "refund");
}

#[tokio::test]
async fn product_price_subscription_flow() {
    let client = client();
    let product = client
        .raw_request(Method::Post, "/v1/products", json!({"name": "Gold"}))
        .await
        .unwrap();
    let price = client
        .raw_request(
            Method::Post,
            "/v1/prices",
            json!({"product": product["id"], "unit_amount": 1500, "currency": "usd",
                   "recurring": {"interval": "month"}}),
        )
        .await
        .unwrap();
    let sub = client
        .raw_request(
            Method::Post,
            "/v1/subscriptions",
            json!({"customer": "cus_123", "items": [{"price": price["id"], "quantity": 2}],
                   "expand": ["latest_invoice"]}),
        )
        .await
        .unwrap();
    let sub_id = sub["id"].as_str().unwrap();
    let subs = client
        .raw_request(Method::Get, "/v1/subscriptions", json!({"limit": 3}))
        .await
        .unwrap();
    assert_eq!(subs["object"], "list");
    let canceled = client
        .raw_request(
            Method::Delete,
            &format!("/v1/subscriptions/{sub_id}"),
            Value::Null,
        )
        .await
        .unwrap();
    assert_eq!(canceled["object"], "subscription");
    let portal = client
        .raw_request(
            Method::Post,
            "/v1/billing_portal/sessions",
            json!({"customer": "cus_123", "return_url": "https://example.com/account"}),
        )
        .await
        .unwrap();
    assert_eq!(portal["object"], "billing_portal.session");
}

#[tokio::test]
async fn connect_account_link_transfer_flow() {
    let client = client();
    let acct = client
        .raw_request(
            Method::Post,
            "/v1/accounts",
            json!({"type": "express", "country": "US"}),
        )
        .await
        .unwrap();
    let acct_id = acct["id"].as_str().unwrap().to_owned();
    let got = client
        .raw_request(Method::Get, &format!("/v1/accounts/{acct_id}"), Value::Null)
        .await
        .unwrap();
    assert_eq!(got["object"], "account");
    let link = client
        .raw_request(
            Method::Post,
            "/v1/account_links",
            json!({"account": acct_id, "refresh_url": "https://example.com/r",
                   "return_url": "https://example.com/ok", "type": "account_onboarding"}),
        )
        .await
        .unwrap();
    assert_eq!(link["object"], "account_link");
    let transfer = client
        .raw_request_with(
            Method::Post,
            "/v1/transfers",
            json!({"amount": 400, "currency": "usd", "destination": acct_id}),
            RequestOptions::new().idempotency_key("transfer-1"),
        )
        .await
        .unwrap();
    assert_eq!(transfer["object"], "transfer");
    assert_eq!(transfer.header("idempotency-key"), Some("transfer-1"));
    // Acting as the connected account.
    let balance = client
        .raw_request_with(
            Method::Get,
            "/v1/balance",
            Value::Null,
            RequestOptions::new().stripe_account(&acct_id),
        )
        .await
        .unwrap();
    assert_eq!(balance["object"], "balance");
}

#[tokio::test]
async fn multipart_file_upload() {
    let client = client();
    let req = CreateFile {
        file: FileUpload::from_bytes("evidence.txt", b"hello stripe".to_vec())
            .content_type("text/plain"),
        purpose: "dispute_evidence".into(),
        file_link_data: Some(FileLinkData { create: true }),
    };
    let file = req.send(&client).await.unwrap();
    assert!(file.id.starts_with("file_"), "{file:?}");
}
