//! How a generated operation describes itself to the client.
//!
//! Every operation of the spec becomes a parameter struct implementing [`StripeRequest`]. The
//! struct serialises to the operation's query string or body; [`StripeRequest::endpoint`]
//! says where and how to send it. Auth, headers, retries, idempotency and telemetry live in
//! `stripe-client`, never in generated code.

use super::check::{CheckContext, GuardError};
use super::DecodeBody;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use std::borrow::Cow;

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`: parameters go in the query string.
    Get,
    /// `POST`: parameters go in the body.
    Post,
    /// `DELETE`: parameters go in the query string.
    Delete,
}

impl Method {
    /// The method as written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Which Stripe host serves an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// `https://api.stripe.com`
    Api,
    /// `https://files.stripe.com` (file uploads, quote PDFs)
    Files,
    /// `https://meter-events.stripe.com` (the v2 meter event stream)
    MeterEvents,
}

/// How the request parameters are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// v1: `application/x-www-form-urlencoded` with `a[b]` nesting and indexed arrays; in the
    /// query string for `GET`/`DELETE`.
    Form,
    /// v2 `POST`: `application/json` (explicit `null`s are sent).
    Json,
    /// `multipart/form-data` (file upload).
    Multipart,
}

/// What the response body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// A JSON document decoded into the operation's output type.
    Json,
    /// Raw bytes (for example `application/pdf`), returned as [`crate::rt::Binary`].
    Binary,
}

/// The credential an operation authenticates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// The secret API key (`Authorization: Bearer sk_...`): every operation but one.
    ApiKey,
    /// A meter event session's short-lived token (`POST /v2/billing/meter_event_session`),
    /// never the API key: the v2 meter event stream. The client creates the session with
    /// the key, keeps it and renews it before it expires; a client that cannot refuses
    /// the request instead of sending the key.
    MeterEventSession,
}

/// How a list operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pagination {
    /// Not a list.
    None,
    /// v1 list: `starting_after` / `ending_before` cursors on object ids.
    List,
    /// v1 search: `page` = the previous answer's `next_page`.
    Search,
    /// v2 list: follow `next_page_url` as-is.
    V2List,
}

/// The description of one API operation, as the client executes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The spec's `operationId`, e.g. `PostCustomers`.
    pub operation_id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path with the path parameters substituted and percent-encoded, e.g. `/v1/customers/cus_1`.
    pub path: Cow<'static, str>,
    /// The host that serves this operation.
    pub host: Host,
    /// How the parameters are encoded.
    pub encoding: Encoding,
    /// What the response body is.
    pub response: ResponseKind,
    /// Whether (and how) the operation pages.
    pub pagination: Pagination,
}

impl Endpoint {
    /// `true` for `/v2/...` paths (JSON bodies, v2 error shapes).
    pub fn is_v2(&self) -> bool {
        self.path.starts_with("/v2/")
    }
}

/// A request to the Stripe API: the parameters of one operation plus its description.
///
/// Implemented by every generated parameter struct. The struct's `Serialize` output holds the
/// query or body parameters only; path parameters are substituted by [`Self::endpoint`].
pub trait StripeRequest: Serialize + Send + Sync {
    /// The decoded response. Its [`DecodeBody`] impl decodes the body (the generated ones are
    /// compiled once, in stripe-types).
    type Output: DecodeBody + Send + 'static;

    /// Where and how to send this request.
    fn endpoint(&self) -> Endpoint;

    /// The request's own checks, run by the client before anything is encoded or sent.
    ///
    /// The default has nothing to check. The generator overrides it where there is
    /// something: every path parameter must be a non-blank id
    /// ([`check::path_id`](super::check::path_id), so `DeleteCustomer::new("")` never sends
    /// `DELETE /v1/customers/`), and the operations named in `spec/policy.toml`'s `[checks]`
    /// call their hand-written check ([`check::meter`](super::check::meter)).
    fn validate(&self, cx: &CheckContext) -> Result<(), GuardError> {
        let _ = cx;
        Ok(())
    }
    /// The credential the operation authenticates with: the API key, unless the generator
    /// says otherwise (the spec's meter event stream answers a
    /// `billing_meter_event_session_expired` error, so it takes a session token).
    fn auth(&self) -> Auth {
        Auth::ApiKey
    }
}

/// Percent-encode one path segment: everything but RFC 3986 unreserved characters is
/// escaped, so `/`, `?`, `#` and `..` can never change the path that is requested.
pub fn encode_path_segment(segment: &str) -> Cow<'_, str> {
    // A segment made only of dots is a traversal: its dots are escaped too.
    let set = if !segment.is_empty() && segment.bytes().all(|b| b == b'.') {
        &DOT_SEGMENT
    } else {
        &PATH_SEGMENT
    };
    utf8_percent_encode(segment, set).into()
}

/// What a path segment escapes: everything but `A-Z a-z 0-9 - _ . ~`.
const PATH_SEGMENT: AsciiSet = NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// [`PATH_SEGMENT`] with `.` escaped as well.
const DOT_SEGMENT: AsciiSet = PATH_SEGMENT.add(b'.');

#[cfg(test)]
mod tests {
    use super::encode_path_segment;

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(encode_path_segment("cus_123"), "cus_123");
        assert_eq!(encode_path_segment("a/b"), "a%2Fb");
        assert_eq!(encode_path_segment("a?b#c"), "a%3Fb%23c");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment("a\r\nb"), "a%0D%0Ab");
        assert_eq!(encode_path_segment("."), "%2E");
        assert_eq!(encode_path_segment("a..b"), "a..b");
        assert_eq!(encode_path_segment(""), "");
        assert_eq!(encode_path_segment("A-z_0.9~"), "A-z_0.9~");
    }
}
