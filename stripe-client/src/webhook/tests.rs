use super::*;
use stripe_types::{Timestamp, API_VERSION};

const SECRET: &str = "whsec_test_secret";
const T: i64 = 1_700_000_000;
const VECTOR_BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;
const VECTOR_SIG: &str = "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";

const PI: &str = r#"{"id":"pi_1","object":"payment_intent","amount":100,"created":1,"livemode":false,"status":"succeeded"}"#;

fn at(t: i64) -> Webhook {
    Webhook::new().clock(Timestamp(t))
}

fn event_json(ty: &str, object: &str) -> String {
    format!(
        r#"{{"id":"evt_1","object":"event","type":"{ty}","api_version":"{API_VERSION}","created":{T},"livemode":false,"pending_webhooks":1,"request":{{"id":"req_1","idempotency_key":"ik"}},"data":{{"object":{object}}}}}"#
    )
}

#[test]
fn reference_vector() {
    let header = format!("t={T},v1={VECTOR_SIG}");
    assert_eq!(
        Webhook::generate_test_signature(VECTOR_BODY, SECRET, T),
        header
    );
    at(T).verify(VECTOR_BODY, &header, SECRET).unwrap();
    // The vector is not a complete event: the signature passes, the decode names the field.
    match at(T).event(VECTOR_BODY, &header, SECRET) {
        Err(WebhookError::InvalidPayload { path, message }) => {
            assert_eq!(path, ".");
            assert!(message.contains("missing field"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn header_errors() {
    let wh = at(T);
    let good = format!("t={T},v1={VECTOR_SIG}");
    let v = |h: &str| wh.verify(VECTOR_BODY, h, SECRET);
    assert_eq!(v(""), Err(WebhookError::MissingHeader));
    assert_eq!(v("   "), Err(WebhookError::MissingHeader));
    assert_eq!(
        v(&format!("v1={VECTOR_SIG}")),
        Err(WebhookError::MalformedHeader(
            HeaderProblem::MissingTimestamp
        ))
    );
    assert_eq!(
        v(&format!("t=abc,v1={VECTOR_SIG}")),
        Err(WebhookError::MalformedHeader(
            HeaderProblem::InvalidTimestamp
        ))
    );
    assert_eq!(
        v(&format!("t={T},t={T},v1={VECTOR_SIG}")),
        Err(WebhookError::MalformedHeader(
            HeaderProblem::DuplicateTimestamp
        ))
    );
    assert_eq!(
        v(&format!("t={T},garbage,v1={VECTOR_SIG}")),
        Err(WebhookError::MalformedHeader(HeaderProblem::InvalidElement))
    );
    assert_eq!(v(&format!("t={T}")), Err(WebhookError::NoV1Signature));
    assert_eq!(
        v(&format!("t={T},v0={VECTOR_SIG}")),
        Err(WebhookError::NoV1Signature)
    );
    // Unknown schemes are ignored next to a good v1; whitespace and order do not matter.
    v(&format!("t={T},v0=abc,v2=def,v1={VECTOR_SIG}")).unwrap();
    v(&format!(" v1 = {VECTOR_SIG} ,  t = {T} ")).unwrap();
    v(&format!("{good},")).unwrap();
    v(&format!("t={T},v1={}", VECTOR_SIG.to_uppercase())).unwrap();
    assert_eq!(
        v(&"x".repeat(MAX_HEADER_LEN + 1)),
        Err(WebhookError::MalformedHeader(HeaderProblem::TooLong))
    );
}

#[test]
fn signature_mismatches() {
    let wh = at(T);
    let good = format!("t={T},v1={VECTOR_SIG}");
    assert_eq!(
        wh.verify(br#"{"id":"evt_test","object":"events"}"#, &good, SECRET),
        Err(WebhookError::NoMatchingSignature)
    );
    assert_eq!(
        wh.verify(VECTOR_BODY, &good, "whsec_other"),
        Err(WebhookError::NoMatchingSignature)
    );
    let mut tampered = VECTOR_SIG.to_owned();
    tampered.replace_range(0..1, "9");
    assert_eq!(
        wh.verify(VECTOR_BODY, &format!("t={T},v1={tampered}"), SECRET),
        Err(WebhookError::NoMatchingSignature)
    );
    // A different t changes the signed payload.
    assert_eq!(
        wh.verify(VECTOR_BODY, &format!("t={},v1={VECTOR_SIG}", T + 1), SECRET),
        Err(WebhookError::NoMatchingSignature)
    );
    // Bad hex never matches.
    assert_eq!(
        wh.verify(
            VECTOR_BODY,
            &format!("t={T},v1=zz{}", &VECTOR_SIG[2..]),
            SECRET
        ),
        Err(WebhookError::NoMatchingSignature)
    );
    assert_eq!(
        wh.verify_with_secrets(VECTOR_BODY, &good, Vec::<&str>::new()),
        Err(WebhookError::NoSecret)
    );
}

#[test]
fn rotation() {
    let wh = at(T);
    let old = Webhook::generate_test_signature(VECTOR_BODY, "whsec_old", T);
    let old_sig = old.split_once(",v1=").unwrap().1;
    // Stripe sends two v1 while the secret rolls.
    let header = format!("t={T},v1={old_sig},v1={VECTOR_SIG}");
    wh.verify(VECTOR_BODY, &header, SECRET).unwrap();
    wh.verify(VECTOR_BODY, &header, "whsec_old").unwrap();
    // Several secrets on our side.
    wh.verify_with_secrets(VECTOR_BODY, &old, ["whsec_new", "whsec_old"])
        .unwrap();
    assert_eq!(
        wh.verify_with_secrets(VECTOR_BODY, &old, ["whsec_new", "whsec_newer"]),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn tolerance() {
    let header = format!("t={T},v1={VECTOR_SIG}");
    at(T + 300).verify(VECTOR_BODY, &header, SECRET).unwrap();
    at(T - 300).verify(VECTOR_BODY, &header, SECRET).unwrap();
    assert_eq!(
        at(T + 301).verify(VECTOR_BODY, &header, SECRET),
        Err(WebhookError::TimestampOutsideTolerance {
            timestamp: T,
            now: T + 301,
            tolerance_secs: 300
        })
    );
    // A timestamp in the future is accepted, as in Stripe's libraries...
    at(T - 301).verify(VECTOR_BODY, &header, SECRET).unwrap();
    at(T - 86_400).verify(VECTOR_BODY, &header, SECRET).unwrap();
    // ...unless a future tolerance is set.
    let strict = at(T - 301).future_tolerance(std::time::Duration::from_secs(300));
    assert_eq!(
        strict.verify(VECTOR_BODY, &header, SECRET),
        Err(WebhookError::TimestampOutsideTolerance {
            timestamp: T,
            now: T - 301,
            tolerance_secs: 300
        })
    );
    at(T - 300)
        .future_tolerance(std::time::Duration::from_secs(300))
        .verify(VECTOR_BODY, &header, SECRET)
        .unwrap();
    let wide = at(T + 3600).tolerance(std::time::Duration::from_secs(3600));
    wide.verify(VECTOR_BODY, &header, SECRET).unwrap();
    // A closure is a clock.
    Webhook::new()
        .clock(|| Timestamp(T))
        .verify(VECTOR_BODY, &header, SECRET)
        .unwrap();
    // Against the system clock, a 2023 signature is expired.
    assert!(matches!(
        Webhook::construct_event(VECTOR_BODY, &header, SECRET),
        Err(WebhookError::TimestampOutsideTolerance { .. })
    ));
}

#[test]
fn errors_never_contain_the_secret() {
    let secret = "whsec_SUPER_SECRET_VALUE";
    let body = event_json("payment_intent.succeeded", "7");
    let header = Webhook::generate_test_signature(body.as_bytes(), secret, T);
    let cases = [
        at(T).verify(body.as_bytes(), "", secret).unwrap_err(),
        at(T).verify(body.as_bytes(), "t=1", secret).unwrap_err(),
        at(T).verify(b"x", &header, secret).unwrap_err(),
        at(T + 1000)
            .verify(body.as_bytes(), &header, secret)
            .unwrap_err(),
        at(T)
            .event(
                b"[1]",
                &Webhook::generate_test_signature(b"[1]", secret, T),
                secret,
            )
            .unwrap_err(),
    ];
    for e in cases {
        for text in [e.to_string(), format!("{e:?}"), e.reason().to_owned()] {
            assert!(!text.contains("SUPER_SECRET"), "{text}");
            assert!(!text.contains(&VECTOR_SIG[..16]), "{text}");
        }
    }
    assert!(!format!("{:?}", Webhook::new()).contains("whsec"));
}

#[test]
fn typed_event_and_unknowns() {
    let body = event_json("payment_intent.succeeded", PI);
    let header = Webhook::generate_test_signature(body.as_bytes(), SECRET, T);
    let ev = at(T).event(body.as_bytes(), &header, SECRET).unwrap();
    assert_eq!(ev.id, "evt_1");
    assert_eq!(ev.type_, EventType::PaymentIntentSucceeded);
    assert_eq!(ev.created, Timestamp(T));
    assert_eq!(ev.pending_webhooks, 1);
    assert_eq!(
        ev.request
            .as_ref()
            .and_then(|r| r.idempotency_key.as_deref()),
        Some("ik")
    );
    assert!(matches!(ev.data.object, EventObject::PaymentIntent(_)));
    assert_eq!(ev.object_name(), Some("payment_intent"));

    // Unknown type, unknown object, unknown fields, old-style request id.
    let body = r#"{"id":"evt_2","object":"event","type":"brand_new.thing","created":1,"livemode":true,
        "request":"req_old","future_field":{"a":1},
        "data":{"object":{"object":"brand_new_object","id":"bn_1"},"previous_attributes":{"x":1}}}"#;
    let header = Webhook::generate_test_signature(body.as_bytes(), SECRET, T);
    let ev = at(T).event(body.as_bytes(), &header, SECRET).unwrap();
    assert_eq!(ev.type_, EventType::Unknown("brand_new.thing".into()));
    assert_eq!(ev.type_.as_str(), "brand_new.thing");
    match &ev.data.object {
        EventObject::Unknown(v) => assert_eq!(v["id"], "bn_1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(ev.object_name(), Some("brand_new_object"));
    assert_eq!(
        ev.request.as_ref().and_then(|r| r.id.as_deref()),
        Some("req_old")
    );
    assert_eq!(
        ev.extra.get("future_field"),
        Some(&serde_json::json!({"a":1}))
    );
    assert_eq!(
        ev.data.previous_attributes,
        Some(serde_json::json!({"x":1}))
    );
    assert_eq!(ev.pending_webhooks, 0);

    assert_eq!(ev.data.object_decode_error, None);

    // A known object that does not fit its type (another API version, say) stays raw JSON.
    let body = event_json(
        "payment_intent.succeeded",
        r#"{"id":"pi_1","object":"payment_intent","created":"not a number"}"#,
    );
    let ev: Event = serde_json::from_str(&body).unwrap();
    assert!(
        matches!(ev.data.object, EventObject::Unknown(_)),
        "{:?}",
        ev.data.object
    );
    assert_eq!(ev.object_name(), Some("payment_intent"));
    assert!(ev
        .data
        .object_decode_error
        .as_deref()
        .unwrap()
        .contains("invalid type"));
}

#[test]
fn invalid_payload_has_path() {
    let body = r#"{"id":"evt_1","object":"event","type":"x","created":"yesterday","livemode":false,"data":{"object":{}}}"#;
    let header = Webhook::generate_test_signature(body.as_bytes(), SECRET, T);
    match at(T).event(body.as_bytes(), &header, SECRET) {
        Err(WebhookError::InvalidPayload { path, .. }) => assert_eq!(path, ".created"),
        other => panic!("{other:?}"),
    }
    let body = r#"{"id":"evt_1","object":"event","type":"x","created":1,"livemode":false,"data":{"previous_attributes":null}}"#;
    let header = Webhook::generate_test_signature(body.as_bytes(), SECRET, T);
    match at(T).event(body.as_bytes(), &header, SECRET) {
        Err(WebhookError::InvalidPayload { path, message }) => {
            assert_eq!(path, ".data");
            assert!(message.contains("object"));
        }
        other => panic!("{other:?}"),
    }
    let header = Webhook::generate_test_signature(b"not json", SECRET, T);
    assert!(matches!(
        at(T).event(b"not json", &header, SECRET),
        Err(WebhookError::InvalidPayload { .. })
    ));
}

const THIN: &str = r#"{"id":"evt_test_65R","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false,"context":"acct_123","related_object":{"id":"mtr_123","type":"billing.meter","url":"/v1/billing/meters/mtr_123"},"reason":{"type":"request","request":{"id":"req_1","idempotency_key":"ik"}}}"#;

#[test]
fn thin_events() {
    let header = Webhook::generate_test_signature(THIN.as_bytes(), SECRET, T);
    let n = at(T)
        .event_notification(THIN.as_bytes(), &header, SECRET)
        .unwrap();
    assert_eq!(n.id, "evt_test_65R");
    assert_eq!(
        n.type_,
        EventNotificationType::V1BillingMeterErrorReportTriggered
    );
    assert_eq!(n.created.as_str(), "2024-09-17T06:20:52.246Z");
    assert_eq!(n.context.as_deref(), Some("acct_123"));
    let r = n.related_object.as_ref().unwrap();
    assert_eq!(
        (r.id.as_str(), r.type_.as_str()),
        ("mtr_123", "billing.meter")
    );
    assert_eq!(n.reason.as_ref().unwrap()["type"], "request");

    // Each function refuses the other kind and says which to use.
    assert_eq!(
        at(T).event(THIN.as_bytes(), &header, SECRET).unwrap_err(),
        WebhookError::ExpectedSnapshotEvent
    );
    assert!(WebhookError::ExpectedSnapshotEvent
        .to_string()
        .contains("parse_event_notification"));
    let v1 = event_json("customer.created", r#"{"id":"cus_1","object":"customer"}"#);
    let h1 = Webhook::generate_test_signature(v1.as_bytes(), SECRET, T);
    assert_eq!(
        at(T)
            .event_notification(v1.as_bytes(), &h1, SECRET)
            .unwrap_err(),
        WebhookError::ExpectedEventNotification
    );
    assert!(WebhookError::ExpectedEventNotification
        .to_string()
        .contains("construct_event"));

    // Unknown type and fields decode.
    let other = THIN
        .replace(
            "v1.billing.meter.error_report_triggered",
            "v2.something.new",
        )
        .replace("\"livemode\"", "\"extra_field\":1,\"livemode\"");
    let h = Webhook::generate_test_signature(other.as_bytes(), SECRET, T);
    let n = at(T)
        .event_notification(other.as_bytes(), &h, SECRET)
        .unwrap();
    assert_eq!(
        n.type_,
        EventNotificationType::Unknown("v2.something.new".into())
    );
    assert_eq!(n.extra.get("extra_field"), Some(&serde_json::json!(1)));
}

#[test]
fn meter_error_report() {
    let full = r#"{"id":"evt_1","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered",
      "created":"2024-09-17T06:20:52.246Z","livemode":false,
      "related_object":{"id":"mtr_123","type":"billing.meter","url":"/v1/billing/meters/mtr_123"},
      "data":{"developer_message_summary":"2 events failed","validation_start":"2024-09-17T06:00:00Z","validation_end":1726553700,
        "reason":{"error_count":2,"error_types":[
          {"code":"meter_event_customer_not_found","error_count":1,"sample_errors":[{"error_message":"no customer cus_x","request":{"identifier":"id_1"}}]},
          {"code":"something_new","error_count":1,"sample_errors":[]}]}}}"#;
    let ev: V2Event = serde_json::from_str(full).unwrap();
    let report = ev.meter_error_report().unwrap().unwrap();
    assert_eq!(report.meter_id.as_deref(), Some("mtr_123"));
    assert_eq!(report.summary(), "2 events failed");
    assert_eq!(report.error_count(), 2);
    assert_eq!(
        report.errors()[0].code,
        MeterErrorCode::MeterEventCustomerNotFound
    );
    assert_eq!(
        report.errors()[0].sample_errors[0]
            .request
            .as_ref()
            .unwrap()
            .identifier,
        "id_1"
    );
    assert_eq!(
        report.errors()[1].code,
        MeterErrorCode::Unknown("something_new".into())
    );
    assert_eq!(
        report.validation_start.as_ref().unwrap().as_str(),
        "2024-09-17T06:00:00Z"
    );
    assert_eq!(
        report.validation_end.as_ref().unwrap().unix_seconds(),
        Some(1_726_553_700)
    );
}

/// The written-out serde impls of the report types: unknown keys kept (the report) or skipped
/// (its parts), defaults for absent keys, required keys required, and a round trip.
#[test]
fn meter_error_report_serde() {
    let data = r#"{"developer_message_summary":"1 event failed","validation_end":null,
      "reason":{"error_types":[{"code":"no_meter","sample_errors":[{"error_message":"x","later":1}]}]},
      "window_id":"w_1"}"#;
    let report: MeterErrorReport = serde_json::from_str(data).unwrap();
    assert_eq!(report.summary(), "1 event failed");
    assert_eq!(report.error_count(), 0);
    assert_eq!(report.errors()[0].code, MeterErrorCode::NoMeter);
    assert_eq!(report.errors()[0].error_count, 0);
    assert!(report.errors()[0].sample_errors[0].request.is_none());
    assert_eq!(report.validation_end, None);
    assert_eq!(report.extra["window_id"], "w_1");

    let json = serde_json::to_value(&report).unwrap();
    assert!(json.get("meter_id").is_none());
    assert_eq!(json["window_id"], "w_1");
    assert_eq!(json["reason"]["error_types"][0]["code"], "no_meter");
    let again: MeterErrorReport = serde_json::from_value(json).unwrap();
    assert_eq!(again, report);

    let missing = serde_json::from_str::<MeterErrorGroup>(r#"{"error_count":1}"#).unwrap_err();
    assert!(
        missing.to_string().contains("missing field `code`"),
        "{missing}"
    );
    let related: RelatedObject =
        serde_json::from_str(r#"{"id":"mtr_1","type":"billing.meter","url":"/v1/x"}"#).unwrap();
    assert_eq!(related.type_, "billing.meter");
    assert_eq!(
        serde_json::to_value(&related).unwrap()["type"],
        "billing.meter"
    );
}

/// `EventHandler` and `dispatch` exist with `payments` and `billing` (their methods take
/// those areas' resources).
#[cfg(all(feature = "payments", feature = "billing"))]
mod handler {
    use super::*;

    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<String>>);

    impl EventHandler for Recorder {
        type Error = std::convert::Infallible;
        async fn payment_intent_succeeded(
            &self,
            _: &Event,
            pi: &types::PaymentIntent,
        ) -> Result<(), Self::Error> {
            self.0.lock().unwrap().push(format!("pi:{}", pi.id));
            Ok(())
        }
        async fn fallback(&self, event: &Event) -> Result<(), Self::Error> {
            self.0
                .lock()
                .unwrap()
                .push(format!("fallback:{}", event.type_));
            Ok(())
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        // The handlers here never wait, so one poll finishes them.
        struct Noop;
        impl std::task::Wake for Noop {
            fn wake(self: std::sync::Arc<Self>) {}
        }
        let waker = std::task::Waker::from(std::sync::Arc::new(Noop));
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut std::task::Context::from_waker(&waker)) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn handler_dispatch() {
        let h = Recorder::default();
        let ev =
            |ty: &str, obj: &str| -> Event { serde_json::from_str(&event_json(ty, obj)).unwrap() };
        let pi = PI;
        block_on(dispatch(&ev("payment_intent.succeeded", pi), &h)).unwrap();
        // Type matches but the object is not a PaymentIntent: fallback.
        block_on(dispatch(
            &ev("payment_intent.succeeded", r#"{"object":"other"}"#),
            &h,
        ))
        .unwrap();
        // A type with a default method goes to fallback too.
        block_on(dispatch(&ev("customer.subscription.deleted", r#"{"id":"sub_1","object":"subscription","created":1,"livemode":false,"status":"canceled"}"#), &h)).unwrap();
        block_on(dispatch(&ev("unknown.type", pi), &h)).unwrap();
        assert_eq!(
            *h.0.lock().unwrap(),
            [
                "pi:pi_1",
                "fallback:payment_intent.succeeded",
                "fallback:customer.subscription.deleted",
                "fallback:unknown.type"
            ]
        );
    }
}
