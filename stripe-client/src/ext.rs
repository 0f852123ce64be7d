//! The call shape `CreateCustomer::new().email("a@b.com").send(&client).await?`.

use crate::pagination::ItemStream;
use crate::{Client, Error, RequestOptions, Response};
use std::future::Future;
use stripe_types::rt::{Paginated, StripeRequest};

/// Sends any [`StripeRequest`] with a [`Client`]. Implemented for every request type;
/// bring it into scope with `use stripe_client::prelude::*`.
///
/// A request type owns its parameters (`'static`, as every generated one does), so a test
/// double can see it as the typed value it is (`stripe_client::testing`).
pub trait StripeRequestExt: StripeRequest + Sized + 'static {
    /// Send and decode.
    fn send<'a>(
        &'a self,
        client: &'a Client,
    ) -> impl Future<Output = Result<Self::Output, Error>> + Send + 'a {
        async move {
            let response = client.execute(self, RequestOptions::default()).await;
            response.map(Response::into_inner)
        }
    }

    /// Send with per-request options.
    fn send_with<'a>(
        &'a self,
        client: &'a Client,
        opts: RequestOptions,
    ) -> impl Future<Output = Result<Self::Output, Error>> + Send + 'a {
        client.send_with(self, opts)
    }

    /// Send and keep the status, headers and request id.
    fn send_with_response<'a>(
        &'a self,
        client: &'a Client,
    ) -> impl Future<Output = Result<Response<Self::Output>, Error>> + Send + 'a {
        client.send_with_response(self)
    }

    /// Page through every item of a list or search.
    fn stream(&self, client: &Client) -> ItemStream<<Self::Output as Paginated>::Item>
    where
        Self::Output: Paginated,
    {
        client.stream(self)
    }

    /// Page through every item with per-request options (kept on every page).
    fn stream_with(
        &self,
        client: &Client,
        opts: RequestOptions,
    ) -> ItemStream<<Self::Output as Paginated>::Item>
    where
        Self::Output: Paginated,
    {
        client.stream_with(self, opts)
    }
}

impl<R: StripeRequest + 'static> StripeRequestExt for R {}
