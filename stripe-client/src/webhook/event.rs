//! The typed v1 (snapshot) event delivered to webhook endpoints.

use super::types::{EventObject, EventType};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::fmt;
use stripe_types::rt::de::Key;
use stripe_types::rt::{DecodeBody, Extra};
use stripe_types::Timestamp;

/// The error text an [`Event`] decode stops with when the payload is a v2 notification.
pub(crate) const V2_OBJECT: &str = "v2.core.event";

/// A v1 event (`"object": "event"`), as delivered to a webhook endpoint or returned by
/// `GET /v1/events/{id}`.
///
/// Decoding is tolerant of API versions other than the pinned one: an unknown event type
/// lands in [`EventType::Unknown`], an unknown (or differently shaped) object in
/// [`EventObject::Unknown`] as raw JSON, and unknown top-level fields in [`Event::extra`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Event {
    /// Unique identifier (`evt_...`).
    pub id: String,
    /// The event's type (`payment_intent.succeeded`, ...); JSON field `type`.
    pub type_: EventType,
    /// The API version the event's object was rendered with.
    pub api_version: Option<String>,
    /// When the event was created.
    pub created: Timestamp,
    /// `true` in live mode, `false` in test mode.
    pub livemode: bool,
    /// The API request that caused the event, if any.
    pub request: Option<EventRequest>,
    /// The object the event is about, and what changed.
    pub data: EventData,
    /// The connected account that originated the event (Connect).
    pub account: Option<String>,
    /// The authentication context of the event (accounts v2).
    pub context: Option<String>,
    /// How many webhook deliveries of this event have not yet succeeded.
    pub pending_webhooks: i64,
    /// Fields the pinned spec does not know, kept as JSON.
    pub extra: Extra,
}

impl Event {
    /// The `object` name of [`EventData::object`] (`"payment_intent"`, ...), when known.
    pub fn object_name(&self) -> Option<&str> {
        self.data.object.object_name()
    }
}

/// `data` of an [`Event`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EventData {
    /// The object the event is about, decoded by its own `object` field.
    pub object: EventObject,
    /// For `*.updated` events: the changed attributes' previous values.
    pub previous_attributes: Option<serde_json::Value>,
    /// When the object names a known type but does not decode into it (an event rendered
    /// with another API version, say), the object is kept as [`EventObject::Unknown`] and
    /// this says why.
    pub object_decode_error: Option<String>,
    /// Fields the pinned spec does not know, kept as JSON.
    pub extra: Extra,
}

/// Decode an event's object with [`EventObject`]'s `DecodeBody` impl (compiled once, in
/// stripe-types); one that does not fit its type stays raw JSON, with the reason.
fn decode_object(raw: &RawValue) -> (EventObject, Option<String>) {
    let bytes = raw.get().as_bytes();
    match EventObject::decode_body(bytes) {
        Ok(o) => (o, None),
        Err(e) => {
            let path = stripe_types::rt::json_path::error_path(bytes, e.line(), e.column());
            // The position is relative to the object, not the payload: leave it out.
            let message = e.message().to_owned();
            let err = if path == "." {
                message
            } else {
                format!("{path}: {message}")
            };
            // `raw` is well-formed JSON (the parser checked it), so this cannot fail.
            let v = serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null);
            (EventObject::Unknown(v), Some(err))
        }
    }
}

/// The API request behind an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EventRequest {
    /// The request's id (`req_...`); `None` for events caused outside the API (the Dashboard,
    /// automatic actions).
    pub id: Option<String>,
    /// The idempotency key the request was sent with.
    pub idempotency_key: Option<String>,
}

impl<'de> Deserialize<'de> for EventRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EventRequest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request object or (before API version 2017-05-25) a request id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EventRequest, E> {
                Ok(EventRequest {
                    id: Some(v.to_owned()),
                    idempotency_key: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventRequest, A::Error> {
                let mut r = EventRequest::default();
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "id" => r.id = map.next_value()?,
                        "idempotency_key" => r.idempotency_key = map.next_value()?,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for EventData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EventData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("event data")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventData, A::Error> {
                let mut object = None;
                let mut previous_attributes = None;
                let mut extra = Extra::default();
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "object" => object = Some(map.next_value()?),
                        "previous_attributes" => previous_attributes = map.next_value()?,
                        _ => extra.insert(k.into_owned(), map.next_value()?),
                    }
                }
                let object: Box<RawValue> =
                    object.ok_or_else(|| de::Error::missing_field("object"))?;
                let (object, object_decode_error) = decode_object(&object);
                Ok(EventData {
                    object,
                    previous_attributes,
                    object_decode_error,
                    extra,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Event;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Stripe event")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
                let mut id = None;
                let mut type_ = None;
                let mut api_version = None;
                let mut created = None;
                let mut livemode = None;
                let mut request = None;
                let mut data = None;
                let mut account = None;
                let mut context = None;
                let mut pending_webhooks = None;
                let mut extra = Extra::default();
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "id" => id = Some(map.next_value::<String>()?),
                        "object" => {
                            let o = map.next_value::<Option<Key<'de>>>()?;
                            if o.is_some_and(|o| o.0 == V2_OBJECT) {
                                return Err(de::Error::custom(V2_OBJECT));
                            }
                        }
                        "type" => type_ = Some(map.next_value::<EventType>()?),
                        "api_version" => api_version = map.next_value()?,
                        "created" => created = Some(map.next_value::<Timestamp>()?),
                        "livemode" => livemode = Some(map.next_value::<bool>()?),
                        "request" => request = map.next_value()?,
                        "data" => data = Some(map.next_value::<EventData>()?),
                        "account" => account = map.next_value()?,
                        "context" => context = map.next_value()?,
                        "pending_webhooks" => pending_webhooks = map.next_value::<Option<i64>>()?,
                        _ => extra.insert(k.into_owned(), map.next_value()?),
                    }
                }
                Ok(Event {
                    id: id.ok_or_else(|| de::Error::missing_field("id"))?,
                    type_: type_.ok_or_else(|| de::Error::missing_field("type"))?,
                    api_version,
                    created: created.ok_or_else(|| de::Error::missing_field("created"))?,
                    livemode: livemode.ok_or_else(|| de::Error::missing_field("livemode"))?,
                    request,
                    data: data.ok_or_else(|| de::Error::missing_field("data"))?,
                    account,
                    context,
                    pending_webhooks: pending_webhooks.unwrap_or(0),
                    extra,
                })
            }
        }
        d.deserialize_map(V)
    }
}
