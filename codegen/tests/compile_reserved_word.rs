//! The `reserved_word` snapshot compiles (and its types behave).
#![allow(dead_code, unused_imports, clippy::all)]
pub use stripe_types::rt;
include!("snapshots/reserved_word.rs");

#[test]
fn compiles() {}
