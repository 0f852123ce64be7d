//! Small shared helpers the generated `Serialize`/`Deserialize` impls call, so that each
//! generated type carries only a field table, not a copy of generic machinery.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A map key, borrowed from the input when it has no escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The next key of a generated struct's map, out of line (see [`next`]).
#[inline(never)]
pub fn next_key<'de, A: de::MapAccess<'de>>(map: &mut A) -> Result<Option<Key<'de>>, A::Error> {
    map.next_key()
}

/// The next value of a generated struct's map, out of line.
///
/// Generated decoders read every field through this function rather than inlining
/// `next_value` (and with it the field type's whole decoder) into each struct: each
/// `(map, field type)` pair is compiled once and called from every struct with such a field.
/// That keeps the optimiser's input, and so the build, small, for the cost of a call per
/// field.
#[inline(never)]
pub fn next<'de, A: de::MapAccess<'de>, T: de::Deserialize<'de>>(
    map: &mut A,
) -> Result<T, A::Error> {
    map.next_value()
}

/// Deserialize an open string enum through its infallible `FromStr`.
///
/// The text is read as a [`Key`], so every enum shares one string decoder per deserializer
/// instead of compiling its own.
pub fn str_enum<'de, D, E>(d: D) -> Result<E, D::Error>
where
    D: Deserializer<'de>,
    E: FromStr<Err = std::convert::Infallible>,
{
    let k = <Key<'de> as de::Deserialize<'de>>::deserialize(d)?;
    match E::from_str(&k.0) {
        Ok(e) => Ok(e),
        Err(never) => match never {},
    }
}

/// The error for a required field that is absent.
pub fn missing<E: de::Error>(field: &'static str) -> E {
    E::missing_field(field)
}

/// Pick a union variant by the object's `object` (and `deleted`) fields.
///
/// Unions with a discriminator are decoded through a `serde_json::Value` because the choice
/// depends on a field that can come anywhere in the object.
pub fn discriminator(v: &serde_json::Value) -> (Option<&str>, bool) {
    let obj = v.get("object").and_then(|o| o.as_str());
    let deleted = v.get("deleted").and_then(|d| d.as_bool()).unwrap_or(false);
    (obj, deleted)
}

/// Decode a union member from the buffered value, mapping the error into `D::Error`.
///
/// The member is decoded from the value's JSON text with [`json`], not from the `Value`
/// itself: that reuses the one decoder of `T` every other path uses instead of compiling a
/// second one (over `serde_json::Value`) for every type a union can hold.
pub fn from_value<T: DeserializeOwned, E: de::Error>(v: serde_json::Value) -> Result<T, E> {
    let text = serde_json::to_vec(&v).map_err(|e| E::custom(error_message(&e)))?;
    json(&text).map_err(|e| E::custom(error_message(&e)))
}

/// The JSON text of a buffered value, written once for an untagged union to try each
/// member on with [`try_json`]. (Writing a `Value` cannot fail: its keys are strings.)
pub fn json_text(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Try to decode an untagged union member from [`json_text`]; `None` when it does not fit.
/// Decoding the text, as [`from_value`] does, reuses `T`'s one decoder.
pub fn try_json<T: DeserializeOwned>(text: &[u8]) -> Option<T> {
    json(text).ok()
}

/// `e`'s message without its ` at line L column C` suffix (for an error whose position is
/// not in the document the caller reports on).
pub fn error_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(m) => m.to_owned(),
        None => text,
    }
}

/// Decoding a whole response body, compiled once.
///
/// `serde`'s `Deserialize` is generic over the deserializer, so every crate that decodes a
/// type compiles that type's decoder again, once per deserializer it is used with; release
/// builds do not share those copies between crates. `DecodeBody` impls are plain functions:
/// each is compiled here, in stripe-types, with one deserializer (`serde_json`'s slice
/// reader), and `stripe-client`, webhooks and your crate call that single copy.
///
/// Generated for every operation's output, every list of them and every object a webhook
/// event can carry. For an output type of your own (a hand-written [`crate::rt::StripeRequest`]),
/// implement it with [`json`]:
///
/// ```
/// # use serde::Deserialize;
/// #[derive(Deserialize)]
/// struct Thing { id: String }
/// impl stripe_types::rt::DecodeBody for Thing {
///     fn decode_body(body: &[u8]) -> Result<Self, serde_json::Error> {
///         stripe_types::rt::de::json(body)
///     }
/// }
/// ```
pub trait DecodeBody: Sized {
    /// Decode `body`, a complete JSON document (or raw bytes for [`crate::rt::Binary`]).
    fn decode_body(body: &[u8]) -> Result<Self, serde_json::Error>;
}

/// Decoding the list envelopes ([`crate::rt::List`], [`crate::rt::SearchList`],
/// [`crate::rt::V2List`]) of an item type: `List<T>`'s [`DecodeBody`] impl calls
/// `T::decode_list`.
///
/// The generated item types override the methods their operations use with plain functions,
/// so those list decoders are compiled once, in stripe-types. For an item type of your own,
/// `impl DecodeList for Thing {}` is enough: the defaults decode with [`json`].
pub trait DecodeList: Sized {
    /// Decode a v1 list of `Self`.
    fn decode_list(body: &[u8]) -> Result<crate::rt::List<Self>, serde_json::Error>
    where
        Self: DeserializeOwned,
    {
        json(body)
    }
    /// Decode a v1 search result of `Self`.
    fn decode_search_list(body: &[u8]) -> Result<crate::rt::SearchList<Self>, serde_json::Error>
    where
        Self: DeserializeOwned,
    {
        json(body)
    }
    /// Decode a v2 list of `Self`.
    fn decode_v2_list(body: &[u8]) -> Result<crate::rt::V2List<Self>, serde_json::Error>
    where
        Self: DeserializeOwned,
    {
        json(body)
    }
}

/// Decode a complete JSON document: `serde_json::from_slice`, the one deserializer every
/// generated [`DecodeBody`] impl uses.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(body)
}

impl DecodeBody for serde_json::Value {
    fn decode_body(body: &[u8]) -> Result<Self, serde_json::Error> {
        json(body)
    }
}

impl DecodeBody for crate::rt::Binary {
    fn decode_body(body: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(crate::rt::Binary(body.to_vec()))
    }
}

/// The `object` and `deleted` fields of a JSON object, read without building it: what a
/// union's [`DecodeBody`] impl picks its variant by. `object` is `None` when absent or not a
/// string; `deleted` is `true` only for a literal `true`.
pub fn json_discriminator(body: &[u8]) -> Result<(Option<String>, bool), serde_json::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = (Option<String>, bool);
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut object, mut deleted) = (None, false);
            while let Some(k) = map.next_key::<Key<'de>>()? {
                match k.0.as_ref() {
                    "object" => {
                        if let serde_json::Value::String(s) = map.next_value()? {
                            object = Some(s);
                        }
                    }
                    "deleted" => deleted = map.next_value::<serde_json::Value>()? == true,
                    _ => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
            }
            Ok((object, deleted))
        }
    }
    let mut d = serde_json::Deserializer::from_slice(body);
    let v = d.deserialize_map(V)?;
    d.end()?;
    Ok(v)
}
