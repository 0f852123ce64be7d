//! [`MockTransport`]: records requests and answers from a queue.

use super::{BoxFuture, HttpRequest, HttpResponse, Transport};
use crate::Error;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

/// A transport for tests: records every request and answers from a queue.
///
/// ```
/// use stripe_client::{Client, MockTransport, HttpResponse};
/// let mock = MockTransport::new();
/// mock.push_response(HttpResponse::json(200, r#"{"id":"cus_1"}"#));
/// let client = Client::builder("sk_test_123").transport(mock.clone()).build().unwrap();
/// ```
#[derive(Clone, Default)]
pub struct MockTransport {
    inner: Arc<Mutex<MockState>>,
}

#[derive(Default)]
struct MockState {
    queue: VecDeque<Result<HttpResponse, Error>>,
    requests: Vec<HttpRequest>,
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state();
        f.debug_struct("MockTransport")
            .field("queued", &st.queue.len())
            .field("recorded", &st.requests.len())
            .finish()
    }
}

impl MockTransport {
    /// An empty mock (answers 500 with a Stripe error body when the queue is empty).
    pub fn new() -> Self {
        MockTransport::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MockState> {
        // A panic while holding the lock cannot leave the state inconsistent: recover it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue a response.
    pub fn push_response(&self, response: HttpResponse) -> &Self {
        self.state().queue.push_back(Ok(response));
        self
    }

    /// Queue a JSON response.
    pub fn push_json(&self, status: u16, body: impl Into<String>) -> &Self {
        self.push_response(HttpResponse::json(status, body))
    }

    /// Queue a failure (for example [`Error::Connection`]).
    pub fn push_error(&self, error: Error) -> &Self {
        self.state().queue.push_back(Err(error));
        self
    }

    /// Every request sent so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.state().requests.clone()
    }

    /// The last request sent.
    pub fn last_request(&self) -> Option<HttpRequest> {
        self.state().requests.last().cloned()
    }

    /// How many responses are still queued.
    pub fn remaining(&self) -> usize {
        self.state().queue.len()
    }
}

impl Transport for MockTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>> {
        let answer = {
            let mut st = self.state();
            st.requests.push(request);
            st.queue.pop_front()
        };
        Box::pin(async move {
            answer.unwrap_or_else(|| {
                Ok(HttpResponse::json(
                    500,
                    r#"{"error":{"type":"api_error","message":"MockTransport: no response queued"}}"#,
                )
                .with_header("stripe-should-retry", "false"))
            })
        })
    }
}
