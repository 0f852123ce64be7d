//! Decoding response bodies ([`DecodeBody`]), and small serde helpers shared with
//! `stripe-client`.

use crate::rt::json::{Decode, JsonError};
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

/// Decoding a whole response body.
///
/// Every type with a [`Decode`] impl (every generated response type, the list envelopes of
/// them, `serde_json::Value`) is a `DecodeBody` through the blanket impl, which runs
/// [`crate::rt::json::from_slice`]: the type's one decoder, compiled once, in stripe-types.
/// [`crate::rt::Binary`] takes the body as it is.
///
/// For an output type of your own (a hand-written [`crate::rt::StripeRequest`]), implement
/// [`Decode`] (one line with [`crate::rt::json::Reader::serde`]) or this trait with [`json`]:
///
/// ```
/// # use serde::Deserialize;
/// #[derive(Deserialize)]
/// struct Thing { id: String }
/// impl stripe_types::rt::DecodeBody for Thing {
///     fn decode_body(body: &[u8]) -> Result<Self, stripe_types::rt::JsonError> {
///         stripe_types::rt::de::json(body)
///     }
/// }
/// ```
pub trait DecodeBody: Sized {
    /// Decode `body`, a complete JSON document (or raw bytes for [`crate::rt::Binary`]).
    fn decode_body(body: &[u8]) -> Result<Self, JsonError>;
}

impl<T: Decode> DecodeBody for T {
    fn decode_body(body: &[u8]) -> Result<Self, JsonError> {
        crate::rt::json::from_slice(body)
    }
}

impl DecodeBody for crate::rt::Binary {
    fn decode_body(body: &[u8]) -> Result<Self, JsonError> {
        Ok(crate::rt::Binary(body.to_vec()))
    }
}

/// Decode a complete JSON document with serde (for a type of your own that has no
/// [`Decode`] impl).
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonError> {
    crate::rt::json::from_slice::<crate::rt::json::Serde<T>>(body).map(|s| s.0)
}
