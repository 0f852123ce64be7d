//! Checks a request runs on itself before it is sent: the seam between a generated request
//! and the client ([`StripeRequest::validate`](crate::rt::StripeRequest::validate)).
//!
//! The generator gives a request a `validate` only where it has something to check: every
//! path parameter must be a non-blank id ([`path_id`]), and the operations that
//! `spec/policy.toml`'s `[checks]` table names call a check of [`meter`] by name, so a check
//! that is renamed or removed fails the build instead of being skipped. The client calls
//! `validate` on every typed request before encoding it; a refusal is
//! `stripe_client::Error::Guard`.

pub mod meter;

use crate::rt::Timestamp;
use std::fmt;

/// What a check may need from the client: the current time (the meter event timestamp
/// window), from the client's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckContext {
    /// Now, as the client's clock says.
    pub now: Timestamp,
}

impl CheckContext {
    /// The context at `now`.
    pub fn at(now: Timestamp) -> Self {
        CheckContext { now }
    }
}

/// Which rule a [`GuardError`] broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GuardKind {
    /// A required field is missing or empty.
    Missing,
    /// A text is longer than the API allows.
    TooLong,
    /// A meter with formula `sum` or `last` has no `value_settings.event_payload_key`.
    ValueSettingsRequired,
    /// An adjustment without `cancel.identifier`.
    CancelIdentifierRequired,
    /// An adjustment with `identifier` at the top level.
    IdentifierAtTopLevel,
    /// A meter event payload value that is not a string.
    PayloadNotString,
    /// A meter event value that is not a finite number.
    ValueNotNumeric,
    /// A timestamp more than 35 days in the past.
    TimestampTooOld,
    /// A timestamp more than 5 minutes in the future.
    TimestampInFuture,
    /// A timestamp that cannot be read.
    TimestampInvalid,
    /// More than 100 events in one stream request, or none.
    BatchSize,
    /// A field has a value the API does not accept here.
    InvalidValue,
    /// A path parameter (an object's id) is empty or blank: the request would go to another
    /// path (`DELETE /v1/customers/` instead of `/v1/customers/cus_123`).
    EmptyId,
}

/// A request refused before it was sent, by its own checks
/// ([`StripeRequest::validate`](crate::rt::StripeRequest::validate)); `stripe_client::Error::Guard`
/// in the client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GuardError {
    /// The rule broken.
    pub kind: GuardKind,
    /// The parameter, as a dotted path (`value_settings.event_payload_key`).
    pub field: String,
    /// What is wrong and what to change.
    pub message: String,
}

impl GuardError {
    /// A refusal of `field` (a dotted path) for breaking `kind`, saying what to change.
    pub fn new(kind: GuardKind, field: impl Into<String>, message: impl Into<String>) -> Self {
        GuardError {
            kind,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for GuardError {}

/// Check a path parameter: an empty or blank id is refused ([`GuardKind::EmptyId`]), since
/// the request would go to another path (the collection, or a path that does not exist).
pub fn path_id(field: &str, id: &str) -> Result<(), GuardError> {
    if id.trim().is_empty() {
        return Err(GuardError::new(
            GuardKind::EmptyId,
            field,
            format!(
                "is {}: this path parameter names the object the request is about, and an \
                 empty id would send the request to another path; pass the object's id",
                if id.is_empty() { "empty" } else { "blank" }
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids() {
        assert!(path_id("customer", "cus_1").is_ok());
        assert_eq!(
            path_id("customer", "").unwrap_err().kind,
            GuardKind::EmptyId
        );
        let e = path_id("customer", " \t").unwrap_err();
        assert_eq!(e.field, "customer");
        assert!(e.to_string().contains("blank"), "{e}");
    }

    #[test]
    fn meter_checks_read_the_context_clock() {
        let cx = CheckContext::at(Timestamp(1_800_000_000));
        let event = serde_json::json!({"event_name": "e", "payload": {"stripe_customer_id": "c"},
            "timestamp": 1_800_000_000 - 40 * 86_400});
        let e = meter::meter_event(&event, &cx).unwrap_err();
        assert_eq!(e.kind, GuardKind::TimestampTooOld);
        let event = serde_json::json!({"event_name": "e", "payload": {"stripe_customer_id": "c"},
            "timestamp": 1_800_000_000 - 60});
        assert!(meter::meter_event(&event, &cx).is_ok());
    }
}
