//! The Stripe API as Rust types, generated from Stripe's pinned OpenAPI spec.
//!
//! Every resource, enum, parameter struct and endpoint of the spec (v1 and v2) is here, one
//! module per API area behind a cargo feature (`full` enables all). Parameter structs
//! implement [`rt::StripeRequest`]; `stripe-client` sends them:
//!
//! ```ignore
//! let customer = CreateCustomer::new().email("jenny@example.com").send(&client).await?;
//! ```
//!
//! Responses decode with [`rt::json`], this crate's own JSON reader: every generated
//! response type implements [`rt::Decode`] (and so [`rt::DecodeBody`]) as a plain function,
//! compiled once, here. The types also implement serde's `Deserialize` (through the same
//! decoder), for use inside your own serde types; `T::decode_body(bytes)` is the fast way.
//!
//! `src/generated/` is written by `cargo xtask codegen` and never edited by hand; `src/rt/`
//! is the small hand-written runtime it builds on.
// `unsafe` is denied everywhere but `rt::boxed` (an owning pointer; see there).
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod rt;
pub use rt::{
    Clearable, DateTime, Decimal, Expandable, FileUpload, Id, Int64String, List, Metadata,
    SearchList, Secret, StripeRequest, Timestamp, V2List,
};

#[allow(
    clippy::all,
    clippy::pedantic,
    non_camel_case_types,
    unused_imports,
    unused_mut,
    rustdoc::all
)]
#[rustfmt::skip]
mod generated;
pub use generated::*;
