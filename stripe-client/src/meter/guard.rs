//! Guards: checks that fail before the network, with a message that says what to change.
//!
//! The checks live with the requests they check, in stripe-types
//! ([`stripe_types::rt::check::meter`]): a generated meter request runs them from its own
//! [`StripeRequest::validate`](stripe_types::rt::StripeRequest::validate), which the client
//! calls on every typed request however it is sent (a generated struct's `.send(&client)`,
//! [`Client::send`](crate::Client::send), a [`Batch`](crate::batch::Batch) slot or a meter
//! helper). A refused request fails with [`Error::Guard`](crate::Error::Guard), whose
//! [`GuardError::kind`] can be matched. [`Client::raw_request`](crate::Client::raw_request)
//! bypasses every check on purpose; the `*_json` helpers of [`meter`](super) run them on
//! untyped params first.
//!
//! This module is the checks' public face in the client: the limits and the JSON checks,
//! with the timestamp window read from a [`Clock`].

use crate::clock::Clock;
use serde_json::Value;
use stripe_types::rt::check::meter as checks;

pub use checks::{
    check_adjustment_params, check_event_name, check_identifier, check_meter_params,
    is_numeric_string, MAX_EVENT_NAME_LEN, MAX_FUTURE, MAX_IDENTIFIER_LEN, MAX_PAST,
    MAX_STREAM_EVENTS,
};
pub use stripe_types::rt::{GuardError, GuardKind};

/// Check an event timestamp (Unix seconds) against the accepted window: at most 35 days
/// before the clock's now and at most 5 minutes after it.
pub fn check_timestamp(field: &str, unix_secs: i64, clock: &dyn Clock) -> Result<(), GuardError> {
    checks::check_timestamp(field, unix_secs, now(clock))
}

/// Check a meter event (`POST /v1/billing/meter_events` or `/v2/billing/meter_events`, or one
/// event of a stream): event name and identifier within bounds, a payload whose values are
/// all strings, a numeric `value` when present, a timestamp (Unix seconds, or RFC 3339 text
/// on v2) within the accepted window of `clock`.
pub fn check_event_params(params: &Value, clock: &dyn Clock) -> Result<(), GuardError> {
    checks::check_event_params(params, now(clock))
}

/// Check the body of a meter event stream request: 1 to 100 events, each checked with
/// [`check_event_params`].
pub fn check_stream_params(params: &Value, clock: &dyn Clock) -> Result<(), GuardError> {
    checks::check_stream_params(params, now(clock))
}

/// The clock's now in Unix seconds.
fn now(clock: &dyn Clock) -> i64 {
    clock.unix_millis() / 1000
}

#[cfg(all(test, feature = "billing"))]
mod tests {
    use super::GuardKind;
    use crate::{Client, Error, MockTransport, StripeRequestExt};
    use stripe_types::{
        billing_meter::create::DefaultAggregation,
        billing_meter::Formula as DefaultAggregationFormula,
        billing_meter_event_adjustment::Type as AdjustmentType, CreateBillingMeter,
        CreateBillingMeterArgs, CreateBillingMeterEventAdjustment,
    };

    fn kind<T: std::fmt::Debug>(r: Result<T, Error>) -> GuardKind {
        match r {
            Err(Error::Guard(g)) => g.kind,
            other => panic!("expected Error::Guard, got {other:?}"),
        }
    }

    /// With the default features, the generated structs' own `send` runs the guards.
    #[tokio::test]
    async fn generated_send_is_guarded_with_default_features() {
        let transport = MockTransport::new();
        let client = Client::builder("sk_test_123")
            .transport(transport.clone())
            .build()
            .unwrap();
        let meter = CreateBillingMeter::new(CreateBillingMeterArgs {
            default_aggregation: DefaultAggregation::new(DefaultAggregationFormula::Sum),
            display_name: "API requests".into(),
            event_name: "api_requests".into(),
        });
        assert_eq!(
            kind(meter.send(&client).await),
            GuardKind::ValueSettingsRequired
        );
        let adjustment =
            CreateBillingMeterEventAdjustment::new("api_requests", AdjustmentType::Cancel);
        assert_eq!(
            kind(adjustment.send(&client).await),
            GuardKind::CancelIdentifierRequired
        );
        assert!(transport.requests().is_empty(), "nothing was sent");
    }
}
