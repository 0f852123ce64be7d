//! The comparison sample app, written with this SDK (`theirs/` is the same app with
//! async-stripe; keep the two in step).
//!
//! A small, realistic integration: customers (create, retrieve, list), a payment intent
//! (create, confirm), a setup intent, a refund, a product with a monthly price, a
//! subscription, a billing meter with one meter event (`POST /v1/billing/meter_events`) and
//! webhook verification (`construct_event` on a signed `payment_intent.succeeded` delivery).
//!
//! ```text
//! stripe-mock -http-port 12111 &
//! STRIPE_BASE_URL=http://127.0.0.1:12111 cargo run --release
//! ```
//!
//! `STRIPE_API_KEY` defaults to `sk_test_123` (what stripe-mock accepts); `STRIPE_BASE_URL`
//! defaults to `http://127.0.0.1:12111`. Never point it at the live API with a live key.

use std::collections::BTreeMap;
use stripe_client::prelude::*;
use stripe_client::types::rt::{Secret, Timestamp};
use stripe_client::types::*;
use stripe_client::webhook::{EventObject, Webhook};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// A realistic, fully populated payment intent (shared with `theirs/` and `headtohead/`).
const PAYMENT_INTENT: &str = include_str!("../../payment_intent.json");
const WEBHOOK_SECRET: &str = "whsec_sample_app_secret";

/// A `payment_intent.succeeded` delivery as Stripe would POST it.
fn webhook_body(created: i64) -> String {
    format!(
        r#"{{"id":"evt_sample_{created}","object":"event","api_version":"2026-01-28.clover","created":{created},"livemode":false,"pending_webhooks":1,"request":{{"id":null,"idempotency_key":null}},"type":"payment_intent.succeeded","data":{{"object":{PAYMENT_INTENT}}}}}"#
    )
}

#[tokio::main]
async fn main() -> Result<()> {
    let key = std::env::var("STRIPE_API_KEY").unwrap_or_else(|_| "sk_test_123".into());
    let base = std::env::var("STRIPE_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:12111".into());
    let client = Client::builder(key)
        .base_url(base.trim_end_matches('/'))
        .build()?;
    let run = Timestamp::now().seconds();

    // Customers.
    let metadata: BTreeMap<String, String> = [("order_id".to_owned(), "6735".to_owned())].into();
    let customer = CreateCustomer::new()
        .email("jenny.rosen@example.com")
        .name("Jenny Rosen")
        .metadata(metadata)
        .send(&client)
        .await?;
    println!("customer {}", customer.id);
    match RetrieveCustomer::new(customer.id.clone())
        .send(&client)
        .await?
    {
        CustomerOrDeletedCustomer::Customer(c) => println!("retrieved {} {:?}", c.id, c.email),
        _ => println!("retrieved a deleted customer"),
    }
    let customers = ListCustomers::new().limit(3).send(&client).await?;
    println!(
        "listed {} customers (has_more {})",
        customers.data.len(),
        customers.has_more
    );

    // Payments: a payment intent, confirmed; a setup intent; a partial refund.
    let pi = CreatePaymentIntent::new(2000, "usd")
        .customer(customer.id.as_str())
        .send(&client)
        .await?;
    let pi = ConfirmPaymentIntent::new(pi.id.to_string())
        .payment_method("pm_card_visa")
        .return_url("https://example.com/return")
        .send(&client)
        .await?;
    println!("payment intent {} {}", pi.id, pi.status);
    let si = CreateSetupIntent::new()
        .customer(customer.id.as_str())
        .usage(setup_intent::Usage::OffSession)
        .send(&client)
        .await?;
    println!("setup intent {} {}", si.id, si.status);
    let refund = CreateRefund::new()
        .payment_intent(pi.id.as_str())
        .amount(500)
        .send(&client)
        .await?;
    println!("refund {} {} {}", refund.id, refund.amount, refund.currency);

    // Billing: product, monthly price, subscription.
    let product = CreateProduct::new("Sample Pro").send(&client).await?;
    let price = CreatePrice::new("usd")
        .product(product.id.as_str())
        .unit_amount(1500)
        .recurring(price::create::Recurring::new(
            subscription::RecurringInterval::Month,
        ))
        .send(&client)
        .await?;
    println!("product {} price {}", product.id, price.id);
    let sub = CreateSubscription::new()
        .customer(customer.id.as_str())
        .items([subscription::create::Items::new()
            .price(price.id.as_str())
            .quantity(1)])
        .send(&client)
        .await?;
    println!("subscription {} {}", sub.id, sub.status);

    // Usage-based billing: a meter and one event (v1 endpoint).
    let event_name = format!("sample_api_calls_{run}");
    let meter = CreateBillingMeter::new(CreateBillingMeterArgs {
        default_aggregation: billing_meter::create::DefaultAggregation::new(billing_meter::Formula::Sum),
        display_name: "API calls".into(),
        event_name: event_name.clone(),
    })
    .customer_mapping(billing_meter::create::CustomerMapping::new(
        "stripe_customer_id",
        billing_meter::Type::ById,
    ))
    .value_settings(billing_meter::create::ValueSettings::new("value"))
    .send(&client)
    .await?;
    let payload: BTreeMap<String, String> = [
        ("stripe_customer_id".to_owned(), customer.id.to_string()),
        ("value".to_owned(), "25".to_owned()),
    ]
    .into();
    let meter_event = CreateBillingMeterEvent::new(event_name, Secret::new(payload))
        .identifier(format!("sample-{run}"))
        .send(&client)
        .await?;
    println!("meter {} event {}", meter.id, meter_event.identifier);

    // Webhooks: verify a signed delivery and route on its typed object.
    let body = webhook_body(run);
    let header =
        Webhook::generate_test_signature(body.as_bytes(), WEBHOOK_SECRET, Timestamp::now());
    let event = Webhook::construct_event(body.as_bytes(), &header, WEBHOOK_SECRET)?;
    match &event.data.object {
        EventObject::PaymentIntent(pi) => {
            println!("webhook {}: paid {} ({:?})", event.type_, pi.id, pi.amount)
        }
        EventObject::Invoice(inv) => println!("webhook {}: invoice {:?}", event.type_, inv.id),
        _ => println!("webhook {}: ignored", event.type_),
    }
    println!("sample-ours: ok");
    Ok(())
}
