//! The `deleted_union` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/deleted_union.rs");

#[test]
fn compiles() {}
