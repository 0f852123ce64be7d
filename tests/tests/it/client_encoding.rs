//! Form encoding: the test vectors of the official Node, Python and Go SDKs' form encoders,
//! plus v2 JSON, v2 query and multipart bodies as sent on the wire.

use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use stripe_client::encode::{to_pairs, to_parts, to_string, Part};
use stripe_client::{Client, HttpResponse, MockTransport, StripeRequestExt};
use stripe_types::rt::{Clearable, DateTime, FileUpload, Timestamp};

fn sorted_pairs(s: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = s
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect();
    v.sort();
    v
}

/// Form-decode one component (`+` and `%20` are both a space).
fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

// ---- example 1: Node test/utils.spec.ts ----

#[test]
fn node_array_of_objects_is_indexed() {
    assert_eq!(
        to_string(&json!({"a": [{"b": "c"}, {"b": "d"}]})).unwrap(),
        "a[0][b]=c&a[1][b]=d"
    );
}

#[test]
fn node_booleans() {
    #[derive(Serialize)]
    struct P {
        t: bool,
        f: bool,
    }
    assert_eq!(
        to_string(&P { t: true, f: false }).unwrap(),
        "t=true&f=false"
    );
}

#[test]
fn node_null_is_empty_value() {
    assert_eq!(to_string(&json!({"a": null})).unwrap(), "a=");
    // Clearable::Clear (the generated way to unset) encodes the same.
    #[derive(Serialize)]
    struct P {
        a: Clearable<String>,
    }
    assert_eq!(
        to_string(&P {
            a: Clearable::Clear
        })
        .unwrap(),
        "a="
    );
}

#[test]
fn node_empty_array_sends_nothing() {
    assert_eq!(to_string(&json!({"arr": []})).unwrap(), "");
    #[derive(Serialize)]
    struct P {
        arr: Vec<String>,
    }
    assert_eq!(to_string(&P { arr: vec![] }).unwrap(), "");
}

#[test]
fn node_date_is_unix_seconds() {
    let secs = DateTime::from("2009-02-13T23:31:30Z")
        .unix_seconds()
        .unwrap();
    #[derive(Serialize)]
    struct P {
        date: Timestamp,
    }
    assert_eq!(
        to_string(&P {
            date: Timestamp(secs)
        })
        .unwrap(),
        "date=1234567890"
    );
}

#[test]
fn node_space_in_nested_key() {
    let s = to_string(&json!({"nested": {"a n o t h e r": null}})).unwrap();
    // Node writes `%20`; we write `+` like Python and Go. Both decode to the same pair.
    assert_eq!(s, "nested[a+n+o+t+h+e+r]=");
    assert_eq!(
        sorted_pairs(&s),
        sorted_pairs("nested[a%20n%20o%20t%20h%20e%20r]=")
    );
}

// ---- example 2: Python tests/test_api_requestor.py ----

#[test]
fn python_methods_with_params_and_response() {
    #[derive(Serialize)]
    struct P {
        alist: Vec<i32>,
        adict: BTreeMap<String, String>,
        adatetime: Timestamp,
    }
    let secs = DateTime::from("2013-01-01T00:00:00+01:00")
        .unix_seconds()
        .unwrap();
    let p = P {
        alist: vec![1, 2, 3],
        adict: [("frobble".to_owned(), "bits".to_owned())].into(),
        adatetime: Timestamp(secs),
    };
    let got = to_string(&p).unwrap();
    assert_eq!(
        got,
        "alist[0]=1&alist[1]=2&alist[2]=3&adict[frobble]=bits&adatetime=1356994800"
    );
    assert_eq!(
        sorted_pairs(&got),
        sorted_pairs("adict[frobble]=bits&adatetime=1356994800&alist[0]=1&alist[1]=2&alist[2]=3")
    );
}

#[test]
fn python_dictionary_list_encoding() {
    assert_eq!(
        to_string(&json!({"foo": {"0": {"bar": "bat"}}})).unwrap(),
        "foo[0][bar]=bat"
    );
}

// ---- example 3: Go form/form_test.go ----

#[test]
fn go_two_dimensional_slice() {
    #[derive(Serialize)]
    struct P {
        slice2d: Vec<Vec<&'static str>>,
    }
    let s = to_string(&P {
        slice2d: vec![vec!["a", "b"], vec!["c"]],
    })
    .unwrap();
    assert_eq!(s, "slice2d[0][0]=a&slice2d[0][1]=b&slice2d[1][0]=c");
}

#[test]
fn go_nested_map() {
    assert_eq!(
        to_string(&json!({"map": {"foo": {"bar": "baz"}}})).unwrap(),
        "map[foo][bar]=baz"
    );
}

#[test]
fn go_empty_slice_and_explicit_clear() {
    // Go sends `slice=` for an explicit empty slice; we follow Python/Node (nothing) for an
    // empty Vec and send `slice=` for the explicit `Clearable::Clear`.
    #[derive(Serialize)]
    struct P {
        slice: Clearable<Vec<String>>,
    }
    assert_eq!(
        to_string(&P {
            slice: Clearable::Clear
        })
        .unwrap(),
        "slice="
    );
    assert_eq!(
        to_string(&P {
            slice: Clearable::Set(vec![])
        })
        .unwrap(),
        ""
    );
}

#[test]
fn go_format_key() {
    assert_eq!(
        to_string(&json!({"param": {"key": ["v"]}})).unwrap(),
        "param[key][0]=v"
    );
}

// ---- example 4: Go TestCall_V1PathPostNestedUnsetFields ----

#[test]
fn go_nested_unset_fields() {
    #[derive(Serialize)]
    struct Details {
        comment: Clearable<String>,
        feedback: String,
    }
    #[derive(Serialize)]
    struct P {
        description: Clearable<String>,
        details: Details,
    }
    let p = P {
        description: Clearable::Clear,
        details: Details {
            comment: Clearable::Clear,
            feedback: "too_slow".into(),
        },
    };
    let s = to_string(&p).unwrap();
    assert_eq!(
        s,
        "description=&details[comment]=&details[feedback]=too_slow"
    );
    for want in [
        "description=",
        "details[comment]=",
        "details[feedback]=too_slow",
    ] {
        assert!(s.split('&').any(|p| p == want), "{want} in {s}");
    }
}

// ---- example 5: Python _api_encode ----

/// A map in insertion order (a Python dict).
struct Ordered(Vec<(&'static str, &'static str)>);
impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[test]
fn python_api_encode_full_example() {
    #[derive(Serialize)]
    struct Item {
        price: String,
        quantity: u32,
    }
    #[derive(Serialize)]
    struct P {
        items: Vec<Item>,
        expand: Vec<String>,
        metadata: Ordered,
        capture: bool,
        description: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        customer: Option<String>,
    }
    let p = P {
        items: vec![Item {
            price: "price_123".into(),
            quantity: 2,
        }],
        expand: vec!["customer".into(), "invoice.subscription".into()],
        metadata: Ordered(vec![("order_id", "6735"), ("old", "")]),
        capture: false,
        description: String::new(),
        customer: None,
    };
    assert_eq!(
        to_string(&p).unwrap(),
        "items[0][price]=price_123&items[0][quantity]=2&expand[0]=customer&expand[1]=invoice.subscription&metadata[order_id]=6735&metadata[old]=&capture=false&description="
    );
}

// ---- further rules ----

#[test]
fn brackets_literal_spaces_plus_and_escapes() {
    let s = to_string(&json!({"metadata": {"k[x]": "a b&c=d+é"}})).unwrap();
    assert_eq!(s, "metadata[k[x]]=a+b%26c%3Dd%2B%C3%A9");
}

#[test]
fn none_is_omitted_and_enums_are_strings() {
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Interval {
        Month,
    }
    #[derive(Serialize)]
    struct P {
        a: Option<String>,
        b: Option<i64>,
        interval: Interval,
        amount: f64,
    }
    let p = P {
        a: None,
        b: Some(-5),
        interval: Interval::Month,
        amount: 12.5,
    };
    assert_eq!(to_string(&p).unwrap(), "b=-5&interval=month&amount=12.5");
}

#[test]
fn files_only_in_multipart() {
    #[derive(Serialize)]
    struct P {
        purpose: &'static str,
        file: FileUpload,
    }
    let p = P {
        purpose: "dispute_evidence",
        file: FileUpload::from_bytes("a.txt", b"hello".to_vec()),
    };
    assert!(to_pairs(&p).is_err());
    let parts = to_parts(&p, true).unwrap();
    assert_eq!(
        parts[0],
        Part::Text("purpose".into(), "dispute_evidence".into())
    );
    assert_eq!(
        parts[1],
        Part::File {
            key: "file".into(),
            filename: "a.txt".into(),
            content_type: "application/octet-stream".into(),
            data: b"hello".to_vec()
        }
    );
}

// ---- on the wire ----

fn mock_client() -> (Client, MockTransport) {
    let mock = MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .build()
        .unwrap();
    (client, mock)
}

#[tokio::test]
async fn v1_post_body_and_get_query() {
    let (client, mock) = mock_client();
    mock.push_json(200, r#"{"id":"cus_1","object":"customer"}"#);
    mock.push_json(
        200,
        r#"{"object":"list","data":[],"has_more":false,"url":"/v1/customers"}"#,
    );
    integration_tests::reqs::CreateCustomer::new()
        .email("a b@example.com")
        .metadata("order_id", "6735")
        .send(&client)
        .await
        .unwrap();
    let mut list = integration_tests::reqs::ListCustomers::new().limit(3);
    list.email = Some("x@y.z".into());
    list.send(&client).await.unwrap();
    let reqs = mock.requests();
    assert_eq!(reqs[0].url, "https://api.stripe.com/v1/customers");
    assert_eq!(
        reqs[0].body_text(),
        "email=a+b%40example.com&metadata[order_id]=6735"
    );
    assert_eq!(
        reqs[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        reqs[1].url,
        "https://api.stripe.com/v1/customers?limit=3&email=x%40y.z"
    );
    assert!(reqs[1].body.is_empty());
    assert_eq!(reqs[1].header("content-type"), None);
}

#[tokio::test]
async fn v2_post_is_json_with_nulls_and_v2_get_is_form_query() {
    use integration_tests::reqs::{CreateThing, ListThings};
    let (client, mock) = mock_client();
    mock.push_json(200, r#"{"id":"thing_1"}"#);
    mock.push_json(200, r#"{"data":[],"next_page_url":null}"#);
    CreateThing {
        name: "x".into(),
        note: Some(Clearable::Clear),
    }
    .send(&client)
    .await
    .unwrap();
    ListThings {
        limit: Some(2),
        include: vec!["foo".into(), "bar".into()],
    }
    .send(&client)
    .await
    .unwrap();
    let reqs = mock.requests();
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body, json!({"name": "x", "note": null}));
    assert!(reqs[0]
        .header("user-agent")
        .unwrap()
        .starts_with("Stripe/v2 RustBindings/"));
    assert_eq!(
        reqs[1].url,
        "https://api.stripe.com/v2/test/things?limit=2&include[0]=foo&include[1]=bar"
    );
}

/// The endpoint's encoding alone picks the encoder: a hand-written request on a v2 JSON
/// POST endpoint sends JSON, one on a v1 form endpoint sends a form.
#[tokio::test]
async fn the_endpoint_encoding_picks_the_body() {
    use integration_tests::reqs::{CreateCustomer, CreateThing};
    use stripe_types::rt::{Endpoint, StripeRequest};

    #[derive(serde::Serialize)]
    struct OnJson {
        name: &'static str,
    }
    #[derive(serde::Serialize)]
    struct OnForm {
        name: &'static str,
    }
    impl StripeRequest for OnJson {
        type Output = serde_json::Value;
        fn endpoint(&self) -> Endpoint {
            CreateThing::default().endpoint()
        }
    }
    impl StripeRequest for OnForm {
        type Output = serde_json::Value;
        fn endpoint(&self) -> Endpoint {
            CreateCustomer::default().endpoint()
        }
    }

    let (client, mock) = mock_client();
    mock.push_json(200, "{}");
    mock.push_json(200, "{}");
    OnJson { name: "a b" }.send(&client).await.unwrap();
    OnForm { name: "a b" }.send(&client).await.unwrap();
    let reqs = mock.requests();
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(reqs[0].body_text(), r#"{"name":"a b"}"#);
    assert_eq!(
        reqs[1].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(reqs[1].body_text(), "name=a+b");
}

#[tokio::test]
async fn multipart_file_upload_goes_to_files_host() {
    use integration_tests::reqs::{CreateFile, FileLinkData};
    let (client, mock) = mock_client();
    mock.push_json(200, r#"{"id":"file_1","purpose":"dispute_evidence"}"#);
    let req = CreateFile {
        file: FileUpload::from_bytes("evidence \"1\".png", vec![0u8, 159, 146, 150])
            .content_type("image/png"),
        purpose: "dispute_evidence".into(),
        file_link_data: Some(FileLinkData { create: true }),
    };
    req.send(&client).await.unwrap();
    let r = mock.last_request().unwrap();
    assert_eq!(r.url, "https://files.stripe.com/v1/files");
    let ct = r.header("content-type").unwrap().to_owned();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart content type");
    let body = r.body.to_vec();
    let text = String::from_utf8_lossy(&body);
    assert!(text.starts_with(&format!("--{boundary}\r\n")));
    assert!(text
        .contains("Content-Disposition: form-data; name=\"purpose\"\r\n\r\ndispute_evidence\r\n"));
    assert!(text.contains(
        "Content-Disposition: form-data; name=\"file_link_data[create]\"\r\n\r\ntrue\r\n"
    ));
    assert!(text.contains(
        "Content-Disposition: form-data; name=\"file\"; filename=\"evidence %221%22.png\"\r\nContent-Type: image/png\r\n\r\n"
    ));
    assert!(body.windows(4).any(|w| w == [0u8, 159, 146, 150]));
    assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    assert!(r.header("idempotency-key").is_some());
}

#[tokio::test]
async fn binary_response() {
    let (client, mock) = mock_client();
    mock.push_response(HttpResponse {
        status: 200,
        headers: Default::default(),
        body: bytes::Bytes::from_static(b"%PDF-1.4 \x00\x01"),
    });
    let pdf = integration_tests::reqs::QuotePdf { id: "qt_1".into() }
        .send(&client)
        .await
        .unwrap();
    assert_eq!(pdf.0, b"%PDF-1.4 \x00\x01");
    assert_eq!(
        mock.last_request().unwrap().url,
        "https://files.stripe.com/v1/quotes/qt_1/pdf"
    );
}
