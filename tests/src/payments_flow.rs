use stripe_client::prelude::*;
use stripe_client::types::{
    setup_intent, ConfirmPaymentIntent, CreateCustomer, CreatePaymentIntent, CreateRefund,
    CreateSetupIntent, ListPaymentIntents, RetrievePaymentIntent,
};

/// What the payments flow leaves behind.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub customer: String,
    pub payment_intent: String,
    pub status: String,
    pub recent_payments: usize,
    pub setup_intent: String,
    pub refunded: i64,
}

/// The explorer's payments flow: a customer; a payment intent for them, read back, listed
/// and confirmed with a test card; a setup intent to charge them later; a partial refund.
pub async fn take_payment(client: &Client, email: &str, amount: i64) -> Result<Receipt, Error> {
    let customer = CreateCustomer::new().email(email).send(client).await?;
    let created = CreatePaymentIntent::new(amount, "usd")
        .customer(customer.id.as_str())
        .payment_method_types(["card"])
        .send(client)
        .await?;
    let intent = RetrievePaymentIntent::new(created.id.clone())
        .send(client)
        .await?;
    let recent = ListPaymentIntents::new().limit(3).send(client).await?;
    let confirmed = ConfirmPaymentIntent::new(&intent.id)
        .payment_method("pm_card_visa")
        .return_url("https://example.com/return")
        .send(client)
        .await?;
    let setup = CreateSetupIntent::new()
        .customer(customer.id.as_str())
        .usage(setup_intent::Usage::OffSession)
        .send(client)
        .await?;
    let refund = CreateRefund::new()
        .payment_intent(confirmed.id.as_str())
        .amount(amount / 4)
        .send(client)
        .await?;
    Ok(Receipt {
        customer: customer.id.to_string(),
        payment_intent: confirmed.id.to_string(),
        status: confirmed.status.to_string(),
        recent_payments: recent.data.len(),
        setup_intent: setup.id.to_string(),
        refunded: refund.amount,
    })
}
