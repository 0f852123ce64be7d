//! The `recursive_type` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/recursive_type.rs");

#[test]
fn compiles() {}
