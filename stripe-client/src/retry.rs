//! The one retry policy: [`RetryPolicy`], a value set on the builder
//! ([`ClientBuilder::retry_policy`](crate::ClientBuilder::retry_policy)) that every sender
//! asks: the client's request loop, the meter event sender, the v2 stream helpers, and
//! [`Error::is_retryable`]. It decides from what one [`Attempt`] ended with (the response's
//! status and headers, the error's kind) and from the attempt count and the time spent.
//!
//! The rules (`RULES` in this file, in order; the first with an opinion decides, none: stop), as the
//! official SDKs have them:
//! 1. not an API error: a connection failure or a timeout → retry; every other error →
//!    stop (a certificate the server presented that does not verify, a configuration or
//!    validation error, a redirect, a body over the size limit, and any kind added later:
//!    none of them heals);
//! 2. `Stripe-Should-Retry: true` → retry, `false` → stop;
//! 3. 409 (a conflicting request in flight) → retry, unless it is an idempotency error (a
//!    v2 key reused with other parameters: no retry heals that);
//! 4. 429 with `code == "lock_timeout"` → retry; any other 429 (a rate limit) only with
//!    [`retry_rate_limited`](RetryPolicy::retry_rate_limited) (off by default, as in the
//!    official SDKs; the meter event sender turns it on);
//! 5. status ≥ 500 → retry.
//!
//! A rule is a function of this file listed in `RULES`: a new rule is one function and one
//! line, here. Then [`RetryPolicy::decide`] applies the budget: at most
//! [`max_retries`](RetryPolicy::max_retries) retries, and, with a
//! [`total_deadline`](RetryPolicy::total_deadline), no retry whose backoff would end past it.
//!
//! Backoff before retry `n` (from 1): `min(0.5·2^(n−1), 5)` s, times a jitter in
//! `[0.5, 1)`, floored at 0.5 s. `Retry-After` is ignored, as in the official SDKs.
//!
//! ```
//! use std::time::Duration;
//! use stripe_client::retry::{Attempt, Decision, RetryPolicy};
//! use stripe_client::Error;
//!
//! let policy = RetryPolicy::new().max_retries(3).total_deadline(Duration::from_secs(30));
//! let reset = Error::Timeout(Duration::from_secs(80));
//! assert!(matches!(policy.decide(&Attempt::new(1, &reset)), Decision::Retry(_)));
//! assert!(matches!(policy.decide(&Attempt::new(4, &reset)), Decision::Stop(_)));
//! assert!(!policy.is_retryable(&Attempt::new(1, &Error::Config("bad".into()))));
//! ```

pub use crate::clock::{Clock, Instant, ManualClock, SystemClock, SystemTime, UNIX_EPOCH};
use crate::error::{ApiError, ApiErrorKind, Error, ErrorCode};
use http::header::HeaderMap;
use std::time::Duration;

/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Longest backoff between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Shortest backoff between attempts.
pub const MIN_BACKOFF: Duration = Duration::from_millis(500);

/// When to send a request again: the rules of this module, a retry budget and an optional
/// deadline over all attempts together. `Copy`, cheap to pass around.
///
/// The default is the official SDKs' policy: 2 retries, no total deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    total_deadline: Option<Duration>,
    rate_limited: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

/// What the policy says after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again after this backoff.
    Retry(Duration),
    /// Stop: the attempt's error is the answer.
    Stop(StopReason),
}

/// Why the policy stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// No rule says this failure can heal.
    NotRetryable,
    /// The retries are used up.
    NoRetriesLeft,
    /// The next attempt could not start before the total deadline.
    Deadline,
}

impl RetryPolicy {
    /// The default policy: [`DEFAULT_MAX_RETRIES`] retries, no total deadline.
    pub const fn new() -> Self {
        RetryPolicy {
            max_retries: DEFAULT_MAX_RETRIES,
            total_deadline: None,
            rate_limited: false,
        }
    }

    /// A policy that never retries.
    pub const fn never() -> Self {
        RetryPolicy::new().max_retries(0)
    }

    /// At most `retries` retries after the first attempt.
    pub const fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Bound all attempts of one request together, backoffs included: no retry starts
    /// after `deadline` (counted from the first attempt's start), and an attempt still
    /// running then ends with [`Error::Timeout`]. Without it, the worst case is every
    /// attempt's timeout (80 s by default) plus the backoffs.
    pub const fn total_deadline(mut self, deadline: Duration) -> Self {
        self.total_deadline = Some(deadline);
        self
    }

    /// Also retry a 429 that is a plain rate limit (not only `lock_timeout`), with the same
    /// backoff. Off by default, as in the official SDKs: an interactive request had better
    /// fail fast; a background sender (the meter event sender turns it on) had better wait.
    pub const fn retry_rate_limited(mut self, yes: bool) -> Self {
        self.rate_limited = yes;
        self
    }

    /// The retry budget.
    pub const fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The total deadline, if any.
    pub const fn deadline(&self) -> Option<Duration> {
        self.total_deadline
    }

    /// Whether the rules say the attempt's failure can heal, whatever the budget.
    pub fn is_retryable(&self, attempt: &Attempt<'_>) -> bool {
        RULES
            .iter()
            .find_map(|rule| rule(self, attempt))
            .unwrap_or(false)
    }

    /// Retry (after how long) or stop, with a random jitter.
    pub fn decide(&self, attempt: &Attempt<'_>) -> Decision {
        self.decide_with_jitter(attempt, crate::random::unit_f64())
    }

    /// [`RetryPolicy::decide`] with the jitter given (in `[0, 1)`, see [`backoff`]), for tests.
    pub fn decide_with_jitter(&self, attempt: &Attempt<'_>, jitter: f64) -> Decision {
        if !self.is_retryable(attempt) {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if attempt.number > self.max_retries {
            return Decision::Stop(StopReason::NoRetriesLeft);
        }
        let wait = backoff(attempt.number, jitter);
        if let Some(deadline) = self.total_deadline {
            if attempt.elapsed.saturating_add(wait) >= deadline {
                return Decision::Stop(StopReason::Deadline);
            }
        }
        Decision::Retry(wait)
    }

    /// The timeout of an attempt starting `elapsed` after the first one: `per_attempt`, or
    /// less where the total deadline comes first.
    pub fn attempt_timeout(&self, per_attempt: Duration, elapsed: Duration) -> Duration {
        match self.total_deadline {
            Some(d) => per_attempt.min(d.saturating_sub(elapsed)),
            None => per_attempt,
        }
    }
}

/// One finished attempt, as the policy sees it: its number, the time since the first
/// attempt started, the error it ended with and, when a response arrived, its status and
/// headers.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    number: u32,
    elapsed: Duration,
    response: Option<(u16, &'a HeaderMap)>,
    error: Failure<'a>,
}

/// What an attempt ended with.
#[derive(Debug, Clone, Copy)]
enum Failure<'a> {
    Error(&'a Error),
    Api(&'a ApiError),
}

impl<'a> Attempt<'a> {
    /// Attempt `number` (1 for the first) that ended with `error`. An API error carries its
    /// response's status and `Stripe-Should-Retry`; [`Attempt::response`] adds the headers.
    pub fn new(number: u32, error: &'a Error) -> Self {
        Attempt {
            number,
            elapsed: Duration::ZERO,
            response: None,
            error: Failure::Error(error),
        }
    }

    /// The attempt's response: what the rules read first.
    pub fn response(mut self, status: u16, headers: &'a HeaderMap) -> Self {
        self.response = Some((status, headers));
        self
    }

    /// The time since the first attempt started (for the total deadline).
    pub fn elapsed(mut self, elapsed: Duration) -> Self {
        self.elapsed = elapsed;
        self
    }

    /// An API error alone ([`ApiError::is_transient`]).
    fn api(error: &'a ApiError) -> Self {
        Attempt {
            number: 1,
            elapsed: Duration::ZERO,
            response: None,
            error: Failure::Api(error),
        }
    }

    /// The attempt's number, from 1.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The API error the response was turned into, if the attempt got one.
    pub fn api_error(&self) -> Option<&'a ApiError> {
        match self.error {
            Failure::Api(e) => Some(e),
            Failure::Error(e) => e.as_api_error(),
        }
    }

    /// The error, when it is not an API error: a failure without a response (connection,
    /// timeout, a body over the limit) or a response that is not the API's (a redirect).
    pub fn failure(&self) -> Option<&'a Error> {
        match self.error {
            Failure::Error(e) if e.as_api_error().is_none() => Some(e),
            _ => None,
        }
    }

    /// The response's status.
    pub fn status(&self) -> Option<u16> {
        match self.response {
            Some((status, _)) => Some(status),
            None => self.api_error().map(|e| e.status),
        }
    }

    /// A response header, when the attempt has the response.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        let (_, headers) = self.response?;
        headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Stripe-Should-Retry`: the response header, or what the API error kept of it.
    pub fn stripe_should_retry(&self) -> Option<bool> {
        if self.response.is_some() {
            return match self.header("stripe-should-retry") {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            };
        }
        self.api_error().and_then(|e| e.should_retry)
    }
}

/// One rule: `Some(true)` retry, `Some(false)` stop, `None` no opinion.
type Rule = fn(&RetryPolicy, &Attempt<'_>) -> Option<bool>;

/// The rules, in order: the first with an opinion decides; when none has one, stop.
const RULES: &[Rule] = &[
    not_an_api_error,
    stripe_should_retry,
    conflict,
    too_many_requests,
    server_error,
];

/// Not an API error: retry a connection failure that can heal and a timeout; stop on every
/// other error (configuration, validation, a redirect, a body over the limit, a decode error,
/// a certificate that does not verify, and any variant added later).
fn not_an_api_error(_: &RetryPolicy, a: &Attempt<'_>) -> Option<bool> {
    let e = a.failure()?;
    Some(match e {
        Error::Connection { .. } => !is_certificate_failure(e),
        Error::Timeout(_) => true,
        _ => false,
    })
}

/// `Stripe-Should-Retry` decides when present.
fn stripe_should_retry(_: &RetryPolicy, a: &Attempt<'_>) -> Option<bool> {
    a.stripe_should_retry()
}

/// 409: a conflicting request (same idempotency key) was in flight; not a v2 idempotency
/// error (the key was used with other parameters).
fn conflict(_: &RetryPolicy, a: &Attempt<'_>) -> Option<bool> {
    if a.status()? != 409 {
        return None;
    }
    let reused = a
        .api_error()
        .is_some_and(|e| e.kind == ApiErrorKind::Idempotency);
    Some(!reused)
}

/// 429: `lock_timeout` (object contention) is retried; a rate limit only when the policy
/// says so.
fn too_many_requests(p: &RetryPolicy, a: &Attempt<'_>) -> Option<bool> {
    if a.status()? != 429 {
        return None;
    }
    let lock = a
        .api_error()
        .is_some_and(|e| e.code == Some(ErrorCode::LockTimeout));
    (lock || p.rate_limited).then_some(true)
}

/// 5xx.
fn server_error(_: &RetryPolicy, a: &Attempt<'_>) -> Option<bool> {
    (a.status()? >= 500).then_some(true)
}

/// Whether a connection error is a TLS certificate (or TLS configuration) failure, which no
/// retry heals: the server's certificate does not verify against the roots, or the peers
/// share no protocol version. Found as a `rustls::Error` in the error's chain (also inside
/// an `io::Error`, where rustls puts it), else by rustls's wording in the message.
pub(crate) fn is_certificate_failure(error: &Error) -> bool {
    let Error::Connection { message, source } = error else {
        return false;
    };
    if message.contains("invalid peer certificate") {
        return true;
    }
    let mut next: Option<&(dyn std::error::Error + 'static)> = match source {
        Some(s) => Some(&**s),
        None => None,
    };
    while let Some(e) = next {
        if is_tls_verdict(e) {
            return true;
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            if is_tls_verdict(inner) {
                return true;
            }
        }
        next = e.source();
    }
    false
}

/// A TLS failure that is the same on every try.
#[cfg(not(target_arch = "wasm32"))]
fn is_tls_verdict(e: &(dyn std::error::Error + 'static)) -> bool {
    use rustls::Error as Tls;
    matches!(
        e.downcast_ref::<Tls>(),
        Some(
            Tls::InvalidCertificate(_)
                | Tls::NoCertificatesPresented
                | Tls::UnsupportedNameType
                | Tls::InvalidCertRevocationList(_)
                | Tls::PeerIncompatible(_)
        )
    )
}

/// On wasm32 the host's `fetch` does TLS; its errors carry no type to look at.
#[cfg(target_arch = "wasm32")]
fn is_tls_verdict(_: &(dyn std::error::Error + 'static)) -> bool {
    false
}

/// The backoff before retry number `retry` (1 for the first retry), with `jitter` in
/// `[0, 1)` (the random part: the factor applied is `0.5·(1 + jitter)`).
pub fn backoff(retry: u32, jitter: f64) -> Duration {
    let exp = retry.saturating_sub(1).min(16);
    let base = (0.5 * f64::from(1u32 << exp)).min(MAX_BACKOFF.as_secs_f64());
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let secs = (base * 0.5 * (1.0 + jitter)).max(MIN_BACKOFF.as_secs_f64());
    Duration::from_secs_f64(secs)
}

// The error types' retry questions are answered here, by the policy, so that they cannot
// disagree with it (and `error.rs` imports nothing above it).
impl Error {
    /// `true` when the default [`RetryPolicy`]'s rules say this error can heal: a connection
    /// failure (not a certificate one) or a timeout; an API error with
    /// `Stripe-Should-Retry: true`, a 409, a 429 `lock_timeout` or a 5xx (unless
    /// `Stripe-Should-Retry: false`). A plain rate limit (429) is not: back off for longer,
    /// or use a rate governor. The same answer the client's own retries follow.
    pub fn is_retryable(&self) -> bool {
        RetryPolicy::new().is_retryable(&Attempt::new(1, self))
    }
}

impl ApiError {
    /// `true` when the default [`RetryPolicy`]'s rules retry this response (see
    /// [`Error::is_retryable`]).
    pub fn is_transient(&self) -> bool {
        RetryPolicy::new().is_retryable(&Attempt::api(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The un-jittered backoff before retry `retry`: 0.5, 1, 2, 4, 5, 5, … s.
    fn backoff_ceiling(retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(16);
        Duration::from_secs_f64((0.5 * f64::from(1u32 << exp)).min(MAX_BACKOFF.as_secs_f64()))
    }

    fn api(status: u16, code: Option<&str>, should_retry: Option<bool>) -> Error {
        let body = match code {
            Some(c) => format!(r#"{{"error":{{"type":"invalid_request_error","code":"{c}"}}}}"#),
            None => "{}".to_owned(),
        };
        Error::Api(Box::new(ApiError::from_response(
            status,
            body.as_bytes(),
            None,
            false,
            should_retry,
        )))
    }

    #[test]
    fn unjittered_sequence() {
        let secs: Vec<f64> = (1..=7).map(|n| backoff_ceiling(n).as_secs_f64()).collect();
        assert_eq!(secs, vec![0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]);
    }

    #[test]
    fn jitter_bounds_and_floor() {
        for n in 1..=8 {
            let lo = backoff(n, 0.0);
            let hi = backoff(n, 0.999_999);
            assert!(lo >= MIN_BACKOFF);
            assert!(hi <= backoff_ceiling(n).max(MIN_BACKOFF));
            assert_eq!(lo, (backoff_ceiling(n) / 2).max(MIN_BACKOFF));
        }
        assert_eq!(backoff(1, 0.5), MIN_BACKOFF);
        assert_eq!(backoff(3, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(10, 0.0), Duration::from_millis(2500));
    }

    #[test]
    fn rules() {
        let p = RetryPolicy::new();
        let yes = |e: &Error| p.is_retryable(&Attempt::new(1, e));
        assert!(yes(&api(500, None, None)));
        assert!(yes(&api(409, None, None)));
        assert!(!yes(&api(429, None, None)));
        assert!(!yes(&api(429, Some("rate_limit"), None)));
        assert!(yes(&api(429, Some("lock_timeout"), None)));
        let patient = RetryPolicy::new().retry_rate_limited(true);
        assert!(patient.is_retryable(&Attempt::new(1, &api(429, Some("rate_limit"), None))));
        assert!(!patient.is_retryable(&Attempt::new(1, &api(429, None, Some(false)))));
        assert!(!yes(&api(503, None, Some(false))));
        assert!(yes(&api(400, None, Some(true))));
        assert!(!yes(&api(400, None, None)));
        assert!(yes(&Error::connection("reset", None)));
        assert!(yes(&Error::Timeout(Duration::from_secs(1))));
        assert!(!yes(&Error::Validation("x".into())));
        assert!(!yes(&Error::Config("x".into())));
        assert!(!yes(&Error::InvalidKey("x".into())));
        assert!(!yes(&Error::ResponseTooLarge {
            limit: 1,
            status: Some(200),
            request_id: None
        }));
        let redirect = Error::Redirect {
            status: Some(307),
            location: Some("https://elsewhere.example/".into()),
            request_id: None,
        };
        assert!(!yes(&redirect));
        let h = HeaderMap::new();
        assert!(!p.is_retryable(&Attempt::new(1, &redirect).response(307, &h)));
        // A v2 key reused with other parameters: 409, but no retry heals it.
        let reused = Error::Api(Box::new(ApiError::from_response(
            409,
            br#"{"error":{"type":"idempotency_error","code":"idempotency_error"}}"#,
            None,
            true,
            None,
        )));
        assert!(!yes(&reused));
    }

    #[test]
    fn the_response_headers_decide_over_the_error() {
        let p = RetryPolicy::new();
        let e = api(503, None, None);
        let mut h = HeaderMap::new();
        h.insert("stripe-should-retry", "false".parse().unwrap());
        assert!(!p.is_retryable(&Attempt::new(1, &e).response(503, &h)));
        let e = api(400, None, None);
        h.insert("stripe-should-retry", "true".parse().unwrap());
        let a = Attempt::new(1, &e).response(400, &h);
        assert_eq!(a.header("Stripe-Should-Retry"), Some("true"));
        assert!(p.is_retryable(&a));
    }

    #[test]
    fn budget_and_deadline() {
        let p = RetryPolicy::new();
        let e = api(500, None, None);
        assert_eq!(
            p.decide_with_jitter(&Attempt::new(1, &e), 0.0),
            Decision::Retry(MIN_BACKOFF)
        );
        assert_eq!(
            p.decide_with_jitter(&Attempt::new(3, &e), 0.0),
            Decision::Stop(StopReason::NoRetriesLeft)
        );
        assert_eq!(
            RetryPolicy::never().decide_with_jitter(&Attempt::new(1, &e), 0.0),
            Decision::Stop(StopReason::NoRetriesLeft)
        );
        let p = RetryPolicy::new()
            .max_retries(10)
            .total_deadline(Duration::from_secs(2));
        let at = |elapsed| Attempt::new(1, &e).elapsed(Duration::from_millis(elapsed));
        assert!(matches!(
            p.decide_with_jitter(&at(1000), 0.0),
            Decision::Retry(_)
        ));
        assert_eq!(
            p.decide_with_jitter(&at(1600), 0.0),
            Decision::Stop(StopReason::Deadline)
        );
        assert_eq!(
            p.attempt_timeout(Duration::from_secs(80), Duration::from_millis(1500)),
            Duration::from_millis(500)
        );
        let bad = Error::Validation("x".into());
        assert_eq!(
            p.decide_with_jitter(&Attempt::new(1, &bad), 0.0),
            Decision::Stop(StopReason::NotRetryable)
        );
    }

    #[test]
    fn error_answers_are_the_policys() {
        assert!(!api(429, None, None).is_retryable());
        assert!(api(429, Some("lock_timeout"), None).is_retryable());
        assert!(!api(503, None, Some(false)).is_retryable());
        let Error::Api(e) = api(502, None, None) else {
            unreachable!()
        };
        assert!(e.is_transient());
        let Error::Api(e) = api(429, None, None) else {
            unreachable!()
        };
        assert!(!e.is_transient());
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn certificate_failures_are_not_retried() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let e = Error::connection("client error (Connect)", Some(Box::new(io)));
        assert!(is_certificate_failure(&e));
        assert!(!e.is_retryable());
        let e = Error::connection(
            "error sending request: invalid peer certificate: UnknownIssuer",
            None,
        );
        assert!(!e.is_retryable());
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        let e = Error::connection("connection reset", Some(Box::new(reset)));
        assert!(e.is_retryable());
    }
}
