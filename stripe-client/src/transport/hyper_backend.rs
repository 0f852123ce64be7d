//! [`HyperTransport`]: the default transport on native targets.

use super::connect::{Connector, ProxyRoute};
use super::proxy::{self, ProxyChoice};
use super::{roots, BodyBuffer, BoxFuture, HttpRequest, HttpResponse, Method, Transport};
use crate::Error;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The default transport on native targets: hyper's pooled client over rustls (ring crypto),
/// kept-alive HTTP/1.1 (and HTTP/2 where the server offers it through ALPN, with the `http2`
/// feature), `TCP_NODELAY`, a 90 s idle pool. What reqwest's default does for a user, it does:
///
/// - **Proxies** from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (upper or lower
///   case), with `user:password@` sent as `Proxy-Authorization`: `https://` requests through a
///   `CONNECT` tunnel, `http://` ones in absolute form. Or one proxy set explicitly
///   ([`HyperTransportBuilder::proxy`], `ClientBuilder::proxy`), or none
///   ([`HyperTransportBuilder::no_proxy`]). The rules are reqwest's (hyper-util's matcher),
///   except that `NO_PROXY=*` alone also covers IP-address hosts, as in curl; a CGI process
///   (`REQUEST_METHOD` set) ignores the environment, as reqwest does.
/// - **Roots**: the webpki roots (Mozilla's), plus the operating system's with the
///   `native-roots` feature, plus any you add
///   ([`HyperTransportBuilder::add_root_certificate`]).
/// - **No redirects**: a 3xx is handed back as it is; the client turns it into
///   [`Error::Redirect`].
///
/// Plain `http://` base URLs (a local stripe-mock) work too. Clones share one pool.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<Connector, Full<Bytes>>,
    /// The proxy matcher, when there is a proxy: `http://` requests through it carry
    /// `Proxy-Authorization`.
    proxy: Option<Arc<ProxyRoute>>,
    max_response_bytes: u64,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The matcher's own `Debug` shows proxy hosts and `NO_PROXY`, never credentials.
        f.debug_struct("HyperTransport")
            .field("max_response_bytes", &self.max_response_bytes)
            .field("proxy", &self.proxy.as_ref().map(|p| &p.matcher))
            .finish_non_exhaustive()
    }
}

/// Settings of a [`HyperTransport`]: `HyperTransport::builder().build()` is the default one.
#[derive(Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    max_response_bytes: u64,
    proxy: ProxyChoice,
    built_in_roots: bool,
    added_roots: Vec<Vec<u8>>,
}

impl fmt::Debug for HyperTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("proxy", &self.proxy)
            .field("built_in_roots", &self.built_in_roots)
            .field("added_roots", &self.added_roots.len())
            .finish()
    }
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        HyperTransportBuilder {
            connect_timeout: crate::DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: crate::DEFAULT_MAX_RESPONSE_BYTES,
            proxy: ProxyChoice::Environment,
            built_in_roots: true,
            added_roots: Vec::new(),
        }
    }
}

impl HyperTransportBuilder {
    /// The TCP connect timeout (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// The largest accepted response body (default 32 MiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }
    /// Send every request through this proxy (`http://host:port`, `https://…`, with
    /// `user:password@` for `Proxy-Authorization`; no scheme means `http://`). The
    /// environment's proxy variables, `NO_PROXY` included, are then not read. A URL that
    /// cannot be used (SOCKS included) fails [`build`](Self::build) with [`Error::Config`].
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxyChoice::Url(url.into());
        self
    }
    /// Connect directly, whatever `HTTPS_PROXY` and the others say.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxyChoice::Disabled;
        self
    }
    /// Trust this root certificate besides the built-in ones: DER, or PEM (every
    /// `CERTIFICATE` block of it, so a bundle works). For a company CA that inspects TLS, or a
    /// test server's own certificate.
    pub fn add_root_certificate(mut self, certificate: impl AsRef<[u8]>) -> Self {
        self.added_roots.push(certificate.as_ref().to_vec());
        self
    }
    /// Whether to trust the built-in roots: webpki's, and with the `native-roots` feature the
    /// operating system's (default `true`). Off, only the added ones are trusted.
    pub fn tls_built_in_root_certs(mut self, on: bool) -> Self {
        self.built_in_roots = on;
        self
    }
    pub(crate) fn set_proxy(&mut self, proxy: ProxyChoice) {
        self.proxy = proxy;
    }

    /// The transport. Fails with [`Error::Config`] on a root certificate that cannot be read
    /// or a proxy URL that cannot be used.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let roots = roots::root_store(self.built_in_roots, &self.added_roots)?;
        let matcher = proxy::matcher(&self.proxy, |name| std::env::var(name).ok())?;
        HyperTransport::with_roots(
            roots,
            matcher,
            self.connect_timeout,
            self.max_response_bytes,
        )
    }
}

impl HyperTransport {
    /// The default transport: the built-in roots, the environment's proxy.
    pub fn new(connect_timeout: Duration, max_response_bytes: u64) -> Result<Self, Error> {
        HyperTransport::builder()
            .connect_timeout(connect_timeout)
            .max_response_bytes(max_response_bytes)
            .build()
    }

    /// Settings beyond the defaults: a proxy, added roots.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }

    /// A transport that trusts exactly these certificates, each DER-encoded (a test server's
    /// self-signed certificate, a private CA), and no built-in root; to trust one *besides*
    /// the built-in roots, use [`HyperTransportBuilder::add_root_certificate`]. A certificate
    /// that cannot be parsed is an [`Error::Config`].
    pub fn with_root_certificates<I, C>(
        certificates: I,
        connect_timeout: Duration,
        max_response_bytes: u64,
    ) -> Result<Self, Error>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let mut roots = rustls::RootCertStore::empty();
        for der in certificates {
            let der = rustls::pki_types::CertificateDer::from(der.as_ref().to_vec());
            roots
                .add(der)
                .map_err(|e| Error::Config(format!("root certificate: {e}")))?;
        }
        let matcher = proxy::from_env(|name| std::env::var(name).ok());
        HyperTransport::with_roots(roots, matcher, connect_timeout, max_response_bytes)
    }

    fn with_roots(
        roots: rustls::RootCertStore,
        proxy: Option<hyper_util::client::proxy::matcher::Matcher>,
        connect_timeout: Duration,
        max_response_bytes: u64,
    ) -> Result<Self, Error> {
        // The provider is named rather than taken from the process default, so that another
        // crate enabling a second rustls provider cannot make this ambiguous.
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let route = proxy.map(|matcher| {
            // To the proxy: HTTP/1.1 (a CONNECT, or absolute-form requests). Inside a
            // tunnel: the destination's ALPN, as on the direct path.
            let mut proxy_tls = tls.clone();
            proxy_tls.alpn_protocols = vec![b"http/1.1".to_vec()];
            let mut tunnel_tls = tls.clone();
            tunnel_tls.alpn_protocols = if cfg!(feature = "http2") {
                vec![b"h2".to_vec(), b"http/1.1".to_vec()]
            } else {
                vec![b"http/1.1".to_vec()]
            };
            Arc::new(ProxyRoute::new(
                matcher,
                http.clone(),
                proxy_tls,
                tunnel_tls,
            ))
        });
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1();
        #[cfg(feature = "http2")]
        let https = https.enable_http2();
        let https = https.wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(Connector::new(https, route.clone()));
        Ok(HyperTransport {
            client,
            proxy: route,
            max_response_bytes,
        })
    }
}

impl Transport for HyperTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>> {
        Box::pin(self.exchange(request))
    }
}

impl HyperTransport {
    /// One request and its whole response. The client enforces `request.timeout` around
    /// the whole attempt (headers and body), so no timer is set here.
    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let method = match request.method {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Delete => http::Method::DELETE,
        };
        let uri: http::Uri = request.url.parse().map_err(|e| {
            Error::Validation(format!("cannot build the HTTP request: invalid URL: {e}"))
        })?;
        let mut req = http::Request::new(Full::new(request.body));
        *req.method_mut() = method;
        *req.uri_mut() = uri;
        // The header map moves in whole.
        *req.headers_mut() = request.headers;
        if let Some(route) = &self.proxy {
            forward_proxy_authorization(&route.matcher, &mut req);
        }
        let resp = self.client.request(req).await.map_err(connection_error)?;
        let (parts, body) = resp.into_parts();
        let status = parts.status.as_u16();
        let headers = parts.headers;
        let limit = self.max_response_bytes;
        let too_large = || super::too_large(limit, status, &headers);
        let content_length = super::content_length(&headers);
        if content_length.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let body = read_body(body, limit, content_length)
            .await
            .map_err(|e| e.map_or_else(too_large, connection_error))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// The body, frame by frame, failing (`Err(None)`) as soon as it passes `limit`.
async fn read_body(
    mut body: hyper::body::Incoming,
    limit: u64,
    content_length: Option<u64>,
) -> Result<Bytes, Option<hyper::Error>> {
    let mut buffer = BodyBuffer::new(limit, content_length);
    while let Some(frame) = body.frame().await {
        // Frames that are not data are trailers: nothing to keep.
        if let Ok(chunk) = frame?.into_data() {
            buffer.push(chunk).map_err(|()| None)?;
        }
    }
    Ok(buffer.finish())
}

/// A failed exchange as [`Error::Connection`], with every cause in the message (the URL,
/// which may carry query parameters, is never part of hyper's errors).
fn connection_error<E: std::error::Error + Send + Sync + 'static>(e: E) -> Error {
    let mut message = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    Error::connection(message, Some(Box::new(e)))
}

/// `Proxy-Authorization` on a plain `http://` request that a proxy with credentials forwards
/// (an `https://` one carries them on its tunnel's `CONNECT` instead, never to the
/// destination).
fn forward_proxy_authorization<B>(
    matcher: &hyper_util::client::proxy::matcher::Matcher,
    req: &mut http::Request<B>,
) {
    if req.uri().scheme() != Some(&http::uri::Scheme::HTTP) {
        return;
    }
    let Some(proxy) = matcher.intercept(req.uri()) else {
        return;
    };
    if let Some(auth) = proxy.basic_auth() {
        req.headers_mut()
            .insert(http::header::PROXY_AUTHORIZATION, auth.clone());
    }
}
