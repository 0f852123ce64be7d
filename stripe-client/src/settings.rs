//! [`Settings`]: what a built client holds, read by every stage of the pipeline.
//!
//! Shared state near the bottom of the crate: it imports the parts it holds (clock, retry
//! policy, transport, observer, default headers), never the client, the builder or the
//! pipeline's stages, so those can all import it without a loop.

use crate::clock::Clock;
use crate::options::RequestOptions;
use crate::pipeline::headers::DefaultHeaders;
use crate::retry::RetryPolicy;
use crate::telemetry::Observer;
use crate::transport::Transport;
use std::sync::Arc;
use std::time::Duration;
use stripe_types::rt::Host;

/// The settings of a built client, checked by [`ClientBuilder::build`](crate::ClientBuilder::build).
pub(crate) struct Settings {
    pub(crate) key_hint: String,
    pub(crate) api_base: String,
    pub(crate) files_base: String,
    pub(crate) meter_events_base: String,
    pub(crate) api_version: String,
    pub(crate) headers: DefaultHeaders,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: u64,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) observer: Option<Arc<dyn Observer>>,
    /// The rate governor and the mode of the key, when the builder was given one.
    pub(crate) governor: Option<crate::governor::Governed>,
    /// Set only on a client built from a `testing::StripeMock`: it sees each typed request.
    #[cfg(feature = "testing")]
    pub(crate) interceptor: Option<Arc<dyn crate::testing::Intercept>>,
}

impl Settings {
    /// The base URL used for `host`.
    pub(crate) fn base_url(&self, host: Host) -> &str {
        match host {
            Host::Api => &self.api_base,
            Host::Files => &self.files_base,
            Host::MeterEvents => &self.meter_events_base,
        }
    }

    /// The per-attempt timeout of a request with `opts`.
    pub(crate) fn timeout(&self, opts: &RequestOptions) -> Duration {
        opts.timeout.unwrap_or(self.timeout)
    }

    /// The retry policy of a request with `opts` (its `max_retries`, when set, replaces the
    /// client's).
    pub(crate) fn retry_policy(&self, opts: &RequestOptions) -> RetryPolicy {
        match opts.max_retries {
            Some(n) => self.retry.max_retries(n),
            None => self.retry,
        }
    }
}
