//! The spec-driven v2 test server checks what it says it checks: each request below breaks
//! one rule of the pinned spec (or of the v2 protocol) and must be refused with Stripe's v2
//! error shape; the well-formed ones must be answered with the operation's 200 schema.

use integration_tests::v2_server::{spec, V2Server};
use serde_json::{json, Value};
use stripe_client::reqwest;

const KEY: &str = "Bearer sk_test_123";

/// One raw request: method, path and query, headers, body.
struct Raw<'a> {
    method: &'a str,
    target: &'a str,
    headers: Vec<(&'a str, String)>,
    body: Option<&'a str>,
}

impl<'a> Raw<'a> {
    /// A request with a secret key and the pinned Stripe-Version (and JSON on a body).
    fn new(method: &'a str, target: &'a str, body: Option<&'a str>) -> Raw<'a> {
        let mut headers = vec![
            ("authorization", KEY.to_owned()),
            ("stripe-version", spec().api_version.clone()),
        ];
        if body.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        Raw {
            method,
            target,
            headers,
            body,
        }
    }

    fn header(mut self, name: &'a str, value: &str) -> Raw<'a> {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    fn without(mut self, name: &str) -> Raw<'a> {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    async fn send(self, server: &V2Server) -> (u16, Value, reqwest::header::HeaderMap) {
        let http = reqwest::Client::new();
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut req = http.request(method, format!("{}{}", server.url, self.target));
        for (k, v) in &self.headers {
            req = req.header(*k, v);
        }
        if let Some(b) = self.body {
            req = req.body(b.to_owned());
        }
        let resp = req.send().await.expect("the v2 server answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
        (status, body, headers)
    }
}

#[tokio::test]
async fn v2_server_refuses_what_the_spec_refuses() {
    let server = V2Server::start().await;
    let version = spec().api_version.clone();
    // (request, status, code, a word of the message, param)
    let cases: Vec<(Raw<'_>, u16, &str, &str, Option<&str>)> = vec![
        (
            Raw::new("GET", "/v2/core/nothing_here", None),
            404,
            "not_found",
            "Unrecognized",
            None,
        ),
        (
            Raw::new("DELETE", "/v2/core/accounts/acct_1", None),
            404,
            "not_found",
            "takes no DELETE",
            None,
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1", None).without("authorization"),
            401,
            "unauthorized",
            "no API key",
            None,
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1", None)
                .header("authorization", "Bearer pk_test_1"),
            401,
            "unauthorized",
            "secret",
            None,
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1", None)
                .header("stripe-version", "2020-08-27"),
            400,
            "invalid_api_version",
            &version,
            None,
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1", None).without("stripe-version"),
            400,
            "invalid_api_version",
            "Stripe-Version",
            None,
        ),
        (
            Raw::new("POST", "/v2/core/accounts", Some("contact_email=a%40b.c"))
                .header("content-type", "application/x-www-form-urlencoded"),
            400,
            "invalid_request",
            "application/json",
            None,
        ),
        (
            Raw::new("POST", "/v2/core/accounts", Some("{\"contact_email\":")),
            400,
            "invalid_request",
            "not JSON",
            None,
        ),
        (
            Raw::new(
                "POST",
                "/v2/core/accounts",
                Some(r#"{"contact_emial":"a@b.c"}"#),
            ),
            400,
            "invalid_fields",
            "contact_emial",
            Some("contact_emial"),
        ),
        (
            Raw::new("POST", "/v2/core/accounts", Some(r#"{"contact_email":5}"#)),
            400,
            "invalid_fields",
            "string",
            Some("contact_email"),
        ),
        (
            Raw::new(
                "POST",
                "/v2/core/accounts",
                Some(r#"{"identity":{"individual":{"given_name":"A","nickname":"B"}}}"#),
            ),
            400,
            "invalid_fields",
            "nickname",
            Some("identity.individual.nickname"),
        ),
        (
            Raw::new(
                "POST",
                "/v2/core/account_links",
                Some(r#"{"account":"acct_1"}"#),
            ),
            400,
            "invalid_fields",
            "use_case",
            Some("use_case"),
        ),
        (
            Raw::new(
                "POST",
                "/v2/core/event_destinations",
                Some(
                    r#"{"enabled_events":["v1.billing.meter.no_meter_found"],"event_payload":"thin","name":"n","type":"carrier_pigeon"}"#,
                ),
            ),
            400,
            "invalid_fields",
            "carrier_pigeon",
            Some("type"),
        ),
        (
            Raw::new(
                "POST",
                "/v2/core/accounts?contact_email=a%40b.c",
                Some("{}"),
            ),
            400,
            "invalid_request",
            "not the query",
            None,
        ),
        (
            Raw::new(
                "POST",
                "/v2/billing/meter_event_session",
                Some(r#"{"ttl":60}"#),
            ),
            400,
            "invalid_fields",
            "takes no parameters",
            None,
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1", Some("{}")),
            400,
            "invalid_request",
            "no body",
            None,
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1?include=identity", None),
            400,
            "invalid_fields",
            "include[0]",
            Some("include"),
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1?include[]=identity", None),
            400,
            "invalid_fields",
            "indexed",
            Some("include"),
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1?include[1]=identity", None),
            400,
            "invalid_fields",
            "without gaps",
            Some("include"),
        ),
        (
            Raw::new("GET", "/v2/core/accounts/acct_1?include[0]=secrets", None),
            400,
            "invalid_fields",
            "secrets",
            Some("include[0]"),
        ),
        (
            Raw::new("GET", "/v2/core/accounts?limit=ten", None),
            400,
            "invalid_fields",
            "integer",
            Some("limit"),
        ),
        (
            Raw::new("GET", "/v2/core/accounts?expand[0]=data", None),
            400,
            "invalid_fields",
            "expand",
            Some("expand"),
        ),
        (
            Raw::new(
                "GET",
                "/v2/core/events?created[after]=2026-01-01T00:00:00Z",
                None,
            ),
            400,
            "invalid_fields",
            "after",
            Some("created.after"),
        ),
        (
            Raw::new("GET", "/v2/core/events?created[gt]=yesterday", None),
            400,
            "invalid_fields",
            "date-time",
            Some("created.gt"),
        ),
        (
            Raw::new(
                "POST",
                "/v2/billing/meter_event_stream",
                Some(
                    r#"{"events":[{"event_name":"api_calls","payload":{"stripe_customer_id":"cus_1","value":"1"}}]}"#,
                ),
            ),
            401,
            "unauthorized",
            "authentication_token",
            None,
        ),
    ];
    let total = cases.len();
    for (i, (raw, status, code, word, param)) in cases.into_iter().enumerate() {
        let label = format!("case {i}: {} {}", raw.method, raw.target);
        let (got, body, headers) = raw.send(&server).await;
        assert_eq!(got, status, "{label}: {body}");
        let e = &body["error"];
        assert!(
            e["type"].is_string() && e["message"].is_string(),
            "{label}: v2 error shape: {body}"
        );
        assert_eq!(e["code"], code, "{label}: {body}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains(word),
            "{label}: {message:?} should name {word:?}"
        );
        assert_eq!(e["param"].as_str(), param, "{label}: {body}");
        assert!(headers.get("request-id").is_some(), "{label}: Request-Id");
    }
    let refused = server.requests().iter().filter(|s| s.status >= 400).count();
    assert_eq!(refused, total, "every case was recorded as refused");
}

#[tokio::test]
async fn v2_server_answers_the_spec_shapes() {
    let server = V2Server::start().await;
    // Indexed arrays, deep objects and integers read back and accepted; the path id echoed.
    let (status, body, _) = Raw::new(
        "GET",
        "/v2/core/accounts/acct_123?include[0]=identity&include[1]=configuration.customer",
        None,
    )
    .send(&server)
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "acct_123");
    assert_eq!(body["object"], "v2.core.account");
    let (status, body, _) = Raw::new(
        "GET",
        "/v2/core/events?created[gte]=2026-01-01T00:00:00Z&types[0]=v1.billing.meter.no_meter_found&limit=3&object_id=mtr_1",
        None,
    )
    .send(&server)
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        body["next_page_url"],
        Value::Null,
        "a required nullable field is null"
    );
    // Every 200 answer carries every required field of its schema (the server checks its
    // own answers against the schema; a failure would be a 500).
    let (status, body, _) = Raw::new("POST", "/v2/core/accounts", Some("{}"))
        .send(&server)
        .await;
    assert_eq!(status, 200, "{body}");
    for field in ["id", "object", "created", "livemode"] {
        assert!(body.get(field).is_some(), "{field} in {body}");
    }
    // A body the schema accepts, nested objects and arrays included.
    let (status, body, _) = Raw::new(
        "POST",
        "/v2/core/accounts",
        Some(
            &json!({
                "contact_email": "a@b.c",
                "identity": {"country": "us", "individual": {"given_name": "A", "id_numbers": [{"type": "us_ssn", "value": "000000000"}]}},
                "metadata": {"order": "1"},
                "include": ["identity"]
            })
            .to_string(),
        ),
    )
    .send(&server)
    .await;
    assert_eq!(status, 200, "{body}");
    // v2 removes a metadata key with `null` on update (the spec makes the values nullable
    // there), not on create.
    let (status, body, _) = Raw::new(
        "POST",
        "/v2/core/accounts/acct_1",
        Some(r#"{"metadata":{"gone":null}}"#),
    )
    .send(&server)
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = Raw::new(
        "POST",
        "/v2/core/accounts",
        Some(r#"{"metadata":{"gone":null}}"#),
    )
    .send(&server)
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn v2_server_idempotency_replays_and_conflicts() {
    let server = V2Server::start().await;
    let post = |body: &'static str| {
        Raw::new("POST", "/v2/core/accounts", Some(body)).header("idempotency-key", "key_1")
    };
    let (s1, first, h1) = post(r#"{"contact_email":"a@b.c"}"#).send(&server).await;
    assert_eq!(s1, 200, "{first}");
    assert!(h1.get("idempotent-replayed").is_none());
    let (s2, second, h2) = post(r#"{"contact_email":"a@b.c"}"#).send(&server).await;
    assert_eq!((s2, &second), (200, &first), "the same request is replayed");
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    let (s3, third, _) = post(r#"{"contact_email":"x@y.z"}"#).send(&server).await;
    assert_eq!(s3, 409, "{third}");
    assert_eq!(third["error"]["type"], "idempotency_error");
    assert_eq!(third["error"]["code"], "idempotency_error");
}
