//! A client for the Stripe API: async (tokio, or a JavaScript host on wasm32) or blocking,
//! over the typed API of
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
//! | `blocking` | [`blocking`]: the blocking client (no extra dependencies); native targets only |
//! | `axum` | [`webhook`] extractors for axum; native targets only |
//! | `reqwest` | `ReqwestTransport` and `ClientBuilder::http_client_builder`: requests through a reqwest client of your own (pool settings, a custom resolver, ...) instead of the default [`HyperTransport`]; native targets only |
//! | `native-roots` | trust the operating system's root certificates besides the webpki ones (rustls-native-certs); native targets only |
//! | `http2` | HTTP/2 through ALPN where the server offers it |
//! | `testing` | [`testing`]: typed mocks, objects for tests, record and replay; for dev-dependencies |
//! | `durable-sqlite` | `durable::Store::sqlite`: an embedded SQLite file (no server) for the metering outbox (`meter::Outbox`, `meter::OutboxDrainer`; with `billing` and `v2`) and the webhook event ledger (`webhook::EventLedger`); native targets only |
//! | `durable-postgres` | `durable::Store::postgres` and `meter::Outbox::record_in` (inside your own transaction): the same on a Postgres server, for a fleet; native targets only |
//!
//! The [`builders`] need `billing` (subscriptions, schedules) and `checkout` (Checkout
//! Sessions); [`meter`] needs `billing` (its v2 stream also `v2`). The durable features
//! (sqlx underneath) are off by default: default builds compile none of it. On docs.rs every
//! feature is on, and each item that needs one says which.
//!
//! # WebAssembly
//!
//! On `wasm32-unknown-unknown` in a JavaScript host (Cloudflare Workers, Deno, Node,
//! browsers) every API area builds (`full` too): typed requests and responses, webhooks,
//! form, JSON and multipart encoding, pagination, retries. Requests go through the host's
//! `fetch` (`FetchTransport`: redirects handed back, never followed; the body read as a stream under the size limit), backoff and the per-attempt timeout through its
//! `setTimeout`, the clock through `Date` and `performance`; no tokio runtime and no TLS stack
//! are compiled in. `blocking`, `axum` and the meter event sender (a tokio task) are native
//! only. The [Cloudflare Workers guide](guides::cloudflare_workers) shows a Worker that
//! verifies a webhook and creates a Checkout Session.
//!
//! # Guides
//!
//! [getting started](guides::getting_started) · [payments](guides::payments) ·
//! [subscriptions](guides::subscriptions) · [metering](guides::metering) ·
//! [durable metering and exactly-once webhooks](guides::metering_durability) ·
//! [connect](guides::connect) · [webhooks](guides::webhooks) ·
//! [error handling](guides::error_handling) · [testing](guides::testing) ·
//! [performance](guides::performance) · [telemetry](guides::telemetry) ·
//! [Cloudflare Workers (wasm32)](guides::cloudflare_workers) ·
//! [compared with other SDKs](guides::comparison).
//!
//! # From a call to the socket
//!
//! `CreateCustomer::new().email("jenny@example.com").send(&client)` takes these hops, each
//! one function in one file:
//!
//! 1. [`StripeRequestExt::send`] (`ext.rs`) → [`Client::execute`] (`client.rs`).
//! 2. **prepare**: `Prepared::from_request` (`pipeline/prepare.rs`) runs the request's own
//!    checks ([`StripeRequest::validate`](types::rt::StripeRequest::validate): a blank id in
//!    the path, the metering limits), then encodes the parameters once into a `Body`
//!    ([`encode`]: form, JSON or multipart; the body knows its `Content-Type` and where
//!    `expand` goes).
//! 3. `send_with_retries` (`pipeline/send.rs`): the loop; for each attempt it opens the
//!    `stripe.request` span and tells the observer ([`telemetry`]).
//! 4. `Prepared::to_http` (`pipeline/prepare.rs`): URL, headers (`pipeline/headers.rs`, every
//!    header in one place) and body bytes of one attempt.
//! 5. **attempt**: `governor::attempt` (`governor.rs`): with a [`governor`], wait for a slot
//!    under the rate limits; then `attempt` (`pipeline/attempt.rs`): the transport under the
//!    per-attempt timeout.
//! 6. [`Transport::send`]: [`HyperTransport`] (`transport/`) → hyper (directly, or through
//!    the proxy the environment or the builder names) → the socket (on wasm32,
//!    `FetchTransport` → the host's `fetch`).
//!
//! and back:
//!
//! 7. **classify**: `classify` (`pipeline/classify.rs`): 2xx, or an [`Error`] from the
//!    status and body.
//! 8. [`RetryPolicy::decide`](retry::RetryPolicy::decide) (`retry.rs`), from the response's
//!    status and headers and the error: try again after a backoff, or stop.
//! 9. **decode**: `RawResponse::decode` (`pipeline/decode.rs`): the output type's
//!    `DecodeBody` (stripe-types' own JSON reader, compiled once there) → [`Response`].
//!
//! Lists page through [`pagination`], which runs hops 3–9 per page.
//!
//! Every stage reads the client's settings (`settings.rs`); the shared state at the bottom
//! (`config.rs`: constants and [`AppInfo`]; `clock.rs`; `error.rs`; [`retry`]'s policy)
//! imports nothing above it, so the modules import each other in one direction only.
//!
//! To unit-test code that uses the client without a server, use the [`testing`] kit (feature
//! `testing`: typed rules per operation, objects for tests, record and replay), or build the
//! client with a [`MockTransport`]: it records every request and answers from a queue.
//! [`wait`] polls for asynchronous state (test clocks, payment intents, report runs, v2
//! accounts).
//!
// Where a feature leaves a module out, its links in the text above point at docs.rs (after
// the blank line above: a link definition cannot interrupt a paragraph).
#![cfg_attr(
    not(feature = "blocking"),
    doc = "\n[`blocking`]: https://docs.rs/stripe-client/latest/stripe_client/blocking/index.html"
)]
#![cfg_attr(
    not(feature = "testing"),
    doc = "\n[`testing`]: https://docs.rs/stripe-client/latest/stripe_client/testing/index.html"
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// serde's traits, from the crate that defines them without the derive macros (Cargo.toml).
extern crate serde_core as serde;

#[cfg(all(target_arch = "wasm32", any(feature = "blocking", feature = "axum")))]
compile_error!("the `blocking` and `axum` features run on tokio: native targets only (see the crate docs' feature table)");

#[cfg(all(
    target_arch = "wasm32",
    any(feature = "durable-sqlite", feature = "durable-postgres")
))]
compile_error!("the `durable-sqlite` and `durable-postgres` features need a file system or sockets and tokio: native targets only");

/// A page of this crate's docs on docs.rs, for links to items that a feature leaves out of
/// the build being documented. Unused when every feature is on.
#[allow(unused_macros)]
macro_rules! docs_rs {
    ($page:literal) => {
        concat!("https://docs.rs/stripe-client/latest/stripe_client/", $page)
    };
}

pub mod batch;
#[cfg(feature = "blocking")]
pub mod blocking;
mod builder;
pub mod builders;
mod client;
mod clock;
mod config;
#[cfg(all(
    any(feature = "durable-sqlite", feature = "durable-postgres"),
    not(target_arch = "wasm32")
))]
pub mod durable;
pub mod encode;
mod error;
mod ext;
pub mod governor;
pub mod meter;
mod options;
pub mod pagination;
mod pipeline;
mod random;
mod response;
pub mod retry;
mod rt;
mod settings;
pub mod telemetry;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod transport;
pub mod wait;
pub mod webhook;

pub use builder::ClientBuilder;
pub use client::Client;
pub use config::{
    AppInfo, API_VERSION, DEFAULT_API_BASE, DEFAULT_CONNECT_TIMEOUT, DEFAULT_FILES_BASE,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_METER_EVENTS_BASE, DEFAULT_TIMEOUT,
    MAX_IDEMPOTENCY_KEY_LEN, VERSION,
};
pub use error::{
    ApiError, ApiErrorKind, ApiErrorType, DecodeError, Error, ErrorCode, SNIPPET_LIMIT,
};
pub use ext::StripeRequestExt;
#[cfg(feature = "billing")]
pub use meter::MeterEvent;
#[cfg(all(feature = "billing", feature = "v2", not(target_arch = "wasm32")))]
pub use meter::MeterEventSender;
pub use options::RequestOptions;
pub use pagination::ItemStream;
/// The `reqwest` this crate is built with, for [`ClientBuilder::http_client_builder`] and
/// [`ClientBuilder::http_client`].
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
pub use reqwest;
pub use response::Response;
#[cfg(target_arch = "wasm32")]
pub use transport::FetchTransport;
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
pub use transport::ReqwestTransport;
pub use transport::{HttpRequest, HttpResponse, Method, MockTransport, Transport};
#[cfg(not(target_arch = "wasm32"))]
pub use transport::{HyperTransport, HyperTransportBuilder};

/// The guides as pages of these docs (`guides`, on every docs build) and as doctests (with
/// the `full` feature their examples need): one list for both. Each is `guides/<file>` as the
/// build script writes it to `$OUT_DIR/guides`, with its links to other guides (`webhooks.md`)
/// made rustdoc links to their pages: the modules below, each named after its file with `_`
/// for `-`.
macro_rules! guides {
    ($($(#[$doctest:meta])? $name:ident = $file:literal;)*) => {
        /// The guides, one page each. Their Rust examples compile (and, unless marked
        /// `no_run`, run) as doctests with the `full` feature.
        // rustdoc sets `doc` when it collects doctests too: those come from `guide_doctests`.
        #[cfg(all(doc, not(doctest)))]
        pub mod guides {
            $(#[doc = include_str!(concat!(env!("OUT_DIR"), "/guides/", $file))] pub mod $name {})*
        }
        #[cfg(all(doctest, feature = "full"))]
        #[allow(non_camel_case_types)]
        mod guide_doctests {
            $($(#[$doctest])? #[doc = include_str!(concat!(env!("OUT_DIR"), "/guides/", $file))] struct $name;)*
        }
    };
}

guides! {
    getting_started = "getting-started.md";
    features = "features.md";
    payments = "payments.md";
    subscriptions = "subscriptions.md";
    // Doctested in `meter`, where its examples' features are on.
    #[cfg(any())] metering = "metering.md";
    // Doctested in `meter::outbox`, with the durable features.
    #[cfg(any())] metering_durability = "metering-durability.md";
    connect = "connect.md";
    webhooks = "webhooks.md";
    error_handling = "error-handling.md";
    // Its examples use the test kit.
    #[cfg(feature = "testing")] testing = "testing.md";
    telemetry = "telemetry.md";
    performance = "performance.md";
    comparison = "comparison.md";
    // Not a doctest: its Rust is wasm32 code, the crate examples/cloudflare-worker, which
    // `cargo xtask test` builds and runs (tests/tests/it/guide_cloudflare_worker.rs checks
    // that the guide quotes it verbatim).
    #[cfg(any())] cloudflare_workers = "cloudflare-workers.md";
}

// The build script's rewriting of the guides' links, unit-tested here.
#[cfg(test)]
#[path = "../build/guide_links.rs"]
mod guide_links;

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
