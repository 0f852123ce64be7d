//! The request loop around stages 2 and 3: each attempt is built ([`Prepared::to_http`]),
//! sent ([`attempt`](super::attempt::attempt), through the client's governor when it has one) and classified ([`classify`]) in its own span; the client's
//! [`RetryPolicy`](crate::retry::RetryPolicy) sees every failed attempt's response (status,
//! headers) or error and says whether to go again, and after how long.

use super::classify::{classify, request_id};
use super::decode::RawResponse;
use super::headers::{header_str, STRIPE_NOTICE};
use super::prepare::Prepared;
use crate::options::RequestOptions;
use crate::retry::{Attempt, Decision};
use crate::settings::Settings;
use crate::telemetry::AttemptTrace;
use crate::Error;
use tracing::Instrument;

/// Send `p` until it succeeds or the policy stops; between attempts the client's clock
/// sleeps the backoff.
pub(crate) async fn send_with_retries(
    client: &Settings,
    p: &Prepared,
    opts: &RequestOptions,
) -> Result<RawResponse, Error> {
    let key = p.idempotency_key(opts)?;
    let key = key.as_deref();
    // The first attempt's request is built before anything is reported, so a request that
    // cannot be built fails without telemetry; a retry builds its own (same key).
    let mut first = Some(p.to_http(client, opts, key)?);
    let policy = client.retry_policy(opts);
    let per_attempt = client.timeout(opts);
    let path = p.path.split('?').next().unwrap_or_default();
    let clock = &*client.clock;
    let started = clock.now();
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let timeout =
            policy.attempt_timeout(per_attempt, clock.now().saturating_duration_since(started));
        let trace = AttemptTrace::start(
            client.observer.as_deref(),
            p.method.as_str(),
            path,
            &p.operation_id,
            attempts,
            key,
        );
        let request = match first.take() {
            Some(r) => r,
            None => p.to_http(client, opts, key)?,
        };
        // The governor's hook (a pass-through without one): wait for a slot, send the attempt
        // (`pipeline::attempt`), learn from a rate-limit 429. `duration` leaves the wait out.
        let (result, duration) = super::govern::attempt(client, p, opts, request, timeout)
            .instrument(trace.span().clone())
            .await;
        let now = clock.now();
        let elapsed = now.saturating_duration_since(started);
        let decision = match result {
            Ok(response) => {
                let outcome = classify(&response, p.is_v2);
                let decision = outcome.as_ref().err().map(|e| {
                    policy.decide(
                        &Attempt::new(attempts, e)
                            .response(response.status, &response.headers)
                            .elapsed(elapsed),
                    )
                });
                let request_id = request_id(&response);
                trace.response(
                    response.status,
                    request_id.as_deref(),
                    header_str(&response.headers, &STRIPE_NOTICE),
                    response.body.len(),
                    duration,
                    matches!(decision, Some(Decision::Retry(_))),
                );
                match (outcome, decision) {
                    (Ok(()), _) => {
                        return Ok(RawResponse {
                            status: response.status,
                            headers: response.headers,
                            body: response.body,
                            request_id,
                            attempts,
                        })
                    }
                    (Err(e), Some(Decision::Stop(_)) | None) => return Err(e),
                    (Err(_), Some(d)) => d,
                }
            }
            Err(e) => {
                let decision = policy.decide(&Attempt::new(attempts, &e).elapsed(elapsed));
                trace.failure(&e, duration, matches!(decision, Decision::Retry(_)));
                if let Decision::Stop(_) = decision {
                    return Err(e);
                }
                decision
            }
        };
        if let Decision::Retry(wait) = decision {
            clock.sleep(wait).await;
        }
    }
}
