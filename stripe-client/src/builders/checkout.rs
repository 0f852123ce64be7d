//! `POST /v1/checkout/sessions`.

use super::{BuildError, CheckoutMode, PriceItem};
use stripe_types::rt::Metadata;
use stripe_types::{checkout_session::create::LineItems, CreateCheckoutSession};

/// A Checkout Session: the mode, the line items and where to send the customer.
/// `build()` gives the generated [`CreateCheckoutSession`].
///
/// ```
/// use stripe_client::builders::{CheckoutMode, CheckoutSessionBuilder};
///
/// let params = CheckoutSessionBuilder::new(CheckoutMode::Payment)
///     .line_item("price_tshirt", 2)
///     .line_item("price_mug", 1)
///     .success_url("https://example.com/thanks")
///     .cancel_url("https://example.com/cart")
///     .build()?;
/// assert_eq!(
///     stripe_client::encode::to_string(&params)?,
///     "cancel_url=https%3A%2F%2Fexample.com%2Fcart\
///      &line_items[0][price]=price_tshirt&line_items[0][quantity]=2\
///      &line_items[1][price]=price_mug&line_items[1][quantity]=1\
///      &mode=payment&success_url=https%3A%2F%2Fexample.com%2Fthanks"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CheckoutSessionBuilder {
    mode: CheckoutMode,
    line_items: Vec<PriceItem>,
    customer: Option<String>,
    customer_email: Option<String>,
    success_url: Option<String>,
    cancel_url: Option<String>,
    client_reference_id: Option<String>,
    metadata: Option<Metadata>,
}

impl CheckoutSessionBuilder {
    /// A session in `mode` (`payment`, `subscription` or `setup`). `payment` and
    /// `subscription` need at least one line item.
    pub fn new(mode: CheckoutMode) -> Self {
        CheckoutSessionBuilder {
            mode,
            line_items: Vec::new(),
            customer: None,
            customer_email: None,
            success_url: None,
            cancel_url: None,
            client_reference_id: None,
            metadata: None,
        }
    }

    /// Add a price with a quantity (`line_items[n][price]`, `line_items[n][quantity]`).
    pub fn line_item(mut self, price: impl Into<String>, quantity: u64) -> Self {
        self.line_items.push(PriceItem {
            price: price.into(),
            quantity: Some(quantity),
        });
        self
    }

    /// An existing customer (`customer`).
    pub fn customer(mut self, id: impl Into<String>) -> Self {
        self.customer = Some(id.into());
        self
    }

    /// Prefill the email field (`customer_email`).
    pub fn customer_email(mut self, email: impl Into<String>) -> Self {
        self.customer_email = Some(email.into());
        self
    }

    /// Where to send the customer after payment (`success_url`).
    pub fn success_url(mut self, url: impl Into<String>) -> Self {
        self.success_url = Some(url.into());
        self
    }

    /// Where the back button leads (`cancel_url`).
    pub fn cancel_url(mut self, url: impl Into<String>) -> Self {
        self.cancel_url = Some(url.into());
        self
    }

    /// Your reference for reconciling the session (`client_reference_id`).
    pub fn client_reference_id(mut self, id: impl Into<String>) -> Self {
        self.client_reference_id = Some(id.into());
        self
    }

    /// Key-value pairs attached to the session (`metadata`).
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        super::extend_metadata(&mut self.metadata, pairs);
        self
    }

    /// Check the required fields and build the request.
    pub fn build(self) -> Result<CreateCheckoutSession, BuildError> {
        let needs_items = matches!(
            self.mode,
            CheckoutMode::Payment | CheckoutMode::Subscription
        );
        if needs_items && self.line_items.is_empty() {
            return Err(BuildError::missing("line_items"));
        }
        if self.customer.is_some() && self.customer_email.is_some() {
            return Err(BuildError::invalid(
                "customer_email",
                "cannot be combined with `customer`",
            ));
        }
        let mut items = Vec::with_capacity(self.line_items.len());
        for (i, it) in self.line_items.iter().enumerate() {
            it.checked(|| format!("line_items[{i}].price"))?;
            let mut p = LineItems::new().price(it.price.clone());
            if let Some(q) = it.quantity_i64() {
                p = p.quantity(q);
            }
            items.push(p);
        }
        let mut req = CreateCheckoutSession::new().mode(self.mode);
        if !items.is_empty() {
            req = req.line_items(items);
        }
        if let Some(c) = self.customer {
            req = req.customer(c);
        }
        if let Some(e) = self.customer_email {
            req = req.customer_email(e);
        }
        if let Some(u) = self.success_url {
            req = req.success_url(u);
        }
        if let Some(u) = self.cancel_url {
            req = req.cancel_url(u);
        }
        if let Some(r) = self.client_reference_id {
            req = req.client_reference_id(r);
        }
        if let Some(m) = self.metadata {
            req = req.metadata(m);
        }
        Ok(req)
    }
}
