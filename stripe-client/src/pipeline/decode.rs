//! Stage 4, decode: a 2xx body becomes the output type, with the response's metadata.

use crate::error::{snippet, DecodeError};
use crate::response::Response;
use crate::Error;
use bytes::Bytes;
use http::header::HeaderMap;
use stripe_types::rt::DecodeBody;

/// A 2xx response, before decoding.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
}

impl RawResponse {
    /// Decode the body into `T` with its [`DecodeBody`] impl (compiled once, in
    /// stripe-types), keeping the metadata.
    pub(crate) fn decode<T: DecodeBody>(self) -> Result<Response<T>, Error> {
        let value = decode_body(&self)?;
        Ok(Response {
            value,
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            attempts: self.attempts,
        })
    }
}

/// Decode the body alone (pagination keeps only the page).
pub(crate) fn decode_body<T: DecodeBody>(raw: &RawResponse) -> Result<T, Error> {
    T::decode_body(&raw.body).map_err(|e| {
        let at = e.offset();
        Error::Decode(Box::new(DecodeError {
            path: e.path(),
            message: e.to_string(),
            snippet: snippet(&raw.body, at),
            status: raw.status,
            request_id: raw.request_id.clone(),
            body: raw.body.clone(),
        }))
    })
}
