//! The `name_collision` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/name_collision.rs");

#[test]
fn compiles() {}
