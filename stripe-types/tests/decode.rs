//! Decoding hand-written JSON into the generated types: the forward-compatibility and
//! exactness guarantees of the type mapping.
#![cfg(all(feature = "payments", feature = "billing"))]

use stripe_types::rt::{DecodeBody, Expandable, HasId, Int64String};
use stripe_types::*;

/// Decode `json` both ways a type can be decoded — its `DecodeBody` impl (the `rt::json`
/// reader the client uses) and serde (`serde_json::from_str`, through the generated bridge)
/// — and check that they agree.
fn decode<T: DecodeBody + serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> T {
    let direct = match T::decode_body(json.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("decode failed: {e}"),
    };
    let via_serde: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("serde: {e}"));
    assert_eq!(format!("{direct:?}"), format!("{via_serde:?}"));
    direct
}

#[path = "support/charge.rs"]
mod charge_json;
use charge_json::{CHARGE, CUSTOMER};

fn charge(customer: &str, status: &str) -> Charge {
    decode(
        &CHARGE
            .replace("CUSTOMER", customer)
            .replace("STATUS", status),
    )
}

#[test]
fn unknown_enum_value_is_kept_and_round_trips() {
    let c = charge("null", "quantum_pending");
    assert_eq!(c.status, charge::Status::Unknown("quantum_pending".into()));
    assert_eq!(c.status.as_str(), "quantum_pending");
    assert_eq!(
        serde_json::to_string(&c.status).unwrap(),
        "\"quantum_pending\""
    );
    let known = charge("null", "succeeded");
    assert_eq!(known.status, charge::Status::Succeeded);
    assert_eq!(
        "succeeded".parse::<charge::Status>().unwrap(),
        charge::Status::Succeeded
    );
    assert_eq!(charge::Status::Succeeded.to_string(), "succeeded");
}

#[test]
fn unknown_field_does_not_fail_and_stays_reachable() {
    let json = CUSTOMER.replace(
        "\"livemode\"",
        "\"brand_new_field\": {\"nested\": [1, 2]}, \"livemode\"",
    );
    let c: Customer = decode(&json);
    assert_eq!(c.extra.get("brand_new_field").unwrap()["nested"][1], 2);
    assert_eq!(c.email.as_deref(), Some("jenny@example.com"));
}

#[test]
fn expandable_field_as_id_and_as_object() {
    let c = charge("\"cus_1\"", "succeeded");
    let customer = c.customer.unwrap();
    assert!(matches!(&customer, Expandable::Id(id) if id == "cus_1"));
    assert_eq!(customer.id(), "cus_1");

    let c = charge(CUSTOMER, "succeeded");
    let customer = c.customer.unwrap();
    assert_eq!(customer.id(), "cus_1");
    match customer.as_object() {
        Some(CustomerOrDeletedCustomer::Customer(full)) => {
            assert_eq!(full.email.as_deref(), Some("jenny@example.com"));
            assert_eq!(full.id, "cus_1");
        }
        other => panic!("expected an expanded customer, got {other:?}"),
    }
}

/// `Expandable` holds the typed id (the live object's, for an object-or-deleted union),
/// `id()` returns it whether or not the field was expanded, and `live()` reaches the live
/// object of the union in one call.
#[test]
fn expandable_holds_a_typed_id_and_reaches_the_live_object() {
    let c = charge("\"cus_1\"", "succeeded");
    let customer = c.customer.unwrap();
    let id: &CustomerId = customer.id();
    assert_eq!(id, "cus_1");
    assert!(customer.live().is_none());

    let c = charge(CUSTOMER, "succeeded");
    let customer = c.customer.unwrap();
    let id: CustomerId = customer.id().clone();
    let live: &Customer = customer.live().expect("the live customer");
    assert_eq!(live.email.as_deref(), Some("jenny@example.com"));
    assert_eq!(live.id, id);
    let Expandable::Object(expanded) = &customer else {
        panic!("expected an expanded customer")
    };
    assert_eq!(expanded.id(), "cus_1");
    assert!(matches!(
        &**expanded,
        CustomerOrDeletedCustomer::Customer(_)
    ));
    assert_eq!(customer.clone().into_id(), id);

    // A deleted customer keeps its id; it has no live object.
    let deleted = r#"{"id": "cus_2", "object": "customer", "deleted": true}"#;
    let customer = charge(deleted, "succeeded").customer.unwrap();
    assert_eq!(customer.id(), "cus_2");
    assert!(customer.is_object() && customer.live().is_none());

    // A plain expandable object (not a union): `as_object()` is the object.
    let json = CHARGE
        .replace("CUSTOMER", "null")
        .replace("STATUS", "succeeded")
        .replace(
            "\"balance_transaction\": null",
            r#""balance_transaction": {"id": "txn_1", "object": "balance_transaction", "amount": 100,
                "available_on": 1700000000, "balance_type": "payments", "created": 1700000000, "currency": "usd", "description": null,
                "exchange_rate": null, "fee": 0, "fee_details": [], "net": 100, "reporting_category": "charge",
                "source": "ch_1", "status": "available", "type": "charge"}"#,
        );
    let c: Charge = decode(&json);
    let txn = c.balance_transaction.unwrap();
    let txn_id: &BalanceTransactionId = txn.id();
    assert_eq!(txn_id, "txn_1");
    assert_eq!(txn.as_object().map(|t| t.net), Some(100));
}

/// An expanded object without an id is malformed: an error, never an empty id.
#[test]
fn an_expanded_object_without_an_id_is_an_error() {
    let json = CHARGE
        .replace("CUSTOMER", r#"{"object": "customer", "deleted": true}"#)
        .replace("STATUS", "succeeded");
    assert!(Charge::decode_body(json.as_bytes()).is_err());
    assert!(serde_json::from_str::<Charge>(&json).is_err());
}

#[test]
fn deleted_object_in_a_union_and_on_its_own() {
    let deleted = r#"{"id": "cus_1", "object": "customer", "deleted": true}"#;
    let c = charge(deleted, "succeeded");
    match c.customer.unwrap().into_object() {
        Some(CustomerOrDeletedCustomer::DeletedCustomer(d)) => assert_eq!(d.id, "cus_1"),
        other => panic!("expected a deleted customer, got {other:?}"),
    }
    let d: DeletedCustomer = decode(deleted);
    assert_eq!(d.id_str(), Some("cus_1"));
}

#[test]
fn unknown_object_in_a_union_keeps_the_raw_json() {
    let alien = r#"{"id": "thing_1", "object": "hologram", "glow": 11}"#;
    let c = charge(alien, "succeeded");
    match c.customer.unwrap() {
        Expandable::Object(o) => match o.into_inner() {
            CustomerOrDeletedCustomer::Unknown(v) => assert_eq!(v["glow"], 11),
            other => panic!("expected Unknown, got {other:?}"),
        },
        other => panic!("expected an object, got {other:?}"),
    }
}

#[test]
fn decimal_round_trips_exactly() {
    let json = r#"{"id": "price_1", "object": "price", "active": true, "billing_scheme": "per_unit",
        "created": 1700000000, "currency": "usd", "custom_unit_amount": null, "livemode": false,
        "lookup_key": null, "metadata": {}, "nickname": null, "product": "prod_1", "recurring": null,
        "tax_behavior": null, "tiers_mode": null, "transform_quantity": null, "type": "one_time",
        "unit_amount": null, "unit_amount_decimal": "0.123456789012345678901234567890"}"#;
    let p: Price = decode(json);
    let d = p.unit_amount_decimal.unwrap();
    assert_eq!(d.as_str(), "0.123456789012345678901234567890");
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        "\"0.123456789012345678901234567890\""
    );
}

#[test]
fn int64_string_round_trips_exactly() {
    // 2^53 + 1 is not representable as an f64.
    let v: Int64String = serde_json::from_str("\"9007199254740993\"").unwrap();
    assert_eq!(v.0, 9_007_199_254_740_993);
    assert_eq!(decode::<Int64String>("\"9007199254740993\"").0, v.0);
    assert_eq!(serde_json::to_string(&v).unwrap(), "\"9007199254740993\"");
    assert!(serde_json::from_str::<Int64String>("\"12x\"").is_err());
}

#[test]
fn missing_required_field_names_the_path() {
    let doc = "{\"id\": \"cus_1\",\n \"object\": \"customer\"}";
    let err = Customer::decode_body(doc.as_bytes()).unwrap_err();
    assert_eq!(err.message(), "missing field `created`");
    // At the object's closing brace, so the client's path is the object's.
    assert_eq!((err.line(), err.column()), (2, 22));
    let err = serde_json::from_str::<Customer>(doc).unwrap_err();
    assert!(err.to_string().contains("created"), "{err}");
}

#[test]
fn wrong_types_and_bad_json_are_errors_with_positions() {
    let cases = [
        (
            r#"{"id": 5, "object": "customer", "created": 1, "livemode": false}"#,
            "invalid type: number, expected a string",
            8,
        ),
        (
            r#"{"id": "cus_1", "created": 1.5, "livemode": false}"#,
            "invalid type: floating point, expected i64",
            28,
        ),
        (
            r#"{"id": "cus_1", "created": 1, "livemode": false"#,
            "EOF while parsing an object",
            48,
        ),
        (
            r#"{"id": "cus_1", "created": 1, "livemode": false} x"#,
            "trailing characters",
            50,
        ),
        (
            r#"[]"#,
            "invalid type: sequence, expected a customer object",
            1,
        ),
    ];
    for (doc, message, column) in cases {
        let err = Customer::decode_body(doc.as_bytes()).unwrap_err();
        assert_eq!((err.message(), err.column()), (message, column), "{doc}");
        assert!(serde_json::from_str::<Customer>(doc).is_err(), "{doc}");
    }
    // Through serde the position would be in the bridge's buffer: the message names the
    // field instead.
    let doc =
        r#"{"id": "cus_1", "created": 1, "livemode": false, "invoice_settings": {"footer": 7}}"#;
    let err = serde_json::from_str::<Customer>(doc)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("invoice_settings.footer: invalid type: number"),
        "{err}"
    );
}

#[test]
fn typed_ids_are_accepted_by_endpoints() {
    use stripe_types::rt::StripeRequest;
    let id: CustomerId = "cus/../1".into();
    let req = RetrieveCustomer::new(id);
    assert_eq!(req.endpoint().path, "/v1/customers/cus%2F..%2F1");
}

#[test]
fn every_event_type_parses_back_from_its_wire_name() {
    // `FromStr` looks names up in a sorted table and maps the index to a variant: every
    // variant must come back from its own name, and a name not in the table is kept.
    for t in EventType::ALL {
        assert_eq!(
            t.as_str().parse::<EventType>().unwrap(),
            t,
            "{}",
            t.as_str()
        );
        let json = format!("\"{}\"", t.as_str());
        assert_eq!(decode::<EventType>(&json), t);
    }
    for s in [
        "",
        "a",
        "zzzz",
        "payment_intent.succeeded.",
        "Payment_intent.succeeded",
    ] {
        assert_eq!(
            s.parse::<EventType>().unwrap(),
            EventType::Unknown(s.into())
        );
    }
    for (s, v) in [
        ("canceled", payment_intent::Status::Canceled),
        ("processing", payment_intent::Status::Processing),
        ("requires_action", payment_intent::Status::RequiresAction),
        ("requires_capture", payment_intent::Status::RequiresCapture),
        (
            "requires_confirmation",
            payment_intent::Status::RequiresConfirmation,
        ),
        (
            "requires_payment_method",
            payment_intent::Status::RequiresPaymentMethod,
        ),
        ("succeeded", payment_intent::Status::Succeeded),
    ] {
        assert_eq!(s.parse::<payment_intent::Status>().unwrap(), v);
        assert_eq!(v.as_str(), s);
    }
}

#[test]
fn a_repeated_key_keeps_the_last_value_and_null_clears_an_optional_field() {
    let doc = r#"{"id": "cus_1", "object": "customer", "created": 1, "livemode": false,
        "email": "a@example.com", "created": 2, "email": "b@example.com", "name": "N", "name": null}"#;
    let c: Customer = decode(doc);
    assert_eq!(c.created.seconds(), 2);
    assert_eq!(c.email.as_deref(), Some("b@example.com"));
    assert_eq!(c.name, None);
}

#[test]
fn a_missing_field_after_fields_that_own_heap_data_is_reported() {
    // The required `currency` is missing after fields that own heap data (an expanded
    // customer, strings, a map): the decoder discards them and names the field.
    let doc = CHARGE
        .replace("CUSTOMER", CUSTOMER)
        .replace("STATUS", "succeeded")
        .replace(r#""currency": "usd","#, "");
    let err = Charge::decode_body(doc.as_bytes()).unwrap_err();
    assert_eq!(err.message(), "missing field `currency`");
    // The first missing one, in field order.
    let doc = r#"{"object": "customer", "livemode": false}"#;
    let err = Customer::decode_body(doc.as_bytes()).unwrap_err();
    assert_eq!(err.message(), "missing field `created`");
}

#[test]
fn list_envelopes_name_their_missing_fields() {
    use stripe_types::rt::{List, SearchList, V2List};
    let list: List<Customer> = List::decode_body(
        format!(r#"{{"object": "list", "url": "/v1/customers", "has_more": true, "data": [{CUSTOMER}]}}"#).as_bytes(),
    )
    .unwrap();
    assert!(list.has_more);
    assert_eq!(list.data[0].id.as_str(), "cus_1");
    let err = List::<Customer>::decode_body(format!(r#"{{"data": [{CUSTOMER}]}}"#).as_bytes())
        .unwrap_err();
    assert_eq!(err.message(), "missing field `has_more`");
    let err = List::<Customer>::decode_body(br#"{"has_more": false}"#).unwrap_err();
    assert_eq!(err.message(), "missing field `data`");
    let err = SearchList::<Customer>::decode_body(br#"{"data": []}"#).unwrap_err();
    assert_eq!(err.message(), "missing field `has_more`");
    let err = V2List::<Customer>::decode_body(br#"{"next_page_url": null}"#).unwrap_err();
    assert_eq!(err.message(), "missing field `data`");
    let err =
        List::<Customer>::decode_body(br#"{"data": [{"id": 1}], "has_more": false}"#).unwrap_err();
    assert!(
        err.message().contains("expected a string"),
        "{}",
        err.message()
    );
}

#[path = "support/differential.rs"]
mod differential;

/// The paths of decode errors, built as the error unwinds, against `serde_path_to_error`
/// over the serde path of the same type (`List`'s derived impl, then each item's bridge,
/// whose message starts with the path inside the item).
#[test]
fn error_paths_match_serde_path_to_error() {
    let item = |extra: &str| {
        format!(
            r#"{{"id": "cus_1", "object": "customer", "created": 1, "livemode": false{extra}}}"#
        )
    };
    let page = |items: &[String]| {
        format!(
            r#"{{"object": "list", "url": "/v1/customers", "has_more": false, "data": [{}]}}"#,
            items.join(",")
        )
    };
    let docs = [
        // wrong type, nested in an array
        page(&[item(""), item(r#", "balance": "x""#)]),
        // missing field in the second item
        page(&[item(""), r#"{"id": "cus_2"}"#.to_owned()]),
        // missing field at the top
        r#"{"data": []}"#.to_owned(),
        // deeper object, wrong type
        page(&[item(r#", "invoice_settings": {"footer": 7}"#)]),
        // a map's value, and a key with escapes
        page(&[item(r#", "metadata": {"a\"b": 1}"#)]),
        // an array inside an object inside an item
        page(&[item(
            r#", "invoice_settings": {"custom_fields": [{"name": "a", "value": "b"}, {"name": "c", "value": 5}]}"#,
        )]),
        // pretty-printed, over several lines
        "{\n  \"data\": [\n    {\"id\": \"a\",\n     \"created\": 1.5}\n  ],\n  \"has_more\": false\n}"
            .to_owned(),
        // wrong type at the top
        r#"{"data": [], "has_more": "no"}"#.to_owned(),
    ];
    for doc in &docs {
        let ours = List::<Customer>::decode_body(doc.as_bytes()).unwrap_err();
        let mut de = serde_json::Deserializer::from_str(doc);
        let reference = serde_path_to_error::deserialize::<_, List<Customer>>(&mut de).unwrap_err();
        // The serde path reads through the bridge, whose own error message starts with the
        // path inside the value serde_path_to_error reached.
        let inner = reference.inner().to_string();
        let theirs = match (
            reference.path().to_string().as_str(),
            inner.split_once(": "),
        ) {
            (".", Some((p, _))) if !p.contains(' ') => p.to_owned(),
            (outer, Some((p, _))) if !p.contains(' ') => format!("{outer}.{p}"),
            (outer, _) => outer.to_owned(),
        };
        assert_eq!(ours.path(), theirs, "{doc}: {ours}; {reference}");
    }
}

/// Malformed and edge-case documents, each checked against serde_json (see
/// `support/differential.rs`).
#[test]
fn differential_corpus_agrees_with_serde_json() {
    let deep = |n: usize, open: &str, close: &str, mid: &str| {
        format!("{}{mid}{}", open.repeat(n), close.repeat(n))
    };
    let mut corpus: Vec<Vec<u8>> = [
        "",
        " ",
        "n",
        "nul",
        "null",
        "nulll",
        "true",
        "tru",
        "false",
        "falsey",
        "0",
        "-0",
        "-0.0",
        "01",
        "-01",
        "1.",
        ".1",
        "1e",
        "1e+",
        "1E-0",
        "+1",
        "1.5e308",
        "1e309",
        "-1e400",
        "1e-400",
        "1e99999999999999999999",
        "0e99999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "4.9e-324",
        "2.4703282292062328e-324",
        "[1,]",
        "[,1]",
        "[1 2]",
        "[",
        "]",
        "[]]",
        "{}",
        "{",
        "}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{,}",
        "{\"a\" 1}",
        "{a:1}",
        "{\"a\":1}}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "\"",
        "\"\\\"",
        "\"\\u\"",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800\\udc00\"",
        "\"\\uDBFF\\uDFFF\"",
        "\"\\x\"",
        "\"\\/\"",
        "\"\t\"",
        "\"\u{7f}\"",
        "\"\u{1f}\"",
        "\"\\u0000\"",
        "[\"a\"\"b\"]",
        "\u{feff}{}",
        "{} ",
        " {}\n",
        "{}x",
        "{}{}",
        "[][]",
        "1 2",
        "nan",
        "NaN",
        "Infinity",
        "-Infinity",
        "[-]",
        "[--1]",
        "[1e1.5]",
        "[0x10]",
        "{\"id\":\"cus_1\",\"id\":5}",
        "{\"id\":5,\"id\":\"cus_1\"}",
        "{\"object\":\"product\",\"deleted\":true,\"id\":\"p\"}",
        "{\"object\":\"product\",\"deleted\":\"true\",\"id\":\"p\"}",
        "{\"object\":7,\"deleted\":true}",
        "{\"created\":-0}",
        "{\"created\":1e2}",
        "{\"balance\":9223372036854775808}",
        "{\"data\":[],\"has_more\":false,\"data\":[1]}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for n in [126, 127, 128, 129, 1000] {
        corpus.push(deep(n, "[", "]", "").into_bytes());
        corpus.push(deep(n, "{\"a\":", "}", "1").into_bytes());
        corpus.push(deep(n, "[{\"data\":", "}]", "[]").into_bytes());
        corpus.push("[".repeat(n).into_bytes());
    }
    for bytes in [
        &b"\"\xff\""[..],
        b"\"\xc3\"",
        b"\"\xc3\xa9\"",
        b"\"\xed\xa0\x80\"",
        b"\"\xf4\x90\x80\x80\"",
        b"{\"\xff\":1}",
        b"{\"id\xff\":1}",
        b"\x00",
        b"[1]\x00",
    ] {
        corpus.push(bytes.to_vec());
    }
    let full = CHARGE
        .replace("CUSTOMER", CUSTOMER)
        .replace("STATUS", "succeeded");
    corpus.push(full.clone().into_bytes());
    corpus.push(CUSTOMER.as_bytes().to_vec());
    // Every prefix of a real document.
    for end in 0..full.len() {
        corpus.push(full.as_bytes()[..end].to_vec());
    }
    for doc in &corpus {
        differential::check(doc);
    }
}

/// A seeded generator of JSON-like documents, valid and broken, checked against serde_json.
/// The same check runs unbounded in the `decode_differential` fuzz target.
#[test]
fn differential_random_documents_agree_with_serde_json() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let base = CHARGE
        .replace("CUSTOMER", CUSTOMER)
        .replace("STATUS", "succeeded");
    for i in 0..3_000 {
        let mut doc = if i % 4 == 0 {
            base.clone().into_bytes()
        } else {
            let mut s = String::new();
            value(&mut rng, 0, &mut s);
            s.into_bytes()
        };
        differential::check(&doc);
        for _ in 0..3 {
            mutate(&mut rng, &mut doc);
            differential::check(&doc);
        }
    }
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const KEYS: &[&str] = &[
    "id",
    "object",
    "created",
    "livemode",
    "email",
    "balance",
    "metadata",
    "deleted",
    "data",
    "has_more",
    "url",
    "amount",
    "currency",
    "customer",
    "status",
    "default_source",
    "invoice_settings",
    "footer",
    "name",
    "x",
    "\\u0069d",
    "obj\\u0065ct",
    "",
];
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1700000000",
    "1.5",
    "-2.5e-3",
    "1e2",
    "1E+2",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1e400",
    "-1e400",
    "1e-400",
    "1.7976931348623159e308",
    "0.0",
    "123456789012345678901234567890",
];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"cus_1\"",
    "\"customer\"",
    "\"product\"",
    "\"list\"",
    "\"usd\"",
    "\"succeeded\"",
    "\"\\u00e9\\n\\\"\"",
    "\"\\ud83d\\ude00\"",
    "\"h\u{e9}llo \u{4e2d}\"",
    "\"12345\"",
    "\"-0\"",
    "\"2024-01-01T00:00:00Z\"",
];
const WS: &[&str] = &["", "", "", " ", "\n", "\t", "\r\n  "];

/// A random value: mostly well-formed, with keys and values a Stripe object has.
fn value(rng: &mut Rng, depth: usize, out: &mut String) {
    out.push_str(rng.pick(WS));
    let kinds = if depth > 5 { 5 } else { 8 };
    match rng.below(kinds) {
        0 => out.push_str(rng.pick(&["null", "true", "false"])),
        1 | 2 => out.push_str(rng.pick(NUMBERS)),
        3 | 4 => out.push_str(rng.pick(STRINGS)),
        5 => {
            out.push('[');
            for j in 0..rng.below(4) {
                if j > 0 {
                    out.push(',');
                }
                value(rng, depth + 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            for j in 0..rng.below(6) {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(rng.pick(WS));
                out.push('"');
                out.push_str(rng.pick(KEYS));
                out.push('"');
                out.push_str(rng.pick(WS));
                out.push(':');
                value(rng, depth + 1, out);
            }
            out.push('}');
        }
    }
    out.push_str(rng.pick(WS));
}

/// One random edit: truncate, flip, insert, delete or duplicate bytes.
fn mutate(rng: &mut Rng, doc: &mut Vec<u8>) {
    const BYTES: &[u8] = b" {}[],:\"\\0123456789-+.eEnultrfas\x00\x1f\x7f\xc3\xa9\xff\xed";
    let at = if doc.is_empty() {
        0
    } else {
        rng.below(doc.len())
    };
    match rng.below(5) {
        0 => doc.truncate(at),
        1 if !doc.is_empty() => doc[at] = BYTES[rng.below(BYTES.len())],
        2 => doc.insert(at, BYTES[rng.below(BYTES.len())]),
        3 if !doc.is_empty() => {
            doc.remove(at);
        }
        _ => {
            let end = (at + rng.below(16)).min(doc.len());
            let piece = doc[at..end].to_vec();
            doc.splice(at..at, piece);
        }
    }
}
