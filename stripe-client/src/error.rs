//! The one error type of the client.
//!
//! At the bottom of the crate: this module imports nothing of it. Whether an error is worth
//! retrying is the retry policy's answer ([`Error::is_retryable`] and
//! [`ApiError::is_transient`] are written in `retry.rs`, beside the rules they ask).

use std::fmt;
use std::time::Duration;
use stripe_types::rt::GuardError;

/// Everything a request can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error (any non-2xx status).
    Api(Box<ApiError>),
    /// A v2 session (for example a meter event session token) has expired: create a new one.
    SessionExpired(Box<ApiError>),
    /// The connection failed (DNS, refused, reset, TLS, broken body).
    Connection {
        /// What went wrong (never contains the key or the body).
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// An attempt took longer than its timeout.
    Timeout(Duration),
    /// A 2xx response body that does not decode into the expected type.
    Decode(Box<DecodeError>),
    /// The response body was larger than the configured limit.
    ResponseTooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The HTTP status, when the headers arrived.
        status: Option<u16>,
        /// The `Request-Id` header, when present.
        request_id: Option<String>,
    },
    /// The server answered with a redirect (3xx). Stripe's API never redirects, so the
    /// answer came from something else: a wrong base URL, a proxy or captive portal, a
    /// tampered route. No transport follows it (the request, its body, `Stripe-Account` and
    /// `Idempotency-Key` go nowhere else), it is not an API error, and it is not retried.
    Redirect {
        /// The 3xx status; `None` when the host hid it (a browser's opaque redirect on wasm32)
        /// or a reqwest client of your own followed the redirect.
        status: Option<u16>,
        /// The `Location` header (where a followed redirect ended, for a reqwest client of
        /// your own), when known.
        location: Option<String>,
        /// The `Request-Id` header, when present.
        request_id: Option<String>,
    },
    /// The request was rejected before it was sent (parameters that cannot be encoded,
    /// an invalid header value, ...).
    Validation(String),
    /// The request's own checks refused it before it was sent (an empty or blank id in the
    /// path, a `sum` meter without `value_settings`, a cancel adjustment without
    /// `cancel.identifier`, ...): match on [`GuardError::kind`](crate::meter::GuardError::kind).
    Guard(GuardError),
    /// The API key is empty, blank or cannot be sent in a header.
    InvalidKey(String),
    /// The client configuration is invalid.
    Config(String),
    /// The blocking client was called on a thread of a tokio runtime, where blocking would
    /// stall the runtime: use the async client there.
    InsideAsyncRuntime,
    /// A test double holds no answer for the request (a `stripe_client::testing` mock with
    /// no rule that matches it, a replay of a cassette that never saw it): the message names
    /// the operation and its parameters.
    Unmatched(String),
    /// A durable store (the metering outbox, the webhook event ledger) failed: match on
    /// [`StoreError::kind`](crate::durable::StoreError::kind) (features `durable-sqlite`,
    /// `durable-postgres`).
    #[cfg(any(feature = "durable-sqlite", feature = "durable-postgres"))]
    Store(crate::durable::StoreError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::SessionExpired(e) => write!(f, "session expired: {e}"),
            Error::Connection { message, .. } => write!(f, "connection error: {message}"),
            Error::Timeout(d) => write!(f, "request timed out after {d:?}"),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::ResponseTooLarge {
                limit,
                status,
                request_id,
            } => write!(
                f,
                "response body larger than {limit} bytes (status {status:?}, request id {request_id:?})"
            ),
            Error::Redirect {
                status, location, ..
            } => {
                f.write_str("redirect not followed")?;
                if let Some(status) = status {
                    write!(f, " (status {status})")?;
                }
                match location {
                    Some(location) => write!(f, ": Location {location}"),
                    None => f.write_str(": the host did not show the Location"),
                }
            }
            Error::Validation(m) => write!(f, "invalid request: {m}"),
            Error::Guard(g) => write!(f, "refused before sending: {g}"),
            Error::InvalidKey(m) => write!(f, "invalid API key: {m}"),
            Error::Config(m) => write!(f, "invalid client configuration: {m}"),
            Error::InsideAsyncRuntime => f.write_str(
                "the blocking client cannot run on a thread of a tokio runtime; use the async client there",
            ),
            Error::Unmatched(m) => write!(f, "no answer for this request: {m}"),
            #[cfg(any(feature = "durable-sqlite", feature = "durable-postgres"))]
            Error::Store(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl From<GuardError> for Error {
    fn from(e: GuardError) -> Self {
        Error::Guard(e)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connection {
                source: Some(s), ..
            } => Some(&**s as &(dyn std::error::Error + 'static)),
            Error::Guard(g) => Some(g),
            #[cfg(any(feature = "durable-sqlite", feature = "durable-postgres"))]
            Error::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl Error {
    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) | Error::SessionExpired(e) => Some(e.status),
            Error::Decode(d) => Some(d.status),
            Error::ResponseTooLarge { status, .. } | Error::Redirect { status, .. } => *status,
            _ => None,
        }
    }

    /// The `Request-Id` of the response this error came from, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) | Error::SessionExpired(e) => e.request_id.as_deref(),
            Error::Decode(d) => d.request_id.as_deref(),
            Error::ResponseTooLarge { request_id, .. } | Error::Redirect { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The check's refusal, when the request's checks refused it before it was sent.
    pub fn as_guard_error(&self) -> Option<&GuardError> {
        match self {
            Error::Guard(g) => Some(g),
            _ => None,
        }
    }

    /// The API error, when the API answered with one.
    pub fn as_api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::SessionExpired(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn connection(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Connection {
            message: message.into(),
            source,
        }
    }
}

/// The class of an API error, derived from the HTTP status and the error `type` as the
/// official SDKs do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 429, or 400 with `code == "rate_limit"`, or v2 `type == "rate_limit"`.
    RateLimit,
    /// 400/404 with `type == "idempotency_error"`; on v2, that type with any status (409).
    Idempotency,
    /// Other 400/404.
    InvalidRequest,
    /// 401.
    Authentication,
    /// 402.
    Card,
    /// 403.
    Permission,
    /// 409: a conflicting concurrent request with the same idempotency key, or a lock.
    Conflict,
    /// v2 `temporary_session_expired`.
    SessionExpired,
    /// Everything else (5xx and unexpected statuses).
    Api,
}

/// The API's `error.type`: an open enum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorType {
    /// `api_error`
    ApiError,
    /// `card_error`
    CardError,
    /// `idempotency_error`
    IdempotencyError,
    /// `invalid_request_error`
    InvalidRequestError,
    /// v2 `rate_limit`
    RateLimit,
    /// v2 `temporary_session_expired`
    TemporarySessionExpired,
    /// A type this client does not know.
    Unknown(String),
}

impl ApiErrorType {
    /// The type as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ApiErrorType::ApiError => "api_error",
            ApiErrorType::CardError => "card_error",
            ApiErrorType::IdempotencyError => "idempotency_error",
            ApiErrorType::InvalidRequestError => "invalid_request_error",
            ApiErrorType::RateLimit => "rate_limit",
            ApiErrorType::TemporarySessionExpired => "temporary_session_expired",
            ApiErrorType::Unknown(s) => s,
        }
    }
}

impl From<&str> for ApiErrorType {
    fn from(s: &str) -> Self {
        match s {
            "api_error" => ApiErrorType::ApiError,
            "card_error" => ApiErrorType::CardError,
            "idempotency_error" => ApiErrorType::IdempotencyError,
            "invalid_request_error" => ApiErrorType::InvalidRequestError,
            "rate_limit" => ApiErrorType::RateLimit,
            "temporary_session_expired" => ApiErrorType::TemporarySessionExpired,
            other => ApiErrorType::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for ApiErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! error_codes {
    ($($variant:ident => $s:literal,)*) => {
        /// The API's `error.code`: an open enum of the documented codes; codes Stripe adds
        /// later arrive as [`ErrorCode::Unknown`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $s, "`")]
                $variant,
            )*
            /// A code this client does not know.
            Unknown(String),
        }

        impl ErrorCode {
            /// The code as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $s,)*
                    ErrorCode::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(s: &str) -> Self {
                match s {
                    $($s => ErrorCode::$variant,)*
                    other => ErrorCode::Unknown(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    AccountClosed => "account_closed",
    AccountInvalid => "account_invalid",
    AmountTooLarge => "amount_too_large",
    AmountTooSmall => "amount_too_small",
    ApiKeyExpired => "api_key_expired",
    AuthenticationRequired => "authentication_required",
    BalanceInsufficient => "balance_insufficient",
    BillingMeterEventSessionExpired => "billing_meter_event_session_expired",
    CardDeclined => "card_declined",
    ChargeAlreadyCaptured => "charge_already_captured",
    ChargeAlreadyRefunded => "charge_already_refunded",
    ChargeDisputed => "charge_disputed",
    ChargeExpiredForCapture => "charge_expired_for_capture",
    CustomerMaxPaymentMethods => "customer_max_payment_methods",
    EmailInvalid => "email_invalid",
    ExpiredCard => "expired_card",
    IdempotencyKeyInUse => "idempotency_key_in_use",
    IncorrectCvc => "incorrect_cvc",
    IncorrectNumber => "incorrect_number",
    IncorrectZip => "incorrect_zip",
    InsufficientFunds => "insufficient_funds",
    InvalidCardType => "invalid_card_type",
    InvalidCharacters => "invalid_characters",
    InvalidCvc => "invalid_cvc",
    InvalidExpiryMonth => "invalid_expiry_month",
    InvalidExpiryYear => "invalid_expiry_year",
    InvalidFields => "invalid_fields",
    InvalidNumber => "invalid_number",
    InvalidRequest => "invalid_request",
    LivemodeMismatch => "livemode_mismatch",
    LockTimeout => "lock_timeout",
    Missing => "missing",
    ParameterInvalidEmpty => "parameter_invalid_empty",
    ParameterInvalidInteger => "parameter_invalid_integer",
    ParameterInvalidStringBlank => "parameter_invalid_string_blank",
    ParameterInvalidStringEmpty => "parameter_invalid_string_empty",
    ParameterMissing => "parameter_missing",
    ParameterUnknown => "parameter_unknown",
    ParametersExclusive => "parameters_exclusive",
    PaymentIntentAuthenticationFailure => "payment_intent_authentication_failure",
    PaymentIntentUnexpectedState => "payment_intent_unexpected_state",
    PaymentMethodUnactivated => "payment_method_unactivated",
    PlatformApiKeyExpired => "platform_api_key_expired",
    ProcessingError => "processing_error",
    RateLimit => "rate_limit",
    ResourceAlreadyExists => "resource_already_exists",
    ResourceMissing => "resource_missing",
    SecretKeyRequired => "secret_key_required",
    SetupIntentUnexpectedState => "setup_intent_unexpected_state",
    TestmodeChargesOnly => "testmode_charges_only",
    TlsVersionUnsupported => "tls_version_unsupported",
    TokenAlreadyUsed => "token_already_used",
    UrlInvalid => "url_invalid",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answered by the API: v1 (`{"error":{"type",...}}`) and v2 shapes alike.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The class derived from status and type.
    pub kind: ApiErrorKind,
    /// `error.type`, when present.
    pub error_type: Option<ApiErrorType>,
    /// `error.code`, when present.
    pub code: Option<ErrorCode>,
    /// `error.decline_code` (card errors).
    pub decline_code: Option<String>,
    /// `error.param`: the parameter the error is about.
    pub param: Option<String>,
    /// `error.message`, or a description of the response when the body was not a Stripe
    /// error (for example a proxy's HTML page).
    pub message: Option<String>,
    /// `error.user_message` (v2, some v1 card errors).
    pub user_message: Option<String>,
    /// `error.doc_url`.
    pub doc_url: Option<String>,
    /// `error.request_log_url`.
    pub request_log_url: Option<String>,
    /// The `Request-Id` response header.
    pub request_id: Option<String>,
    /// `true` when the body had the v2 shape (the request went to a `/v2` path).
    pub is_v2: bool,
    /// The `Stripe-Should-Retry` response header, when present.
    pub should_retry: Option<bool>,
    /// The whole `error` object as sent (other fields such as `charge`, `payment_intent`,
    /// `advice_code`); `Null` when the body was not JSON.
    pub raw: serde_json::Value,
}

impl ApiError {
    /// Build the error for a non-2xx response.
    pub(crate) fn from_response(
        status: u16,
        body: &[u8],
        request_id: Option<String>,
        is_v2: bool,
        should_retry: Option<bool>,
    ) -> ApiError {
        // `{"error": {...}}`, or the OAuth shape `{"error": "invalid_grant",
        // "error_description": ...}`. A field of the wrong type is left out, not the others.
        let doc = serde_json::from_slice::<serde_json::Value>(body).ok();
        let (raw, fields, message_fallback) = match doc {
            Some(serde_json::Value::Object(mut doc)) if doc.contains_key("error") => {
                let error = doc.remove("error").unwrap_or_default();
                let fields = if error.is_object() {
                    ErrorFields::of(&error)
                } else {
                    ErrorFields {
                        code: error.as_str().map(str::to_owned),
                        message: doc
                            .get("error_description")
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_owned),
                        ..ErrorFields::default()
                    }
                };
                (error, fields, None)
            }
            _ => (
                serde_json::Value::Null,
                ErrorFields::default(),
                Some(describe_non_json(body)),
            ),
        };
        let error_type = fields.error_type.as_deref().map(ApiErrorType::from);
        let code = fields.code.as_deref().map(ErrorCode::from);
        let kind = classify(status, error_type.as_ref(), code.as_ref(), is_v2);
        ApiError {
            status,
            kind,
            error_type,
            code,
            decline_code: fields.decline_code,
            param: fields.param,
            message: fields.message.or(message_fallback),
            user_message: fields.user_message,
            doc_url: fields.doc_url,
            request_log_url: fields.request_log_url,
            request_id,
            is_v2,
            should_retry,
            raw,
        }
    }
}

/// The fields of an error object that [`ApiError`] reads.
#[derive(Default)]
struct ErrorFields {
    error_type: Option<String>,
    code: Option<String>,
    decline_code: Option<String>,
    param: Option<String>,
    message: Option<String>,
    user_message: Option<String>,
    doc_url: Option<String>,
    request_log_url: Option<String>,
}

impl ErrorFields {
    fn of(error: &serde_json::Value) -> ErrorFields {
        let field = |key| string_field(error, key);
        ErrorFields {
            error_type: field("type"),
            code: field("code"),
            decline_code: field("decline_code"),
            param: field("param"),
            message: field("message"),
            user_message: field("user_message"),
            doc_url: field("doc_url"),
            request_log_url: field("request_log_url"),
        }
    }
}

/// `object[key]` when it is a string.
fn string_field(object: &serde_json::Value, key: &str) -> Option<String> {
    object.get(key)?.as_str().map(str::to_owned)
}

fn classify(
    status: u16,
    ty: Option<&ApiErrorType>,
    code: Option<&ErrorCode>,
    is_v2: bool,
) -> ApiErrorKind {
    match ty {
        Some(ApiErrorType::TemporarySessionExpired) => return ApiErrorKind::SessionExpired,
        Some(ApiErrorType::RateLimit) => return ApiErrorKind::RateLimit,
        // On v2 the type decides before the status (stripe-python's `specific_v2_api_error`):
        // a key reused with other parameters answers 409 `idempotency_error`, which is no
        // conflict that waiting resolves.
        Some(ApiErrorType::IdempotencyError) if is_v2 => return ApiErrorKind::Idempotency,
        _ => {}
    }
    if code == Some(&ErrorCode::BillingMeterEventSessionExpired) {
        return ApiErrorKind::SessionExpired;
    }
    match status {
        429 => ApiErrorKind::RateLimit,
        400 if code == Some(&ErrorCode::RateLimit) => ApiErrorKind::RateLimit,
        400 | 404 if ty == Some(&ApiErrorType::IdempotencyError) => ApiErrorKind::Idempotency,
        400 | 404 => ApiErrorKind::InvalidRequest,
        401 => ApiErrorKind::Authentication,
        402 => ApiErrorKind::Card,
        403 => ApiErrorKind::Permission,
        409 => ApiErrorKind::Conflict,
        _ => ApiErrorKind::Api,
    }
}

/// Longest body excerpt copied into an error.
pub const SNIPPET_LIMIT: usize = 256;

/// A bounded, printable excerpt of `body` around byte `at`.
pub(crate) fn snippet(body: &[u8], at: usize) -> String {
    let start = at.saturating_sub(SNIPPET_LIMIT / 2).min(body.len());
    let end = (start + SNIPPET_LIMIT).min(body.len());
    let text = String::from_utf8_lossy(&body[start..end]);
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if start > 0 {
        s.insert(0, '…');
    }
    if end < body.len() {
        s.push('…');
    }
    s
}

fn describe_non_json(body: &[u8]) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        "empty response body".to_owned()
    } else {
        format!("response body is not a Stripe error: {}", snippet(body, 0))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stripe API error (status {}", self.status)?;
        if let Some(t) = &self.error_type {
            write!(f, ", type {t}")?;
        }
        if let Some(c) = &self.code {
            write!(f, ", code {c}")?;
        }
        if let Some(p) = &self.param {
            write!(f, ", param {p}")?;
        }
        if let Some(r) = &self.request_id {
            write!(f, ", request {r}")?;
        }
        f.write_str(")")?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A success response whose body did not decode into the expected type.
///
/// Decoding is strict: a field the pinned spec marks required must be present, so the
/// generated types never hold a made-up default. When the API (or stripe-mock) answers
/// with a shape newer or older than the pinned spec, the request itself succeeded: the
/// whole body is kept in [`DecodeError::body`], so the caller can read it untyped
/// (`serde_json::from_slice(&e.body)`) instead of repeating the call. Like the message,
/// `Debug` shows only the bounded snippet and the body's length, never the body.
#[derive(Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The JSON path of the failing field (`data[3].customer`), `.` for the root.
    pub path: String,
    /// What serde reported.
    pub message: String,
    /// At most [`SNIPPET_LIMIT`] characters of the body around the failure.
    pub snippet: String,
    /// The HTTP status.
    pub status: u16,
    /// The `Request-Id` response header.
    pub request_id: Option<String>,
    /// The whole response body, as received.
    pub body: bytes::Bytes,
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("path", &self.path)
            .field("message", &self.message)
            .field("snippet", &self.snippet)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl DecodeError {
    /// The response body as untyped JSON, when it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the response at `{}`: {} (status {}, request {}; body: {})",
            self.path,
            self.message,
            self.status,
            self.request_id.as_deref().unwrap_or("-"),
            self.snippet
        )
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_error_fields() {
        let body = br#"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","param":"source","doc_url":"https://x","request_log_url":"https://y","charge":"ch_1"}}"#;
        let e = ApiError::from_response(402, body, Some("req_1".into()), false, None);
        assert_eq!(e.kind, ApiErrorKind::Card);
        assert_eq!(e.error_type, Some(ApiErrorType::CardError));
        assert_eq!(e.code, Some(ErrorCode::CardDeclined));
        assert_eq!(e.decline_code.as_deref(), Some("insufficient_funds"));
        assert_eq!(e.raw["charge"], "ch_1");
        assert!(!e.is_transient());
    }

    #[test]
    fn unknown_code_is_kept() {
        let body = br#"{"error":{"type":"brand_new","code":"brand_new_code"}}"#;
        let e = ApiError::from_response(400, body, None, false, None);
        assert_eq!(e.code, Some(ErrorCode::Unknown("brand_new_code".into())));
        assert_eq!(
            e.error_type,
            Some(ApiErrorType::Unknown("brand_new".into()))
        );
        assert_eq!(e.kind, ApiErrorKind::InvalidRequest);
    }

    #[test]
    fn html_and_empty_bodies() {
        let e = ApiError::from_response(
            502,
            b"<html>Bad gateway</html>",
            Some("r".into()),
            false,
            None,
        );
        assert_eq!(e.kind, ApiErrorKind::Api);
        assert!(e.message.unwrap().contains("<html>"));
        let e = ApiError::from_response(503, b"", None, false, None);
        assert_eq!(e.message.as_deref(), Some("empty response body"));
        assert!(e.is_transient());
    }

    #[test]
    fn v2_shapes() {
        let e = ApiError::from_response(
            400,
            br#"{"error":{"type":"temporary_session_expired","code":"session_bad","message":"you messed up"}}"#,
            None,
            true,
            None,
        );
        assert_eq!(e.kind, ApiErrorKind::SessionExpired);
        let e = ApiError::from_response(
            400,
            br#"{"error":{"code":"invalid_request","message":"bad","param":"invalid_param"}}"#,
            None,
            true,
            None,
        );
        assert_eq!(e.kind, ApiErrorKind::InvalidRequest);
        assert_eq!(e.param.as_deref(), Some("invalid_param"));
        // A v2 key reused with other parameters: 409 idempotency_error, not a conflict.
        let body =
            br#"{"error":{"type":"idempotency_error","code":"idempotency_error","message":"m"}}"#;
        let e = ApiError::from_response(409, body, None, true, None);
        assert_eq!(e.kind, ApiErrorKind::Idempotency);
        assert!(!e.is_transient());
        // A v1 409 stays a conflict (a request with the key still in flight).
        let e = ApiError::from_response(409, body, None, false, None);
        assert_eq!(e.kind, ApiErrorKind::Conflict);
    }

    #[test]
    fn a_field_of_the_wrong_type_drops_only_that_field() {
        let body = br#"{"error":{"type":"invalid_request_error","code":5,"message":"No such customer","param":"customer"}}"#;
        let e = ApiError::from_response(404, body, None, false, None);
        assert_eq!(e.code, None);
        assert_eq!(e.message.as_deref(), Some("No such customer"));
        assert_eq!(e.param.as_deref(), Some("customer"));
        assert_eq!(e.raw["code"], 5);
    }

    #[test]
    fn oauth_shape() {
        let body = br#"{"error":"invalid_grant","error_description":"Authorization code expired"}"#;
        let e = ApiError::from_response(400, body, None, false, None);
        assert_eq!(e.code, Some(ErrorCode::from("invalid_grant")));
        assert_eq!(e.message.as_deref(), Some("Authorization code expired"));
        assert_eq!(e.raw, "invalid_grant");
        // JSON without an `error` key is described like any other body.
        let e = ApiError::from_response(500, br#"{"status":"down"}"#, None, false, None);
        assert!(e.message.unwrap().contains("status"));
    }

    #[test]
    fn snippet_is_bounded() {
        let body = vec![b'x'; 10_000];
        assert!(snippet(&body, 5000).chars().count() <= SNIPPET_LIMIT + 2);
    }
}
