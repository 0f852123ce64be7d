//! Secrets never leak: representative calls against stripe-mock and a local v2 meter server,
//! webhook verification (good and bad), and a meter event sender whose events fail — all
//! under a global `tracing` subscriber capturing every event and span at TRACE (log-crate
//! records included) into a buffer, with an observer recording every request event, and
//! with `Debug`/`Display` of every secret-bearing value collected. The test fails if the
//! API key, a meter session token, a client secret, a webhook secret, a one-time URL or a
//! meter event payload value appears anywhere in that text.
//!
//! The subscriber is the `it` binary's one (`log_capture`); this test reads everything every
//! thread wrote while it ran, other tests' output included.

use integration_tests::meter_server::{MeterServer, MeterServerConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stripe_client::meter::{create_session, send_events, MeterEvent, MeterEventSender};
use stripe_client::retry::ManualClock;
use stripe_client::telemetry::{Observer, RequestException, RequestStart, RequestStop};
use stripe_client::webhook::{construct_event, Webhook};
use stripe_client::{Client, StripeRequestExt};

const API_KEY: &str = "sk_test_51SeCrEtKeYdOnOtLoG0000000000";
const WEBHOOK_SECRET: &str = "whsec_SeCrEtWeBhOoKsEcReT0000";
const PAYLOAD_VALUE: &str = "payloadSeCrEt7731";

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Observer for Recorder {
    fn on_request_start(&self, e: &RequestStart) {
        self.0.lock().unwrap().push(format!("{e:?}"));
    }
    fn on_request_stop(&self, e: &RequestStop) {
        self.0.lock().unwrap().push(format!("{e:?}"));
    }
    fn on_request_exception(&self, e: &RequestException) {
        self.0.lock().unwrap().push(format!("{e:?}"));
    }
}

fn client(url: &str, observer: &Recorder) -> Client {
    Client::builder(API_KEY)
        .base_url(url)
        .observer(observer.clone())
        .clock(ManualClock::new())
        .max_retries(1)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_observers_debug_or_display() {
    let capture = crate::log_capture::GlobalCapture::start();

    let observer = Recorder::default();
    // Everything formatted with Debug / Display goes here.
    let mut shown: Vec<String> = Vec::new();
    // Every secret value seen, with what it is.
    let mut secrets: Vec<(&str, String)> = vec![
        ("API key", API_KEY.to_owned()),
        ("webhook secret", WEBHOOK_SECRET.to_owned()),
        ("meter payload value", PAYLOAD_VALUE.to_owned()),
    ];

    // --- stripe-mock: v1 calls whose answers carry secrets ---
    let mock = integration_tests::stripe_mock();
    let c = client(&mock, &observer);
    shown.push(format!("{c:?}"));

    let portal = stripe_types::CreateBillingPortalSession::new()
        .send(&c)
        .await
        .expect("billing portal session");
    secrets.push(("billing portal URL", portal.url.expose().clone()));
    shown.push(format!("{portal:?}"));
    shown.push(format!("{}", portal.url));

    let link = stripe_types::CreateAccountLink::new(
        stripe_types::rt::Id::new("acct_123"),
        "account_onboarding"
            .parse::<stripe_types::account_link::Type>()
            .unwrap_or_else(|e| match e {}),
    )
    .send(&c)
    .await
    .expect("account link");
    secrets.push(("account link URL", link.url.expose().clone()));
    shown.push(format!("{link:?}"));
    shown.push(format!("{}", link.url));

    let cs = stripe_types::CreateCustomerSession::new(
        stripe_types::customer_session::create::Components::new()
            .buy_button(stripe_types::customer_session::create::BuyButton::new(true)),
    )
    .send(&c)
    .await
    .expect("customer session");
    secrets.push((
        "customer session client secret",
        cs.client_secret.expose().clone(),
    ));
    shown.push(format!("{cs:?}"));
    shown.push(format!("{}", cs.client_secret));

    let pi = stripe_types::CreatePaymentIntent::new(2_000, "usd")
        .send(&c)
        .await
        .expect("payment intent");
    shown.push(format!("{pi:?}"));
    if let Some(s) = pi.client_secret.as_ref() {
        secrets.push(("payment intent client secret", s.expose().clone()));
    }

    // A client secret in the query string (`GET /v1/payment_intents/{id}?client_secret=…`):
    // the request's Debug, the URL in `HttpRequest`'s Debug, the spans and the observer's
    // events, and an error of the same call, never show it.
    let query_secret = "pi_1_secret_QuErYsEcReT4431";
    secrets.push(("client secret in a query", query_secret.to_owned()));
    let retrieve =
        stripe_types::RetrievePaymentIntent::new(pi.id.clone()).client_secret(query_secret);
    shown.push(format!("{retrieve:?}"));
    let _ = retrieve.send(&c).await;
    let recorded = stripe_client::MockTransport::new();
    recorded.push_json(200, r#"{"id":"pi_1","object":"payment_intent"}"#);
    let mc0 = Client::builder(API_KEY)
        .transport(recorded.clone())
        .observer(observer.clone())
        .build()
        .unwrap();
    let _ = retrieve.send(&mc0).await;
    let sent = recorded.last_request().expect("a request was recorded");
    assert!(
        sent.url.contains(query_secret),
        "the secret is sent: {}",
        sent.url
    );
    shown.push(format!("{sent:?}"));
    for transport in [
        Client::builder(API_KEY).base_url("http://127.0.0.1:9"),
        Client::builder(API_KEY)
            .base_url("http://127.0.0.1:9")
            .http_client_builder(stripe_client::reqwest::Client::builder()),
    ] {
        let e = retrieve
            .send(
                &transport
                    .max_retries(0)
                    .observer(observer.clone())
                    .build()
                    .unwrap(),
            )
            .await
            .expect_err("nothing listens on port 9");
        shown.push(format!("{e:?}"));
        shown.push(format!("{e}"));
    }

    // An API error (unknown id) and its Debug / Display.
    let e = stripe_types::RetrieveCustomer::new("cus_does_not_exist")
        .send(
            &Client::builder(API_KEY)
                .base_url("http://127.0.0.1:9")
                .max_retries(0)
                .build()
                .unwrap(),
        )
        .await
        .expect_err("nothing listens on port 9");
    shown.push(format!("{e:?}"));
    shown.push(format!("{e}"));
    let e = c
        .raw_request(
            stripe_types::rt::Method::Get,
            "/v1/nothing_here",
            serde_json::json!({}),
        )
        .await
        .expect_err("404 from stripe-mock");
    shown.push(format!("{e:?}"));
    shown.push(format!("{e}"));

    // --- local server: v2 meter event session and stream ---
    let meter = MeterServer::start(MeterServerConfig::default()).await;
    let mc = client(&meter.url, &observer);
    let session = create_session(&mc).await.expect("meter session");
    secrets.push((
        "meter session token",
        session.authentication_token.expose().clone(),
    ));
    shown.push(format!("{session:?}"));
    let event = MeterEvent::new("api_requests", "cus_123")
        .value(7)
        .payload("region", PAYLOAD_VALUE)
        .identifier("secrets-1");
    shown.push(format!("{event:?}"));
    send_events(&mc, &session, std::slice::from_ref(&event))
        .await
        .expect("meter stream");

    // A sender whose events all fail (500 every time): the default sink logs each failure.
    let failing = MeterServer::start(MeterServerConfig {
        p_500: 1.0,
        ..MeterServerConfig::default()
    })
    .await;
    let fc = client(&failing.url, &observer);
    let sender = MeterEventSender::builder(fc)
        .max_retries(1)
        .clock(ManualClock::new())
        .linger(Duration::from_millis(5))
        .build()
        .expect("sender");
    for i in 0..3 {
        let ev = MeterEvent::new("api_requests", "cus_123")
            .value(1)
            .payload("region", PAYLOAD_VALUE)
            .identifier(format!("secrets-fail-{i}"));
        sender.send(ev).await.expect("queued");
    }
    let stats = tokio::time::timeout(Duration::from_secs(30), sender.shutdown())
        .await
        .expect("sender shuts down");
    shown.push(format!("{stats:?}"));
    shown.push(format!("{sender:?}"));

    // --- webhooks: a good delivery and every kind of bad one ---
    let body = br#"{"id":"evt_1","object":"event","type":"customer.created","api_version":"2020-08-27","created":1700000000,"livemode":false,"pending_webhooks":0,"data":{"object":{"id":"cus_1","object":"customer"}}}"#;
    let now = stripe_types::Timestamp::now();
    let header = Webhook::generate_test_signature(body, WEBHOOK_SECRET, now);
    match construct_event(body, &header, WEBHOOK_SECRET) {
        Ok(ev) => shown.push(format!("{ev:?}")),
        Err(e) => shown.push(format!("{e:?} {e}")),
    }
    let webhook = Webhook::new().clock(now);
    shown.push(format!("{webhook:?}"));
    for (payload, header, secret) in [
        (&body[..], header.clone(), "whsec_other"),
        (&body[..], header.clone(), WEBHOOK_SECRET),
        (&b"{}"[..], header.clone(), WEBHOOK_SECRET),
        (&body[..], "t=1,v1=00".to_owned(), WEBHOOK_SECRET),
        (
            &body[..],
            format!("garbage {WEBHOOK_SECRET}"),
            WEBHOOK_SECRET,
        ),
        (&body[..], String::new(), WEBHOOK_SECRET),
    ] {
        if let Err(e) = webhook.verify(payload, &header, secret) {
            // The header itself is caller input; the error must not echo it.
            shown.push(format!("{e:?}"));
            shown.push(format!("{e}"));
        }
        if let Err(e) = Webhook::construct_event(payload, &header, secret) {
            shown.push(format!("{e:?}"));
            shown.push(format!("{e}"));
        }
    }

    // --- check ---
    let logs = capture.finish();
    let observed = observer.0.lock().unwrap().join("\n");
    assert!(logs.len() > 1_000, "the subscriber captured little: {logs}");
    assert!(
        logs.contains("meter event not delivered"),
        "sink logged: {logs}"
    );
    assert!(
        observed.contains("RequestStop"),
        "the observer saw requests"
    );
    let mut leaks = Vec::new();
    for (what, secret) in &secrets {
        assert!(
            secret.len() >= 8,
            "{what} too short to search for: {secret:?}"
        );
        for (place, text) in [
            ("tracing output", &logs),
            ("observer events", &observed),
            ("Debug/Display", &shown.join("\n")),
        ] {
            if text.contains(secret.as_str()) {
                leaks.push(format!("{what} in {place}"));
            }
        }
    }
    println!(
        "secrets: {} secrets checked against {} bytes of TRACE output, {} observer events, {} formatted values; leaks {}",
        secrets.len(),
        logs.len(),
        observer.0.lock().unwrap().len(),
        shown.len(),
        leaks.len()
    );
    assert!(leaks.is_empty(), "leaks: {leaks:?}");
}
