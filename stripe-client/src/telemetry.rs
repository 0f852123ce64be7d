//! Telemetry: every attempt runs inside a `tracing` span named `stripe.request`, and an
//! optional [`Observer`] receives start / stop / exception events.
//!
//! Spans and events carry the method, path, operation id, attempt number, status, request id
//! and duration, never the API key, the parameters or a body.

use std::time::Duration;

/// Metadata shared by every event of one attempt.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestMeta {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The path, without the query string.
    pub path: String,
    /// The operation id (`PostCustomers`), or `raw` for raw requests.
    pub operation_id: String,
    /// The attempt number, from 1.
    pub attempt: u32,
    /// The idempotency key sent, if any.
    pub idempotency_key: Option<String>,
}

/// An attempt is about to be sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestStart {
    /// What is being sent.
    pub meta: RequestMeta,
}

/// An attempt got a response (any status).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestStop {
    /// What was sent.
    pub meta: RequestMeta,
    /// The status.
    pub status: u16,
    /// The `Request-Id` header.
    pub request_id: Option<String>,
    /// Time from sending to the whole body.
    pub duration: Duration,
    /// Body size in bytes.
    pub response_bytes: usize,
    /// Whether the client will retry.
    pub will_retry: bool,
}

/// An attempt failed without a response (connection, timeout, body too large).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestException {
    /// What was sent.
    pub meta: RequestMeta,
    /// The error, as text (never contains secrets).
    pub error: String,
    /// Time until the failure.
    pub duration: Duration,
    /// Whether the client will retry.
    pub will_retry: bool,
}

/// Receives request events. Every method has an empty default.
pub trait Observer: Send + Sync + 'static {
    /// An attempt starts.
    fn on_request_start(&self, _event: &RequestStart) {}
    /// An attempt got a response.
    fn on_request_stop(&self, _event: &RequestStop) {}
    /// An attempt failed without a response.
    fn on_request_exception(&self, _event: &RequestException) {}
}

impl<T: Observer + ?Sized> Observer for std::sync::Arc<T> {
    fn on_request_start(&self, event: &RequestStart) {
        (**self).on_request_start(event)
    }
    fn on_request_stop(&self, event: &RequestStop) {
        (**self).on_request_stop(event)
    }
    fn on_request_exception(&self, event: &RequestException) {
        (**self).on_request_exception(event)
    }
}
