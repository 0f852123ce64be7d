//! The client on a realistic network: a server that answers over TLS after a delay like a
//! Stripe call's (default 30 ms), at concurrency 1 and 64, in one process on loopback.
//!
//! `cargo bench -p stripe-benches --bench realistic_network`
//! (env: `BENCH_DELAY_MS`, default 30; `BENCH_ROUNDS`, default 3; `BENCH_REQUESTS`, requests
//! per task at concurrency 64, default 30, and 3× that at concurrency 1)
//!
//! Each configuration runs with a fresh client (so a fresh connection pool) and prints one
//! line per run: requests/s, p50 and p99 latency, and the TCP connections the server
//! accepted. Rounds interleave the configurations, so the spread across rounds is the noise.
//! `hand-written reqwest` is a reqwest + serde_json call doing the same work on the same TLS
//! settings: the floor. (This bench decided the fate of three loopback micro-optimisations,
//! shared timers, a cached URL origin and a dial delay; none moved these figures beyond the
//! noise, and all three were removed.)
//!
//! The server is a minimal HTTP/1.1 keep-alive responder over rustls with a self-signed
//! certificate from `rcgen` for 127.0.0.1. The client sends through its default transport,
//! [`HyperTransport`](stripe_client::HyperTransport), trusting that certificate alone.
//! It runs on its own runtime and thread, like a server in another process.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_benches::{CreateCustomer, Customer, CUSTOMER};
use stripe_client::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio_rustls::rustls;

/// The address the certificate is issued for (an IP subject alternative name).
const HOST: &str = "127.0.0.1";

/// Serve one TLS connection: read each request whole, wait `delay`, answer the customer.
async fn serve_connection<S>(stream: S, delay: Duration) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (read, mut write) = tokio::io::split(stream);
    let mut read = BufReader::new(read);
    let mut line = String::new();
    let mut body = Vec::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut content_length = 0usize;
        loop {
            line.clear();
            if read.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        body.resize(content_length, 0);
        read.read_exact(&mut body).await?;
        tokio::time::sleep(delay).await;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nrequest-id: req_bench\r\ncontent-length: {}\r\n\r\n{CUSTOMER}",
            CUSTOMER.len()
        );
        write.write_all(response.as_bytes()).await?;
        write.flush().await?;
    }
}

struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicU64>,
    cert_der: Vec<u8>,
}

fn spawn_server(delay: Duration) -> Server {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec![HOST.to_owned()]).expect("certificate");
    let cert_der = cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let accepted = Arc::new(AtomicU64::new(0));
    let counter = accepted.clone();
    let addr = stripe_benches::spawn_server(move |listener| async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let _ = serve_connection(tls, delay).await;
                }
            });
        }
    });
    Server {
        addr,
        accepted,
        cert_der,
    }
}

/// The client's default transport, trusting the bench certificate alone.
fn hyper_transport(server: &Server) -> stripe_client::HyperTransport {
    stripe_client::HyperTransport::with_root_certificates(
        [&server.cert_der],
        Duration::from_secs(5),
        1 << 25,
    )
    .expect("transport")
}

/// A reqwest builder that trusts the bench certificate.
fn http_builder(server: &Server) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_der(&server.cert_der).expect("certificate"),
        )
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Config {
    /// `stripe_client::Client`.
    StripeClient,
    /// Hand-written reqwest + serde_json.
    Reqwest,
}

impl Config {
    const ALL: [Config; 2] = [Config::StripeClient, Config::Reqwest];
    fn name(self) -> &'static str {
        match self {
            Config::StripeClient => "stripe-client",
            Config::Reqwest => "hand-written reqwest",
        }
    }
}

/// One way of sending the request.
#[derive(Clone)]
enum Sender {
    Stripe(Client),
    Reqwest(reqwest::Client, String),
}

impl Sender {
    async fn send(&self) {
        match self {
            Sender::Stripe(client) => {
                let c = CreateCustomer::jenny_rosen()
                    .send(client)
                    .await
                    .expect("request");
                std::hint::black_box(c);
            }
            Sender::Reqwest(http, url) => {
                let body = serde_urlencoded_form(&CreateCustomer::jenny_rosen());
                let resp = http
                    .post(url)
                    .bearer_auth("sk_test_bench")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("idempotency-key", uuid_like())
                    .body(body)
                    .send()
                    .await
                    .expect("request");
                let bytes = resp.bytes().await.expect("body");
                let c: Customer = serde_json::from_slice(&bytes).expect("decode");
                std::hint::black_box(c);
            }
        }
    }
}

/// The form body a hand-written client would write for `r`.
fn serde_urlencoded_form(r: &CreateCustomer) -> String {
    format!(
        "email={}&name={}&metadata[order_id]={}",
        r.email.replace('@', "%40"),
        r.name.replace(' ', "+"),
        r.metadata.order_id
    )
}

fn uuid_like() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("bench-{}", N.fetch_add(1, Ordering::Relaxed))
}

struct RunResult {
    rps: f64,
    p50: Duration,
    p99: Duration,
    connections: u64,
}

async fn run(server: &Server, config: Config, concurrency: usize, per_task: usize) -> RunResult {
    let sender = match config {
        Config::Reqwest => Sender::Reqwest(
            http_builder(server).build().expect("reqwest"),
            format!("https://{HOST}:{}/v1/customers", server.addr.port()),
        ),
        Config::StripeClient => Sender::Stripe(
            Client::builder("sk_test_bench")
                .base_url(format!("https://{HOST}:{}", server.addr.port()))
                .transport(hyper_transport(server))
                .build()
                .expect("client"),
        ),
    };
    let before = server.accepted.load(Ordering::Relaxed);
    // Warm up: one request per task opens the pool's connections (TLS handshakes), so the
    // latencies below are of requests on an open connection, as a long-running service sees.
    let warm: Vec<_> = (0..concurrency)
        .map(|_| {
            let s = sender.clone();
            tokio::spawn(async move { s.send().await })
        })
        .collect();
    for t in warm {
        t.await.expect("warm-up");
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let s = sender.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    let t = Instant::now();
                    s.send().await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(concurrency * per_task);
    for t in tasks {
        latencies.extend(t.await.expect("task"));
    }
    let elapsed = started.elapsed();
    let connections = server.accepted.load(Ordering::Relaxed) - before;
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    RunResult {
        rps: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        connections,
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let delay = Duration::from_millis(env("BENCH_DELAY_MS", 30));
    let rounds = env("BENCH_ROUNDS", 3) as usize;
    let per_task = env("BENCH_REQUESTS", 30) as usize;
    let server = spawn_server(delay);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "realistic network: TLS, {} ms server delay, {rounds} rounds; per run: requests/s, p50, p99, TCP connections (warm-up included)",
        delay.as_millis()
    );
    let mut results: Vec<(Config, usize, RunResult)> = Vec::new();
    rt.block_on(async {
        for round in 1..=rounds {
            for config in Config::ALL {
                for concurrency in [1, 64] {
                    let n = if concurrency == 1 { per_task * 3 } else { per_task };
                    let r = run(&server, config, concurrency, n).await;
                    println!(
                        "round {round} | {:<20} | c={concurrency:<2} | {:>7.1} req/s | p50 {:>6.2} ms | p99 {:>6.2} ms | {:>3} conns",
                        config.name(),
                        r.rps,
                        r.p50.as_secs_f64() * 1e3,
                        r.p99.as_secs_f64() * 1e3,
                        r.connections
                    );
                    println!(
                        "BENCH realistic config={:?} c={concurrency} rps={:.1} p50_us={} p99_us={} conns={}",
                        config,
                        r.rps,
                        r.p50.as_micros(),
                        r.p99.as_micros(),
                        r.connections
                    );
                    results.push((config, concurrency, r));
                }
            }
        }
    });
    summarize(&results);
}

/// The median over the rounds of each figure, per configuration and concurrency, and the
/// ratios of stripe-client to the floor (`BENCH realistic_*` lines for `cargo xtask bench`).
fn summarize(results: &[(Config, usize, RunResult)]) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let figure = |config: Config, c: usize, f: &dyn Fn(&RunResult) -> f64| {
        median(
            results
                .iter()
                .filter(|(k, n, _)| *k == config && *n == c)
                .map(|(_, _, r)| f(r))
                .collect(),
        )
    };
    println!("medians over the rounds:");
    let mut bench_lines = Vec::new();
    for c in [1, 64] {
        for config in Config::ALL {
            println!(
                "  {:<20} | c={c:<2} | {:>7.1} req/s | p50 {:>6.2} ms | p99 {:>6.2} ms | {:>3} conns (most)",
                config.name(),
                figure(config, c, &|r| r.rps),
                figure(config, c, &|r| r.p50.as_secs_f64() * 1e3),
                figure(config, c, &|r| r.p99.as_secs_f64() * 1e3),
                results
                    .iter()
                    .filter(|(k, n, _)| *k == config && *n == c)
                    .map(|(_, _, r)| r.connections)
                    .max()
                    .unwrap_or(0)
            );
        }
        let ratio = |f: &dyn Fn(&RunResult) -> f64| {
            figure(Config::StripeClient, c, f) / figure(Config::Reqwest, c, f)
        };
        bench_lines.push(format!(
            "BENCH realistic_c{c}_p50_ratio={:.4}",
            ratio(&|r| r.p50.as_secs_f64())
        ));
        bench_lines.push(format!(
            "BENCH realistic_c{c}_rps_ratio={:.4}",
            ratio(&|r| r.rps)
        ));
        bench_lines.push(format!(
            "BENCH realistic_c{c}_p50_ms={:.3}",
            figure(Config::StripeClient, c, &|r| r.p50.as_secs_f64() * 1e3)
        ));
    }
    for line in bench_lines {
        println!("{line}");
    }
    let conns = results
        .iter()
        .filter(|(k, n, _)| *k == Config::StripeClient && *n == 64)
        .map(|(_, _, r)| r.connections)
        .max()
        .unwrap_or(0);
    println!("BENCH realistic_c64_connections={conns}");
}
