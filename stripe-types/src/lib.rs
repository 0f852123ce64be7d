//! The Stripe API as Rust types, generated from Stripe's pinned OpenAPI spec (API version
//! `2026-01-28.clover`): every resource, enum, parameter struct and endpoint of v1 and v2.
//!
//! Every operation is a parameter struct: required parameters in `new(...)`, the rest as
//! setters. [`stripe-client`](https://docs.rs/stripe-client) sends it
//! (`CreateCustomer::new().email("jenny@example.com").send(&client).await?`, or
//! `.send_blocking(&client)?` without an async runtime); this crate describes it:
//!
//! ```
//! # #[cfg(feature = "payments")] {
//! use stripe_types::rt::{Method, StripeRequest};
//! use stripe_types::{CreateCustomer, RetrieveCustomer};
//!
//! let create = CreateCustomer::new().email("jenny@example.com").name("Jenny Rosen");
//! let endpoint = create.endpoint();
//! assert_eq!((endpoint.method, &*endpoint.path), (Method::Post, "/v1/customers"));
//! assert_eq!(RetrieveCustomer::new("cus_123").endpoint().path, "/v1/customers/cus_123");
//! # }
//! ```
//!
//! Each implements [`rt::StripeRequest`], whose [`endpoint()`](rt::StripeRequest::endpoint)
//! gives the method, path, host, encoding, response type and pagination.
//!
//! # Names
//!
//! Names are Stripe's own. An operation that Stripe's SDKs expose is named by their method
//! and resource: `Customer.create` → `CreateCustomer`, `Subscription.cancel` →
//! `CancelSubscription`, `Customer.list` → `ListCustomers`, `Customer.search` →
//! `SearchCustomers`; test helpers put `TestHelpers` before the resource and v2 operations
//! `V2` (`CreateV2BillingMeterEventStream`). The few that no SDK exposes are named from
//! their HTTP method and path (`GET /v1/customers/{customer}/cards` → `ListCustomerCards`)
//! and say so in their first doc line; one that does what an SDK-named operation does is
//! `#[deprecated]` in favour of it. Where two names would clash, the operation on the
//! resource's own path keeps the name and the other takes its parent (`ListChargeRefunds`
//! beside `ListRefunds`) or `Current` (`RetrieveCurrentAccount`).
//!
//! Resources keep their schema's name at the crate root (`PaymentIntent`), as do the objects
//! operations answer with and a few short shapes several resources share (`Address`). Every
//! other type lives in the module of the resource that uses it, named by its field
//! (`payment_intent::CaptureMethod`; `payment_record::ThreeDSecure` for
//! `PaymentRecord.payment_method_details.card.three_d_secure`, which the spec writes as a
//! schema of its own). Where a request's type differs from the response's for one field, the
//! response's keeps the name and the request's sits in the operation's module
//! (`billing_meter::create::DefaultAggregation`). A request parameter uses the response's
//! enum for the same property. No path passes 80 characters after `stripe_types::`. Ids are typed by the object the spec links them to (`CustomerId`; a
//! union id such as `balance_transaction::SourceId` for a parameter that names one of
//! several kinds of object); v1 and v2 objects have ids of their own.
//!
//! # Features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `payments`, `billing` (default) | the payments and billing API areas |
//! | `checkout`, `connect`, `issuing`, `terminal`, `treasury`, `tax`, `identity`, `radar`, `reporting`, `financial_connections`, `climate`, `forwarding`, `v2` | one API area each |
//! | `full` | every API area |
//! | `serialize` | `Serialize` for response types (request types always serialize) |
//!
//! Items reached from the always-on `core` area (events, files, webhook endpoints, …) are
//! always compiled. Pick only the areas you use: each one left out is code not compiled.
//! On docs.rs every feature is on, and each item that needs one says which.
//!
//! # Guides
//!
//! The guides live with the client:
//! [stripe-client's guides](https://docs.rs/stripe-client/latest/stripe_client/guides/index.html)
//! (getting started, payments, subscriptions, metering, connect, webhooks, error handling,
//! testing, performance, telemetry).
//!
//! # Decoding
//!
//! Responses decode with [`rt::json`], this crate's own JSON reader: every generated
//! response type implements [`rt::Decode`] (and so [`rt::DecodeBody`]) as a plain function,
//! compiled once, here. The types also implement serde's `Deserialize` (through the same
//! decoder), for use inside your own serde types; `T::decode_body(bytes)` is the fast way.
//!
//! `src/generated/` is written by `cargo xtask codegen` and never edited by hand; `src/rt/`
//! is the small hand-written runtime it builds on.
#![cfg_attr(docsrs, feature(doc_cfg))]
// `unsafe` is denied everywhere but `rt::boxed` (an owning pointer; see there).
#![deny(unsafe_code)]
#![deny(missing_docs)]

// serde's traits, from the crate that defines them without the derive macros (Cargo.toml).
extern crate serde_core as serde;

pub mod rt;

/// The README's examples, as doctests.
#[cfg(all(doctest, feature = "payments"))]
#[doc = include_str!("../README.md")]
struct Readme;
pub use rt::{
    Clearable, DateTime, Decimal, Expandable, Expanded, FileUpload, Id, Int64String, List,
    Metadata, SearchList, Secret, StripeRequest, Timestamp, V2List,
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

// `rt::TestDefault` for every response type (feature `test_objects`), generated beside the API.
#[cfg(feature = "test_objects")]
#[allow(clippy::all, clippy::pedantic, unused_imports, rustdoc::all)]
#[rustfmt::skip]
#[path = "generated/test_objects/mod.rs"]
mod test_objects;
