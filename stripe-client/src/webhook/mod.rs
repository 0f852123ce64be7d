//! Webhooks: verify the `Stripe-Signature` header, decode typed events, route them.
//!
//! ```no_run
//! use stripe_client::webhook::{EventObject, Webhook};
//! # fn handle(payload: &[u8], header: &str) -> Result<(), stripe_client::webhook::WebhookError> {
//! let event = Webhook::construct_event(payload, header, "whsec_...")?;
//! match &event.data.object {
//!     EventObject::PaymentIntent(pi) => println!("{} succeeded", pi.id),
//!     other => println!("{} about {:?}", event.type_, other.object_name()),
//! }
//! # Ok(()) }
//! ```
//!
//! * [`Webhook::construct_event`] checks the signature (HMAC-SHA256 of `"{t}.{body}"`, any
//!   `v1` of the header may match, constant-time comparison) and the timestamp (±300 s by
//!   default) and decodes a v1 [`Event`]. [`Webhook::construct_event_with_secrets`] accepts
//!   several secrets, for rolling your endpoint's secret.
//! * [`parse_event_notification`] does the same for v2 thin events ([`EventNotification`]),
//!   whose full data is fetched with [`EventNotification::fetch_event`].
//! * A [`Webhook`] value configures the tolerance and the clock.
//! * [`EventHandler`] and [`dispatch`] route events to per-type methods (features `payments`
//!   and `billing`, the default: its methods take those areas' resources).
//! * With the `axum` feature, `webhook::axum` has extractors that do all of this.
//! * With `durable-sqlite` or `durable-postgres`, [`EventLedger`] runs a handler once per
//!   event id, however often Stripe delivers it (`guides/metering-durability.md`).
//!
//! Every entry point refuses an empty or blank secret ([`WebhookError::EmptySecret`]) and one
//! with leading or trailing whitespace ([`WebhookError::SecretWhitespace`]) before it looks at
//! the delivery ([`check_secret`]); the axum config refuses them when it is built. No error or
//! `Debug` output of this module contains a secret.
//!
// Without `payments` and `billing` the handler is left out: its links point at docs.rs.
#![cfg_attr(
    not(all(feature = "payments", feature = "billing")),
    doc = concat!("[`EventHandler`]: ", docs_rs!("webhook/trait.EventHandler.html")),
    doc = concat!("[`dispatch`]: ", docs_rs!("webhook/fn.dispatch.html"))
)]
#![cfg_attr(
    not(any(feature = "durable-sqlite", feature = "durable-postgres")),
    doc = concat!("[`EventLedger`]: ", docs_rs!("webhook/struct.EventLedger.html"))
)]

mod error;
mod event;
mod fetch;
#[cfg(all(feature = "payments", feature = "billing"))]
mod handler;
#[cfg(any(feature = "durable-sqlite", feature = "durable-postgres"))]
mod ledger;
mod notification;
mod signature;

#[cfg(feature = "axum")]
pub mod axum;

/// The generated API types ([`EventType`], [`EventObject`] and the resources).
use stripe_types as types;

pub use error::{HeaderProblem, WebhookError};
pub use event::{Event, EventData, EventRequest};
#[cfg(all(feature = "payments", feature = "billing"))]
pub use handler::{dispatch, EventHandler};
#[cfg(any(feature = "durable-sqlite", feature = "durable-postgres"))]
pub use ledger::{EventLedger, Handled, LedgerEntry, LedgerError, LedgerKey, LedgerState};
pub use notification::{
    EventNotification, EventNotificationType, MeterErrorCode, MeterErrorGroup, MeterErrorReason,
    MeterErrorReport, MeterSampleError, MeterSampleRequest, RelatedObject, V2Event,
};
pub use signature::{SignatureHeader, MAX_HEADER_LEN};
pub use types::{EventObject, EventType};

use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use stripe_types::Timestamp;

/// The source of the current time for the timestamp check.
///
/// Implemented by [`SystemClock`], by [`Timestamp`] (a fixed time, for tests) and by any
/// `Fn() -> Timestamp`.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

impl Clock for Timestamp {
    fn now(&self) -> Timestamp {
        *self
    }
}

impl<F: Fn() -> Timestamp + Send + Sync> Clock for F {
    fn now(&self) -> Timestamp {
        self()
    }
}

/// Webhook verification settings: the timestamp tolerance and the clock.
///
/// The associated functions ([`Webhook::construct_event`], ...) use the defaults (300 s, the
/// system clock); build a `Webhook` to change them:
///
/// ```
/// # use std::time::Duration;
/// # use stripe_client::webhook::Webhook;
/// # use stripe_types::Timestamp;
/// let webhook = Webhook::new().tolerance(Duration::from_secs(60)).clock(Timestamp(1_700_000_000));
/// let header = Webhook::generate_test_signature(b"{}", "whsec_x", 1_700_000_030);
/// assert!(webhook.verify(b"{}", &header, "whsec_x").is_ok());
/// ```
#[derive(Clone)]
pub struct Webhook {
    tolerance: Duration,
    future_tolerance: Option<Duration>,
    clock: Arc<dyn Clock>,
}

impl Default for Webhook {
    fn default() -> Self {
        Webhook {
            tolerance: Self::DEFAULT_TOLERANCE,
            future_tolerance: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("tolerance", &self.tolerance)
            .field("future_tolerance", &self.future_tolerance)
            .finish_non_exhaustive()
    }
}

fn decode_event(payload: &[u8]) -> Result<Event, WebhookError> {
    // The object is decoded after the whole payload is checked (see `RawEvent`).
    let raw = from_payload::<event::RawEvent>(payload).map_err(|e| {
        if object_field(payload).as_deref() == Some(event::V2_OBJECT) {
            WebhookError::ExpectedSnapshotEvent
        } else {
            e
        }
    })?;
    Ok(raw.finish())
}

fn decode_notification(payload: &[u8]) -> Result<EventNotification, WebhookError> {
    from_payload::<EventNotification>(payload).map_err(|e| {
        if object_field(payload).as_deref() == Some(notification::V1_OBJECT) {
            WebhookError::ExpectedEventNotification
        } else {
            e
        }
    })
}

/// Decode the whole payload as `T`; an error says where, as `.data.object.amount` (`.` for
/// the payload itself). `serde_path_to_error` builds the path as the error unwinds.
fn from_payload<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<T, WebhookError> {
    let invalid = |path: String, e: serde_json::Error| WebhookError::InvalidPayload {
        path,
        message: e.to_string(),
    };
    let mut de = serde_json::Deserializer::from_slice(payload);
    let v = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = match e.path().to_string().as_str() {
            "." => ".".to_owned(),
            p => format!(".{p}"),
        };
        invalid(path, e.into_inner())
    })?;
    de.end().map_err(|e| invalid(".".to_owned(), e))?;
    Ok(v)
}

/// The top-level `object` field of a JSON document, if it is one and has it.
fn object_field(payload: &[u8]) -> Option<String> {
    let doc = serde_json::from_slice::<serde_json::Value>(payload).ok()?;
    doc.get("object")?.as_str().map(str::to_owned)
}

impl Webhook {
    /// The default tolerance: 300 s, as in Stripe's libraries.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// Default settings: 300 s tolerance, the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// How old the header's timestamp may be (default 300 s). As in Stripe's libraries,
    /// a timestamp in the future is accepted however far ahead it is (a sender whose clock
    /// runs ahead of ours); [`Webhook::future_tolerance`] bounds that too.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Also reject a timestamp more than `tolerance` after now (off by default, as in
    /// Stripe's libraries). A far-future timestamp keeps a captured delivery replayable
    /// for longer; turn this on when the clocks involved are trusted to agree.
    pub fn future_tolerance(mut self, tolerance: Duration) -> Self {
        self.future_tolerance = Some(tolerance);
        self
    }

    /// The clock the timestamp is checked against.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The configured tolerance.
    pub fn get_tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Check the signature and timestamp of `payload` against `secret`, without decoding it.
    ///
    /// Every entry point refuses a secret that cannot be trusted before it looks at the
    /// delivery: empty or blank ([`WebhookError::EmptySecret`]), or with leading or trailing
    /// whitespace ([`WebhookError::SecretWhitespace`]); see [`check_secret`].
    pub fn verify(&self, payload: &[u8], header: &str, secret: &str) -> Result<(), WebhookError> {
        self.verify_with_secrets(payload, header, [secret])
    }

    /// [`Webhook::verify`] accepting a signature under any of `secrets`.
    pub fn verify_with_secrets<I, S>(
        &self,
        payload: &[u8],
        header: &str,
        secrets: I,
    ) -> Result<(), WebhookError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // Every secret is checked before the header is looked at: a secret that could never
        // be right is the receiving app's error, whatever the delivery holds.
        let parsed = SignatureHeader::parse(header);
        let mut any_secret = false;
        let mut matched = false;
        for secret in secrets {
            let secret = secret.as_ref();
            check_secret(secret)?;
            any_secret = true;
            if let Ok(parsed) = &parsed {
                matched = matched || parsed.matches(payload, secret.as_bytes());
            }
        }
        if !any_secret {
            return Err(WebhookError::NoSecret);
        }
        let parsed = parsed?;
        if !matched {
            return Err(WebhookError::NoMatchingSignature);
        }
        let now = self.clock.now().seconds();
        let timestamp = parsed.timestamp();
        let limit = if timestamp <= now {
            Some(self.tolerance)
        } else {
            self.future_tolerance
        };
        if let Some(limit) = limit {
            let tolerance_secs = limit.as_secs();
            if now.abs_diff(timestamp) > tolerance_secs {
                return Err(WebhookError::TimestampOutsideTolerance {
                    timestamp,
                    now,
                    tolerance_secs,
                });
            }
        }
        Ok(())
    }

    /// Verify `payload` and decode it as a v1 [`Event`].
    pub fn event(&self, payload: &[u8], header: &str, secret: &str) -> Result<Event, WebhookError> {
        self.event_with_secrets(payload, header, [secret])
    }

    /// [`Webhook::event`] accepting a signature under any of `secrets`.
    pub fn event_with_secrets<I, S>(
        &self,
        payload: &[u8],
        header: &str,
        secrets: I,
    ) -> Result<Event, WebhookError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.verify_with_secrets(payload, header, secrets)?;
        decode_event(payload)
    }

    /// Verify `payload` and decode it as a v2 [`EventNotification`].
    pub fn event_notification(
        &self,
        payload: &[u8],
        header: &str,
        secret: &str,
    ) -> Result<EventNotification, WebhookError> {
        self.event_notification_with_secrets(payload, header, [secret])
    }

    /// [`Webhook::event_notification`] accepting a signature under any of `secrets`.
    pub fn event_notification_with_secrets<I, S>(
        &self,
        payload: &[u8],
        header: &str,
        secrets: I,
    ) -> Result<EventNotification, WebhookError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.verify_with_secrets(payload, header, secrets)?;
        decode_notification(payload)
    }

    /// Verify a v1 webhook delivery and decode its [`Event`], with the default settings.
    ///
    /// `payload` must be the raw request body, byte for byte; `signature_header` the value of
    /// `Stripe-Signature`; `secret` the endpoint's signing secret (`whsec_...`). A v2 thin
    /// event is refused with [`WebhookError::ExpectedSnapshotEvent`].
    pub fn construct_event(
        payload: &[u8],
        signature_header: &str,
        secret: &str,
    ) -> Result<Event, WebhookError> {
        Webhook::default().event(payload, signature_header, secret)
    }

    /// [`Webhook::construct_event`] accepting a signature under any of `secrets` (for rolling
    /// the endpoint's secret on your side).
    pub fn construct_event_with_secrets<I, S>(
        payload: &[u8],
        signature_header: &str,
        secrets: I,
    ) -> Result<Event, WebhookError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Webhook::default().event_with_secrets(payload, signature_header, secrets)
    }

    /// Verify a v2 thin-event delivery and decode its [`EventNotification`], with the default
    /// settings. A v1 event is refused with [`WebhookError::ExpectedEventNotification`].
    pub fn parse_event_notification(
        payload: &[u8],
        signature_header: &str,
        secret: &str,
    ) -> Result<EventNotification, WebhookError> {
        Webhook::default().event_notification(payload, signature_header, secret)
    }

    /// A `Stripe-Signature` header for `payload`, signed with `secret` at `timestamp`, that
    /// [`Webhook::construct_event`] accepts: `t=<timestamp>,v1=<hex>`. For your own tests.
    pub fn generate_test_signature(
        payload: &[u8],
        secret: &str,
        timestamp: impl Into<Timestamp>,
    ) -> String {
        let t = timestamp.into().seconds();
        let sig = signature::sign(secret.as_bytes(), t, payload)
            .map(|s| signature::hex32(&s))
            .unwrap_or_default();
        format!("t={t},v1={sig}")
    }
}

/// Check a signing secret the way every verifier here does before using it: empty or blank
/// is [`WebhookError::EmptySecret`], leading or trailing whitespace is
/// [`WebhookError::SecretWhitespace`]. Call it where the secret is read (at start-up) to fail
/// there rather than on the first delivery.
///
/// ```
/// use stripe_client::webhook::{check_secret, WebhookError};
/// assert_eq!(check_secret(""), Err(WebhookError::EmptySecret));
/// assert_eq!(check_secret("whsec_abc\n"), Err(WebhookError::SecretWhitespace));
/// assert!(check_secret("whsec_abc").is_ok());
/// ```
pub fn check_secret(secret: &str) -> Result<(), WebhookError> {
    let trimmed = secret.trim();
    if trimmed.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    if trimmed.len() != secret.len() {
        return Err(WebhookError::SecretWhitespace);
    }
    Ok(())
}

/// Verify a v1 webhook delivery and decode its [`Event`] (see [`Webhook::construct_event`]).
pub fn construct_event(
    payload: &[u8],
    signature_header: &str,
    secret: &str,
) -> Result<Event, WebhookError> {
    Webhook::construct_event(payload, signature_header, secret)
}

/// Verify a v2 thin-event delivery and decode its [`EventNotification`] (see
/// [`Webhook::parse_event_notification`]).
pub fn parse_event_notification(
    payload: &[u8],
    signature_header: &str,
    secret: &str,
) -> Result<EventNotification, WebhookError> {
    Webhook::parse_event_notification(payload, signature_header, secret)
}

#[cfg(test)]
mod tests;
