//! The request pipeline, in stages: `prepare` → `attempt` → `classify` → `decode`, with the
//! request loop (`send`) around the middle two, asking the client's
//! [`RetryPolicy`](crate::retry::RetryPolicy) after every failed attempt.
//!
//! Each stage is a plain function of its inputs; only `attempt` awaits the transport and a
//! timer (`rt::timeout`: tokio's timer, or the JavaScript host's on wasm32), and only the
//! loop sleeps (through the client's [`Clock`](crate::retry::Clock)). The stages read the
//! client's [`Settings`](crate::settings::Settings), never the client or its builder.

mod attempt;
mod classify;
mod decode;
mod govern;
pub(crate) mod headers;
mod prepare;
mod send;

pub(crate) use decode::{decode_body, RawResponse};
pub(crate) use prepare::Prepared;
pub(crate) use send::send_with_retries;
