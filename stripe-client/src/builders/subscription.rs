//! `POST /v1/subscriptions`.

use super::{BuildError, PriceItem};
use stripe_types::rt::Metadata;
use stripe_types::{subscription::create::Items, CreateSubscription};

/// A subscription: a customer and the prices they subscribe to. `build()` gives the
/// generated [`CreateSubscription`].
///
/// ```
/// use stripe_client::builders::SubscriptionBuilder;
///
/// let params = SubscriptionBuilder::new()
///     .customer("cus_123")
///     .item("price_seat", 5)
///     .item("price_support", 1)
///     .trial_period_days(14)
///     .build()?;
/// assert_eq!(
///     stripe_client::encode::to_string(&params)?,
///     "customer=cus_123&items[0][price]=price_seat&items[0][quantity]=5\
///      &items[1][price]=price_support&items[1][quantity]=1&trial_period_days=14"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SubscriptionBuilder {
    customer: Option<String>,
    items: Vec<PriceItem>,
    trial_period_days: Option<u32>,
    default_payment_method: Option<String>,
    metadata: Option<Metadata>,
}

impl SubscriptionBuilder {
    /// An empty subscription; `customer` and at least one item are required.
    pub fn new() -> Self {
        Self::default()
    }

    /// The customer to subscribe (`customer`). Required.
    pub fn customer(mut self, id: impl Into<String>) -> Self {
        self.customer = Some(id.into());
        self
    }

    /// Add a price with a quantity (`items[n][price]`, `items[n][quantity]`).
    pub fn item(mut self, price: impl Into<String>, quantity: u64) -> Self {
        self.items.push(PriceItem {
            price: price.into(),
            quantity: Some(quantity),
        });
        self
    }

    /// Free trial length in days (`trial_period_days`).
    pub fn trial_period_days(mut self, days: u32) -> Self {
        self.trial_period_days = Some(days);
        self
    }

    /// The payment method to charge (`default_payment_method`).
    pub fn default_payment_method(mut self, pm: impl Into<String>) -> Self {
        self.default_payment_method = Some(pm.into());
        self
    }

    /// Key-value pairs attached to the subscription (`metadata`).
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        super::extend_metadata(&mut self.metadata, pairs);
        self
    }

    /// Check the required fields and build the request.
    pub fn build(self) -> Result<CreateSubscription, BuildError> {
        let customer = super::required_id(self.customer, "customer")?;
        if self.items.is_empty() {
            return Err(BuildError::missing("items"));
        }
        let mut items = Vec::with_capacity(self.items.len());
        for (i, it) in self.items.iter().enumerate() {
            it.checked(|| format!("items[{i}].price"))?;
            let mut p = Items::new().price(it.price.clone());
            if let Some(q) = it.quantity_i64() {
                p = p.quantity(q);
            }
            items.push(p);
        }
        let mut req = CreateSubscription::new().customer(customer).items(items);
        if let Some(d) = self.trial_period_days {
            req = req.trial_period_days(i64::from(d));
        }
        if let Some(pm) = self.default_payment_method {
            req = req.default_payment_method(pm);
        }
        if let Some(m) = self.metadata {
            req = req.metadata(m);
        }
        Ok(req)
    }
}
