//! The `multipart_body` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/multipart_body.rs");

#[test]
fn compiles() {}
