//! Waiting for asynchronous state: poll a retrieve operation until a condition holds, with
//! backoff and a deadline.
//!
//! ```no_run
//! use std::time::Duration;
//! use stripe_client::prelude::*;
//! use stripe_client::types::{payment_intent, RetrievePaymentIntent};
//! use stripe_client::wait::{wait_for, WaitError};
//!
//! # async fn f(client: &Client) -> Result<(), stripe_client::Error> {
//! let settled = wait_for(client, RetrievePaymentIntent::new("pi_123"), |pi| {
//!     pi.status != payment_intent::Status::Processing
//! })
//! .deadline(Duration::from_secs(300))
//! .await;
//! match settled {
//!     Ok(pi) => println!("{} is {}", pi.id, pi.status),
//!     Err(WaitError::Deadline { last, waited, .. }) => {
//!         println!("still {} after {waited:?}", last.status)
//!     }
//!     Err(e) => return Err(e.into_error()),
//! }
//! # Ok(()) }
//! ```
//!
//! Ready-made, each with the API area it polls: `test_clock_ready` and `advance_test_clock`
//! (`billing`), `payment_intent_settled` (`payments`), `report_run_finished` (`reporting`),
//! `v2_account_requirements_settled` (`v2`).
//!
//! - **Backoff.** The first poll is at once; then the waits grow from 1 s by half each time,
//!   up to 10 s ([`WaitFor::backoff`]). The last wait is cut short to poll once more at the
//!   deadline.
//! - **Deadline.** 60 s unless set ([`WaitFor::deadline`]); when it passes,
//!   [`WaitError::Deadline`] carries the last state seen.
//! - **Time** is the client's clock ([`ClientBuilder::clock`](crate::ClientBuilder::clock)):
//!   with a [`ManualClock`](crate::retry::ManualClock), a test waits no real time.
//! - **Rate.** Each poll is a request of the client, so its retries apply and a
//!   [governor](crate::governor) paces the polls of many waiters together.

use crate::options::RequestOptions;
use crate::{Client, Error, Response};
use futures_util::future::BoxFuture;
use std::fmt;
use std::future::IntoFuture;
use std::time::Duration;
use stripe_types::rt::StripeRequest;

/// Why a wait ended without its condition.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<T> {
    /// The deadline passed first.
    Deadline {
        /// The last state seen (the last poll's answer).
        last: Box<T>,
        /// Time from the first poll to the last.
        waited: Duration,
        /// Polls made.
        polls: u32,
    },
    /// The state reached one that the condition can no longer follow (a test clock in
    /// `internal_failure`, a report run that `failed`).
    Failed {
        /// That state.
        last: Box<T>,
        /// What it means.
        reason: String,
    },
    /// A poll failed (after the client's own retries).
    Request {
        /// The error.
        error: Error,
        /// The state seen before, if any.
        last: Option<Box<T>>,
    },
}

impl<T> WaitError<T> {
    /// The last state seen, when there was one.
    pub fn last(&self) -> Option<&T> {
        match self {
            WaitError::Deadline { last, .. } | WaitError::Failed { last, .. } => Some(last),
            WaitError::Request { last, .. } => last.as_deref(),
        }
    }

    /// As the client's [`Error`]: a failed poll's own error; for the others,
    /// [`Error::Timeout`] (deadline) or [`Error::Validation`] (failed state) with the
    /// description.
    pub fn into_error(self) -> Error {
        match self {
            WaitError::Request { error, .. } => error,
            WaitError::Deadline { waited, .. } => Error::Timeout(waited),
            e @ WaitError::Failed { .. } => Error::Validation(e.to_string()),
        }
    }
}

impl<T> fmt::Display for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Deadline { waited, polls, .. } => write!(
                f,
                "the condition did not hold within the deadline ({polls} polls over {waited:?})"
            ),
            WaitError::Failed { reason, .. } => write!(f, "the wait cannot succeed: {reason}"),
            WaitError::Request { error, .. } => write!(f, "a poll failed: {error}"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for WaitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Request { error, .. } => Some(error),
            _ => None,
        }
    }
}

type Check<'a, T> = Box<dyn Fn(&T) -> bool + Send + Sync + 'a>;
type FailCheck<'a, T> = Box<dyn Fn(&T) -> Option<String> + Send + Sync + 'a>;

/// A wait, set up by [`wait_for`]: `.await` it (after any of the settings).
#[must_use = "a wait does nothing until it is awaited"]
pub struct WaitFor<'a, R: StripeRequest> {
    client: &'a Client,
    request: R,
    opts: RequestOptions,
    done: Check<'a, R::Output>,
    failed: Option<FailCheck<'a, R::Output>>,
    deadline: Duration,
    first: Duration,
    factor: f64,
    max: Duration,
}

impl<R: StripeRequest> fmt::Debug for WaitFor<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor")
            .field("operation", &self.request.endpoint().operation_id)
            .field("deadline", &self.deadline)
            .field("first", &self.first)
            .field("factor", &self.factor)
            .field("max", &self.max)
            .finish()
    }
}

/// Default deadline of a wait.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// Poll `request` with `client` until `done` holds for its answer: see the [module](self).
pub fn wait_for<'a, R>(
    client: &'a Client,
    request: R,
    done: impl Fn(&R::Output) -> bool + Send + Sync + 'a,
) -> WaitFor<'a, R>
where
    R: StripeRequest + 'static,
{
    WaitFor {
        client,
        request,
        opts: RequestOptions::default(),
        done: Box::new(done),
        failed: None,
        deadline: DEFAULT_DEADLINE,
        first: Duration::from_secs(1),
        factor: 1.5,
        max: Duration::from_secs(10),
    }
}

impl<'a, R: StripeRequest + 'static> WaitFor<'a, R> {
    /// Give up after `deadline` (default [`DEFAULT_DEADLINE`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }
    /// Waits between polls: `first`, then each `factor` times the one before, at most `max`
    /// (default 1 s, 1.5, 10 s).
    pub fn backoff(mut self, first: Duration, factor: f64, max: Duration) -> Self {
        self.first = first;
        self.factor = if factor.is_finite() && factor >= 1.0 {
            factor
        } else {
            1.0
        };
        self.max = max.max(first);
        self
    }
    /// Stop early with [`WaitError::Failed`] when `failed` returns a reason.
    pub fn fail_when(
        mut self,
        failed: impl Fn(&R::Output) -> Option<String> + Send + Sync + 'a,
    ) -> Self {
        self.failed = Some(Box::new(failed));
        self
    }
    /// Poll with these options (a connected account, say).
    pub fn options(mut self, opts: RequestOptions) -> Self {
        self.opts = opts;
        self
    }

    async fn run(self) -> Result<R::Output, WaitError<R::Output>> {
        let clock = self.client.clock();
        let start = clock.now();
        let mut wait = self.first;
        let mut polls = 0u32;
        let mut last: Option<Box<R::Output>> = None;
        loop {
            polls += 1;
            let answer = self
                .client
                .execute(&self.request, self.opts.clone())
                .await
                .map(Response::into_inner);
            let state = match answer {
                Ok(state) => state,
                Err(error) => return Err(WaitError::Request { error, last }),
            };
            if (self.done)(&state) {
                return Ok(state);
            }
            if let Some(reason) = self.failed.as_ref().and_then(|f| f(&state)) {
                return Err(WaitError::Failed {
                    last: Box::new(state),
                    reason,
                });
            }
            let elapsed = clock.now().saturating_duration_since(start);
            if elapsed >= self.deadline {
                return Err(WaitError::Deadline {
                    last: Box::new(state),
                    waited: elapsed,
                    polls,
                });
            }
            last = Some(Box::new(state));
            clock.sleep(wait.min(self.deadline - elapsed)).await;
            wait = Duration::try_from_secs_f64(wait.as_secs_f64() * self.factor)
                .map_or(self.max, |w| w.min(self.max));
        }
    }
}

impl<'a, R> IntoFuture for WaitFor<'a, R>
where
    R: StripeRequest + 'static,
{
    type Output = Result<R::Output, WaitError<R::Output>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

// The ready-made waiters: one each, in the API area it needs.

/// Wait until a test clock is `ready` (its advance is done); fails on `internal_failure`.
#[cfg(feature = "billing")]
pub fn test_clock_ready<'a>(
    client: &'a Client,
    test_clock: impl Into<stripe_types::TestHelpersTestClockId>,
) -> WaitFor<'a, stripe_types::RetrieveTestHelpersTestClock> {
    wait_for(
        client,
        stripe_types::RetrieveTestHelpersTestClock::new(test_clock),
        |c| c.status.as_str() == "ready",
    )
    .fail_when(|c| {
        (c.status.as_str() == "internal_failure")
            .then(|| format!("test clock {} is in internal_failure", c.id))
    })
}

/// Advance a test clock to `frozen_time` and wait until it is `ready` again (default
/// deadline: [`DEFAULT_DEADLINE`]; Stripe advances a clock in seconds to minutes, more with
/// many objects attached).
#[cfg(feature = "billing")]
pub async fn advance_test_clock(
    client: &Client,
    test_clock: impl Into<stripe_types::TestHelpersTestClockId>,
    frozen_time: impl Into<stripe_types::rt::Timestamp>,
    deadline: Duration,
) -> Result<stripe_types::TestHelpersTestClock, WaitError<stripe_types::TestHelpersTestClock>> {
    let id = test_clock.into();
    let advance = stripe_types::AdvanceTestHelpersTestClock::new(id.clone(), frozen_time);
    let advancing = client
        .send(&advance)
        .await
        .map_err(|error| WaitError::Request { error, last: None })?;
    if advancing.status.as_str() == "ready" {
        return Ok(advancing);
    }
    test_clock_ready(client, id).deadline(deadline).await
}

/// Wait until a PaymentIntent has left `processing` (it succeeded, or needs a new payment
/// method, an action or a capture).
#[cfg(feature = "payments")]
pub fn payment_intent_settled<'a>(
    client: &'a Client,
    payment_intent: impl Into<stripe_types::PaymentIntentId>,
) -> WaitFor<'a, stripe_types::RetrievePaymentIntent> {
    wait_for(
        client,
        stripe_types::RetrievePaymentIntent::new(payment_intent),
        |pi| pi.status.as_str() != "processing",
    )
}

/// Wait until a report run has `succeeded` (its `result` file is there); fails when it
/// `failed` (with its `error`). Report runs take from seconds to minutes: set a deadline.
#[cfg(feature = "reporting")]
pub fn report_run_finished<'a>(
    client: &'a Client,
    report_run: impl Into<stripe_types::ReportingReportRunId>,
) -> WaitFor<'a, stripe_types::RetrieveReportingReportRun> {
    wait_for(
        client,
        stripe_types::RetrieveReportingReportRun::new(report_run),
        |r| r.status == "succeeded",
    )
    .fail_when(|r| {
        (r.status == "failed").then(|| {
            format!(
                "report run {} failed: {}",
                r.id,
                r.error.as_deref().unwrap_or("no error given")
            )
        })
    })
}

/// Wait until no requirement of a v2 account awaits Stripe: every entry of its
/// `requirements` and `future_requirements` is either gone or waits on the user
/// (`awaiting_action_from: user`), so the account's verification has settled. Polls with
/// `include=requirements,future_requirements`.
#[cfg(feature = "v2")]
pub fn v2_account_requirements_settled<'a>(
    client: &'a Client,
    account: impl Into<stripe_types::V2CoreAccountId>,
) -> WaitFor<'a, stripe_types::RetrieveV2CoreAccount> {
    use stripe_types::v2_core_account::Include;
    let request = stripe_types::RetrieveV2CoreAccount::new(account)
        .include([Include::Requirements, Include::FutureRequirements]);
    wait_for(client, request, |a| {
        let now = a
            .requirements
            .iter()
            .flat_map(|r| r.entries.iter().flatten());
        let future = a
            .future_requirements
            .iter()
            .flat_map(|r| r.entries.iter().flatten());
        !now.chain(future)
            .any(|e| e.awaiting_action_from.as_str() == "stripe")
    })
}
