//! The JSON reader against serde_json: arbitrary bytes go straight to the generated decoders
//! through `DecodeBody` and to `serde_json`, and accept/reject must agree (the rules are in
//! `stripe-types/tests/support/differential.rs`, which `cargo test -p stripe-types` also
//! runs over a fixed corpus and a seeded generator).
//!
//! Run: `cd fuzz && cargo +nightly fuzz run decode_differential -- -max_total_time=60`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../stripe-types/tests/support/differential.rs"]
mod differential;

fuzz_target!(|data: &[u8]| differential::check(data));
