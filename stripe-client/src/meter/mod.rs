//! Usage-based billing: meters, meter events, adjustments, and the v2 meter event stream.
//!
//! The v1 helpers need the `billing` feature; the v2 endpoints and the stream also need
//! `v2`. The [`guard`]s are the meter requests' own checks
//! ([`StripeRequest::validate`](stripe_types::rt::StripeRequest::validate)): every typed
//! meter request runs them before it is sent, whatever the features.
//!
//! - **v1** ([Stripe's API reference]): [`MeterBuilder`] (`count` / `sum` / `last`, so a `sum` meter
//!   without a value key cannot be written), [`create_meter`], [`retrieve_meter`],
//!   [`update_meter_display_name`], [`list_meters`], [`stream_meters`],
//!   [`deactivate_meter`], [`reactivate_meter`], [`event_summaries`];
//!   [`MeterEvent::send`] with an identifier, a timestamp and an idempotency key;
//!   [`MeterEventAdjustment::send`].
//! - **Guards** ([`guard`]): checks that fail before the network with [`Error::Guard`]
//!   (match on [`GuardKind`]) and a message that says what to change. Every typed meter
//!   request runs them, however it is sent (generated struct, builder, `Batch`, these
//!   helpers), from its own `validate`; the `*_json` functions run them on untyped params;
//!   [`Client::raw_request`](crate::Client::raw_request) bypasses them on purpose.
//! - **v2 stream, low level**: [`create_session`] → [`MeterEventSession`],
//!   [`send_events`] (≤ 100 events, session token as bearer, meter-events host);
//!   [`MeterEvent::send_v2`] and [`MeterEventAdjustment::send_v2`] for the synchronous v2
//!   endpoints.
//! - **v2 stream, high level**: [`MeterEventSender`] batches, renews sessions, retries and
//!   reports every failed event to a [`FailureSink`] (native targets: it runs a tokio task).
//!
//! ```no_run
//! use stripe_client::meter::{MeterBuilder, MeterEvent};
//! # async fn f(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
//! let meter = MeterBuilder::sum("API requests", "api_requests", "value").create(&client).await?;
//! MeterEvent::new("api_requests", "cus_123")
//!     .value(25)
//!     .identifier("req_8f3a")          // Stripe dedups on this (≥ 24 h)
//!     .idempotency_key("req_8f3a")     // and the request on this
//!     .send(&client)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! See `guides/metering.md`.
//!
//! [`Error::Guard`]: crate::Error::Guard
//! [Stripe's API reference]: https://docs.stripe.com/api/billing/meter
// Where a feature leaves items out, their links above point at docs.rs.
#![cfg_attr(
    not(feature = "billing"),
    doc = concat!("[`MeterBuilder`]: ", docs_rs!("meter/struct.MeterBuilder.html")),
    doc = concat!("[`create_meter`]: ", docs_rs!("meter/fn.create_meter.html")),
    doc = concat!("[`retrieve_meter`]: ", docs_rs!("meter/fn.retrieve_meter.html")),
    doc = concat!("[`update_meter_display_name`]: ", docs_rs!("meter/fn.update_meter_display_name.html")),
    doc = concat!("[`list_meters`]: ", docs_rs!("meter/fn.list_meters.html")),
    doc = concat!("[`stream_meters`]: ", docs_rs!("meter/fn.stream_meters.html")),
    doc = concat!("[`deactivate_meter`]: ", docs_rs!("meter/fn.deactivate_meter.html")),
    doc = concat!("[`reactivate_meter`]: ", docs_rs!("meter/fn.reactivate_meter.html")),
    doc = concat!("[`event_summaries`]: ", docs_rs!("meter/fn.event_summaries.html")),
    doc = concat!("[`MeterEvent::send`]: ", docs_rs!("meter/struct.MeterEvent.html#method.send")),
    doc = concat!("[`MeterEventAdjustment::send`]: ", docs_rs!("meter/struct.MeterEventAdjustment.html#method.send"))
)]
// (The stream needs `billing` and `v2`.)
#![cfg_attr(
    not(all(feature = "billing", feature = "v2")),
    doc = concat!("[`create_session`]: ", docs_rs!("meter/fn.create_session.html")),
    doc = concat!("[`MeterEventSession`]: ", docs_rs!("meter/struct.MeterEventSession.html")),
    doc = concat!("[`send_events`]: ", docs_rs!("meter/fn.send_events.html")),
    doc = concat!("[`MeterEvent::send_v2`]: ", docs_rs!("meter/struct.MeterEvent.html#method.send_v2")),
    doc = concat!("[`MeterEventAdjustment::send_v2`]: ", docs_rs!("meter/struct.MeterEventAdjustment.html#method.send_v2")),
    doc = concat!("[`MeterEventSender`]: ", docs_rs!("meter/struct.MeterEventSender.html")),
    doc = concat!("[`FailureSink`]: ", docs_rs!("meter/trait.FailureSink.html"))
)]

#[cfg(feature = "billing")]
mod event;
pub mod guard;
// The sender's background task runs on tokio: native targets only.
#[cfg(all(
    feature = "billing",
    feature = "v2",
    any(feature = "durable-sqlite", feature = "durable-postgres"),
    not(target_arch = "wasm32")
))]
mod outbox;
#[cfg(all(feature = "billing", feature = "v2", not(target_arch = "wasm32")))]
mod sender;
// Also the client's own session for `send` of the stream request (wasm32 too).
#[cfg(all(feature = "billing", feature = "v2"))]
mod sessions;
#[cfg(all(feature = "billing", feature = "v2"))]
mod stream;
#[cfg(feature = "billing")]
mod v1;

#[cfg(feature = "billing")]
pub use event::{EventIdentifier, MeterEvent, MeterValue, DEFAULT_CUSTOMER_KEY, DEFAULT_VALUE_KEY};
pub use guard::{GuardError, GuardKind};
#[cfg(all(
    feature = "billing",
    feature = "v2",
    any(feature = "durable-sqlite", feature = "durable-postgres"),
    not(target_arch = "wasm32")
))]
pub use outbox::{
    DeadLetter, DeadLetterReason, DrainReport, DrainerHandle, DrainerHealth, DrainerStats,
    EventStatus, Outbox, OutboxDrainer, OutboxDrainerBuilder, OutboxStats, DEFAULT_RESEND_WINDOW,
    STRIPE_DEDUP_WINDOW,
};
#[cfg(all(feature = "billing", feature = "v2", not(target_arch = "wasm32")))]
pub use sender::{
    FailedEvent, FailureSink, LogSink, MeterEventSender, MeterEventSenderBuilder, SenderStats,
};
#[cfg(all(feature = "billing", feature = "v2"))]
pub(crate) use sessions::{execute_with_session, SessionCache};
#[cfg(all(feature = "billing", feature = "v2"))]
pub use stream::{
    create_session, create_v2_adjustment, create_v2_event, send_events, send_events_at,
    send_stream_request, MeterEventSession, STREAM_PATH,
};
#[cfg(feature = "billing")]
pub use v1::{
    check_create_adjustment, check_create_event, check_create_meter, create_adjustment_json,
    create_event_json, create_meter, create_meter_json, deactivate_meter, event_summaries,
    list_meters, reactivate_meter, retrieve_meter, stream_meters, update_meter_display_name,
    MeterBuilder, MeterEventAdjustment,
};

/// The metering guide (`guides/metering.md`), compiled so its examples stay correct.
#[cfg(all(doctest, feature = "billing", feature = "v2"))]
#[doc = include_str!("../../../guides/metering.md")]
pub struct MeteringGuide;
