//! A webhook endpoint with axum: verified, typed events routed by type.
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... STRIPE_THIN_WEBHOOK_SECRET=whsec_... STRIPE_SECRET_KEY=sk_test_... \
//!     cargo run -p stripe-client --example webhook_axum --features axum
//! stripe listen --forward-to localhost:4242/webhook
//! ```
//!
//! * `POST /webhook` takes v1 (snapshot) events and routes `payment_intent.succeeded`,
//!   `customer.subscription.deleted` and `invoice.payment_failed` through an
//!   [`EventHandler`]; everything else lands in its `fallback`.
//! * `POST /webhook/thin` takes v2 event notifications from an event destination; for
//!   `v1.billing.meter.error_report_triggered` it fetches the full event and logs the typed
//!   [`MeterErrorReport`](stripe_client::webhook::MeterErrorReport).

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use stripe_client::webhook::axum::{VerifiedEvent, VerifiedEventNotification, WebhookSecret};
use stripe_client::webhook::{dispatch, Event, EventHandler, EventNotificationType};
use stripe_client::Client;
use stripe_types::{Invoice, PaymentIntent, Subscription};

/// What the shop does with v1 events.
struct Shop;

impl EventHandler for Shop {
    type Error = String;

    async fn payment_intent_succeeded(&self, _: &Event, pi: &PaymentIntent) -> Result<(), String> {
        println!(
            "payment {} succeeded: {:?} {:?}",
            pi.id, pi.amount, pi.currency
        );
        Ok(())
    }

    async fn customer_subscription_deleted(
        &self,
        _: &Event,
        sub: &Subscription,
    ) -> Result<(), String> {
        println!("subscription {} ended; revoke access", sub.id);
        Ok(())
    }

    async fn invoice_payment_failed(&self, _: &Event, invoice: &Invoice) -> Result<(), String> {
        println!("invoice {:?} failed to pay; email the customer", invoice.id);
        Ok(())
    }

    async fn fallback(&self, event: &Event) -> Result<(), String> {
        println!("ignoring {} ({})", event.type_, event.id);
        Ok(())
    }
}

async fn v1_webhook(VerifiedEvent(event): VerifiedEvent) -> StatusCode {
    match dispatch(&event, &Shop).await {
        Ok(()) => StatusCode::OK,
        // A non-2xx answer makes Stripe retry the delivery later.
        Err(e) => {
            eprintln!("handling {} failed: {e}", event.id);
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// State of the thin-event route: its own signing secret and an API client to fetch with.
#[derive(Clone)]
struct ThinState {
    secret: WebhookSecret,
    client: Client,
}

impl FromRef<ThinState> for WebhookSecret {
    fn from_ref(s: &ThinState) -> WebhookSecret {
        s.secret.clone()
    }
}

async fn thin_webhook(
    State(state): State<ThinState>,
    VerifiedEventNotification(notification): VerifiedEventNotification,
) -> StatusCode {
    match notification.type_ {
        EventNotificationType::V1BillingMeterErrorReportTriggered => {
            let event = match notification.fetch_event(&state.client).await {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("fetching {} failed: {e}", notification.id);
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
            };
            match event.meter_error_report() {
                Ok(Some(report)) => {
                    println!(
                        "meter {:?}: {} ({} errors)",
                        report.meter_id,
                        report.summary(),
                        report.error_count()
                    );
                    for group in report.errors() {
                        let sample = group
                            .sample_errors
                            .first()
                            .map(|s| s.error_message.as_str());
                        println!("  {}: {} e.g. {:?}", group.code, group.error_count, sample);
                    }
                }
                Ok(None) => {}
                Err(e) => eprintln!("unexpected report shape: {e}"),
            }
        }
        other => println!("ignoring thin event {other} ({})", notification.id),
    }
    StatusCode::OK
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
}

/// The signing secret in `name`, checked at start-up: an empty, blank or untrimmed secret
/// stops the app here instead of letting forged events in (or turning real ones away).
fn webhook_secret(name: &str) -> WebhookSecret {
    WebhookSecret::new(env(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::main]
async fn main() {
    let v1 = Router::new()
        .route("/webhook", post(v1_webhook))
        .with_state(webhook_secret("STRIPE_WEBHOOK_SECRET"));
    let thin = Router::new()
        .route("/webhook/thin", post(thin_webhook))
        .with_state(ThinState {
            secret: webhook_secret("STRIPE_THIN_WEBHOOK_SECRET"),
            client: Client::new(env("STRIPE_SECRET_KEY")).expect("a valid API key"),
        });
    let app = v1.merge(thin);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:4242")
        .await
        .expect("bind 127.0.0.1:4242");
    println!("listening on http://127.0.0.1:4242 (POST /webhook, POST /webhook/thin)");
    axum::serve(listener, app).await.expect("server");
}
