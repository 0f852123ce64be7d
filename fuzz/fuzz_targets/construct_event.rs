//! `construct_event` and `parse_event_notification` over arbitrary payloads, both with an
//! arbitrary header (the first line of the input) and with a valid signature, so the JSON
//! decoding behind a good signature is exercised too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stripe_client::webhook::Webhook;
use stripe_types::Timestamp;

const SECRET: &str = "whsec_test_secret";
const T: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (head, payload) = data.split_at(split);
    let payload = payload.get(1..).unwrap_or_default();
    let webhook = Webhook::new().clock(Timestamp(T));
    if let Ok(header) = std::str::from_utf8(head) {
        let _ = webhook.event(payload, header, SECRET);
        let _ = webhook.event_notification(payload, header, SECRET);
    }
    let good = Webhook::generate_test_signature(payload, SECRET, T);
    assert!(webhook.verify(payload, &good, SECRET).is_ok());
    if let Ok(event) = webhook.event(payload, &good, SECRET) {
        let _ = event.type_.as_str();
        let _ = event.object_name();
    }
    if let Ok(n) = webhook.event_notification(payload, &good, SECRET) {
        let _ = n.created.unix_seconds();
    }
});
