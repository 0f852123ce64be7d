//! Routing events to per-type handler methods.

use super::types::{self, EventObject, EventType};
use super::Event;
use std::future::Future;

macro_rules! handlers {
    ($( $evt_str:literal $method:ident: $evt:ident => $obj:ident, )*) => {
        /// Per-type handlers for common events, with a [`fallback`](EventHandler::fallback) for
        /// everything else. Every method defaults to calling `fallback`, which defaults to
        /// doing nothing, so implement only what you handle. Run it with [`dispatch`].
        ///
        /// A method is called when the event's type matches *and* its object decoded into
        /// the expected type; otherwise the event goes to `fallback`.
        ///
        /// ```
        /// use stripe_client::webhook::{dispatch, Event, EventHandler};
        /// use stripe_types::PaymentIntent;
        ///
        /// struct Shop;
        /// impl EventHandler for Shop {
        ///     type Error = std::convert::Infallible;
        ///     async fn payment_intent_succeeded(&self, _: &Event, pi: &PaymentIntent) -> Result<(), Self::Error> {
        ///         println!("paid: {}", pi.id);
        ///         Ok(())
        ///     }
        /// }
        /// # async fn run(event: Event) { dispatch(&event, &Shop).await.unwrap(); }
        /// ```
        pub trait EventHandler: Sync {
            /// What the handlers fail with.
            type Error: Send;

            $(
                #[doc = concat!("`", $evt_str, "`.")]
                fn $method(
                    &self,
                    event: &Event,
                    object: &types::$obj,
                ) -> impl Future<Output = Result<(), Self::Error>> + Send {
                    let _ = object;
                    self.fallback(event)
                }
            )*

            /// Every event no other method took. Does nothing by default.
            fn fallback(&self, event: &Event) -> impl Future<Output = Result<(), Self::Error>> + Send {
                let _ = event;
                async { Ok(()) }
            }
        }

        /// Route `event` to the matching method of `handler` (or its `fallback`).
        pub async fn dispatch<H: EventHandler>(event: &Event, handler: &H) -> Result<(), H::Error> {
            match (&event.type_, &event.data.object) {
                $( (EventType::$evt, EventObject::$obj(o)) => handler.$method(event, o).await, )*
                _ => handler.fallback(event).await,
            }
        }
    };
}

handlers! {
    "charge.dispute.created" charge_dispute_created: ChargeDisputeCreated => Dispute,
    "charge.refunded" charge_refunded: ChargeRefunded => Charge,
    "charge.succeeded" charge_succeeded: ChargeSucceeded => Charge,
    "customer.created" customer_created: CustomerCreated => Customer,
    "customer.deleted" customer_deleted: CustomerDeleted => Customer,
    "customer.updated" customer_updated: CustomerUpdated => Customer,
    "customer.subscription.created" customer_subscription_created: CustomerSubscriptionCreated => Subscription,
    "customer.subscription.deleted" customer_subscription_deleted: CustomerSubscriptionDeleted => Subscription,
    "customer.subscription.trial_will_end" customer_subscription_trial_will_end: CustomerSubscriptionTrialWillEnd => Subscription,
    "customer.subscription.updated" customer_subscription_updated: CustomerSubscriptionUpdated => Subscription,
    "invoice.finalized" invoice_finalized: InvoiceFinalized => Invoice,
    "invoice.paid" invoice_paid: InvoicePaid => Invoice,
    "invoice.payment_failed" invoice_payment_failed: InvoicePaymentFailed => Invoice,
    "invoice.payment_succeeded" invoice_payment_succeeded: InvoicePaymentSucceeded => Invoice,
    "payment_intent.payment_failed" payment_intent_payment_failed: PaymentIntentPaymentFailed => PaymentIntent,
    "payment_intent.succeeded" payment_intent_succeeded: PaymentIntentSucceeded => PaymentIntent,
    "setup_intent.succeeded" setup_intent_succeeded: SetupIntentSucceeded => SetupIntent,
}
