//! Reuse a pooled connection before dialing a new one.
//!
//! hyper 1's HTTP/1 pool (inside reqwest) takes a connection back only after a task it
//! spawns sees the connection idle again, a moment after the response body's end reached the
//! caller. A request that starts in that moment finds no idle connection, so hyper races a
//! wait for the next idle connection against a new dial, and when the wait wins it lets the
//! dial finish in a background task and parks the extra connection in the pool. With 64
//! concurrent callers that opened 67-94 connections (`benches/concurrency.rs`), not 64.
//!
//! [`ReuseFirstLayer`] wraps reqwest's connector. While the transport is busy (a response
//! finished in the last [`BUSY_WINDOW`], so a connection may be on its way back to the pool),
//! a dial first waits up to [`GRACE`]. If the pool hands the request a returned connection
//! meanwhile, hyper moves the dial into its background task; the dial sees that it is now
//! polled by a different tokio task from the one that asked, and ends there (with
//! [`NotNeeded`], which hyper only logs at TRACE) before any socket is opened. Otherwise it
//! dials as usual. So a client's first connections, and any connection after a quiet spell,
//! dial at once; a connection added while busy costs up to [`GRACE`] more, against a TLS
//! handshake to Stripe of tens of milliseconds.
//!
//! Measured (`cargo bench -p stripe-client --bench concurrency`, 64 tasks, 2-core machine
//! with other builds running): 67-94 connections without the layer, 64 in 10 of 10 runs
//! with it.
//!
//! If hyper ever stops moving a losing dial to another task, the check never fires and the
//! layer only adds the grace delay: it cannot fail a request that needs the connection,
//! because that request's own task is the one polling the dial.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How long a dial waits, at most, for the pool to hand the request a returned connection.
pub(crate) const GRACE: Duration = Duration::from_millis(10);

/// A response finished this recently means a connection may be returning to the pool.
pub(crate) const BUSY_WINDOW: Duration = Duration::from_millis(100);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The dial was not needed: the request it was started for got a pooled connection.
#[derive(Debug)]
pub(crate) struct NotNeeded;

impl std::fmt::Display for NotNeeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dial abandoned: the request was given a pooled connection")
    }
}

impl std::error::Error for NotNeeded {}

/// A `tower` layer for `reqwest::ClientBuilder::connector_layer`; see the module docs.
#[derive(Clone, Debug)]
pub(crate) struct ReuseFirstLayer {
    state: Arc<State>,
}

#[derive(Debug)]
struct State {
    epoch: Instant,
    /// When a response last finished, in microseconds since `epoch` (0: never).
    last_finished_us: AtomicU64,
}

impl State {
    fn now_us(&self) -> u64 {
        // +1 so that 0 keeps meaning "never".
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX - 1) + 1
    }

    fn busy(&self) -> bool {
        let last = self.last_finished_us.load(Ordering::Relaxed);
        last != 0 && self.now_us().saturating_sub(last) < BUSY_WINDOW.as_micros() as u64
    }
}

impl Default for ReuseFirstLayer {
    fn default() -> Self {
        ReuseFirstLayer {
            state: Arc::new(State {
                epoch: Instant::now(),
                last_finished_us: AtomicU64::new(0),
            }),
        }
    }
}

impl ReuseFirstLayer {
    /// Tell the layer a response has been read to its end: its connection is about to
    /// return to the pool.
    pub(crate) fn response_finished(&self) {
        self.state
            .last_finished_us
            .store(self.state.now_us(), Ordering::Relaxed);
    }
}

impl<S> tower_layer::Layer<S> for ReuseFirstLayer {
    type Service = ReuseFirst<S>;

    fn layer(&self, inner: S) -> ReuseFirst<S> {
        ReuseFirst {
            inner: Arc::new(inner),
            state: self.state.clone(),
        }
    }
}

/// The connector wrapped by [`ReuseFirstLayer`].
///
/// hyper clones the connector several times for every request (6 with reqwest 0.12.28),
/// though it dials rarely, so the wrapped connector sits behind an `Arc` and is cloned
/// only when a dial starts: a clone of reqwest's boxed connector is an allocation.
#[derive(Debug)]
pub(crate) struct ReuseFirst<S> {
    inner: Arc<S>,
    state: Arc<State>,
}

impl<S> Clone for ReuseFirst<S> {
    fn clone(&self) -> Self {
        ReuseFirst {
            inner: self.inner.clone(),
            state: self.state.clone(),
        }
    }
}

impl<S, R> tower_service::Service<R> for ReuseFirst<S>
where
    S: tower_service::Service<R> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Each call readies its own clone of the connector (below).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: R) -> Self::Future {
        let mut inner = S::clone(&self.inner);
        let wait = self.state.busy();
        Box::pin(async move {
            if wait {
                let asked_by = tokio::task::try_id();
                let mut grace = std::pin::pin!(tokio::time::sleep(GRACE));
                // Checked on every poll: hyper polls a dial it moved to the background
                // right away, so an unneeded dial ends as soon as its request is served.
                std::future::poll_fn(|cx| {
                    if tokio::task::try_id() != asked_by {
                        return Poll::Ready(Err(BoxError::from(NotNeeded)));
                    }
                    grace.as_mut().poll(cx).map(Ok)
                })
                .await?;
            }
            std::future::poll_fn(|cx| inner.poll_ready(cx))
                .await
                .map_err(Into::into)?;
            inner.call(dst).await.map_err(Into::into)
        })
    }
}
