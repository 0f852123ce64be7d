//! The rate governor's hook in the request loop ([`send_with_retries`](super::send_with_retries)):
//! one attempt, paced by the client's [`Governor`](crate::governor::Governor) when it has one.
//! It lives here, not in `governor.rs`, so the governor's buckets import nothing of the
//! pipeline or the client's settings (no import circle).

use super::attempt::attempt as send_once;
use super::prepare::Prepared;
use crate::governor::Kind;
use crate::options::RequestOptions;
use crate::settings::Settings;
use crate::transport::{HttpRequest, HttpResponse};
use crate::{ApiErrorKind, Error, ErrorCode};
use std::time::Duration;
use stripe_types::rt::Method;

/// One attempt of `p`, governed when the client has a governor: wait for a slot, send
/// ([`send_once`]), and learn from a rate-limit 429. The attempt's duration (from sending to
/// the whole body) leaves the wait out.
///
/// The retry loop's one hook (`pipeline::send_with_retries`). A governed client's rate-limit 429
/// comes back marked `Stripe-Should-Retry: true` (unless Stripe said otherwise), so the
/// retry policy retries it, through the slowed bucket.
pub(crate) async fn attempt(
    client: &Settings,
    p: &Prepared,
    opts: &RequestOptions,
    request: HttpRequest,
    timeout: Duration,
) -> (Result<HttpResponse, Error>, Duration) {
    let clock = &*client.clock;
    let taken = match &client.governor {
        Some(g) => {
            let kind = Kind::of(p.method, p.host, &p.path);
            let write = p.method != Method::Get;
            let connected = opts.stripe_account.is_some() || opts.stripe_context.is_some();
            Some((
                g,
                g.governor
                    .acquire(g.mode, kind, write, connected, clock)
                    .await,
            ))
        }
        None => None,
    };
    let started = clock.now();
    let mut result = send_once(
        &*client.transport,
        request,
        timeout,
        client.max_response_bytes,
    )
    .await;
    let duration = clock.now().saturating_duration_since(started);
    if let (Some((g, buckets)), Ok(response)) = (taken, &mut result) {
        if is_rate_limited(response, p.is_v2) {
            g.governor.slow_down(g.mode, buckets, clock);
            if response.header("stripe-should-retry").is_none() {
                response.headers.insert(
                    http::header::HeaderName::from_static("stripe-should-retry"),
                    http::header::HeaderValue::from_static("true"),
                );
            }
        }
    }
    (result, duration)
}

/// A 429 about the rate (not `lock_timeout`), or a 400 with code `rate_limit`.
fn is_rate_limited(response: &HttpResponse, is_v2: bool) -> bool {
    if response.status != 429 && response.status != 400 {
        return false;
    }
    let e =
        crate::error::ApiError::from_response(response.status, &response.body, None, is_v2, None);
    e.kind == ApiErrorKind::RateLimit && e.code != Some(ErrorCode::LockTimeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rate_limits_slow_down() {
        let r = |status, body: &str| HttpResponse::json(status, body.to_owned());
        assert!(is_rate_limited(
            &r(
                429,
                r#"{"error":{"type":"invalid_request_error","code":"rate_limit"}}"#
            ),
            false
        ));
        assert!(is_rate_limited(&r(429, "not json"), false));
        assert!(is_rate_limited(
            &r(400, r#"{"error":{"code":"rate_limit"}}"#),
            false
        ));
        assert!(!is_rate_limited(
            &r(429, r#"{"error":{"code":"lock_timeout"}}"#),
            false
        ));
        assert!(!is_rate_limited(
            &r(400, r#"{"error":{"code":"parameter_missing"}}"#),
            false
        ));
        assert!(!is_rate_limited(&r(200, "{}"), false));
    }
}
