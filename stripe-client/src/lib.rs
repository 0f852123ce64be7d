//! A client for the Stripe API: async (tokio) or blocking, over the typed API of
//! [`stripe-types`](stripe_types), re-exported as [`types`].
//!
//! Every operation is a parameter struct: required parameters in `new(...)`, the rest as
//! setters, then `.send(&client)`:
//!
//! ```no_run
//! use stripe_client::prelude::*;
//! use stripe_client::types::{CreateCustomer, ListCustomers};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), stripe_client::Error> {
//!     let client = Client::builder("sk_test_...").max_retries(3).build()?;
//!     let customer = CreateCustomer::new().email("jenny@example.com").send(&client).await?;
//!     let opts = RequestOptions::new().stripe_account("acct_123").idempotency_key("order-6735");
//!     let customer = CreateCustomer::new().send_with(&client, opts).await?;
//!     let first_50: Vec<_> = ListCustomers::new().stream(&client).take(50).try_collect().await?;
//!     Ok(())
//! }
//! ```
//!
//! Scripts and CLIs without an async runtime use [`blocking`] (feature `blocking`), the same
//! pipeline behind a blocking call:
//! `CreateCustomer::new().email("jenny@example.com").send_blocking(&client)?`, and
//! `ListCustomers::new().iter_blocking(&client)` for an [`Iterator`] over every item.
//!
//! Endpoints newer than the pinned spec go through [`Client::raw_request`]:
//!
//! ```no_run
//! use stripe_client::prelude::*;
//! # async fn f() -> Result<(), stripe_client::Error> {
//! let client = Client::new("sk_test_123")?;
//! let list = client.raw_request(Method::Get, "/v1/customers", serde_json::json!({"limit": 3})).await?;
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `payments`, `billing` (default) | the payments and billing API areas of [`types`] |
//! | `checkout`, `connect`, `issuing`, `terminal`, `treasury`, `tax`, `identity`, `radar`, `reporting`, `financial_connections`, `climate`, `forwarding`, `v2` | one API area each (forwarded to `stripe-types`) |
//! | `full` | every API area |
//! | `blocking` | [`blocking`]: the blocking client (no extra dependencies) |
//! | `axum` | [`webhook`] extractors for axum |
//!
//! The [`builders`] need `billing` (subscriptions, schedules) and `checkout` (Checkout
//! Sessions); [`meter`] needs `billing` and `v2`. On docs.rs every feature is on, and each
//! item that needs one says which.
//!
//! # Guides
//!
//! [getting started](guides::getting_started) · [payments](guides::payments) ·
//! [subscriptions](guides::subscriptions) · [metering](guides::metering) ·
//! [connect](guides::connect) · [webhooks](guides::webhooks) ·
//! [error handling](guides::error_handling) · [testing](guides::testing) ·
//! [performance](guides::performance) · [telemetry](guides::telemetry).
//!
//! # How a request runs
//!
//! From a user's call to the wire: [`StripeRequestExt::send`] → [`Client::execute`] →
//! [`encode`] (form / JSON / multipart) → headers and idempotency key → attempts with the
//! [`retry`] policy through a [`Transport`] → error mapping ([`Error`]) or decoding
//! (each output type's `DecodeBody`: stripe-types' own JSON reader, compiled once there) →
//! [`Response`]. Lists page through [`pagination`]; every attempt is traced ([`telemetry`]).
//!
//! To unit-test code that uses the client without a server, build it with a
//! [`MockTransport`]: it records every request and answers from a queue.
// Where a feature leaves a module out, its links in the text above point at docs.rs.
#![cfg_attr(
    not(feature = "blocking"),
    doc = "\n[`blocking`]: https://docs.rs/stripe-client/latest/stripe_client/blocking/index.html"
)]
#![cfg_attr(
    not(all(feature = "billing", feature = "v2")),
    doc = "\n[`meter`]: https://docs.rs/stripe-client/latest/stripe_client/meter/index.html"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod builders;
mod client;
mod deadline;
mod dial;
pub mod encode;
mod error;
mod ext;
#[cfg(test)]
mod json_path;
#[cfg(all(feature = "billing", feature = "v2"))]
pub mod meter;
mod options;
pub mod pagination;
mod random;
mod response;
pub mod retry;
pub mod telemetry;
pub mod transport;
mod url_cache;
pub mod webhook;

pub use client::{
    AppInfo, Client, ClientBuilder, API_VERSION, DEFAULT_API_BASE, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_FILES_BASE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_METER_EVENTS_BASE, DEFAULT_TIMEOUT,
    MAX_IDEMPOTENCY_KEY_LEN, VERSION,
};
pub use error::{
    ApiError, ApiErrorKind, ApiErrorType, DecodeError, Error, ErrorCode, SNIPPET_LIMIT,
};
pub use ext::StripeRequestExt;
#[cfg(all(feature = "billing", feature = "v2"))]
pub use meter::{MeterEvent, MeterEventSender};
pub use options::RequestOptions;
pub use pagination::ItemStream;
/// The `reqwest` this crate is built with, for [`ClientBuilder::http_client_builder`] and
/// [`ClientBuilder::http_client`].
pub use reqwest;
pub use response::Response;
pub use transport::{
    HttpRequest, HttpResponse, Method, MockTransport, ReqwestTransport, Transport,
};

/// The guides as pages of these docs (`guides`, on every docs build) and as doctests (with
/// the `full` feature their examples need): one list for both.
macro_rules! guides {
    ($($(#[$doctest:meta])? $name:ident = $file:literal;)*) => {
        /// The guides, one page each. Their Rust examples compile (and, unless marked
        /// `no_run`, run) as doctests with the `full` feature.
        // rustdoc sets `doc` when it collects doctests too: those come from `guide_doctests`.
        #[cfg(all(doc, not(doctest)))]
        pub mod guides {
            $(#[doc = include_str!($file)] pub mod $name {})*
        }
        #[cfg(all(doctest, feature = "full"))]
        mod guide_doctests {
            $($(#[$doctest])? #[doc = include_str!($file)] struct $name;)*
        }
    };
}

guides! {
    getting_started = "../guides/getting-started.md";
    payments = "../guides/payments.md";
    subscriptions = "../guides/subscriptions.md";
    // Doctested in `meter`, where its examples' features are on.
    #[cfg(any())] metering = "../guides/metering.md";
    connect = "../guides/connect.md";
    webhooks = "../guides/webhooks.md";
    error_handling = "../guides/error-handling.md";
    testing = "../guides/testing.md";
    telemetry = "../guides/telemetry.md";
    performance = "../guides/performance.md";
}

/// The READMEs' examples, as doctests.
#[cfg(all(doctest, feature = "full"))]
mod readmes {
    #[doc = include_str!("../README.md")]
    struct CrateReadme;
    #[doc = include_str!("../../README.md")]
    struct WorkspaceReadme;
}

/// The generated API types (`stripe-types`).
pub use stripe_types as types;

/// Everything a caller needs: `use stripe_client::prelude::*;`.
pub mod prelude {
    pub use crate::{Client, Error, RequestOptions, Response, StripeRequestExt};
    pub use futures_util::{StreamExt, TryStreamExt};
    pub use stripe_types::rt::Method;
}
