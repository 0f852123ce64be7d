//! The `stripe.request` tracing span carries method, path, operation, attempt, status,
//! request id and duration, and never the key, the parameters or the body.

use integration_tests::reqs::CreateCustomer;
use stripe_client::retry::ManualClock;
use stripe_client::{Client, HttpResponse, MockTransport, StripeRequestExt};

#[tokio::test]
async fn span_fields_and_no_secrets() {
    let capture = crate::log_capture::ThreadCapture::start();

    let mock = MockTransport::new();
    let client = Client::builder("sk_test_supersecret123")
        .transport(mock.clone())
        .clock(ManualClock::new())
        .build()
        .unwrap();
    mock.push_response(HttpResponse::json(500, "{}").with_header("request-id", "req_1"));
    mock.push_response(
        HttpResponse::json(200, r#"{"id":"cus_1","email":"private@example.com"}"#)
            .with_header("request-id", "req_2")
            .with_header("stripe-notice", "this API version is deprecated"),
    );
    CreateCustomer::new()
        .email("private@example.com")
        .send(&client)
        .await
        .unwrap();

    let out = capture.finish();
    assert!(out.contains("stripe.request"), "{out}");
    assert!(
        out.contains("method=\"POST\"") || out.contains("method=POST"),
        "{out}"
    );
    assert!(out.contains("path=/v1/customers"), "{out}");
    assert!(out.contains("operation_id=PostCustomers"), "{out}");
    assert!(
        out.contains("attempt=1") && out.contains("attempt=2"),
        "{out}"
    );
    assert!(
        out.contains("status=500") && out.contains("status=200"),
        "{out}"
    );
    assert!(out.contains("will_retry=true"), "{out}");
    assert!(
        out.contains("WARN") && out.contains("this API version is deprecated"),
        "{out}"
    );
    assert!(!out.contains("supersecret"), "key leaked: {out}");
    assert!(
        !out.contains("private@example.com"),
        "params or body leaked: {out}"
    );
}
