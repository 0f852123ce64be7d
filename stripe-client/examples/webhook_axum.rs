//! Placeholder; the example app is written below.
fn main() {}
