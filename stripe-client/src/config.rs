//! The client's constants and who is calling ([`AppInfo`]): shared state at the bottom of the
//! crate, which imports nothing of the crate. Re-exported at the crate root.

use std::time::Duration;

/// The API version this crate's types were generated from; sent as `Stripe-Version`.
pub use stripe_types::API_VERSION;
/// This crate's version (in `User-Agent`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// `https://api.stripe.com`
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
/// `https://files.stripe.com`
pub const DEFAULT_FILES_BASE: &str = "https://files.stripe.com";
/// `https://meter-events.stripe.com`
pub const DEFAULT_METER_EVENTS_BASE: &str = "https://meter-events.stripe.com";
/// Default per-attempt timeout (as the official SDKs: 80 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(80);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default response size limit: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// Longest accepted idempotency key.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Who is calling: sent in `User-Agent` and `X-Stripe-Client-User-Agent` (for plugins).
///
/// It serializes as the header's `application` object: `name`, and each of the others that is
/// set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    /// The plugin's name.
    pub name: String,
    /// Its version.
    pub version: Option<String>,
    /// Its URL.
    pub url: Option<String>,
    /// A Stripe partner id.
    pub partner_id: Option<String>,
}

impl serde::Serialize for AppInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let optional = [
            ("version", &self.version),
            ("url", &self.url),
            ("partner_id", &self.partner_id),
        ];
        let len = 1 + optional.iter().filter(|(_, v)| v.is_some()).count();
        let mut st = s.serialize_struct("AppInfo", len)?;
        st.serialize_field("name", &self.name)?;
        for (key, v) in optional {
            match v {
                Some(v) => st.serialize_field(key, v)?,
                None => st.skip_field(key)?,
            }
        }
        st.end()
    }
}

impl AppInfo {
    /// App info with a name.
    pub fn new(name: impl Into<String>) -> Self {
        AppInfo {
            name: name.into(),
            version: None,
            url: None,
            partner_id: None,
        }
    }
    /// Set the version.
    pub fn version(mut self, v: impl Into<String>) -> Self {
        self.version = Some(v.into());
        self
    }
    /// Set the URL.
    pub fn url(mut self, u: impl Into<String>) -> Self {
        self.url = Some(u.into());
        self
    }
    /// Set the partner id.
    pub fn partner_id(mut self, p: impl Into<String>) -> Self {
        self.partner_id = Some(p.into());
        self
    }
    /// `Name/Version (URL)` as appended to `User-Agent`.
    pub fn user_agent_suffix(&self) -> String {
        let mut s = self.name.clone();
        if let Some(v) = &self.version {
            s.push('/');
            s.push_str(v);
        }
        if let Some(u) = &self.url {
            s.push_str(" (");
            s.push_str(u);
            s.push(')');
        }
        s
    }
}

/// `sk_test_…1234`: at most the last four characters of a key.
pub(crate) fn redact_key(key: &str) -> String {
    let n = key.chars().count();
    if n < 12 {
        return "[redacted]".to_owned();
    }
    let prefix = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
        .into_iter()
        .find(|p| key.starts_with(p))
        .unwrap_or("");
    let last4: String = key.chars().skip(n - 4).collect();
    format!("{prefix}…{last4}")
}
