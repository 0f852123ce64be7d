//! The response decoder: arbitrary bytes decoded, the way the client decodes a 2xx body
//! (serde_path_to_error over serde_json), into a few large generated resources and the
//! list and deleted-union wrappers. Any input must give `Ok` or `Err`, never a panic, a
//! stack overflow or an abort.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run decode -- -max_total_time=60`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned>(data: &[u8]) -> Option<T> {
    let mut de = serde_json::Deserializer::from_slice(data);
    serde_path_to_error::deserialize::<_, T>(&mut de).ok()
}

fuzz_target!(|data: &[u8]| {
    let _ = decode::<stripe_types::Customer>(data);
    let _ = decode::<stripe_types::discount::CustomerOrDeletedCustomer>(data);
    let _ = decode::<stripe_types::Charge>(data);
    let _ = decode::<stripe_types::PaymentIntent>(data);
    let _ = decode::<stripe_types::Invoice>(data);
    let _ = decode::<stripe_types::Subscription>(data);
    let _ = decode::<stripe_types::rt::List<stripe_types::Customer>>(data);
    // Also through a `serde_json::Value` (the path webhooks and `raw_request` take).
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = serde_json::from_value::<stripe_types::Customer>(v.clone());
        let _ = serde_json::from_value::<stripe_types::Charge>(v);
    }
});
