//! The `operation_server` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/operation_server.rs");

#[test]
fn compiles() {}
