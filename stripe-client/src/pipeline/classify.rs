//! Stage 3, classify: a response is a success, or the [`Error`] its status and body describe.
//! Whether to try again is the retry policy's call
//! ([`RetryPolicy::decide`](crate::retry::RetryPolicy::decide)), made from this error and the
//! response's status and headers.

use super::headers::{header_str, REQUEST_ID, STRIPE_SHOULD_RETRY};
use crate::error::{ApiError, ApiErrorKind};
use crate::transport::HttpResponse;
use crate::Error;

/// `Ok` for a 2xx response; otherwise the API error (`SessionExpired` for an expired meter
/// event session).
pub(crate) fn classify(response: &HttpResponse, is_v2: bool) -> Result<(), Error> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    if (300..400).contains(&response.status) {
        // Not followed by any transport, not an API error, not retried (the retry policy
        // retries no error but a connection failure or a timeout, of those not the API's).
        return Err(Error::Redirect {
            status: Some(response.status),
            location: header_str(&response.headers, &http::header::LOCATION).map(str::to_owned),
            request_id: request_id(response),
        });
    }
    let should_retry = match header_str(&response.headers, &STRIPE_SHOULD_RETRY) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let err = ApiError::from_response(
        response.status,
        &response.body,
        request_id(response),
        is_v2,
        should_retry,
    );
    Err(if err.kind == ApiErrorKind::SessionExpired {
        Error::SessionExpired(Box::new(err))
    } else {
        Error::Api(Box::new(err))
    })
}

/// The `Request-Id` header.
pub(crate) fn request_id(response: &HttpResponse) -> Option<String> {
    header_str(&response.headers, &REQUEST_ID).map(str::to_owned)
}
