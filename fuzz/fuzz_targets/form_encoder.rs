//! The form encoder round trip: arbitrary strings as metadata keys and values, list items
//! and a plain field are encoded with `stripe_client::encode::to_string`, then decoded by an
//! independent `application/x-www-form-urlencoded` decoder; the pairs must come back
//! exactly, in order, and the body must be ASCII with no raw separators inside a component.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run form_encoder -- -max_total_time=60`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Params {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    items: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, String>,
    name: String,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = hex(b[i + 1]).expect("percent escape: first hex digit");
                let lo = hex(b[i + 2]).expect("percent escape: second hex digit");
                out.push(hi << 4 | lo);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).expect("decoded component is UTF-8")
}

fn decode(body: &str) -> Vec<(String, String)> {
    if body.is_empty() {
        return Vec::new();
    }
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("every pair has `=`");
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}');
    let name = parts.next().unwrap_or_default().to_owned();
    let mut items = Vec::new();
    let mut metadata = BTreeMap::new();
    let rest: Vec<&str> = parts.collect();
    for chunk in rest.chunks(2) {
        match chunk {
            [k, v] if !k.is_empty() => {
                metadata.insert((*k).to_owned(), (*v).to_owned());
            }
            [item] | [_, item] => items.push((*item).to_owned()),
            _ => {}
        }
    }
    let params = Params {
        items,
        metadata,
        name,
    };
    let Ok(body) = stripe_client::encode::to_string(&params) else {
        return;
    };
    assert!(body.is_ascii(), "body is ASCII");
    let mut want = Vec::new();
    for (i, item) in params.items.iter().enumerate() {
        want.push((format!("items[{i}]"), item.clone()));
    }
    for (k, v) in &params.metadata {
        want.push((format!("metadata[{k}]"), v.clone()));
    }
    want.push(("name".to_owned(), params.name.clone()));
    assert_eq!(decode(&body), want, "round trip of {body:?}");
});
