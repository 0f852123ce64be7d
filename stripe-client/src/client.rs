//! [`Client`]: the entry points of the request pipeline (see the crate docs for the path
//! from a call to the socket).

use crate::builder::ClientBuilder;
use crate::options::RequestOptions;
use crate::pagination::{paginate, ItemStream};
use crate::pipeline::{decode_body, DefaultHeaders, Prepared, RawResponse};
use crate::response::Response;
use crate::retry::{send_with_retries, Clock};
use crate::telemetry::Observer;
use crate::transport::Transport;
use crate::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use stripe_types::rt::{DecodeBody, Host, Method, Paginated, StripeRequest};

/// A Stripe API client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn f() -> Result<(), stripe_client::Error> {
/// let client = stripe_client::Client::new("sk_test_123")?;
/// let customers = client.raw_request(stripe_client::Method::Get, "/v1/customers", serde_json::json!({"limit": 3})).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What a built client holds; the pipeline's stages read it.
pub(crate) struct Inner {
    pub(crate) key_hint: String,
    pub(crate) api_base: String,
    pub(crate) files_base: String,
    pub(crate) meter_events_base: String,
    pub(crate) api_version: String,
    pub(crate) headers: DefaultHeaders,
    pub(crate) max_retries: u32,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: u64,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) observer: Option<Arc<dyn Observer>>,
}

impl Inner {
    /// The base URL used for `host`.
    pub(crate) fn base_url(&self, host: Host) -> &str {
        match host {
            Host::Api => &self.api_base,
            Host::Files => &self.files_base,
            Host::MeterEvents => &self.meter_events_base,
        }
    }

    /// The per-attempt timeout of a request with `opts`.
    pub(crate) fn timeout(&self, opts: &RequestOptions) -> Duration {
        opts.timeout.unwrap_or(self.timeout)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_key", &self.inner.key_hint)
            .field("api_base", &self.inner.api_base)
            .field("files_base", &self.inner.files_base)
            .field("meter_events_base", &self.inner.meter_events_base)
            .field("api_version", &self.inner.api_version)
            .field("max_retries", &self.inner.max_retries)
            .field("timeout", &self.inner.timeout)
            .finish()
    }
}

impl Client {
    pub(crate) fn from_inner(inner: Inner) -> Client {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// A builder for a client with `api_key`.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(api_key)
    }

    /// A client with default settings.
    pub fn new(api_key: impl Into<String>) -> Result<Client, Error> {
        ClientBuilder::new(api_key).build()
    }

    /// The `Stripe-Version` this client sends.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// The client's clock: retry backoff, the meter guards' timestamp window, meter event
    /// session expiry.
    #[cfg_attr(not(feature = "billing"), allow(dead_code))]
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    /// Automatic retries after the first attempt (reused by the meter event sender).
    #[cfg(all(feature = "billing", feature = "v2", not(target_arch = "wasm32")))]
    pub(crate) fn max_retries(&self) -> u32 {
        self.inner.max_retries
    }

    /// The observer, for the metering outbox drainer's reports.
    #[cfg(all(
        feature = "billing",
        feature = "v2",
        any(feature = "durable-sqlite", feature = "durable-postgres"),
        not(target_arch = "wasm32")
    ))]
    pub(crate) fn observer(&self) -> Option<&dyn Observer> {
        self.inner.observer.as_deref()
    }

    /// The base URL used for `host`.
    pub fn base_url(&self, host: Host) -> &str {
        self.inner.base_url(host)
    }

    /// Send a request and decode its response.
    pub async fn send<R: StripeRequest>(&self, req: &R) -> Result<R::Output, Error> {
        self.execute(req, RequestOptions::default())
            .await
            .map(Response::into_inner)
    }

    /// Send a request with options.
    pub async fn send_with<R: StripeRequest>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Result<R::Output, Error> {
        self.execute(req, opts).await.map(Response::into_inner)
    }

    /// Send a request; keep the status, headers and request id.
    pub async fn send_with_response<R: StripeRequest>(
        &self,
        req: &R,
    ) -> Result<Response<R::Output>, Error> {
        self.execute(req, RequestOptions::default()).await
    }

    /// Send a request with options; keep the status, headers and request id.
    pub async fn execute<R: StripeRequest>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Result<Response<R::Output>, Error> {
        let prepared = Prepared::from_request(req, &*self.inner.clock)?;
        send_with_retries(&self.inner, &prepared, &opts)
            .await?
            .decode()
    }

    /// Page through a list or search operation: a lazy stream of items.
    pub fn stream<R>(&self, req: &R) -> ItemStream<<R::Output as Paginated>::Item>
    where
        R: StripeRequest,
        R::Output: Paginated,
    {
        self.stream_with(req, RequestOptions::default())
    }

    /// Page through a list or search operation with options (applied to every page).
    pub fn stream_with<R>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> ItemStream<<R::Output as Paginated>::Item>
    where
        R: StripeRequest,
        R::Output: Paginated,
    {
        let pagination = req.endpoint().pagination;
        match Prepared::from_request(req, &*self.inner.clock) {
            Ok(prepared) => paginate::<R::Output>(self.clone(), prepared, opts, pagination),
            Err(e) => Box::pin(futures_util::stream::once(async move { Err(e) })),
        }
    }

    /// Every item of a list or search, up to `max` items (`None`: all of them).
    pub async fn list_all<R>(
        &self,
        req: &R,
        max: Option<usize>,
    ) -> Result<Vec<<R::Output as Paginated>::Item>, Error>
    where
        R: StripeRequest,
        R::Output: Paginated,
    {
        use futures_util::{StreamExt, TryStreamExt};
        let s = self.stream(req);
        match max {
            Some(n) => s.take(n).try_collect().await,
            None => s.try_collect().await,
        }
    }

    /// Send any request to `api.stripe.com` and get JSON back: the escape hatch for
    /// endpoints newer than the pinned spec. `params` (an object or `null`) is
    /// form-encoded on v1 and for GET/DELETE, JSON on v2 POSTs.
    pub async fn raw_request(
        &self,
        method: Method,
        path: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, Error> {
        self.raw_request_with(method, path, params, RequestOptions::default())
            .await
            .map(Response::into_inner)
    }

    /// [`Self::raw_request`] with options, keeping the response metadata.
    pub async fn raw_request_with(
        &self,
        method: Method,
        path: &str,
        params: serde_json::Value,
        opts: RequestOptions,
    ) -> Result<Response<serde_json::Value>, Error> {
        let prepared = Prepared::raw(method, path, &params)?;
        self.execute_prepared(&prepared, &opts).await?.decode()
    }

    /// Send a prepared request with retries; a 2xx response or the error.
    pub(crate) async fn execute_prepared(
        &self,
        p: &Prepared,
        opts: &RequestOptions,
    ) -> Result<RawResponse, Error> {
        send_with_retries(&self.inner, p, opts).await
    }

    /// Send a prepared request and decode its body alone (pagination).
    pub(crate) async fn fetch_decoded<T: DecodeBody>(
        &self,
        p: &Prepared,
        opts: &RequestOptions,
    ) -> Result<T, Error> {
        let raw = self.execute_prepared(p, opts).await?;
        decode_body(&raw)
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync + Clone>() {}
    is::<Client>();
}
