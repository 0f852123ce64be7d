//! A local v2 meter-events server (axum on 127.0.0.1) for the meter event stream tests:
//! issues sessions with a short expiry, checks bearer tokens, answers 401
//! `billing_meter_event_session_expired` on expired tokens, injects 5xx, 429, session
//! expiry and latency, and counts events by identifier as Stripe does: an identifier seen
//! again within the de-duplication window (24 h, "a rolling 24 hour period") is a dropped
//! resend; seen again after it, it is counted a second time (billed twice). Every receipt
//! keeps its sender (the `User-Agent`) and, when configured, one payload value (a test's key
//! for the usage an event stands for).
//!
//! Faults are injected *before* a batch is processed, so a failed response means the
//! events were not received (the ambiguous "processed but the answer was lost" case is left
//! to the identifier dedup and documented in the guide).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the server injects. Rates are probabilities per stream request.
#[derive(Debug, Clone)]
pub struct MeterServerConfig {
    /// Lifetime of a session token.
    pub session_ttl: Duration,
    /// Probability of a 500 (before processing).
    pub p_500: f64,
    /// Probability of a 503 (before processing).
    pub p_503: f64,
    /// Probability of a 429 (before processing).
    pub p_429: f64,
    /// Probability of expiring the presented token now (answering 401 expired).
    pub p_expire: f64,
    /// Probability of adding `latency` before answering.
    pub p_latency: f64,
    /// The injected latency.
    pub latency: Duration,
    /// A delay after a batch is counted and before the answer: a client that dies or times
    /// out meanwhile does not know its events arrived (the case identifiers exist for).
    pub answer_delay: Duration,
    /// Check payloads (strings, numeric `value`) and answer 400 on a bad one.
    pub validate: bool,
    /// How long an identifier is remembered: a resend within it is dropped, after it
    /// counted again (Stripe: 24 h).
    pub dedup_window: Duration,
    /// The payload key whose value each identifier's first receipt keeps
    /// ([`MeterServer::usage_keys`]).
    pub usage_key: Option<String>,
    /// Event names answered 400 `invalid_request` (a refused event refuses its batch).
    pub reject_event_names: Vec<String>,
}

impl Default for MeterServerConfig {
    fn default() -> Self {
        MeterServerConfig {
            session_ttl: Duration::from_secs(900),
            p_500: 0.0,
            p_503: 0.0,
            p_429: 0.0,
            p_expire: 0.0,
            p_latency: 0.0,
            latency: Duration::ZERO,
            answer_delay: Duration::ZERO,
            validate: true,
            dedup_window: Duration::from_secs(24 * 3600),
            usage_key: None,
            reject_event_names: Vec::new(),
        }
    }
}

/// The server's counters.
#[derive(Debug, Default)]
pub struct MeterCounters {
    /// Stream requests (any outcome).
    pub requests: AtomicU64,
    /// Stream requests answered 200.
    pub accepted_requests: AtomicU64,
    /// Events in accepted requests, duplicates included.
    pub events: AtomicU64,
    /// Distinct identifiers received.
    pub unique: AtomicU64,
    /// Events whose identifier was already seen within the window (dropped resends).
    pub duplicates: AtomicU64,
    /// Events counted (billed): first receipts, and receipts after the window ended.
    pub counted: AtomicU64,
    /// Events without identifier.
    pub without_identifier: AtomicU64,
    /// Injected 500/503.
    pub injected_5xx: AtomicU64,
    /// Injected 429.
    pub injected_429: AtomicU64,
    /// 401 expired answers (injected or real).
    pub expired: AtomicU64,
    /// 401 for unknown tokens / missing bearer.
    pub unauthorized: AtomicU64,
    /// Sessions created.
    pub sessions: AtomicU64,
    /// Requests answered 400 (bad payload / too many events).
    pub bad_requests: AtomicU64,
}

/// What the server knows of one identifier.
#[derive(Debug, Clone)]
pub struct Receipts {
    /// Times it arrived (resends included).
    pub received: u32,
    /// Times it was counted (more than once only when a resend came after the window).
    pub counted: u32,
    /// The `User-Agent` of each receipt, in order.
    pub senders: Vec<String>,
    /// The configured usage key's payload value, from the first receipt.
    pub usage: Option<String>,
    /// The event's `timestamp`, from the first receipt.
    pub timestamp: Option<String>,
    last_counted: Instant,
}

struct St {
    cfg: MeterServerConfig,
    sessions: Mutex<HashMap<String, Instant>>,
    seen: Mutex<HashMap<String, Receipts>>,
    c: MeterCounters,
    rng: AtomicU64,
    next_session: AtomicU64,
}

/// A running meter server.
pub struct MeterServer {
    /// `http://127.0.0.1:<port>`: use as `api_base` and `meter_events_base`.
    pub url: String,
    state: Arc<St>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MeterServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MeterServer {
    /// Start on a free port.
    pub async fn start(cfg: MeterServerConfig) -> MeterServer {
        let state = Arc::new(St {
            cfg,
            sessions: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashMap::new()),
            c: MeterCounters::default(),
            rng: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            next_session: AtomicU64::new(1),
        });
        let app = Router::new()
            .route("/v2/billing/meter_event_session", post(session))
            .route("/v2/billing/meter_event_stream", post(stream))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MeterServer { url, state, task }
    }

    /// The counters.
    pub fn counters(&self) -> &MeterCounters {
        &self.state.c
    }

    /// `true` when `identifier` was received.
    pub fn received(&self, identifier: &str) -> bool {
        self.state
            .seen
            .lock()
            .map(|s| s.contains_key(identifier))
            .unwrap_or(false)
    }

    /// Every identifier received.
    pub fn identifiers(&self) -> HashSet<String> {
        self.state
            .seen
            .lock()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// What the server knows of each identifier.
    pub fn receipts(&self) -> HashMap<String, Receipts> {
        self.state
            .seen
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Identifiers counted more than once (Stripe would bill them twice).
    pub fn counted_twice(&self) -> Vec<String> {
        self.state
            .seen
            .lock()
            .map(|s| {
                s.iter()
                    .filter(|(_, r)| r.counted > 1)
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// For each value of the configured usage key, the identifiers it arrived under (more
    /// than one: the same usage counted under two identifiers).
    pub fn usage_keys(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        if let Ok(s) = self.state.seen.lock() {
            for (id, r) in s.iter() {
                if let Some(u) = &r.usage {
                    out.entry(u.clone()).or_default().push(id.clone());
                }
            }
        }
        out
    }

    /// Expire every session now.
    pub fn expire_all_sessions(&self) {
        if let Ok(mut m) = self.state.sessions.lock() {
            let past = Instant::now() - Duration::from_secs(1);
            for v in m.values_mut() {
                *v = past;
            }
        }
    }
}

impl St {
    fn roll(&self) -> f64 {
        // xorshift64*, shared: good enough for fault injection.
        let mut x = self.rng.load(Ordering::Relaxed);
        loop {
            let mut y = x;
            y ^= y >> 12;
            y ^= y << 25;
            y ^= y >> 27;
            match self
                .rng
                .compare_exchange_weak(x, y, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    return (y.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64
                        / (1u64 << 53) as f64
                }
                Err(cur) => x = cur,
            }
        }
    }
}

fn error(status: StatusCode, ty: &str, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": {"type": ty, "code": code, "message": message}});
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn rfc3339(secs: i64) -> String {
    stripe_types::rt::DateTime::from_unix_seconds(secs).0
}

async fn session(State(st): State<Arc<St>>, headers: HeaderMap) -> Response {
    match bearer(&headers) {
        Some(k) if k.starts_with("sk_") => {}
        _ => {
            st.c.unauthorized.fetch_add(1, Ordering::Relaxed);
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                "secret_key_required",
                "a secret key is required",
            );
        }
    }
    let n = st.next_session.fetch_add(1, Ordering::Relaxed);
    let token = format!("mes_tok_{n}_{:016x}", (st.roll() * 1e16) as u64);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let expires_true = now + st.cfg.session_ttl;
    // Report the expiry floored to the second: never later than the truth.
    let expires_reported = expires_true.as_secs() as i64;
    if let Ok(mut m) = st.sessions.lock() {
        m.insert(token.clone(), Instant::now() + st.cfg.session_ttl);
    }
    st.c.sessions.fetch_add(1, Ordering::Relaxed);
    let body = serde_json::json!({
        "id": format!("mes_{n}"),
        "object": "v2.billing.meter_event_session",
        "authentication_token": token,
        "created": rfc3339(now.as_secs() as i64),
        "expires_at": rfc3339(expires_reported),
        "livemode": false,
    });
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct StreamBody<'a> {
    #[serde(borrow)]
    events: Vec<StreamEv<'a>>,
}

#[derive(Deserialize)]
struct StreamEv<'a> {
    #[serde(borrow, default)]
    event_name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    identifier: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    payload: HashMap<std::borrow::Cow<'a, str>, serde_json::Value>,
}

async fn stream(State(st): State<Arc<St>>, headers: HeaderMap, body: Bytes) -> Response {
    st.c.requests.fetch_add(1, Ordering::Relaxed);
    let Some(token) = bearer(&headers).map(str::to_owned) else {
        st.c.unauthorized.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "missing",
            "no bearer token",
        );
    };
    let expiry = st.sessions.lock().ok().and_then(|m| m.get(&token).copied());
    let Some(expiry) = expiry else {
        st.c.unauthorized.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "invalid_token",
            "unknown meter event session token",
        );
    };
    let cfg = &st.cfg;
    if cfg.p_latency > 0.0 && st.roll() < cfg.p_latency {
        tokio::time::sleep(cfg.latency).await;
    }
    if cfg.p_expire > 0.0 && st.roll() < cfg.p_expire {
        if let Ok(mut m) = st.sessions.lock() {
            m.insert(token.clone(), Instant::now() - Duration::from_secs(1));
        }
    }
    let expired = st
        .sessions
        .lock()
        .ok()
        .and_then(|m| m.get(&token).copied())
        .unwrap_or(expiry)
        <= Instant::now();
    if expired {
        st.c.expired.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "billing_meter_event_session_expired",
            "The meter event session has expired.",
        );
    }
    if cfg.p_500 > 0.0 && st.roll() < cfg.p_500 {
        st.c.injected_5xx.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "",
            "injected 500",
        );
    }
    if cfg.p_503 > 0.0 && st.roll() < cfg.p_503 {
        st.c.injected_5xx.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "api_error",
            "",
            "injected 503",
        );
    }
    if cfg.p_429 > 0.0 && st.roll() < cfg.p_429 {
        st.c.injected_429.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit",
            "rate_limit",
            "injected 429",
        );
    }
    let parsed: StreamBody<'_> = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            st.c.bad_requests.fetch_add(1, Ordering::Relaxed);
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "invalid_request",
                &e.to_string(),
            );
        }
    };
    if parsed.events.is_empty() || parsed.events.len() > 100 {
        st.c.bad_requests.fetch_add(1, Ordering::Relaxed);
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "invalid_fields",
            "1 to 100 events",
        );
    }
    if cfg.validate {
        for e in &parsed.events {
            let ok = e.payload.iter().all(|(k, v)| match v.as_str() {
                Some(s) => k != "value" || s.parse::<f64>().is_ok(),
                None => false,
            });
            if !ok {
                st.c.bad_requests.fetch_add(1, Ordering::Relaxed);
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "invalid_fields",
                    "payload values must be strings",
                );
            }
        }
    }
    if !cfg.reject_event_names.is_empty() {
        let refused = parsed.events.iter().any(|e| {
            e.event_name
                .as_deref()
                .is_some_and(|n| cfg.reject_event_names.iter().any(|r| r == n))
        });
        if refused {
            st.c.bad_requests.fetch_add(1, Ordering::Relaxed);
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "invalid_request",
                "no meter with that event_name",
            );
        }
    }
    let sender = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let now = Instant::now();
    let n = parsed.events.len() as u64;
    let (mut unique, mut dups, mut anon, mut counted) = (0u64, 0u64, 0u64, 0u64);
    if let Ok(mut seen) = st.seen.lock() {
        for e in parsed.events {
            let Some(id) = e.identifier else {
                anon += 1;
                counted += 1;
                continue;
            };
            let usage = cfg
                .usage_key
                .as_deref()
                .and_then(|k| e.payload.get(k).and_then(|v| v.as_str()).map(str::to_owned));
            match seen.get_mut(&*id) {
                None => {
                    unique += 1;
                    counted += 1;
                    seen.insert(
                        id.into_owned(),
                        Receipts {
                            received: 1,
                            counted: 1,
                            senders: vec![sender.clone()],
                            usage,
                            timestamp: e.timestamp.map(|t| t.into_owned()),
                            last_counted: now,
                        },
                    );
                }
                Some(r) => {
                    r.received += 1;
                    r.senders.push(sender.clone());
                    if now.duration_since(r.last_counted) >= cfg.dedup_window {
                        r.counted += 1;
                        r.last_counted = now;
                        counted += 1;
                    } else {
                        dups += 1;
                    }
                }
            }
        }
    }
    st.c.events.fetch_add(n, Ordering::Relaxed);
    st.c.unique.fetch_add(unique, Ordering::Relaxed);
    st.c.duplicates.fetch_add(dups, Ordering::Relaxed);
    st.c.counted.fetch_add(counted, Ordering::Relaxed);
    st.c.without_identifier.fetch_add(anon, Ordering::Relaxed);
    st.c.accepted_requests.fetch_add(1, Ordering::Relaxed);
    if !cfg.answer_delay.is_zero() {
        tokio::time::sleep(cfg.answer_delay).await;
    }
    (StatusCode::OK, [("content-type", "application/json")], "{}").into_response()
}
