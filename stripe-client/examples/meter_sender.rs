//! Report usage at high throughput with `MeterEventSender`.
//!
//! ```text
//! # against a local demo server started by the example itself:
//! cargo run -p stripe-client --features billing,v2 --example meter_sender
//! # against Stripe (test mode; the meter with event_name "api_requests" must exist):
//! STRIPE_SECRET_KEY=sk_test_... STRIPE_CUSTOMER=cus_... \
//!   cargo run -p stripe-client --features billing,v2 --example meter_sender
//! ```

use axum::routing::post;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use stripe_client::meter::{FailedEvent, MeterEvent, MeterEventSender};
use stripe_client::Client;

/// A stand-in for meter-events.stripe.com: issues a session, accepts every batch.
async fn demo_server() -> String {
    let app = Router::new()
        .route(
            "/v2/billing/meter_event_session",
            post(|| async {
                r#"{"id":"mes_demo","object":"v2.billing.meter_event_session","authentication_token":"demo_token","created":"2026-01-01T00:00:00Z","expires_at":"2099-01-01T00:00:00Z","livemode":false}"#
            }),
        )
        .route("/v2/billing/meter_event_stream", post(|| async { "{}" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::main]
async fn main() -> Result<(), stripe_client::Error> {
    let (client, customer) = match std::env::var("STRIPE_SECRET_KEY") {
        Ok(key) => (
            Client::new(key)?,
            std::env::var("STRIPE_CUSTOMER").unwrap_or_else(|_| "cus_123".into()),
        ),
        Err(_) => {
            let url = demo_server().await;
            println!("no STRIPE_SECRET_KEY: sending to a local demo server at {url}");
            (
                Client::builder("sk_test_demo").base_url(url).build()?,
                "cus_123".into(),
            )
        }
    };

    // Failed events go to a dead-letter channel: they keep their identifiers, so they can be
    // resent later without double counting.
    let (dead_tx, mut dead_rx) = tokio::sync::mpsc::unbounded_channel::<FailedEvent>();
    let sender = MeterEventSender::builder(client)
        .max_in_flight(8)
        .linger(Duration::from_millis(10))
        .failure_sink(dead_tx)
        .build()?;

    // Many tasks share one sender (clone the handle); `send` waits when the queue is full.
    let customer: Arc<str> = Arc::from(customer);
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let sender = sender.clone();
        let customer = customer.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..2_500u32 {
                let event = MeterEvent::new("api_requests", customer.clone())
                    .value(1)
                    // Your own request id makes retries and replays idempotent end to end.
                    .identifier(format!("worker{worker}-req{i}"));
                sender.send(event).await?;
            }
            Ok::<_, stripe_client::Error>(())
        }));
    }
    for t in tasks {
        t.await.expect("worker task")?;
    }

    // Drain: every accepted event is now either acknowledged or in the dead-letter channel.
    let stats = sender.shutdown().await;
    println!("{stats:?}");
    let mut dead = 0;
    while let Ok(f) = dead_rx.try_recv() {
        dead += 1;
        eprintln!("not delivered: {:?}: {}", f.event.get_identifier(), f.error);
    }
    assert_eq!(stats.accepted, stats.sent + stats.failed);
    println!(
        "sent {} events, {} failed ({} in the dead-letter channel)",
        stats.sent, stats.failed, dead
    );
    Ok(())
}
