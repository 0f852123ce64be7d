//! Small shared helpers the generated `Serialize`/`Deserialize` impls call, so that each
//! generated type carries only a field table, not a copy of generic machinery.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

/// A map key, borrowed from the input when it has no escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
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
pub fn str_enum<'de, D, E>(d: D) -> Result<E, D::Error>
where
    D: Deserializer<'de>,
    E: FromStr<Err = std::convert::Infallible>,
{
    struct V<E>(PhantomData<E>);
    impl<E: FromStr<Err = std::convert::Infallible>> Visitor<'_> for V<E> {
        type Value = E;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<Er: de::Error>(self, v: &str) -> Result<E, Er> {
            match E::from_str(v) {
                Ok(e) => Ok(e),
                Err(never) => match never {},
            }
        }
    }
    d.deserialize_str(V(PhantomData))
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
pub fn from_value<T: DeserializeOwned, E: de::Error>(v: serde_json::Value) -> Result<T, E> {
    serde_json::from_value(v).map_err(E::custom)
}

/// Try to decode an untagged union member; `None` when it does not fit.
pub fn try_value<T: DeserializeOwned>(v: &serde_json::Value) -> Option<T> {
    T::deserialize(v).ok()
}
