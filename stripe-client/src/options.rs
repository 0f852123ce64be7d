//! Per-request options.

use std::time::Duration;

/// Options for one request (and every page of a paginated stream).
///
/// ```
/// use stripe_client::RequestOptions;
/// let opts = RequestOptions::new()
///     .idempotency_key("order-6735")
///     .stripe_account("acct_123")
///     .expand(["customer"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// `Idempotency-Key` (≤ 255 characters); generated for POSTs and v2 DELETEs when unset.
    pub idempotency_key: Option<String>,
    /// `Stripe-Account`: act as a connected account.
    pub stripe_account: Option<String>,
    /// `Stripe-Context`: an account path such as `acct_1/acct_1a`.
    pub stripe_context: Option<String>,
    /// `Stripe-Version` for this request instead of the client's.
    pub stripe_version: Option<String>,
    /// The per-attempt timeout instead of the client's.
    pub timeout: Option<Duration>,
    /// The number of retries instead of the client's.
    pub max_retries: Option<u32>,
    /// Fields to expand, sent as `expand[i]` after any the request already has.
    pub expand: Vec<String>,
    /// Extra headers (name, value), sent as given.
    pub headers: Vec<(String, String)>,
}

impl RequestOptions {
    /// No options.
    pub fn new() -> Self {
        RequestOptions::default()
    }
    /// Set the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Act as a connected account.
    pub fn stripe_account(mut self, account: impl Into<String>) -> Self {
        self.stripe_account = Some(account.into());
        self
    }
    /// Set the `Stripe-Context` header.
    pub fn stripe_context(mut self, context: impl Into<String>) -> Self {
        self.stripe_context = Some(context.into());
        self
    }
    /// Use another API version for this request.
    pub fn stripe_version(mut self, version: impl Into<String>) -> Self {
        self.stripe_version = Some(version.into());
        self
    }
    /// Per-attempt timeout instead of the client's (see
    /// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Number of automatic retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }
    /// Expand these fields (added to any the request already asks for).
    pub fn expand<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expand.extend(fields.into_iter().map(Into::into));
        self
    }
    /// Add a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}
