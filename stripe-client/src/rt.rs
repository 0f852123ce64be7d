//! What differs between targets, in one place: the clock's types, `sleep` and the
//! per-attempt `timeout`.
//!
//! - Native targets: std's clock and tokio's timer.
//! - `wasm32` in a JavaScript host (Cloudflare Workers, Deno, Node, browsers): the clock
//!   through `Date` and `performance` (`web-time`), the timer through the host's
//!   `setTimeout`. The host's futures (a `fetch`, a timer) are not `Send`, so they run as
//!   local tasks on the host's event loop and hand their output back over a channel
//!   ([`run_local`]): the client's futures stay `Send` on every target.

#[cfg(target_arch = "wasm32")]
pub(crate) use imp::run_local;
pub(crate) use imp::sleep;
pub use imp::{Instant, SystemTime, UNIX_EPOCH};

use std::future::Future;
use std::time::Duration;

/// Run `future` for at most `duration`: `None` when the time ran out first.
pub(crate) async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
    imp::timeout(duration, future).await
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::future::Future;
    use std::time::Duration;
    pub use std::time::{Instant, SystemTime, UNIX_EPOCH};

    pub(crate) fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(duration)
    }

    pub(super) async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        tokio::time::timeout(duration, future).await.ok()
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use futures_util::future::{select, Either};
    use std::future::Future;
    use std::pin::pin;
    use std::time::Duration;
    use wasm_bindgen::{JsCast, JsValue};
    pub use web_time::{Instant, SystemTime, UNIX_EPOCH};

    /// Wait `duration` on the host's `setTimeout`. Dropped early (a request that finished
    /// before its timeout), it clears the timer: a pending one would keep Node's process
    /// alive and a Worker's invocation busy.
    pub(crate) fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + 'static {
        // setTimeout takes a signed 32-bit count of milliseconds (about 24.8 days).
        let ms = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
        let timer = async move {
            let mut timer = Timer(None);
            let promise = js_sys::Promise::new(&mut |resolve, _reject| {
                timer.0 = host_function("setTimeout").and_then(|set_timeout| {
                    set_timeout
                        .call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(ms))
                        .ok()
                });
                // A host without `setTimeout` (none that runs wasm-bindgen code): do not
                // wait forever.
                if timer.0.is_none() {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
            });
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            drop(timer);
        };
        let timer = run_local(timer);
        async move {
            timer.await;
        }
    }

    /// A `setTimeout` id, cleared on drop (a no-op once the timer has fired).
    struct Timer(Option<JsValue>);

    impl Drop for Timer {
        fn drop(&mut self) {
            if let (Some(id), Some(clear)) = (&self.0, host_function("clearTimeout")) {
                let _ = clear.call1(&JsValue::UNDEFINED, id);
            }
        }
    }

    fn host_function(name: &str) -> Option<js_sys::Function> {
        js_sys::Reflect::get(&js_sys::global(), &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    }

    pub(super) async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        match select(pin!(future), pin!(sleep(duration))).await {
            Either::Left((output, _)) => Some(output),
            Either::Right(_) => None,
        }
    }

    /// Run a future that is not `Send` as a task on the host's event loop; the returned
    /// future (`Send`) yields its output, or `None` if the task ended without one. Dropping
    /// the returned future stops the task at its next wake-up (dropping a `fetch` aborts
    /// it).
    pub(crate) fn run_local<T: Send + 'static>(
        future: impl Future<Output = T> + 'static,
    ) -> impl Future<Output = Option<T>> + Send + 'static {
        let (mut tx, rx) = futures_channel::oneshot::channel();
        wasm_bindgen_futures::spawn_local(async move {
            let output = match select(pin!(future), tx.cancellation()).await {
                Either::Left((output, _)) => output,
                Either::Right(_) => return,
            };
            let _ = tx.send(output);
        });
        async move { rx.await.ok() }
    }
}
