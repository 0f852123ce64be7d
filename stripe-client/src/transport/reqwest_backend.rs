//! [`ReqwestTransport`]: an option on native targets (feature `reqwest`).

use super::{BoxFuture, HttpRequest, HttpResponse, Method, Transport};
use crate::Error;
use bytes::Bytes;
use std::time::Duration;

/// A transport over one `reqwest::Client` (rustls, a keep-alive pool, HTTP/2 with the `http2`
/// feature).
///
/// It never follows a redirect. A client this crate builds (from
/// [`with_connect_timeout`](Self::with_connect_timeout) or [`from_builder`](Self::from_builder))
/// is set to `reqwest::redirect::Policy::none()`, so a 3xx comes back as it is and the client
/// reports [`Error::Redirect`]. A `reqwest::Client` you built yourself ([`new`](Self::new))
/// keeps its own policy, and reqwest's default follows up to 10 redirects: build it with
/// `.redirect(reqwest::redirect::Policy::none())`. If it follows one anyway, the answer is
/// refused with [`Error::Redirect`] naming where it ended, but the request has been sent there.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: u64,
}

impl ReqwestTransport {
    /// Wrap a configured `reqwest::Client`, as it is (see the type's docs on redirects);
    /// bodies longer than `max_response_bytes` fail with [`Error::ResponseTooLarge`].
    pub fn new(client: reqwest::Client, max_response_bytes: u64) -> Self {
        ReqwestTransport {
            client,
            max_response_bytes,
        }
    }

    /// A transport with the given connect timeout (rustls, 90 s idle pool, `TCP_NODELAY`, no
    /// redirects, the environment's proxy as reqwest reads it).
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
    /// `ClientBuilder::http_client_builder`), with redirects turned off.
    pub fn from_builder(
        builder: reqwest::ClientBuilder,
        max_response_bytes: u64,
    ) -> Result<Self, Error> {
        let client = builder
            .redirect(reqwest::redirect::Policy::none())
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
    let connect = e.is_connect();
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
        Box::pin(exchange(&self.client, request, self.max_response_bytes))
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
    let mut req = reqwest::Request::new(method, url.clone());
    *req.headers_mut() = request.headers;
    *req.body_mut() = Some(request.body.into());
    let mut resp = client
        .execute(req)
        .await
        .map_err(|e| map_reqwest_error(e, timeout))?;
    if resp.url() != &url {
        // A client of the caller's own followed a redirect: the answer is another host's.
        return Err(Error::Redirect {
            status: None,
            location: Some(resp.url().to_string()),
            request_id: None,
        });
    }
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let too_large = || super::too_large(max_response_bytes, status, &headers);
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
