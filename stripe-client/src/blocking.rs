//! A blocking client for scripts and CLIs: the same call shape without `async`.
//!
//! ```no_run
//! use stripe_client::blocking::prelude::*;
//! use stripe_client::types::{CreateCustomer, ListCustomers};
//!
//! fn main() -> Result<(), stripe_client::Error> {
//!     let client = Client::new("sk_test_...")?;
//!     let customer = CreateCustomer::new().email("jenny@example.com").send_blocking(&client)?;
//!     println!("created {}", customer.id);
//!     for c in ListCustomers::new().limit(100).iter_blocking(&client).take(250) {
//!         println!("{}", c?.id);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! [`Client`] wraps the async [`crate::Client`] and drives it on a runtime of its own (one
//! tokio worker thread, started with the client, stopped when the last clone is dropped).
//! Every call runs the async pipeline unchanged: the same retries and idempotency keys, the
//! same [`Error`]s, the same tracing spans and [`Observer`](crate::telemetry::Observer)
//! events. The caller's thread polls the request itself, so a thread-local tracing
//! subscriber sees its spans; the runtime's thread drives the sockets and timers.
//!
//! Clones share one connection pool and one runtime, and any number of threads may use them
//! at once. A panic in one of those threads (in its own code, or in an observer it runs)
//! unwinds that thread only: the runtime, the pool and the other threads' requests carry on.
//!
//! Calling it on a thread that belongs to a tokio runtime (inside `async` code,
//! `spawn_blocking` or `block_in_place`) returns [`Error::InsideAsyncRuntime`] instead of
//! blocking that runtime: use the async client there.
//!
//! This module needs the `blocking` feature (no extra dependencies).

use crate::pagination::ItemStream;
use crate::{ClientBuilder, Error, Method, RequestOptions, Response};
use futures_util::StreamExt;
use std::fmt;
use std::future::Future;
use std::iter::FusedIterator;
use std::sync::Arc;
use stripe_types::rt::{Host, Paginated, StripeRequest};

/// Everything a blocking caller needs: `use stripe_client::blocking::prelude::*;`.
pub mod prelude {
    pub use super::{Client, Iter, StripeRequestBlockingExt};
    pub use crate::{Error, RequestOptions, Response};
    pub use stripe_types::rt::Method;
}

/// A blocking Stripe API client. Cheap to clone: clones share one connection pool and one
/// runtime thread.
///
/// ```no_run
/// # fn f() -> Result<(), stripe_client::Error> {
/// use std::time::Duration;
/// use stripe_client::blocking::Client;
///
/// let client = Client::new("sk_test_...")?;
/// // Or configured as the async client is:
/// let client = Client::from_builder(
///     stripe_client::Client::builder("sk_test_...").max_retries(3).timeout(Duration::from_secs(30)),
/// )?;
/// let balance = client.raw_request(stripe_client::Method::Get, "/v1/balance", serde_json::Value::Null)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    client: crate::Client,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("blocking::Client")
            .field(&self.client)
            .finish()
    }
}

/// The runtime that drives the client's sockets and timers.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    fn start() -> Result<Runtime, Error> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("stripe-blocking")
            .enable_all()
            .build()
            .map(|rt| Runtime(Some(rt)))
            .map_err(|e| {
                Error::Config(format!(
                    "could not start the blocking client's runtime: {e}"
                ))
            })
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        match &self.0 {
            Some(rt) => rt.handle(),
            // Only `drop` takes the runtime out.
            None => unreachable!("the blocking client's runtime is gone before the client"),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Dropping a runtime waits for its thread, which tokio forbids inside async code (the
        // last clone may be dropped there); nothing is left to wait for anyway.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Client {
    /// A client with default settings (as [`crate::Client::new`]).
    pub fn new(api_key: impl Into<String>) -> Result<Client, Error> {
        Client::from_builder(crate::Client::builder(api_key))
    }

    /// A client configured with the async client's builder:
    /// `Client::from_builder(stripe_client::Client::builder(key).max_retries(3))`.
    pub fn from_builder(builder: ClientBuilder) -> Result<Client, Error> {
        let runtime = Runtime::start()?;
        // The default transport is built inside the runtime that will drive it.
        let client = {
            let _in_runtime = runtime.handle().enter();
            builder.build()?
        };
        Ok(Client {
            client,
            runtime: Arc::new(runtime),
        })
    }

    /// Drive an existing async client (its connection pool is shared with it).
    pub fn from_async(client: crate::Client) -> Result<Client, Error> {
        Ok(Client {
            client,
            runtime: Arc::new(Runtime::start()?),
        })
    }

    /// The async client underneath, for code that has a runtime.
    pub fn async_client(&self) -> &crate::Client {
        &self.client
    }

    /// The `Stripe-Version` this client sends.
    pub fn api_version(&self) -> &str {
        self.client.api_version()
    }

    /// The base URL used for `host`.
    pub fn base_url(&self, host: Host) -> &str {
        self.client.base_url(host)
    }

    /// Run `future` to completion on this thread, the client's runtime driving its I/O.
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        // Blocking a runtime's thread stalls its other tasks, and tokio panics rather than
        // let `block_on` nest: say so with an error instead.
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::InsideAsyncRuntime);
        }
        Ok(self.runtime.handle().block_on(future))
    }

    /// Send a request and decode its response.
    pub fn send<R: StripeRequest + 'static>(&self, req: &R) -> Result<R::Output, Error> {
        self.block_on(self.client.send(req))?
    }

    /// Send a request with options.
    pub fn send_with<R: StripeRequest + 'static>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Result<R::Output, Error> {
        self.block_on(self.client.send_with(req, opts))?
    }

    /// Send a request; keep the status, headers and request id.
    pub fn send_with_response<R: StripeRequest + 'static>(
        &self,
        req: &R,
    ) -> Result<Response<R::Output>, Error> {
        self.block_on(self.client.send_with_response(req))?
    }

    /// Send a request with options; keep the status, headers and request id.
    pub fn execute<R: StripeRequest + 'static>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Result<Response<R::Output>, Error> {
        self.block_on(self.client.execute(req, opts))?
    }

    /// Page through a list or search operation: a lazy iterator of items, each page
    /// fetched when the one before it is used up.
    pub fn iter<R>(&self, req: &R) -> Iter<<R::Output as Paginated>::Item>
    where
        R: StripeRequest + 'static,
        R::Output: Paginated,
    {
        self.iter_with(req, RequestOptions::default())
    }

    /// Page through a list or search operation with options (applied to every page).
    pub fn iter_with<R>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Iter<<R::Output as Paginated>::Item>
    where
        R: StripeRequest + 'static,
        R::Output: Paginated,
    {
        Iter {
            stream: Some(self.client.stream_with(req, opts)),
            client: self.clone(),
        }
    }

    /// Every item of a list or search, up to `max` items (`None`: all of them).
    pub fn list_all<R>(
        &self,
        req: &R,
        max: Option<usize>,
    ) -> Result<Vec<<R::Output as Paginated>::Item>, Error>
    where
        R: StripeRequest + 'static,
        R::Output: Paginated,
    {
        self.block_on(self.client.list_all(req, max))?
    }

    /// Send any request to `api.stripe.com` and get JSON back (as
    /// [`crate::Client::raw_request`]).
    pub fn raw_request(
        &self,
        method: Method,
        path: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, Error> {
        self.block_on(self.client.raw_request(method, path, params))?
    }

    /// [`Self::raw_request`] with options, keeping the response metadata.
    pub fn raw_request_with(
        &self,
        method: Method,
        path: &str,
        params: serde_json::Value,
        opts: RequestOptions,
    ) -> Result<Response<serde_json::Value>, Error> {
        self.block_on(self.client.raw_request_with(method, path, params, opts))?
    }
}

/// The items of a list or search, fetched page by page as the iterator is advanced.
///
/// Each item is a `Result`: an error ends the iteration (the next call returns `None`).
/// Bound it with [`Iterator::take`]; collect it with
/// `.collect::<Result<Vec<_>, _>>()`.
pub struct Iter<T> {
    stream: Option<ItemStream<T>>,
    client: Client,
}

impl<T> fmt::Debug for Iter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("done", &self.stream.is_none())
            .finish_non_exhaustive()
    }
}

impl<T> Iterator for Iter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        let stream = self.stream.as_mut()?;
        let item = match self.client.block_on(stream.next()) {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        };
        if !matches!(item, Some(Ok(_))) {
            self.stream = None;
        }
        item
    }
}

impl<T> FusedIterator for Iter<T> {}

/// Sends any [`StripeRequest`] with a blocking [`Client`]. Implemented for every request
/// type; bring it into scope with `use stripe_client::blocking::prelude::*`.
pub trait StripeRequestBlockingExt: StripeRequest + Sized + 'static {
    /// Send and decode.
    fn send_blocking(&self, client: &Client) -> Result<Self::Output, Error> {
        client.send(self)
    }

    /// Send with per-request options.
    fn send_blocking_with(
        &self,
        client: &Client,
        opts: RequestOptions,
    ) -> Result<Self::Output, Error> {
        client.send_with(self, opts)
    }

    /// Send and keep the status, headers and request id.
    fn send_blocking_with_response(
        &self,
        client: &Client,
    ) -> Result<Response<Self::Output>, Error> {
        client.send_with_response(self)
    }

    /// Page through every item of a list or search.
    fn iter_blocking(&self, client: &Client) -> Iter<<Self::Output as Paginated>::Item>
    where
        Self::Output: Paginated,
    {
        client.iter(self)
    }

    /// Page through every item with per-request options (kept on every page).
    fn iter_blocking_with(
        &self,
        client: &Client,
        opts: RequestOptions,
    ) -> Iter<<Self::Output as Paginated>::Item>
    where
        Self::Output: Paginated,
    {
        client.iter_with(self, opts)
    }
}

impl<R: StripeRequest + 'static> StripeRequestBlockingExt for R {}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync + Clone>() {}
    is::<Client>();
    fn is_send<T: Send>() {}
    is_send::<Iter<()>>();
}

#[cfg(all(test, feature = "payments"))]
mod tests {
    use super::prelude::*;
    use crate::retry::ManualClock;
    use crate::telemetry::{Observer, RequestStart, RequestStop};
    use crate::{HttpResponse, MockTransport};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use stripe_types::{CreateCustomer, ListCustomers};

    const CUSTOMER: &str =
        r#"{"id":"cus_1","object":"customer","created":1,"livemode":false,"email":"a@b.com"}"#;
    const API_ERROR: &str = r#"{"error":{"type":"api_error","message":"boom"}}"#;

    fn client(mock: &MockTransport) -> Client {
        Client::from_builder(
            crate::Client::builder("sk_test_123")
                .transport(mock.clone())
                .clock(ManualClock::new()),
        )
        .unwrap()
    }

    fn page(ids: &[&str], has_more: bool) -> String {
        let data: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(r#"{{"id":"{id}","object":"customer","created":1,"livemode":false}}"#)
            })
            .collect();
        format!(
            r#"{{"object":"list","url":"/v1/customers","has_more":{has_more},"data":[{}]}}"#,
            data.join(",")
        )
    }

    #[test]
    fn send_retries_with_one_idempotency_key() {
        let mock = MockTransport::new();
        mock.push_json(500, API_ERROR).push_json(200, CUSTOMER);
        let resp = CreateCustomer::new()
            .email("a@b.com")
            .send_blocking_with_response(&client(&mock))
            .unwrap();
        assert_eq!(resp.id.as_str(), "cus_1");
        assert_eq!(resp.attempts, 2);
        let reqs = mock.requests();
        assert_eq!(reqs.len(), 2);
        let key = reqs[0].header("idempotency-key").expect("a key");
        assert_eq!(reqs[1].header("idempotency-key"), Some(key));
    }

    #[test]
    fn errors_are_the_async_clients() {
        let mock = MockTransport::new();
        mock.push_response(
            HttpResponse::json(
                400,
                r#"{"error":{"type":"invalid_request_error","message":"no"}}"#,
            )
            .with_header("request-id", "req_1"),
        );
        let err = CreateCustomer::new()
            .send_blocking(&client(&mock))
            .unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.request_id(), Some("req_1"));
    }

    #[test]
    fn iter_pages_forward_and_stops_after_an_error() {
        let mock = MockTransport::new();
        mock.push_json(200, page(&["cus_1", "cus_2"], true))
            .push_json(200, page(&["cus_3"], false));
        let c = client(&mock);
        let ids: Vec<String> = ListCustomers::new()
            .limit(2)
            .iter_blocking(&c)
            .map(|c| c.map(|c| c.id.to_string()))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, ["cus_1", "cus_2", "cus_3"]);
        assert!(mock.requests()[1].url.contains("starting_after=cus_2"));

        mock.push_json(
            400,
            r#"{"error":{"type":"invalid_request_error","message":"no"}}"#,
        );
        let mut it = ListCustomers::new().iter_blocking(&c);
        assert!(matches!(it.next(), Some(Err(Error::Api(_)))));
        assert!(it.next().is_none());
    }

    #[test]
    fn observer_sees_every_attempt() {
        #[derive(Default)]
        struct Count(AtomicUsize, AtomicUsize);
        impl Observer for Count {
            fn on_request_start(&self, _: &RequestStart) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
            fn on_request_stop(&self, _: &RequestStop) {
                self.1.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count::default());
        let mock = MockTransport::new();
        mock.push_json(500, API_ERROR).push_json(200, CUSTOMER);
        let c = Client::from_builder(
            crate::Client::builder("sk_test_123")
                .transport(mock.clone())
                .clock(ManualClock::new())
                .observer(count.clone()),
        )
        .unwrap();
        CreateCustomer::new().send_blocking(&c).unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        assert_eq!(count.1.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn inside_a_runtime_is_a_typed_error_and_dropping_there_is_fine() {
        let mock = MockTransport::new();
        let c = client(&mock);
        for rt in [
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap(),
        ] {
            let c = c.clone();
            rt.block_on(async move {
                let err = CreateCustomer::new().send_blocking(&c).unwrap_err();
                assert!(matches!(err, Error::InsideAsyncRuntime), "{err:?}");
                let mut it = ListCustomers::new().iter_blocking(&c);
                assert!(matches!(it.next(), Some(Err(Error::InsideAsyncRuntime))));
                assert!(it.next().is_none());
                // Made and dropped (the last clone) inside async code: no panic.
                drop(Client::new("sk_test_123").unwrap());
            });
        }
        assert!(mock.requests().is_empty(), "nothing was sent");
        mock.push_json(200, CUSTOMER);
        CreateCustomer::new().send_blocking(&c).unwrap();
    }
}
