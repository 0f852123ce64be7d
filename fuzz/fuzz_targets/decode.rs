//! The response decoder: arbitrary bytes decoded the way the client decodes a 2xx body
//! (`DecodeBody`, the `rt::json` reader), into a few large generated resources, a deleted
//! union, an expandable field and the list wrapper, and again through their serde impls
//! (the bridge `serde_json::from_slice` takes). Any input must give `Ok` or `Err`, never a
//! panic, a stack overflow or an abort; an error's message and path must render.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run decode -- -max_total_time=60`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use stripe_types::rt::{DecodeBody, Expandable, List};

fn decode<T: DecodeBody + DeserializeOwned>(data: &[u8]) {
    if let Err(e) = T::decode_body(data) {
        let _ = (e.to_string(), e.path());
    }
    let _ = serde_json::from_slice::<T>(data);
}

fuzz_target!(|data: &[u8]| {
    decode::<stripe_types::Customer>(data);
    decode::<stripe_types::Charge>(data);
    decode::<stripe_types::PaymentIntent>(data);
    decode::<stripe_types::Invoice>(data);
    decode::<stripe_types::Subscription>(data);
    decode::<stripe_types::ProductOrDeletedProduct>(data);
    decode::<Expandable<stripe_types::Customer>>(data);
    decode::<List<stripe_types::Customer>>(data);
    decode::<serde_json::Value>(data);
});
