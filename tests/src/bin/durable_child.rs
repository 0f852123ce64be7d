//! The child process of the crash tests: one drainer or one webhook server on a shared
//! outbox or ledger, for a test to kill with SIGKILL at any moment.
//!
//! ```text
//! durable-child drain   <store> <meter-url> <name> <lease-ms> <workers> forever|until-empty <claim-size>
//! durable-child webhook <store> <secret> <name> <lease-ms> <handler-max-ms>
//! ```
//!
//! `<store>` is `sqlite:<path>` or `postgres:<url>`. `drain` prints `ready` once its outbox is
//! open, and with `until-empty` `done delivered=<n> resent=<n> dead=<n>` before it exits 0.
//! `webhook` serves `POST /webhook` (v1 events: `VerifiedEvent`, then
//! `EventLedger::handle_once_in_*` with a handler that waits up to `<handler-max-ms>` and
//! inserts `(event_id, <name>)` into `webhook_effects` in the ledger's transaction) and
//! prints `listening <addr>`.

use axum::extract::{FromRef, State};
use axum::routing::post;
use axum::Router;
use std::time::Duration;
use stripe_client::durable::{sqlx, Store};
use stripe_client::meter::Outbox;
use stripe_client::webhook::axum::{VerifiedEvent, WebhookSecret};
use stripe_client::webhook::{EventLedger, Handled, LedgerError};
use stripe_client::{AppInfo, Client};

async fn open_store(spec: &str) -> Store {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        Store::sqlite(path).await.expect("open the SQLite store")
    } else if let Some(url) = spec.strip_prefix("postgres:") {
        Store::postgres(url).await.expect("open the Postgres store")
    } else {
        panic!("store must be sqlite:<path> or postgres:<url>, not {spec}")
    }
}

fn arg(args: &[String], i: usize, what: &str) -> String {
    args.get(i)
        .cloned()
        .unwrap_or_else(|| panic!("missing argument {i}: {what}"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("drain") => drain(&args).await,
        Some("webhook") => webhook(&args).await,
        _ => {
            eprintln!("usage: durable-child drain|webhook ... (see the source)");
            std::process::exit(2);
        }
    }
}

async fn drain(args: &[String]) {
    let store = open_store(&arg(args, 1, "store")).await;
    let meter = arg(args, 2, "meter url");
    let name = arg(args, 3, "name");
    let lease_ms: u64 = arg(args, 4, "lease ms").parse().expect("lease ms");
    let workers: usize = arg(args, 5, "workers").parse().expect("workers");
    let mode = arg(args, 6, "mode");
    let claim: usize = arg(args, 7, "claim size").parse().expect("claim size");
    let client = Client::builder("sk_test_123")
        .base_url(&meter)
        .app_info(AppInfo::new(name.clone()))
        .build()
        .expect("client");
    let outbox = Outbox::open(store).await.expect("open the outbox");
    let drainer = outbox
        .drainer(client)
        .lease(Duration::from_millis(lease_ms))
        .workers(workers)
        .claim_size(claim)
        .poll_interval(Duration::from_millis(50))
        .build()
        .expect("drainer");
    println!("ready");
    if mode == "until-empty" {
        let report = drainer.run_until_empty().await.expect("drain");
        println!(
            "done delivered={} resent={} dead={}",
            report.stats.delivered, report.stats.resent, report.stats.dead_lettered
        );
        return;
    }
    let _running = drainer.spawn();
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

#[derive(Clone)]
struct App {
    secret: WebhookSecret,
    ledger: EventLedger,
    name: String,
    handler_max_ms: u64,
}

impl FromRef<App> for WebhookSecret {
    fn from_ref(app: &App) -> Self {
        app.secret.clone()
    }
}

/// A pseudo-random pause of up to `max_ms`, from the event id and the clock.
fn pause(id: &str, max_ms: u64) -> Duration {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    Duration::from_millis((h ^ nanos) % (max_ms + 1))
}

async fn hook(
    State(app): State<App>,
    VerifiedEvent(event): VerifiedEvent,
) -> Result<Handled<()>, LedgerError<sqlx::Error>> {
    let wait = pause(&event.id, app.handler_max_ms);
    match app.ledger.store().kind() {
        stripe_client::durable::StoreKind::Postgres => {
            app.ledger
                .handle_once_in_pg(&event, async |tx: &mut sqlx::PgConnection| {
                    tokio::time::sleep(wait).await;
                    sqlx::query("INSERT INTO webhook_effects (event_id, handler) VALUES ($1, $2)")
                        .bind(&event.id)
                        .bind(&app.name)
                        .execute(&mut *tx)
                        .await
                        .map(|_| ())
                })
                .await
        }
        _ => {
            app.ledger
                .handle_once_in_sqlite(&event, async |tx: &mut sqlx::SqliteConnection| {
                    tokio::time::sleep(wait).await;
                    sqlx::query("INSERT INTO webhook_effects (event_id, handler) VALUES (?1, ?2)")
                        .bind(&event.id)
                        .bind(&app.name)
                        .execute(&mut *tx)
                        .await
                        .map(|_| ())
                })
                .await
        }
    }
}

async fn webhook(args: &[String]) {
    let store = open_store(&arg(args, 1, "store")).await;
    let secret = arg(args, 2, "secret");
    let name = arg(args, 3, "name");
    let lease_ms: u64 = arg(args, 4, "lease ms").parse().expect("lease ms");
    let handler_max_ms: u64 = arg(args, 5, "handler max ms").parse().expect("handler ms");
    let ledger = EventLedger::open(store)
        .await
        .expect("open the ledger")
        .lease(Duration::from_millis(lease_ms));
    let app = App {
        secret: WebhookSecret::new(secret).expect("a usable webhook secret"),
        ledger,
        name,
        handler_max_ms,
    };
    let router = Router::new().route("/webhook", post(hook)).with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    println!("listening {}", listener.local_addr().expect("address"));
    axum::serve(listener, router).await.expect("serve");
}
