//! Headers, options, idempotency, errors, redaction and telemetry, through `MockTransport`.

use integration_tests::reqs::{CreateCustomer, DeleteThing, ListCustomers, RetrieveCustomer};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stripe_client::retry::ManualClock;
use stripe_client::telemetry::{Observer, RequestException, RequestStart, RequestStop};
use stripe_client::{
    ApiErrorKind, AppInfo, Client, Error, ErrorCode, HttpResponse, Method, MockTransport,
    RequestOptions, StripeRequestExt, API_VERSION,
};

fn mock_client() -> (Client, MockTransport) {
    let mock = MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .build()
        .unwrap();
    (client, mock)
}

const CUSTOMER: &str = r#"{"id":"cus_1","object":"customer"}"#;

#[tokio::test]
async fn default_headers() {
    let (client, mock) = mock_client();
    mock.push_json(200, CUSTOMER);
    CreateCustomer::new()
        .email("a@b.com")
        .send(&client)
        .await
        .unwrap();
    let r = mock.last_request().unwrap();
    assert_eq!(r.method, Method::Post);
    assert_eq!(r.header("authorization"), Some("Bearer sk_test_123"));
    assert_eq!(r.header("stripe-version"), Some(API_VERSION));
    assert_eq!(Some(API_VERSION), pinned_api_version().as_deref());
    assert_eq!(
        r.header("user-agent").unwrap(),
        format!("Stripe/v1 RustBindings/{}", stripe_client::VERSION)
    );
    let ua: serde_json::Value =
        serde_json::from_str(r.header("x-stripe-client-user-agent").unwrap()).unwrap();
    assert_eq!(ua["lang"], "rust");
    assert_eq!(ua["bindings_version"], stripe_client::VERSION);
    assert!(ua["application"].is_null());
    let key = r.header("idempotency-key").unwrap();
    assert!(uuid_v4_shaped(key), "{key}");
    assert_eq!(r.header("stripe-account"), None);
    assert_eq!(r.header("stripe-context"), None);
    assert_eq!(r.timeout, Some(stripe_client::DEFAULT_TIMEOUT));
}

/// `api_version` from spec/pin.toml: the version the generated types (and so the header) carry.
fn pinned_api_version() -> Option<String> {
    let pin = include_str!("../../../spec/pin.toml");
    pin.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == "api_version")
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
}

fn uuid_v4_shaped(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
}

#[tokio::test]
async fn app_info_in_both_user_agents() {
    let mock = MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .app_info(
            AppInfo::new("MyAwesomePlugin")
                .version("1.2.34")
                .url("https://myawesomeplugin.info"),
        )
        .build()
        .unwrap();
    mock.push_json(200, CUSTOMER);
    CreateCustomer::new().send(&client).await.unwrap();
    let r = mock.last_request().unwrap();
    assert_eq!(
        r.header("user-agent").unwrap(),
        format!(
            "Stripe/v1 RustBindings/{} MyAwesomePlugin/1.2.34 (https://myawesomeplugin.info)",
            stripe_client::VERSION
        )
    );
    let ua: serde_json::Value =
        serde_json::from_str(r.header("x-stripe-client-user-agent").unwrap()).unwrap();
    assert_eq!(ua["application"]["name"], "MyAwesomePlugin");
    assert_eq!(ua["application"]["version"], "1.2.34");
    assert_eq!(ua["application"]["url"], "https://myawesomeplugin.info");
}

#[tokio::test]
async fn get_has_no_idempotency_key_v2_delete_has_one() {
    let (client, mock) = mock_client();
    mock.push_json(200, CUSTOMER);
    mock.push_json(200, r#"{"id":"thing_1","object":"v2.test.thing"}"#);
    RetrieveCustomer::new("cus_1").send(&client).await.unwrap();
    DeleteThing {
        id: "thing_1".into(),
    }
    .send(&client)
    .await
    .unwrap();
    let reqs = mock.requests();
    assert_eq!(reqs[0].header("idempotency-key"), None);
    assert_eq!(reqs[0].method, Method::Get);
    assert!(reqs[1].header("idempotency-key").is_some());
    assert_eq!(reqs[1].method, Method::Delete);
    assert!(reqs[1]
        .header("user-agent")
        .unwrap()
        .starts_with("Stripe/v2 "));
}

#[tokio::test]
async fn request_options_become_headers_and_expand() {
    let (client, mock) = mock_client();
    mock.push_json(200, CUSTOMER);
    mock.push_json(200, CUSTOMER);
    let opts = RequestOptions::new()
        .idempotency_key("order-6735")
        .stripe_account("acct_123")
        .stripe_context("acct_1/acct_1a")
        .stripe_version("2022-11-15; feature_beta=v3")
        .timeout(Duration::from_secs(3))
        .expand(["customer", "invoice.subscription"])
        .header("Stripe-Request-Trigger", "event=evt_1");
    let mut req = CreateCustomer::new();
    req.expand = vec!["default_source".into()];
    req.send_with(&client, opts.clone()).await.unwrap();
    let r = mock.last_request().unwrap();
    assert_eq!(r.header("idempotency-key"), Some("order-6735"));
    assert_eq!(r.header("stripe-account"), Some("acct_123"));
    assert_eq!(r.header("stripe-context"), Some("acct_1/acct_1a"));
    assert_eq!(
        r.header("stripe-version"),
        Some("2022-11-15; feature_beta=v3")
    );
    assert_eq!(r.header("stripe-request-trigger"), Some("event=evt_1"));
    assert_eq!(r.timeout, Some(Duration::from_secs(3)));
    assert_eq!(
        r.body_text(),
        "expand[0]=default_source&expand[1]=customer&expand[2]=invoice.subscription"
    );
    // On a GET, expand goes in the query.
    RetrieveCustomer::new("cus_1")
        .send_with(&client, RequestOptions::new().expand(["x"]))
        .await
        .unwrap();
    assert_eq!(
        mock.last_request().unwrap().url,
        "https://api.stripe.com/v1/customers/cus_1?expand[0]=x"
    );
}

#[tokio::test]
async fn bad_option_values_are_validation_errors() {
    let (client, mock) = mock_client();
    let long = "k".repeat(256);
    let e = CreateCustomer::new()
        .send_with(&client, RequestOptions::new().idempotency_key(long))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation(_)), "{e:?}");
    let e = CreateCustomer::new()
        .send_with(
            &client,
            RequestOptions::new().stripe_account("acct\r\nX-Evil: 1"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation(_)), "{e:?}");
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn path_segments_are_escaped() {
    let (client, mock) = mock_client();
    mock.push_json(200, CUSTOMER);
    RetrieveCustomer::new("../v1/charges?x")
        .send(&client)
        .await
        .unwrap();
    assert_eq!(
        mock.last_request().unwrap().url,
        "https://api.stripe.com/v1/customers/..%2Fv1%2Fcharges%3Fx"
    );
}

#[test]
fn key_validation_and_redaction() {
    for bad in ["", "   ", "\t\n", "sk_test 123", " sk_test_123"] {
        let e = Client::builder(bad).build().unwrap_err();
        assert!(matches!(e, Error::InvalidKey(_)), "{bad:?}: {e:?}");
    }
    // Any non-blank key is accepted (stripe-mock takes sk_test_123).
    Client::builder("whatever").build().unwrap();
    let key = "sk_test_51HqXyZabcdefghijklmnopqrstuvwxyz9876";
    let client = Client::builder(key).build().unwrap();
    let dbg = format!("{client:?}");
    assert!(dbg.contains("sk_test_…9876"), "{dbg}");
    assert!(!dbg.contains("51HqXyZ"), "{dbg}");
    let short = format!("{:?}", Client::builder("sk_test_1").build().unwrap());
    assert!(!short.contains("sk_test_1"), "{short}");
    let builder = format!("{:?}", Client::builder(key));
    assert!(!builder.contains("51HqXyZ"));
    let e = Client::builder(key)
        .api_base("ftp://x")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
}

#[tokio::test]
async fn request_debug_never_shows_the_key() {
    let (client, mock) = mock_client();
    mock.push_json(200, CUSTOMER);
    CreateCustomer::new()
        .email("secret@example.com")
        .send(&client)
        .await
        .unwrap();
    let dbg = format!("{:?}", mock.last_request().unwrap());
    assert!(!dbg.contains("sk_test_123"), "{dbg}");
    assert!(!dbg.contains("secret@example.com"), "{dbg}");
}

#[tokio::test]
async fn response_metadata() {
    let (client, mock) = mock_client();
    mock.push_response(HttpResponse::json(200, CUSTOMER).with_header("request-id", "req_abc"));
    let resp = RetrieveCustomer::new("cus_1")
        .send_with_response(&client)
        .await
        .unwrap();
    assert_eq!(resp.request_id(), Some("req_abc"));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.attempts, 1);
    assert_eq!(resp.id, "cus_1");
    // client.* equivalents
    mock.push_json(200, CUSTOMER);
    let c = client.send(&RetrieveCustomer::new("cus_1")).await.unwrap();
    assert_eq!(c.id, "cus_1");
}

#[tokio::test]
async fn api_errors_are_typed() {
    let (client, mock) = mock_client();
    mock.push_response(
        HttpResponse::json(
            402,
            r#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","param":"payment_method","doc_url":"https://stripe.com/docs/error-codes/card-declined","request_log_url":"https://dashboard.stripe.com/logs/req_1","charge":"ch_1"}}"#,
        )
        .with_header("request-id", "req_1"),
    );
    let e = CreateCustomer::new().send(&client).await.unwrap_err();
    assert_eq!(e.status(), Some(402));
    assert_eq!(e.request_id(), Some("req_1"));
    assert!(!e.is_retryable());
    let Error::Api(api) = &e else { panic!("{e:?}") };
    assert_eq!(api.kind, ApiErrorKind::Card);
    assert_eq!(api.code, Some(ErrorCode::CardDeclined));
    assert_eq!(api.decline_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(api.param.as_deref(), Some("payment_method"));
    assert_eq!(
        api.doc_url.as_deref(),
        Some("https://stripe.com/docs/error-codes/card-declined")
    );
    assert_eq!(
        api.request_log_url.as_deref(),
        Some("https://dashboard.stripe.com/logs/req_1")
    );
    assert_eq!(api.raw["charge"], "ch_1");
    assert_eq!(mock.requests().len(), 1, "402 is not retried");
    let text = e.to_string();
    assert!(
        text.contains("card_declined") && text.contains("req_1"),
        "{text}"
    );
}

#[tokio::test]
async fn status_classes() {
    let cases = [
        (
            400,
            r#"{"error":{"type":"invalid_request_error","code":"parameter_missing"}}"#,
            ApiErrorKind::InvalidRequest,
        ),
        (
            400,
            r#"{"error":{"type":"invalid_request_error","code":"rate_limit"}}"#,
            ApiErrorKind::RateLimit,
        ),
        (
            400,
            r#"{"error":{"type":"idempotency_error"}}"#,
            ApiErrorKind::Idempotency,
        ),
        (
            401,
            r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key"}}"#,
            ApiErrorKind::Authentication,
        ),
        (
            403,
            r#"{"error":{"type":"invalid_request_error"}}"#,
            ApiErrorKind::Permission,
        ),
        (
            404,
            r#"{"error":{"type":"invalid_request_error","code":"resource_missing"}}"#,
            ApiErrorKind::InvalidRequest,
        ),
        (
            429,
            r#"{"error":{"type":"invalid_request_error","code":"rate_limit"}}"#,
            ApiErrorKind::RateLimit,
        ),
    ];
    for (status, body, kind) in cases {
        let (client, mock) = mock_client();
        mock.push_json(status, body);
        let e = RetrieveCustomer::new("cus_1")
            .send(&client)
            .await
            .unwrap_err();
        assert_eq!(e.as_api_error().unwrap().kind, kind, "{status} {body}");
        // The retry policy's answer (a plain rate limit included): not retried.
        assert!(!e.is_retryable(), "{status} {body}");
        assert_eq!(mock.requests().len(), 1, "{status} not retried");
    }
}

#[tokio::test]
async fn v2_session_expired() {
    let (client, mock) = mock_client();
    mock.push_json(
        401,
        r#"{"error":{"type":"temporary_session_expired","code":"billing_meter_event_session_expired","message":"expired"}}"#,
    );
    let e = client
        .raw_request(
            Method::Post,
            "/v2/billing/meter_event_stream",
            serde_json::json!({"events": []}),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::SessionExpired(_)), "{e:?}");
    assert_eq!(e.status(), Some(401));
}

#[tokio::test]
async fn non_json_bodies_never_panic() {
    let mock = MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .max_retries(0)
        .build()
        .unwrap();
    mock.push_response(
        HttpResponse::json(502, "<html><body>502 Bad Gateway</body></html>")
            .with_header("request-id", "req_x"),
    );
    let e = CreateCustomer::new().send(&client).await.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(e.request_id(), Some("req_x"));
    assert!(e.is_retryable());
    assert!(e.to_string().contains("Bad Gateway"), "{e}");
    mock.push_json(500, "");
    let e = CreateCustomer::new().send(&client).await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    // 2xx with an empty or non-JSON body: a decode error with status and request id.
    mock.push_response(HttpResponse::json(200, "").with_header("request-id", "req_e"));
    let e = CreateCustomer::new().send(&client).await.unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    assert_eq!((e.status(), e.request_id()), (Some(200), Some("req_e")));
    mock.push_json(200, "<html>oops</html>");
    assert!(matches!(
        CreateCustomer::new().send(&client).await.unwrap_err(),
        Error::Decode(_)
    ));
}

#[tokio::test]
async fn decode_error_names_the_path() {
    let (client, mock) = mock_client();
    let long_tail = "x".repeat(5000);
    mock.push_response(
        HttpResponse::json(
            200,
            format!(
                r#"{{"object":"list","has_more":false,"url":"/v1/customers","data":[{{"id":"cus_1"}},{{"id":42,"pad":"{long_tail}"}}]}}"#
            ),
        )
        .with_header("request-id", "req_d"),
    );
    let e = ListCustomers::new().send(&client).await.unwrap_err();
    let Error::Decode(d) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(d.path, "data[1].id");
    assert!(d.snippet.contains("42"), "{}", d.snippet);
    assert!(d.snippet.chars().count() <= stripe_client::SNIPPET_LIMIT + 2);
    assert_eq!(d.request_id.as_deref(), Some("req_d"));
}

#[tokio::test]
async fn response_size_limit() {
    let mock = MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .max_response_bytes(64)
        .build()
        .unwrap();
    mock.push_json(
        200,
        format!(r#"{{"id":"cus_1","pad":"{}"}}"#, "x".repeat(100)),
    );
    let e = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ResponseTooLarge {
                limit: 64,
                status: Some(200),
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn retries_use_backoff_with_injected_clock() {
    let mock = MockTransport::new();
    let clock = ManualClock::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .clock(clock.clone())
        .max_retries(3)
        .build()
        .unwrap();
    for _ in 0..3 {
        mock.push_json(500, r#"{"error":{"type":"api_error"}}"#);
    }
    mock.push_json(200, CUSTOMER);
    let started = std::time::Instant::now();
    let resp = CreateCustomer::new()
        .send_with_response(&client)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "no real sleeping"
    );
    assert_eq!(resp.attempts, 4);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3);
    // retry n: min(0.5·2^(n−1), 5) s × [0.5, 1), floor 0.5 s
    let ceilings = [0.5, 1.0, 2.0];
    for (s, c) in sleeps.iter().zip(ceilings) {
        let s = s.as_secs_f64();
        assert!(
            s >= 0.5 && s >= c * 0.5 - 1e-9 && s <= c.max(0.5) + 1e-9,
            "{s} vs {c}"
        );
    }
    let keys: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(
        keys.iter().all(|k| k == &keys[0]),
        "same key on every attempt"
    );
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);
impl Observer for Recorder {
    fn on_request_start(&self, e: &RequestStart) {
        self.0.lock().unwrap().push(format!(
            "start {} {} #{}",
            e.meta.method, e.meta.path, e.meta.attempt
        ));
    }
    fn on_request_stop(&self, e: &RequestStop) {
        self.0.lock().unwrap().push(format!(
            "stop {} {} {:?} retry={}",
            e.meta.operation_id, e.status, e.request_id, e.will_retry
        ));
    }
    fn on_request_exception(&self, e: &RequestException) {
        self.0.lock().unwrap().push(format!(
            "exception #{} retry={}",
            e.meta.attempt, e.will_retry
        ));
    }
}

#[tokio::test]
async fn observer_events() {
    let mock = MockTransport::new();
    let rec = Arc::new(Recorder::default());
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .clock(ManualClock::new())
        .observer(rec.clone())
        .build()
        .unwrap();
    mock.push_error(Error::Connection {
        message: "reset".into(),
        source: None,
    });
    mock.push_response(HttpResponse::json(503, "{}").with_header("request-id", "req_a"));
    mock.push_response(HttpResponse::json(200, CUSTOMER).with_header("request-id", "req_b"));
    CreateCustomer::new().send(&client).await.unwrap();
    let events = rec.0.lock().unwrap().clone();
    assert_eq!(
        events,
        vec![
            "start POST /v1/customers #1",
            "exception #1 retry=true",
            "start POST /v1/customers #2",
            "stop PostCustomers 503 Some(\"req_a\") retry=true",
            "start POST /v1/customers #3",
            "stop PostCustomers 200 Some(\"req_b\") retry=false",
        ]
    );
}

#[tokio::test]
async fn raw_request_escape_hatch() {
    let (client, mock) = mock_client();
    mock.push_json(200, r#"{"id":"cus_9","object":"customer"}"#);
    let v = client
        .raw_request(
            Method::Post,
            "/v1/customers",
            serde_json::json!({"email": "a@b.com", "metadata": {"k": "v"}}),
        )
        .await
        .unwrap();
    assert_eq!(v["id"], "cus_9");
    let r = mock.last_request().unwrap();
    assert_eq!(r.body_text(), "email=a%40b.com&metadata[k]=v");
    assert!(r.header("idempotency-key").is_some());
    mock.push_json(200, "{}");
    client
        .raw_request(
            Method::Post,
            "/v2/core/things",
            serde_json::json!({"a": null}),
        )
        .await
        .unwrap();
    let r = mock.last_request().unwrap();
    assert_eq!(r.body_text(), r#"{"a":null}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let e = client
        .raw_request(Method::Get, "v1/x", serde_json::Value::Null)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation(_)));
}
