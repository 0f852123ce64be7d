//! The `Stripe-Signature` parser and signature check over arbitrary headers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stripe_client::webhook::{SignatureHeader, Webhook};
use stripe_types::Timestamp;

const SECRET: &str = "whsec_test_secret";
const BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;
const SIG: &str = "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = SignatureHeader::parse(header) {
        // Every reported v1 signature comes from the header.
        assert_eq!(parsed.v1_signatures().count(), parsed.v1_count());
        assert!(parsed.v1_count() > 0);
    }
    let webhook = Webhook::new().clock(Timestamp(1_700_000_000));
    if webhook.verify(BODY, header, SECRET).is_ok() {
        // Only the real signature (in either case) can verify.
        assert!(header.to_ascii_lowercase().contains(SIG), "{header:?}");
    }
    let _ = webhook.event(BODY, header, SECRET);
});
