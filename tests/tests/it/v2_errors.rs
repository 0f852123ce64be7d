//! Bad input against the spec-driven v2 server: its v2 error shapes (400
//! `invalid_request_error`, 404, 409 idempotency, 429) become the typed errors, a v2 POST
//! retried after a network failure keeps its `Idempotency-Key`, and a v2 DELETE keeps the
//! automatic key it gets (as the official SDKs give one).

use integration_tests::v2_server::{Fault, V2Server};
use serde_json::json;
use stripe_client::retry::ManualClock;
use stripe_client::types::{
    CreateV2CoreAccount, DeleteV2CoreEventDestination, RetrieveV2CoreAccount,
};
use stripe_client::{
    ApiErrorKind, ApiErrorType, Client, Error, ErrorCode, Method, RequestOptions, StripeRequestExt,
};

/// A client of `server` whose retries take no time.
fn client(server: &V2Server) -> Client {
    Client::builder("sk_test_123")
        .base_url(&server.url)
        .clock(ManualClock::new())
        .build()
        .unwrap()
}

fn api(e: &Error) -> &stripe_client::ApiError {
    e.as_api_error()
        .unwrap_or_else(|| panic!("expected an API error, got {e:?}"))
}

fn uuid_shaped(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn v2_400_invalid_request_error_is_typed() {
    let server = V2Server::start().await;
    let client = client(&server);
    // A body the request schema rejects (a misspelt field).
    let e = client
        .raw_request(
            Method::Post,
            "/v2/core/accounts",
            json!({"contact_emial": "a@b.c"}),
        )
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!(a.status, 400);
    assert_eq!(a.kind, ApiErrorKind::InvalidRequest);
    assert_eq!(a.error_type, Some(ApiErrorType::InvalidRequestError));
    assert_eq!(a.code, Some(ErrorCode::InvalidFields));
    assert_eq!(a.param.as_deref(), Some("contact_emial"));
    assert!(a.is_v2);
    assert!(a
        .request_id
        .as_deref()
        .is_some_and(|r| r.starts_with("req_v2_")));
    assert!(!e.is_retryable());
    // A typed operation the server refuses: an API version it does not speak.
    let e = RetrieveV2CoreAccount::new("acct_1")
        .send_with(&client, RequestOptions::new().stripe_version("2020-08-27"))
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!((a.status, a.kind), (400, ApiErrorKind::InvalidRequest));
    assert_eq!(a.code, Some(ErrorCode::from("invalid_api_version")));
    assert_eq!(server.requests().len(), 2, "400s are not retried");
}

#[tokio::test]
async fn v2_404_is_typed() {
    let server = V2Server::start().await;
    let client = client(&server);
    server.push_fault(Fault::not_found("account"));
    let e = RetrieveV2CoreAccount::new("acct_missing")
        .send(&client)
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!((a.status, a.kind), (404, ApiErrorKind::InvalidRequest));
    assert_eq!(a.code, Some(ErrorCode::from("not_found")));
    assert_eq!(a.message.as_deref(), Some("No such account"));
    // An unknown route is the server's own 404.
    let e = client
        .raw_request(Method::Get, "/v2/core/nothing_here", json!(null))
        .await
        .unwrap_err();
    assert_eq!(api(&e).kind, ApiErrorKind::InvalidRequest);
    assert_eq!(e.status(), Some(404));
    assert_eq!(server.requests().len(), 2, "404s are not retried");
}

#[tokio::test]
async fn v2_409_idempotency_error_is_typed() {
    let server = V2Server::start().await;
    let client = client(&server);
    let key = RequestOptions::new().idempotency_key("order_42");
    let first = CreateV2CoreAccount::new()
        .contact_email("a@b.c")
        .send_with(&client, key.clone())
        .await
        .unwrap();
    // The same key with the same parameters: the first answer, replayed.
    let again = CreateV2CoreAccount::new()
        .contact_email("a@b.c")
        .send_with(&client, key.clone())
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    // The same key with other parameters: 409 idempotency_error.
    let e = CreateV2CoreAccount::new()
        .contact_email("x@y.z")
        .send_with(&client, key.max_retries(0))
        .await
        .unwrap_err();
    let a = api(&e);
    assert_eq!(a.status, 409);
    assert_eq!(a.error_type, Some(ApiErrorType::IdempotencyError));
    assert_eq!(
        a.kind,
        ApiErrorKind::Idempotency,
        "a v2 idempotency_error is an idempotency error (stripe-python's specific_v2_api_error)"
    );
    assert!(
        !e.is_retryable(),
        "other parameters under the same key never succeed"
    );
}

#[tokio::test]
async fn v2_429_is_typed_and_not_retried() {
    let server = V2Server::start().await;
    let client = client(&server);
    server.push_fault(Fault::rate_limited());
    let e = CreateV2CoreAccount::new().send(&client).await.unwrap_err();
    let a = api(&e);
    assert_eq!(a.status, 429);
    assert_eq!(a.kind, ApiErrorKind::RateLimit);
    assert_eq!(a.error_type, Some(ApiErrorType::RateLimit));
    assert_eq!(a.code, Some(ErrorCode::from("account_rate_limit_exceeded")));
    // One retry policy: `is_retryable` is the answer the client's own retries follow.
    assert!(!e.is_retryable(), "a plain rate limit is not retried");
    assert_eq!(
        server.requests().len(),
        1,
        "429 is not retried automatically (the official SDKs retry only lock_timeout)"
    );
}

#[tokio::test]
async fn v2_post_retried_after_a_network_failure_keeps_its_idempotency_key() {
    let server = V2Server::start().await;
    let client = client(&server);
    // The connection drops before the request is processed, twice; the third attempt lands.
    server.push_fault(Fault::Reset);
    server.push_fault(Fault::Reset);
    let account = CreateV2CoreAccount::new()
        .contact_email("a@b.c")
        .send_with_response(&client)
        .await
        .unwrap();
    assert_eq!(account.attempts, 3);
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    let keys: Vec<&str> = seen
        .iter()
        .map(|s| s.header("idempotency-key").expect("a key on every attempt"))
        .collect();
    assert!(uuid_shaped(keys[0]), "{}", keys[0]);
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one key for all attempts: {keys:?}"
    );
    assert!(
        seen.iter().all(|s| s.body == seen[0].body),
        "the same body each time"
    );
    assert_eq!(seen[2].status, 200);

    // Processed, but the answer was lost: the retry with the same key gets the first
    // answer replayed, not a second account.
    server.push_fault(Fault::DropAnswer);
    let replayed = CreateV2CoreAccount::new()
        .contact_email("b@c.d")
        .send_with_response(&client)
        .await
        .unwrap();
    assert_eq!(replayed.attempts, 2);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    let seen = server.requests();
    assert_eq!(
        seen[3].header("idempotency-key"),
        seen[4].header("idempotency-key")
    );
    assert_ne!(
        seen[3].header("idempotency-key"),
        Some(keys[0]),
        "a new request, a new key"
    );
}

#[tokio::test]
async fn v2_delete_keeps_its_automatic_idempotency_key() {
    let server = V2Server::start().await;
    let client = client(&server);
    server.push_fault(Fault::Reset);
    let deleted = DeleteV2CoreEventDestination::new("ed_123")
        .send(&client)
        .await
        .unwrap();
    assert_eq!(deleted.id, "ed_123");
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "the dropped DELETE was retried");
    assert!(seen.iter().all(|s| s.method == "DELETE"));
    let key = seen[0]
        .header("idempotency-key")
        .expect("a v2 DELETE gets an automatic Idempotency-Key");
    assert!(uuid_shaped(key), "{key}");
    assert_eq!(
        seen[1].header("idempotency-key"),
        Some(key),
        "kept across the retry"
    );
    // A caller's own key is kept as given; a v2 GET gets none.
    DeleteV2CoreEventDestination::new("ed_456")
        .send_with(
            &client,
            RequestOptions::new().idempotency_key("cleanup-ed_456"),
        )
        .await
        .unwrap();
    RetrieveV2CoreAccount::new("acct_1")
        .send(&client)
        .await
        .unwrap();
    let seen = server.requests();
    assert_eq!(seen[2].header("idempotency-key"), Some("cleanup-ed_456"));
    assert_eq!(seen[3].method, "GET");
    assert_eq!(seen[3].header("idempotency-key"), None);
}
