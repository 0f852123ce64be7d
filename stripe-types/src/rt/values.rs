//! Value types shared by every generated item: ids, expandable fields, exact numbers and
//! times, unsettable parameters, secrets, unknown-field capture.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use super::Boxed;

/// An object with an id (implemented by every generated resource that has one).
pub trait HasId {
    /// The object's id, when it has one.
    fn id_str(&self) -> Option<&str>;
}

/// A typed id: `Id<Customer>` (alias `CustomerId`) holds `"cus_..."`.
///
/// Converts from `&str` and `String`, so endpoints taking `impl Into<CustomerId>` accept either.
pub struct Id<T: ?Sized>(String, PhantomData<fn() -> T>);

impl<T: ?Sized> Id<T> {
    /// Wrap an id string.
    pub fn new(id: impl Into<String>) -> Self {
        Id(id.into(), PhantomData)
    }
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The id string.
    pub fn into_inner(self) -> String {
        self.0
    }
}
impl<T: ?Sized> Clone for Id<T> {
    fn clone(&self) -> Self {
        Id(self.0.clone(), PhantomData)
    }
}
impl<T: ?Sized> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T: ?Sized> Eq for Id<T> {}
impl<T: ?Sized> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: ?Sized> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}
impl<T: ?Sized> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}
impl<T: ?Sized> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
impl<T: ?Sized> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl<T: ?Sized> std::ops::Deref for Id<T> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}
impl<T: ?Sized> AsRef<str> for Id<T> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
impl<T: ?Sized> From<&str> for Id<T> {
    fn from(s: &str) -> Self {
        Id::new(s)
    }
}
impl<T: ?Sized> From<String> for Id<T> {
    fn from(s: String) -> Self {
        Id::new(s)
    }
}
impl<T: ?Sized> From<&String> for Id<T> {
    fn from(s: &String) -> Self {
        Id::new(s.as_str())
    }
}
impl<T: ?Sized> From<&Id<T>> for Id<T> {
    fn from(s: &Id<T>) -> Self {
        s.clone()
    }
}
impl<T: ?Sized> From<Id<T>> for String {
    fn from(s: Id<T>) -> Self {
        s.0
    }
}
/// A borrowed typed id fills a plain `String` parameter too (`.item(&price.id, 1)`).
impl<T: ?Sized> From<&Id<T>> for String {
    fn from(s: &Id<T>) -> Self {
        s.0.clone()
    }
}
impl<T: ?Sized> std::str::FromStr for Id<T> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Id::new(s))
    }
}
impl<T: ?Sized> PartialEq<str> for Id<T> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}
impl<T: ?Sized> PartialEq<&str> for Id<T> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}
impl<T: ?Sized> Serialize for Id<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}
impl<'de, T: ?Sized> Deserialize<'de> for Id<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Id::new)
    }
}

/// An expandable field: the id of a related object, or — when the request asked for it with
/// `expand` — the object itself, with its id. Decodes both shapes.
///
/// `I` is the id type: the object's (`Expandable<Customer>` holds a `CustomerId`), or, for
/// an object that may come deleted, the live object's (`Expandable<CustomerOrDeletedCustomer,
/// CustomerId>`). [`id`](Expandable::id) returns it either way; [`as_object`](Expandable::as_object)
/// returns the object when expanded, and [`live`](Expandable::live) the live object of an
/// object-or-deleted union:
///
/// ```
/// # #[cfg(feature = "subscriptions")] {
/// fn show(sub: &stripe_types::Subscription) {
///     let id: &stripe_types::CustomerId = sub.customer.id();
///     match sub.customer.live() {
///         Some(customer) => println!("{id}: {:?}", customer.email),
///         None => println!("{id} (not expanded, or deleted)"),
///     }
/// }
/// # }
/// ```
#[derive(Clone, PartialEq)]
pub enum Expandable<T, I = Id<T>> {
    /// Not expanded: the related object's id.
    Id(I),
    /// Expanded: the related object, with its id.
    Object(Expanded<T, I>),
}

/// An expanded object and its id (the id as the [`Expandable`] holds it). Derefs to the
/// object.
#[derive(Clone, PartialEq)]
pub struct Expanded<T, I = Id<T>> {
    id: I,
    object: Boxed<T>,
}

impl<T, I> Expanded<T, I> {
    /// An expanded object with its id.
    pub fn new(id: I, object: T) -> Self {
        Expanded {
            id,
            object: Boxed::new(object),
        }
    }
    /// The object's id.
    pub fn id(&self) -> &I {
        &self.id
    }
    /// The object.
    pub fn object(&self) -> &T {
        &self.object
    }
    /// The object.
    pub fn into_object(self) -> T {
        self.object.into_inner()
    }
    /// The object (as [`Boxed::into_inner`], which the expanded object was before it carried
    /// its id).
    pub fn into_inner(self) -> T {
        self.object.into_inner()
    }
    /// The id and the object.
    pub fn into_parts(self) -> (I, T) {
        (self.id, self.object.into_inner())
    }
}

impl<T: HasId, I: From<String>> Expanded<T, I> {
    /// An expanded object, its id read from it; `None` when it has none.
    pub fn from_object(object: T) -> Option<Self> {
        let id = I::from(object.id_str()?.to_owned());
        Some(Expanded::new(id, object))
    }
}

impl<T, I> std::ops::Deref for Expanded<T, I> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.object
    }
}

impl<T, I> AsRef<T> for Expanded<T, I> {
    fn as_ref(&self) -> &T {
        &self.object
    }
}

impl<T: fmt::Debug, I> fmt::Debug for Expanded<T, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.object, f)
    }
}

impl<T, I> Expandable<T, I> {
    /// The related object's id, expanded or not.
    pub fn id(&self) -> &I {
        match self {
            Expandable::Id(id) => id,
            Expandable::Object(o) => &o.id,
        }
    }
    /// The related object's id, expanded or not.
    pub fn into_id(self) -> I {
        match self {
            Expandable::Id(id) => id,
            Expandable::Object(o) => o.id,
        }
    }
    /// `true` when the object is present.
    pub fn is_object(&self) -> bool {
        matches!(self, Expandable::Object(_))
    }
    /// The object, when expanded.
    pub fn as_object(&self) -> Option<&T> {
        match self {
            Expandable::Object(o) => Some(&o.object),
            Expandable::Id(_) => None,
        }
    }
    /// The object, when expanded.
    pub fn into_object(self) -> Option<T> {
        match self {
            Expandable::Object(o) => Some(o.object.into_inner()),
            Expandable::Id(_) => None,
        }
    }
}

impl<T: LiveObject, I> Expandable<T, I> {
    /// The live object of an object-or-deleted union (the `Customer` of
    /// `CustomerOrDeletedCustomer`), when expanded and not deleted.
    pub fn live(&self) -> Option<&T::Live> {
        self.as_object().and_then(LiveObject::live)
    }
}

/// A union of an object and its deleted form (`CustomerOrDeletedCustomer`), implemented by
/// the generated unions: the live object, when it is not deleted.
pub trait LiveObject {
    /// The live object (`Customer`).
    type Live;
    /// The live object, unless this is the deleted form (or a shape this SDK does not know).
    fn live(&self) -> Option<&Self::Live>;
}

impl<T: fmt::Debug, I: fmt::Debug> fmt::Debug for Expandable<T, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expandable::Id(id) => f.debug_tuple("Id").field(id).finish(),
            Expandable::Object(o) => f.debug_tuple("Object").field(&*o.object).finish(),
        }
    }
}

impl<T: Serialize, I: Serialize> Serialize for Expandable<T, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expandable::Id(id) => id.serialize(s),
            Expandable::Object(o) => o.object.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de> + HasId, I: From<String>> Deserialize<'de> for Expandable<T, I> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, I>(PhantomData<(T, I)>);
        impl<'de, T: Deserialize<'de> + HasId, I: From<String>> Visitor<'de> for V<T, I> {
            type Value = Expandable<T, I>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id string or an expanded object")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Expandable::Id(I::from(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Expandable::Id(I::from(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let object = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Expanded::from_object(object)
                    .map(Expandable::Object)
                    .ok_or_else(|| de::Error::missing_field("id"))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `Serialize`/`Deserialize` as the inner value, for the newtypes below (hand-written:
/// stripe-types depends on `serde_core` alone, without the derive macros).
macro_rules! transparent_serde {
    ($($name:ident($inner:ty)),*) => {$(
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$inner>::deserialize(d).map($name)
            }
        }
    )*};
}
transparent_serde!(Timestamp(i64), DateTime(String), Decimal(String));

/// A Unix timestamp in seconds, exactly as the API sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time, truncated to seconds (on wasm32, from the JavaScript host's `Date`:
    /// std has no clock there).
    pub fn now() -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        return Timestamp::from(std::time::SystemTime::now());
        #[cfg(target_arch = "wasm32")]
        return Timestamp((js_sys::Date::now() / 1000.0).floor() as i64);
    }
    /// Seconds since the Unix epoch.
    pub fn seconds(self) -> i64 {
        self.0
    }
}
impl From<i64> for Timestamp {
    fn from(v: i64) -> Self {
        Timestamp(v)
    }
}
impl From<std::time::SystemTime> for Timestamp {
    fn from(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp(d.as_secs() as i64),
            Err(e) => Timestamp(-(e.duration().as_secs() as i64)),
        }
    }
}
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A v2 RFC 3339 date-time, kept as the exact text the API sent (no precision is lost).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub String);

impl DateTime {
    /// The text as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Seconds since the Unix epoch, when the text is a valid RFC 3339 date-time.
    pub fn unix_seconds(&self) -> Option<i64> {
        parse_rfc3339(&self.0)
    }
    /// Format Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn from_unix_seconds(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        DateTime(format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        ))
    }
}
impl From<Timestamp> for DateTime {
    fn from(t: Timestamp) -> Self {
        DateTime::from_unix_seconds(t.0)
    }
}
impl From<&str> for DateTime {
    fn from(s: &str) -> Self {
        DateTime(s.to_owned())
    }
}
impl From<String> for DateTime {
    fn from(s: String) -> Self {
        DateTime(s)
    }
}
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm.
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            let v = oh * 3600 + om * 60;
            if rest.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// A decimal number sent as a string (`format: decimal`), kept exactly (no float rounding).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(pub String);

impl Decimal {
    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The value as a (possibly rounded) `f64`.
    pub fn to_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }
}
impl From<&str> for Decimal {
    fn from(s: &str) -> Self {
        Decimal(s.to_owned())
    }
}
impl From<String> for Decimal {
    fn from(s: String) -> Self {
        Decimal(s)
    }
}
impl From<i64> for Decimal {
    fn from(v: i64) -> Self {
        Decimal(v.to_string())
    }
}
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A v2 64-bit integer sent as a JSON string (`"9007199254740993"`); exact, never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Int64String(pub i64);

impl Serialize for Int64String {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}
impl<'de> Deserialize<'de> for Int64String {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int64String;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 64-bit integer as a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int64String, E> {
                v.parse().map(Int64String).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int64String, E> {
                Ok(Int64String(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int64String, E> {
                i64::try_from(v).map(Int64String).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}
impl From<i64> for Int64String {
    fn from(v: i64) -> Self {
        Int64String(v)
    }
}

/// A parameter that can be set to a value or explicitly cleared.
///
/// `Clear` is sent as an empty string in v1 form bodies (`description=`) — Stripe's way to
/// unset a field — and as `null` in v2 JSON bodies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Clearable<T> {
    /// Set the field to this value.
    Set(T),
    /// Unset the field.
    Clear,
}
impl<T> From<T> for Clearable<T> {
    fn from(v: T) -> Self {
        Clearable::Set(v)
    }
}
impl<T: Serialize> Serialize for Clearable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Clearable::Set(v) => v.serialize(s),
            Clearable::Clear => s.serialize_unit(),
        }
    }
}

/// A secret value (client secret, session token, one-time URL, meter event payload).
///
/// `Debug` and `Display` print `[redacted]`; call [`Secret::expose`] to read it on purpose.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wrap a value.
    pub fn new(v: T) -> Self {
        Secret(v)
    }
    /// Read the secret on purpose.
    pub fn expose(&self) -> &T {
        &self.0
    }
    /// Take the secret out.
    pub fn into_exposed(self) -> T {
        self.0
    }
}
impl<T> From<T> for Secret<T> {
    fn from(v: T) -> Self {
        Secret(v)
    }
}
impl From<&str> for Secret<String> {
    fn from(v: &str) -> Self {
        Secret(v.to_owned())
    }
}
impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}
impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}
impl<T: Serialize> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Secret)
    }
}

/// A binary response body (for example the PDF of a quote).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Binary(pub Vec<u8>);

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({} bytes)", self.0.len())
    }
}
impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Binary;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Binary, E> {
                Ok(Binary(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Binary, E> {
                Ok(Binary(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Binary, E> {
                Ok(Binary(v.as_bytes().to_vec()))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// The struct name under which [`FileUpload`] serialises; the client's multipart encoder
/// recognises it and writes a file part.
pub const FILE_UPLOAD_STRUCT: &str = "$stripe::FileUpload";

/// A file to upload (the `file` part of `POST /v1/files`).
#[derive(Clone, PartialEq, Eq)]
pub struct FileUpload {
    /// The file name sent in `Content-Disposition`.
    pub filename: String,
    /// The part's content type (default `application/octet-stream`).
    pub content_type: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
}

impl FileUpload {
    /// A file from bytes.
    pub fn from_bytes(filename: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        FileUpload {
            filename: filename.into(),
            content_type: None,
            data: data.into(),
        }
    }
    /// Read a file from disk; the file name is the path's last component.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let data = std::fs::read(path)?;
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(FileUpload {
            filename,
            content_type: None,
            data,
        })
    }
    /// Set the part's content type.
    pub fn content_type(mut self, ct: impl Into<String>) -> Self {
        self.content_type = Some(ct.into());
        self
    }
}
impl fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileUpload")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}
impl Serialize for FileUpload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct(FILE_UPLOAD_STRUCT, 3)?;
        st.serialize_field("filename", &self.filename)?;
        st.serialize_field(
            "content_type",
            self.content_type
                .as_deref()
                .unwrap_or("application/octet-stream"),
        )?;
        st.serialize_field("data", &serde_bytes_ref(&self.data))?;
        st.end()
    }
}

struct BytesRef<'a>(&'a [u8]);
fn serde_bytes_ref(b: &[u8]) -> BytesRef<'_> {
    BytesRef(b)
}
impl Serialize for BytesRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Fields of a response object that the pinned spec does not name, kept as raw JSON.
///
/// Stripe adds fields without a new API version; they decode into here instead of failing.
#[derive(Clone, Default, PartialEq)]
pub struct Extra(pub Option<Box<BTreeMap<String, serde_json::Value>>>);

impl Extra {
    /// `true` when the object had no unknown fields.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|m| m.is_empty())
    }
    /// The unknown field `key`.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.as_ref()?.get(key)
    }
    /// Every unknown field.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &serde_json::Value)> {
        self.0.iter().flat_map(|m| m.iter())
    }
    /// Record an unknown field.
    pub fn insert(&mut self, key: String, value: serde_json::Value) {
        self.0
            .get_or_insert_with(Default::default)
            .insert(key, value);
    }
}
impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}
impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = BTreeMap::<String, serde_json::Value>::deserialize(d)?;
        Ok(Extra(if m.is_empty() {
            None
        } else {
            Some(Box::new(m))
        }))
    }
}

/// The answer of an operation that answers with an empty object (`{}`): the v2 meter event
/// stream, which accepts events for asynchronous processing. Fields a newer API version adds
/// are kept in [`extra`](Empty::extra); anything but an object is a decoding error.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Empty {
    /// Fields the pinned spec does not name.
    pub extra: Extra,
}
impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.extra.serialize(s)
    }
}
impl<'de> Deserialize<'de> for Empty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Extra::deserialize(d).map(|extra| Empty { extra })
    }
}

/// A metadata map (`metadata[key]=value`).
pub type Metadata = BTreeMap<String, String>;

/// Changes to a metadata map where the API lets a key be removed (the v2 update operations):
/// `Clearable::Set(value)` sets the key, `Clearable::Clear` removes it (sent as `null`);
/// keys left out stay as they are.
///
/// ```
/// use stripe_types::rt::{Clearable, MetadataUpdate};
/// let update = MetadataUpdate::from([
///     ("plan".to_owned(), Clearable::Set("pro".to_owned())),
///     ("trial".to_owned(), Clearable::Clear),
/// ]);
/// assert_eq!(serde_json::to_string(&update).unwrap(), r#"{"plan":"pro","trial":null}"#);
/// ```
pub type MetadataUpdate = BTreeMap<String, Clearable<String>>;

// ---- decoding (see `rt::json`) ----------------------------------------------------

use crate::rt::json::{Decode, Reader, Result as JsonResult};

impl<T: ?Sized> Decode for Id<T> {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        r.str().map(|s| Id::new(s.into_owned()))
    }
}

impl<T: Decode + HasId, I: From<String>> Decode for Expandable<T, I> {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        match r.peek_byte() {
            Some(b'"') => r.str().map(|id| Expandable::Id(I::from(id.into_owned()))),
            Some(b'{') => {
                let object: Boxed<T> = r.decode()?;
                // An expanded object always has its id (every expandable object of the
                // spec requires one); one without is malformed, not an empty id.
                match object.id_str() {
                    Some(id) => Ok(Expandable::Object(Expanded {
                        id: I::from(id.to_owned()),
                        object,
                    })),
                    None => Err(r.missing("id")),
                }
            }
            _ => Err(r.invalid_type("an id string or an expanded object")),
        }
    }
}

impl Decode for Timestamp {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        r.i64().map(Timestamp)
    }
}

impl Decode for DateTime {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        r.str().map(|s| DateTime(s.into_owned()))
    }
}

impl Decode for Decimal {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        r.str().map(|s| Decimal(s.into_owned()))
    }
}

impl Decode for Int64String {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        if r.peek_byte() == Some(b'"') {
            let s = r.str()?;
            s.parse().map(Int64String).map_err(|e| r.error(e))
        } else {
            r.i64().map(Int64String)
        }
    }
}

impl<T: Decode> Decode for Secret<T> {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        T::decode(r).map(Secret)
    }
}

impl Decode for Extra {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        let m = BTreeMap::<String, serde_json::Value>::decode(r)?;
        Ok(Extra(if m.is_empty() {
            None
        } else {
            Some(Box::new(m))
        }))
    }
}

impl Decode for Empty {
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        Extra::decode(r).map(|extra| Empty { extra })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = DateTime::from_unix_seconds(1_700_000_000);
        assert_eq!(t.as_str(), "2023-11-14T22:13:20Z");
        assert_eq!(t.unix_seconds(), Some(1_700_000_000));
        assert_eq!(
            DateTime::from("2023-11-14T23:13:20.123+01:00").unix_seconds(),
            Some(1_700_000_000)
        );
        assert_eq!(DateTime::from("garbage").unix_seconds(), None);
    }
}
