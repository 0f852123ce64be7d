//! The pluggable HTTP layer: a [`Transport`] takes one fully built request and returns the
//! whole response. The client does everything else (auth, encoding, retries, decoding).
//!
//! [`HyperTransport`] is the default on native targets (hyper's pool over rustls; proxies
//! from the environment; HTTP/2 where offered with the `http2` feature); `FetchTransport` is
//! the transport on wasm32 (the host's `fetch`); with the `reqwest` feature,
//! `ReqwestTransport` is an option on native targets (a reqwest client of your own).
//! [`MockTransport`] records requests and answers from a queue, for unit tests of code
//! that uses the client. Everything about sockets, pools and TLS lives in this module.
//!
//! No transport follows a redirect: a 3xx is handed back as it is, and the client reports it
//! as [`Error::Redirect`] without retrying.

#[cfg(not(target_arch = "wasm32"))]
mod connect;
#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(not(target_arch = "wasm32"))]
mod hyper_backend;
mod mock;
mod options;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod proxy;
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
mod reqwest_backend;
#[cfg(not(target_arch = "wasm32"))]
mod roots;

#[cfg(target_arch = "wasm32")]
pub use fetch::FetchTransport;
#[cfg(not(target_arch = "wasm32"))]
pub use hyper_backend::{HyperTransport, HyperTransportBuilder};
pub use mock::MockTransport;
pub(crate) use options::NetOptions;
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
pub use reqwest_backend::ReqwestTransport;

use crate::Error;
use bytes::Bytes;
use http::header::HeaderMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
pub use stripe_types::rt::Method;

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One HTTP request, ready for the wire.
#[derive(Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query string included.
    pub url: String,
    /// Every header, `Authorization` included.
    pub headers: HeaderMap,
    /// The body (empty for GET/DELETE).
    pub body: Bytes,
    /// The per-attempt timeout (the client enforces it around the transport).
    pub timeout: Option<Duration>,
}

impl HttpRequest {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key, the body or a query value (`?client_secret=…` on a GET).
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if k == http::header::AUTHORIZATION {
                    "[redacted]"
                } else {
                    v.to_str().unwrap_or("<binary>")
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &RedactedUrl(&self.url))
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A URL as `Debug` shows it: every query value replaced by `[redacted]`, the names kept
/// (`/v1/payment_intents/pi_1?client_secret=[redacted]`).
struct RedactedUrl<'a>(&'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0.split('#').next().unwrap_or_default();
        let Some((path, query)) = url.split_once('?') else {
            return fmt::Debug::fmt(url, f);
        };
        let mut shown = String::with_capacity(url.len());
        shown.push_str(path);
        for (i, pair) in query.split('&').enumerate() {
            shown.push(if i == 0 { '?' } else { '&' });
            match pair.split_once('=') {
                Some((name, _)) => {
                    shown.push_str(name);
                    shown.push_str("=[redacted]");
                }
                None => shown.push_str(pair),
            }
        }
        fmt::Debug::fmt(&shown, f)
    }
}

/// One HTTP response with its whole body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response with a status and a JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::header::HeaderValue::from_static("application/json"),
        );
        HttpResponse {
            status,
            headers,
            body: Bytes::from(body.into()),
        }
    }
    /// Add a header (ignored when the name or value is not a valid header).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(n), Ok(v)) = (
            http::header::HeaderName::from_bytes(name.as_bytes()),
            http::header::HeaderValue::from_str(value),
        ) {
            self.headers.insert(n, v);
        }
        self
    }
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The `Content-Length` the headers announce, when they do.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

/// The error for a body over `limit`, with the status and `Request-Id` it came with.
pub(crate) fn too_large(limit: u64, status: u16, headers: &HeaderMap) -> Error {
    Error::ResponseTooLarge {
        limit,
        status: Some(status),
        request_id: headers
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// A response body collected chunk by chunk under a size limit. A body that arrives in one
/// chunk (the usual case) is kept as is, not copied.
pub(crate) struct BodyBuffer {
    first: Option<Bytes>,
    rest: Vec<u8>,
    limit: u64,
    /// The announced `Content-Length`, to size the buffer once.
    hint: Option<u64>,
}

impl BodyBuffer {
    pub(crate) fn new(limit: u64, content_length: Option<u64>) -> Self {
        BodyBuffer {
            first: None,
            rest: Vec::new(),
            limit,
            hint: content_length,
        }
    }

    /// Add a chunk; `Err(())` once the body passes the limit.
    pub(crate) fn push(&mut self, chunk: Bytes) -> Result<(), ()> {
        let so_far = self.first.as_ref().map_or(0, Bytes::len) + self.rest.len();
        if (so_far + chunk.len()) as u64 > self.limit {
            return Err(());
        }
        match &self.first {
            None => self.first = Some(chunk),
            Some(first) => {
                if self.rest.is_empty() {
                    self.rest
                        .reserve(self.hint.unwrap_or(0).min(self.limit) as usize);
                    self.rest.extend_from_slice(first);
                }
                self.rest.extend_from_slice(&chunk);
            }
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Bytes {
        if self.rest.is_empty() {
            self.first.unwrap_or_default()
        } else {
            Bytes::from(self.rest)
        }
    }
}

/// Sends one request and returns the whole response.
///
/// Return [`Error::Connection`] for network failures, [`Error::Timeout`] for timeouts and
/// [`Error::ResponseTooLarge`] when a body exceeds a limit; the client's retry policy relies
/// on that classification.
pub trait Transport: Send + Sync + 'static {
    /// Send `request`.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>>;
}
