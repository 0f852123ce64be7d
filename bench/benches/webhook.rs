//! Webhook verification cost against a bare HMAC-SHA256 of the same 4 KiB payload, computed
//! with the primitive `verify` uses on native targets (ring's).
//!
//! `cargo bench -p stripe-benches --bench webhook` runs the criterion groups, then prints
//! `verify / bare HMAC ratio` from an interleaved timing loop (target: at most 1.2).

use criterion::{black_box, criterion_group, Criterion};
use ring::hmac;
use std::time::{Duration, Instant};
use stripe_client::webhook::Webhook;
use stripe_types::Timestamp;

const SECRET: &str = "whsec_bench_secret_0123456789abcdef";

fn payload() -> Vec<u8> {
    // A 4 KiB JSON-ish event body.
    let mut body = br#"{"id":"evt_bench","object":"event","type":"payment_intent.succeeded","data":{"object":{"description":""#.to_vec();
    while body.len() < 4096 - 6 {
        body.push(b'a' + (body.len() % 26) as u8);
    }
    body.extend_from_slice(br#""}}}"#);
    body.resize(4096, b' ');
    body
}

fn bare_hmac(payload: &[u8]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    hmac::sign(&key, payload).as_ref().try_into().unwrap()
}

fn setup() -> (Vec<u8>, String, Webhook) {
    let body = payload();
    let now = Timestamp::now();
    // Two v1 signatures (as while a secret rolls), the matching one last, plus a v0.
    let other = Webhook::generate_test_signature(&body, "whsec_other", now);
    let good = Webhook::generate_test_signature(&body, SECRET, now);
    let header = format!(
        "{},v1={},v0=0000",
        good.split_once(",v1=").unwrap().0,
        [
            other.rsplit_once('=').unwrap().1,
            good.rsplit_once('=').unwrap().1
        ]
        .join(",v1=")
    );
    (body, header, Webhook::new())
}

fn benches(c: &mut Criterion) {
    let (body, header, webhook) = setup();
    assert!(webhook.verify(&body, &header, SECRET).is_ok());
    let mut g = c.benchmark_group("webhook_4KiB");
    g.throughput(criterion::Throughput::Bytes(body.len() as u64));
    g.bench_function("bare_hmac_sha256", |b| {
        b.iter(|| bare_hmac(black_box(&body)))
    });
    g.bench_function("verify", |b| {
        b.iter(|| webhook.verify(black_box(&body), black_box(&header), black_box(SECRET)))
    });
    g.finish();
}

/// Interleaved rounds; the best round of each is compared, which filters out noise from
/// other work on the machine.
fn ratio() {
    let (body, header, webhook) = setup();
    let iters = 2_000;
    let (mut best_bare, mut best_verify) = (Duration::MAX, Duration::MAX);
    for _ in 0..40 {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(bare_hmac(black_box(&body)));
        }
        best_bare = best_bare.min(t.elapsed());
        let t = Instant::now();
        for _ in 0..iters {
            let _ = black_box(webhook.verify(black_box(&body), black_box(&header), SECRET));
        }
        best_verify = best_verify.min(t.elapsed());
    }
    // The same with a fixed clock and a plain `t=..,v1=..` header, to show where time goes.
    let simple = Webhook::generate_test_signature(&body, SECRET, Timestamp::now());
    let fixed = Webhook::new().clock(Timestamp::now());
    let mut best_simple = Duration::MAX;
    for _ in 0..40 {
        let t = Instant::now();
        for _ in 0..iters {
            let _ = black_box(fixed.verify(black_box(&body), black_box(&simple), SECRET));
        }
        best_simple = best_simple.min(t.elapsed());
    }
    // A bare HMAC of exactly what is signed, `"{t}." + body`: the floor for `verify`.
    let mut best_prefixed = Duration::MAX;
    for _ in 0..40 {
        let t = Instant::now();
        for _ in 0..iters {
            let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
            let mut mac = hmac::Context::with_key(&key);
            mac.update(black_box(b"1700000000."));
            mac.update(black_box(&body));
            black_box(mac.sign());
        }
        best_prefixed = best_prefixed.min(t.elapsed());
    }
    let per = |d: Duration| d.as_nanos() as f64 / iters as f64;
    println!(
        "bare HMAC of \"{{t}}.\" + body: {:.0} ns (ratio {:.3})",
        per(best_prefixed),
        per(best_prefixed) / per(best_bare)
    );
    println!(
        "verify with a fixed clock and one v1: {:.0} ns (ratio {:.3})",
        per(best_simple),
        per(best_simple) / per(best_bare)
    );
    println!(
        "bare HMAC-SHA256 4 KiB: {:.0} ns; verify: {:.0} ns; verify / bare HMAC ratio: {:.3} (target <= 1.2)",
        per(best_bare),
        per(best_verify),
        per(best_verify) / per(best_bare)
    );
}

criterion_group!(webhook_benches, benches);

fn main() {
    webhook_benches();
    Criterion::default().configure_from_args().final_summary();
    ratio();
}
