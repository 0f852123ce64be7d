//! The `v2_json_body` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/v2_json_body.rs");

#[test]
fn compiles() {}
