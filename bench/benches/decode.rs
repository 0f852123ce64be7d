//! Decoding a 100-item list of payment intents into `List<PaymentIntent>` beside
//! `serde_json::Value` (target: typed at least as fast as `Value`).
//!
//! `cargo bench -p stripe-benches --bench decode`
//! Ends with `BENCH decode_typed_ns=<n>` and `BENCH decode_value_ns=<n>` (per list).

use std::hint::black_box;
use std::time::{Duration, Instant};
use stripe_types::rt::DecodeBody;
use stripe_types::{List, PaymentIntent};

/// One realistic, fully populated payment intent (a succeeded card payment).
const PAYMENT_INTENT: &str = r#"{
  "id": "pi_3PgafyB7WZ01zgkW0Xk2abcd",
  "object": "payment_intent",
  "amount": 2000,
  "amount_capturable": 0,
  "amount_details": {"tip": {}},
  "amount_received": 2000,
  "application": null,
  "application_fee_amount": null,
  "automatic_payment_methods": {"allow_redirects": "always", "enabled": true},
  "canceled_at": null,
  "cancellation_reason": null,
  "capture_method": "automatic_async",
  "client_secret": "pi_3PgafyB7WZ01zgkW0Xk2abcd_secret_Dm43xiq1k0ywrRRjDoi8y1gkM",
  "confirmation_method": "automatic",
  "created": 1721923200,
  "currency": "usd",
  "customer": "cus_QXgBbq9bUQ3Jd2",
  "customer_account": null,
  "description": "Order #10423: 2x Organic Coffee Beans",
  "excluded_payment_method_types": null,
  "last_payment_error": null,
  "latest_charge": "ch_3PgafyB7WZ01zgkW0c2k9Xyz",
  "livemode": false,
  "metadata": {"order_id": "10423", "channel": "web", "campaign": "summer-2024"},
  "next_action": null,
  "on_behalf_of": null,
  "payment_method": "pm_1PgafxB7WZ01zgkWq2Jk3Lmn",
  "payment_method_configuration_details": {"id": "pmc_1PgaeaB7WZ01zgkWCb4mxkR2", "parent": null},
  "payment_method_options": {
    "card": {
      "installments": null,
      "mandate_options": null,
      "network": null,
      "request_three_d_secure": "automatic"
    },
    "link": {"persistent_token": null}
  },
  "payment_method_types": ["card", "link"],
  "processing": null,
  "receipt_email": "jenny.rosen@example.com",
  "review": null,
  "setup_future_usage": null,
  "shipping": {
    "address": {
      "city": "San Francisco",
      "country": "US",
      "line1": "510 Townsend St",
      "line2": "Suite 200",
      "postal_code": "94103",
      "state": "CA"
    },
    "carrier": "UPS",
    "name": "Jenny Rosen",
    "phone": "+14155550100",
    "tracking_number": "1Z999AA10123456784"
  },
  "source": null,
  "statement_descriptor": null,
  "statement_descriptor_suffix": "ORDER 10423",
  "status": "succeeded",
  "transfer_data": null,
  "transfer_group": null
}"#;

fn document() -> String {
    let item: serde_json::Value = serde_json::from_str(PAYMENT_INTENT).expect("fixture is JSON");
    let item = serde_json::to_string(&item).expect("compact");
    let mut s = String::from(r#"{"object":"list","data":["#);
    for i in 0..100 {
        if i > 0 {
            s.push(',');
        }
        // Distinct ids, as in a real page.
        s.push_str(&item.replace("0Xk2abcd", &format!("0Xk{i:05}")));
    }
    s.push_str(r#"],"has_more":true,"url":"/v1/payment_intents"}"#);
    s
}

/// As the client decodes a response: `DecodeBody` (the `rt::json` reader).
fn typed(doc: &str) -> List<PaymentIntent> {
    List::<PaymentIntent>::decode_body(doc.as_bytes()).expect("typed decode")
}

fn value(doc: &str) -> serde_json::Value {
    serde_json::from_str(doc).expect("value decode")
}

fn main() {
    let doc = document();
    let list = match List::<PaymentIntent>::decode_body(doc.as_bytes()) {
        Ok(l) => l,
        Err(e) => panic!("typed decode failed: {e}"),
    };
    assert_eq!(list.data.len(), 100);
    let quick =
        std::env::args().any(|a| a == "--quick") || !std::env::args().any(|a| a == "--bench");
    let (rounds, iters) = if quick { (15, 40) } else { (40, 100) };
    let (mut best_t, mut best_v) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        black_box(typed(black_box(&doc)));
        black_box(value(black_box(&doc)));
    }
    // Interleaved rounds; the best of each filters out noise from other work on the machine.
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(typed(black_box(&doc)));
        }
        best_t = best_t.min(t.elapsed() / iters);
        let t = Instant::now();
        for _ in 0..iters {
            black_box(value(black_box(&doc)));
        }
        best_v = best_v.min(t.elapsed() / iters);
    }
    println!(
        "decode 100 payment intents ({} KiB): typed {:?}, serde_json::Value {:?}; typed speed / Value speed {:.3}x (target >= 1.0x)",
        doc.len() / 1024,
        best_t,
        best_v,
        best_v.as_secs_f64() / best_t.as_secs_f64()
    );
    println!("BENCH decode_typed_ns={}", best_t.as_nanos());
    println!("BENCH decode_value_ns={}", best_v.as_nanos());
}
