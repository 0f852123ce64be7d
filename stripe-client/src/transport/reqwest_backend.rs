//! [`ReqwestTransport`]: the transport on wasm32, and an option on native targets.

use super::{BoxFuture, HttpRequest, HttpResponse, Method, Transport};
use crate::Error;
use bytes::Bytes;
use std::time::Duration;

/// A transport over one `reqwest::Client`: on wasm32 the host's `fetch`; on native targets
/// rustls and a keep-alive pool (HTTP/2 with the `http2` feature).
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

    /// A transport with the given connect timeout (rustls, 90 s idle pool, `TCP_NODELAY`; on
    /// wasm32 the host's `fetch`, where no connect timeout applies).
    pub fn with_connect_timeout(
        connect_timeout: Duration,
        max_response_bytes: u64,
    ) -> Result<Self, Error> {
        #[cfg(not(target_arch = "wasm32"))]
        let builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true);
        // The host's `fetch` has no connect timeout (the per-attempt timeout still applies),
        // and the host does TLS and pooling.
        #[cfg(target_arch = "wasm32")]
        let builder = {
            let _ = connect_timeout;
            reqwest::Client::builder()
        };
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
    // reqwest on wasm32 has no connect phase of its own: the host's `fetch` connects.
    #[cfg(not(target_arch = "wasm32"))]
    let connect = e.is_connect();
    #[cfg(target_arch = "wasm32")]
    let connect = false;
    if e.is_timeout() && !connect {
        return Error::Timeout(timeout.unwrap_or_default());
    }
    // `without_url`: the URL may carry query parameters (`client_secret`); keep them out of
    // every message.
    let e = e.without_url();
    if e.is_builder() {
        return Error::Validation(format!("cannot build the HTTP request: {e}"));
    }
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
        #[cfg(not(target_arch = "wasm32"))]
        {
            Box::pin(exchange(&self.client, request, self.max_response_bytes))
        }
        // On wasm32 reqwest's futures hold the host's `fetch` (not `Send`): the exchange
        // runs as a local task (`rt::run_local`), and a timeout that drops this future
        // aborts the fetch.
        #[cfg(target_arch = "wasm32")]
        {
            let client = self.client.clone();
            let max_response_bytes = self.max_response_bytes;
            let exchange = crate::rt::run_local(async move {
                exchange(&client, request, max_response_bytes).await
            });
            Box::pin(async move {
                exchange.await.unwrap_or_else(|| {
                    Err(Error::connection(
                        "the fetch task ended without a response",
                        None,
                    ))
                })
            })
        }
    }
}

/// One request and its whole response.
async fn exchange(
    client: &reqwest::Client,
    request: HttpRequest,
    max_response_bytes: u64,
) -> Result<HttpResponse, Error> {
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
    let mut resp = client
        .execute(req)
        .await
        .map_err(|e| map_reqwest_error(e, timeout))?;
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let too_large = || Error::ResponseTooLarge {
        limit: max_response_bytes,
        status: Some(status),
        request_id: headers
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    if resp
        .content_length()
        .is_some_and(|n| n > max_response_bytes)
    {
        return Err(too_large());
    }
    let body = read_body(resp, max_response_bytes)
        .await
        .map_err(|e| e.map_or_else(too_large, |e| map_reqwest_error(e, timeout)))?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// The body, chunk by chunk, failing (`Err(None)`) as soon as it passes `limit`.
#[cfg(not(target_arch = "wasm32"))]
async fn read_body(
    mut resp: reqwest::Response,
    limit: u64,
) -> Result<Bytes, Option<reqwest::Error>> {
    let mut buffer = super::BodyBuffer::new(limit, resp.content_length());
    while let Some(chunk) = resp.chunk().await? {
        buffer.push(chunk).map_err(|()| None)?;
    }
    Ok(buffer.finish())
}

/// The body: `fetch` hands it over whole, then it is checked against `limit` (the attempt
/// checks again).
#[cfg(target_arch = "wasm32")]
async fn read_body(resp: reqwest::Response, limit: u64) -> Result<Bytes, Option<reqwest::Error>> {
    let body = resp.bytes().await?;
    if body.len() as u64 > limit {
        return Err(None);
    }
    Ok(body)
}
