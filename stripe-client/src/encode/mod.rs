//! Request encoding: v1 form bodies and query strings, v2 JSON bodies, multipart uploads.
//!
//! `Body` is the one place that knows an encoding: how parameters become a body (or query
//! pairs), which `Content-Type` goes with it, where `expand[]` goes, and the bytes sent.
//! A new encoding is a new `Body` variant and its arms below.

pub mod form;
mod multipart;

pub use form::{encode_pairs, to_pairs, to_parts, to_string, EncodeError, Part};
pub use multipart::{multipart_body, new_boundary};

use bytes::Bytes;
use http::header::HeaderValue;
use std::borrow::Cow;
use stripe_types::rt::{Encoding, Method};

/// A parameter set whose `Serialize` impl is called through a vtable
/// ([`erased_serde`]).
///
/// The encoders below take `&dyn Params`, so the form serializer, the JSON serializer and
/// everything they call are compiled once, here, rather than once per request type in
/// every crate that sends requests. Each request type costs its caller one
/// `Serialize::serialize` against the erased serializer, nothing more. Any
/// `T: Serialize` is a `Params`.
pub(crate) type Params<'a> = dyn erased_serde::Serialize + 'a;

/// The encoded parameters of one request, as they are kept between attempts.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// No body and no `Content-Type` (GET/DELETE: the parameters are in the query).
    None,
    /// `application/x-www-form-urlencoded` pairs (v1 POST; may be empty).
    Form(Vec<(String, String)>),
    /// `application/json` bytes (v2 POST).
    Json(Vec<u8>),
    /// `multipart/form-data` parts (file uploads).
    Multipart(Vec<Part>),
}

/// What one attempt sends: the bytes and their `Content-Type`.
pub(crate) struct WireBody {
    pub(crate) content_type: Option<HeaderValue>,
    pub(crate) bytes: Bytes,
}

const FORM_URLENCODED: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

impl Body {
    /// Encode `params` for `method` + `encoding`: `(query pairs, body)`.
    ///
    /// GET and DELETE put the form encoding in the query (v1 and v2 alike); POST uses the
    /// operation's body encoding.
    pub(crate) fn encode(
        method: Method,
        encoding: Encoding,
        params: &Params<'_>,
    ) -> Result<(Vec<(String, String)>, Body), EncodeError> {
        Ok(match (method, encoding) {
            (Method::Get | Method::Delete, _) => (form::pairs(params)?, Body::None),
            (Method::Post, Encoding::Form) => (Vec::new(), Body::Form(form::pairs(params)?)),
            (Method::Post, Encoding::Json) => (Vec::new(), Body::json(params)?),
            (Method::Post, Encoding::Multipart) => {
                (Vec::new(), Body::Multipart(form::parts(params, true)?))
            }
        })
    }

    /// A JSON body; a request without parameters (`null`) sends `{}`.
    pub(crate) fn json(params: &Params<'_>) -> Result<Body, EncodeError> {
        let bytes = serde_json::to_vec(params).map_err(|e| EncodeError(e.to_string()))?;
        Ok(Body::Json(if bytes == b"null" {
            b"{}".to_vec()
        } else {
            bytes
        }))
    }

    /// Whether `expand[i]` parameters travel in this body (form and multipart); otherwise
    /// they go in the query string.
    pub(crate) fn carries_expand(&self) -> bool {
        matches!(self, Body::Form(_) | Body::Multipart(_))
    }

    /// The bytes and `Content-Type` of one attempt, with `expand` appended when the body
    /// [carries it](Self::carries_expand) (numbered after any `expand[i]` already there).
    /// A multipart body draws a new boundary each time.
    pub(crate) fn to_wire(&self, expand: &[String]) -> Result<WireBody, EncodeError> {
        let (content_type, bytes) = match self {
            Body::None => (None, Vec::new()),
            Body::Form(pairs) => {
                let mut text = encode_pairs(pairs);
                let extra = expand_pairs(pairs.iter().map(|(k, _)| k.as_str()), expand);
                if !extra.is_empty() {
                    if !text.is_empty() {
                        text.push('&');
                    }
                    text.push_str(&encode_pairs(&extra));
                }
                (Some(FORM_URLENCODED), text.into_bytes())
            }
            Body::Json(bytes) => (Some(APPLICATION_JSON), bytes.clone()),
            Body::Multipart(parts) => {
                let keys = parts.iter().filter_map(|p| match p {
                    Part::Text(k, _) => Some(k.as_str()),
                    Part::File { .. } => None,
                });
                let extra = expand_pairs(keys, expand);
                let parts: Cow<'_, [Part]> = if extra.is_empty() {
                    Cow::Borrowed(parts)
                } else {
                    let extra = extra.into_iter().map(|(k, v)| Part::Text(k, v));
                    Cow::Owned(parts.iter().cloned().chain(extra).collect())
                };
                let boundary = new_boundary();
                let content_type =
                    HeaderValue::try_from(format!("multipart/form-data; boundary={boundary}"))
                        .map_err(|e| EncodeError(format!("multipart boundary: {e}")))?;
                (Some(content_type), multipart_body(&parts, &boundary))
            }
        };
        Ok(WireBody {
            content_type,
            bytes: Bytes::from(bytes),
        })
    }
}

/// `expand[i]` pairs for `fields`, numbered after the `expand[…]` keys in `existing`.
pub(crate) fn expand_pairs<'a>(
    existing: impl Iterator<Item = &'a str>,
    fields: &[String],
) -> Vec<(String, String)> {
    if fields.is_empty() {
        return Vec::new();
    }
    let start = existing.filter(|k| k.starts_with("expand[")).count();
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("expand[{}]", start + i), f.clone()))
        .collect()
}
