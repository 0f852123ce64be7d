//! [`ClientBuilder`]: the settings of a [`Client`], checked and turned into the pipeline's
//! parts (default headers, transport, clock, retry policy) once, by
//! [`ClientBuilder::build`]. The top of the client: it imports the client, which never
//! imports it back ([`Client::builder`] and [`Client::new`] are written here).

use crate::client::Client;
use crate::clock::{Clock, SystemClock};
use crate::config::{
    redact_key, AppInfo, API_VERSION, DEFAULT_API_BASE, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_FILES_BASE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_METER_EVENTS_BASE, DEFAULT_TIMEOUT,
};
use crate::error::Error;
use crate::pipeline::headers::DefaultHeaders;
use crate::retry::RetryPolicy;
use crate::settings::Settings;
use crate::telemetry::Observer;
use crate::transport::Transport;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

impl Client {
    /// A builder for a client with `api_key`.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(api_key)
    }

    /// A client with default settings.
    pub fn new(api_key: impl Into<String>) -> Result<Client, Error> {
        ClientBuilder::new(api_key).build()
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    api_key: String,
    api_base: String,
    files_base: String,
    meter_events_base: String,
    api_version: String,
    retry: RetryPolicy,
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: u64,
    app_info: Option<AppInfo>,
    transport: Option<Arc<dyn Transport>>,
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    http_client: Option<reqwest::Client>,
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    http_client_builder: Option<reqwest::ClientBuilder>,
    /// Proxy, roots, plain HTTP (`transport::NetOptions`).
    net: crate::transport::NetOptions,
    clock: Arc<dyn Clock>,
    observer: Option<Arc<dyn Observer>>,
    governor: Option<crate::governor::Governor>,
    #[cfg(feature = "testing")]
    interceptor: Option<Arc<dyn crate::testing::Intercept>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &redact_key(&self.api_key))
            .field("api_base", &self.api_base)
            .field("api_version", &self.api_version)
            .field("retry", &self.retry)
            .field("net", &self.net)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(crate) fn new(api_key: impl Into<String>) -> Self {
        ClientBuilder {
            api_key: api_key.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            files_base: DEFAULT_FILES_BASE.to_owned(),
            meter_events_base: DEFAULT_METER_EVENTS_BASE.to_owned(),
            api_version: API_VERSION.to_owned(),
            retry: RetryPolicy::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            app_info: None,
            transport: None,
            #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
            http_client: None,
            #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
            http_client_builder: None,
            net: crate::transport::NetOptions::default(),
            clock: Arc::new(SystemClock),
            observer: None,
            governor: None,
            #[cfg(feature = "testing")]
            interceptor: None,
        }
    }

    /// The test kit's hook (`testing::StripeMock::client_builder`).
    #[cfg(feature = "testing")]
    pub(crate) fn interceptor(mut self, i: Arc<dyn crate::testing::Intercept>) -> Self {
        self.interceptor = Some(i);
        self
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
    /// Automatic retries after the first attempt (default 2): shorthand for the
    /// [`retry_policy`](Self::retry_policy)'s [`max_retries`](RetryPolicy::max_retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }
    /// When to retry (default [`RetryPolicy::new`]: the official SDKs' rules, 2 retries, no
    /// total deadline). The client's requests follow it, and so do the senders built on the
    /// client (the meter event sender). For example, at most 4 retries, all attempts within
    /// 30 s: `RetryPolicy::new().max_retries(4).total_deadline(Duration::from_secs(30))`.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Connect timeout of the default transport (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Timeout of each attempt, from sending to the whole body (default 80 s): an attempt
    /// still running after `timeout` ends with [`Error::Timeout`].
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
    /// Send through this transport instead of the default one
    /// ([`HyperTransport`](crate::HyperTransport) on native targets, `FetchTransport` on
    /// wasm32).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }
    /// Send through this shared transport.
    pub fn transport_arc(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }
    /// Send through a `ReqwestTransport` over this `reqwest::Client`, as it is (its own
    /// timeouts, proxy and roots apply; build it with
    /// `.redirect(reqwest::redirect::Policy::none())`, as reqwest's default follows
    /// redirects). Needs the `reqwest` feature.
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Send through a `ReqwestTransport` whose `reqwest::Client` is built from this builder
    /// (your pool, TLS and timeout settings), with redirects off, and this builder's
    /// [`proxy`](Self::proxy) and root settings applied when set. Needs the `reqwest` feature.
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http_client_builder = Some(builder);
        self
    }

    /// Send every request through this proxy: `http://host:port` (or `https://`), with
    /// `user:password@` for `Proxy-Authorization` (never printed). `https://` requests go
    /// through a `CONNECT` tunnel, `http://` ones in absolute form. The environment's
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, which the client follows by
    /// default (as reqwest does), are then not read. A URL that cannot be used (SOCKS
    /// included) fails [`build`](Self::build) with [`Error::Config`]. Native targets.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.net.proxy = Some(crate::transport::proxy::ProxyChoice::Url(url.into()));
        self
    }
    /// Connect directly, whatever `HTTPS_PROXY` and the other proxy variables say. Native
    /// targets.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn no_proxy(mut self) -> Self {
        self.net.proxy = Some(crate::transport::proxy::ProxyChoice::Disabled);
        self
    }
    /// Trust this root certificate besides the built-in ones (webpki's; with the
    /// `native-roots` feature also the system's): DER, or PEM (every certificate of a
    /// bundle). For a company CA that inspects TLS, or a test server. A certificate that
    /// cannot be read fails [`build`](Self::build) with [`Error::Config`]. Native targets.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn add_root_certificate(mut self, certificate: impl AsRef<[u8]>) -> Self {
        self.net.added_roots.push(certificate.as_ref().to_vec());
        self
    }
    /// Whether to trust the built-in roots (default `true`); off, only the ones added with
    /// [`add_root_certificate`](Self::add_root_certificate) are. Native targets.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn tls_built_in_root_certs(mut self, on: bool) -> Self {
        self.net.built_in_roots = Some(on);
        self
    }
    /// Accept `http://` base URLs to any host. Without it, plain HTTP is accepted only to
    /// loopback hosts (`localhost`, 127.0.0.0/8, `::1`: a local stripe-mock), because the
    /// API key would otherwise cross the network unencrypted.
    pub fn allow_insecure_http(mut self) -> Self {
        self.net.allow_insecure_http = true;
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
    /// Pace every attempt under Stripe's rate limits with this governor (shared with every
    /// other client given it): see [`crate::governor`]. Off by default.
    pub fn governor(mut self, governor: &crate::governor::Governor) -> Self {
        self.governor = Some(governor.clone());
        self
    }

    /// Build the client. Fails on an empty or blank key, a key that cannot be a header, a
    /// base URL that is not `http(s)://` (or is `http://` to a host that is not loopback,
    /// without [`allow_insecure_http`](Self::allow_insecure_http)), or proxy and root
    /// settings that cannot be used.
    pub fn build(mut self) -> Result<Client, Error> {
        let httplib = if self.transport.is_some() {
            "custom"
        } else if cfg!(target_arch = "wasm32") {
            "fetch"
        } else if self.reqwest_chosen() {
            "reqwest"
        } else {
            "hyper"
        };
        let transport = match self.transport.take() {
            Some(t) => self
                .net
                .check_unused_by("a transport of your own")
                .map(|()| t)?,
            None => self.default_transport()?,
        };
        let key = self.api_key.trim();
        if key.is_empty() {
            return Err(Error::InvalidKey("the API key is empty".into()));
        }
        if key.len() != self.api_key.len()
            || key.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(Error::InvalidKey("the API key contains whitespace".into()));
        }
        let base = |name: &str, url: &str| -> Result<String, Error> {
            let url = url.trim().trim_end_matches('/');
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || url.contains(['?', '#'])
            {
                return Err(Error::Config(format!(
                    "{name} must be an http(s) URL without query: {url:?}"
                )));
            }
            self.net.check_base_url(name, url)?;
            Ok(url.to_owned())
        };
        let api_base = base("api_base", &self.api_base)?;
        let files_base = base("files_base", &self.files_base)?;
        let meter_events_base = base("meter_events_base", &self.meter_events_base)?;
        let headers = DefaultHeaders::new(key, &self.api_version, self.app_info.as_ref(), httplib)?;
        if self.max_response_bytes == 0 {
            return Err(Error::Config("max_response_bytes must be positive".into()));
        }
        Ok(Client::from_settings(Settings {
            key_hint: redact_key(key),
            api_base,
            files_base,
            meter_events_base,
            api_version: self.api_version,
            headers,
            retry: self.retry,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            transport,
            clock: self.clock,
            observer: self.observer,
            governor: self.governor.map(|governor| crate::governor::Governed {
                governor,
                mode: crate::governor::Mode::of_key(key),
            }),
            #[cfg(feature = "testing")]
            interceptor: self.interceptor,
        }))
    }
}

impl ClientBuilder {
    /// Whether the caller handed over a reqwest client or builder.
    fn reqwest_chosen(&self) -> bool {
        #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
        return self.http_client.is_some() || self.http_client_builder.is_some();
        #[cfg(not(all(feature = "reqwest", not(target_arch = "wasm32"))))]
        false
    }

    /// The transport when none was given: the caller's reqwest client or builder, else
    /// [`HyperTransport`](crate::HyperTransport) (native) or `FetchTransport` (wasm32), with
    /// the builder's network settings.
    fn default_transport(&mut self) -> Result<Arc<dyn Transport>, Error> {
        let limit = self.max_response_bytes;
        #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
        {
            use crate::transport::ReqwestTransport;
            if let Some(c) = self.http_client.take() {
                self.net.check_unused_by("a reqwest::Client of your own")?;
                return Ok(Arc::new(ReqwestTransport::new(c, limit)));
            }
            if let Some(b) = self.http_client_builder.take() {
                let b = self.net.apply_to_reqwest(b)?;
                return Ok(Arc::new(ReqwestTransport::from_builder(b, limit)?));
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let transport = self.net.hyper_transport(self.connect_timeout, limit)?;
        // The host's `fetch` has no connect timeout (the per-attempt timeout still applies).
        #[cfg(target_arch = "wasm32")]
        let transport = {
            let _ = self.connect_timeout;
            crate::transport::FetchTransport::new(limit)
        };
        Ok(Arc::new(transport))
    }
}
