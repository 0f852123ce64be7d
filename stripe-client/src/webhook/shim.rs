//! Temporary stand-ins for `stripe_types::EventType` and `stripe_types::EventObject`, of the
//! exact shape the generator will emit, until `stripe-types/src/generated` provides them.
#![allow(missing_docs)]

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! event_types {
    ($($v:ident => $s:literal,)*) => {
        /// The type of a webhook event (open: unknown types are kept in `Unknown`).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventType {
            $($v,)*
            Unknown(String),
        }
        impl EventType {
            pub const ALL: &'static [EventType] = &[$(EventType::$v,)*];
            pub fn as_str(&self) -> &str {
                match self { $(EventType::$v => $s,)* EventType::Unknown(s) => s }
            }
        }
        impl FromStr for EventType {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s { $($s => EventType::$v,)* other => EventType::Unknown(other.to_owned()) })
            }
        }
    };
}

event_types! {
    ChargeDisputeCreated => "charge.dispute.created",
    ChargeRefunded => "charge.refunded",
    ChargeSucceeded => "charge.succeeded",
    CheckoutSessionCompleted => "checkout.session.completed",
    CustomerCreated => "customer.created",
    CustomerDeleted => "customer.deleted",
    CustomerUpdated => "customer.updated",
    CustomerSubscriptionTrialWillEnd => "customer.subscription.trial_will_end",
    InvoiceFinalized => "invoice.finalized",
    InvoicePaymentSucceeded => "invoice.payment_succeeded",
    SetupIntentSucceeded => "setup_intent.succeeded",
    CustomerSubscriptionCreated => "customer.subscription.created",
    CustomerSubscriptionDeleted => "customer.subscription.deleted",
    CustomerSubscriptionUpdated => "customer.subscription.updated",
    InvoicePaid => "invoice.paid",
    InvoicePaymentFailed => "invoice.payment_failed",
    PaymentIntentPaymentFailed => "payment_intent.payment_failed",
    PaymentIntentSucceeded => "payment_intent.succeeded",
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        stripe_types::rt::de::str_enum(d)
    }
}

macro_rules! shim_object {
    ($($t:ident,)*) => {$(
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $t {
            pub id: String,
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    )*};
}
shim_object!(PaymentIntent, Customer, Subscription, Invoice, BillingMeter, Charge, Dispute, CheckoutSession, SetupIntent,);

/// The object of an event, chosen by its own `object` field.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventObject {
    PaymentIntent(Box<PaymentIntent>),
    Customer(Box<Customer>),
    Subscription(Box<Subscription>),
    Invoice(Box<Invoice>),
    BillingMeter(Box<BillingMeter>),
    Charge(Box<Charge>),
    Dispute(Box<Dispute>),
    CheckoutSession(Box<CheckoutSession>),
    SetupIntent(Box<SetupIntent>),
    Unknown(serde_json::Value),
}

impl EventObject {
    pub fn object_name(&self) -> Option<&str> {
        Some(match self {
            EventObject::PaymentIntent(_) => "payment_intent",
            EventObject::Customer(_) => "customer",
            EventObject::Subscription(_) => "subscription",
            EventObject::Invoice(_) => "invoice",
            EventObject::BillingMeter(_) => "billing.meter",
            EventObject::Charge(_) => "charge",
            EventObject::Dispute(_) => "dispute",
            EventObject::CheckoutSession(_) => "checkout.session",
            EventObject::SetupIntent(_) => "setup_intent",
            EventObject::Unknown(v) => return v.get("object").and_then(|o| o.as_str()),
        })
    }
}

impl Serialize for EventObject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EventObject::PaymentIntent(o) => o.serialize(s),
            EventObject::Customer(o) => o.serialize(s),
            EventObject::Subscription(o) => o.serialize(s),
            EventObject::Invoice(o) => o.serialize(s),
            EventObject::BillingMeter(o) => o.serialize(s),
            EventObject::Charge(o) => o.serialize(s),
            EventObject::Dispute(o) => o.serialize(s),
            EventObject::CheckoutSession(o) => o.serialize(s),
            EventObject::SetupIntent(o) => o.serialize(s),
            EventObject::Unknown(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for EventObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        fn boxed<T: serde::de::DeserializeOwned>(
            v: &serde_json::Value,
            f: fn(Box<T>) -> EventObject,
        ) -> Option<EventObject> {
            T::deserialize(v).ok().map(|t| f(Box::new(t)))
        }
        let typed = match v.get("object").and_then(|o| o.as_str()) {
            Some("payment_intent") => boxed(&v, EventObject::PaymentIntent),
            Some("customer") => boxed(&v, EventObject::Customer),
            Some("subscription") => boxed(&v, EventObject::Subscription),
            Some("invoice") => boxed(&v, EventObject::Invoice),
            Some("billing.meter") => boxed(&v, EventObject::BillingMeter),
            Some("charge") => boxed(&v, EventObject::Charge),
            Some("dispute") => boxed(&v, EventObject::Dispute),
            Some("checkout.session") => boxed(&v, EventObject::CheckoutSession),
            Some("setup_intent") => boxed(&v, EventObject::SetupIntent),
            _ => None,
        };
        Ok(typed.unwrap_or(EventObject::Unknown(v)))
    }
}
