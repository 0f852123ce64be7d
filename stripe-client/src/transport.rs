//! The pluggable HTTP layer: a [`Transport`] takes one fully built request and returns the
//! whole response. The client does everything else (auth, encoding, retries, decoding).
//!
//! [`ReqwestTransport`] is the default (rustls, HTTP/2, one keep-alive pool);
//! [`MockTransport`] records requests and answers from a queue, for unit tests of code that
//! uses the client.

use crate::Error;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
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
    /// The per-attempt timeout (the client also enforces it around the transport).
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
        // Never print the key or the body.
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = if k == reqwest::header::AUTHORIZATION {
                    "[redacted]"
                } else {
                    v.to_str().unwrap_or("<binary>")
                };
                (k.as_str(), v)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
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
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/json"),
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
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
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

/// Sends one request and returns the whole response.
///
/// Return [`Error::Connection`] for network failures, [`Error::Timeout`] for timeouts and
/// [`Error::ResponseTooLarge`] when a body exceeds a limit; the client's retry policy relies
/// on that classification.
pub trait Transport: Send + Sync + 'static {
    /// Send `request`.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>>;
}

/// The default transport: one `reqwest::Client` (rustls, HTTP/2, keep-alive pool).
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: u64,
    /// Set when this transport built the client with [`crate::dial::ReuseFirstLayer`].
    reuse_first: Option<crate::dial::ReuseFirstLayer>,
    /// The origins it has sent to, parsed once.
    origins: Arc<crate::url_cache::Origins>,
}

impl ReqwestTransport {
    /// Wrap a configured `reqwest::Client`; bodies longer than `max_response_bytes` fail
    /// with [`Error::ResponseTooLarge`]. (The client built by [`Self::with_connect_timeout`]
    /// also waits briefly for a returning pooled connection before dialing a new one; a
    /// client passed here is used as it is.)
    pub fn new(client: reqwest::Client, max_response_bytes: u64) -> Self {
        ReqwestTransport {
            client,
            max_response_bytes,
            reuse_first: None,
            origins: Arc::default(),
        }
    }

    /// A transport with the given connect timeout (rustls, 90 s idle pool, `TCP_NODELAY`).
    pub fn with_connect_timeout(
        connect_timeout: Duration,
        max_response_bytes: u64,
    ) -> Result<Self, Error> {
        let builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true);
        ReqwestTransport::from_builder(builder, max_response_bytes)
    }

    /// A transport from your `reqwest::ClientBuilder`, with a wait for a returning pooled
    /// connection before a new one is dialed (see `ClientBuilder::http_client_builder`).
    pub fn from_builder(
        builder: reqwest::ClientBuilder,
        max_response_bytes: u64,
    ) -> Result<Self, Error> {
        if !crate::pieces::dial() {
            let client = builder
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
            return Ok(ReqwestTransport::new(client, max_response_bytes));
        }
        let reuse_first = crate::dial::ReuseFirstLayer::default();
        let client = builder
            .connector_layer(reuse_first.clone())
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(ReqwestTransport {
            reuse_first: Some(reuse_first),
            ..ReqwestTransport::new(client, max_response_bytes)
        })
    }

    /// The underlying `reqwest::Client`.
    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }
}

fn map_reqwest_error(e: reqwest::Error, timeout: Option<Duration>) -> Error {
    if e.is_timeout() && !e.is_connect() {
        return Error::Timeout(timeout.unwrap_or_default());
    }
    if e.is_builder() {
        return Error::Validation(format!("cannot build the HTTP request: {e}"));
    }
    // `without_url`: the URL may carry query parameters; keep them out of messages.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    Error::connection(message, Some(Box::new(e)))
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>> {
        Box::pin(async move {
            let method = match request.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Delete => reqwest::Method::DELETE,
            };
            let timeout = request.timeout;
            // The client enforces `request.timeout` around the whole attempt (headers and
            // body), so no second timer is set here.
            // The request is assembled in place: the header map moves in whole instead of
            // being merged header by header into a builder's.
            let parsed = if crate::pieces::url_cache() {
                self.origins.parse(&request.url)
            } else {
                reqwest::Url::parse(&request.url)
            };
            let url = parsed.map_err(|e| {
                Error::Validation(format!("cannot build the HTTP request: invalid URL: {e}"))
            })?;
            let mut req = reqwest::Request::new(method, url);
            *req.headers_mut() = request.headers;
            *req.body_mut() = Some(request.body.into());
            let mut resp = self
                .client
                .execute(req)
                .await
                .map_err(|e| map_reqwest_error(e, timeout))?;
            let status = resp.status().as_u16();
            let headers = std::mem::take(resp.headers_mut());
            let too_large = |headers: &HeaderMap| Error::ResponseTooLarge {
                limit: self.max_response_bytes,
                status: Some(status),
                request_id: headers
                    .get("request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            };
            if resp
                .content_length()
                .is_some_and(|n| n > self.max_response_bytes)
            {
                return Err(too_large(&headers));
            }
            // A body that arrives in one chunk (the usual case) is kept as is, not copied.
            let mut first: Option<Bytes> = None;
            let mut rest: Vec<u8> = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| map_reqwest_error(e, timeout))?
            {
                let so_far = first.as_ref().map_or(0, Bytes::len) + rest.len();
                if (so_far + chunk.len()) as u64 > self.max_response_bytes {
                    return Err(too_large(&headers));
                }
                match &first {
                    None => first = Some(chunk),
                    Some(f) => {
                        if rest.is_empty() {
                            rest.reserve(
                                resp.content_length()
                                    .unwrap_or(0)
                                    .min(self.max_response_bytes)
                                    as usize,
                            );
                            rest.extend_from_slice(f);
                        }
                        rest.extend_from_slice(&chunk);
                    }
                }
            }
            let body = if rest.is_empty() {
                first.unwrap_or_default()
            } else {
                Bytes::from(rest)
            };
            if let Some(layer) = &self.reuse_first {
                layer.response_finished();
            }
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

/// A transport for tests: records every request and answers from a queue.
///
/// ```
/// use stripe_client::{Client, MockTransport, HttpResponse};
/// let mock = MockTransport::new();
/// mock.push_response(HttpResponse::json(200, r#"{"id":"cus_1"}"#));
/// let client = Client::builder("sk_test_123").transport(mock.clone()).build().unwrap();
/// ```
#[derive(Clone, Default)]
pub struct MockTransport {
    inner: Arc<Mutex<MockState>>,
}

#[derive(Default)]
struct MockState {
    queue: VecDeque<Result<HttpResponse, Error>>,
    requests: Vec<HttpRequest>,
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state();
        f.debug_struct("MockTransport")
            .field("queued", &st.queue.len())
            .field("recorded", &st.requests.len())
            .finish()
    }
}

impl MockTransport {
    /// An empty mock (answers 500 with a Stripe error body when the queue is empty).
    pub fn new() -> Self {
        MockTransport::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MockState> {
        // A panic while holding the lock cannot leave the state inconsistent: recover it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue a response.
    pub fn push_response(&self, response: HttpResponse) -> &Self {
        self.state().queue.push_back(Ok(response));
        self
    }

    /// Queue a JSON response.
    pub fn push_json(&self, status: u16, body: impl Into<String>) -> &Self {
        self.push_response(HttpResponse::json(status, body))
    }

    /// Queue a failure (for example [`Error::Connection`]).
    pub fn push_error(&self, error: Error) -> &Self {
        self.state().queue.push_back(Err(error));
        self
    }

    /// Every request sent so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.state().requests.clone()
    }

    /// The last request sent.
    pub fn last_request(&self) -> Option<HttpRequest> {
        self.state().requests.last().cloned()
    }

    /// How many responses are still queued.
    pub fn remaining(&self) -> usize {
        self.state().queue.len()
    }
}

impl Transport for MockTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>> {
        let answer = {
            let mut st = self.state();
            st.requests.push(request);
            st.queue.pop_front()
        };
        Box::pin(async move {
            answer.unwrap_or_else(|| {
                Ok(HttpResponse::json(
                    500,
                    r#"{"error":{"type":"api_error","message":"MockTransport: no response queued"}}"#,
                )
                .with_header("stripe-should-retry", "false"))
            })
        })
    }
}
