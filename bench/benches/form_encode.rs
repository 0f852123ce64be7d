//! Form-encoding a checkout session with 50 line items (`CreateCheckoutSession` through
//! `stripe_client::encode::to_string`), beside a hand-written encoder producing the same
//! text from the same data (the floor).
//!
//! `cargo bench -p stripe-benches --bench form_encode`
//! Ends with `BENCH form_encode_ns=<n>` and `BENCH form_encode_hand_ns=<n>`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::hint::black_box;
use std::time::{Duration, Instant};
use stripe_client::encode;
use stripe_types::{
    checkout_session::create::LineItems, checkout_session::Mode, checkout_session::PriceData,
    checkout_session::ProductData, CreateCheckoutSession,
};

struct Item {
    name: String,
    sku: String,
    amount: i64,
    quantity: i64,
}

fn items() -> Vec<Item> {
    (0..50)
        .map(|i| Item {
            name: format!("Organic coffee beans, blend #{i} (1 kg)"),
            sku: format!("SKU-{i:05}"),
            amount: 1299 + i as i64,
            quantity: 1 + (i % 3) as i64,
        })
        .collect()
}

fn typed(items: &[Item]) -> String {
    let mut meta = BTreeMap::new();
    meta.insert("order_id".to_string(), "10423".to_string());
    let params = CreateCheckoutSession::new()
        .mode(Mode::Payment)
        .success_url("https://example.com/success?session_id={CHECKOUT_SESSION_ID}")
        .customer_email("jenny.rosen@example.com")
        .metadata(meta)
        .line_items(items.iter().map(|it| {
            let mut m = BTreeMap::new();
            m.insert("sku".to_string(), it.sku.clone());
            LineItems::new()
                .price_data(
                    PriceData::new("usd")
                        .product_data(ProductData::new(it.name.as_str()).metadata(m))
                        .unit_amount(it.amount),
                )
                .quantity(it.quantity)
        }));
    encode::to_string(&params).expect("encode")
}

fn push(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(key);
    out.push('=');
    encode::form::encode_component(value, out);
}

fn by_hand(items: &[Item]) -> String {
    let mut out = String::with_capacity(8192);
    push(&mut out, "customer_email", "jenny.rosen@example.com");
    let mut key = String::new();
    for (i, it) in items.iter().enumerate() {
        let mut k = |suffix: &str| {
            key.clear();
            let _ = write!(key, "line_items[{i}]{suffix}");
            key.clone()
        };
        push(&mut out, &k("[price_data][currency]"), "usd");
        push(
            &mut out,
            &k("[price_data][product_data][metadata][sku]"),
            &it.sku,
        );
        push(&mut out, &k("[price_data][product_data][name]"), &it.name);
        push(
            &mut out,
            &k("[price_data][unit_amount]"),
            &it.amount.to_string(),
        );
        push(&mut out, &k("[quantity]"), &it.quantity.to_string());
    }
    push(&mut out, "metadata[order_id]", "10423");
    push(&mut out, "mode", "payment");
    push(
        &mut out,
        "success_url",
        "https://example.com/success?session_id={CHECKOUT_SESSION_ID}",
    );
    out
}

fn main() {
    let items = items();
    let a = typed(&items);
    let b = by_hand(&items);
    if a.len() != b.len() {
        eprintln!(
            "note: encodings differ in length ({} vs {})",
            a.len(),
            b.len()
        );
    }
    let quick =
        std::env::args().any(|a| a == "--quick") || !std::env::args().any(|a| a == "--bench");
    let (rounds, iters) = if quick { (15, 200) } else { (40, 500) };
    let (mut best_t, mut best_h) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(typed(black_box(&items)));
        }
        best_t = best_t.min(t.elapsed() / iters);
        let t = Instant::now();
        for _ in 0..iters {
            black_box(by_hand(black_box(&items)));
        }
        best_h = best_h.min(t.elapsed() / iters);
    }
    println!(
        "form-encode checkout session, 50 line items ({} bytes): build+encode {:?}, hand-written {:?}, ratio {:.3}x",
        a.len(),
        best_t,
        best_h,
        best_t.as_secs_f64() / best_h.as_secs_f64()
    );
    println!("BENCH form_encode_ns={}", best_t.as_nanos());
    println!("BENCH form_encode_hand_ns={}", best_h.as_nanos());
}
