//! The `nested_params` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/nested_params.rs");

#[test]
fn compiles() {}
