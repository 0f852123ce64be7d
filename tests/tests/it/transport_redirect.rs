//! No transport follows a redirect. A 307 from "Stripe" to another host sends nothing to that
//! host (no body, no `Stripe-Account`, no `Idempotency-Key`), through the default transport
//! and reqwest's; a 3xx is `Error::Redirect` with its status and `Location`, not an API
//! error, and never retried, even with `Stripe-Should-Retry: true`.

use integration_tests::fault::{Action, FaultServer};
use integration_tests::reqs::RetrieveCustomer;
use std::time::Duration;
use stripe_client::{
    reqwest, Client, Error, HyperTransport, Method, RequestOptions, ReqwestTransport,
    StripeRequestExt,
};

/// A "Stripe" that answers every request with `status` to `elsewhere`, and the other host.
async fn redirecting(status: u16, extra: Option<(&str, &str)>) -> (FaultServer, FaultServer) {
    let elsewhere = FaultServer::start(vec![]).await;
    let location = format!("{}/v1/customers", elsewhere.url);
    let mut headers = vec![("location".to_owned(), location)];
    if let Some((k, v)) = extra {
        headers.push((k.to_owned(), v.to_owned()));
    }
    let redirect = Action::Respond {
        status,
        headers,
        body: String::new(),
    };
    let stripe = FaultServer::start(vec![redirect; 5]).await;
    (stripe, elsewhere)
}

/// The transports under test.
const TRANSPORTS: [&str; 4] = [
    "hyper (default)",
    "hyper (HyperTransport::new)",
    "reqwest (http_client_builder)",
    "reqwest (ReqwestTransport::with_connect_timeout)",
];

/// A client over `transport` pointed at `base`, with two retries.
fn client(transport: &str, base: &str) -> Client {
    let builder = Client::builder("sk_test_123").base_url(base).max_retries(2);
    let timeout = Duration::from_secs(5);
    let builder = match transport {
        "hyper (default)" => builder,
        "hyper (HyperTransport::new)" => {
            builder.transport(HyperTransport::new(timeout, 1 << 20).unwrap())
        }
        "reqwest (http_client_builder)" => builder.http_client_builder(reqwest::Client::builder()),
        _ => builder.transport(ReqwestTransport::with_connect_timeout(timeout, 1 << 20).unwrap()),
    };
    builder.build().unwrap()
}

fn assert_redirect(err: &Error, status: u16, location: &str) {
    match err {
        Error::Redirect {
            status: s,
            location: l,
            ..
        } => {
            assert_eq!(*s, Some(status), "{err:?}");
            assert_eq!(l.as_deref(), Some(location), "{err:?}");
        }
        other => panic!("expected Error::Redirect, got {other:?}"),
    }
    assert!(err.as_api_error().is_none());
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(status));
    let shown = err.to_string();
    assert!(
        shown.contains(&status.to_string()) && shown.contains(location),
        "{shown}"
    );
}

#[tokio::test]
async fn a_307_to_another_host_is_not_followed_by_any_transport() {
    for name in TRANSPORTS {
        let (stripe, elsewhere) = redirecting(307, None).await;
        let client = client(name, &stripe.url);
        let opts = RequestOptions::new()
            .stripe_account("acct_123")
            .idempotency_key("order-1");
        let err = client
            .raw_request_with(
                Method::Post,
                "/v1/customers",
                serde_json::json!({"email": "jenny@example.com"}),
                opts,
            )
            .await
            .unwrap_err();
        assert_redirect(&err, 307, &format!("{}/v1/customers", elsewhere.url));
        // The other host saw nothing: no request, so no body, account or key.
        assert_eq!(elsewhere.count(), 0, "{name}: {:?}", elsewhere.requests());
        // Stripe saw the one attempt: a redirect is not retried.
        let seen = stripe.requests();
        assert_eq!(seen.len(), 1, "{name}");
        assert_eq!(seen[0].header("stripe-account"), Some("acct_123"), "{name}");
        assert_eq!(seen[0].header("idempotency-key"), Some("order-1"), "{name}");
    }
}

#[tokio::test]
async fn a_302_is_a_typed_error_never_retried_even_when_the_server_says_retry() {
    for name in TRANSPORTS {
        let (stripe, elsewhere) = redirecting(302, Some(("stripe-should-retry", "true"))).await;
        let client = client(name, &stripe.url);
        let err = RetrieveCustomer::new("cus_1")
            .send(&client)
            .await
            .unwrap_err();
        assert_redirect(&err, 302, &format!("{}/v1/customers", elsewhere.url));
        assert_eq!(stripe.count(), 1, "{name}");
        assert_eq!(elsewhere.count(), 0, "{name}");
    }
}

#[tokio::test]
async fn a_custom_transport_that_returns_a_3xx_gets_the_same_error() {
    let mock = stripe_client::MockTransport::new();
    mock.push_response(
        stripe_client::HttpResponse::json(301, "")
            .with_header("location", "https://elsewhere.example/x")
            .with_header("request-id", "req_301"),
    );
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .build()
        .unwrap();
    let err = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    assert_redirect(&err, 301, "https://elsewhere.example/x");
    assert_eq!(err.request_id(), Some("req_301"));
    assert_eq!(mock.requests().len(), 1);
}

/// A `reqwest::Client` the caller built keeps its own redirect policy (reqwest's default
/// follows): the request reaches the other host, but its answer is refused, not taken for
/// Stripe's. Documented on `ClientBuilder::http_client`.
#[tokio::test]
async fn a_reqwest_client_of_your_own_that_follows_has_its_answer_refused() {
    let (stripe, elsewhere) = redirecting(307, None).await;
    let client = Client::builder("sk_test_123")
        .base_url(&stripe.url)
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let err = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    match &err {
        Error::Redirect {
            status: None,
            location: Some(l),
            ..
        } => assert_eq!(*l, format!("{}/v1/customers", elsewhere.url)),
        other => panic!("expected Error::Redirect, got {other:?}"),
    }
    assert_eq!(elsewhere.count(), 1);
    // Built with `Policy::none()`, as its docs say, it does not follow.
    let (stripe, elsewhere) = redirecting(307, None).await;
    let own = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::builder("sk_test_123")
        .base_url(&stripe.url)
        .http_client(own)
        .build()
        .unwrap();
    let err = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    assert_redirect(&err, 307, &format!("{}/v1/customers", elsewhere.url));
    assert_eq!(elsewhere.count(), 0);
}
