//! Stand-ins for resources whose feature is off.
//!
//! An enabled type may name a resource that only another feature compiles: an expandable
//! field (`Charge.invoice`, compiled by `billing`) or a typed id. Such references go through
//! `stripe_types::gated`, which re-exports the resource when its feature is on. When it is off,
//! `gated` holds a stand-in of the same name instead, made by [`stand_in!`]: ids stay typed,
//! and an expanded object decodes into [`Unavailable`], which keeps its JSON. Code that reads
//! the object's fields does not compile until the feature is turned on.

use std::fmt;

use serde::{Deserialize, Deserializer};

use super::json::{self, Decode, Reader};

/// An expanded object whose type this build does not compile (its feature is off), kept as
/// the JSON the API sent.
#[derive(Clone, PartialEq)]
pub struct Unavailable {
    json: serde_json::Value,
}

impl Unavailable {
    /// An object of this JSON (test objects).
    #[cfg(feature = "test_objects")]
    pub(crate) fn of(json: serde_json::Value) -> Self {
        Unavailable { json }
    }
    /// The object as sent.
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }
    /// The object as sent.
    pub fn into_json(self) -> serde_json::Value {
        self.json
    }
    /// The object's `id`, when it has one.
    pub fn id(&self) -> Option<&str> {
        self.json.get("id").and_then(|v| v.as_str())
    }
    /// The object's `object` field (`"invoice"`, ...).
    pub fn object(&self) -> Option<&str> {
        self.json.get("object").and_then(|v| v.as_str())
    }
}

impl fmt::Debug for Unavailable {
    /// Prints only the object's kind and id: the JSON may hold personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unavailable")
            .field("object", &self.object())
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

impl Decode for Unavailable {
    fn decode(r: &mut Reader<'_>) -> json::Result<Self> {
        r.decode().map(|json| Unavailable { json })
    }
}

impl<'de> Deserialize<'de> for Unavailable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d).map(|json| Unavailable { json })
    }
}

impl serde::Serialize for Unavailable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

/// Declares the stand-in of a resource whose feature is off: a newtype over [`Unavailable`]
/// that derefs to it and decodes, deserializes, serializes and reports its id like the
/// resource would. Unused in builds where every named resource is compiled.
#[allow(unused_macros)]
macro_rules! stand_in {
    ($(#[$attr:meta])* $name:ident) => {
        $(#[$attr])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name(pub crate::rt::Unavailable);
        impl std::ops::Deref for $name {
            type Target = crate::rt::Unavailable;
            fn deref(&self) -> &crate::rt::Unavailable {
                &self.0
            }
        }
        impl crate::rt::Decode for $name {
            fn decode(r: &mut crate::rt::json::Reader<'_>) -> crate::rt::json::Result<Self> {
                r.decode().map($name)
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::rt::Unavailable::deserialize(d).map($name)
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }
        impl crate::rt::HasId for $name {
            fn id_str(&self) -> Option<&str> {
                self.0.id()
            }
        }
        #[cfg(feature = "test_objects")]
        impl crate::rt::TestDefault for $name {
            fn test_default() -> Self {
                $name(crate::rt::TestDefault::test_default())
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use stand_in;
