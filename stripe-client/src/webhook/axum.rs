//! axum extractors for verified webhooks (cargo feature `axum`).
//!
//! Put a [`WebhookSecret`] in the router's state (directly, or in your own state with a
//! [`FromRef`] impl) and take [`VerifiedEvent`] or [`VerifiedEventNotification`] as the
//! handler's last argument. The extractor reads the raw body (up to
//! [`WebhookSecret::max_body_bytes`]), checks `Stripe-Signature` and decodes the event; a bad
//! request is answered with 400 and a short reason that reveals no secret (413 for a body
//! over the limit).
//!
//! ```no_run
//! use axum::{routing::post, Router};
//! use stripe_client::webhook::axum::{VerifiedEvent, WebhookSecret};
//!
//! async fn webhook(VerifiedEvent(event): VerifiedEvent) -> &'static str {
//!     println!("{} {}", event.id, event.type_);
//!     "ok"
//! }
//!
//! let app: Router = Router::new()
//!     .route("/webhook", post(webhook))
//!     .with_state(WebhookSecret::new("whsec_...")?);
//! # Ok::<(), stripe_client::webhook::WebhookError>(())
//! ```
//!
//! [`WebhookSecret::new`] refuses an empty or blank secret, and one with leading or trailing
//! whitespace, when the config is built, so a misconfigured app fails at start-up instead of
//! accepting (or refusing) every delivery.

use super::{Event, EventNotification, Webhook, WebhookError};
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::fmt;
use std::sync::Arc;

/// The signing secret(s) and verification settings the extractors use, taken from the
/// router's state through [`FromRef`].
///
/// `Debug` never shows the secrets.
#[derive(Clone)]
pub struct WebhookSecret {
    secrets: Arc<[String]>,
    webhook: Webhook,
    max_body_bytes: usize,
}

impl WebhookSecret {
    /// The default body limit: 1 MiB (Stripe's events are far smaller).
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

    /// One signing secret (`whsec_...`). Refused here: an empty or blank secret
    /// ([`WebhookError::EmptySecret`]) and one with leading or trailing whitespace
    /// ([`WebhookError::SecretWhitespace`]).
    pub fn new(secret: impl Into<String>) -> Result<Self, WebhookError> {
        Self::with_secrets([secret.into()])
    }

    /// Several secrets, any of which may have signed a delivery (while rolling a secret).
    /// Refused here: no secret at all ([`WebhookError::NoSecret`]), or any secret that
    /// [`WebhookSecret::new`] refuses.
    pub fn with_secrets<I, S>(secrets: I) -> Result<Self, WebhookError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let secrets: Arc<[String]> = secrets.into_iter().map(Into::into).collect();
        if secrets.is_empty() {
            return Err(WebhookError::NoSecret);
        }
        for s in secrets.iter() {
            super::check_secret(s)?;
        }
        Ok(WebhookSecret {
            secrets,
            webhook: Webhook::default(),
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        })
    }

    /// Verification settings (tolerance, clock).
    pub fn webhook(mut self, webhook: Webhook) -> Self {
        self.webhook = webhook;
        self
    }

    /// The largest body accepted; larger ones are refused with 413.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    async fn read(&self, req: Request) -> Result<(String, axum::body::Bytes), WebhookRejection> {
        let header = match req.headers().get("stripe-signature") {
            None => return Err(WebhookRejection::from(WebhookError::MissingHeader)),
            Some(v) => match v.to_str() {
                Ok(s) => s.to_owned(),
                Err(_) => {
                    return Err(WebhookRejection::from(WebhookError::MalformedHeader(
                        super::HeaderProblem::InvalidElement,
                    )))
                }
            },
        };
        let too_large = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > self.max_body_bytes as u64);
        if too_large {
            return Err(WebhookRejection::too_large());
        }
        match axum::body::to_bytes(req.into_body(), self.max_body_bytes).await {
            Ok(b) => Ok((header, b)),
            // `to_bytes` fails on a body over the limit or a broken connection; both end here.
            Err(_) => Err(WebhookRejection::too_large()),
        }
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSecret")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("webhook", &self.webhook)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// A verified v1 [`Event`], extracted from the request body.
#[derive(Debug, Clone)]
pub struct VerifiedEvent(pub Event);

/// A verified v2 [`EventNotification`], extracted from the request body.
#[derive(Debug, Clone)]
pub struct VerifiedEventNotification(pub EventNotification);

impl<S> FromRequest<S> for VerifiedEvent
where
    WebhookSecret: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let cfg = WebhookSecret::from_ref(state);
        let (header, body) = cfg.read(req).await?;
        cfg.webhook
            .event_with_secrets(&body, &header, cfg.secrets.iter())
            .map(VerifiedEvent)
            .map_err(WebhookRejection::from)
    }
}

impl<S> FromRequest<S> for VerifiedEventNotification
where
    WebhookSecret: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let cfg = WebhookSecret::from_ref(state);
        let (header, body) = cfg.read(req).await?;
        cfg.webhook
            .event_notification_with_secrets(&body, &header, cfg.secrets.iter())
            .map(VerifiedEventNotification)
            .map_err(WebhookRejection::from)
    }
}

/// Why an extractor refused a request: answered with 400 (413 for a body over the limit)
/// and a short plain-text reason.
#[derive(Debug)]
pub struct WebhookRejection {
    status: StatusCode,
    error: Option<WebhookError>,
}

impl WebhookRejection {
    fn too_large() -> Self {
        WebhookRejection {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: None,
        }
    }
    /// The HTTP status the rejection is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The verification error, unless the body was too large.
    pub fn error(&self) -> Option<&WebhookError> {
        self.error.as_ref()
    }
    /// The reason sent in the response body.
    pub fn reason(&self) -> &'static str {
        match &self.error {
            Some(e) => e.reason(),
            None => "request body too large",
        }
    }
}

impl From<WebhookError> for WebhookRejection {
    fn from(e: WebhookError) -> Self {
        WebhookRejection {
            status: StatusCode::BAD_REQUEST,
            error: Some(e),
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for WebhookRejection {}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        (self.status, self.reason()).into_response()
    }
}
