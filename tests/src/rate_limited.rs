//! A server on 127.0.0.1 that enforces a request rate as Stripe does: a token bucket
//! (`rate` tokens a second, at most `capacity`), 429 `rate_limit` above it. Every answer below
//! the limit is a customer.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The customer every accepted request gets.
pub const CUSTOMER: &str =
    r#"{"id":"cus_1","object":"customer","created":1700000000,"livemode":false}"#;

/// A running rate-limited server.
pub struct RateLimitedServer {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    accepted: Arc<AtomicU64>,
    rejected: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RateLimitedServer {
    /// Start one allowing `rate` requests a second, `capacity` at once.
    pub async fn start(rate: f64, capacity: f64) -> RateLimitedServer {
        let accepted = Arc::new(AtomicU64::new(0));
        let rejected = Arc::new(AtomicU64::new(0));
        let bucket = Arc::new(Mutex::new((capacity, Instant::now())));
        let (a, r) = (accepted.clone(), rejected.clone());
        let app = Router::new().fallback(move || {
            let (bucket, a, r) = (bucket.clone(), a.clone(), r.clone());
            async move {
                let ok = {
                    let mut b = bucket.lock().unwrap();
                    let now = Instant::now();
                    b.0 = (b.0 + rate * now.duration_since(b.1).as_secs_f64()).min(capacity);
                    b.1 = now;
                    if b.0 >= 1.0 {
                        b.0 -= 1.0;
                        true
                    } else {
                        false
                    }
                };
                let json = [("content-type", "application/json")];
                if ok {
                    a.fetch_add(1, Ordering::SeqCst);
                    (StatusCode::OK, json, CUSTOMER).into_response()
                } else {
                    r.fetch_add(1, Ordering::SeqCst);
                    let body = r#"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests hit the API too quickly."}}"#;
                    (StatusCode::TOO_MANY_REQUESTS, json, body).into_response()
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RateLimitedServer {
            url,
            accepted,
            rejected,
            task,
        }
    }
    /// Requests answered 200.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
    /// Requests answered 429.
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::SeqCst)
    }
}

impl Drop for RateLimitedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
