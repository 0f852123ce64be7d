//! The `open_enum` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/open_enum.rs");

#[test]
fn compiles() {}
