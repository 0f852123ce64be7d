//! Stage 1, prepare: a request is encoded once into a [`Prepared`], and every attempt's
//! [`HttpRequest`] (URL, headers, body bytes) is built from it.

use super::headers::request_headers;
use crate::clock::Clock;
use crate::config::MAX_IDEMPOTENCY_KEY_LEN;
use crate::encode::{encode_pairs, expand_pairs, Body, Params};
use crate::error::Error;
use crate::options::RequestOptions;
use crate::settings::Settings;
use crate::transport::HttpRequest;
use std::borrow::Cow;
use stripe_types::rt::{
    Auth, CheckContext, Encoding, Endpoint, Host, Method, StripeRequest, Timestamp,
};

/// A request after encoding, before headers: what one attempt (or one page) sends.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) host: Host,
    /// The path; may carry its own query (v2 `next_page_url`).
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Body,
    pub(crate) operation_id: Cow<'static, str>,
    pub(crate) is_v2: bool,
    /// The credential: a meter event session's token is never replaced by the API key
    /// ([`Prepared::to_http`] refuses instead).
    pub(crate) auth: Auth,
}

impl Prepared {
    /// Encode a typed request, after its own checks
    /// ([`StripeRequest::validate`]: a blank id in the path, the metering limits, ...) with
    /// `clock`'s now. `raw_request` has no checks, on purpose.
    pub(crate) fn from_request<R: StripeRequest>(
        req: &R,
        clock: &dyn Clock,
    ) -> Result<Prepared, Error> {
        let now = Timestamp(clock.unix_millis() / 1000);
        req.validate(&CheckContext::at(now))?;
        Prepared::new(req.endpoint(), req.auth(), req)
    }

    /// [`Self::from_request`] once the request type is erased: compiled once, here.
    fn new(ep: Endpoint, auth: Auth, params: &Params<'_>) -> Result<Prepared, Error> {
        let (query, body) = Body::encode(ep.method, ep.encoding, params)
            .map_err(|e| Error::Validation(format!("{}: {e}", ep.operation_id)))?;
        Ok(Prepared {
            method: ep.method,
            host: ep.host,
            is_v2: ep.is_v2(),
            path: ep.path.into_owned(),
            query,
            body,
            operation_id: Cow::Borrowed(ep.operation_id),
            auth,
        })
    }

    /// Encode a raw request to `api.stripe.com`: `params` form-encoded on v1 and for
    /// GET/DELETE, JSON on v2 POSTs.
    pub(crate) fn raw(
        method: Method,
        path: &str,
        params: &serde_json::Value,
    ) -> Result<Prepared, Error> {
        if !path.starts_with('/') {
            return Err(Error::Validation(format!(
                "path must start with '/': {path:?}"
            )));
        }
        if path.contains(['\r', '\n', ' ', '#']) {
            return Err(Error::Validation(
                "path contains characters that must be escaped".into(),
            ));
        }
        let is_v2 = path.starts_with("/v2/");
        let encoding = if is_v2 {
            Encoding::Json
        } else {
            Encoding::Form
        };
        let (query, body) = Body::encode(method, encoding, params)
            .map_err(|e| Error::Validation(format!("raw request: {e}")))?;
        Ok(Prepared {
            method,
            host: Host::Api,
            path: path.to_owned(),
            query,
            body,
            operation_id: Cow::Borrowed("raw"),
            is_v2,
            auth: Auth::ApiKey,
        })
    }

    /// Replace (or add) a query parameter: the pagination cursors.
    pub(crate) fn set_query(&mut self, key: &str, value: String) {
        self.query.retain(|(k, _)| k != key);
        self.query.push((key.to_owned(), value));
    }

    pub(crate) fn has_query(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }

    /// The idempotency key: the caller's (checked), a new one for a POST (and a v2 DELETE),
    /// or none. Every attempt of the request sends the same key.
    pub(crate) fn idempotency_key(&self, opts: &RequestOptions) -> Result<Option<String>, Error> {
        let wants_key =
            self.method == Method::Post || (self.method == Method::Delete && self.is_v2);
        match &opts.idempotency_key {
            Some(k) if k.len() > MAX_IDEMPOTENCY_KEY_LEN => Err(Error::Validation(format!(
                "idempotency key longer than {MAX_IDEMPOTENCY_KEY_LEN} characters"
            ))),
            Some(k) if k.trim().is_empty() => {
                Err(Error::Validation("idempotency key is blank".into()))
            }
            Some(k) => Ok(Some(k.clone())),
            None if wants_key => Ok(Some(crate::random::uuid_v4().to_string())),
            None => Ok(None),
        }
    }

    /// The wire request of one attempt.
    pub(crate) fn to_http(
        &self,
        client: &Settings,
        opts: &RequestOptions,
        idempotency_key: Option<&str>,
    ) -> Result<HttpRequest, Error> {
        if self.auth == Auth::MeterEventSession
            && !opts
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        {
            // Never the API key where a session token belongs.
            return Err(Error::Config(format!(
                "{} authenticates with a meter event session token, not the API key; \
                 send it with Client::send (stripe-client's `billing` and `v2` features), \
                 which creates and renews the session",
                self.operation_id
            )));
        }
        let base = client.base_url(self.host);
        let mut url = String::with_capacity(base.len() + self.path.len() + 64);
        url.push_str(base);
        url.push_str(&self.path);
        let mut query = Cow::Borrowed(&self.query);
        if !self.body.carries_expand() && !opts.expand.is_empty() {
            let extra = expand_pairs(self.query.iter().map(|(k, _)| k.as_str()), &opts.expand);
            query.to_mut().extend(extra);
        }
        if !query.is_empty() {
            url.push(if self.path.contains('?') { '&' } else { '?' });
            url.push_str(&encode_pairs(&query));
        }
        let body = self
            .body
            .to_wire(&opts.expand)
            .map_err(|e| Error::Validation(format!("{}: {e}", self.operation_id)))?;
        let headers = request_headers(
            &client.headers,
            self.is_v2,
            opts,
            idempotency_key,
            body.content_type,
        )?;
        Ok(HttpRequest {
            method: self.method,
            url,
            headers,
            body: body.bytes,
            timeout: Some(client.timeout(opts)),
        })
    }
}
