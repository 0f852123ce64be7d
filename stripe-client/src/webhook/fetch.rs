//! Fetching the event and the object a v2 notification points to.

use super::notification::display_path;
use super::{EventNotification, V2Event};
use crate::{Client, DecodeError, Error, Method, RequestOptions, Response};
use stripe_types::rt::{encode_path_segment, Host};

impl EventNotification {
    /// The options every fetch for this notification is sent with: `Stripe-Context` from
    /// [`EventNotification::context`] and `Stripe-Request-Trigger: event=<id>`.
    pub fn request_options(&self) -> RequestOptions {
        let mut opts =
            RequestOptions::new().header("Stripe-Request-Trigger", format!("event={}", self.id));
        if let Some(ctx) = &self.context {
            opts = opts.stripe_context(ctx.clone());
        }
        opts
    }

    /// `GET /v2/core/events/{id}`: the full event, with its `data`.
    pub async fn fetch_event(&self, client: &Client) -> Result<V2Event, Error> {
        let path = format!("/v2/core/events/{}", encode_path_segment(&self.id));
        let res = client
            .raw_request_with(
                Method::Get,
                &path,
                serde_json::Value::Null,
                self.request_options(),
            )
            .await?;
        decode(res)
    }

    /// `GET <related_object.url>`: the current state of the object the event is about, as
    /// JSON (`Ok(None)` when the notification has no related object). Decode it with
    /// `serde_json::from_value` into the matching generated type.
    pub async fn fetch_related_object(
        &self,
        client: &Client,
    ) -> Result<Option<serde_json::Value>, Error> {
        let Some(related) = &self.related_object else {
            return Ok(None);
        };
        let url = related.url.as_str();
        // The URL is a path on api.stripe.com; accept it absolute only on the client's base.
        let base = client.base_url(Host::Api).trim_end_matches('/');
        let path = url.strip_prefix(base).unwrap_or(url);
        if !path.starts_with('/') {
            return Err(Error::Validation(format!(
                "related_object.url is not a path on the API host: {url:?}"
            )));
        }
        let res = client
            .raw_request_with(
                Method::Get,
                path,
                serde_json::Value::Null,
                self.request_options(),
            )
            .await?;
        Ok(Some(res.value))
    }
}

fn decode(res: Response<serde_json::Value>) -> Result<V2Event, Error> {
    serde_path_to_error::deserialize::<_, V2Event>(&res.value).map_err(|e| {
        let path = display_path(e.path());
        Error::Decode(Box::new(DecodeError {
            path: if path.is_empty() { ".".into() } else { path },
            message: e.inner().to_string(),
            snippet: String::new(),
            status: res.status,
            request_id: res.request_id().map(str::to_owned),
            body: serde_json::to_vec(&res.value).unwrap_or_default().into(),
        }))
    })
}
