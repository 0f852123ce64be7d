//! [`ReqwestTransport`]: the default transport.

use super::{BoxFuture, HttpRequest, HttpResponse, Method, Transport};
use crate::Error;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// The default transport: one `reqwest::Client` (rustls, HTTP/2, keep-alive pool).
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: u64,
}

impl ReqwestTransport {
    /// Wrap a configured `reqwest::Client`; bodies longer than `max_response_bytes` fail
    /// with [`Error::ResponseTooLarge`].
    pub fn new(client: reqwest::Client, max_response_bytes: u64) -> Self {
        ReqwestTransport {
            client,
            max_response_bytes,
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

    /// A transport from your `reqwest::ClientBuilder` (see
    /// `ClientBuilder::http_client_builder`).
    pub fn from_builder(
        builder: reqwest::ClientBuilder,
        max_response_bytes: u64,
    ) -> Result<Self, Error> {
        let client = builder
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(ReqwestTransport::new(client, max_response_bytes))
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
            let url = reqwest::Url::parse(&request.url).map_err(|e| {
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
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}
