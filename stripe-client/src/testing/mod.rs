//! Testing code that uses Stripe (feature `testing`): typed mocks, objects for tests, and
//! record and replay. Add it to your dev-dependencies only:
//!
//! ```toml
//! [dev-dependencies]
//! stripe-client = { version = "0.1", features = ["testing"] }
//! ```
//!
//! A default build compiles none of it.
//!
//! # Typed rules
//!
//! [`StripeMock`] answers typed requests with typed objects, by rules (the shape of
//! `aws-smithy-mocks`): `mock.on::<CreateCustomer>()` matches on the request's own fields
//! and answers with an object, an API error, or a sequence of answers, one per attempt, so
//! the client's real retry loop runs.
//!
//! ```
//! use stripe_client::prelude::*;
//! use stripe_client::testing::{StripeMock, TestDefault};
//! use stripe_client::types::{CreateCustomer, Customer};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mock = StripeMock::new();
//! let rule = mock
//!     .on::<CreateCustomer>()
//!     .matching(|req| req.email.as_deref() == Some("jenny@example.com"))
//!     .sequence()
//!     .status(500)
//!     .times(2)
//!     .output({
//!         let mut c = Customer::test_default();
//!         c.email = Some("jenny@example.com".into());
//!         c
//!     })
//!     .build();
//! let client = mock.client();
//!
//! let customer = CreateCustomer::new().email("jenny@example.com").send(&client).await.unwrap();
//! assert_eq!(customer.email.as_deref(), Some("jenny@example.com"));
//! assert_eq!(rule.num_calls(), 3); // two 500s, retried, then the customer
//! assert_eq!(rule.requests()[0].email.as_deref(), Some("jenny@example.com"));
//!
//! // A request no rule answers fails, naming the operation and its parameters.
//! let err = CreateCustomer::new().email("someone@else.com").send(&client).await.unwrap_err();
//! assert!(err.to_string().contains("PostCustomers"), "{err}");
//! assert!(err.to_string().contains("someone@else.com"), "{err}");
//! # }
//! ```
//!
//! # Objects for tests
//!
//! [`TestDefault`] builds any object the API answers with, its required fields filled, from
//! the spec: `Customer::test_default()`, then set the fields the test is about.
//!
//! # Record and replay
//!
//! A [`RecordingTransport`] writes the traffic of a test-mode run to a [`Cassette`]: one JSON
//! document, keys sorted, interactions in the order they were sent, keys and secrets
//! scrubbed. A [`ReplayTransport`] serves it offline and fails on a request it does not hold.
//!
//! The [testing guide](https://docs.rs/stripe-client/latest/stripe_client/guides/testing/index.html)
//! tests one payments flow both ways.

mod cassette;
mod intercept;
mod mock;
mod rule;

pub use cassette::{Cassette, RecordingTransport, ReplayTransport};
pub(crate) use intercept::Intercept;
pub use mock::{Call, StripeMock};
pub use rule::{ErrorResponse, Rule, RuleBuilder, RuleMode, Sequence};
pub use stripe_types::rt::{TestDefault, TEST_TIME};
