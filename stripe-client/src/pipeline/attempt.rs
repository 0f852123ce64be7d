//! Stage 2, attempt: one request through the transport, under the per-attempt timeout.

use super::headers::{header_str, REQUEST_ID};
use crate::transport::{HttpRequest, HttpResponse, Transport};
use crate::Error;
use std::time::Duration;

/// Send `request` once. The timeout covers the whole exchange, headers and body, and fires
/// on time; a body over `max_response_bytes` is an error even when the transport let it by.
pub(crate) async fn attempt(
    transport: &dyn Transport,
    request: HttpRequest,
    timeout: Duration,
    max_response_bytes: u64,
) -> Result<HttpResponse, Error> {
    // The one place the pipeline needs a runtime's timer (`rt`: tokio's, or the host's).
    let response = crate::rt::timeout(timeout, transport.send(request))
        .await
        .ok_or(Error::Timeout(timeout))??;
    if response.body.len() as u64 > max_response_bytes {
        return Err(Error::ResponseTooLarge {
            limit: max_response_bytes,
            status: Some(response.status),
            request_id: header_str(&response.headers, &REQUEST_ID).map(str::to_owned),
        });
    }
    Ok(response)
}
