//! The `expandable_field` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/expandable_field.rs");

#[test]
fn compiles() {}
