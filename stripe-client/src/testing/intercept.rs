//! The client's hook for typed requests, alone at the bottom: the client's settings hold one,
//! and it imports nothing of the client, so `settings.rs` does not import the mock (which
//! builds clients).

use crate::encode::Params;
use crate::{Error, RequestOptions};
use std::any::Any;
use stripe_types::rt::Endpoint;

/// The client's hook for typed requests (set only on clients built from a [`StripeMock`]).
pub(crate) trait Intercept: Send + Sync + 'static {
    /// See a typed request before it is sent: options to send it with, or why it cannot be
    /// answered.
    fn intercept(
        &self,
        endpoint: &Endpoint,
        typed: &dyn Any,
        params: &Params<'_>,
        opts: RequestOptions,
    ) -> Result<RequestOptions, Error>;
}
