//! Async client for the Stripe API.
//!
//! ```ignore
//! use stripe_client::prelude::*;
//! use stripe_client::types::{CreateCustomer, ListCustomers};
//!
//! let client = Client::builder("sk_test_...").max_retries(3).build()?;
//! let customer = CreateCustomer::new().email("jenny@example.com").send(&client).await?;
//! let opts = RequestOptions::new().stripe_account("acct_123").idempotency_key("order-6735");
//! let customer = CreateCustomer::new().send_with(&client, opts).await?;
//! let first_50: Vec<_> = ListCustomers::new().stream(&client).take(50).try_collect().await?;
//! ```
//!
//! ```no_run
//! use stripe_client::prelude::*;
//! # async fn f() -> Result<(), stripe_client::Error> {
//! let client = Client::new("sk_test_123")?;
//! // The escape hatch for endpoints newer than the pinned spec:
//! let list = client.raw_request(Method::Get, "/v1/customers", serde_json::json!({"limit": 3})).await?;
//! # Ok(()) }
//! ```
//!
//! From a user's call to the wire: [`StripeRequestExt::send`] → [`Client::execute`] →
//! [`encode`] (form / JSON / multipart) → headers and idempotency key → attempts with the
//! [`retry`] policy through a [`Transport`] → error mapping ([`Error`]) or decoding
//! (each output type's `DecodeBody`: stripe-types' own JSON reader, compiled once there) → [`Response`]. Lists
//! page through [`pagination`]; every attempt is traced ([`telemetry`]).
//!
//! To unit-test code that uses the client without a server, build it with a
//! [`MockTransport`]: it records every request and answers from a queue.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod builders;
mod client;
mod deadline;
mod dial;
pub mod encode;
mod error;
mod ext;
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

/// The guides (`guides/*.md`) and the README, whose examples compile (and, unless marked
/// `no_run`, run) as doctests.
#[cfg(all(doctest, feature = "full"))]
mod guides {
    #[doc = include_str!("../../README.md")]
    struct Readme;
    #[doc = include_str!("../../guides/getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../../guides/payments.md")]
    struct Payments;
    #[doc = include_str!("../../guides/subscriptions.md")]
    struct Subscriptions;
    #[doc = include_str!("../../guides/connect.md")]
    struct Connect;
    #[doc = include_str!("../../guides/webhooks.md")]
    struct Webhooks;
    #[doc = include_str!("../../guides/error-handling.md")]
    struct ErrorHandling;
    #[doc = include_str!("../../guides/testing.md")]
    struct Testing;
    #[doc = include_str!("../../guides/telemetry.md")]
    struct Telemetry;
    #[doc = include_str!("../../guides/performance.md")]
    struct Performance;
}

/// The generated API types (`stripe-types`).
pub use stripe_types as types;

/// Everything a caller needs: `use stripe_client::prelude::*;`.
pub mod prelude {
    pub use crate::{Client, Error, RequestOptions, Response, StripeRequestExt};
    pub use futures_util::{StreamExt, TryStreamExt};
    pub use stripe_types::rt::Method;
}
