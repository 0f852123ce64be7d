//! The metering checks: the documented limits of meters, meter events, adjustments and the
//! v2 meter event stream, checked before the network with a message that says what to change.
//!
//! Every check works on JSON (`serde_json::Value`), so the same code checks untyped
//! parameters and the generated parameter structs (serialized first). The generated
//! requests of these operations call the entry points at the end of this file from their
//! [`StripeRequest::validate`](crate::rt::StripeRequest::validate), as `spec/policy.toml`'s
//! `[checks]` table says; `stripe_client::meter::guard` re-exports the rest for untyped
//! parameters.

use super::{CheckContext, GuardError, GuardKind};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// Longest `identifier` the API accepts.
pub const MAX_IDENTIFIER_LEN: usize = 100;
/// Longest `event_name` the API accepts.
pub const MAX_EVENT_NAME_LEN: usize = 100;
/// Oldest accepted event timestamp: 35 days before now.
pub const MAX_PAST: Duration = Duration::from_secs(35 * 24 * 3600);
/// Latest accepted event timestamp: 5 minutes after now.
pub const MAX_FUTURE: Duration = Duration::from_secs(5 * 60);
/// Most events in one meter event stream request.
pub const MAX_STREAM_EVENTS: usize = 100;

/// Check an event name: present and at most 100 characters.
pub fn check_event_name(field: &str, name: &str) -> Result<(), GuardError> {
    if name.trim().is_empty() {
        return Err(GuardError::new(
            GuardKind::Missing,
            field,
            "is empty: set it to the `event_name` of the meter this usage is for (for example \"api_requests\")",
        ));
    }
    check_len(field, name, MAX_EVENT_NAME_LEN)
}

/// Check an identifier: not blank and at most 100 characters.
pub fn check_identifier(field: &str, id: &str) -> Result<(), GuardError> {
    if id.trim().is_empty() {
        return Err(GuardError::new(
            GuardKind::Missing,
            field,
            "is blank: give each event a unique identifier (or leave it unset and one is generated)",
        ));
    }
    check_len(field, id, MAX_IDENTIFIER_LEN)
}

fn check_len(field: &str, s: &str, max: usize) -> Result<(), GuardError> {
    let n = s.chars().count();
    if n > max {
        return Err(GuardError::new(
            GuardKind::TooLong,
            field,
            format!("is {n} characters long; the API accepts at most {max}: shorten it"),
        ));
    }
    Ok(())
}

/// Check an event timestamp (Unix seconds) against the accepted window: at most 35 days
/// before `now` (Unix seconds) and at most 5 minutes after it.
pub fn check_timestamp(field: &str, unix_secs: i64, now: i64) -> Result<(), GuardError> {
    let oldest = now - MAX_PAST.as_secs() as i64;
    let latest = now + MAX_FUTURE.as_secs() as i64;
    if unix_secs < oldest {
        return Err(GuardError::new(
            GuardKind::TimestampTooOld,
            field,
            format!(
                "{unix_secs} is {} days before now; Stripe accepts events at most 35 days old \
                 (not before {oldest}): report usage as it happens, and correct old usage with \
                 an adjustment or a credit instead",
                (now - unix_secs) / 86_400
            ),
        ));
    }
    if unix_secs > latest {
        return Err(GuardError::new(
            GuardKind::TimestampInFuture,
            field,
            format!(
                "{unix_secs} is {} s after now; Stripe accepts timestamps at most 5 minutes in \
                 the future (not after {latest}): check the clock, or leave the timestamp unset \
                 to use the time of receipt",
                unix_secs - now
            ),
        ));
    }
    Ok(())
}

/// `true` for a decimal number as text: `25`, `-3`, `0.5`, `1e3` (finite).
pub fn is_numeric_string(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty()
        && t.len() == s.len()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && t.parse::<f64>().map(f64::is_finite).unwrap_or(false)
}

/// Check the parameters of `POST /v1/billing/meters` (or a JSON of the same shape): an
/// `event_name` within bounds, `value_settings.event_payload_key` when the formula is
/// `sum` or `last`, and a complete `customer_mapping`.
pub fn check_meter_params(params: &Value) -> Result<(), GuardError> {
    let obj = params.as_object().ok_or_else(|| {
        GuardError::new(GuardKind::InvalidValue, "params", "must be a JSON object")
    })?;
    match obj.get("event_name") {
        Some(Value::String(s)) => check_event_name("event_name", s)?,
        _ => {
            return Err(GuardError::new(
                GuardKind::Missing,
                "event_name",
                "is required: the name meter events will carry (for example \"api_requests\")",
            ))
        }
    }
    let formula = obj
        .get("default_aggregation")
        .and_then(|a| a.get("formula"))
        .and_then(Value::as_str);
    let Some(formula) = formula else {
        return Err(GuardError::new(
            GuardKind::Missing,
            "default_aggregation.formula",
            "is required: one of `count`, `sum` or `last` (see MeterBuilder::count / sum / last)",
        ));
    };
    if matches!(formula, "sum" | "last") {
        let key = obj
            .get("value_settings")
            .and_then(|v| v.get("event_payload_key"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if key.trim().is_empty() {
            let what = if formula == "sum" {
                "adds up"
            } else {
                "keeps the last"
            };
            return Err(GuardError::new(
                GuardKind::ValueSettingsRequired,
                "value_settings.event_payload_key",
                format!(
                    "is required for formula `{formula}`: the meter {what} a payload value, so \
                     name its payload key, e.g. `value_settings[event_payload_key]=value` (or \
                     build the meter with `MeterBuilder::{formula}(display_name, event_name, \
                     \"value\")`); use formula `count` to count events instead"
                ),
            ));
        }
    }
    if let Some(m) = obj.get("customer_mapping") {
        let key = m
            .get("event_payload_key")
            .and_then(Value::as_str)
            .unwrap_or("");
        if key.trim().is_empty() {
            return Err(GuardError::new(
                GuardKind::Missing,
                "customer_mapping.event_payload_key",
                "is required when customer_mapping is set: the payload key holding the customer \
                 id, e.g. `customer_mapping[event_payload_key]=stripe_customer_id` with \
                 `customer_mapping[type]=by_id`",
            ));
        }
        match m.get("type").and_then(Value::as_str) {
            Some("by_id") => {}
            other => {
                return Err(GuardError::new(
                    GuardKind::InvalidValue,
                    "customer_mapping.type",
                    format!(
                    "is {other:?}; the only mapping is `by_id`: set `customer_mapping[type]=by_id`"
                ),
                ))
            }
        }
    }
    Ok(())
}

/// Check a meter event (`POST /v1/billing/meter_events` or `/v2/billing/meter_events`, or one
/// event of a stream): event name and identifier within bounds, a payload whose values are
/// all strings, a numeric `value` when present, a timestamp (Unix seconds, or RFC 3339 text
/// on v2) within the accepted window.
pub fn check_event_params(params: &Value, now: i64) -> Result<(), GuardError> {
    check_event_at(params, "", now)
}

fn check_event_at(params: &Value, prefix: &str, now: i64) -> Result<(), GuardError> {
    let f = |name: &str| format!("{prefix}{name}");
    let obj = params.as_object().ok_or_else(|| {
        GuardError::new(GuardKind::InvalidValue, f("event"), "must be a JSON object")
    })?;
    match obj.get("event_name") {
        Some(Value::String(s)) => check_event_name(&f("event_name"), s)?,
        _ => {
            return Err(GuardError::new(
                GuardKind::Missing,
                f("event_name"),
                "is required: the `event_name` of the meter this usage is for",
            ))
        }
    }
    match obj.get("identifier") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => check_identifier(&f("identifier"), s)?,
        Some(_) => {
            return Err(GuardError::new(
                GuardKind::InvalidValue,
                f("identifier"),
                "must be a string",
            ))
        }
    }
    let payload = match obj.get("payload") {
        Some(Value::Object(p)) if !p.is_empty() => p,
        _ => {
            return Err(GuardError::new(
                GuardKind::Missing,
                f("payload"),
                "is required: an object of strings such as {\"stripe_customer_id\": \"cus_123\", \"value\": \"25\"}",
            ))
        }
    };
    for (k, v) in payload {
        match v {
            Value::String(s) => {
                if k == "value" && !is_numeric_string(s) {
                    return Err(GuardError::new(
                        GuardKind::ValueNotNumeric,
                        f("payload.value"),
                        "must be a number written as a string, such as \"25\" or \"0.5\"",
                    ));
                }
            }
            Value::Number(n) => {
                return Err(GuardError::new(
                    GuardKind::PayloadNotString,
                    f(&format!("payload.{k}")),
                    format!(
                        "is the JSON number {n}; payload values are strings: send \"{k}\": \"{n}\" \
                         (MeterEvent::value takes numbers and sends them as strings)"
                    ),
                ))
            }
            _ => {
                return Err(GuardError::new(
                    GuardKind::PayloadNotString,
                    f(&format!("payload.{k}")),
                    format!(
                        "is not a string; payload values are strings: send \"{k}\": \"<text>\", \
                         with numbers written as text (\"25\")"
                    ),
                ))
            }
        }
    }
    match obj.get("timestamp") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => match n.as_i64() {
            Some(secs) => check_timestamp(&f("timestamp"), secs, now)?,
            None => {
                return Err(GuardError::new(
                    GuardKind::TimestampInvalid,
                    f("timestamp"),
                    "must be whole Unix seconds",
                ))
            }
        },
        Some(Value::String(s)) => {
            let secs = s
                .parse::<i64>()
                .ok()
                .or_else(|| crate::rt::DateTime::from(s.as_str()).unix_seconds());
            match secs {
                Some(secs) => check_timestamp(&f("timestamp"), secs, now)?,
                None => {
                    return Err(GuardError::new(
                        GuardKind::TimestampInvalid,
                        f("timestamp"),
                        format!(
                            "{s:?} is neither Unix seconds nor an RFC 3339 date-time such as \
                             \"2026-01-28T12:00:00Z\""
                        ),
                    ))
                }
            }
        }
        Some(_) => {
            return Err(GuardError::new(
                GuardKind::TimestampInvalid,
                f("timestamp"),
                "must be Unix seconds (v1) or an RFC 3339 date-time (v2)",
            ))
        }
    }
    Ok(())
}

/// Check a meter event adjustment (v1 or v2 shape): an `event_name`, `cancel.identifier`,
/// and no `identifier` at the top level.
pub fn check_adjustment_params(params: &Value) -> Result<(), GuardError> {
    let obj = params.as_object().ok_or_else(|| {
        GuardError::new(GuardKind::InvalidValue, "params", "must be a JSON object")
    })?;
    let event_name = match obj.get("event_name") {
        Some(Value::String(s)) => {
            check_event_name("event_name", s)?;
            s.as_str()
        }
        _ => {
            return Err(GuardError::new(
                GuardKind::Missing,
                "event_name",
                "is required: the event name of the meter event to cancel",
            ))
        }
    };
    let shape = |id: &str| {
        format!(
            "{{\"event_name\": \"{event_name}\", \"type\": \"cancel\", \"cancel\": {{\"identifier\": \"{id}\"}}}} \
             (MeterEventAdjustment::cancel(event_name, identifier) builds it)"
        )
    };
    if let Some(top) = obj.get("identifier") {
        let id = top.as_str().unwrap_or("<identifier>");
        return Err(GuardError::new(
            GuardKind::IdentifierAtTopLevel,
            "identifier",
            format!(
                "an adjustment names the event it cancels in `cancel.identifier`, not at the top \
                 level: send {}",
                shape(id)
            ),
        ));
    }
    if let Some(t) = obj.get("type") {
        if t.as_str() != Some("cancel") {
            return Err(GuardError::new(
                GuardKind::InvalidValue,
                "type",
                format!(
                    "is {t}; the only adjustment type is \"cancel\": send {}",
                    shape("<identifier>")
                ),
            ));
        }
    }
    match obj.get("cancel").and_then(|c| c.get("identifier")) {
        Some(Value::String(id)) => check_identifier("cancel.identifier", id)?,
        _ => {
            return Err(GuardError::new(
                GuardKind::CancelIdentifierRequired,
                "cancel.identifier",
                format!(
                    "is required: the identifier of the meter event to cancel; send {}",
                    shape("<identifier>")
                ),
            ))
        }
    }
    Ok(())
}

/// Check the body of a meter event stream request: 1 to 100 events, each checked with
/// [`check_event_params`].
pub fn check_stream_params(params: &Value, now: i64) -> Result<(), GuardError> {
    let events = params
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            GuardError::new(
                GuardKind::Missing,
                "events",
                "is required: an array of 1 to 100 events",
            )
        })?;
    check_batch_len(events.len())?;
    for (i, e) in events.iter().enumerate() {
        check_event_at(e, &format!("events[{i}]."), now)?;
    }
    Ok(())
}

/// Check the size of one stream request: 1 to 100 events.
pub fn check_batch_len(n: usize) -> Result<(), GuardError> {
    if n == 0 {
        return Err(GuardError::new(
            GuardKind::BatchSize,
            "events",
            "is empty: send at least one event",
        ));
    }
    if n > MAX_STREAM_EVENTS {
        return Err(GuardError::new(
            GuardKind::BatchSize,
            "events",
            format!(
                "has {n} events; one stream request carries at most {MAX_STREAM_EVENTS}: split \
                 them into chunks of 100 (stripe-client's MeterEventSender does this for you)"
            ),
        ));
    }
    Ok(())
}

/// Serialize generated parameters to JSON for the checks.
pub fn to_json<P: serde::Serialize + ?Sized>(params: &P) -> Result<Value, GuardError> {
    serde_json::to_value(params).map_err(|e| {
        GuardError::new(
            GuardKind::InvalidValue,
            "params",
            format!("cannot be serialized: {e}"),
        )
    })
}

/// `POST /v1/billing/meters`: [`check_meter_params`].
pub fn meter<P: Serialize + ?Sized>(params: &P, _: &CheckContext) -> Result<(), GuardError> {
    check_meter_params(&to_json(params)?)
}

/// `POST /v1/billing/meter_events` and `/v2/billing/meter_events`: [`check_event_params`].
pub fn meter_event<P: Serialize + ?Sized>(params: &P, cx: &CheckContext) -> Result<(), GuardError> {
    check_event_params(&to_json(params)?, cx.now.seconds())
}

/// The v1 and v2 meter event adjustments: [`check_adjustment_params`].
pub fn meter_event_adjustment<P: Serialize + ?Sized>(
    params: &P,
    _: &CheckContext,
) -> Result<(), GuardError> {
    check_adjustment_params(&to_json(params)?)
}

/// `POST /v2/billing/meter_event_stream`: [`check_stream_params`].
pub fn meter_event_stream<P: Serialize + ?Sized>(
    params: &P,
    cx: &CheckContext,
) -> Result<(), GuardError> {
    check_stream_params(&to_json(params)?, cx.now.seconds())
}
