//! [`Boxed`]: a `Box` whose destructor is compiled where the value is made, not everywhere
//! it is dropped.
//!
//! The only `unsafe` in this crate: the few lines of an owning pointer whose drop goes
//! through a function pointer. Each block says why it holds. `stripe-types/tests/boxed.rs`
//! exercises them, and `cargo xtask test` runs that under Miri:
//! `cargo +nightly miri test -p stripe-types --features customers --test boxed`.
#![allow(unsafe_code)]

use super::json::{Decode, Reader, Result as JsonResult};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// A heap-allocated `T`, like a `Box<T>`: it derefs to `T`, and [`Boxed::into_inner`] and
/// [`Boxed::into_box`] take it out. Generated types hold their nested objects in it where a
/// `Box` would be needed: expanded objects ([`Expandable::Object`](super::Expandable)),
/// objects in unions and in webhook payloads, and fields that close a cycle.
///
/// The difference from `Box` is what dropping it compiles. Dropping a `Box<T>` runs `T`'s
/// drop glue, which the compiler copies into every codegen unit, of every crate, that drops
/// a `Box<T>`; and because resources reach nearly every other resource through expandable
/// fields, the glue of one resource is the glue of most of the API. A `Boxed<T>` keeps a
/// pointer to the function that drops its `T`, chosen when it is made (for decoded values,
/// once, in this crate) and drops through it, so dropping a `Customer` compiles the glue of
/// the `Customer` and stops at its boxed fields. See `guides/performance.md`.
pub struct Boxed<T> {
    ptr: NonNull<T>,
    drop: unsafe fn(NonNull<T>),
    _owns: PhantomData<T>,
}

/// Drops the box at `p`: the function a [`Boxed`] points to.
///
/// # Safety
/// `p` came from `Box::leak` and is not used again.
#[inline(never)]
unsafe fn drop_box<T>(p: NonNull<T>) {
    // SAFETY: the caller passes a pointer from `Box::leak`, once.
    drop(unsafe { Box::from_raw(p.as_ptr()) })
}

impl<T> Boxed<T> {
    /// Move `value` to the heap.
    pub fn new(value: T) -> Self {
        Self::from_box(Box::new(value))
    }
    /// Take ownership of a box.
    pub fn from_box(b: Box<T>) -> Self {
        Boxed {
            ptr: NonNull::from(Box::leak(b)),
            drop: drop_box::<T>,
            _owns: PhantomData,
        }
    }
    /// The box, without copying the object.
    pub fn into_box(self) -> Box<T> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `ptr` came from `Box::leak`; `this` is not dropped, so the box has
        // exactly one owner again.
        unsafe { Box::from_raw(this.ptr.as_ptr()) }
    }
    /// The object.
    pub fn into_inner(self) -> T {
        *self.into_box()
    }
}

impl<T> Drop for Boxed<T> {
    fn drop(&mut self) {
        // SAFETY: `drop` is `drop_box::<T>` and `ptr` came from `Box::leak`; this is the
        // only owner and it is going away.
        unsafe { (self.drop)(self.ptr) }
    }
}

// SAFETY: `Boxed<T>` owns a `T` exactly as `Box<T>` does.
unsafe impl<T: Send> Send for Boxed<T> {}
// SAFETY: as above; `&Boxed<T>` only hands out `&T`.
unsafe impl<T: Sync> Sync for Boxed<T> {}
impl<T> Unpin for Boxed<T> {}
impl<T: std::panic::RefUnwindSafe> std::panic::UnwindSafe for Boxed<T> {}

impl<T> std::ops::Deref for Boxed<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `ptr` is a live, uniquely owned box.
        unsafe { self.ptr.as_ref() }
    }
}
impl<T> std::ops::DerefMut for Boxed<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` is unique.
        unsafe { self.ptr.as_mut() }
    }
}
impl<T> AsRef<T> for Boxed<T> {
    fn as_ref(&self) -> &T {
        self
    }
}
impl<T> AsMut<T> for Boxed<T> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}
impl<T> std::borrow::Borrow<T> for Boxed<T> {
    fn borrow(&self) -> &T {
        self
    }
}
impl<T> From<T> for Boxed<T> {
    fn from(value: T) -> Self {
        Boxed::new(value)
    }
}
impl<T> From<Box<T>> for Boxed<T> {
    fn from(b: Box<T>) -> Self {
        Boxed::from_box(b)
    }
}
impl<T: Clone> Clone for Boxed<T> {
    fn clone(&self) -> Self {
        Boxed::new(T::clone(self))
    }
}
impl<T: PartialEq> PartialEq for Boxed<T> {
    fn eq(&self, other: &Self) -> bool {
        T::eq(self, other)
    }
}
impl<T: Eq> Eq for Boxed<T> {}
impl<T: std::hash::Hash> std::hash::Hash for Boxed<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        T::hash(self, state)
    }
}
impl<T: fmt::Debug> fmt::Debug for Boxed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        T::fmt(self, f)
    }
}
impl<T: Serialize> Serialize for Boxed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        T::serialize(self, s)
    }
}
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Boxed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Boxed::new)
    }
}
impl<T: Decode> Decode for Boxed<T> {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> JsonResult<Self> {
        // Out of line: the one place that makes a decoded `Boxed<T>`, and so the one place
        // that compiles `T`'s drop glue for it.
        super::json::boxed(r).map(Boxed::from_box)
    }
}
