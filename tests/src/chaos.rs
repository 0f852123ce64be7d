//! A chaos HTTP/1.1 server on 127.0.0.1 that behaves like Stripe's idempotency layer.
//!
//! Every connection serves one request (`Connection: close`). For each one the server draws
//! a [`Fault`] from a seeded generator at the configured rates (or none), then:
//!
//! * faults that happen *before* the API executes (5xx from the edge, 429 with or without
//!   `lock_timeout`, 409 for a key in flight, a reset before the request is read) answer
//!   without applying anything and without storing a result;
//! * otherwise, like Stripe, a POST whose `Idempotency-Key` was seen before gets the first
//!   answer replayed (`Idempotent-Replayed: true`) and is **not** applied again; a new key
//!   applies the operation (counted per `metadata[op]` value in the form body) and stores
//!   the answer;
//! * faults that happen *after* execution (a reset after reading, a stall past the client's
//!   timeout, a truncated body, an HTML page from a proxy) then spoil the delivery of that
//!   answer — the operation stays applied, and a retry with the same key gets the replay.
//!
//! Raw tokio sockets rather than axum: resets and half-sent bodies need control below HTTP.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// One kind of injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// `500` with an `api_error` body (before execution).
    Status500,
    /// `502` (before execution).
    Status502,
    /// `503` (before execution).
    Status503,
    /// `429` rate limit (before execution).
    RateLimited,
    /// `429` with code `lock_timeout` (before execution).
    LockTimeout,
    /// `409` idempotency key in use by a concurrent request (before execution).
    Conflict,
    /// Close the connection before reading the request.
    ResetBeforeRead,
    /// Read and apply the request, then close without answering.
    ResetAfterRead,
    /// Read and apply the request, then stall past the client's timeout.
    Stall,
    /// Read and apply the request, then send half of the body and close.
    Truncate,
    /// Read and apply the request, then answer `200` with an HTML page.
    Html,
}

impl Fault {
    /// Every fault kind.
    pub const ALL: [Fault; 11] = [
        Fault::Status500,
        Fault::Status502,
        Fault::Status503,
        Fault::RateLimited,
        Fault::LockTimeout,
        Fault::Conflict,
        Fault::ResetBeforeRead,
        Fault::ResetAfterRead,
        Fault::Stall,
        Fault::Truncate,
        Fault::Html,
    ];
}

/// Rates and timing of the chaos.
#[derive(Debug, Clone)]
pub struct ChaosConfig {
    /// Each fault with its probability per request (their sum is the total fault rate).
    pub rates: Vec<(Fault, f64)>,
    /// How long a [`Fault::Stall`] holds the connection (longer than the client's timeout).
    pub stall: Duration,
    /// Seed of the fault generator (runs are reproducible for a given request order).
    pub seed: u64,
}

impl ChaosConfig {
    /// `total` spread evenly over every fault kind.
    pub fn uniform(total: f64) -> ChaosConfig {
        let each = total / Fault::ALL.len() as f64;
        ChaosConfig {
            rates: Fault::ALL.iter().map(|f| (*f, each)).collect(),
            stall: Duration::from_secs(2),
            seed: 0x5eed,
        }
    }
}

/// What the server saw and did.
#[derive(Debug, Default, Clone)]
pub struct ChaosStats {
    /// Requests that reached the server (connections accepted).
    pub connections: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<Fault, u64>,
    /// Times each operation (`metadata[op]`) was applied.
    pub applied: HashMap<String, u32>,
    /// Answers replayed for a repeated idempotency key.
    pub replays: u64,
    /// POSTs without an `Idempotency-Key`.
    pub posts_without_key: u64,
}

impl ChaosStats {
    /// Operations applied more than once.
    pub fn applied_twice(&self) -> usize {
        self.applied.values().filter(|n| **n > 1).count()
    }
}

#[derive(Default)]
struct State {
    stats: ChaosStats,
    /// Idempotency key → the stored first answer (status, body).
    stored: HashMap<String, (u16, String)>,
}

/// A running chaos server.
pub struct ChaosServer {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl ChaosServer {
    /// Start a server on 127.0.0.1 with `config`.
    pub async fn start(config: ChaosConfig) -> ChaosServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let state = Arc::new(Mutex::new(State::default()));
        let config = Arc::new(config);
        let counter = Arc::new(AtomicU64::new(0));
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let fault = draw(&config, n);
                let st = st.clone();
                let stall = config.stall;
                tokio::spawn(async move {
                    let _ = serve(sock, n, fault, stall, st).await;
                });
            }
        });
        ChaosServer { url, state, task }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ChaosStats {
        self.state.lock().unwrap().stats.clone()
    }
}

impl Drop for ChaosServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// splitmix64: a small, good-enough generator that needs no dependency.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn draw(config: &ChaosConfig, n: u64) -> Option<Fault> {
    let x = (splitmix(config.seed ^ n.wrapping_mul(0x2545_f491_4f6c_dd1d)) >> 11) as f64
        / (1u64 << 53) as f64;
    let mut acc = 0.0;
    for (fault, rate) in &config.rates {
        acc += rate;
        if x < acc {
            return Some(*fault);
        }
    }
    None
}

/// The `metadata[op]` value of a form body (`metadata%5Bop%5D=...` or `metadata[op]=...`).
pub fn op_of(body: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let k = k.replace("%5B", "[").replace("%5D", "]");
        (k == "metadata[op]").then(|| v.to_owned())
    })
}

async fn write_answer(
    sock: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &str,
    body: &str,
    request_id: &str,
) -> std::io::Result<()> {
    let out = format!(
        "HTTP/1.1 {status} Status\r\nContent-Type: {content_type}\r\nRequest-Id: {request_id}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    sock.write_all(out.as_bytes()).await?;
    sock.shutdown().await
}

async fn serve(
    mut sock: TcpStream,
    n: u64,
    fault: Option<Fault>,
    stall: Duration,
    state: Arc<Mutex<State>>,
) -> std::io::Result<()> {
    {
        let mut s = state.lock().unwrap();
        s.stats.connections += 1;
        if let Some(f) = fault {
            *s.stats.faults.entry(f).or_default() += 1;
        }
    }
    if fault == Some(Fault::ResetBeforeRead) {
        drop(sock);
        return Ok(());
    }
    let Some(req) = crate::fault::read_request(&mut sock).await? else {
        return Ok(());
    };
    let rid = format!("req_chaos_{n}");
    let json = "application/json";
    let before = match fault {
        Some(Fault::Status500) => Some((500, r#"{"error":{"type":"api_error","message":"boom"}}"#)),
        Some(Fault::Status502) => Some((
            502,
            r#"{"error":{"type":"api_error","message":"bad gateway"}}"#,
        )),
        Some(Fault::Status503) => Some((
            503,
            r#"{"error":{"type":"api_error","message":"unavailable"}}"#,
        )),
        Some(Fault::RateLimited) => Some((
            429,
            r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"slow down"}}"#,
        )),
        Some(Fault::LockTimeout) => Some((
            429,
            r#"{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"locked"}}"#,
        )),
        Some(Fault::Conflict) => Some((
            409,
            r#"{"error":{"type":"idempotency_error","message":"another request with this key is in progress"}}"#,
        )),
        _ => None,
    };
    if let Some((status, body)) = before {
        return write_answer(&mut sock, status, json, "", body, &rid).await;
    }

    // Execute (or replay) under the idempotency key.
    let key = req.headers.get("idempotency-key").cloned();
    let (status, body, replayed) = {
        let mut s = state.lock().unwrap();
        let stored = key.as_ref().and_then(|k| s.stored.get(k).cloned());
        match stored {
            Some((status, body)) if req.method == "POST" => {
                s.stats.replays += 1;
                (status, body, true)
            }
            _ => {
                let op = op_of(&req.body).unwrap_or_default();
                if req.method == "POST" {
                    *s.stats.applied.entry(op.clone()).or_default() += 1;
                    if key.is_none() {
                        s.stats.posts_without_key += 1;
                    }
                }
                let body = format!(
                    r#"{{"id":"cus_chaos_{n}","object":"customer","metadata":{{"op":"{op}"}}}}"#
                );
                if let (Some(k), "POST") = (&key, req.method.as_str()) {
                    s.stored.insert(k.clone(), (200, body.clone()));
                }
                (200, body, false)
            }
        }
    };
    let extra = if replayed {
        "Idempotent-Replayed: true\r\n"
    } else {
        ""
    };
    match fault {
        Some(Fault::ResetAfterRead) => {
            drop(sock);
            Ok(())
        }
        Some(Fault::Stall) => {
            tokio::time::sleep(stall).await;
            Ok(())
        }
        Some(Fault::Truncate) => {
            let head = format!(
                "HTTP/1.1 {status} OK\r\nContent-Type: {json}\r\nRequest-Id: {rid}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{}",
                body.len(),
                &body[..body.len() / 2]
            );
            sock.write_all(head.as_bytes()).await?;
            sock.shutdown().await
        }
        Some(Fault::Html) => {
            let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
            write_answer(&mut sock, 502, "text/html", "", page, &rid).await
        }
        _ => write_answer(&mut sock, status, json, extra, &body, &rid).await,
    }
}
