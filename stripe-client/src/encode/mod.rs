//! Request encoding: v1 form bodies and query strings, v2 JSON bodies, multipart uploads.

pub mod form;
mod multipart;

pub use form::{encode_pairs, to_pairs, to_parts, to_string, EncodeError, Part};
pub use multipart::{multipart_body, new_boundary};

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

/// The encoded parameters of one request.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// No body (GET/DELETE, or a POST without parameters is still sent as an empty form).
    None,
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
    /// `application/json` bytes.
    Json(Vec<u8>),
    /// `multipart/form-data` parts.
    Multipart(Vec<Part>),
}

/// Encode `params` for `method` + `encoding`: `(query pairs, body)`.
///
/// GET and DELETE put the form encoding in the query (v1 and v2 alike); POST uses the
/// operation's body encoding.
pub(crate) fn encode_params(
    method: Method,
    encoding: Encoding,
    params: &Params<'_>,
) -> Result<(Vec<(String, String)>, Body), EncodeError> {
    if method == Method::Post && encoding == Encoding::Json {
        Ok((Vec::new(), json_body(params)?))
    } else {
        form_params(method, encoding, params)
    }
}

/// The parameters of anything but a JSON POST: query pairs, or a form or multipart body.
pub(crate) fn form_params(
    method: Method,
    encoding: Encoding,
    params: &Params<'_>,
) -> Result<(Vec<(String, String)>, Body), EncodeError> {
    match (method, encoding) {
        (Method::Get | Method::Delete, _) => Ok((form::pairs(params)?, Body::None)),
        (Method::Post, Encoding::Multipart) => {
            Ok((Vec::new(), Body::Multipart(form::parts(params, true)?)))
        }
        (Method::Post, Encoding::Form) => Ok((Vec::new(), Body::Form(form::pairs(params)?))),
        (Method::Post, Encoding::Json) => Err(EncodeError(
            "the endpoint is a JSON POST but StripeRequest::JSON_BODY is not set".into(),
        )),
    }
}

/// A JSON POST body.
pub(crate) fn json_body(params: &Params<'_>) -> Result<Body, EncodeError> {
    let bytes = serde_json::to_vec(params).map_err(|e| EncodeError(e.to_string()))?;
    // A request without parameters serialises to `null` or `{}`: send `{}`.
    let bytes = if bytes == b"null" {
        b"{}".to_vec()
    } else {
        bytes
    };
    Ok(Body::Json(bytes))
}
