//! The meter event session a stream sender shares across its requests: created on first use,
//! renewed a margin before it expires (once, however many requests ask at the same moment),
//! and dropped when the server says it expired. Used by
//! [`MeterEventSender`](super::MeterEventSender), the outbox drainer and the client itself
//! (`send` of the generated stream request, also on wasm32: the lock is `futures_util`'s).

use super::stream::{create_session, MeterEventSession};
use crate::options::RequestOptions;
use crate::pipeline::Prepared;
use crate::retry::Clock;
use crate::{Client, Error};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub(crate) struct SessionCache {
    current: RwLock<Option<Arc<MeterEventSession>>>,
    renew: futures_util::lock::Mutex<()>,
    margin_ms: i64,
}

/// Renew a session this long before it expires, by default.
pub(crate) const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache::new(DEFAULT_REFRESH_MARGIN)
    }
}

impl SessionCache {
    /// A cache renewing sessions `margin` before they expire (capped at a third of a
    /// session's lifetime).
    pub(crate) fn new(margin: Duration) -> Self {
        SessionCache {
            current: RwLock::new(None),
            renew: futures_util::lock::Mutex::new(()),
            margin_ms: i64::try_from(margin.as_millis()).unwrap_or(i64::MAX),
        }
    }

    fn fresh(&self, wall: &dyn Clock) -> Option<Arc<MeterEventSession>> {
        let g = self.current.read().ok()?;
        let s = g.as_ref()?;
        let margin = self.margin_ms.min(s.lifetime_ms() / 3);
        (s.remaining_ms(wall) > margin).then(|| s.clone())
    }

    /// The current session, or a new one (`true` when this call created it).
    pub(crate) async fn get(
        &self,
        client: &Client,
        clock: &dyn Clock,
    ) -> Result<(Arc<MeterEventSession>, bool), Error> {
        if let Some(s) = self.fresh(clock) {
            return Ok((s, false));
        }
        let _g = self.renew.lock().await;
        if let Some(s) = self.fresh(clock) {
            return Ok((s, false));
        }
        let s = Arc::new(create_session(client).await?);
        if let Ok(mut g) = self.current.write() {
            *g = Some(s.clone());
        }
        Ok((s, true))
    }

    /// Forget session `id` (the server said it expired); the next `get` creates one.
    pub(crate) fn invalidate(&self, id: &str) {
        if let Ok(mut g) = self.current.write() {
            if g.as_ref().is_some_and(|s| s.id == id) {
                *g = None;
            }
        }
    }
}

/// Send a request that authenticates with a meter event session (the generated
/// `CreateV2BillingMeterEventStream`) through `client.send`: the client's own session,
/// created and renewed on its own, as bearer; a session the server calls expired is dropped
/// and the request sent once more with a new one. A caller's own `Authorization` header is
/// kept as given.
pub(crate) async fn execute_with_session(
    client: &Client,
    cache: &SessionCache,
    prepared: &Prepared,
    opts: RequestOptions,
) -> Result<crate::pipeline::RawResponse, Error> {
    if opts
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
    {
        return client.execute_prepared(prepared, &opts).await;
    }
    let clock = client.clock();
    let mut renewed = false;
    loop {
        let (session, _) = cache.get(client, &*clock).await?;
        let mut with_token = opts.clone();
        with_token.headers.push((
            "authorization".into(),
            format!("Bearer {}", session.authentication_token.expose()),
        ));
        match client.execute_prepared(prepared, &with_token).await {
            Err(Error::SessionExpired(_)) if !renewed => {
                cache.invalidate(&session.id);
                renewed = true;
            }
            r => return r,
        }
    }
}
