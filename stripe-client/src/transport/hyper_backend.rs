//! [`HyperTransport`]: the default transport on native targets.

use super::{BodyBuffer, BoxFuture, HttpRequest, HttpResponse, Method, Transport};
use crate::Error;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The default transport on native targets: hyper's pooled client over rustls (ring crypto,
/// the webpki root certificates), kept-alive HTTP/1.1 (and HTTP/2 where the server offers it
/// through ALPN, with the `http2` feature), `TCP_NODELAY`, a 90 s idle pool. Plain `http://` base URLs
/// (a local stripe-mock) work too.
///
/// Clones share one pool. For a proxy or a reqwest client of your own, enable the `reqwest`
/// feature and use `ClientBuilder::http_client_builder`.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    max_response_bytes: u64,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A transport that trusts the webpki root certificates (Mozilla's), as browsers do.
    pub fn new(connect_timeout: Duration, max_response_bytes: u64) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        HyperTransport::with_roots(roots, connect_timeout, max_response_bytes)
    }

    /// A transport that trusts exactly these certificates, each DER-encoded (a test server's
    /// self-signed certificate, a private CA). A certificate that cannot be parsed is an
    /// [`Error::Config`].
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
        HyperTransport::with_roots(roots, connect_timeout, max_response_bytes)
    }

    fn with_roots(
        roots: rustls::RootCertStore,
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
            .build(https);
        Ok(HyperTransport {
            client,
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
        let resp = self.client.request(req).await.map_err(connection_error)?;
        let (parts, body) = resp.into_parts();
        let status = parts.status.as_u16();
        let headers = parts.headers;
        let limit = self.max_response_bytes;
        let too_large = || Error::ResponseTooLarge {
            limit,
            status: Some(status),
            request_id: headers
                .get("request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        let content_length = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
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
