//! [`FetchTransport`]: the transport on wasm32, over the JavaScript host's `fetch`.
//!
//! Called through web-sys rather than reqwest's wasm backend, which can set neither of the two
//! things this transport needs (reqwest 0.12 and 0.13 alike):
//! - `redirect: "manual"`: the host hands a 3xx back instead of following it (re-sending the
//!   body, `Stripe-Account` and `Idempotency-Key` to another host). Node, Deno and Cloudflare
//!   Workers return the 3xx itself, with its `Location`; a browser returns an "opaque
//!   redirect" that hides both, which is reported as [`Error::Redirect`] without them.
//! - the body read as a stream, chunk by chunk, and cancelled as soon as it passes the size
//!   limit, with or without a `Content-Length`.
//!
//! The request is aborted (`AbortController`) when its future is dropped: a timeout, a
//! cancelled call, a body over the limit.

use super::{BodyBuffer, BoxFuture, HttpRequest, HttpResponse, Transport};
use crate::Error;
use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, ReadableStreamReadResult, Request,
    RequestInit, RequestRedirect, Response, ResponseType,
};

#[wasm_bindgen]
extern "C" {
    /// The host's global `fetch` (Node 18+, Deno, Workers, browsers).
    #[wasm_bindgen(catch, js_name = fetch)]
    fn host_fetch(input: &Request) -> Result<Promise, JsValue>;
}

/// The transport on wasm32: the host's `fetch`, with redirects handed back (never followed)
/// and the body read as a stream under `max_response_bytes`. The host does TLS, pooling and
/// proxies.
#[derive(Debug, Clone)]
pub struct FetchTransport {
    max_response_bytes: u64,
}

impl FetchTransport {
    /// A transport whose responses may be at most `max_response_bytes` long.
    pub fn new(max_response_bytes: u64) -> Self {
        FetchTransport { max_response_bytes }
    }
}

impl Transport for FetchTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>> {
        // The host's futures are not `Send`: the exchange runs as a local task
        // (`rt::run_local`), and dropping this future (a timeout) stops it, which aborts the
        // fetch.
        let exchange = crate::rt::run_local(exchange(request, self.max_response_bytes));
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

/// Aborts the fetch when dropped before [`AbortOnDrop::disarm`].
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

/// One request and its whole response.
async fn exchange(request: HttpRequest, limit: u64) -> Result<HttpResponse, Error> {
    let build = |what: &str, e: JsValue| {
        Error::Validation(format!(
            "cannot build the HTTP request: {what}: {}",
            js_message(&e)
        ))
    };
    let headers = Headers::new().map_err(|e| build("headers", e))?;
    for (name, value) in &request.headers {
        let value = value
            .to_str()
            .map_err(|_| Error::Validation(format!("the header {name} is not visible ASCII")))?;
        headers
            .append(name.as_str(), value)
            .map_err(|e| build(name.as_str(), e))?;
    }
    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    init.set_headers(&headers);
    if !request.body.is_empty() {
        // A copy in the host's memory (a view into wasm memory would not survive its growth).
        init.set_body(&Uint8Array::from(&request.body[..]));
    }
    init.set_redirect(RequestRedirect::Manual);
    let controller = AbortController::new().map_err(|e| build("AbortController", e))?;
    init.set_signal(Some(&controller.signal()));
    let abort = AbortOnDrop(Some(controller));
    let req = Request::new_with_str_and_init(&request.url, &init)
        .map_err(|e| build("the URL or the method", e))?;
    let promise = host_fetch(&req).map_err(|e| connection("fetch", &e))?;
    let response: Response = JsFuture::from(promise)
        .await
        .map_err(|e| connection("fetch", &e))?
        .dyn_into()
        .map_err(|_| Error::connection("fetch did not return a Response", None))?;
    if response.type_() == ResponseType::Opaqueredirect {
        // A browser hides the status and `Location` of a redirect it did not follow.
        return Err(Error::Redirect {
            status: None,
            location: None,
            request_id: None,
        });
    }
    let status = response.status();
    let headers = response_headers(&response);
    let too_large = || super::too_large(limit, status, &headers);
    let content_length = super::content_length(&headers);
    if content_length.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let body = match response.body() {
        None => Bytes::new(),
        Some(stream) => {
            let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
            read_body(&reader, limit, content_length)
                .await
                .map_err(|e| {
                    // Stop the host reading what is left (the abort below ends the fetch).
                    let _ = reader.cancel();
                    e.unwrap_or_else(too_large)
                })?
        }
    };
    abort.disarm();
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// The body, chunk by chunk, failing (`Err(None)`) as soon as it passes `limit`, before the
/// chunk that passes it is copied out of the host.
async fn read_body(
    reader: &ReadableStreamDefaultReader,
    limit: u64,
    content_length: Option<u64>,
) -> Result<Bytes, Option<Error>> {
    let mut buffer = BodyBuffer::new(limit, content_length);
    let mut received: u64 = 0;
    loop {
        let result: ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(|e| Some(connection("reading the response body", &e)))?
            .unchecked_into();
        if result.get_done().unwrap_or(false) {
            return Ok(buffer.finish());
        }
        let chunk = Uint8Array::new(&result.get_value());
        received += u64::from(chunk.length());
        if received > limit {
            return Err(None);
        }
        buffer
            .push(Bytes::from(chunk.to_vec()))
            .map_err(|()| None)?;
    }
}

/// The response's headers (names as the host gives them: lower case). A header that is not
/// a valid `http` header is left out.
fn response_headers(response: &Response) -> HeaderMap {
    let mut map = HeaderMap::new();
    let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) else {
        return map;
    };
    for entry in entries.flatten() {
        let pair: js_sys::Array = entry.unchecked_into();
        let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// A failed `fetch` as [`Error::Connection`], with the host's message and its cause (Node
/// puts `ECONNREFUSED` and the like there). Hosts do not put the URL in these messages.
fn connection(what: &str, e: &JsValue) -> Error {
    let mut message = format!("{what}: {}", js_message(e));
    if let Ok(cause) = js_sys::Reflect::get(e, &JsValue::from_str("cause")) {
        if !cause.is_undefined() && !cause.is_null() {
            message.push_str(": ");
            message.push_str(&js_message(&cause));
        }
    }
    Error::connection(message, None)
}

/// The message of a thrown JavaScript value.
fn js_message(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    if let Some(error) = e.dyn_ref::<js_sys::Error>() {
        let message = String::from(error.message());
        let code = js_sys::Reflect::get(e, &JsValue::from_str("code"))
            .ok()
            .and_then(|c| c.as_string());
        return match code {
            Some(code) => format!("{message} ({code})"),
            None => message,
        };
    }
    format!("{e:?}")
}
