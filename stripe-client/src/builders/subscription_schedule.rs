//! `POST /v1/subscription_schedules`.

use super::{BuildError, EndBehavior, Interval, PriceItem};
use stripe_types::rt::{Metadata, Timestamp};
use stripe_types::subscription_schedule::create::Phases;
use stripe_types::subscription_schedule::create_update::Items;
use stripe_types::subscription_schedule::{self as schedule, Duration};
use stripe_types::CreateSubscriptionSchedule;

/// When a schedule starts: `now`, or a Unix timestamp (past dates backdate it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartDate {
    /// `start_date=now`.
    Now,
    /// `start_date=<unix seconds>`.
    At(Timestamp),
}

impl From<Timestamp> for StartDate {
    fn from(t: Timestamp) -> Self {
        StartDate::At(t)
    }
}

impl From<StartDate> for schedule::StartDate {
    fn from(s: StartDate) -> Self {
        match s {
            StartDate::Now => schedule::EndDateString::Now.into(),
            StartDate::At(t) => t.into(),
        }
    }
}

/// A subscription schedule: the customer, when it starts, what happens when it ends, and
/// its phases. `build()` gives the generated [`CreateSubscriptionSchedule`].
///
/// ```
/// use stripe_client::builders::{EndBehavior, Interval, PhaseBuilder, StartDate, SubscriptionScheduleBuilder};
///
/// let params = SubscriptionScheduleBuilder::new()
///     .customer("cus_123")
///     .start_date(StartDate::Now)
///     .end_behavior(EndBehavior::Release)
///     .phase(PhaseBuilder::new().item("price_intro", 1).iterations(3, Interval::Month))
///     .phase(PhaseBuilder::new().item("price_full", 1).iterations(12, Interval::Month))
///     .build()?;
/// assert_eq!(
///     stripe_client::encode::to_string(&params)?,
///     "customer=cus_123&end_behavior=release\
///      &phases[0][duration][interval]=month&phases[0][duration][interval_count]=3\
///      &phases[0][items][0][price]=price_intro&phases[0][items][0][quantity]=1\
///      &phases[1][duration][interval]=month&phases[1][duration][interval_count]=12\
///      &phases[1][items][0][price]=price_full&phases[1][items][0][quantity]=1\
///      &start_date=now"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SubscriptionScheduleBuilder {
    customer: Option<String>,
    start_date: Option<StartDate>,
    end_behavior: Option<EndBehavior>,
    phases: Vec<PhaseBuilder>,
    metadata: Option<Metadata>,
}

impl SubscriptionScheduleBuilder {
    /// An empty schedule; `customer` and at least one phase are required.
    pub fn new() -> Self {
        Self::default()
    }

    /// The customer the schedule is for (`customer`). Required.
    pub fn customer(mut self, id: impl Into<String>) -> Self {
        self.customer = Some(id.into());
        self
    }

    /// When the schedule starts (`start_date`): [`StartDate::Now`] or a timestamp.
    pub fn start_date(mut self, start: impl Into<StartDate>) -> Self {
        self.start_date = Some(start.into());
        self
    }

    /// What happens after the last phase (`end_behavior`): `release` keeps the
    /// subscription running, `cancel` cancels it.
    pub fn end_behavior(mut self, behavior: EndBehavior) -> Self {
        self.end_behavior = Some(behavior);
        self
    }

    /// Append a phase (`phases[n]`). At least one is required.
    pub fn phase(mut self, phase: PhaseBuilder) -> Self {
        self.phases.push(phase);
        self
    }

    /// Set of key-value pairs attached to the schedule (`metadata`).
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        super::extend_metadata(&mut self.metadata, pairs);
        self
    }

    /// Check the required fields and build the request.
    pub fn build(self) -> Result<CreateSubscriptionSchedule, BuildError> {
        let customer = super::required_id(self.customer, "customer")?;
        if self.phases.is_empty() {
            return Err(BuildError::missing("phases"));
        }
        let mut phases = Vec::with_capacity(self.phases.len());
        for (i, p) in self.phases.into_iter().enumerate() {
            phases.push(p.build_at(i)?);
        }
        let mut req = CreateSubscriptionSchedule::new()
            .customer(customer)
            .phases(phases);
        if let Some(s) = self.start_date {
            req = req.start_date(s);
        }
        if let Some(e) = self.end_behavior {
            req = req.end_behavior(e);
        }
        if let Some(m) = self.metadata {
            req = req.metadata(m);
        }
        Ok(req)
    }
}

/// One phase of a schedule: its items and how long it lasts.
///
/// Stripe removed `phases[].iterations` in API version 2025-09-30.clover in favour of
/// `phases[].duration`; [`iterations(n, interval)`](Self::iterations) sends the equivalent
/// `duration[interval]=<interval>&duration[interval_count]=<n>`.
#[derive(Debug, Clone, Default)]
pub struct PhaseBuilder {
    items: Vec<PriceItem>,
    duration: Option<(Interval, u32)>,
    end_date: Option<Timestamp>,
    trial: Option<bool>,
    metadata: Option<Metadata>,
}

impl PhaseBuilder {
    /// An empty phase; at least one item is required.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an item (`items[n][price]`, `items[n][quantity]`).
    pub fn item(mut self, price: impl Into<String>, quantity: u64) -> Self {
        self.items.push(PriceItem {
            price: price.into(),
            quantity: Some(quantity),
        });
        self
    }

    /// Run the phase for `count` billing intervals (`duration[interval]`,
    /// `duration[interval_count]`): the current API's form of the old `iterations`.
    pub fn iterations(mut self, count: u32, interval: Interval) -> Self {
        self.duration = Some((interval, count));
        self
    }

    /// End the phase at a fixed time (`end_date`) instead of after a duration.
    pub fn end_date(mut self, at: impl Into<Timestamp>) -> Self {
        self.end_date = Some(at.into());
        self
    }

    /// Make the phase a trial (`trial=true`).
    pub fn trial(mut self, trial: bool) -> Self {
        self.trial = Some(trial);
        self
    }

    /// Key-value pairs set on the subscription during this phase (`metadata`).
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        super::extend_metadata(&mut self.metadata, pairs);
        self
    }

    fn build_at(self, index: usize) -> Result<Phases, BuildError> {
        if self.items.is_empty() {
            return Err(BuildError::missing(format!("phases[{index}].items")));
        }
        let mut items = Vec::with_capacity(self.items.len());
        for (j, it) in self.items.iter().enumerate() {
            it.checked(|| format!("phases[{index}].items[{j}].price"))?;
            let mut p = Items::new().price(it.price.clone());
            if let Some(q) = it.quantity_i64() {
                p = p.quantity(q);
            }
            items.push(p);
        }
        let mut phase = Phases::new(items);
        if let Some((interval, count)) = self.duration {
            if count == 0 {
                return Err(BuildError::invalid(
                    format!("phases[{index}].duration.interval_count"),
                    "must be at least 1",
                ));
            }
            phase = phase.duration(Duration::new(interval).interval_count(i64::from(count)));
        }
        if let Some(t) = self.end_date {
            phase = phase.end_date(t);
        }
        if let Some(t) = self.trial {
            phase = phase.trial(t);
        }
        if let Some(m) = self.metadata {
            phase = phase.metadata(m);
        }
        Ok(phase)
    }
}
