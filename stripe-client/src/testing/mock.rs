//! [`StripeMock`]: a client whose typed requests are answered by rules.
//!
//! How a typed request reaches a rule, through the real pipeline:
//!
//! 1. `Client::execute` (or `stream`) hands the typed request, as `&dyn Any`, to the mock's
//!    [`Intercept`] hook: only clients built from a mock have one. The hook clones it (with
//!    the clone function the rules of its type registered), records the call, checks that a
//!    rule can answer it, and tags the request options with the call's number.
//! 2. The request is encoded and sent as usual: retries, backoff (on the mock's
//!    [`ManualClock`], so no test waits), telemetry, the governor.
//! 3. Each attempt reaches the mock's transport, which reads the tag and takes the next
//!    answer of the rule that matches the typed request; the answer is decoded as Stripe's
//!    would be.

use super::intercept::Intercept;
use super::rule::{RuleBuilder, RuleCore, RuleMode};
use crate::builder::ClientBuilder;
use crate::encode::Params;
use crate::retry::ManualClock;
use crate::transport::{BoxFuture, HttpRequest, HttpResponse, Transport};
use crate::{Client, Error, RequestOptions};
use std::any::{Any, TypeId};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use stripe_types::rt::{Endpoint, Method, StripeRequest};

/// The header that carries a call's number from the hook to the mock's transport; the
/// transport removes it.
const CALL_HEADER: &str = "x-stripe-rs-mock-call";

/// One typed request a mock client sent (one per `send`, however many attempts).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Call {
    /// The spec's `operationId` (`PostCustomers`).
    pub operation_id: &'static str,
    /// The request's type (`CreateCustomer`), when a rule of its type exists; else the
    /// operation id.
    pub request: &'static str,
    /// The method.
    pub method: Method,
    /// The path (`/v1/customers/cus_123`).
    pub path: String,
    /// The parameters as JSON (the request's own serialisation).
    pub params: serde_json::Value,
    /// Attempts sent (retries included).
    pub attempts: u32,
    /// Whether a rule could answer it when it was sent.
    pub matched: bool,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} {} {}) with parameters {}",
            self.request,
            self.operation_id,
            self.method.as_str(),
            self.path,
            self.params
        )
    }
}

type Typed = Arc<dyn Any + Send + Sync>;
type Cloner = fn(&dyn Any) -> Option<Typed>;

struct Entry {
    call: Call,
    typed: Option<Typed>,
}

struct State {
    mode: RuleMode,
    rules: Vec<Arc<RuleCore>>,
    /// `Sequential`: the rule whose turn it is.
    cursor: usize,
    cloners: Vec<(TypeId, &'static str, Cloner)>,
    calls: Vec<Entry>,
}

struct Shared {
    state: Mutex<State>,
    clock: ManualClock,
}

/// A mock of Stripe for tests: typed rules (`on::<CreateCustomer>()`), and a [`Client`]
/// whose typed requests they answer ([`StripeMock::client`]). Cheap to clone: clones share
/// the rules and the record of calls. See the [module](super) docs.
#[derive(Clone)]
pub struct StripeMock {
    shared: Arc<Shared>,
}

impl fmt::Debug for StripeMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state();
        f.debug_struct("StripeMock")
            .field("mode", &st.mode)
            .field("rules", &st.rules.len())
            .field("calls", &st.calls.len())
            .finish()
    }
}

impl Default for StripeMock {
    fn default() -> Self {
        StripeMock::with_mode(RuleMode::MatchAny)
    }
}

impl StripeMock {
    /// A mock whose rules are picked by [`RuleMode::MatchAny`].
    pub fn new() -> Self {
        StripeMock::default()
    }

    /// A mock whose rules are picked by `mode`.
    pub fn with_mode(mode: RuleMode) -> Self {
        StripeMock {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    mode,
                    rules: Vec::new(),
                    cursor: 0,
                    cloners: Vec::new(),
                    calls: Vec::new(),
                }),
                clock: ManualClock::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start a rule for requests of type `R`: add a matcher, then an answer.
    pub fn on<R: StripeRequest + Clone + 'static>(&self) -> RuleBuilder<R> {
        let mock = self.clone();
        RuleBuilder::new(Box::new(move |core| mock.add_rule::<R>(core)))
    }

    /// Add a rule; the mode it is read under.
    pub(crate) fn add_rule<R: Clone + Send + Sync + 'static>(
        &self,
        rule: Arc<RuleCore>,
    ) -> RuleMode {
        fn clone_of<R: Clone + Send + Sync + 'static>(typed: &dyn Any) -> Option<Typed> {
            typed
                .downcast_ref::<R>()
                .map(|r| Arc::new(r.clone()) as Typed)
        }
        let mut st = self.state();
        let id = TypeId::of::<R>();
        if !st.cloners.iter().any(|(t, _, _)| *t == id) {
            st.cloners.push((id, rule.type_name, clone_of::<R>));
        }
        st.rules.push(rule);
        st.mode
    }

    /// A client whose typed requests the rules answer: key `sk_test_stripe_mock`, the mock's
    /// [`clock`](Self::clock), the default retries.
    pub fn client(&self) -> Client {
        // Nothing in the builder below can fail: a valid key, the default URLs.
        match self.client_builder().build() {
            Ok(c) => c,
            Err(e) => unreachable!("StripeMock's client settings are valid: {e}"),
        }
    }

    /// The builder of [`client`](Self::client), to change its settings (retries,
    /// `max_retries(0)`, a governor, an observer). Keep its transport and clock.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder("sk_test_stripe_mock")
            .transport(Wire {
                shared: self.shared.clone(),
            })
            .clock(self.shared.clock.clone())
            .interceptor(Arc::new(Hook {
                shared: self.shared.clone(),
            }))
    }

    /// The clock of the mock's clients: backoff sleeps return at once and are recorded
    /// ([`ManualClock::sleeps`]).
    pub fn clock(&self) -> ManualClock {
        self.shared.clock.clone()
    }

    /// Every typed request sent, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.iter().map(|e| e.call.clone()).collect()
    }

    /// The requests no rule could answer (each failed with [`Error::Unmatched`]).
    pub fn unmatched(&self) -> Vec<Call> {
        self.state()
            .calls
            .iter()
            .filter(|e| !e.call.matched)
            .map(|e| e.call.clone())
            .collect()
    }

    /// Every request of type `R` sent, answered or not, in order (requests of a type with
    /// at least one rule).
    pub fn requests<R: Clone + 'static>(&self) -> Vec<R> {
        self.state()
            .calls
            .iter()
            .filter_map(|e| e.typed.as_ref()?.downcast_ref::<R>().cloned())
            .collect()
    }
}

impl State {
    /// The rule that answers `typed` now: under `Sequential`, the first rule not used up,
    /// when it matches.
    fn pick(&mut self, typed: &dyn Any) -> Option<Arc<RuleCore>> {
        let mode = self.mode;
        match mode {
            RuleMode::MatchAny => self
                .rules
                .iter()
                .find(|r| r.matches(typed) && !r.exhausted(mode))
                .cloned(),
            RuleMode::Sequential => {
                while self
                    .rules
                    .get(self.cursor)
                    .is_some_and(|r| r.exhausted(mode))
                {
                    self.cursor += 1;
                }
                self.rules
                    .get(self.cursor)
                    .filter(|r| r.matches(typed))
                    .cloned()
            }
        }
    }

    /// Why nothing answers `call`: the message of [`Error::Unmatched`].
    fn unmatched_message(&self, call: &Call, attempt: u32) -> String {
        let of_type: Vec<&Arc<RuleCore>> = self
            .rules
            .iter()
            .filter(|r| r.type_name == call.request)
            .collect();
        let why = match (self.mode, of_type.len()) {
            (RuleMode::Sequential, _) => match self.rules.get(self.cursor) {
                Some(r) => format!(
                    "the rule whose turn it is (Sequential) is for {}",
                    r.type_name
                ),
                None => "every rule (Sequential) is used up".to_owned(),
            },
            (_, 0) => format!("the mock has no rule for {}", call.request),
            (_, n) => format!(
                "none of the {n} rule(s) for {} matches it or has an answer left",
                call.request
            ),
        };
        let attempt = if attempt > 1 {
            format!(" (attempt {attempt}: its rule's answers ran out during retries)")
        } else {
            String::new()
        };
        format!("StripeMock: no rule answers {call}{attempt}: {why}")
    }
}

/// The hook of a mock client.
struct Hook {
    shared: Arc<Shared>,
}

impl Intercept for Hook {
    fn intercept(
        &self,
        endpoint: &Endpoint,
        typed: &dyn Any,
        params: &Params<'_>,
        mut opts: RequestOptions,
    ) -> Result<RequestOptions, Error> {
        let params = serde_json::to_value(params).unwrap_or(serde_json::Value::Null);
        let mut st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        let type_id = typed.type_id();
        let (request, typed_copy) = match st.cloners.iter().find(|(t, _, _)| *t == type_id) {
            Some((_, name, clone)) => (*name, clone(typed)),
            None => (endpoint.operation_id, None),
        };
        let matched = typed_copy.is_some() && st.pick(typed).is_some();
        let call = Call {
            operation_id: endpoint.operation_id,
            request,
            method: endpoint.method,
            path: endpoint.path.clone().into_owned(),
            params,
            attempts: 0,
            matched,
        };
        if !matched {
            let message = st.unmatched_message(&call, 1);
            st.calls.push(Entry {
                call,
                typed: typed_copy,
            });
            return Err(Error::Unmatched(message));
        }
        st.calls.push(Entry {
            call,
            typed: typed_copy,
        });
        let number = st.calls.len();
        opts.headers
            .push((CALL_HEADER.to_owned(), number.to_string()));
        Ok(opts)
    }
}

/// The transport of a mock client: each attempt gets the next answer of its rule.
struct Wire {
    shared: Arc<Shared>,
}

impl Wire {
    fn answer(&self, mut request: HttpRequest) -> Result<HttpResponse, Error> {
        let number = request
            .headers
            .remove(CALL_HEADER)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        let Some(number) = number else {
            return Err(Error::Unmatched(format!(
                "StripeMock: {} {} is not a typed request (raw_request, the v2 meter event \
                 stream): the mock answers typed requests; use MockTransport or a cassette \
                 for these",
                request.method.as_str(),
                request.url
            )));
        };
        let (answer, typed, attempt) = {
            let mut st = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
            let Some(entry) = st.calls.get_mut(number - 1) else {
                return Err(Error::Unmatched(format!(
                    "StripeMock: call {number} was made by another mock"
                )));
            };
            entry.call.attempts += 1;
            let attempt = entry.call.attempts;
            let (call, typed) = (entry.call.clone(), entry.typed.clone());
            let mode = st.mode;
            let answer = typed.as_ref().and_then(|t| {
                st.pick(&**t)
                    .and_then(|rule| rule.take(mode, number as u64, t))
            });
            match answer {
                Some(a) => (a, typed, attempt),
                None => return Err(Error::Unmatched(st.unmatched_message(&call, attempt))),
            }
        };
        let typed: &dyn Any = match &typed {
            Some(t) => &**t,
            None => &(),
        };
        answer.respond(typed).map(|r| {
            if r.header("request-id").is_some() {
                r
            } else {
                r.with_header("request-id", &format!("req_mock_{number}_{attempt}"))
            }
        })
    }
}

impl Transport for Wire {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, Error>> {
        let answer = self.answer(request);
        Box::pin(async move { answer })
    }
}
