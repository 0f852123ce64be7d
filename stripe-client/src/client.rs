//! [`Client`]: the entry points of the request pipeline (see the crate docs for the path
//! from a call to the socket). A client is its [`Settings`], shared; it is built by
//! [`ClientBuilder`](crate::ClientBuilder) (`builder.rs`, which also holds
//! [`Client::builder`] and [`Client::new`]), and this module imports neither the builder nor
//! anything above the pipeline.

use crate::clock::Clock;
use crate::error::Error;
use crate::options::RequestOptions;
use crate::pagination::{paginate, ItemStream};
use crate::pipeline::{send_with_retries, Prepared, RawResponse};
use crate::response::Response;
use crate::retry::RetryPolicy;
use crate::settings::Settings;
use std::fmt;
use std::sync::Arc;
use stripe_types::rt::{Auth, Host, Method, Paginated, StripeRequest};

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
    settings: Arc<Settings>,
    /// The meter event session that `send` uses for the v2 meter event stream (created and
    /// renewed on its own), shared by the client's clones. Here, not in the settings: the
    /// shared state under the pipeline imports nothing of metering.
    #[cfg(all(feature = "billing", feature = "v2"))]
    meter_sessions: Arc<crate::meter::SessionCache>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        f.debug_struct("Client")
            .field("api_key", &s.key_hint)
            .field("api_base", &s.api_base)
            .field("files_base", &s.files_base)
            .field("meter_events_base", &s.meter_events_base)
            .field("api_version", &s.api_version)
            .field("retry", &s.retry)
            .field("timeout", &s.timeout)
            .finish()
    }
}

impl Client {
    pub(crate) fn from_settings(settings: Settings) -> Client {
        Client {
            settings: Arc::new(settings),
            #[cfg(all(feature = "billing", feature = "v2"))]
            meter_sessions: Arc::default(),
        }
    }

    /// The `Stripe-Version` this client sends.
    pub fn api_version(&self) -> &str {
        &self.settings.api_version
    }

    /// The client's retry policy: what its requests follow, and what the meter event sender
    /// and other senders on top of the client follow unless told otherwise.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.settings.retry
    }

    /// The client's clock: retry backoff, the meter guards' timestamp window, meter event
    /// session expiry.
    #[cfg_attr(not(feature = "billing"), allow(dead_code))]
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.settings.clock.clone()
    }

    /// The observer, for the metering outbox drainer's reports.
    #[cfg(all(
        feature = "billing",
        feature = "v2",
        any(feature = "durable-sqlite", feature = "durable-postgres"),
        not(target_arch = "wasm32")
    ))]
    pub(crate) fn observer(&self) -> Option<&dyn crate::telemetry::Observer> {
        self.settings.observer.as_deref()
    }

    /// The base URL used for `host`.
    pub fn base_url(&self, host: Host) -> &str {
        self.settings.base_url(host)
    }

    /// Send a request and decode its response.
    pub async fn send<R: StripeRequest + 'static>(&self, req: &R) -> Result<R::Output, Error> {
        self.execute(req, RequestOptions::default())
            .await
            .map(Response::into_inner)
    }

    /// Send a request with options.
    pub async fn send_with<R: StripeRequest + 'static>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Result<R::Output, Error> {
        self.execute(req, opts).await.map(Response::into_inner)
    }

    /// Send a request; keep the status, headers and request id.
    pub async fn send_with_response<R: StripeRequest + 'static>(
        &self,
        req: &R,
    ) -> Result<Response<R::Output>, Error> {
        self.execute(req, RequestOptions::default()).await
    }

    /// Send a request with options; keep the status, headers and request id.
    ///
    /// The request's own checks ([`StripeRequest::validate`]: a blank id in the path, the
    /// metering limits) run first: a refusal is [`Error::Guard`] and nothing is sent.
    pub async fn execute<R: StripeRequest + 'static>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Result<Response<R::Output>, Error> {
        let prepared = Prepared::from_request(req, &*self.settings.clock)?;
        #[cfg(feature = "testing")]
        let opts = self.intercept(req, opts)?;
        match prepared.auth {
            Auth::ApiKey => send_with_retries(&self.settings, &prepared, &opts).await,
            Auth::MeterEventSession => self.execute_with_session(&prepared, opts).await,
        }?
        .decode()
    }

    /// A request that authenticates with a meter event session (the v2 meter event stream):
    /// the client's own session as bearer, created with the API key and renewed on its own
    /// ([`meter::create_session`](crate::meter)), never the API key itself.
    /// Boxed: creating the session is a `send` too, which comes back through here.
    #[cfg(all(feature = "billing", feature = "v2"))]
    fn execute_with_session<'a>(
        &'a self,
        prepared: &'a Prepared,
        opts: RequestOptions,
    ) -> futures_util::future::BoxFuture<'a, Result<RawResponse, Error>> {
        Box::pin(crate::meter::execute_with_session(
            self,
            &self.meter_sessions,
            prepared,
            opts,
        ))
    }

    /// Without `billing` and `v2` the client cannot create a session: the request is refused
    /// before it is sent (`Prepared::to_http` never puts the API key where the token
    /// belongs), unless the caller's options carry an `Authorization` header of their own.
    #[cfg(not(all(feature = "billing", feature = "v2")))]
    async fn execute_with_session(
        &self,
        prepared: &Prepared,
        opts: RequestOptions,
    ) -> Result<RawResponse, Error> {
        send_with_retries(&self.settings, prepared, &opts).await
    }

    /// Page through a list or search operation: a lazy stream of items.
    pub fn stream<R>(&self, req: &R) -> ItemStream<<R::Output as Paginated>::Item>
    where
        R: StripeRequest + 'static,
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
        R: StripeRequest + 'static,
        R::Output: Paginated,
    {
        let pagination = req.endpoint().pagination;
        let prepared = Prepared::from_request(req, &*self.settings.clock);
        // The test kit's hook sees the request once; its tag rides on every page's options.
        #[cfg(feature = "testing")]
        let (prepared, opts) = match self.intercept(req, opts) {
            Ok(opts) => (prepared, opts),
            Err(e) => (Err(e), RequestOptions::default()),
        };
        match prepared {
            Ok(prepared) => {
                paginate::<R::Output>(self.settings.clone(), prepared, opts, pagination)
            }
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
        R: StripeRequest + 'static,
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

    /// Hand a typed request to the test kit's interceptor, when the client was built from a
    /// `testing::StripeMock`: it picks the rule that answers and tags the options with it.
    /// One `Option` check for every other client.
    #[cfg(feature = "testing")]
    fn intercept<R: StripeRequest + 'static>(
        &self,
        req: &R,
        opts: RequestOptions,
    ) -> Result<RequestOptions, Error> {
        match &self.settings.interceptor {
            Some(i) => i.intercept(&req.endpoint(), req, req, opts),
            None => Ok(opts),
        }
    }

    /// Send a prepared request with retries; a 2xx response or the error.
    pub(crate) async fn execute_prepared(
        &self,
        p: &Prepared,
        opts: &RequestOptions,
    ) -> Result<RawResponse, Error> {
        send_with_retries(&self.settings, p, opts).await
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync + Clone>() {}
    is::<Client>();
}

/// Without `billing` and `v2` the client cannot create a meter event session: a request that
/// authenticates with one is refused, and nothing is sent with the API key.
#[cfg(all(
    test,
    not(all(feature = "billing", feature = "v2")),
    not(target_arch = "wasm32")
))]
mod tests {
    use super::*;
    use stripe_types::rt::{Empty, Encoding, Endpoint, Pagination, ResponseKind};

    struct SessionOnly {}

    impl serde::Serialize for SessionOnly {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            s.serialize_map(Some(0))?.end()
        }
    }

    impl StripeRequest for SessionOnly {
        type Output = Empty;
        fn endpoint(&self) -> Endpoint {
            Endpoint {
                operation_id: "PostV2BillingMeterEventStream",
                method: Method::Post,
                path: "/v2/billing/meter_event_stream".into(),
                host: Host::MeterEvents,
                encoding: Encoding::Json,
                response: ResponseKind::Json,
                pagination: Pagination::None,
            }
        }
        fn auth(&self) -> Auth {
            Auth::MeterEventSession
        }
    }

    #[tokio::test]
    async fn a_session_request_is_refused_not_sent_with_the_key() {
        let mock = crate::MockTransport::new();
        let client = Client::builder("sk_test_123")
            .transport(mock.clone())
            .build()
            .unwrap();
        let err = client.send(&SessionOnly {}).await.unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("meter event session")),
            "{err:?}"
        );
        assert!(mock.requests().is_empty(), "nothing sent");
    }
}
