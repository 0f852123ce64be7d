//! A spec-driven v2 test server: what stripe-mock is for v1 (it does not serve `/v2`),
//! built from the pinned spec in the repository (`spec/openapi.spec3.json`).
//!
//! Started by a test on a free port of 127.0.0.1 ([`V2Server::start`]), it checks every
//! request against the spec's v2 operations:
//!
//! - the route and method (else 404);
//! - `Authorization: Bearer` with a secret key (`sk_`/`rk_`; v2 takes no publishable key),
//!   or, on the meter event stream, a token this server issued from
//!   `POST /v2/billing/meter_event_session` (else 401);
//! - `Stripe-Version`: the spec's own version (else 400);
//! - a POST: `Content-Type: application/json`, no query string, and a JSON object that the
//!   operation's request schema accepts (unknown fields included), or `{}` when the
//!   operation takes no parameters;
//! - a GET or DELETE: no body, and query parameters that the operation declares, read back
//!   as Stripe reads them (arrays indexed: `include[0]=…`; see [`query`]) and checked
//!   against their schemas;
//! - `Idempotency-Key`: a key reused with other parameters is a 409 `idempotency_error`;
//!   reused with the same ones, the first answer is replayed (`Idempotent-Replayed: true`).
//!
//! It answers with [`synth::minimal`] of the operation's 200 schema (every required field,
//! the first member of each union; path ids echoed into `id`), or with a fixture a test gave
//! it ([`V2Server::answer_with`]), and checks its answer against that schema itself. Every refusal has Stripe's v2 error shape,
//! `{"error":{"type","code","message","param"?}}` (checked against the operation's `default`
//! response schema), and is recorded with its reasons ([`Seen::problems`]).
//!
//! Tests can queue [`Fault`]s: drop the connection unanswered (before or after the request
//! is processed), or answer a given error.

pub mod breadth;
pub mod query;
pub mod spec;
pub mod synth;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use stripe_client::{Client, RequestOptions};
use tokio::net::TcpListener;

pub use spec::{spec, Spec};

/// What the server does with the next request instead of checking it.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Read the request, then close the connection without a byte of answer.
    Reset,
    /// Check and answer the request as usual (an idempotency key is used up), then close the
    /// connection instead of sending the answer: the request was processed, the client
    /// cannot know it.
    DropAnswer,
    /// Answer this status and JSON body.
    Respond {
        /// Status.
        status: u16,
        /// Body.
        body: Value,
    },
}

impl Fault {
    /// 404 with the spec's `v2.error.not_found` shape (plus `type`).
    pub fn not_found(what: &str) -> Fault {
        Fault::Respond {
            status: 404,
            body: v2_error(
                "invalid_request_error",
                "not_found",
                &format!("No such {what}"),
                None,
            ),
        }
    }

    /// 429 with the spec's `v2.error.account_rate_limit_exceeded` shape.
    pub fn rate_limited() -> Fault {
        Fault::Respond {
            status: 429,
            body: v2_error(
                "rate_limit",
                "account_rate_limit_exceeded",
                "Account cannot exceed a configured concurrency rate limit on updates.",
                None,
            ),
        }
    }
}

/// Stripe's v2 error body: `{"error":{"type","code","message","param"?}}`.
pub fn v2_error(ty: &str, code: &str, message: &str, param: Option<&str>) -> Value {
    let mut e = json!({ "type": ty, "code": code, "message": message });
    if let Some(p) = param {
        e["param"] = json!(p);
    }
    json!({ "error": e })
}

/// One request as the server saw it, and what it answered.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// The raw query string (without `?`).
    pub query: String,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body as received.
    pub body: String,
    /// The operation it matched (`operationId`), when it matched one.
    pub operation: Option<String>,
    /// The status answered (0: the connection was dropped).
    pub status: u16,
    /// Why it was refused (empty when it was answered 2xx).
    pub problems: Vec<String>,
}

impl Seen {
    /// The top-level parameters the request sent: the keys of a POST's JSON body, or of a
    /// GET's or DELETE's query.
    pub fn sent_params(&self) -> Vec<String> {
        if self.method == "POST" {
            serde_json::from_str::<Value>(&self.body)
                .ok()
                .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
                .unwrap_or_default()
        } else {
            query::parse(&self.query)
                .map(|q| q.into_keys().collect())
                .unwrap_or_default()
        }
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

struct Stored {
    fingerprint: String,
    status: u16,
    body: Value,
}

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Seen>>,
    faults: Mutex<VecDeque<Fault>>,
    sessions: Mutex<HashSet<String>>,
    idempotent: Mutex<HashMap<String, Stored>>,
    answers: Mutex<HashMap<String, VecDeque<Value>>>,
    counter: AtomicU64,
}

/// A running v2 server; stopped when dropped.
pub struct V2Server {
    /// `http://127.0.0.1:<port>`: use as the base of all three hosts.
    pub url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for V2Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The error hyper is handed to close a connection without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

impl V2Server {
    /// Read the spec (once per process) and serve on a free port of 127.0.0.1.
    pub async fn start() -> V2Server {
        spec::spec();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let state = Arc::new(State::default());
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(st.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(sock), service)
                        .await;
                });
            }
        });
        V2Server { url, state, task }
    }

    /// A client with a secret test key (`sk_test_123`), all hosts pointed here.
    pub fn client(&self) -> Client {
        crate::client_for(&self.url)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Answer the next request of operation `operation_id` that passes every check with
    /// `body` instead of the minimal example (a fixture: the server still checks it against
    /// the operation's 200 schema, and answers 500 when it does not fit).
    pub fn answer_with(&self, operation_id: &str, body: Value) {
        self.state
            .answers
            .lock()
            .unwrap()
            .entry(operation_id.to_owned())
            .or_default()
            .push_back(body);
    }

    /// Queue a fault for the next request (faults are used in order).
    pub fn push_fault(&self, fault: Fault) {
        self.state.faults.lock().unwrap().push_back(fault);
    }
}

/// Request options that authenticate the meter event stream with a new session's token
/// (created on `client`, as `stripe_client::meter::create_session` does).
pub async fn meter_session_options(
    client: &Client,
) -> Result<RequestOptions, stripe_client::Error> {
    let session = stripe_client::meter::create_session(client).await?;
    Ok(RequestOptions::new().header(
        "authorization",
        format!("Bearer {}", session.authentication_token.expose()),
    ))
}

async fn handle(st: Arc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let headers: BTreeMap<String, String> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut seen = Seen {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        operation: None,
        status: 0,
        problems: Vec::new(),
    };
    let n = st.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let fault = st.faults.lock().unwrap().pop_front();
    let answer = match fault {
        Some(Fault::Reset) => {
            seen.problems.push("fault: connection dropped".into());
            st.requests.lock().unwrap().push(seen);
            return Err(Dropped);
        }
        Some(Fault::DropAnswer) => {
            let answer = st.answer(&mut seen, &body, n);
            seen.status = answer.status;
            seen.problems.push("fault: answer dropped".into());
            st.requests.lock().unwrap().push(seen);
            return Err(Dropped);
        }
        Some(Fault::Respond { status, body }) => Answer {
            status,
            body,
            replayed: false,
        },
        None => st.answer(&mut seen, &body, n),
    };
    seen.status = answer.status;
    st.requests.lock().unwrap().push(seen);
    let mut builder = Response::builder()
        .status(answer.status)
        .header("content-type", "application/json")
        .header("request-id", format!("req_v2_{n}"));
    if answer.replayed {
        builder = builder.header("idempotent-replayed", "true");
    }
    Ok(builder
        .body(Full::new(Bytes::from(answer.body.to_string())))
        .expect("valid response"))
}

struct Answer {
    status: u16,
    body: Value,
    replayed: bool,
}

/// A refusal: the status, the v2 error body, and the reasons recorded on `seen`.
fn refuse(
    seen: &mut Seen,
    status: u16,
    ty: &str,
    code: &str,
    problems: Vec<String>,
    param: Option<&str>,
) -> Answer {
    let message = problems.join("; ");
    seen.problems = problems;
    Answer {
        status,
        body: v2_error(ty, code, &message, param),
        replayed: false,
    }
}

/// `/a/0/b` (a JSON pointer into the body) → `a[0].b`, Stripe's way to name a parameter.
fn param_name(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// What `doc` breaks of `validator`'s schema: one line per failure, and the parameter the
/// first one is about (`a.b[0].c`: an unexpected or missing key is named itself); `None`
/// when it passes.
fn schema_failures(
    validator: &jsonschema::Validator,
    doc: &Value,
) -> Option<(Vec<String>, Option<String>)> {
    use jsonschema::error::ValidationErrorKind as K;
    let mut problems = Vec::new();
    let mut param = None;
    for e in validator.iter_errors(doc) {
        let mut at = e.instance_path().to_string();
        match e.kind() {
            K::AdditionalProperties { unexpected } => {
                if let Some(u) = unexpected.first() {
                    at = format!("{at}/{u}");
                }
            }
            K::Required { property } => {
                if let Some(p) = property.as_str() {
                    at = format!("{at}/{p}");
                }
            }
            _ => {}
        }
        let name = param_name(&at);
        problems.push(if name.is_empty() {
            e.to_string()
        } else {
            format!("{name}: {e}")
        });
        if param.is_none() && !name.is_empty() {
            param = Some(name);
        }
    }
    (!problems.is_empty()).then_some((problems, param))
}

const STREAM_OP: &str = "PostV2BillingMeterEventStream";
const SESSION_OP: &str = "PostV2BillingMeterEventSession";

impl State {
    fn answer(&self, seen: &mut Seen, body: &[u8], n: u64) -> Answer {
        let spec = spec::spec();
        let method = seen.method.clone();
        let path = seen.path.clone();
        // Route and method.
        let Some((op, path_params)) = spec.find(&method, &path) else {
            let why = if spec.knows_path(&path) {
                format!("Unrecognized request URL ({method}: {path}): the path takes no {method}")
            } else {
                format!("Unrecognized request URL ({method}: {path})")
            };
            return refuse(
                seen,
                404,
                "invalid_request_error",
                "not_found",
                vec![why],
                None,
            );
        };
        seen.operation = Some(op.id.clone());
        let answer = self.check(seen, op, &path_params, body, n);
        // Every answer this server gives has the operation's documented shape.
        let (validator, what) = if answer.status < 300 {
            (&op.response_validator, "200 response")
        } else {
            (&op.error_validator, "error response")
        };
        let wrong = spec::errors(validator, &answer.body);
        if !wrong.is_empty() {
            return refuse(
                seen,
                500,
                "api_error",
                "v2_server_bug",
                vec![format!(
                    "the v2 test server built a {what} for {} that its schema rejects: {}",
                    op.id,
                    wrong.join("; ")
                )],
                None,
            );
        }
        answer
    }

    fn check(
        &self,
        seen: &mut Seen,
        op: &spec::Op,
        path_params: &[(String, String)],
        body: &[u8],
        n: u64,
    ) -> Answer {
        let spec = spec::spec();
        // Authentication.
        let bearer = seen
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .map(str::to_owned);
        match bearer {
            None => {
                return refuse(
                    seen,
                    401,
                    "invalid_request_error",
                    "unauthorized",
                    vec!["no API key: send `Authorization: Bearer <secret key>`".into()],
                    None,
                )
            }
            Some(token) if op.id == STREAM_OP => {
                if !self.sessions.lock().unwrap().contains(&token) {
                    return refuse(
                        seen,
                        401,
                        "invalid_request_error",
                        "unauthorized",
                        vec![
                            "the meter event stream takes the authentication_token of a meter \
                             event session, not an API key"
                                .into(),
                        ],
                        None,
                    );
                }
            }
            Some(key) if !(key.starts_with("sk_") || key.starts_with("rk_")) => {
                return refuse(
                    seen,
                    401,
                    "invalid_request_error",
                    "unauthorized",
                    vec!["v2 endpoints take a secret or restricted key (sk_/rk_) only".into()],
                    None,
                )
            }
            Some(_) => {}
        }
        // API version.
        let version = seen.header("stripe-version").unwrap_or_default();
        let pinned = spec.api_version.as_str();
        if !(version == pinned || version.starts_with(&format!("{pinned};"))) {
            return refuse(
                seen,
                400,
                "invalid_request_error",
                "invalid_api_version",
                vec![format!(
                    "Stripe-Version is {version:?}; this server speaks the pinned {pinned}"
                )],
                None,
            );
        }
        // Parameters.
        let params = if seen.method == "POST" {
            match self.check_body(seen, op, body) {
                Ok(v) => v,
                Err(a) => return a,
            }
        } else {
            if !body.is_empty() {
                return refuse(
                    seen,
                    400,
                    "invalid_request_error",
                    "invalid_request",
                    vec![format!("a {} carries no body", seen.method)],
                    None,
                );
            }
            match self.check_query(seen, op) {
                Ok(v) => v,
                Err(a) => return a,
            }
        };
        // The answer, replayed for a key already used with the same request.
        let key = seen.header("idempotency-key").map(str::to_owned);
        let fingerprint = format!("{} {} {}", seen.method, seen.path, params);
        if let Some(key) = &key {
            if let Some(stored) = self.idempotent.lock().unwrap().get(key) {
                if stored.fingerprint != fingerprint {
                    return refuse(
                        seen,
                        409,
                        "idempotency_error",
                        "idempotency_error",
                        vec![format!(
                            "Keys for idempotent requests can only be used with the same \
                             parameters they were first used with; {key:?} was first used \
                             with another request"
                        )],
                        None,
                    );
                }
                return Answer {
                    status: stored.status,
                    body: stored.body.clone(),
                    replayed: true,
                };
            }
        }
        let fixture = self
            .answers
            .lock()
            .unwrap()
            .get_mut(&op.id)
            .and_then(VecDeque::pop_front);
        let mut out = fixture
            .clone()
            .unwrap_or_else(|| synth::minimal(&op.response));
        if let (None, Some(obj), Some((_, id))) = (
            &fixture,
            out.as_object_mut(),
            path_params.iter().find(|(name, _)| name == "id"),
        ) {
            if obj.contains_key("id") {
                obj.insert("id".into(), json!(id));
            }
        }
        if op.id == SESSION_OP && fixture.is_none() {
            let token = format!("ek_test_v2server_{n}");
            self.sessions.lock().unwrap().insert(token.clone());
            let now = unix_now();
            out["authentication_token"] = json!(token);
            out["created"] = json!(rfc3339(now));
            out["expires_at"] = json!(rfc3339(now + 15 * 60));
        }
        if let Some(key) = key {
            self.idempotent.lock().unwrap().insert(
                key,
                Stored {
                    fingerprint,
                    status: 200,
                    body: out.clone(),
                },
            );
        }
        Answer {
            status: 200,
            body: out,
            replayed: false,
        }
    }

    /// A POST's JSON body, checked; `Err` is the refusal.
    fn check_body(&self, seen: &mut Seen, op: &spec::Op, body: &[u8]) -> Result<Value, Answer> {
        let bad = |seen: &mut Seen, why: String, param: Option<&str>, code: &str| {
            Err(refuse(
                seen,
                400,
                "invalid_request_error",
                code,
                vec![why],
                param,
            ))
        };
        let ct = seen.header("content-type").unwrap_or_default();
        let mime = ct.split(';').next().unwrap_or_default().trim();
        if !mime.eq_ignore_ascii_case("application/json") {
            return bad(
                seen,
                format!("a v2 POST sends Content-Type: application/json, not {ct:?}"),
                None,
                "invalid_request",
            );
        }
        if !seen.query.is_empty() {
            return bad(
                seen,
                format!(
                    "a v2 POST takes its parameters in the JSON body, not the query ({})",
                    seen.query
                ),
                None,
                "invalid_request",
            );
        }
        let doc: Value = match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(other) => {
                return bad(
                    seen,
                    format!("the body must be a JSON object, not {other}"),
                    None,
                    "invalid_request",
                )
            }
            Err(e) => {
                return bad(
                    seen,
                    format!("the body is not JSON: {e}"),
                    None,
                    "invalid_request",
                )
            }
        };
        match &op.body {
            None if doc.as_object().is_some_and(|o| !o.is_empty()) => bad(
                seen,
                format!("{} takes no parameters; got {doc}", op.id),
                None,
                "invalid_fields",
            ),
            None => Ok(doc),
            Some((_, validator)) => match schema_failures(validator, &doc) {
                None => Ok(doc),
                Some((problems, param)) => Err(refuse(
                    seen,
                    400,
                    "invalid_request_error",
                    "invalid_fields",
                    problems,
                    param.as_deref(),
                )),
            },
        }
    }

    /// A GET's or DELETE's query, read back into JSON and checked; `Err` is the refusal.
    fn check_query(&self, seen: &mut Seen, op: &spec::Op) -> Result<Value, Answer> {
        let parsed = match query::parse(&seen.query) {
            Ok(p) => p,
            Err(why) => {
                return Err(refuse(
                    seen,
                    400,
                    "invalid_request_error",
                    "invalid_request",
                    vec![why],
                    None,
                ))
            }
        };
        let mut doc = serde_json::Map::new();
        for (name, node) in &parsed {
            let schema = op
                .query
                .iter()
                .find(|p| &p.name == name)
                .map(|p| p.schema.clone())
                .unwrap_or(Value::Null);
            match query::typed(node, &schema, name) {
                Ok(v) => {
                    doc.insert(name.clone(), v);
                }
                Err(why) => {
                    return Err(refuse(
                        seen,
                        400,
                        "invalid_request_error",
                        "invalid_fields",
                        vec![why],
                        Some(name),
                    ))
                }
            }
        }
        let doc = Value::Object(doc);
        match schema_failures(&op.query_validator, &doc) {
            None => Ok(doc),
            Some((problems, param)) => Err(refuse(
                seen,
                400,
                "invalid_request_error",
                "invalid_fields",
                problems,
                param.as_deref(),
            )),
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The current time as RFC 3339 UTC.
pub fn rfc3339_now() -> String {
    rfc3339(unix_now())
}

/// Unix seconds as RFC 3339 UTC (`2026-01-28T12:34:56.000Z`).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn param_names() {
        assert_eq!(
            param_name("/identity/individual/0/given_name"),
            "identity.individual[0].given_name"
        );
        assert_eq!(param_name(""), "");
    }
}
