//! The sections. Each returns `Err(what did not behave as expected)`.

use crate::print::{note, table, tree};
use crate::Tour;
use std::time::Duration;
use stripe_client::batch::{Batch, BatchError};
use stripe_client::builders::{
    EndBehavior, Interval, PhaseBuilder, StartDate, SubscriptionScheduleBuilder,
};
use stripe_client::meter::{GuardKind, MeterBuilder, MeterEvent, MeterEventAdjustment};
use stripe_client::prelude::*;
use stripe_client::webhook::{dispatch, Event, EventHandler, EventObject, Webhook, WebhookError};
use stripe_client::{ApiErrorKind, AppInfo, Client, Error};
use stripe_types::rt::{Expandable, FileUpload, Timestamp};
use stripe_types::*;

type R = Result<(), String>;
/// A bad delivery: what it is, what `construct_event` said, the error expected.
type Case<'a> = (
    &'a str,
    Result<Event, WebhookError>,
    fn(&WebhookError) -> bool,
);

fn fail(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

/// Setup: building the client.
pub async fn setup(t: &mut Tour) -> R {
    let b = call!(Client::builder(t.api_key.clone())
        .max_retries(2)
        .timeout(Duration::from_secs(30))
        .app_info(AppInfo::new("stripe-rs-explorer").version(stripe_client::VERSION)));
    note(&format!("base URL {}", t.base_url));
    let b = if t.mock {
        // stripe-mock serves the API, files and meter-events hosts on one port.
        call!(b.base_url(t.base_url.clone()))
    } else {
        call!(b.api_base(t.base_url.clone()))
    };
    let client = call!(b.build()).map_err(|e| fail("build", e))?;
    note(&format!(
        "API version {} · stripe-client {}",
        client.api_version(),
        stripe_client::VERSION
    ));
    note(
        &format!("client (Debug, key redacted): {client:?}")
            .chars()
            .take(160)
            .collect::<String>(),
    );
    t.client = Some(client);
    Ok(())
}

/// Payments: customer, payment intent create/retrieve/list/confirm, a typed error, setup
/// intent, refund.
pub async fn payments(t: &mut Tour) -> R {
    let client = t.client()?.clone();

    let customer = call!(CreateCustomer::new()
        .email("jenny.rosen@example.com")
        .name("Jenny Rosen")
        .send(&client))
    .await
    .map_err(|e| fail("create customer", e))?;
    tree(&format!("Customer {}", customer.id), &customer);
    t.customer = Some(customer.id.to_string());

    let pi = call!(CreatePaymentIntent::new(2000, "usd")
        .customer(customer.id.as_str())
        .payment_method_types(["card"])
        .send(&client))
    .await
    .map_err(|e| fail("create payment intent", e))?;
    tree(&format!("PaymentIntent {}", pi.id), &pi);

    let again = call!(RetrievePaymentIntent::new(pi.id.clone()).send(&client))
        .await
        .map_err(|e| fail("retrieve payment intent", e))?;
    note(&format!(
        "retrieved {} · status {} · client_secret {:?}",
        again.id, again.status, again.client_secret
    ));

    let list = call!(ListPaymentIntents::new().limit(3).send(&client))
        .await
        .map_err(|e| fail("list payment intents", e))?;
    table(
        &["id", "amount", "currency", "status"],
        list.data
            .iter()
            .map(|p| {
                vec![
                    p.id.to_string(),
                    p.amount.map(|a| a.to_string()).unwrap_or_default(),
                    p.currency.clone().unwrap_or_default(),
                    p.status.to_string(),
                ]
            })
            .collect(),
    );

    let confirmed = call!(ConfirmPaymentIntent::new(&pi.id)
        .payment_method("pm_card_visa")
        .return_url("https://example.com/return")
        .send(&client))
    .await
    .map_err(|e| fail("confirm payment intent", e))?;
    note(&format!(
        "confirmed {} · status {}",
        confirmed.id, confirmed.status
    ));
    t.payment_intent = Some(confirmed.id.to_string());

    note("a bad request: a capture method the API does not know");
    let bad = call!(CreatePaymentIntent::new(2000, "usd")
        .capture_method(payment_intent::CaptureMethod::Unknown("sometimes".into()))
        .send(&client))
    .await;
    match bad {
        Err(Error::Api(e)) if e.kind == ApiErrorKind::InvalidRequest => {
            note(&format!(
                "Error::Api · kind {:?} · status {} · type {} · param {} · request id {}",
                e.kind,
                e.status,
                e.error_type.as_ref().map(|t| t.as_str()).unwrap_or("-"),
                e.param.as_deref().unwrap_or("-"),
                e.request_id.as_deref().unwrap_or("-"),
            ));
            note(&format!(
                "message: {}",
                e.message
                    .as_deref()
                    .unwrap_or("-")
                    .chars()
                    .take(110)
                    .collect::<String>()
            ));
        }
        Err(other) => {
            return Err(fail(
                "the bad request failed differently than expected",
                other,
            ))
        }
        Ok(_) => return Err("the bad request succeeded".into()),
    }

    let si = call!(CreateSetupIntent::new()
        .customer(customer.id.as_str())
        .usage(setup_intent::Usage::OffSession)
        .send(&client))
    .await
    .map_err(|e| fail("create setup intent", e))?;
    let si = call!(RetrieveSetupIntent::new(si.id.clone()).send(&client))
        .await
        .map_err(|e| fail("retrieve setup intent", e))?;
    tree(&format!("SetupIntent {}", si.id), &si);

    let refund = call!(CreateRefund::new()
        .payment_intent(confirmed.id.as_str())
        .amount(500)
        .send(&client))
    .await
    .map_err(|e| fail("refund", e))?;
    note(&format!(
        "refund {} · {} {} · status {:?}",
        refund.id, refund.amount, refund.currency, refund.status
    ));
    Ok(())
}

/// Billing: product, price, subscription, schedule, billing portal.
pub async fn billing(t: &mut Tour) -> R {
    let client = t.client()?.clone();
    let customer = t.customer.clone().ok_or("no customer (Payments failed)")?;

    let product = call!(CreateProduct::new("Explorer Pro").send(&client))
        .await
        .map_err(|e| fail("product", e))?;
    note(&format!("product {} · {}", product.id, product.name));

    let price = call!(CreatePrice::new("usd")
        .product(product.id.as_str())
        .unit_amount(1500)
        .recurring(price::create::Recurring::new(
            subscription::RecurringInterval::Month
        ))
        .send(&client))
    .await
    .map_err(|e| fail("price", e))?;
    tree(&format!("Price {}", price.id), &price);
    t.price = Some(price.id.to_string());

    let params = call!(stripe_client::builders::SubscriptionBuilder::new()
        .customer(customer.clone())
        .item(&price.id, 1)
        .build())
    .map_err(|e| fail("subscription builder", e))?;
    // The builder gives the generated struct: its other setters stay available.
    let sub = call!(params
        .payment_behavior(subscription::PaymentBehavior::DefaultIncomplete)
        .send(&client))
    .await
    .map_err(|e| fail("create subscription", e))?;
    note(&format!(
        "subscription {} · status {} · customer {}",
        sub.id,
        sub.status,
        sub.customer.id()
    ));
    t.subscription = Some(sub.id.to_string());

    let subs = call!(ListSubscriptions::new()
        .customer(customer.as_str())
        .limit(3)
        .send(&client))
    .await
    .map_err(|e| fail("list subscriptions", e))?;
    table(
        &["id", "customer", "status", "items"],
        subs.data
            .iter()
            .map(|s| {
                vec![
                    s.id.to_string(),
                    s.customer.id().to_string(),
                    s.status.to_string(),
                    s.items.data.len().to_string(),
                ]
            })
            .collect(),
    );

    note("cancel it now:");
    let canceled = call!(CancelSubscription::new(sub.id.clone()).send(&client))
        .await
        .map_err(|e| fail("cancel subscription", e))?;
    note(&format!(
        "subscription {} · status {}",
        canceled.id, canceled.status
    ));

    let params = call!(SubscriptionScheduleBuilder::new()
        .customer(customer.clone())
        .start_date(StartDate::Now)
        .end_behavior(EndBehavior::Release)
        .phase(
            PhaseBuilder::new()
                .item(&price.id, 1)
                .iterations(12, Interval::Month)
        )
        .build())
    .map_err(|e| fail("schedule builder", e))?;
    note(&format!(
        "form body: {}",
        stripe_client::encode::to_string(&params).map_err(|e| fail("encode", e))?
    ));
    let schedule = call!(params.send(&client))
        .await
        .map_err(|e| fail("create schedule", e))?;
    note(&format!(
        "schedule {} · status {} · end_behavior {}",
        schedule.id, schedule.status, schedule.end_behavior
    ));
    let missing = SubscriptionScheduleBuilder::new()
        .customer(customer.clone())
        .build();
    match missing {
        Err(e) if e.field() == "phases" => note(&format!("a builder without phases: Err({e})")),
        other => return Err(format!("the builder without phases gave {other:?}")),
    }

    let portal = call!(CreateBillingPortalSession::new()
        .customer(customer.as_str())
        .return_url("https://example.com/account")
        .send(&client))
    .await
    .map_err(|e| fail("billing portal session", e))?;
    note(&format!(
        "portal session {} · url {:?} (a one-time link: redacted)",
        portal.id, portal.url
    ));
    Ok(())
}

/// Metering: a guarded meter refused before the network, a meter, a meter event with an
/// identifier, a cancel adjustment (and a guarded one), the v2 meter event session.
pub async fn metering(t: &mut Tour) -> R {
    let client = t.client()?.clone();
    let customer = t.customer.clone().ok_or("no customer (Payments failed)")?;
    // Unique per run: an account cannot have two active meters with one event name.
    let event_name = format!("explorer_api_calls_{}", Timestamp::now().seconds());

    note("a `sum` meter without value_settings: refused before the network (GUARD-01)");
    let refused = call!(CreateBillingMeter::new(CreateBillingMeterArgs {
        default_aggregation: billing_meter::create::DefaultAggregation::new(
            billing_meter::Formula::Sum
        ),
        display_name: "API calls".into(),
        event_name: event_name.clone(),
    })
    .send(&client))
    .await;
    match refused {
        Err(Error::Guard(g)) if g.kind == GuardKind::ValueSettingsRequired => note(&format!(
            "Error::Guard · kind {:?} · field {} · {}",
            g.kind,
            g.field,
            g.message.chars().take(90).collect::<String>()
        )),
        other => return Err(format!("the guard did not refuse the meter: {other:?}")),
    }

    let meter = call!(MeterBuilder::sum("API calls", event_name.clone(), "value")
        .customer_key("stripe_customer_id")
        .create(&client))
    .await
    .map_err(|e| fail("create meter", e))?;
    tree(&format!("BillingMeter {}", meter.id), &meter);

    let identifier = format!("explorer-{}", Timestamp::now().seconds());
    let event = call!(MeterEvent::new(event_name.clone(), customer.clone())
        .value(25)
        .identifier(identifier.clone())
        .send(&client))
    .await
    .map_err(|e| fail("meter event", e))?;
    note(&format!(
        "meter event {} · identifier {} · payload {:?}",
        event.event_name, event.identifier, event.payload
    ));

    note("a cancel adjustment names the event in cancel.identifier (GUARD-03):");
    let refused = call!(CreateBillingMeterEventAdjustment::new(
        event_name.clone(),
        billing_meter_event_adjustment::Type::Cancel
    )
    .send(&client))
    .await;
    match refused {
        Err(Error::Guard(g)) if g.kind == GuardKind::CancelIdentifierRequired => note(&format!(
            "Error::Guard · kind {:?} · field {}",
            g.kind, g.field
        )),
        other => {
            return Err(format!(
                "the guard did not refuse the adjustment: {other:?}"
            ))
        }
    }
    let adjustment =
        call!(MeterEventAdjustment::cancel(event_name.clone(), identifier.clone()).send(&client))
            .await
            .map_err(|e| fail("cancel adjustment", e))?;
    note(&format!(
        "adjustment · event {} · type {} · status {}",
        adjustment.event_name, adjustment.r#type, adjustment.status
    ));

    note("the v2 stream starts with a session (POST /v2/billing/meter_event_session):");
    match call!(stripe_client::meter::create_session(&client)).await {
        Ok(session) => {
            note(&format!("session {session:?}"));
            if t.mock {
                return Err("stripe-mock answered a /v2 path, which it does not serve".into());
            }
            let stream_event = MeterEvent::new(event_name.clone(), customer.clone())
                .value(25)
                .identifier(format!("{identifier}-stream"));
            call!(stripe_client::meter::send_events(
                &client,
                &session,
                &[stream_event]
            ))
            .await
            .map_err(|e| fail("meter event stream", e))?;
            note("sent 1 event on the stream (meter-events host, session token as bearer)");
        }
        Err(e) if t.mock && e.status() == Some(404) => {
            note(&format!(
                "expected against stripe-mock, which serves v1 only: {e}"
            ));
            note("against api.stripe.com the session's token then sends up to 100 events per call");
        }
        Err(e) => return Err(fail("meter event session", e)),
    }
    Ok(())
}

/// A customer session with the buy button and pricing table components.
pub async fn customer_session(t: &mut Tour) -> R {
    let client = t.client()?.clone();
    let customer = t.customer.clone().ok_or("no customer (Payments failed)")?;
    let cs = call!(CreateCustomerSession::new(
        customer_session::create::Components::new()
            .buy_button(customer_session::create::BuyButton::new(true))
            .pricing_table(customer_session::create::PricingTable::new(true))
    )
    .customer(customer.as_str())
    .send(&client))
    .await
    .map_err(|e| fail("customer session", e))?;
    tree("CustomerSession", &cs);
    note(&format!("client_secret (Debug): {:?}", cs.client_secret));
    if format!("{:?}", cs).contains(cs.client_secret.expose().as_str())
        && !cs.client_secret.expose().is_empty()
    {
        return Err("the client secret leaked into Debug output".into());
    }
    Ok(())
}

/// Connect: an express account, a retrieve, an account link, a transfer.
pub async fn connect(t: &mut Tour) -> R {
    let client = t.client()?.clone();
    let account = call!(CreateAccount::new()
        .r#type(account::Type::Express)
        .country("US")
        .email("seller@example.com")
        .send(&client))
    .await
    .map_err(|e| fail("create account", e))?;
    tree(&format!("Account {}", account.id), &account);

    let again = call!(RetrieveAccount::new(account.id.clone()).send(&client))
        .await
        .map_err(|e| fail("retrieve account", e))?;
    note(&format!(
        "account {} · charges_enabled {:?} · type {:?}",
        again.id, again.charges_enabled, again.r#type
    ));

    let link = call!(CreateAccountLink::new(
        account.id.clone(),
        account_link::Type::AccountOnboarding
    )
    .refresh_url("https://example.com/reauth")
    .return_url("https://example.com/return")
    .send(&client))
    .await
    .map_err(|e| fail("account link", e))?;
    note(&format!(
        "account link expires {} · url {:?}",
        link.expires_at, link.url
    ));

    let transfer = call!(CreateTransfer::new("usd", &account.id)
        .amount(1000)
        .send(&client))
    .await;
    match transfer {
        Ok(tr) => note(&format!(
            "transfer {} · {} {}",
            tr.id, tr.amount, tr.currency
        )),
        // A new test-mode express account has no transfers capability until onboarded.
        Err(Error::Api(e)) if !t.mock && e.kind == ApiErrorKind::InvalidRequest => note(&format!(
            "expected for an account that has not finished onboarding: {}",
            e
        )),
        Err(e) => return Err(fail("transfer", e)),
    }
    Ok(())
}

struct Router {
    seen: std::sync::Mutex<Vec<String>>,
}

impl EventHandler for Router {
    type Error = std::convert::Infallible;
    async fn payment_intent_succeeded(
        &self,
        _e: &Event,
        pi: &PaymentIntent,
    ) -> Result<(), Self::Error> {
        self.seen
            .lock()
            .map(|mut s| s.push(format!("payment_intent_succeeded({})", pi.id)))
            .ok();
        Ok(())
    }
    async fn fallback(&self, e: &Event) -> Result<(), Self::Error> {
        self.seen
            .lock()
            .map(|mut s| s.push(format!("fallback({})", e.type_)))
            .ok();
        Ok(())
    }
}

/// Webhooks: a test signature, construct_event, each verification error, dispatch, a v2
/// event notification.
pub async fn webhooks(_t: &mut Tour) -> R {
    let secret = "whsec_explorer_secret";
    let now = Timestamp::now();
    let payload = serde_json::json!({
        "id": "evt_explorer", "object": "event", "api_version": stripe_client::API_VERSION,
        "created": now.seconds(), "livemode": false, "pending_webhooks": 1, "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_explorer", "object": "payment_intent", "amount": 2000, "currency": "usd",
            "status": "succeeded", "created": now.seconds(), "livemode": false, "capture_method": "automatic",
            "confirmation_method": "automatic", "payment_method_types": ["card"], "amount_received": 2000,
            "amount_capturable": 0, "excluded_payment_method_types": null}}
    })
    .to_string();
    let body = payload.as_bytes();

    let header = call!(Webhook::generate_test_signature(body, secret, now));
    note(&format!(
        "Stripe-Signature: {}…",
        &header[..header.len().min(40)]
    ));

    let event = call!(Webhook::construct_event(body, &header, secret))
        .map_err(|e| fail("construct_event", e))?;
    note(&format!(
        "event {} · type {} · object {:?}",
        event.id,
        event.type_,
        event.object_name()
    ));
    if let EventObject::PaymentIntent(pi) = &event.data.object {
        note(&format!(
            "typed object: PaymentIntent {} · {:?} {:?} · {}",
            pi.id, pi.amount, pi.currency, pi.status
        ));
    } else {
        return Err(format!(
            "the object did not decode as a PaymentIntent: {:?}",
            event.data.object_decode_error
        ));
    }

    let old = Timestamp(now.seconds() - 3600);
    let thin = serde_json::json!({
        "id": "evt_thin", "object": "v2.core.event", "type": "v1.billing.meter.error_report_triggered",
        "created": "2026-01-28T12:00:00.000Z", "livemode": false, "context": "acct_123",
        "related_object": {"id": "mtr_123", "type": "billing.meter", "url": "/v1/billing/meters/mtr_123"}
    })
    .to_string();
    let thin_header = Webhook::generate_test_signature(thin.as_bytes(), secret, now);
    let garbage = b"not json";
    let cases: Vec<Case> = vec![
        (
            "no header",
            Webhook::construct_event(body, "", secret),
            |e| matches!(e, WebhookError::MissingHeader),
        ),
        (
            "malformed header",
            Webhook::construct_event(body, "v1=abc", secret),
            |e| matches!(e, WebhookError::MalformedHeader(_)),
        ),
        (
            "only a v0 signature",
            Webhook::construct_event(body, &format!("t={},v0=abc", now.seconds()), secret),
            |e| matches!(e, WebhookError::NoV1Signature),
        ),
        (
            "wrong secret",
            Webhook::construct_event(body, &header, "whsec_other"),
            |e| matches!(e, WebhookError::NoMatchingSignature),
        ),
        (
            "an hour old",
            Webhook::construct_event(
                body,
                &Webhook::generate_test_signature(body, secret, old),
                secret,
            ),
            |e| matches!(e, WebhookError::TimestampOutsideTolerance { .. }),
        ),
        (
            "no secret",
            Webhook::construct_event_with_secrets(body, &header, Vec::<&str>::new()),
            |e| matches!(e, WebhookError::NoSecret),
        ),
        (
            "signed, not an event",
            Webhook::construct_event(
                garbage,
                &Webhook::generate_test_signature(garbage, secret, now),
                secret,
            ),
            |e| matches!(e, WebhookError::InvalidPayload { .. }),
        ),
        (
            "a v2 notification",
            Webhook::construct_event(thin.as_bytes(), &thin_header, secret),
            |e| matches!(e, WebhookError::ExpectedSnapshotEvent),
        ),
    ];
    let mut rows = Vec::new();
    let mut wrong = Vec::new();
    for (what, result, expected) in cases {
        match result {
            Err(e) => {
                if !expected(&e) {
                    wrong.push(what);
                }
                rows.push(vec![
                    what.to_owned(),
                    format!("{e:?}").chars().take(44).collect(),
                    e.reason().to_owned(),
                ]);
            }
            Ok(_) => {
                wrong.push(what);
                rows.push(vec![what.to_owned(), "accepted!".into(), String::new()]);
            }
        }
    }
    note("Webhook::construct_event with each kind of bad delivery:");
    table(&["delivery", "error", "reason()"], rows);
    if !wrong.is_empty() {
        return Err(format!("unexpected verification results: {wrong:?}"));
    }

    note("a timestamp ahead of our clock is accepted, as in stripe-python and stripe-node:");
    let ahead = Webhook::generate_test_signature(body, secret, Timestamp(now.seconds() + 3600));
    call!(Webhook::construct_event(body, &ahead, secret))
        .map_err(|e| fail("a signature an hour ahead", e))?;
    let strict = call!(Webhook::new().future_tolerance(Duration::from_secs(300)));
    match call!(strict.event(body, &ahead, secret)) {
        Err(WebhookError::TimestampOutsideTolerance { .. }) => {
            note("refused once future_tolerance is set")
        }
        other => return Err(format!("future_tolerance did not refuse it: {other:?}")),
    }

    let router = Router {
        seen: std::sync::Mutex::new(Vec::new()),
    };
    let _ = call!(dispatch(&event, &router)).await;
    let seen = router.seen.lock().map(|s| s.clone()).unwrap_or_default();
    note(&format!("handled: {seen:?}"));
    if seen != ["payment_intent_succeeded(pi_explorer)"] {
        return Err(format!("dispatch went to {seen:?}"));
    }

    let n = call!(stripe_client::webhook::parse_event_notification(
        thin.as_bytes(),
        &thin_header,
        secret
    ))
    .map_err(|e| fail("parse_event_notification", e))?;
    note(&format!(
        "v2 notification {} · type {} · context {:?} · related {:?}",
        n.id,
        n.type_.as_str(),
        n.context,
        n.related_object.as_ref().map(|r| (&r.type_, &r.id))
    ));
    Ok(())
}

/// Batch: three calls at once, each result on its own line.
pub async fn batch(t: &mut Tour) -> R {
    let client = t.client()?.clone();
    let pi = t.payment_intent.clone().unwrap_or_else(|| "pi_123".into());
    note("three calls at once; the third asks for a path that does not exist");
    let results = call!(Batch::new()
        .concurrency(3)
        .with(async {
            RetrievePaymentIntent::new(pi.clone())
                .send(&client)
                .await
                .map(|p| format!("payment intent {} · {}", p.id, p.status))
        })
        .with(async {
            ListProducts::new()
                .limit(3)
                .send(&client)
                .await
                .map(|l| format!("{} products (has_more {})", l.data.len(), l.has_more))
        })
        .with(async {
            client
                .raw_request(
                    Method::Get,
                    "/v1/payment_intents/pi_missing/not_a_path",
                    serde_json::json!({}),
                )
                .await
                .map(|v| v.to_string())
        })
        .run())
    .await;
    let mut ok = 0;
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(line) => {
                ok += 1;
                note(&format!("[{i}] ok: {line}"));
            }
            Err(BatchError::Failed(e)) => note(&format!(
                "[{i}] failed: {}",
                e.to_string().chars().take(90).collect::<String>()
            )),
            Err(e) => note(&format!("[{i}] {e}")),
        }
    }
    if ok != 2 || results.len() != 3 || results[2].is_ok() {
        return Err(format!(
            "expected two successes and one isolated failure, got {ok} ok"
        ));
    }
    Ok(())
}

/// Expand: a subscription's customer as an id, then as a typed object.
pub async fn expand(t: &mut Tour) -> R {
    let client = t.client()?.clone();
    let sub = t
        .subscription
        .clone()
        .ok_or("no subscription (Billing failed)")?;
    let plain = call!(RetrieveSubscription::new(sub.clone()).send(&client))
        .await
        .map_err(|e| fail("retrieve", e))?;
    match &plain.customer {
        Expandable::Id(id) => note(&format!("customer: Expandable::Id(\"{id}\")")),
        Expandable::Object(_) => return Err("customer came expanded without expand".into()),
    }
    let expanded = call!(RetrieveSubscription::new(sub)
        .expand(["customer"])
        .send(&client))
    .await
    .map_err(|e| fail("retrieve expanded", e))?;
    // The expanded field holds what `customer` can be: a customer or a deleted one.
    match &expanded.customer {
        Expandable::Object(object) => match &**object {
            CustomerOrDeletedCustomer::Customer(c) => note(&format!(
                "customer: Expandable::Object(Customer {{ id: {}, email: {:?}, name: {:?} }})",
                c.id, c.email, c.name
            )),
            CustomerOrDeletedCustomer::DeletedCustomer(d) => note(&format!(
                "customer: Expandable::Object(DeletedCustomer {{ id: {} }})",
                d.id
            )),
            other => {
                return Err(format!(
                    "customer expanded into an unknown shape: {other:?}"
                ))
            }
        },
        Expandable::Id(id) => return Err(format!("customer did not expand: Id({id:?})")),
    }
    // Or one call: the live customer of the expanded field, with its typed id either way.
    match expanded.customer.live() {
        Some(c) => note(&format!(
            "customer.live(): email {:?} · customer.id(): {}",
            c.email,
            expanded.customer.id()
        )),
        None => return Err("the expanded customer is not a live customer".into()),
    }
    let list = call!(ListSubscriptions::new()
        .limit(2)
        .expand(["data.customer"])
        .send(&client))
    .await
    .map_err(|e| fail("list expanded", e))?;
    for s in &list.data {
        note(&format!(
            "{} · customer expanded: {}",
            s.id,
            s.customer.is_object()
        ));
    }
    if list.data.iter().any(|s| !s.customer.is_object()) {
        return Err("data.customer did not expand on the list".into());
    }
    Ok(())
}

/// Files: an upload to the files host and a quote PDF as bytes.
pub async fn files(t: &mut Tour) -> R {
    let client = t.client()?.clone();
    note("a multipart upload to the files host:");
    let file = call!(CreateFile::new(
        FileUpload::from_bytes("receipt.txt", b"Order 1234: 1 x Explorer Pro\n".to_vec())
            .content_type("text/plain"),
        file::Purpose::DisputeEvidence
    )
    .send(&client))
    .await
    .map_err(|e| fail("file upload", e))?;
    note(&format!(
        "file {} · purpose {} · size {} · {:?}",
        file.id, file.purpose, file.size, file.filename
    ));

    let customer = t.customer.clone().ok_or("no customer (Payments failed)")?;
    let price = t.price.clone().ok_or("no price (Billing failed)")?;
    let quote = call!(CreateQuote::new()
        .customer(customer.as_str())
        .line_items([quote::create::LineItems::new().price(price).quantity(1)])
        .send(&client))
    .await
    .map_err(|e| fail("quote", e))?;
    if !t.mock {
        call!(FinalizeQuote::new(&quote.id).send(&client))
            .await
            .map_err(|e| fail("finalize quote", e))?;
    }
    note("a binary download from the files host:");
    let pdf = call!(PdfQuote::new(quote.id.clone()).send(&client))
        .await
        .map_err(|e| fail("quote pdf", e))?;
    note(&format!(
        "{} bytes, starts {:?}",
        pdf.0.len(),
        String::from_utf8_lossy(&pdf.0[..pdf.0.len().min(8)])
    ));
    Ok(())
}
