//! Rules of a [`StripeMock`](super::StripeMock): which typed requests they match and what they answer, one
//! answer per attempt.

use crate::transport::HttpResponse;
use crate::Error;
use bytes::Bytes;
use std::any::{Any, TypeId};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use stripe_types::rt::StripeRequest;

/// An answer made from the typed request.
type Computed = Box<dyn Fn(&dyn Any) -> HttpResponse + Send + Sync>;
/// A matcher over the typed request, erased.
pub(crate) type Matcher = Box<dyn Fn(&dyn Any) -> bool + Send + Sync>;
/// A matcher over a request of type `R`.
type TypedMatcher<R> = Box<dyn Fn(&R) -> bool + Send + Sync>;

/// What one attempt gets.
pub(crate) enum Answer {
    /// A whole response.
    Http(HttpResponse),
    /// A response computed from the typed request.
    Compute(Computed),
    /// The connection fails without a response (retried like a reset).
    ConnectionError,
    /// The answer could not be built (an output that does not serialize).
    Broken(String),
}

impl Answer {
    pub(crate) fn respond(&self, typed: &dyn Any) -> Result<HttpResponse, Error> {
        match self {
            Answer::Http(r) => Ok(r.clone()),
            Answer::Compute(f) => Ok(f(typed)),
            Answer::ConnectionError => Err(Error::connection(
                "connection reset (a StripeMock rule's connection_error)",
                None,
            )),
            Answer::Broken(why) => Err(Error::Validation(why.clone())),
        }
    }
}

/// A 200 answer with `value` as its JSON body.
fn json_answer<T: serde::Serialize + ?Sized>(value: &T) -> Answer {
    match serde_json::to_vec(value) {
        Ok(body) => Answer::Http(json_response(200, body)),
        Err(e) => Answer::Broken(format!("StripeMock: the output does not serialize: {e}")),
    }
}

fn json_response(status: u16, body: Vec<u8>) -> HttpResponse {
    let mut r = HttpResponse::json(status, "");
    r.body = Bytes::from(body);
    r
}

/// The part of a rule the mock keeps: its matcher and its answers.
pub(crate) struct RuleCore {
    pub(crate) type_id: TypeId,
    pub(crate) type_name: &'static str,
    matcher: Option<Matcher>,
    script: Mutex<Script>,
    calls: AtomicUsize,
    /// The calls it answered at least one attempt of: (call number, typed request).
    served: Mutex<Vec<(u64, Arc<dyn Any + Send + Sync>)>>,
}

struct Script {
    steps: Vec<Arc<Answer>>,
    next: usize,
    /// Keep giving the last answer once the others are used.
    repeat_last: bool,
    /// Built with one `then_*` answer: repeats under `MatchAny`, answers once under
    /// `Sequential` (as in `aws-smithy-mocks`).
    simple: bool,
}

impl Script {
    fn repeats(&self, mode: RuleMode) -> bool {
        self.repeat_last || (self.simple && mode == RuleMode::MatchAny)
    }
    fn exhausted(&self, mode: RuleMode) -> bool {
        self.steps.is_empty() || (self.next >= self.steps.len() && !self.repeats(mode))
    }
    fn take(&mut self, mode: RuleMode) -> Option<Arc<Answer>> {
        if self.exhausted(mode) {
            return None;
        }
        let i = self.next.min(self.steps.len() - 1);
        self.next += 1;
        self.steps.get(i).cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking matcher or test cannot leave these inconsistent: recover the data.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RuleCore {
    /// Whether the rule answers this typed request (of the rule's type).
    pub(crate) fn matches(&self, typed: &dyn Any) -> bool {
        typed.type_id() == self.type_id && self.matcher.as_ref().is_none_or(|m| m(typed))
    }
    pub(crate) fn exhausted(&self, mode: RuleMode) -> bool {
        lock(&self.script).exhausted(mode)
    }
    /// The next answer, counted as a call.
    pub(crate) fn take(
        &self,
        mode: RuleMode,
        call: u64,
        typed: &Arc<dyn Any + Send + Sync>,
    ) -> Option<Arc<Answer>> {
        let answer = lock(&self.script).take(mode)?;
        self.calls.fetch_add(1, Ordering::Relaxed);
        let mut served = lock(&self.served);
        if !served.iter().any(|(c, _)| *c == call) {
            served.push((call, typed.clone()));
        }
        Some(answer)
    }
}

/// How rules are picked (as `aws-smithy-mocks`' `RuleMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RuleMode {
    /// The first rule, in the order they were added, that matches and still has an answer.
    /// A rule made with one `then_*` answer repeats it.
    #[default]
    MatchAny,
    /// The rules in the order they were added, each until it is used up: the next request
    /// must match the current rule. A rule made with one `then_*` answer answers once.
    Sequential,
}

/// A rule added to a [`StripeMock`](super::StripeMock): count its calls and read the requests it answered.
pub struct Rule<R> {
    core: Arc<RuleCore>,
    mode: RuleMode,
    _request: PhantomData<fn() -> R>,
}

impl<R> Clone for Rule<R> {
    fn clone(&self) -> Self {
        Rule {
            core: self.core.clone(),
            mode: self.mode,
            _request: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Rule<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("request", &self.core.type_name)
            .field("num_calls", &self.core.calls.load(Ordering::Relaxed))
            .field("exhausted", &self.core.exhausted(self.mode))
            .finish()
    }
}

impl<R: 'static> Rule<R> {
    /// Attempts it answered: a request retried twice after two 500s counts 3.
    pub fn num_calls(&self) -> usize {
        self.core.calls.load(Ordering::Relaxed)
    }

    /// The requests it answered (at least one attempt of), in the order they were sent:
    /// one entry per `send`, however many attempts it took.
    pub fn requests(&self) -> Vec<R>
    where
        R: Clone,
    {
        lock(&self.core.served)
            .iter()
            .filter_map(|(_, r)| r.downcast_ref::<R>().cloned())
            .collect()
    }

    /// `true` once every answer is used (never for a rule that repeats).
    pub fn is_exhausted(&self) -> bool {
        self.core.exhausted(self.mode)
    }
}

/// Adds a finished rule to the mock it was built on; the mock's rule mode.
pub(crate) type Register = Box<dyn FnOnce(Arc<RuleCore>) -> RuleMode + Send + Sync>;

/// Builds a rule for requests of type `R`: [`StripeMock::on`](super::StripeMock::on).
#[must_use = "a rule is added to the mock by one of its `then_*` methods or `sequence().build()`"]
pub struct RuleBuilder<R> {
    /// Adds the finished rule to its mock (`StripeMock::add_rule`); a closure, so that rules
    /// import nothing of the mock.
    register: Register,
    matchers: Vec<TypedMatcher<R>>,
}

impl<R> fmt::Debug for RuleBuilder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleBuilder")
            .field("request", &std::any::type_name::<R>())
            .field("matchers", &self.matchers.len())
            .finish()
    }
}

impl<R: StripeRequest + Clone + 'static> RuleBuilder<R> {
    pub(crate) fn new(register: Register) -> Self {
        RuleBuilder {
            register,
            matchers: Vec::new(),
        }
    }

    /// Answer only requests for which `f` holds (every `matching` must hold). Without one,
    /// the rule answers every request of type `R`.
    pub fn matching(mut self, f: impl Fn(&R) -> bool + Send + Sync + 'static) -> Self {
        self.matchers.push(Box::new(f));
        self
    }

    /// Answer with this object (a 200 with its JSON, decoded by the client as Stripe's).
    pub fn then_output(self, output: R::Output) -> Rule<R>
    where
        R::Output: serde::Serialize,
    {
        self.simple(json_answer(&output))
    }

    /// Answer with an object made from the request.
    pub fn then_compute(self, f: impl Fn(&R) -> R::Output + Send + Sync + 'static) -> Rule<R>
    where
        R::Output: serde::Serialize,
    {
        self.simple(compute(f))
    }

    /// Answer with an API error.
    pub fn then_error(self, error: ErrorResponse) -> Rule<R> {
        self.simple(Answer::Http(error.into_response()))
    }

    /// Answer with an API error of this status ([`ErrorResponse::new`]).
    pub fn then_status(self, status: u16) -> Rule<R> {
        self.then_error(ErrorResponse::new(status))
    }

    /// Answer with this HTTP response, as it is.
    pub fn then_http(self, response: HttpResponse) -> Rule<R> {
        self.simple(Answer::Http(response))
    }

    /// Answer attempt by attempt from a sequence.
    pub fn sequence(self) -> Sequence<R> {
        Sequence {
            builder: self,
            steps: Vec::new(),
            repeat_last: false,
        }
    }

    fn simple(self, answer: Answer) -> Rule<R> {
        self.add(vec![Arc::new(answer)], false, true)
    }

    fn add(self, steps: Vec<Arc<Answer>>, repeat_last: bool, simple: bool) -> Rule<R> {
        let matcher: Option<Matcher> = if self.matchers.is_empty() {
            None
        } else {
            let ms = self.matchers;
            Some(Box::new(move |typed: &dyn Any| {
                typed
                    .downcast_ref::<R>()
                    .is_some_and(|r| ms.iter().all(|m| m(r)))
            }))
        };
        let core = Arc::new(RuleCore {
            type_id: TypeId::of::<R>(),
            type_name: short_type_name::<R>(),
            matcher,
            script: Mutex::new(Script {
                steps,
                next: 0,
                repeat_last,
                simple,
            }),
            calls: AtomicUsize::new(0),
            served: Mutex::new(Vec::new()),
        });
        let mode = (self.register)(core.clone());
        Rule {
            core,
            mode,
            _request: PhantomData,
        }
    }
}

fn compute<R: StripeRequest + 'static>(
    f: impl Fn(&R) -> R::Output + Send + Sync + 'static,
) -> Answer
where
    R::Output: serde::Serialize,
{
    Answer::Compute(Box::new(move |typed: &dyn Any| {
        let answer = match typed.downcast_ref::<R>() {
            Some(req) => json_answer(&f(req)),
            None => Answer::Broken("StripeMock: a request of another type".into()),
        };
        match answer {
            Answer::Http(r) => r,
            _ => ErrorResponse::new(500)
                .message("StripeMock: the computed output does not serialize")
                .into_response(),
        }
    }))
}

/// `CreateCustomer` for `stripe_types::generated::payments::customer::CreateCustomer`.
pub(crate) fn short_type_name<R>() -> &'static str {
    let full = std::any::type_name::<R>();
    full.rsplit("::").next().unwrap_or(full)
}

/// The answers of a rule, one per attempt: [`RuleBuilder::sequence`].
#[must_use = "the sequence becomes a rule of the mock with `build()`"]
pub struct Sequence<R> {
    builder: RuleBuilder<R>,
    steps: Vec<Arc<Answer>>,
    repeat_last: bool,
}

impl<R> fmt::Debug for Sequence<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sequence")
            .field("request", &std::any::type_name::<R>())
            .field("steps", &self.steps.len())
            .finish()
    }
}

impl<R: StripeRequest + Clone + 'static> Sequence<R> {
    fn push(mut self, a: Answer) -> Self {
        self.steps.push(Arc::new(a));
        self
    }
    /// Then this object.
    pub fn output(self, output: R::Output) -> Self
    where
        R::Output: serde::Serialize,
    {
        self.push(json_answer(&output))
    }
    /// Then an object made from the request.
    pub fn compute(self, f: impl Fn(&R) -> R::Output + Send + Sync + 'static) -> Self
    where
        R::Output: serde::Serialize,
    {
        self.push(compute(f))
    }
    /// Then an API error.
    pub fn error(self, error: ErrorResponse) -> Self {
        self.push(Answer::Http(error.into_response()))
    }
    /// Then an API error of this status ([`ErrorResponse::new`]).
    pub fn status(self, status: u16) -> Self {
        self.error(ErrorResponse::new(status))
    }
    /// Then this HTTP response.
    pub fn http(self, response: HttpResponse) -> Self {
        self.push(Answer::Http(response))
    }
    /// Then a connection that fails without a response ([`Error::Connection`], retried).
    pub fn connection_error(self) -> Self {
        self.push(Answer::ConnectionError)
    }
    /// Give the last answer `n` times in all (`times(0)` removes it).
    pub fn times(mut self, n: usize) -> Self {
        if let Some(last) = self.steps.pop() {
            self.steps.extend(std::iter::repeat_n(last, n));
        }
        self
    }
    /// Keep giving the last answer: the rule is never exhausted.
    pub fn repeatedly(mut self) -> Self {
        self.repeat_last = true;
        self
    }
    /// Add the rule to the mock.
    pub fn build(self) -> Rule<R> {
        self.builder.add(self.steps, self.repeat_last, false)
    }
}

/// An API error answer: `{"error": {"type", "code", "message", ...}}` with its status.
///
/// ```
/// use stripe_client::testing::ErrorResponse;
/// let declined = ErrorResponse::card_declined().decline_code("insufficient_funds");
/// let missing = ErrorResponse::new(404).code("resource_missing").param("id");
/// ```
#[derive(Debug, Clone)]
pub struct ErrorResponse {
    status: u16,
    error: serde_json::Map<String, serde_json::Value>,
    headers: Vec<(String, String)>,
}

impl ErrorResponse {
    /// An error of this status, with the `type` Stripe gives it: `card_error` for 402,
    /// `api_error` for 5xx, `invalid_request_error` otherwise (429 with code `rate_limit`).
    pub fn new(status: u16) -> Self {
        let (ty, message) = match status {
            402 => ("card_error", "Your card was declined."),
            429 => ("invalid_request_error", "Too many requests."),
            500..=599 => ("api_error", "An error occurred with our API."),
            401 => ("invalid_request_error", "Invalid API Key provided."),
            404 => ("invalid_request_error", "No such object."),
            _ => ("invalid_request_error", "Invalid request."),
        };
        let mut e = ErrorResponse {
            status,
            error: serde_json::Map::new(),
            headers: Vec::new(),
        }
        .error_type(ty)
        .message(message);
        if status == 429 {
            e = e.code("rate_limit");
        }
        e
    }
    /// 402 `card_error`, code `card_declined`.
    pub fn card_declined() -> Self {
        ErrorResponse::new(402).code("card_declined")
    }
    /// 429 `rate_limit`: what Stripe answers above its rate limits.
    pub fn rate_limited() -> Self {
        ErrorResponse::new(429)
    }
    fn field(mut self, key: &str, value: &str) -> Self {
        self.error.insert(key.into(), value.into());
        self
    }
    /// `error.type`.
    pub fn error_type(self, t: &str) -> Self {
        self.field("type", t)
    }
    /// `error.code`.
    pub fn code(self, code: &str) -> Self {
        self.field("code", code)
    }
    /// `error.message`.
    pub fn message(self, message: &str) -> Self {
        self.field("message", message)
    }
    /// `error.param`.
    pub fn param(self, param: &str) -> Self {
        self.field("param", param)
    }
    /// `error.decline_code`.
    pub fn decline_code(self, code: &str) -> Self {
        self.field("decline_code", code)
    }
    /// The `Stripe-Should-Retry` header.
    pub fn should_retry(self, retry: bool) -> Self {
        self.header("stripe-should-retry", if retry { "true" } else { "false" })
    }
    /// Any other response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// The HTTP response.
    pub fn into_response(self) -> HttpResponse {
        let body = serde_json::json!({ "error": self.error });
        let mut r = json_response(self.status, body.to_string().into_bytes());
        for (n, v) in &self.headers {
            r = r.with_header(n, v);
        }
        r
    }
}
