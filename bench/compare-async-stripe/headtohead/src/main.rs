//! Head-to-head with async-stripe 1.0.0-rc.10, in one process, interleaved.
//!
//! 1. **Client overhead per request.** Create a customer (`email`, `name`,
//!    `metadata[order_id]`: encode, send, decode) against a canned axum server on
//!    127.0.0.1 that answers every request with the same customer JSON, three ways:
//!    - the floor: a hand-written reqwest + serde_json call (form body from a small serde
//!      struct, decoded into a small struct) — the same as
//!      `bench/benches/client_overhead.rs`;
//!    - stripe-client: the generated `CreateCustomer` into the generated `Customer`;
//!    - async-stripe: `stripe_core::customer::CreateCustomer` into `stripe_shared::Customer`.
//!
//!    Each client is built once and reused (its own connection pool, warmed up). Note that
//!    async-stripe's hyper client is built with `pool_max_idle_per_host(0)`, so it opens a new
//!    TCP connection for every request; that is part of what "async-stripe doing the same
//!    call" costs, and it is measured as is. To show how much of its figure that is, a fourth
//!    side (reported apart, never used as a target) sends async-stripe's own request types
//!    through a hand-written keep-alive hyper client ([`PooledHyper`]).
//! 2. **Decoding** the 100-item list of payment intents that
//!    `bench/benches/decode.rs` decodes (the same item, `../payment_intent.json`,
//!    with distinct ids) into `serde_json::Value`, our `List<PaymentIntent>` (its
//!    `DecodeBody` impl, stripe-types' own JSON reader, as the client does) and
//!    async-stripe's `stripe_types::List<stripe_shared::PaymentIntent>` (miniserde, as its
//!    client does).
//!
//! Rounds alternate between the sides (the order rotates every round so no side always
//! runs first); each round times a batch of calls per side; the figure is the median of the
//! per-call times over the rounds.
//!
//! ```text
//! cargo run --release              # --quick sizes (the default; what `cargo xtask bench` runs)
//! cargo run --release -- --full    # more rounds
//! ```
//!
//! Prints human lines and `BENCH h2h_<figure>_ns=<n>` lines for `cargo xtask bench`.

use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stripe_client::prelude::*;

/// The canned answer (the customer of `client_overhead.rs`).
const CUSTOMER: &str = r#"{"id":"cus_NffrFeUfNV2Hib","object":"customer","address":null,"balance":0,"created":1680893993,"currency":null,"default_source":null,"delinquent":false,"description":null,"discount":null,"email":"jennyrosen@example.com","invoice_prefix":"0759376C","invoice_settings":{"custom_fields":null,"default_payment_method":null,"footer":null,"rendering_options":null},"livemode":false,"metadata":{"order_id":"6735"},"name":"Jenny Rosen","next_invoice_sequence":1,"phone":null,"preferred_locales":[],"shipping":null,"tax_exempt":"none","test_clock":null}"#;

/// One realistic, fully populated payment intent (the item of `decode.rs`).
const PAYMENT_INTENT: &str = include_str!("../../payment_intent.json");

const KEY: &str = "sk_test_123";

struct Sizes {
    overhead_rounds: usize,
    overhead_per_round: u32,
    decode_rounds: usize,
    decode_per_round: u32,
}

/// About 10 s on 2 shared cores.
const QUICK: Sizes = Sizes {
    overhead_rounds: 41,
    overhead_per_round: 300,
    decode_rounds: 41,
    decode_per_round: 40,
};

/// About a minute.
const FULL: Sizes = Sizes {
    overhead_rounds: 101,
    overhead_per_round: 1000,
    decode_rounds: 101,
    decode_per_round: 150,
};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// `rounds` rounds; in each, every side runs `per_round` times (the order rotates by round).
/// Returns the median per-call time of each side, in the order of `run`'s indices.
async fn interleaved<F, Fut>(
    sides: usize,
    rounds: usize,
    per_round: u32,
    mut run: F,
) -> Vec<Duration>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut samples = vec![Vec::with_capacity(rounds); sides];
    for round in 0..rounds {
        for k in 0..sides {
            let side = (round + k) % sides;
            let t = Instant::now();
            for _ in 0..per_round {
                run(side).await;
            }
            samples[side].push(t.elapsed() / per_round);
        }
    }
    samples.into_iter().map(median).collect()
}

// ---- 1. client overhead -------------------------------------------------------------

/// The floor's response type: what a hand-written integration would decode.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct FloorCustomer {
    id: String,
    object: String,
    email: Option<String>,
    name: Option<String>,
    balance: i64,
    created: i64,
    metadata: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct FloorForm<'a> {
    email: &'a str,
    name: &'a str,
    #[serde(rename = "metadata[order_id]")]
    metadata_order_id: &'a str,
}

async fn floor(http: &reqwest::Client, url: &str) -> String {
    let form = FloorForm {
        email: "jennyrosen@example.com",
        name: "Jenny Rosen",
        metadata_order_id: "6735",
    };
    let resp = http
        .post(format!("{url}/v1/customers"))
        .bearer_auth(KEY)
        .header("Stripe-Version", stripe_client::API_VERSION)
        .form(&form)
        .send()
        .await
        .expect("floor: send");
    let bytes = resp.bytes().await.expect("floor: body");
    let c: FloorCustomer = serde_json::from_slice(&bytes).expect("floor: decode");
    c.id
}

async fn ours(client: &stripe_client::Client) -> String {
    let metadata: BTreeMap<String, String> = [("order_id".to_owned(), "6735".to_owned())].into();
    let c = stripe_client::types::CreateCustomer::new()
        .email("jennyrosen@example.com")
        .name("Jenny Rosen")
        .metadata(metadata)
        .send(client)
        .await
        .expect("stripe-client: create customer");
    c.id.to_string()
}

async fn theirs(client: &stripe::Client) -> String {
    let metadata: HashMap<String, String> = [("order_id".to_owned(), "6735".to_owned())].into();
    let c = stripe_core::customer::CreateCustomer::new()
        .email("jennyrosen@example.com")
        .name("Jenny Rosen")
        .metadata(metadata)
        .send(client)
        .await
        .expect("async-stripe: create customer");
    c.id.to_string()
}

/// async-stripe's request types through a keep-alive hyper client: the same request line and
/// headers as async-stripe's client (`stripe::Client`), minus its retry strategy and timeout
/// plumbing, with a connection pool. Not part of async-stripe; a yardstick only.
struct PooledHyper {
    http: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
    base: String,
}

impl PooledHyper {
    fn new(base: &str) -> Self {
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        PooledHyper {
            http,
            base: base.to_owned(),
        }
    }
}

impl stripe_client_core::StripeClient for PooledHyper {
    type Err = stripe::StripeError;

    async fn execute(
        &self,
        req: stripe_client_core::CustomizedStripeRequest,
    ) -> Result<bytes::Bytes, Self::Err> {
        use http_body_util::BodyExt;
        let (req, _config) = req.into_pieces();
        let mut uri = format!("{}/v1{}", self.base, req.path);
        if let Some(q) = req.query {
            uri.push('?');
            uri.push_str(&q);
        }
        let method = match req.method {
            stripe_client_core::StripeMethod::Get => hyper::Method::GET,
            stripe_client_core::StripeMethod::Post => hyper::Method::POST,
            stripe_client_core::StripeMethod::Delete => hyper::Method::DELETE,
        };
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", concat!("Bearer ", "sk_test_123"))
            .header("user-agent", "Stripe/v1 RustBindings/1.0.0-rc.10")
            .header("stripe-version", stripe_shared::version::VERSION.as_str());
        if req.body.is_some() {
            b = b.header("content-type", "application/x-www-form-urlencoded");
        }
        let body = http_body_util::Full::new(bytes::Bytes::from(req.body.unwrap_or_default()));
        let request = b
            .body(body)
            .map_err(|e| stripe::StripeError::ClientError(e.to_string()))?;
        let resp = self
            .http
            .request(request)
            .await
            .map_err(|e| stripe::StripeError::ClientError(e.to_string()))?;
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| stripe::StripeError::ClientError(e.to_string()))?
            .to_bytes();
        Ok(bytes)
    }
}

async fn theirs_pooled(client: &PooledHyper) -> String {
    let metadata: HashMap<String, String> = [("order_id".to_owned(), "6735".to_owned())].into();
    let c = stripe_core::customer::CreateCustomer::new()
        .email("jennyrosen@example.com")
        .name("Jenny Rosen")
        .metadata(metadata)
        .send(client)
        .await
        .expect("async-stripe types over keep-alive hyper: create customer");
    c.id.to_string()
}

/// The canned server; `seen` records request bodies while `Some`, `accepted` counts TCP
/// connections.
async fn serve(seen: Arc<Mutex<Option<Vec<String>>>>, accepted: Arc<AtomicUsize>) -> String {
    let app = Router::new().route(
        "/v1/customers",
        post(move |body: axum::body::Bytes| {
            let seen = seen.clone();
            async move {
                if let Some(v) = seen.lock().expect("lock").as_mut() {
                    v.push(String::from_utf8_lossy(&body).into_owned());
                }
                (
                    [
                        ("content-type", "application/json"),
                        ("request-id", "req_bench"),
                    ],
                    CUSTOMER,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let listener = axum::serve::ListenerExt::tap_io(listener, move |_| {
        accepted.fetch_add(1, Ordering::Relaxed);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    url
}

/// The overhead sides, in `call`'s order.
const SIDES: [&str; 4] = [
    "floor (reqwest + serde_json)",
    "stripe-client",
    "async-stripe",
    "async-stripe types over keep-alive hyper",
];

fn overhead(sizes: &Sizes) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let seen = Arc::new(Mutex::new(Some(Vec::new())));
    let accepted = Arc::new(AtomicUsize::new(0));
    let url = rt.block_on(serve(seen.clone(), accepted.clone()));
    let http = reqwest::Client::builder().build().expect("reqwest client");
    let ours_client = stripe_client::Client::builder(KEY)
        .base_url(&url)
        .build()
        .expect("stripe-client");
    // async-stripe appends `v1/...` to its base URL.
    let theirs_client = stripe::ClientBuilder::new(KEY)
        .url(format!("{url}/"))
        .build()
        .expect("async-stripe client");
    let pooled = PooledHyper::new(&url);

    let result = rt.block_on(async {
        // Same answer from all three, and (printed) the form body each one sent.
        let call = |side: usize| {
            let (http, url, o, t, p) = (&http, &url, &ours_client, &theirs_client, &pooled);
            async move {
                match side {
                    0 => floor(http, url).await,
                    1 => ours(o).await,
                    2 => theirs(t).await,
                    _ => theirs_pooled(p).await,
                }
            }
        };
        let mut ids = Vec::new();
        for side in 0..SIDES.len() {
            ids.push(call(side).await);
        }
        assert!(ids.iter().all(|id| id == "cus_NffrFeUfNV2Hib"), "{ids:?}");
        if let Some(bodies) = seen.lock().expect("lock").take() {
            for (who, body) in SIDES.iter().zip(bodies) {
                println!("h2h overhead: {who} sends {body}");
            }
        }
        for _ in 0..200 {
            for side in 0..SIDES.len() {
                call(side).await;
            }
        }
        // How many TCP connections 100 warm calls open, per side.
        let mut opened = Vec::new();
        for (side, name) in SIDES.iter().enumerate() {
            let before = accepted.load(Ordering::Relaxed);
            for _ in 0..100 {
                call(side).await;
            }
            opened.push(format!(
                "{name} {}",
                accepted.load(Ordering::Relaxed) - before
            ));
        }
        println!(
            "h2h overhead: TCP connections opened by 100 warm calls: {}",
            opened.join(", ")
        );
        interleaved(
            SIDES.len(),
            sizes.overhead_rounds,
            sizes.overhead_per_round,
            |side| async move {
                black_box(call(side).await);
            },
        )
        .await
    });
    let (f, o, t, p) = (result[0], result[1], result[2], result[3]);
    let x = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "h2h overhead per request (create customer, loopback; median of {} rounds x {}): \
         hand-written reqwest+serde_json {f:?}, stripe-client {o:?} ({:.3}x the floor), \
         async-stripe {t:?} ({:.3}x the floor); stripe-client / async-stripe {:.3}x",
        sizes.overhead_rounds,
        sizes.overhead_per_round,
        x(o, f),
        x(t, f),
        x(o, t),
    );
    println!(
        "h2h overhead, for reference only: async-stripe's request and response types through a \
         hand-written keep-alive hyper client {p:?} ({:.3}x the floor; stripe-client / it {:.3}x)",
        x(p, f),
        x(o, p),
    );
    println!("BENCH h2h_overhead_floor_ns={}", f.as_nanos());
    println!("BENCH h2h_overhead_ours_ns={}", o.as_nanos());
    println!("BENCH h2h_overhead_theirs_ns={}", t.as_nanos());
    println!("BENCH h2h_overhead_theirs_keepalive_ns={}", p.as_nanos());
}

// ---- 2. decoding --------------------------------------------------------------------

/// The document of `decode.rs`: 100 copies of the payment intent with distinct ids.
fn document() -> String {
    let item: serde_json::Value = serde_json::from_str(PAYMENT_INTENT).expect("fixture is JSON");
    let item = serde_json::to_string(&item).expect("compact");
    let mut s = String::from(r#"{"object":"list","data":["#);
    for i in 0..100 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&item.replace("0Xk2abcd", &format!("0Xk{i:05}")));
    }
    s.push_str(r#"],"has_more":true,"url":"/v1/payment_intents"}"#);
    s
}

fn decode_value(doc: &str) -> serde_json::Value {
    serde_json::from_str(doc).expect("Value decode")
}

/// As stripe-client decodes a response: `DecodeBody` (stripe-types' `rt::json` reader).
fn decode_ours(doc: &str) -> stripe_types::List<stripe_types::PaymentIntent> {
    use stripe_types::rt::DecodeBody;
    stripe_types::List::<stripe_types::PaymentIntent>::decode_body(doc.as_bytes())
        .expect("stripe-types decode")
}

fn decode_theirs(doc: &str) -> stripe_types_theirs::List<stripe_shared::PaymentIntent> {
    miniserde::json::from_str(doc).expect("async-stripe decode")
}

fn decode(sizes: &Sizes) {
    let doc = document();
    assert_eq!(
        decode_value(&doc)["data"].as_array().map(Vec::len),
        Some(100)
    );
    assert_eq!(decode_ours(&doc).data.len(), 100);
    let theirs = decode_theirs(&doc);
    assert_eq!(theirs.data.len(), 100);
    assert_eq!(theirs.data[7].id.as_str(), "pi_3PgafyB7WZ01zgkW0Xk00007");
    for _ in 0..3 {
        black_box(decode_value(black_box(&doc)));
        black_box(decode_ours(black_box(&doc)));
        black_box(decode_theirs(black_box(&doc)));
    }
    // Synchronous work; a current-thread runtime only drives `interleaved`.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let doc = &doc;
    let result = rt.block_on(interleaved(
        3,
        sizes.decode_rounds,
        sizes.decode_per_round,
        |side| {
            match side {
                0 => drop(black_box(decode_value(black_box(doc)))),
                1 => drop(black_box(decode_ours(black_box(doc)))),
                _ => drop(black_box(decode_theirs(black_box(doc)))),
            }
            std::future::ready(())
        },
    ));
    let (v, o, t) = (result[0], result[1], result[2]);
    println!(
        "h2h decode 100 payment intents ({} KiB; median of {} rounds x {}): \
         serde_json::Value {v:?}, stripe-types List<PaymentIntent> {o:?}, \
         async-stripe List<PaymentIntent> (miniserde) {t:?}; \
         stripe-types speed / async-stripe speed {:.3}x, / Value speed {:.3}x",
        doc.len() / 1024,
        sizes.decode_rounds,
        sizes.decode_per_round,
        t.as_secs_f64() / o.as_secs_f64(),
        v.as_secs_f64() / o.as_secs_f64(),
    );
    println!("BENCH h2h_decode_value_ns={}", v.as_nanos());
    println!("BENCH h2h_decode_ours_ns={}", o.as_nanos());
    println!("BENCH h2h_decode_theirs_ns={}", t.as_nanos());
}

/// `headtohead --profile <side> [calls]`: one side's create-customer call in a loop (after
/// 1,000 warm-up calls), for `perf` or `valgrind --tool=callgrind`. Sides: 0 floor, 1 ours,
/// 2 async-stripe, 3 async-stripe pooled. Prints the wall time per call.
fn profile(side: usize, calls: u32) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let url = rt.block_on(serve(Arc::default(), Arc::default()));
    let http = reqwest::Client::builder().build().expect("reqwest client");
    let ours_client = stripe_client::Client::builder(KEY)
        .base_url(&url)
        .build()
        .expect("stripe-client");
    let theirs_client = stripe::ClientBuilder::new(KEY)
        .url(format!("{url}/"))
        .build()
        .expect("async-stripe client");
    let pooled = PooledHyper::new(&url);
    rt.block_on(async {
        let call = || async {
            match side {
                0 => floor(&http, &url).await,
                1 => ours(&ours_client).await,
                2 => theirs(&theirs_client).await,
                _ => theirs_pooled(&pooled).await,
            }
        };
        for _ in 0..1000 {
            black_box(call().await);
        }
        let t = Instant::now();
        for _ in 0..calls {
            black_box(call().await);
        }
        println!(
            "h2h profile {}: {calls} calls, {:?}/call",
            SIDES[side.min(SIDES.len() - 1)],
            t.elapsed() / calls.max(1)
        );
    });
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let side = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(1);
        let calls = args
            .get(i + 2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        return profile(side, calls);
    }
    let full = args.iter().any(|a| a == "--full");
    let sizes = if full { &FULL } else { &QUICK };
    let start = Instant::now();
    overhead(sizes);
    decode(sizes);
    println!(
        "h2h: {} mode, {:.1} s",
        if full { "--full" } else { "--quick" },
        start.elapsed().as_secs_f64()
    );
}
