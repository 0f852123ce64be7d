//! [`Client`], its builder and the request pipeline: prepare → headers → attempts with
//! retries → decode.

use crate::encode::{
    encode_pairs, encode_params, form_params, json_body, multipart_body, new_boundary, Body,
    Params, Part,
};
use crate::error::{snippet, ApiError, ApiErrorKind, DecodeError};
use crate::options::RequestOptions;
use crate::pagination::{paginate, ItemStream};
use crate::response::Response;
use crate::retry::{backoff, should_retry, Clock, Outcome, TokioClock, DEFAULT_MAX_RETRIES};
use crate::telemetry::{Observer, RequestException, RequestMeta, RequestStart, RequestStop};
use crate::transport::{HttpRequest, HttpResponse, ReqwestTransport, Transport};
use crate::Error;
use bytes::Bytes;
use futures_util::future::Either;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use stripe_types::rt::{DecodeBody, Encoding, Endpoint, Host, Method, Paginated, StripeRequest};
use tracing::Instrument;

/// The API version this crate's types were generated from; sent as `Stripe-Version`.
pub const API_VERSION: &str = "2026-01-28.clover";
/// This crate's version (in `User-Agent`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// `https://api.stripe.com`
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
/// `https://files.stripe.com`
pub const DEFAULT_FILES_BASE: &str = "https://files.stripe.com";
/// `https://meter-events.stripe.com`
pub const DEFAULT_METER_EVENTS_BASE: &str = "https://meter-events.stripe.com";
/// Default per-attempt timeout (as the official SDKs: 80 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(80);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default response size limit: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// Longest accepted idempotency key.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

// Header names and values the pipeline sets on every request, made at compile time.
const STRIPE_VERSION: HeaderName = HeaderName::from_static("stripe-version");
const X_STRIPE_CLIENT_USER_AGENT: HeaderName =
    HeaderName::from_static("x-stripe-client-user-agent");
const STRIPE_ACCOUNT: HeaderName = HeaderName::from_static("stripe-account");
const STRIPE_CONTEXT: HeaderName = HeaderName::from_static("stripe-context");
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
// Response headers the pipeline reads.
const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const STRIPE_SHOULD_RETRY: HeaderName = HeaderName::from_static("stripe-should-retry");
const STRIPE_NOTICE: HeaderName = HeaderName::from_static("stripe-notice");
const FORM_URLENCODED: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Who is calling: sent in `User-Agent` and `X-Stripe-Client-User-Agent` (for plugins).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppInfo {
    /// The plugin's name.
    pub name: String,
    /// Its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A Stripe partner id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
}

impl AppInfo {
    /// App info with a name.
    pub fn new(name: impl Into<String>) -> Self {
        AppInfo {
            name: name.into(),
            version: None,
            url: None,
            partner_id: None,
        }
    }
    /// Set the version.
    pub fn version(mut self, v: impl Into<String>) -> Self {
        self.version = Some(v.into());
        self
    }
    /// Set the URL.
    pub fn url(mut self, u: impl Into<String>) -> Self {
        self.url = Some(u.into());
        self
    }
    /// Set the partner id.
    pub fn partner_id(mut self, p: impl Into<String>) -> Self {
        self.partner_id = Some(p.into());
        self
    }
    /// `Name/Version (URL)` as appended to `User-Agent`.
    pub fn user_agent_suffix(&self) -> String {
        let mut s = self.name.clone();
        if let Some(v) = &self.version {
            s.push('/');
            s.push_str(v);
        }
        if let Some(u) = &self.url {
            s.push_str(" (");
            s.push_str(u);
            s.push(')');
        }
        s
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    api_key: String,
    api_base: String,
    files_base: String,
    meter_events_base: String,
    api_version: String,
    max_retries: u32,
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: u64,
    app_info: Option<AppInfo>,
    transport: Option<Arc<dyn Transport>>,
    http_client: Option<reqwest::Client>,
    http_client_builder: Option<reqwest::ClientBuilder>,
    clock: Arc<dyn Clock>,
    observer: Option<Arc<dyn Observer>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &redact_key(&self.api_key))
            .field("api_base", &self.api_base)
            .field("api_version", &self.api_version)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    fn new(api_key: impl Into<String>) -> Self {
        ClientBuilder {
            api_key: api_key.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            files_base: DEFAULT_FILES_BASE.to_owned(),
            meter_events_base: DEFAULT_METER_EVENTS_BASE.to_owned(),
            api_version: API_VERSION.to_owned(),
            max_retries: DEFAULT_MAX_RETRIES,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            app_info: None,
            transport: None,
            http_client: None,
            http_client_builder: None,
            clock: Arc::new(TokioClock),
            observer: None,
        }
    }

    /// Base URL of `api.stripe.com` (for example a local stripe-mock).
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = url.into();
        self
    }
    /// Base URL of `files.stripe.com`.
    pub fn files_base(mut self, url: impl Into<String>) -> Self {
        self.files_base = url.into();
        self
    }
    /// Base URL of `meter-events.stripe.com`.
    pub fn meter_events_base(mut self, url: impl Into<String>) -> Self {
        self.meter_events_base = url.into();
        self
    }
    /// Point all three hosts at one base URL.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.api_base(url.clone())
            .files_base(url.clone())
            .meter_events_base(url)
    }
    /// The `Stripe-Version` to send (default [`API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }
    /// Automatic retries after the first attempt (default 2).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }
    /// Connect timeout of the default transport (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Timeout of each attempt, from sending to the whole body (default 80 s).
    ///
    /// Attempts that start close together share one timer, so an attempt ends with
    /// [`Error::Timeout`] between `timeout` and `timeout + timeout / 32` (at most 1 s, at
    /// least 1 ms) after it started.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Largest accepted response body (default 32 MiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }
    /// Identify a plugin built on this client.
    pub fn app_info(mut self, info: AppInfo) -> Self {
        self.app_info = Some(info);
        self
    }
    /// Send through this transport instead of the default reqwest one.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }
    /// Send through this shared transport.
    pub fn transport_arc(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }
    /// Use this `reqwest::Client` in the default transport (its own timeouts apply). It is
    /// used as it is; prefer [`Self::http_client_builder`], which keeps the transport's
    /// connection reuse.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Build the default transport's `reqwest::Client` from this builder (your pool, proxy,
    /// TLS and timeout settings), adding the transport's wait for a returning pooled
    /// connection before a new one is dialed.
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http_client_builder = Some(builder);
        self
    }
    /// Use this clock for retry backoff and durations (tests inject
    /// [`ManualClock`](crate::retry::ManualClock)).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
    /// Receive request start / stop / exception events.
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Build the client. Fails on an empty or blank key, a key that cannot be a header, or
    /// a base URL that is not `http(s)://`.
    pub fn build(self) -> Result<Client, Error> {
        let key = self.api_key.trim();
        if key.is_empty() {
            return Err(Error::InvalidKey("the API key is empty".into()));
        }
        if key.len() != self.api_key.len()
            || key.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::InvalidKey("the API key contains whitespace".into()));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| Error::InvalidKey("the API key is not a valid header value".into()))?;
        auth.set_sensitive(true);
        let base = |name: &str, url: &str| -> Result<String, Error> {
            let url = url.trim().trim_end_matches('/');
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || url.contains(['?', '#'])
            {
                return Err(Error::Config(format!(
                    "{name} must be an http(s) URL without query: {url:?}"
                )));
            }
            Ok(url.to_owned())
        };
        let api_base = base("api_base", &self.api_base)?;
        let files_base = base("files_base", &self.files_base)?;
        let meter_events_base = base("meter_events_base", &self.meter_events_base)?;
        let header = |what: &str, v: String| {
            HeaderValue::from_str(&v).map_err(|_| Error::Config(format!("invalid {what}: {v:?}")))
        };
        let suffix = self
            .app_info
            .as_ref()
            .map(|a| format!(" {}", a.user_agent_suffix()))
            .unwrap_or_default();
        let ua_v1 = header(
            "app info",
            format!("Stripe/v1 RustBindings/{VERSION}{suffix}"),
        )?;
        let ua_v2 = header(
            "app info",
            format!("Stripe/v2 RustBindings/{VERSION}{suffix}"),
        )?;
        let client_ua = serde_json::json!({
            "bindings_version": VERSION,
            "lang": "rust",
            "lang_version": env!("STRIPE_CLIENT_RUSTC_VERSION"),
            "publisher": "stripe-rs",
            "httplib": if self.transport.is_some() { "custom" } else { "reqwest" },
            "application": self.app_info,
        });
        let client_ua = header("app info", client_ua.to_string())?;
        let version = header("API version", self.api_version.clone())?;
        if self.max_response_bytes == 0 {
            return Err(Error::Config("max_response_bytes must be positive".into()));
        }
        let transport: Arc<dyn Transport> =
            match (self.transport, self.http_client, self.http_client_builder) {
                (Some(t), _, _) => t,
                (None, Some(c), _) => Arc::new(ReqwestTransport::new(c, self.max_response_bytes)),
                (None, None, Some(b)) => {
                    Arc::new(ReqwestTransport::from_builder(b, self.max_response_bytes)?)
                }
                (None, None, None) => Arc::new(ReqwestTransport::with_connect_timeout(
                    self.connect_timeout,
                    self.max_response_bytes,
                )?),
            };
        Ok(Client {
            inner: Arc::new(Inner {
                key_hint: redact_key(key),
                auth,
                api_base,
                files_base,
                meter_events_base,
                api_version: self.api_version,
                version_header: version,
                max_retries: self.max_retries,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                ua_v1,
                ua_v2,
                client_ua,
                transport,
                clock: self.clock,
                observer: self.observer,
                deadlines: Default::default(),
            }),
        })
    }
}

/// `sk_test_…1234`: at most the last four characters of a key.
fn redact_key(key: &str) -> String {
    let n = key.chars().count();
    if n < 12 {
        return "[redacted]".to_owned();
    }
    let prefix = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
        .into_iter()
        .find(|p| key.starts_with(p))
        .unwrap_or("");
    let last4: String = key.chars().skip(n - 4).collect();
    format!("{prefix}…{last4}")
}

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

struct Inner {
    key_hint: String,
    auth: HeaderValue,
    api_base: String,
    files_base: String,
    meter_events_base: String,
    api_version: String,
    version_header: HeaderValue,
    max_retries: u32,
    timeout: Duration,
    max_response_bytes: u64,
    ua_v1: HeaderValue,
    ua_v2: HeaderValue,
    client_ua: HeaderValue,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    observer: Option<Arc<dyn Observer>>,
    /// The attempts' timeout timers, shared between attempts that start close together.
    deadlines: crate::deadline::Deadlines,
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

/// A request after encoding, before headers: what one attempt (or one page) sends.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) host: Host,
    /// The path; may carry its own query (v2 `next_page_url`).
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Body,
    pub(crate) operation_id: Cow<'static, str>,
    pub(crate) is_v2: bool,
}

impl Prepared {
    pub(crate) fn from_request<R: StripeRequest>(req: &R) -> Result<Prepared, Error> {
        Prepared::new(req.endpoint(), R::JSON_BODY, req)
    }

    /// [`Self::from_request`] once the request type is erased: compiled once, here.
    fn new(ep: Endpoint, json: bool, params: &Params<'_>) -> Result<Prepared, Error> {
        let is_v2 = ep.is_v2();
        let encoded = if json {
            if ep.method != Method::Post || ep.encoding != Encoding::Json {
                return Err(Error::Validation(format!(
                    "{}: JSON_BODY is set but the endpoint is not a JSON POST",
                    ep.operation_id
                )));
            }
            json_body(params).map(|b| (Vec::new(), b))
        } else {
            form_params(ep.method, ep.encoding, params)
        };
        let (query, body) =
            encoded.map_err(|e| Error::Validation(format!("{}: {e}", ep.operation_id)))?;
        Ok(Prepared {
            method: ep.method,
            host: ep.host,
            path: ep.path.into_owned(),
            query,
            body,
            operation_id: Cow::Borrowed(ep.operation_id),
            is_v2,
        })
    }

    /// Replace (or add) a query parameter: the pagination cursors.
    pub(crate) fn set_query(&mut self, key: &str, value: String) {
        self.query.retain(|(k, _)| k != key);
        self.query.push((key.to_owned(), value));
    }

    pub(crate) fn has_query(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }
}

/// A 2xx response, before decoding.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
}

fn header_str<'a>(h: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn append_expand(pairs: &mut Vec<(String, String)>, expand: &[String]) {
    let start = pairs
        .iter()
        .filter(|(k, _)| k.starts_with("expand["))
        .count();
    for (i, f) in expand.iter().enumerate() {
        pairs.push((format!("expand[{}]", start + i), f.clone()));
    }
}

impl Client {
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

    /// The clock used for retry backoff (reused by the meter event sender).
    #[cfg(all(feature = "billing", feature = "v2"))]
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    /// Automatic retries after the first attempt (reused by the meter event sender).
    #[cfg(all(feature = "billing", feature = "v2"))]
    pub(crate) fn max_retries(&self) -> u32 {
        self.inner.max_retries
    }

    /// The base URL used for `host`.
    pub fn base_url(&self, host: Host) -> &str {
        match host {
            Host::Api => &self.inner.api_base,
            Host::Files => &self.inner.files_base,
            Host::MeterEvents => &self.inner.meter_events_base,
        }
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
        let prepared = Prepared::from_request(req)?;
        let raw = self.execute_prepared(&prepared, &opts).await?;
        let value = decode::<R::Output>(&raw)?;
        Ok(Response {
            value,
            status: raw.status,
            headers: raw.headers,
            request_id: raw.request_id,
            attempts: raw.attempts,
        })
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
        match Prepared::from_request(req) {
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
        if !path.starts_with('/') {
            return Err(Error::Validation(format!(
                "path must start with '/': {path:?}"
            )));
        }
        if path.contains(['\r', '\n', ' ', '#']) {
            return Err(Error::Validation(
                "path contains characters that must be escaped".into(),
            ));
        }
        let is_v2 = path.starts_with("/v2/");
        let encoding = if is_v2 {
            Encoding::Json
        } else {
            Encoding::Form
        };
        let (query, body) = encode_params(method, encoding, &params)
            .map_err(|e| Error::Validation(format!("raw request: {e}")))?;
        let prepared = Prepared {
            method,
            host: Host::Api,
            path: path.to_owned(),
            query,
            body,
            operation_id: Cow::Borrowed("raw"),
            is_v2,
        };
        let raw = self.execute_prepared(&prepared, &opts).await?;
        let value = decode::<serde_json::Value>(&raw)?;
        Ok(Response {
            value,
            status: raw.status,
            headers: raw.headers,
            request_id: raw.request_id,
            attempts: raw.attempts,
        })
    }

    /// The idempotency key for `p`: the caller's (checked), a new one for a POST (and a v2
    /// DELETE), or none. Every attempt of the request sends the same key.
    fn idempotency_key(p: &Prepared, opts: &RequestOptions) -> Result<Option<String>, Error> {
        let wants_key = p.method == Method::Post || (p.method == Method::Delete && p.is_v2);
        match &opts.idempotency_key {
            Some(k) if k.len() > MAX_IDEMPOTENCY_KEY_LEN => Err(Error::Validation(format!(
                "idempotency key longer than {MAX_IDEMPOTENCY_KEY_LEN} characters"
            ))),
            Some(k) if k.trim().is_empty() => {
                Err(Error::Validation("idempotency key is blank".into()))
            }
            Some(k) => Ok(Some(k.clone())),
            None if wants_key => Ok(Some(crate::random::uuid_v4().to_string())),
            None => Ok(None),
        }
    }

    /// Build the wire request (URL, headers, body) for `p`.
    fn build_http(
        &self,
        p: &Prepared,
        opts: &RequestOptions,
        idempotency_key: Option<&str>,
    ) -> Result<HttpRequest, Error> {
        let inner = &*self.inner;
        let base = self.base_url(p.host);
        let mut query = Cow::Borrowed(&p.query);
        let mut body = Cow::Borrowed(&p.body);
        if !opts.expand.is_empty() {
            match (p.method, &p.body) {
                (Method::Post, Body::Form(pairs)) => {
                    let mut pairs = pairs.clone();
                    append_expand(&mut pairs, &opts.expand);
                    body = Cow::Owned(Body::Form(pairs));
                }
                (Method::Post, Body::Multipart(parts)) => {
                    let mut parts = parts.clone();
                    let start = parts
                        .iter()
                        .filter(|p| matches!(p, Part::Text(k, _) if k.starts_with("expand[")))
                        .count();
                    for (i, f) in opts.expand.iter().enumerate() {
                        parts.push(Part::Text(format!("expand[{}]", start + i), f.clone()));
                    }
                    body = Cow::Owned(Body::Multipart(parts));
                }
                _ => append_expand(query.to_mut(), &opts.expand),
            }
        }
        let mut url = String::with_capacity(base.len() + p.path.len() + 64);
        url.push_str(base);
        url.push_str(&p.path);
        if !query.is_empty() {
            url.push(if p.path.contains('?') { '&' } else { '?' });
            url.push_str(&encode_pairs(&query));
        }

        let mut headers = HeaderMap::with_capacity(12);
        headers.insert(reqwest::header::AUTHORIZATION, inner.auth.clone());
        let version = match &opts.stripe_version {
            Some(v) => HeaderValue::from_str(v)
                .map_err(|_| Error::Validation(format!("invalid Stripe-Version {v:?}")))?,
            None => inner.version_header.clone(),
        };
        headers.insert(STRIPE_VERSION, version);
        headers.insert(
            reqwest::header::USER_AGENT,
            if p.is_v2 {
                inner.ua_v2.clone()
            } else {
                inner.ua_v1.clone()
            },
        );
        headers.insert(X_STRIPE_CLIENT_USER_AGENT, inner.client_ua.clone());
        let text_header = |name: &'static str, v: &str| -> Result<HeaderValue, Error> {
            HeaderValue::from_str(v)
                .map_err(|_| Error::Validation(format!("invalid {name} header value")))
        };
        if let Some(a) = &opts.stripe_account {
            headers.insert(STRIPE_ACCOUNT, text_header("Stripe-Account", a)?);
        }
        if let Some(c) = &opts.stripe_context {
            headers.insert(STRIPE_CONTEXT, text_header("Stripe-Context", c)?);
        }
        if let Some(k) = idempotency_key {
            headers.insert(IDEMPOTENCY_KEY, text_header("Idempotency-Key", k)?);
        }
        for (name, value) in &opts.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Validation(format!("invalid header name {name:?}")))?;
            headers.insert(n, text_header("custom", value)?);
        }
        let body_bytes = match &*body {
            Body::None => {
                if p.method == Method::Post {
                    headers.insert(reqwest::header::CONTENT_TYPE, FORM_URLENCODED);
                }
                Bytes::new()
            }
            Body::Form(pairs) => {
                headers.insert(reqwest::header::CONTENT_TYPE, FORM_URLENCODED);
                Bytes::from(encode_pairs(pairs))
            }
            Body::Json(bytes) => {
                headers.insert(reqwest::header::CONTENT_TYPE, APPLICATION_JSON);
                Bytes::from(bytes.clone())
            }
            Body::Multipart(parts) => {
                let boundary = new_boundary();
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    text_header(
                        "Content-Type",
                        &format!("multipart/form-data; boundary={boundary}"),
                    )?,
                );
                Bytes::from(multipart_body(parts, &boundary))
            }
        };
        Ok(HttpRequest {
            method: p.method,
            url,
            headers,
            body: body_bytes,
            timeout: Some(opts.timeout.unwrap_or(inner.timeout)),
        })
    }

    /// Send `p` with retries; a 2xx response or the error.
    pub(crate) async fn execute_prepared(
        &self,
        p: &Prepared,
        opts: &RequestOptions,
    ) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let idempotency_key = Self::idempotency_key(p, opts)?;
        // The first attempt sends this request; a retry builds its own (with the same key)
        // rather than every attempt paying for a copy.
        let mut first = Some(self.build_http(p, opts, idempotency_key.as_deref())?);
        let max_retries = opts.max_retries.unwrap_or(inner.max_retries);
        let timeout = opts.timeout.unwrap_or(inner.timeout);
        let path = p.path.split('?').next().unwrap_or_default();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let meta = || RequestMeta {
                method: p.method.as_str(),
                path: path.to_owned(),
                operation_id: p.operation_id.to_string(),
                attempt,
                idempotency_key: idempotency_key.clone(),
            };
            let span = tracing::info_span!(
                "stripe.request",
                method = p.method.as_str(),
                path = %path,
                operation_id = %p.operation_id,
                attempt,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            if let Some(o) = &inner.observer {
                o.on_request_start(&RequestStart { meta: meta() });
            }
            let started = inner.clock.now();
            let request = match first.take() {
                Some(r) => r,
                None => self.build_http(p, opts, idempotency_key.as_deref())?,
            };
            // The timeout may fire up to `deadline::slack(timeout)` late: see `deadline`.
            let timer = inner.deadlines.after(timeout);
            let send = inner.transport.send(request).instrument(span.clone());
            let result = match futures_util::future::select(send, timer).await {
                Either::Left((r, _)) => r,
                Either::Right(((), _)) => Err(Error::Timeout(timeout)),
            };
            let duration = inner.clock.now().saturating_duration_since(started);
            span.record("duration_ms", duration.as_millis() as u64);
            let result = result.and_then(|resp| {
                if resp.body.len() as u64 > inner.max_response_bytes {
                    Err(Error::ResponseTooLarge {
                        limit: inner.max_response_bytes,
                        status: Some(resp.status),
                        request_id: header_str(&resp.headers, &REQUEST_ID).map(str::to_owned),
                    })
                } else {
                    Ok(resp)
                }
            });
            match result {
                Ok(HttpResponse {
                    status,
                    headers,
                    body,
                }) => {
                    let request_id = header_str(&headers, &REQUEST_ID).map(str::to_owned);
                    span.record("status", status);
                    if let Some(r) = &request_id {
                        span.record("request_id", r.as_str());
                    }
                    let should_retry_header = match header_str(&headers, &STRIPE_SHOULD_RETRY) {
                        Some("true") => Some(true),
                        Some("false") => Some(false),
                        _ => None,
                    };
                    let (outcome, error) = if (200..300).contains(&status) {
                        (None, None)
                    } else {
                        let err = ApiError::from_response(
                            status,
                            &body,
                            request_id.clone(),
                            p.is_v2,
                            should_retry_header,
                        );
                        (Some(status), Some(err))
                    };
                    let retry = outcome.is_some()
                        && should_retry(
                            Outcome::Response {
                                status,
                                should_retry: should_retry_header,
                                code: error.as_ref().and_then(|e| e.code.as_ref()),
                            },
                            attempt - 1,
                            max_retries,
                        );
                    span.in_scope(|| {
                        tracing::debug!(status, will_retry = retry, "stripe response");
                        if let Some(notice) = header_str(&headers, &STRIPE_NOTICE) {
                            tracing::warn!(notice, "Stripe-Notice");
                        }
                    });
                    if let Some(o) = &inner.observer {
                        o.on_request_stop(&RequestStop {
                            meta: meta(),
                            status,
                            request_id: request_id.clone(),
                            duration,
                            response_bytes: body.len(),
                            will_retry: retry,
                        });
                    }
                    match error {
                        None => {
                            return Ok(RawResponse {
                                status,
                                headers,
                                body,
                                request_id,
                                attempts: attempt,
                            })
                        }
                        Some(_) if retry => {}
                        Some(err) => {
                            return Err(if err.kind == ApiErrorKind::SessionExpired {
                                Error::SessionExpired(Box::new(err))
                            } else {
                                Error::Api(Box::new(err))
                            })
                        }
                    }
                }
                Err(e) => {
                    let retry = should_retry(Outcome::Failed(&e), attempt - 1, max_retries);
                    span.in_scope(|| {
                        tracing::debug!(error = %e, will_retry = retry, "stripe request failed");
                    });
                    if let Some(o) = &inner.observer {
                        o.on_request_exception(&RequestException {
                            meta: meta(),
                            error: e.to_string(),
                            duration,
                            will_retry: retry,
                        });
                    }
                    if !retry {
                        return Err(e);
                    }
                }
            }
            let delay = backoff(attempt, crate::random::unit_f64());
            inner.clock.sleep(delay).await;
        }
    }

    /// Send a prepared request and decode it (pagination).
    pub(crate) async fn fetch_decoded<T: DecodeBody>(
        &self,
        p: &Prepared,
        opts: &RequestOptions,
    ) -> Result<T, Error> {
        let raw = self.execute_prepared(p, opts).await?;
        decode(&raw)
    }
}

/// Decode a 2xx body into `T` with its [`DecodeBody`] impl (compiled once, in stripe-types).
pub(crate) fn decode<T: DecodeBody>(raw: &RawResponse) -> Result<T, Error> {
    T::decode_body(&raw.body).map_err(|e| {
        let at = e.offset();
        Error::Decode(Box::new(DecodeError {
            path: e.path(),
            message: e.to_string(),
            snippet: snippet(&raw.body, at),
            status: raw.status,
            request_id: raw.request_id.clone(),
        }))
    })
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync + Clone>() {}
    is::<Client>();
}
