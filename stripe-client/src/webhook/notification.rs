//! v2 "thin" event notifications and the events they point to.

use super::event::V2_OBJECT;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use stripe_types::rt::de::Key;
use stripe_types::rt::Extra;
use stripe_types::DateTime;

/// The error text an [`EventNotification`] decode stops with when the payload is a v1 event.
pub(crate) const V1_OBJECT: &str = "event";

/// A v2 event notification (a "thin" event, `"object": "v2.core.event"`).
///
/// It carries no object snapshot: fetch the full event with [`EventNotification::fetch_event`]
/// or the current state of the object with [`EventNotification::fetch_related_object`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EventNotification {
    /// Unique identifier (`evt_...`).
    pub id: String,
    /// The event's type; JSON field `type`.
    pub type_: EventNotificationType,
    /// When the event was created.
    pub created: DateTime,
    /// `true` in live mode.
    pub livemode: bool,
    /// The authentication context (`acct_...`) to fetch the event and its object with; sent
    /// as `Stripe-Context`.
    pub context: Option<String>,
    /// The object the event is about.
    pub related_object: Option<RelatedObject>,
    /// Why the event happened (for example the API request behind it).
    pub reason: Option<serde_json::Value>,
    /// Fields the pinned spec does not know, kept as JSON.
    pub extra: Extra,
}

/// `Serialize` and `Deserialize` for a struct of this module that maps field for field onto a
/// JSON object (this crate uses no derive macros: see its Cargo.toml). Each field is written
/// under its key. When read, unknown keys are skipped, and a missing key is an error unless the
/// field is marked `= default`.
macro_rules! json_object {
    ($ty:ident, $expecting:literal { $($field:ident: $key:literal $(= $default:ident)?,)* }) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut st = s.serialize_struct(stringify!($ty), [$($key),*].len())?;
                $(st.serialize_field($key, &self.$field)?;)*
                st.end()
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        $(let mut $field = None;)*
                        while let Some(Key(k)) = map.next_key()? {
                            match &*k {
                                $($key => $field = Some(map.next_value()?),)*
                                _ => {
                                    map.next_value::<de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok($ty {
                            $($field: json_object!(@read $field, $key $(, $default)?),)*
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
    (@read $field:ident, $key:literal) => {
        $field.ok_or_else(|| de::Error::missing_field($key))?
    };
    (@read $field:ident, $key:literal, default) => {
        $field.unwrap_or_default()
    };
}

/// The object a v2 event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelatedObject {
    /// The object's id.
    pub id: String,
    /// The object's type (`billing.meter`, `v2.core.account`, ...); JSON field `type`.
    pub type_: String,
    /// The API path to retrieve it (`/v1/billing/meters/mtr_...`).
    pub url: String,
}

json_object!(RelatedObject, "a related object" {
    id: "id",
    type_: "type",
    url: "url",
});

macro_rules! notification_types {
    ($($(#[$doc:meta])* $v:ident => $s:literal,)*) => {
        /// The type of a v2 event. Open: types this SDK does not know are kept in `Unknown`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventNotificationType {
            $($(#[$doc])* $v,)*
            /// A type this SDK does not know.
            Unknown(String),
        }
        impl EventNotificationType {
            /// Every type this SDK knows.
            pub const ALL: &'static [EventNotificationType] = &[$(EventNotificationType::$v,)*];
            /// The type as sent.
            pub fn as_str(&self) -> &str {
                match self { $(EventNotificationType::$v => $s,)* EventNotificationType::Unknown(s) => s }
            }
        }
        impl FromStr for EventNotificationType {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $($s => EventNotificationType::$v,)*
                    other => EventNotificationType::Unknown(other.to_owned()),
                })
            }
        }
    };
}

notification_types! {
    /// `v1.billing.meter.error_report_triggered`: meter events failed validation; the full
    /// event's data is a [`MeterErrorReport`].
    V1BillingMeterErrorReportTriggered => "v1.billing.meter.error_report_triggered",
    /// `v1.billing.meter.no_meter_found`: meter events named a meter that does not exist; the
    /// full event's data is a [`MeterErrorReport`].
    V1BillingMeterNoMeterFound => "v1.billing.meter.no_meter_found",
    /// `v2.core.event_destination.ping`: a test ping to an event destination.
    V2CoreEventDestinationPing => "v2.core.event_destination.ping",
}

impl fmt::Display for EventNotificationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl Serialize for EventNotificationType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for EventNotificationType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        stripe_types::rt::de::str_enum(d)
    }
}

/// The fields shared by a notification and a fetched v2 event.
struct V2Fields {
    id: String,
    type_: EventNotificationType,
    created: DateTime,
    livemode: bool,
    context: Option<String>,
    related_object: Option<RelatedObject>,
    reason: Option<serde_json::Value>,
    data: Option<serde_json::Value>,
    changes: Option<serde_json::Value>,
    extra: Extra,
}

impl<'de> Deserialize<'de> for V2Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = V2Fields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Stripe v2 event")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V2Fields, A::Error> {
                let (mut id, mut type_, mut created, mut livemode) = (None, None, None, None);
                let (mut context, mut related_object, mut reason) = (None, None, None);
                let (mut data, mut changes, mut object) = (None, None, None);
                let mut extra = Extra::default();
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "id" => id = Some(map.next_value::<String>()?),
                        "object" => {
                            let o = map.next_value::<Key<'de>>()?;
                            if o.0 == V1_OBJECT {
                                return Err(de::Error::custom(V1_OBJECT));
                            }
                            if o.0 != V2_OBJECT {
                                return Err(de::Error::invalid_value(
                                    de::Unexpected::Str(&o.0),
                                    &"\"v2.core.event\"",
                                ));
                            }
                            object = Some(());
                        }
                        "type" => type_ = Some(map.next_value::<EventNotificationType>()?),
                        "created" => created = Some(map.next_value::<DateTime>()?),
                        "livemode" => livemode = Some(map.next_value::<bool>()?),
                        "context" => context = map.next_value()?,
                        "related_object" => related_object = map.next_value()?,
                        "reason" => reason = map.next_value()?,
                        "data" => data = map.next_value()?,
                        "changes" => changes = map.next_value()?,
                        _ => extra.insert(k.into_owned(), map.next_value()?),
                    }
                }
                object.ok_or_else(|| de::Error::missing_field("object"))?;
                Ok(V2Fields {
                    id: id.ok_or_else(|| de::Error::missing_field("id"))?,
                    type_: type_.ok_or_else(|| de::Error::missing_field("type"))?,
                    created: created.ok_or_else(|| de::Error::missing_field("created"))?,
                    livemode: livemode.ok_or_else(|| de::Error::missing_field("livemode"))?,
                    context,
                    related_object,
                    reason,
                    data,
                    changes,
                    extra,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for EventNotification {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = V2Fields::deserialize(d)?;
        let mut extra = f.extra;
        // A notification has no `data`/`changes`; keep them if a sender adds them.
        if let Some(v) = f.data {
            extra.insert("data".into(), v);
        }
        if let Some(v) = f.changes {
            extra.insert("changes".into(), v);
        }
        Ok(EventNotification {
            id: f.id,
            type_: f.type_,
            created: f.created,
            livemode: f.livemode,
            context: f.context,
            related_object: f.related_object,
            reason: f.reason,
            extra,
        })
    }
}

impl Serialize for EventNotification {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("object", V2_OBJECT)?;
        m.serialize_entry("type", &self.type_)?;
        m.serialize_entry("created", &self.created)?;
        m.serialize_entry("livemode", &self.livemode)?;
        if let Some(c) = &self.context {
            m.serialize_entry("context", c)?;
        }
        if let Some(r) = &self.related_object {
            m.serialize_entry("related_object", r)?;
        }
        if let Some(r) = &self.reason {
            m.serialize_entry("reason", r)?;
        }
        for (k, v) in self.extra.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A full v2 event, as returned by `GET /v2/core/events/{id}` (see
/// [`EventNotification::fetch_event`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct V2Event {
    /// Unique identifier (`evt_...`).
    pub id: String,
    /// The event's type; JSON field `type`.
    pub type_: EventNotificationType,
    /// When the event was created.
    pub created: DateTime,
    /// `true` in live mode.
    pub livemode: bool,
    /// The authentication context.
    pub context: Option<String>,
    /// The object the event is about.
    pub related_object: Option<RelatedObject>,
    /// Why the event happened.
    pub reason: Option<serde_json::Value>,
    /// The event's payload; its shape depends on [`V2Event::type_`] (see
    /// [`V2Event::meter_error_report`] and [`V2Event::data_as`]).
    pub data: Option<serde_json::Value>,
    /// Before and after values of the related object, for update events.
    pub changes: Option<serde_json::Value>,
    /// Fields the pinned spec does not know, kept as JSON.
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for V2Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = V2Fields::deserialize(d)?;
        Ok(V2Event {
            id: f.id,
            type_: f.type_,
            created: f.created,
            livemode: f.livemode,
            context: f.context,
            related_object: f.related_object,
            reason: f.reason,
            data: f.data,
            changes: f.changes,
            extra: f.extra,
        })
    }
}

impl V2Event {
    /// Decode `data` as `T` (`Ok(None)` when the event has no data).
    pub fn data_as<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Option<T>, super::WebhookError> {
        match &self.data {
            None => Ok(None),
            Some(v) => serde_path_to_error::deserialize(v).map(Some).map_err(|e| {
                super::WebhookError::InvalidPayload {
                    path: format!("data{}", display_path(e.path())),
                    message: e.inner().to_string(),
                }
            }),
        }
    }

    /// For `v1.billing.meter.error_report_triggered` and `v1.billing.meter.no_meter_found`:
    /// the typed report, with [`MeterErrorReport::meter_id`] taken from the related object.
    /// `Ok(None)` for other event types.
    pub fn meter_error_report(&self) -> Result<Option<MeterErrorReport>, super::WebhookError> {
        if !matches!(
            self.type_,
            EventNotificationType::V1BillingMeterErrorReportTriggered
                | EventNotificationType::V1BillingMeterNoMeterFound
        ) {
            return Ok(None);
        }
        let mut report = self.data_as::<MeterErrorReport>()?.unwrap_or_default();
        if report.meter_id.is_none() {
            report.meter_id = self
                .related_object
                .as_ref()
                .filter(|r| r.type_ == "billing.meter")
                .map(|r| r.id.clone());
        }
        Ok(Some(report))
    }
}

pub(crate) fn display_path(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." {
        String::new()
    } else {
        format!(".{s}")
    }
}

/// The data of a `v1.billing.meter.error_report_triggered` (or `v1.billing.meter.no_meter_found`)
/// event: which meter events failed validation in a window, grouped by error code, with a few
/// samples each.
///
/// ```
/// # use stripe_client::webhook::MeterErrorReport;
/// # fn f(report: &MeterErrorReport) {
/// for group in &report.reason.error_types {
///     println!("{}: {} errors, e.g. {:?}", group.code, group.error_count,
///              group.sample_errors.first().map(|s| &s.error_message));
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MeterErrorReport {
    /// The meter the errors are about (`mtr_...`): the event's related object.
    pub meter_id: Option<String>,
    /// A human-readable summary of the errors.
    pub developer_message_summary: String,
    /// The errors, by code.
    pub reason: MeterErrorReason,
    /// Start of the validation window the report covers.
    pub validation_start: Option<DateTime>,
    /// End of the validation window the report covers.
    pub validation_end: Option<DateTime>,
    /// Fields this SDK does not know, kept as JSON.
    pub extra: std::collections::BTreeMap<String, serde_json::Value>,
}

// By hand: `meter_id` is left out when unset, the two times are read leniently, and other
// keys are kept in `extra`.
impl Serialize for MeterErrorReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if let Some(id) = &self.meter_id {
            m.serialize_entry("meter_id", id)?;
        }
        m.serialize_entry("developer_message_summary", &self.developer_message_summary)?;
        m.serialize_entry("reason", &self.reason)?;
        m.serialize_entry("validation_start", &self.validation_start)?;
        m.serialize_entry("validation_end", &self.validation_end)?;
        for (k, v) in &self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for MeterErrorReport {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MeterErrorReport;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a meter error report")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MeterErrorReport, A::Error> {
                let mut r = MeterErrorReport::default();
                while let Some(Key(k)) = map.next_key()? {
                    match &*k {
                        "meter_id" => r.meter_id = map.next_value()?,
                        "developer_message_summary" => {
                            r.developer_message_summary = map.next_value()?
                        }
                        "reason" => r.reason = map.next_value()?,
                        "validation_start" => {
                            r.validation_start = map.next_value::<LenientTime>()?.0
                        }
                        "validation_end" => r.validation_end = map.next_value::<LenientTime>()?.0,
                        _ => {
                            r.extra.insert(k.into_owned(), map.next_value()?);
                        }
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_map(V)
    }
}

impl MeterErrorReport {
    /// The summary text ([`MeterErrorReport::developer_message_summary`]).
    pub fn summary(&self) -> &str {
        &self.developer_message_summary
    }
    /// How many meter events failed in the window.
    pub fn error_count(&self) -> i64 {
        self.reason.error_count
    }
    /// The error groups, one per code.
    pub fn errors(&self) -> &[MeterErrorGroup] {
        &self.reason.error_types
    }
}

/// `reason` of a [`MeterErrorReport`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MeterErrorReason {
    /// The total number of errors in the window.
    pub error_count: i64,
    /// The errors, grouped by code.
    pub error_types: Vec<MeterErrorGroup>,
}

json_object!(MeterErrorReason, "the reason of a meter error report" {
    error_count: "error_count" = default,
    error_types: "error_types" = default,
});

/// The errors of one code in a [`MeterErrorReport`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MeterErrorGroup {
    /// The error code.
    pub code: MeterErrorCode,
    /// How many meter events failed with this code.
    pub error_count: i64,
    /// A few of them.
    pub sample_errors: Vec<MeterSampleError>,
}

json_object!(MeterErrorGroup, "a meter error group" {
    code: "code",
    error_count: "error_count" = default,
    sample_errors: "sample_errors" = default,
});

/// One failed meter event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MeterSampleError {
    /// What was wrong with it.
    pub error_message: String,
    /// The meter event request.
    pub request: Option<MeterSampleRequest>,
}

json_object!(MeterSampleError, "a sample meter error" {
    error_message: "error_message" = default,
    request: "request" = default,
});

/// The request of a failed meter event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MeterSampleRequest {
    /// The meter event's `identifier`.
    pub identifier: String,
}

json_object!(MeterSampleRequest, "the request of a sample meter error" {
    identifier: "identifier" = default,
});

macro_rules! meter_codes {
    ($($v:ident => $s:literal,)*) => {
        /// Why a meter event failed validation. Open: new codes are kept in `Unknown`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum MeterErrorCode {
            $(#[doc = concat!("`", $s, "`")] $v,)*
            /// A code this SDK does not know.
            Unknown(String),
        }
        impl MeterErrorCode {
            /// The code as sent.
            pub fn as_str(&self) -> &str {
                match self { $(MeterErrorCode::$v => $s,)* MeterErrorCode::Unknown(s) => s }
            }
        }
        impl FromStr for MeterErrorCode {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s { $($s => MeterErrorCode::$v,)* o => MeterErrorCode::Unknown(o.to_owned()) })
            }
        }
    };
}

meter_codes! {
    ArchivedMeter => "archived_meter",
    MeterEventCustomerNotFound => "meter_event_customer_not_found",
    MeterEventDimensionCountTooHigh => "meter_event_dimension_count_too_high",
    MeterEventInvalidValue => "meter_event_invalid_value",
    MeterEventNoCustomerDefined => "meter_event_no_customer_defined",
    MissingDimensionPayloadKeys => "missing_dimension_payload_keys",
    NoMeter => "no_meter",
    TimestampInFuture => "timestamp_in_future",
    TimestampTooFarInPast => "timestamp_too_far_in_past",
}

impl fmt::Display for MeterErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl Serialize for MeterErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for MeterErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        stripe_types::rt::de::str_enum(d)
    }
}

/// A time sent either as RFC 3339 text or as Unix seconds (or `null`).
struct LenientTime(Option<DateTime>);

impl<'de> Deserialize<'de> for LenientTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<DateTime>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time or Unix seconds")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                d.deserialize_any(V)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(DateTime::from(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(DateTime::from_unix_seconds(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(|v| Some(DateTime::from_unix_seconds(v)))
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
        }
        d.deserialize_option(V).map(LenientTime)
    }
}
