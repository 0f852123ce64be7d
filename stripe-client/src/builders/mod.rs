//! Builders for the nested parameters that read poorly as plain setters.
//!
//! The generated parameter structs already read like the call for flat requests
//! (`CreateCustomer::new().email("jenny@example.com")`). Three requests nest deeply enough to
//! deserve a builder on top of them — each builds the generated struct, so everything the
//! generated type offers (`expand`, `metadata`, ...) stays available on the result:
//!
//! - [`SubscriptionScheduleBuilder`] (with [`PhaseBuilder`]) → `CreateSubscriptionSchedule`
//! - [`SubscriptionBuilder`] → `CreateSubscription`
//! - [`CheckoutSessionBuilder`] → `CreateCheckoutSession`
//!
//! A builder that lacks a field the API requires returns a [`BuildError`] naming it, in the
//! API's own bracket notation (`phases[0].items`), from `build()` — before anything is sent.
//!
//! ```
//! # #[cfg(feature = "billing")] {
//! use stripe_client::builders::{EndBehavior, Interval, PhaseBuilder, StartDate, SubscriptionScheduleBuilder};
//!
//! let params = SubscriptionScheduleBuilder::new()
//!     .customer("cus_123")
//!     .start_date(StartDate::Now)
//!     .end_behavior(EndBehavior::Release)
//!     .phase(PhaseBuilder::new().item("price_basic", 1).iterations(12, Interval::Month))
//!     .build()
//!     .unwrap();
//! assert_eq!(params.customer.as_ref().map(|c| c.as_str()), Some("cus_123"));
//!
//! let err = SubscriptionScheduleBuilder::new().customer("cus_123").build().unwrap_err();
//! assert_eq!(err.field(), "phases");
//! # }
//! ```
//!
// Where a feature leaves a builder out, its link above points at docs.rs.
#![cfg_attr(
    not(feature = "checkout"),
    doc = concat!("[`CheckoutSessionBuilder`]: ", docs_rs!("builders/struct.CheckoutSessionBuilder.html"))
)]
// (The subscription builders need `billing`.)
#![cfg_attr(
    not(feature = "billing"),
    doc = concat!("[`SubscriptionScheduleBuilder`]: ", docs_rs!("builders/struct.SubscriptionScheduleBuilder.html")),
    doc = concat!("[`PhaseBuilder`]: ", docs_rs!("builders/struct.PhaseBuilder.html")),
    doc = concat!("[`SubscriptionBuilder`]: ", docs_rs!("builders/struct.SubscriptionBuilder.html"))
)]

#[cfg(feature = "checkout")]
mod checkout;
#[cfg(feature = "billing")]
mod subscription;
#[cfg(feature = "billing")]
mod subscription_schedule;

#[cfg(feature = "checkout")]
pub use checkout::CheckoutSessionBuilder;
#[cfg(feature = "checkout")]
pub use stripe_types::checkout_session::Mode as CheckoutMode;
#[cfg(feature = "billing")]
pub use stripe_types::subscription_schedule::EndBehavior;
#[cfg(feature = "billing")]
pub use stripe_types::subscription_schedule::Interval;
#[cfg(feature = "billing")]
pub use subscription::SubscriptionBuilder;
#[cfg(feature = "billing")]
pub use subscription_schedule::{PhaseBuilder, StartDate, SubscriptionScheduleBuilder};

use std::fmt;

/// A builder was asked to `build()` without a field the API requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    field: String,
    reason: &'static str,
}

impl BuildError {
    #[cfg(any(feature = "billing", feature = "checkout"))]
    pub(crate) fn missing(field: impl Into<String>) -> Self {
        BuildError {
            field: field.into(),
            reason: "is required",
        }
    }

    #[cfg(any(feature = "billing", feature = "checkout"))]
    pub(crate) fn invalid(field: impl Into<String>, reason: &'static str) -> Self {
        BuildError {
            field: field.into(),
            reason,
        }
    }

    /// The parameter, in the API's notation (`customer`, `phases[0].items[1].price`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why it was rejected (`"is required"`, ...).
    pub fn reason(&self) -> &str {
        self.reason
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.reason)
    }
}

impl std::error::Error for BuildError {}

impl From<BuildError> for crate::Error {
    fn from(e: BuildError) -> Self {
        crate::Error::Validation(e.to_string())
    }
}

/// One price and quantity (shared by the builders).
#[cfg(any(feature = "billing", feature = "checkout"))]
#[derive(Debug, Clone)]
pub(crate) struct PriceItem {
    pub(crate) price: String,
    pub(crate) quantity: Option<u64>,
}

#[cfg(any(feature = "billing", feature = "checkout"))]
impl PriceItem {
    /// The price id, rejected when blank.
    pub(crate) fn checked(&self, field: impl Fn() -> String) -> Result<(), BuildError> {
        if self.price.trim().is_empty() {
            return Err(BuildError::missing(field()));
        }
        Ok(())
    }

    pub(crate) fn quantity_i64(&self) -> Option<i64> {
        self.quantity.map(|q| i64::try_from(q).unwrap_or(i64::MAX))
    }
}

/// Merge key-value pairs into a builder's `metadata` (shared by the builders' `metadata`).
#[cfg(any(feature = "billing", feature = "checkout"))]
pub(crate) fn extend_metadata<K: Into<String>, V: Into<String>>(
    slot: &mut Option<stripe_types::Metadata>,
    pairs: impl IntoIterator<Item = (K, V)>,
) {
    let m = slot.get_or_insert_with(stripe_types::Metadata::new);
    for (k, v) in pairs {
        m.insert(k.into(), v.into());
    }
}

/// A required id, rejected when absent or blank.
#[cfg(feature = "billing")]
pub(crate) fn required_id(value: Option<String>, field: &str) -> Result<String, BuildError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(BuildError::missing(field)),
    }
}
