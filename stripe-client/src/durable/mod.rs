//! Durable storage for usage that must survive a crash and webhooks that must run once
//! (features `durable-sqlite`, `durable-postgres`; native targets).
//!
//! A [`Store`] is an embedded SQLite file (one machine) or a Postgres server (a fleet). Two
//! components keep their tables in it, each creating and migrating them itself:
//!
//! - [`meter::Outbox`](crate::meter::Outbox) and its
//!   [`OutboxDrainer`](crate::meter::OutboxDrainer) (with `billing` and `v2`): meter events
//!   stored before `record` returns, sent on the v2 meter event stream by drainers that may
//!   crash and may run on several machines;
//! - [`webhook::EventLedger`](crate::webhook::EventLedger): each event id handled once.
//!
//! Every failure is a [`StoreError`] with a [`StoreErrorKind`] to match on (unavailable,
//! corrupt, full, busy, ...). See `guides/metering-durability.md`.
//!
//! Time in the tables is Unix milliseconds from the component's clock (the machine's by
//! default). Leases compare those times across machines: keep their clocks in sync (NTP does);
//! a clock that runs ahead only makes a drainer take over a lease early, which resends events
//! with their identifiers (Stripe drops the repeat), never a second count.
#![cfg_attr(
    not(all(feature = "billing", feature = "v2")),
    doc = concat!("\n[`meter::Outbox`]: ", docs_rs!("meter/struct.Outbox.html")),
    doc = concat!("[`OutboxDrainer`]: ", docs_rs!("meter/struct.OutboxDrainer.html"))
)]

mod error;
mod store;

pub(crate) use error::retry_broken;
pub use error::{StoreError, StoreErrorKind};
#[cfg(feature = "durable-sqlite")]
pub(crate) use store::sqlite_tx;
pub(crate) use store::Backend;
#[cfg(feature = "durable-sqlite")]
pub use store::{SqliteOptions, Synchronous};
pub use store::{Store, StoreKind};

/// The `sqlx` this crate is built with: for your own pools and transactions
/// ([`Store::from_pg_pool`], [`Outbox::record_in`](crate::meter::Outbox::record_in)).
pub use sqlx;

/// The clock's wall time in Unix milliseconds.
pub(crate) fn now_ms(clock: &dyn crate::retry::Clock) -> i64 {
    clock.unix_millis()
}
