//! The v2 meter event stream, low level: short-lived sessions (`POST
//! /v2/billing/meter_event_session`) and batches of up to 100 events per request.

use super::event::MeterEvent;
use super::guard;
use crate::clock::Clock;
use crate::encode::Body;
use crate::error::{ApiError, ApiErrorKind};
use crate::pipeline::Prepared;
use crate::{Client, Error, ErrorCode, RequestOptions};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;
use std::fmt;
use stripe_types::rt::{DateTime, Host, Method, Secret};

/// `POST /v2/billing/meter_event_stream` on the meter-events host.
pub const STREAM_PATH: &str = "/v2/billing/meter_event_stream";

/// A meter event session: a short-lived (15 minutes) bearer token for the meter-events host.
///
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct MeterEventSession {
    /// The session id.
    pub id: String,
    /// The bearer token ([`Secret`]: redacted in `Debug`; [`Secret::expose`] to read it).
    pub authentication_token: Secret<String>,
    /// When the session was created.
    pub created: DateTime,
    /// When the token stops working.
    pub expires_at: DateTime,
    /// Live or test mode.
    pub livemode: bool,
    expires_at_ms: i64,
    lifetime_ms: i64,
}

impl fmt::Debug for MeterEventSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeterEventSession")
            .field("id", &self.id)
            .field("authentication_token", &"[redacted]")
            .field("created", &self.created)
            .field("expires_at", &self.expires_at)
            .field("livemode", &self.livemode)
            .finish()
    }
}

impl MeterEventSession {
    /// A session from the generated response type.
    pub fn from_generated(s: stripe_types::V2BillingMeterEventSession) -> Result<Self, Error> {
        let expires = s.expires_at.unix_seconds().ok_or_else(|| {
            Error::Validation(format!(
                "meter event session {}: expires_at {:?} is not an RFC 3339 date-time",
                s.id,
                s.expires_at.as_str()
            ))
        })?;
        let created = s.created.unix_seconds().unwrap_or(expires - 900);
        Ok(MeterEventSession {
            id: s.id.into_inner(),
            authentication_token: s.authentication_token,
            created: s.created,
            expires_at: s.expires_at,
            livemode: s.livemode,
            expires_at_ms: expires.saturating_mul(1000),
            lifetime_ms: (expires - created).max(0).saturating_mul(1000),
        })
    }

    /// `expires_at` in Unix seconds.
    pub fn expires_at_unix(&self) -> i64 {
        self.expires_at_ms / 1000
    }

    /// `true` once `expires_at` has passed on `clock`.
    pub fn is_expired(&self, clock: &dyn Clock) -> bool {
        clock.unix_millis() >= self.expires_at_ms
    }

    /// Milliseconds of validity left on `clock` (negative once expired).
    pub(crate) fn remaining_ms(&self, clock: &dyn Clock) -> i64 {
        self.expires_at_ms - clock.unix_millis()
    }

    pub(crate) fn lifetime_ms(&self) -> i64 {
        self.lifetime_ms
    }
}

/// Create a meter event session: `POST /v2/billing/meter_event_session` with the secret key.
///
/// Against stripe-mock this fails with [`Error::Api`] (status 404): stripe-mock serves v1 only.
pub async fn create_session(client: &Client) -> Result<MeterEventSession, Error> {
    let s = client
        .send(&stripe_types::CreateV2BillingMeterEventSession::new())
        .await?;
    MeterEventSession::from_generated(s)
}

/// Send up to 100 events on the stream with the session's token as bearer. Events without
/// an identifier go without one (Stripe then cannot deduplicate a resend); call
/// [`MeterEvent::ensure_identifier`] first, or use
/// [`MeterEventSender`](super::MeterEventSender), which does.
///
/// Refused before the network: no events or more than 100, any event failing its guards
/// (both [`Error::Guard`]), an expired session ([`Error::SessionExpired`]). A 401
/// `billing_meter_event_session_expired` from the server is the same
/// [`Error::SessionExpired`]. The client's retry policy applies.
pub async fn send_events(
    client: &Client,
    session: &MeterEventSession,
    events: &[MeterEvent],
) -> Result<(), Error> {
    send_events_at(client, session, events, &*client.clock()).await
}

/// [`send_events`] with another clock than the client's (for the timestamp window and
/// expiry).
pub async fn send_events_at(
    client: &Client,
    session: &MeterEventSession,
    events: &[MeterEvent],
    clock: &dyn Clock,
) -> Result<(), Error> {
    stripe_types::rt::check::meter::check_batch_len(events.len())?;
    for (i, e) in events.iter().enumerate() {
        e.check(clock).map_err(|mut g| {
            g.field = format!("events[{i}].{}", g.field);
            g
        })?;
    }
    let body = encode_stream_body(events).map_err(|e| Error::Validation(e.to_string()))?;
    post_stream(client, session, body, None, clock).await
}

/// Send a generated stream request (checked with
/// [`check_stream_params`](guard::check_stream_params)).
pub async fn send_stream_request(
    client: &Client,
    session: &MeterEventSession,
    request: &stripe_types::CreateV2BillingMeterEventStream,
) -> Result<(), Error> {
    let clock = client.clock();
    let json = stripe_types::rt::check::meter::to_json(request)?;
    guard::check_stream_params(&json, &*clock)?;
    let body = serde_json::to_vec(&json).map_err(|e| Error::Validation(e.to_string()))?;
    post_stream(client, session, body, None, &*clock).await
}

/// The error for a session that expired before sending.
pub(crate) fn expired_locally(session: &MeterEventSession) -> Error {
    Error::SessionExpired(Box::new(ApiError {
        status: 401,
        kind: ApiErrorKind::SessionExpired,
        error_type: None,
        code: Some(ErrorCode::BillingMeterEventSessionExpired),
        decline_code: None,
        param: None,
        message: Some(format!(
            "meter event session {} expired at {}; no request was sent: create a new session \
             with meter::create_session",
            session.id, session.expires_at
        )),
        user_message: None,
        doc_url: None,
        request_log_url: None,
        request_id: None,
        is_v2: true,
        should_retry: None,
        raw: serde_json::Value::Null,
    }))
}

/// Build the prepared stream request once (reused across attempts).
pub(crate) fn prepare_stream(body: Vec<u8>) -> Prepared {
    Prepared {
        method: Method::Post,
        host: Host::MeterEvents,
        path: STREAM_PATH.to_owned(),
        query: Vec::new(),
        body: Body::Json(body),
        operation_id: Cow::Borrowed("PostV2BillingMeterEventStream"),
        is_v2: true,
        auth: stripe_types::rt::Auth::MeterEventSession,
    }
}

pub(crate) fn session_options(
    session: &MeterEventSession,
    max_retries: Option<u32>,
) -> RequestOptions {
    let mut opts = RequestOptions::new().header(
        "authorization",
        format!("Bearer {}", session.authentication_token.expose()),
    );
    opts.max_retries = max_retries;
    opts
}

pub(crate) async fn post_prepared(
    client: &Client,
    session: &MeterEventSession,
    prepared: &Prepared,
    max_retries: Option<u32>,
    clock: &dyn Clock,
) -> Result<(), Error> {
    if session.is_expired(clock) {
        return Err(expired_locally(session));
    }
    let opts = session_options(session, max_retries);
    client.execute_prepared(prepared, &opts).await.map(|_| ())
}

async fn post_stream(
    client: &Client,
    session: &MeterEventSession,
    body: Vec<u8>,
    max_retries: Option<u32>,
    clock: &dyn Clock,
) -> Result<(), Error> {
    let prepared = prepare_stream(body);
    post_prepared(client, session, &prepared, max_retries, clock).await
}

/// `POST /v2/billing/meter_events`: one event, validated synchronously (up to 1,000 calls
/// per second in live mode). Guards run first.
pub async fn create_v2_event(
    client: &Client,
    event: &MeterEvent,
) -> Result<stripe_types::V2BillingMeterEvent, Error> {
    event.check(&*client.clock())?;
    let params = event.to_v2_params();
    let mut opts = RequestOptions::new();
    opts.idempotency_key = event.idempotency_key.clone();
    client.send_with(&params, opts).await
}

/// `POST /v2/billing/meter_event_adjustments`: cancel the event with `identifier`.
pub async fn create_v2_adjustment(
    client: &Client,
    event_name: &str,
    identifier: &str,
) -> Result<stripe_types::V2BillingMeterEventAdjustment, Error> {
    let params = stripe_types::CreateV2BillingMeterEventAdjustment::new(
        stripe_types::v2_billing_meter_event_adjustment::create::Cancel::new(identifier),
        event_name,
        stripe_types::billing_meter_event_adjustment::Type::Cancel,
    );
    client.send(&params).await
}

/// One event as the v2 stream receives it: `{"event_name", "identifier"?, "payload",
/// "timestamp"? (RFC 3339)}`.
struct StreamEvent<'a>(&'a MeterEvent);

impl Serialize for StreamEvent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("event_name", &*e.event_name)?;
        if let Some(id) = &e.identifier {
            m.serialize_entry("identifier", id)?;
        }
        m.serialize_entry("payload", &Payload(e))?;
        if let Some(ts) = e.timestamp {
            m.serialize_entry("timestamp", DateTime::from_unix_seconds(ts).as_str())?;
        }
        m.end()
    }
}

/// The payload: customer, value and extra keys, every value a string.
struct Payload<'a>(&'a MeterEvent);

impl Serialize for Payload<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(&*e.customer_key, &*e.customer)?;
        if let Some(v) = &e.value {
            m.serialize_entry(&*e.value_key, v)?;
        }
        for (k, v) in &e.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One event as the stream receives it, as JSON text (what the outbox stores).
#[cfg(any(feature = "durable-sqlite", feature = "durable-postgres"))]
pub(crate) fn encode_stream_event(event: &MeterEvent) -> Result<String, serde_json::Error> {
    serde_json::to_string(&StreamEvent(event))
}

/// `{"events":[...]}` for a batch.
pub(crate) fn encode_stream_body(events: &[MeterEvent]) -> Result<Vec<u8>, serde_json::Error> {
    struct Batch<'a>(&'a [MeterEvent]);
    impl Serialize for Batch<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(1))?;
            let events: Vec<_> = self.0.iter().map(StreamEvent).collect();
            m.serialize_entry("events", &events)?;
            m.end()
        }
    }
    serde_json::to_vec(&Batch(events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_json_is_valid() {
        let e = MeterEvent::new("api\"calls", "cus_1")
            .value(2.5)
            .identifier("x")
            .timestamp(1_767_225_600)
            .payload("region", "eu");
        let body = encode_stream_body(&[e.clone(), MeterEvent::new("n", "cus_2")]).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v["events"][0],
            serde_json::json!({"event_name":"api\"calls","identifier":"x",
                "payload":{"stripe_customer_id":"cus_1","value":"2.5","region":"eu"},
                "timestamp":"2026-01-01T00:00:00Z"})
        );
        assert_eq!(v["events"][1]["payload"]["stripe_customer_id"], "cus_2");
        assert!(!format!("{e:?}").contains("cus_1"));
    }
}
