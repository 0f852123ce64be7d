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

/// A metering outbox's queue, reported by a spawned
/// [`OutboxDrainer`](crate::meter::OutboxDrainer) every `report_interval` (features
/// `durable-sqlite` or `durable-postgres`, with `billing` and `v2`).
#[cfg(all(
    feature = "billing",
    feature = "v2",
    any(feature = "durable-sqlite", feature = "durable-postgres"),
    not(target_arch = "wasm32")
))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxReport {
    /// Events not yet delivered, in the whole outbox.
    pub queue_depth: u64,
    /// Of those, events leased to a drainer now.
    pub in_flight: u64,
    /// How long the oldest undelivered event has waited since it was recorded.
    pub lag: Option<Duration>,
    /// Events in the dead-letter table.
    pub dead_letters: u64,
    /// Events this drainer delivered so far.
    pub delivered: u64,
    /// Of those, events sent again after an earlier attempt.
    pub resent: u64,
    /// Events this drainer dead-lettered so far.
    pub dead_lettered: u64,
    /// The drainer's failures in a row (0 after a success).
    pub consecutive_failures: u32,
}

/// Receives request events (and, with the metering outbox, its drainers' reports). Every
/// method has an empty default.
pub trait Observer: Send + Sync + 'static {
    /// An attempt starts.
    fn on_request_start(&self, _event: &RequestStart) {}
    /// An attempt got a response.
    fn on_request_stop(&self, _event: &RequestStop) {}
    /// An attempt failed without a response.
    fn on_request_exception(&self, _event: &RequestException) {}
    /// A metering outbox drainer's periodic report: queue depth and lag.
    #[cfg(all(
        feature = "billing",
        feature = "v2",
        any(feature = "durable-sqlite", feature = "durable-postgres"),
        not(target_arch = "wasm32")
    ))]
    fn on_outbox_report(&self, _report: &OutboxReport) {}
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
    #[cfg(all(
        feature = "billing",
        feature = "v2",
        any(feature = "durable-sqlite", feature = "durable-postgres"),
        not(target_arch = "wasm32")
    ))]
    fn on_outbox_report(&self, report: &OutboxReport) {
        (**self).on_outbox_report(report)
    }
}

/// One attempt's `stripe.request` span and observer events (used by the retry loop).
pub(crate) struct AttemptTrace<'a> {
    span: tracing::Span,
    observer: Option<&'a dyn Observer>,
    method: &'static str,
    path: &'a str,
    operation_id: &'a str,
    attempt: u32,
    idempotency_key: Option<&'a str>,
}

impl<'a> AttemptTrace<'a> {
    /// Open the span and tell the observer the attempt starts.
    pub(crate) fn start(
        observer: Option<&'a dyn Observer>,
        method: &'static str,
        path: &'a str,
        operation_id: &'a str,
        attempt: u32,
        idempotency_key: Option<&'a str>,
    ) -> Self {
        let span = tracing::info_span!(
            "stripe.request",
            method,
            path = %path,
            operation_id = %operation_id,
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let trace = AttemptTrace {
            span,
            observer,
            method,
            path,
            operation_id,
            attempt,
            idempotency_key,
        };
        if let Some(o) = trace.observer {
            o.on_request_start(&RequestStart { meta: trace.meta() });
        }
        trace
    }

    /// The span the attempt runs in.
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    fn meta(&self) -> RequestMeta {
        RequestMeta {
            method: self.method,
            path: self.path.to_owned(),
            operation_id: self.operation_id.to_owned(),
            attempt: self.attempt,
            idempotency_key: self.idempotency_key.map(str::to_owned),
        }
    }

    /// The attempt got a response (any status).
    pub(crate) fn response(
        self,
        status: u16,
        request_id: Option<&str>,
        notice: Option<&str>,
        response_bytes: usize,
        duration: Duration,
        will_retry: bool,
    ) {
        let span = &self.span;
        span.record("duration_ms", duration.as_millis() as u64);
        span.record("status", status);
        if let Some(r) = request_id {
            span.record("request_id", r);
        }
        span.in_scope(|| {
            tracing::debug!(status, will_retry, "stripe response");
            if let Some(notice) = notice {
                tracing::warn!(notice, "Stripe-Notice");
            }
        });
        if let Some(o) = self.observer {
            o.on_request_stop(&RequestStop {
                meta: self.meta(),
                status,
                request_id: request_id.map(str::to_owned),
                duration,
                response_bytes,
                will_retry,
            });
        }
    }

    /// The attempt failed without a response.
    pub(crate) fn failure(self, error: &crate::Error, duration: Duration, will_retry: bool) {
        self.span.record("duration_ms", duration.as_millis() as u64);
        self.span.in_scope(|| {
            tracing::debug!(error = %error, will_retry, "stripe request failed");
        });
        if let Some(o) = self.observer {
            o.on_request_exception(&RequestException {
                meta: self.meta(),
                error: error.to_string(),
                duration,
                will_retry,
            });
        }
    }
}
