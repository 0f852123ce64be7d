//! The `stripe.request` tracing span carries method, path, operation, attempt, status,
//! request id and duration, and never the key, the parameters or the body.

use integration_tests::reqs::CreateCustomer;
use std::io::Write;
use std::sync::{Arc, Mutex};
use stripe_client::retry::ManualClock;
use stripe_client::{Client, HttpResponse, MockTransport, StripeRequestExt};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn span_fields_and_no_secrets() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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

    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
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
