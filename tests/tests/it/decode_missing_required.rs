//! A response that lacks a field the pinned spec calls required: the decision is strict
//! decoding, and the `Error::Decode` carries the whole body so nothing the API sent is lost.
//! stripe-mock's `radar.payment_evaluation` fixture (from a newer API version) lacks
//! `insights`; the same holds for any such answer, shown here with a local server too.

use integration_tests::fault::{Action, FaultServer};
use stripe_client::prelude::*;
use stripe_client::Error;

fn payment_evaluation() -> stripe_types::CreateRadarPaymentEvaluation {
    stripe_types::CreateRadarPaymentEvaluation::new(
        stripe_types::radar_payment_evaluation::create::CustomerDetails::new().customer("cus_1"),
        stripe_types::radar_payment_evaluation::create::PaymentDetails::new(
            1000,
            "usd",
            stripe_types::radar_payment_evaluation::create::PaymentMethodDetails::new("pm_1"),
        ),
    )
}

#[tokio::test]
async fn stripe_mock_payment_evaluation_is_a_decode_error_with_the_raw_body() {
    let url = integration_tests::stripe_mock();
    let client = integration_tests::client_for(&url);
    let err = payment_evaluation().send(&client).await.unwrap_err();
    let Error::Decode(d) = err else {
        panic!("expected Error::Decode, got {err:?}")
    };
    assert_eq!(d.status, 200);
    assert!(d.message.contains("insights"), "{}", d.message);
    let body = d.body_json().expect("the raw body is kept, and is JSON");
    assert_eq!(body["object"], "radar.payment_evaluation");
    assert!(body.get("insights").is_none());
    assert!(body["id"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn a_missing_required_field_keeps_the_body() {
    let server = FaultServer::start(vec![Action::status(
        200,
        r#"{"object":"radar.payment_evaluation","id":"peval_1"}"#,
    )])
    .await;
    let client = integration_tests::client_for(&server.url);
    let err = payment_evaluation().send(&client).await.unwrap_err();
    let Error::Decode(d) = err else {
        panic!("expected Error::Decode, got {err:?}")
    };
    assert_eq!(
        std::str::from_utf8(&d.body).unwrap(),
        r#"{"object":"radar.payment_evaluation","id":"peval_1"}"#
    );
    assert!(d.to_string().contains("could not decode"), "{d}");
}
