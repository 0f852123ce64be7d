//! The differential check of the JSON reader (`stripe_types::rt::json`) against
//! `serde_json`, shared by the `decode_differential` fuzz target (`fuzz/`) and the
//! deterministic test in `tests/decode.rs`, which includes this file.
//!
//! [`check`] feeds the same bytes to both and panics when they disagree:
//! - `serde_json::Value` through `DecodeBody` accepts exactly what `serde_json` accepts, and
//!   gives the same value;
//! - [`Reader::skip`] accepts exactly what `serde_json` accepts as a `Value` (grammar,
//!   UTF-8, escapes, nesting depth, number range);
//! - each generated type decoded through `DecodeBody` (the client's path) rejects every
//!   document `serde_json` rejects; and on a document `serde_json` accepts, it accepts
//!   exactly when the serde path does (`serde_json::from_slice::<T>`, which reads the
//!   document as a `Value` first and so sees it re-written, keys unescaped, numbers in
//!   their shortest form). Documents with a repeated key are left out of this last check:
//!   a `Value` keeps only the last of them, where the reader decodes each. So are the list
//!   envelopes, whose serde impl is derived.
//!
//! Errors are also rendered (message, position, path), which must not panic.

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashSet;
use stripe_types::rt::json::Reader;
use stripe_types::rt::{DecodeBody, List};

/// Check `data` against `serde_json`; panics with the disagreement.
pub fn check(data: &[u8]) {
    let theirs = serde_json::from_slice::<Value>(data);
    let ours = <Value as DecodeBody>::decode_body(data);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "Value differs for {:?}", show(data)),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "Value: ours {ours:?}, serde_json {theirs:?}, for {:?}",
            show(data)
        ),
    }

    let mut r = Reader::new(data);
    let skipped = r.skip().and_then(|()| r.end());
    assert_eq!(
        skipped.is_ok(),
        theirs.is_ok(),
        "skip: ours {skipped:?}, serde_json {theirs:?}, for {:?}",
        show(data)
    );

    let unique = theirs.is_ok() && unique_keys(&mut Reader::new(data));
    let theirs = theirs.is_ok();
    typed::<stripe_types::Customer>(data, theirs, unique);
    typed::<stripe_types::Charge>(data, theirs, unique);
    typed::<stripe_types::PaymentIntent>(data, theirs, unique);
    typed::<stripe_types::Invoice>(data, theirs, unique);
    typed::<stripe_types::Subscription>(data, theirs, unique);
    typed::<stripe_types::ProductOrDeletedProduct>(data, theirs, unique);
    // `List`'s serde impl is derived (it also reads a sequence, and rejects a repeated
    // field), so only the first rule holds for it; its items are checked through `Vec`.
    typed::<List<stripe_types::Customer>>(data, theirs, false);
    typed::<Vec<stripe_types::Customer>>(data, theirs, unique);
    typed::<stripe_types::rt::Expandable<stripe_types::Customer>>(data, theirs, unique);
    typed::<Vec<i64>>(data, theirs, unique);
    typed::<Vec<u64>>(data, theirs, unique);
    typed::<Vec<f64>>(data, theirs, unique);
    typed::<Vec<String>>(data, theirs, unique);
    typed::<Option<bool>>(data, theirs, unique);
    typed::<std::collections::BTreeMap<String, Value>>(data, theirs, unique);
}

fn typed<T: DecodeBody + DeserializeOwned>(data: &[u8], theirs: bool, unique: bool) {
    let name = std::any::type_name::<T>();
    let ours = T::decode_body(data);
    if let Err(e) = &ours {
        let _ = (e.to_string(), e.path(), e.offset(), e.line(), e.column());
    }
    if !theirs {
        assert!(
            ours.is_err(),
            "{name}: accepted what serde_json rejects: {:?}",
            show(data)
        );
        return;
    }
    if unique {
        let serde_path = serde_json::from_slice::<T>(data);
        assert_eq!(
            ours.is_ok(),
            serde_path.is_ok(),
            "{name}: ours {:?}, serde path {:?}, for {:?}",
            ours.err(),
            serde_path.err(),
            show(data)
        );
    }
}

/// `true` when no object in the document (which the reader must accept) repeats a key.
fn unique_keys(r: &mut Reader<'_>) -> bool {
    match r.peek_byte() {
        Some(b'{') => {
            let mut o = r.object("an object").expect("serde_json accepted it");
            let mut seen = HashSet::new();
            while let Some(k) = o.next_key(r).expect("serde_json accepted it") {
                if !seen.insert(k.into_owned()) || !unique_keys(r) {
                    return false;
                }
            }
            true
        }
        Some(b'[') => {
            let mut a = r.array("an array").expect("serde_json accepted it");
            while a.next(r).expect("serde_json accepted it") {
                if !unique_keys(r) {
                    return false;
                }
            }
            true
        }
        _ => {
            r.skip().expect("serde_json accepted it");
            true
        }
    }
}

/// The input for a failure message: text when it is UTF-8, bytes when not, cut short.
fn show(data: &[u8]) -> String {
    let cut = &data[..data.len().min(400)];
    match std::str::from_utf8(cut) {
        Ok(s) => s.to_owned(),
        Err(_) => format!("{cut:?}"),
    }
}
