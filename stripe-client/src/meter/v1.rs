//! v1 billing meters, meter events and adjustments (`/v1/billing/meters`,
//! `/v1/billing/meter_events`, `/v1/billing/meter_event_adjustments`), with guards.

use super::event::MeterEvent;
use super::guard::{self, GuardError};
use crate::clock::Clock;
use crate::pagination::ItemStream;
use crate::{Client, Error, RequestOptions, StripeRequestExt};
use stripe_types::rt::{Method, Timestamp};
use stripe_types::{
    billing_meter::create::CustomerMapping, billing_meter::create::DefaultAggregation,
    billing_meter::create::ValueSettings, billing_meter::EventTimeWindow,
    billing_meter::Formula as DefaultAggregationFormula,
    billing_meter::Type as CustomerMappingType, billing_meter_event_adjustment::create::Cancel,
    billing_meter_event_adjustment::Type as AdjustmentType,
    billing_meter_event_summary::ValueGroupingWindow, BillingMeter, BillingMeterEvent,
    BillingMeterEventAdjustment, BillingMeterEventSummary, CreateBillingMeter,
    CreateBillingMeterArgs, CreateBillingMeterEvent, CreateBillingMeterEventAdjustment,
    DeactivateBillingMeter, ListBillingMeterEventSummaries, ListBillingMeterEventSummariesArgs,
    ListBillingMeters, ReactivateBillingMeter, RetrieveBillingMeter, UpdateBillingMeter,
};

/// A typed meter definition: the constructor picks the formula, and `sum` / `last` take the
/// value's payload key, so a `sum` meter without `value_settings` cannot be written.
///
/// ```
/// use stripe_client::meter::MeterBuilder;
/// let params = MeterBuilder::sum("API requests", "api_requests", "value")
///     .customer_key("stripe_customer_id")
///     .build();
/// ```
#[derive(Debug, Clone)]
pub struct MeterBuilder {
    display_name: String,
    event_name: String,
    formula: DefaultAggregationFormula,
    value_key: Option<String>,
    customer_key: Option<String>,
    window: Option<EventTimeWindow>,
}

impl MeterBuilder {
    fn new(
        display_name: impl Into<String>,
        event_name: impl Into<String>,
        formula: DefaultAggregationFormula,
        value_key: Option<String>,
    ) -> Self {
        MeterBuilder {
            display_name: display_name.into(),
            event_name: event_name.into(),
            formula,
            value_key,
            customer_key: None,
            window: None,
        }
    }
    /// A meter that adds up the payload value under `value_key` over the billing period.
    pub fn sum(
        display_name: impl Into<String>,
        event_name: impl Into<String>,
        value_key: impl Into<String>,
    ) -> Self {
        Self::new(
            display_name,
            event_name,
            DefaultAggregationFormula::Sum,
            Some(value_key.into()),
        )
    }
    /// A meter that keeps the last payload value under `value_key` in the period.
    pub fn last(
        display_name: impl Into<String>,
        event_name: impl Into<String>,
        value_key: impl Into<String>,
    ) -> Self {
        Self::new(
            display_name,
            event_name,
            DefaultAggregationFormula::Last,
            Some(value_key.into()),
        )
    }
    /// A meter that counts events (their value is ignored).
    pub fn count(display_name: impl Into<String>, event_name: impl Into<String>) -> Self {
        Self::new(
            display_name,
            event_name,
            DefaultAggregationFormula::Count,
            None,
        )
    }
    /// The payload key holding the customer id (default `stripe_customer_id`).
    pub fn customer_key(mut self, key: impl Into<String>) -> Self {
        self.customer_key = Some(key.into());
        self
    }
    /// Events are pre-aggregated per hour or day.
    pub fn event_time_window(mut self, w: EventTimeWindow) -> Self {
        self.window = Some(w);
        self
    }
    /// The generated parameters.
    pub fn build(self) -> CreateBillingMeter {
        let mut p = CreateBillingMeter::new(CreateBillingMeterArgs {
            default_aggregation: DefaultAggregation::new(self.formula),
            display_name: self.display_name,
            event_name: self.event_name,
        });
        if let Some(k) = self.value_key {
            p = p.value_settings(ValueSettings::new(k));
        }
        if let Some(k) = self.customer_key {
            p = p.customer_mapping(CustomerMapping::new(k, CustomerMappingType::ById));
        }
        if let Some(w) = self.window {
            p = p.event_time_window(w);
        }
        p
    }
    /// Check and create the meter.
    pub async fn create(self, client: &Client) -> Result<BillingMeter, Error> {
        create_meter(client, &self.build()).await
    }
}

/// Check generated meter parameters ([`guard::check_meter_params`]).
pub fn check_create_meter(params: &CreateBillingMeter) -> Result<(), GuardError> {
    guard::check_meter_params(&stripe_types::rt::check::meter::to_json(params)?)
}

/// Check generated meter event parameters ([`guard::check_event_params`]).
pub fn check_create_event(
    params: &CreateBillingMeterEvent,
    clock: &dyn Clock,
) -> Result<(), GuardError> {
    guard::check_event_params(&stripe_types::rt::check::meter::to_json(params)?, clock)
}

/// Check generated adjustment parameters ([`guard::check_adjustment_params`]).
pub fn check_create_adjustment(
    params: &CreateBillingMeterEventAdjustment,
) -> Result<(), GuardError> {
    guard::check_adjustment_params(&stripe_types::rt::check::meter::to_json(params)?)
}

/// `POST /v1/billing/meters`. Its guard ([`check_create_meter`]) runs on the way, as on
/// every path that sends a [`CreateBillingMeter`].
pub async fn create_meter(
    client: &Client,
    params: &CreateBillingMeter,
) -> Result<BillingMeter, Error> {
    params.send(client).await
}

/// `GET /v1/billing/meters/{id}`.
pub async fn retrieve_meter(client: &Client, id: &str) -> Result<BillingMeter, Error> {
    RetrieveBillingMeter::new(id).send(client).await
}

/// `POST /v1/billing/meters/{id}`: rename a meter (the only mutable field).
pub async fn update_meter_display_name(
    client: &Client,
    id: &str,
    display_name: &str,
) -> Result<BillingMeter, Error> {
    UpdateBillingMeter::new(id)
        .display_name(display_name)
        .send(client)
        .await
}

/// `GET /v1/billing/meters`: one page.
pub async fn list_meters(
    client: &Client,
    params: &ListBillingMeters,
) -> Result<stripe_types::rt::List<BillingMeter>, Error> {
    params.send(client).await
}

/// Every meter, lazily, page after page.
pub fn stream_meters(client: &Client, params: &ListBillingMeters) -> ItemStream<BillingMeter> {
    params.stream(client)
}

/// `POST /v1/billing/meters/{id}/deactivate`: stop accepting events.
pub async fn deactivate_meter(client: &Client, id: &str) -> Result<BillingMeter, Error> {
    DeactivateBillingMeter::new(id).send(client).await
}

/// `POST /v1/billing/meters/{id}/reactivate`.
pub async fn reactivate_meter(client: &Client, id: &str) -> Result<BillingMeter, Error> {
    ReactivateBillingMeter::new(id).send(client).await
}

/// `GET /v1/billing/meters/{id}/event_summaries`: aggregated usage of one customer between
/// `start` and `end` (Unix seconds), per hour or day when `window` is set; every summary,
/// lazily.
pub fn event_summaries(
    client: &Client,
    meter_id: &str,
    customer: &str,
    start: impl Into<Timestamp>,
    end: impl Into<Timestamp>,
    window: Option<ValueGroupingWindow>,
) -> ItemStream<BillingMeterEventSummary> {
    let mut p = ListBillingMeterEventSummaries::new(ListBillingMeterEventSummariesArgs {
        id: meter_id.into(),
        customer: customer.into(),
        start_time: start.into(),
        end_time: end.into(),
    });
    if let Some(w) = window {
        p = p.value_grouping_window(w);
    }
    p.stream(client)
}

impl MeterEvent {
    /// `POST /v1/billing/meter_events` after the guards (the client's clock for the
    /// timestamp window), with the idempotency key when set.
    pub async fn send(&self, client: &Client) -> Result<BillingMeterEvent, Error> {
        self.check(&*client.clock())?;
        let params = self.to_v1_params();
        let mut opts = RequestOptions::new();
        opts.idempotency_key = self.idempotency_key.clone();
        params.send_with(client, opts).await
    }

    /// `POST /v2/billing/meter_events` (synchronous validation) after the guards.
    #[cfg(feature = "v2")]
    pub async fn send_v2(
        &self,
        client: &Client,
    ) -> Result<stripe_types::V2BillingMeterEvent, Error> {
        super::stream::create_v2_event(client, self).await
    }
}

/// A correction: cancel a meter event by its identifier (within 24 hours of receipt).
///
/// ```
/// use stripe_client::meter::MeterEventAdjustment;
/// let adj = MeterEventAdjustment::cancel("api_requests", "req_8f3a");
/// ```
#[derive(Debug, Clone)]
pub struct MeterEventAdjustment {
    event_name: String,
    identifier: String,
    idempotency_key: Option<String>,
}

impl MeterEventAdjustment {
    /// Cancel the event named `event_name` whose identifier is `identifier`.
    pub fn cancel(event_name: impl Into<String>, identifier: impl Into<String>) -> Self {
        MeterEventAdjustment {
            event_name: event_name.into(),
            identifier: identifier.into(),
            idempotency_key: None,
        }
    }
    /// Set the request's idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// The generated v1 parameters.
    pub fn to_v1_params(&self) -> CreateBillingMeterEventAdjustment {
        CreateBillingMeterEventAdjustment::new(self.event_name.clone(), AdjustmentType::Cancel)
            .cancel(Cancel::new().identifier(self.identifier.clone()))
    }
    /// `POST /v1/billing/meter_event_adjustments` after the guards.
    pub async fn send(&self, client: &Client) -> Result<BillingMeterEventAdjustment, Error> {
        let params = self.to_v1_params();
        let mut opts = RequestOptions::new();
        opts.idempotency_key = self.idempotency_key.clone();
        params.send_with(client, opts).await
    }
    /// `POST /v2/billing/meter_event_adjustments` after the guards.
    #[cfg(feature = "v2")]
    pub async fn send_v2(
        &self,
        client: &Client,
    ) -> Result<stripe_types::V2BillingMeterEventAdjustment, Error> {
        super::stream::create_v2_adjustment(client, &self.event_name, &self.identifier).await
    }
}

/// Untyped but guarded: `POST /v1/billing/meters` with JSON params, after
/// [`guard::check_meter_params`]. (`Client::raw_request` is the unguarded way.)
pub async fn create_meter_json(
    client: &Client,
    params: serde_json::Value,
) -> Result<serde_json::Value, Error> {
    guard::check_meter_params(&params)?;
    client
        .raw_request(Method::Post, "/v1/billing/meters", params)
        .await
}

/// Untyped but guarded: `POST /v1/billing/meter_events` with JSON params, after
/// [`guard::check_event_params`] (the client's clock).
pub async fn create_event_json(
    client: &Client,
    params: serde_json::Value,
    opts: RequestOptions,
) -> Result<serde_json::Value, Error> {
    guard::check_event_params(&params, &*client.clock())?;
    client
        .raw_request_with(Method::Post, "/v1/billing/meter_events", params, opts)
        .await
        .map(crate::Response::into_inner)
}

/// Untyped but guarded: `POST /v1/billing/meter_event_adjustments` with JSON params, after
/// [`guard::check_adjustment_params`].
pub async fn create_adjustment_json(
    client: &Client,
    params: serde_json::Value,
) -> Result<serde_json::Value, Error> {
    guard::check_adjustment_params(&params)?;
    client
        .raw_request(Method::Post, "/v1/billing/meter_event_adjustments", params)
        .await
}
