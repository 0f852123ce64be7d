//! The request pipeline, in stages: `prepare` → `attempt` → `classify` → `decode`, with the
//! retry loop around the middle two in [`crate::retry`].
//!
//! Each stage is a plain function of its inputs; only `attempt` awaits the transport and a
//! timer (`rt::timeout`: tokio's timer, or the JavaScript host's on wasm32), and only the retry loop
//! sleeps (through the client's [`Clock`](crate::retry::Clock)).

mod attempt;
mod classify;
mod decode;
mod headers;
mod prepare;

pub(crate) use attempt::attempt;
pub(crate) use classify::{classify, request_id};
pub(crate) use decode::{decode_body, RawResponse};
pub(crate) use headers::{header_str, DefaultHeaders, STRIPE_NOTICE};
pub(crate) use prepare::Prepared;
