//! Hostile and malformed input: response bodies that are empty, not JSON, the wrong shape,
//! deeply nested or too large give typed errors, never panics; newlines and non-ASCII in
//! parameters, ids and options are percent-encoded or rejected, never injected into
//! headers or paths; path parameters with `/`, `?`, `#` or `..` are encoded, not followed.

use integration_tests::fault::{Action, FaultServer};
use integration_tests::reqs::{CreateCustomer, RetrieveCustomer};
use stripe_client::{
    Client, Error, HttpResponse, MockTransport, RequestOptions, StripeRequestExt,
    DEFAULT_MAX_RESPONSE_BYTES,
};

use integration_tests::mock_client;

/// Send a retrieve against a mock answering `status` with `body`; return the error.
async fn error_for(status: u16, body: &str) -> Error {
    let (client, mock) = mock_client();
    mock.push_response(HttpResponse::json(status, body.to_owned()));
    let res = RetrieveCustomer::new("cus_1").send(&client).await;
    assert_eq!(mock.requests().len(), 1);
    match res {
        Ok(c) => panic!("status {status} body {body:.40?} must fail, got {c:?}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn bad_2xx_bodies_are_decode_errors() {
    let nested_arrays = "[".repeat(100_000);
    let nested_objects = r#"{"a":"#.repeat(100_000);
    let nested_in_field = format!(
        r#"{{"id":"cus_1","object":"customer","metadata":{}"#,
        "[".repeat(50_000)
    );
    let cases: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("whitespace", "  \n ".into()),
        ("html", "<html><body>502 Bad Gateway</body></html>".into()),
        ("plain text", "OK".into()),
        ("json null", "null".into()),
        ("json array", "[]".into()),
        ("id is a number", r#"{"id":5,"object":"customer"}"#.into()),
        ("missing id", r#"{"object":"customer"}"#.into()),
        (
            "metadata is a string",
            r#"{"id":"cus_1","metadata":"x"}"#.into(),
        ),
        ("truncated json", r#"{"id":"cus_1","obj"#.into()),
        ("invalid utf-8 escape", r#"{"id":"\ud800"}"#.into()),
        ("100k [", nested_arrays),
        ("100k {\"a\":", nested_objects),
        ("50k [ in a field", nested_in_field),
    ];
    for (name, body) in cases {
        let e = error_for(200, &body).await;
        match &e {
            Error::Decode(d) => {
                assert_eq!(d.status, 200, "{name}");
                assert!(
                    d.snippet.len() <= 2 * stripe_client::SNIPPET_LIMIT + 16,
                    "{name}: snippet bounded"
                );
            }
            other => panic!("{name}: expected Error::Decode, got {other:?}"),
        }
        assert!(!e.is_retryable(), "{name}: a decode error is not retryable");
        // Display and Debug of the error stay bounded whatever the body size.
        assert!(e.to_string().len() < 2_000, "{name}: Display bounded");
        assert!(format!("{e:?}").len() < 4_000, "{name}: Debug bounded");
    }
}

#[tokio::test]
async fn bad_error_bodies_are_api_errors_with_their_status() {
    let nested = "[".repeat(100_000);
    let cases: Vec<(u16, String)> = vec![
        (400, String::new()),
        (402, "<html>payment</html>".into()),
        (404, r#"{"error":"not an object"}"#.into()),
        (500, r#"{"error":{"type":7}}"#.into()),
        (502, "<html><title>502 Bad Gateway</title></html>".into()),
        (503, nested),
        (
            401,
            r#"{"error":{"type":"a_type_from_the_future","message":"?"}}"#.into(),
        ),
    ];
    for (status, body) in cases {
        let e = error_for(status, &body).await;
        assert_eq!(e.status(), Some(status), "{status}: {e:?}");
        assert!(
            e.as_api_error().is_some(),
            "{status}: typed API error, got {e:?}"
        );
        assert!(e.to_string().len() < 2_000, "{status}: Display bounded");
    }
}

#[tokio::test]
async fn body_past_the_configured_limit_is_response_too_large() {
    let big = format!(r#"{{"id":"cus_1","pad":"{}"}}"#, "x".repeat(4_096));
    let server = FaultServer::start(vec![Action::status(200, &big)]).await;
    let client = Client::builder("sk_test_123")
        .base_url(&server.url)
        .max_response_bytes(1_024)
        .max_retries(0)
        .build()
        .unwrap();
    let e = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    match e {
        Error::ResponseTooLarge { limit, status, .. } => {
            assert_eq!(limit, 1_024);
            assert_eq!(status, Some(200));
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
    // Under the limit, the same body decodes.
    let server = FaultServer::start(vec![Action::status(200, &big)]).await;
    let client = Client::builder("sk_test_123")
        .base_url(&server.url)
        .max_response_bytes(8_192)
        .build()
        .unwrap();
    assert_eq!(
        RetrieveCustomer::new("cus_1")
            .send(&client)
            .await
            .unwrap()
            .id,
        "cus_1"
    );
}

#[tokio::test]
async fn body_past_the_default_limit_is_response_too_large() {
    let big = "x".repeat(DEFAULT_MAX_RESPONSE_BYTES as usize + 1);
    let server = FaultServer::start(vec![Action::status(200, &big)]).await;
    let client = Client::builder("sk_test_123")
        .base_url(&server.url)
        .max_retries(0)
        .build()
        .unwrap();
    let e = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::ResponseTooLarge { limit, .. } if limit == DEFAULT_MAX_RESPONSE_BYTES),
        "{e:?}"
    );
}

const HOSTILE: &[&str] = &[
    "a\r\nX-Injected: 1",
    "a\nb",
    "caf\u{e9} \u{65e5}\u{672c}",
    "\u{0}nul",
    "a&b=c",
    "a=b",
    "a+b %20",
    "\u{1F4B3}",
];

#[tokio::test]
async fn hostile_params_are_percent_encoded_in_the_body() {
    for value in HOSTILE {
        let (client, mock) = mock_client();
        mock.push_json(200, r#"{"id":"cus_1","object":"customer"}"#);
        CreateCustomer::new()
            .email(*value)
            .metadata(value, value)
            .send(&client)
            .await
            .unwrap();
        let req = mock.last_request().unwrap();
        let body = req.body_text();
        assert!(body.is_ascii(), "{value:?}: body not ASCII: {body:?}");
        assert!(
            !body.contains(['\r', '\n', ' ', '\0']),
            "{value:?}: raw bytes in {body:?}"
        );
        assert_eq!(
            body.matches('&').count(),
            1,
            "{value:?}: exactly two pairs in {body:?}"
        );
        assert_eq!(
            body.matches('=').count(),
            2,
            "{value:?}: exactly two pairs in {body:?}"
        );
        assert!(
            req.headers.get("x-injected").is_none(),
            "{value:?}: header injected"
        );
        for (name, v) in req.headers.iter() {
            let v = v.to_str().unwrap_or_default();
            assert!(
                !v.contains(['\r', '\n']),
                "{value:?}: newline in header {name}"
            );
        }
    }
}

#[tokio::test]
async fn hostile_ids_are_percent_encoded_in_the_path() {
    let paths: &[(&str, &str)] = &[
        ("cus/../x", "/v1/customers/cus%2F..%2Fx"),
        ("..", "/v1/customers/%2E%2E"),
        (".", "/v1/customers/%2E"),
        ("cus?x=1", "/v1/customers/cus%3Fx%3D1"),
        ("cus#frag", "/v1/customers/cus%23frag"),
        ("cus%2F", "/v1/customers/cus%252F"),
        (
            "a\r\nX-Injected: 1",
            "/v1/customers/a%0D%0AX-Injected%3A%201",
        ),
        ("caf\u{e9}", "/v1/customers/caf%C3%A9"),
    ];
    for (id, want) in paths {
        for generated in [false, true] {
            let (client, mock) = mock_client();
            mock.push_json(200, r#"{"id":"cus_1","object":"customer"}"#);
            // The answer may not decode into the generated type; only the request matters.
            if generated {
                let _ = stripe_types::RetrieveCustomer::new(*id).send(&client).await;
            } else {
                let _ = RetrieveCustomer::new(*id).send(&client).await;
            }
            let req = mock.last_request().expect("a request was sent");
            let path = req.url.split_once("://").unwrap().1;
            let path = &path[path.find('/').unwrap()..];
            let path = path.split('?').next().unwrap();
            let path_in_url_before_query = req.url.split('?').next().unwrap();
            assert!(
                path_in_url_before_query.ends_with(want),
                "{id:?} (generated {generated}): {} does not end with {want}",
                req.url
            );
            assert!(!req.url.contains('#'), "{id:?}: fragment in {}", req.url);
            assert!(req.url.is_ascii(), "{id:?}: non-ASCII url {}", req.url);
            assert!(
                !req.url.contains(['\r', '\n', ' ']),
                "{id:?}: raw bytes in {}",
                req.url
            );
            assert_eq!(
                path.matches('/').count(),
                3,
                "{id:?}: {path} has extra segments"
            );
            assert!(req.headers.get("x-injected").is_none());
        }
    }
}

#[tokio::test]
async fn hostile_option_headers_are_rejected_not_injected() {
    let cases = [
        RequestOptions::new().idempotency_key("k\r\nX-Injected: 1"),
        RequestOptions::new().stripe_account("acct_1\nX-Injected: 1"),
        RequestOptions::new().stripe_context("ctx\r\nX-Injected: 1"),
        RequestOptions::new().header("X-Custom", "v\r\nX-Injected: 1"),
    ];
    for opts in cases {
        let (client, mock) = mock_client();
        mock.push_json(200, r#"{"id":"cus_1","object":"customer"}"#);
        let res = CreateCustomer::new().send_with(&client, opts.clone()).await;
        match res {
            Err(Error::Validation(msg)) => {
                assert!(!msg.contains('\n'), "message echoes the raw value: {msg:?}");
                assert!(mock.requests().is_empty(), "nothing sent for {opts:?}");
            }
            Err(other) => panic!("{opts:?}: expected Validation, got {other:?}"),
            Ok(_) => {
                // Accepted: then it must not have reached a header raw.
                let req = mock.last_request().unwrap();
                assert!(
                    req.headers.get("x-injected").is_none(),
                    "{opts:?}: injected"
                );
            }
        }
    }
    // Non-ASCII key from a careless caller: rejected before anything is sent.
    let mock = MockTransport::new();
    let built = Client::builder("sk_test_\u{e9}\n")
        .transport(mock.clone())
        .build();
    match built {
        Err(Error::InvalidKey(msg)) => assert!(!msg.contains("sk_test_")),
        Err(other) => panic!("expected InvalidKey, got {other:?}"),
        Ok(client) => {
            let e = RetrieveCustomer::new("cus_1")
                .send(&client)
                .await
                .unwrap_err();
            assert!(
                matches!(e, Error::InvalidKey(_) | Error::Validation(_)),
                "{e:?}"
            );
            assert!(mock.requests().is_empty());
        }
    }
}
