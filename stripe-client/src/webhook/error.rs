//! Errors of webhook verification and decoding.

use std::fmt;

/// Why a webhook payload was refused.
///
/// No variant holds the signing secret, the expected signature or the payload, so an error can
/// be logged or sent back in a response as it is. [`WebhookError::reason`] gives a short,
/// stable text for an HTTP response body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request had no `Stripe-Signature` header (or it was empty).
    MissingHeader,
    /// The `Stripe-Signature` header could not be parsed.
    MalformedHeader(HeaderProblem),
    /// The header carries no `v1` signature (only other schemes, such as `v0`).
    NoV1Signature,
    /// No `v1` signature in the header matches the payload under any of the secrets.
    NoMatchingSignature,
    /// The signature matched but its timestamp is too old (or, with
    /// [`Webhook::future_tolerance`](super::Webhook::future_tolerance), too far ahead).
    TimestampOutsideTolerance {
        /// The header's timestamp (Unix seconds).
        timestamp: i64,
        /// The verifier's current time (Unix seconds).
        now: i64,
        /// The allowed distance, in seconds.
        tolerance_secs: u64,
    },
    /// No secret was given to check the signature with.
    NoSecret,
    /// A secret is empty or blank. Refused before any signature is checked: an empty key
    /// would verify a payload anyone can sign (for example from
    /// `std::env::var("STRIPE_WEBHOOK_SECRET").unwrap_or_default()` with the variable unset).
    EmptySecret,
    /// A secret starts or ends with whitespace (a newline read from a file or an environment
    /// variable, say): it could never match Stripe's signature, so it is refused with this
    /// instead of [`WebhookError::NoMatchingSignature`]. Trim it where it is read.
    SecretWhitespace,
    /// The signature is valid but the payload is not a valid event.
    InvalidPayload {
        /// The JSON path of the field that failed (`.` for the document itself).
        path: String,
        /// What was wrong with it.
        message: String,
    },
    /// The payload is a v2 event notification (`"object": "v2.core.event"`): use
    /// `parse_event_notification`.
    ExpectedSnapshotEvent,
    /// The payload is a v1 snapshot event (`"object": "event"`): use `construct_event`.
    ExpectedEventNotification,
}

/// What is wrong with a `Stripe-Signature` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// There is no `t=` element.
    MissingTimestamp,
    /// The `t=` value is not a whole number of seconds.
    InvalidTimestamp,
    /// There is more than one `t=` element.
    DuplicateTimestamp,
    /// An element is not of the form `key=value`.
    InvalidElement,
    /// The header is longer than the verifier accepts.
    TooLong,
}

impl HeaderProblem {
    fn as_str(self) -> &'static str {
        match self {
            HeaderProblem::MissingTimestamp => "no timestamp (t=)",
            HeaderProblem::InvalidTimestamp => "the timestamp (t=) is not an integer",
            HeaderProblem::DuplicateTimestamp => "more than one timestamp (t=)",
            HeaderProblem::InvalidElement => "an element is not key=value",
            HeaderProblem::TooLong => "the header is too long",
        }
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl WebhookError {
    /// A short reason, safe to send back to the caller of a webhook endpoint.
    pub fn reason(&self) -> &'static str {
        match self {
            WebhookError::MissingHeader => "missing Stripe-Signature header",
            WebhookError::MalformedHeader(_) => "malformed Stripe-Signature header",
            WebhookError::NoV1Signature => "no v1 signature in Stripe-Signature header",
            WebhookError::NoMatchingSignature => "no signature matches the payload",
            WebhookError::TimestampOutsideTolerance { .. } => "timestamp outside the tolerance",
            WebhookError::NoSecret => "no webhook secret configured",
            WebhookError::EmptySecret => "the webhook secret is empty or blank",
            WebhookError::SecretWhitespace => {
                "the webhook secret has leading or trailing whitespace"
            }
            WebhookError::InvalidPayload { .. } => "payload is not a valid event",
            WebhookError::ExpectedSnapshotEvent => {
                "payload is a v2 event notification; use parse_event_notification"
            }
            WebhookError::ExpectedEventNotification => "payload is a v1 event; use construct_event",
        }
    }

    /// `true` when the signature itself was rejected (as opposed to a payload that was signed
    /// correctly but could not be decoded).
    pub fn is_signature_error(&self) -> bool {
        matches!(
            self,
            WebhookError::MissingHeader
                | WebhookError::MalformedHeader(_)
                | WebhookError::NoV1Signature
                | WebhookError::NoMatchingSignature
                | WebhookError::TimestampOutsideTolerance { .. }
                | WebhookError::NoSecret
        )
    }

    /// `true` when the secret the verifier was given is at fault (none, empty or blank, or
    /// with leading or trailing whitespace): a configuration error of the receiving app, not a
    /// bad delivery.
    pub fn is_secret_error(&self) -> bool {
        matches!(
            self,
            WebhookError::NoSecret | WebhookError::EmptySecret | WebhookError::SecretWhitespace
        )
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MalformedHeader(p) => {
                write!(f, "malformed Stripe-Signature header: {p}")
            }
            WebhookError::TimestampOutsideTolerance {
                timestamp,
                now,
                tolerance_secs,
            } => write!(
                f,
                "webhook timestamp {timestamp} is {}s from now ({now}), more than the \
                 tolerance of {tolerance_secs}s",
                now.abs_diff(*timestamp)
            ),
            WebhookError::EmptySecret => f.write_str(
                "the webhook secret is empty or blank: set it to the endpoint's signing secret \
                 (whsec_...); an empty key would accept events anyone can sign",
            ),
            WebhookError::SecretWhitespace => f.write_str(
                "the webhook secret has leading or trailing whitespace (a newline read from a \
                 file or an environment variable?): trim it where it is read",
            ),
            WebhookError::InvalidPayload { path, message } => {
                write!(f, "payload is not a valid event at `{path}`: {message}")
            }
            other => f.write_str(other.reason()),
        }
    }
}

impl std::error::Error for WebhookError {}
