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
            let path = e.path();
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventRequest {
    /// The request's id (`req_...`); `None` for events caused outside the API (the Dashboard,
    /// automatic actions).
    pub id: Option<String>,
    /// The idempotency key the request was sent with.
    pub idempotency_key: Option<String>,
}

impl Serialize for EventRequest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("EventRequest", 2)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("idempotency_key", &self.idempotency_key)?;
        st.end()
    }
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

/// An event whose object is still raw JSON. Decoding stops here, and the object is
/// decoded into an [`EventObject`] only once nothing else can fail ([`RawEvent::finish`]):
/// so no error path drops an `EventObject`, whose drop code (that of every resource) would
/// otherwise be compiled into each function that could drop one.
pub(crate) struct RawEvent {
    id: String,
    type_: EventType,
    api_version: Option<String>,
    created: Timestamp,
    livemode: bool,
    request: Option<EventRequest>,
    data: RawData,
    account: Option<String>,
    context: Option<String>,
    pending_webhooks: i64,
    extra: Extra,
}

struct RawData {
    object: Box<RawValue>,
    previous_attributes: Option<serde_json::Value>,
    extra: Extra,
}

impl RawEvent {
    /// Decode the object: the event.
    pub(crate) fn finish(self) -> Event {
        Event {
            id: self.id,
            type_: self.type_,
            api_version: self.api_version,
            created: self.created,
            livemode: self.livemode,
            request: self.request,
            account: self.account,
            context: self.context,
            pending_webhooks: self.pending_webhooks,
            extra: self.extra,
            data: self.data.finish(),
        }
    }
}

impl RawData {
    fn finish(self) -> EventData {
        let (object, object_decode_error) = decode_object(&self.object);
        EventData {
            object,
            previous_attributes: self.previous_attributes,
            object_decode_error,
            extra: self.extra,
        }
    }
}

impl<'de> Deserialize<'de> for EventData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawData::deserialize(d).map(RawData::finish)
    }
}

impl<'de> Deserialize<'de> for RawData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("event data")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawData, A::Error> {
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
                Ok(RawData {
                    object: object.ok_or_else(|| de::Error::missing_field("object"))?,
                    previous_attributes,
                    extra,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawEvent::deserialize(d).map(RawEvent::finish)
    }
}

impl<'de> Deserialize<'de> for RawEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEvent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Stripe event")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent, A::Error> {
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
                        "data" => data = Some(map.next_value::<RawData>()?),
                        "account" => account = map.next_value()?,
                        "context" => context = map.next_value()?,
                        "pending_webhooks" => pending_webhooks = map.next_value::<Option<i64>>()?,
                        _ => extra.insert(k.into_owned(), map.next_value()?),
                    }
                }
                Ok(RawEvent {
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
