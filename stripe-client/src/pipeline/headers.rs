//! Every header the client sends or reads, in one place.
//!
//! [`DefaultHeaders`] are built once, when the client is built: a new default header is one
//! field here, set in [`DefaultHeaders::new`] and written in [`request_headers`].

use crate::config::{AppInfo, VERSION};
use crate::error::Error;
use crate::options::RequestOptions;
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};

const STRIPE_VERSION: HeaderName = HeaderName::from_static("stripe-version");
const X_STRIPE_CLIENT_USER_AGENT: HeaderName =
    HeaderName::from_static("x-stripe-client-user-agent");
const STRIPE_ACCOUNT: HeaderName = HeaderName::from_static("stripe-account");
const STRIPE_CONTEXT: HeaderName = HeaderName::from_static("stripe-context");
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Response header: the request's id.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
/// Response header: Stripe's own advice on retrying (read by the retry policy, too).
pub(crate) const STRIPE_SHOULD_RETRY: HeaderName = HeaderName::from_static("stripe-should-retry");
/// Response header: a deprecation or other notice, logged as a warning.
pub(crate) const STRIPE_NOTICE: HeaderName = HeaderName::from_static("stripe-notice");

/// The headers every request carries, made once per client.
#[derive(Clone)]
pub(crate) struct DefaultHeaders {
    auth: HeaderValue,
    version: HeaderValue,
    user_agent_v1: HeaderValue,
    user_agent_v2: HeaderValue,
    client_user_agent: HeaderValue,
}

impl DefaultHeaders {
    /// `key` is a checked API key (not blank, no whitespace); `httplib` names the transport
    /// in `X-Stripe-Client-User-Agent`.
    pub(crate) fn new(
        key: &str,
        api_version: &str,
        app_info: Option<&AppInfo>,
        httplib: &str,
    ) -> Result<Self, Error> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| Error::InvalidKey("the API key is not a valid header value".into()))?;
        auth.set_sensitive(true);
        let header = |what: &str, v: String| {
            HeaderValue::from_str(&v).map_err(|_| Error::Config(format!("invalid {what}: {v:?}")))
        };
        let suffix = app_info
            .map(|a| format!(" {}", a.user_agent_suffix()))
            .unwrap_or_default();
        let client_user_agent = serde_json::json!({
            "bindings_version": VERSION,
            "lang": "rust",
            "lang_version": env!("STRIPE_CLIENT_RUSTC_VERSION"),
            "publisher": "stripe-rs",
            "httplib": httplib,
            "application": app_info,
        });
        Ok(DefaultHeaders {
            auth,
            version: header("API version", api_version.to_owned())?,
            user_agent_v1: header(
                "app info",
                format!("Stripe/v1 RustBindings/{VERSION}{suffix}"),
            )?,
            user_agent_v2: header(
                "app info",
                format!("Stripe/v2 RustBindings/{VERSION}{suffix}"),
            )?,
            client_user_agent: header("app info", client_user_agent.to_string())?,
        })
    }
}

/// The headers of one attempt: the defaults, then the request options, then the body's
/// `Content-Type`.
pub(crate) fn request_headers(
    defaults: &DefaultHeaders,
    is_v2: bool,
    opts: &RequestOptions,
    idempotency_key: Option<&str>,
    content_type: Option<HeaderValue>,
) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::with_capacity(12);
    headers.insert(AUTHORIZATION, defaults.auth.clone());
    let version = match &opts.stripe_version {
        Some(v) => HeaderValue::from_str(v)
            .map_err(|_| Error::Validation(format!("invalid Stripe-Version {v:?}")))?,
        None => defaults.version.clone(),
    };
    headers.insert(STRIPE_VERSION, version);
    let user_agent = if is_v2 {
        &defaults.user_agent_v2
    } else {
        &defaults.user_agent_v1
    };
    headers.insert(USER_AGENT, user_agent.clone());
    headers.insert(
        X_STRIPE_CLIENT_USER_AGENT,
        defaults.client_user_agent.clone(),
    );
    let text = |name: &'static str, v: &str| -> Result<HeaderValue, Error> {
        HeaderValue::from_str(v)
            .map_err(|_| Error::Validation(format!("invalid {name} header value")))
    };
    if let Some(a) = &opts.stripe_account {
        headers.insert(STRIPE_ACCOUNT, text("Stripe-Account", a)?);
    }
    if let Some(c) = &opts.stripe_context {
        headers.insert(STRIPE_CONTEXT, text("Stripe-Context", c)?);
    }
    if let Some(k) = idempotency_key {
        headers.insert(IDEMPOTENCY_KEY, text("Idempotency-Key", k)?);
    }
    for (name, value) in &opts.headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::Validation(format!("invalid header name {name:?}")))?;
        headers.insert(n, text("custom", value)?);
    }
    if let Some(ct) = content_type {
        headers.insert(CONTENT_TYPE, ct);
    }
    Ok(headers)
}

/// A header's value as text.
pub(crate) fn header_str<'a>(h: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}
