//! The `type_names` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/type_names.rs");

#[test]
fn compiles() {}
