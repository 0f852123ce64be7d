//! Run many SDK calls concurrently, with a bound, and get every result back in order.
//!
//! ```no_run
//! use stripe_client::batch::Batch;
//! use stripe_client::prelude::*;
//! use stripe_client::types::RetrieveFile;
//! # async fn f(client: &Client) {
//! let ids = ["file_1", "file_2", "file_3"];
//! let mut batch = Batch::new().concurrency(8);
//! for id in ids {
//!     let client = client.clone();
//!     batch.push(async move { RetrieveFile::new(id).send(&client).await });
//! }
//! for (id, result) in ids.iter().zip(batch.run().await) {
//!     match result {
//!         Ok(file) => println!("{id}: {} bytes", file.size),
//!         Err(e) => println!("{id}: failed: {e}"),
//!     }
//! }
//! # }
//! ```
//!
//! Each call gets its own slot: one that returns an error or panics fails only that slot
//! ([`BatchError::Failed`] / [`BatchError::Panicked`]); the others run to completion.
//! At most [`concurrency`](Batch::concurrency) calls are in flight at once (default
//! [`DEFAULT_CONCURRENCY`]); the client's connection pool is shared by all of them. The bound
//! is not a rate: give the client a [`Governor`](crate::governor::Governor) and each call
//! waits for a slot under Stripe's rate limits, so a backfill of any size paces itself instead
//! of collecting 429s.

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;

/// In-flight calls when [`Batch::concurrency`] is not set.
pub const DEFAULT_CONCURRENCY: usize = 10;

/// Why one slot of a batch has no value.
#[derive(Debug)]
#[non_exhaustive]
pub enum BatchError<E = crate::Error> {
    /// The call returned an error.
    Failed(E),
    /// The call panicked; the panic message, when it was a string.
    Panicked(String),
}

impl<E> BatchError<E> {
    /// The call's own error, when it returned one.
    pub fn as_failed(&self) -> Option<&E> {
        match self {
            BatchError::Failed(e) => Some(e),
            BatchError::Panicked(_) => None,
        }
    }

    /// `true` when the call panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, BatchError::Panicked(_))
    }
}

impl<E: fmt::Display> fmt::Display for BatchError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Failed(e) => write!(f, "{e}"),
            BatchError::Panicked(msg) => write!(f, "the call panicked: {msg}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for BatchError<E> {}

/// A set of calls to run concurrently. Results come back in the order the calls were
/// pushed, each its own `Result`.
#[must_use = "a batch does nothing until `run().await`"]
pub struct Batch<'a, T, E = crate::Error> {
    calls: Vec<BoxFuture<'a, Result<T, E>>>,
    concurrency: usize,
}

impl<T, E> fmt::Debug for Batch<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("calls", &self.calls.len())
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl<T, E> Default for Batch<'_, T, E> {
    fn default() -> Self {
        Batch {
            calls: Vec::new(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

impl<'a, T: Send + 'a, E: Send + 'a> Batch<'a, T, E> {
    /// An empty batch with [`DEFAULT_CONCURRENCY`].
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `n` calls in flight at once (`0` is treated as `1`).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Add a call (any future: `req.send(&client)`, or an `async` block doing several).
    pub fn push<F>(&mut self, call: F) -> &mut Self
    where
        F: Future<Output = Result<T, E>> + Send + 'a,
    {
        self.calls.push(call.boxed());
        self
    }

    /// Add a call, builder style.
    pub fn with<F>(mut self, call: F) -> Self
    where
        F: Future<Output = Result<T, E>> + Send + 'a,
    {
        self.push(call);
        self
    }

    /// How many calls were added.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// `true` when no call was added.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Run every call, at most `concurrency` at a time, and return their results in the
    /// order they were pushed.
    pub async fn run(self) -> Vec<Result<T, BatchError<E>>> {
        let n = self.calls.len();
        let mut slots: Vec<Option<Result<T, BatchError<E>>>> = (0..n).map(|_| None).collect();
        let mut done = futures_util::stream::iter(self.calls.into_iter().enumerate().map(
            |(i, call)| async move {
                let out = match AssertUnwindSafe(call).catch_unwind().await {
                    Ok(Ok(v)) => Ok(v),
                    Ok(Err(e)) => Err(BatchError::Failed(e)),
                    Err(panic) => Err(BatchError::Panicked(panic_message(panic.as_ref()))),
                };
                (i, out)
            },
        ))
        .buffer_unordered(self.concurrency);
        while let Some((i, out)) = done.next().await {
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(out);
            }
        }
        slots
            .into_iter()
            .map(|s| {
                s.unwrap_or_else(|| Err(BatchError::Panicked("the call did not finish".into())))
            })
            .collect()
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
