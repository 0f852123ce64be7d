//! The webhook event ledger on SQLite and Postgres: once per event id, concurrent
//! deliveries, failing and dying handlers (leases, not locks), lease renewal, the
//! transactional variants, pruning, the one-line use from `EventHandler` and the axum
//! extractors; and the crash test: 1,000 events delivered twice each, concurrently, to two
//! handler processes on one ledger, one of them SIGKILLed mid-run.

use axum::extract::{FromRef, State};
use axum::routing::post;
use axum::Router;
use integration_tests::durable::{fresh_pg_database, ChildProc, TempDir};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stripe_client::durable::{sqlx, Store, StoreKind};
use stripe_client::webhook::axum::{VerifiedEvent, VerifiedEventNotification, WebhookSecret};
use stripe_client::webhook::{
    Event, EventHandler, EventLedger, Handled, LedgerError, LedgerState, Webhook,
};
use stripe_types::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHILD: &str = env!("CARGO_BIN_EXE_durable-child");
const SECRET: &str = "whsec_ledger_test";

async fn sqlite_ledger(dir: &TempDir) -> EventLedger {
    EventLedger::sqlite(dir.join("ledger.db")).await.unwrap()
}

async fn pg_ledger() -> EventLedger {
    EventLedger::postgres(&fresh_pg_database().await)
        .await
        .unwrap()
}

#[derive(Debug, PartialEq)]
struct Boom;

async fn once_semantics(ledger: EventLedger) {
    let runs = AtomicUsize::new(0);
    let run = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Boom>("fulfilled")
    };
    assert_eq!(
        ledger.handle_once("evt_1", run).await.unwrap(),
        Handled::Ran("fulfilled")
    );
    assert_eq!(
        ledger.handle_once("evt_1", run).await.unwrap(),
        Handled::AlreadyHandled
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // A failing handler leaves the event to the next delivery.
    let err = ledger
        .handle_once("evt_2", || async { Err::<(), _>(Boom) })
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::Handler(Boom)));
    let entry = ledger.entry("evt_2").await.unwrap().unwrap();
    assert_eq!((entry.state, entry.attempts), (LedgerState::Failed, 1));
    assert!(ledger.handle_once("evt_2", run).await.unwrap().ran());
    let entry = ledger.entry("evt_2").await.unwrap().unwrap();
    assert_eq!((entry.state, entry.attempts), (LedgerState::Done, 2));
    assert!(entry.done_ms.is_some() && entry.last_error.is_none());
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    // Pruning: nothing is younger than an hour old; everything is older than 0 s.
    assert_eq!(ledger.prune(Duration::from_secs(3600)).await.unwrap(), 0);
    assert_eq!(ledger.prune(Duration::ZERO).await.unwrap(), 2);
    assert!(ledger.entry("evt_1").await.unwrap().is_none());
}

#[tokio::test]
async fn sqlite_runs_a_handler_once_per_event_id() {
    let dir = TempDir::new("ledger");
    once_semantics(sqlite_ledger(&dir).await).await;
}

#[tokio::test]
async fn postgres_runs_a_handler_once_per_event_id() {
    once_semantics(pg_ledger().await).await;
}

async fn concurrent_and_dying(ledger: EventLedger) {
    let ledger = ledger.lease(Duration::from_secs(1));
    // Two deliveries at the same moment: one runs, the other is told to come back.
    let slow = || async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok::<_, Boom>(())
    };
    let (a, b) = tokio::join!(
        ledger.handle_once("evt_c", slow),
        ledger.handle_once("evt_c", slow)
    );
    let outcomes = [&a, &b];
    assert_eq!(
        outcomes
            .iter()
            .filter(|r| matches!(r, Ok(Handled::Ran(()))))
            .count(),
        1
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|r| matches!(r, Err(LedgerError::InProgress)))
            .count(),
        1,
        "{a:?} {b:?}"
    );
    // A handler that dies (its future dropped: a killed process) holds the event only
    // until its lease ends; then the next delivery takes it over.
    let died = tokio::time::timeout(
        Duration::from_millis(100),
        ledger.handle_once("evt_d", || async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, Boom>(())
        }),
    )
    .await;
    assert!(died.is_err(), "dropped mid-handler");
    assert!(matches!(
        ledger.handle_once("evt_d", slow).await,
        Err(LedgerError::InProgress)
    ));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(ledger.handle_once("evt_d", slow).await.unwrap().ran());
    // A handler longer than its lease keeps it: the lease is renewed while it runs (every
    // third of it; 2 s here, so a stall of over a second on a busy machine is survived).
    let ledger = ledger.lease(Duration::from_secs(2));
    let long = ledger.handle_once("evt_l", || async {
        tokio::time::sleep(Duration::from_millis(4500)).await;
        Ok::<_, Boom>(())
    });
    let probe = async {
        tokio::time::sleep(Duration::from_millis(3000)).await;
        ledger.handle_once("evt_l", slow).await
    };
    let (long, probe) = tokio::join!(long, probe);
    assert!(long.unwrap().ran());
    assert!(matches!(probe, Err(LedgerError::InProgress)), "{probe:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_deliveries_and_dead_handlers() {
    let dir = TempDir::new("ledger");
    concurrent_and_dying(sqlite_ledger(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_deliveries_and_dead_handlers() {
    concurrent_and_dying(pg_ledger().await).await;
}

/// The transactional variant: the handler's writes commit with the "done" mark, and are
/// rolled back when the handler fails or its lease was taken over.
#[tokio::test]
async fn postgres_handler_writes_commit_with_the_mark() {
    let url = fresh_pg_database().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE fulfilled (event_id TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let ledger = EventLedger::open(Store::from_pg_pool(pool.clone()))
        .await
        .unwrap()
        .lease(Duration::from_secs(1));
    let insert = |id: &'static str| {
        async move |tx: &mut sqlx::PgConnection| {
            sqlx::query("INSERT INTO fulfilled VALUES ($1)")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map(|_| ())
        }
    };
    assert!(ledger
        .handle_once_in_pg("evt_1", insert("evt_1"))
        .await
        .unwrap()
        .ran());
    assert_eq!(
        ledger
            .handle_once_in_pg("evt_1", insert("evt_1"))
            .await
            .unwrap(),
        Handled::AlreadyHandled
    );
    // A failing handler's writes are rolled back.
    let err = ledger
        .handle_once_in_pg("evt_2", async |tx: &mut sqlx::PgConnection| {
            sqlx::query("INSERT INTO fulfilled VALUES ('evt_2')")
                .execute(&mut *tx)
                .await?;
            sqlx::query("SELECT 1/0")
                .execute(&mut *tx)
                .await
                .map(|_| ())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::Handler(_)));
    // A handler whose lease another delivery took over is rolled back too.
    let steal = pool.clone();
    let lost = ledger
        .handle_once_in_pg("evt_3", async move |tx: &mut sqlx::PgConnection| {
            sqlx::query("INSERT INTO fulfilled VALUES ('evt_3')")
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE stripe_webhook_ledger SET lease_token = 'someone else' WHERE event_id = 'evt_3'")
                .execute(&steal)
                .await?;
            Ok::<_, sqlx::Error>(())
        })
        .await
        .unwrap_err();
    assert!(matches!(lost, LedgerError::LeaseLost), "{lost:?}");
    let rows: Vec<(String,)> = sqlx::query_as("SELECT event_id FROM fulfilled ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![("evt_1".to_owned(),)]);
    // The variant for the other store says so.
    let dir = TempDir::new("ledger");
    let sqlite = sqlite_ledger(&dir).await;
    assert!(matches!(
        sqlite.handle_once_in_pg("evt_1", insert("evt_1")).await,
        Err(LedgerError::Store(_))
    ));
}

#[tokio::test]
async fn sqlite_handler_writes_commit_with_the_mark() {
    let dir = TempDir::new("ledger");
    let ledger = sqlite_ledger(&dir).await;
    let pool = ledger.store().sqlite_pool().unwrap().clone();
    sqlx::query("CREATE TABLE fulfilled (event_id TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let insert = async |tx: &mut sqlx::SqliteConnection| {
        sqlx::query("INSERT INTO fulfilled VALUES ('evt_1')")
            .execute(&mut *tx)
            .await
            .map(|_| ())
    };
    assert!(ledger
        .handle_once_in_sqlite("evt_1", insert)
        .await
        .unwrap()
        .ran());
    assert!(!ledger
        .handle_once_in_sqlite("evt_1", insert)
        .await
        .unwrap()
        .ran());
    let err = ledger
        .handle_once_in_sqlite("evt_2", async |tx: &mut sqlx::SqliteConnection| {
            sqlx::query("INSERT INTO fulfilled VALUES ('evt_2')")
                .execute(&mut *tx)
                .await?;
            Err::<(), _>(sqlx::Error::RowNotFound)
        })
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::Handler(_)));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fulfilled")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

// The one-line uses: `EventHandler` through `dispatch_once`, and the axum extractors.

#[derive(Default)]
struct Shop {
    paid: AtomicU64,
}

impl EventHandler for Shop {
    type Error = std::convert::Infallible;
    async fn payment_intent_succeeded(
        &self,
        _: &Event,
        _: &stripe_types::PaymentIntent,
    ) -> Result<(), Self::Error> {
        self.paid.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[derive(Clone)]
struct App {
    secret: WebhookSecret,
    ledger: EventLedger,
    shop: Arc<Shop>,
    thin: Arc<AtomicU64>,
}

impl FromRef<App> for WebhookSecret {
    fn from_ref(a: &App) -> Self {
        a.secret.clone()
    }
}

async fn v1(
    State(app): State<App>,
    VerifiedEvent(event): VerifiedEvent,
) -> Result<Handled<()>, LedgerError<std::convert::Infallible>> {
    app.ledger.dispatch_once(&event, &*app.shop).await
}

async fn v2(
    State(app): State<App>,
    VerifiedEventNotification(n): VerifiedEventNotification,
) -> Result<Handled<()>, LedgerError<std::convert::Infallible>> {
    app.ledger
        .handle_once(&n, || async {
            app.thin.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .await
}

fn v1_event(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","object":"event","type":"payment_intent.succeeded","created":{},"livemode":false,"pending_webhooks":1,"data":{{"object":{{"id":"pi_1","object":"payment_intent","created":1,"livemode":false,"status":"succeeded"}}}}}}"#,
        Timestamp::now().seconds()
    )
}

/// POST `body` signed with [`SECRET`]; the status, or `None` when the connection failed
/// (as Stripe sees a replica that died).
async fn deliver(addr: SocketAddr, path: &str, body: &str) -> Option<u16> {
    let sig = Webhook::generate_test_signature(body.as_bytes(), SECRET, Timestamp::now());
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nStripe-Signature: {sig}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&out);
    text.get(9..12).and_then(|c| c.parse().ok())
}

#[tokio::test]
async fn axum_extractors_and_the_event_handler_in_one_line() {
    let dir = TempDir::new("ledger");
    let app = App {
        secret: WebhookSecret::new(SECRET).expect("a usable webhook secret"),
        ledger: sqlite_ledger(&dir).await,
        shop: Arc::new(Shop::default()),
        thin: Arc::new(AtomicU64::new(0)),
    };
    let router = Router::new()
        .route("/v1", post(v1))
        .route("/v2", post(v2))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let body = v1_event("evt_axum");
    assert_eq!(deliver(addr, "/v1", &body).await, Some(200));
    assert_eq!(deliver(addr, "/v1", &body).await, Some(200));
    assert_eq!(app.shop.paid.load(Ordering::SeqCst), 1, "handled once");
    let thin = r#"{"id":"evt_thin","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false,"related_object":{"id":"mtr_1","type":"billing.meter","url":"/v1/billing/meters/mtr_1"}}"#;
    assert_eq!(deliver(addr, "/v2", thin).await, Some(200));
    assert_eq!(deliver(addr, "/v2", thin).await, Some(200));
    assert_eq!(app.thin.load(Ordering::SeqCst), 1);
    let entry = app.ledger.entry("evt_thin").await.unwrap().unwrap();
    assert_eq!(
        entry.event_type.as_deref(),
        Some("v1.billing.meter.error_report_triggered")
    );
    // While another delivery holds the event: 409, and Stripe comes back later.
    let ledger = app.ledger.clone();
    let holder = tokio::spawn(async move {
        ledger
            .handle_once("evt_held", || async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                Ok::<_, Boom>(())
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(deliver(addr, "/v1", &v1_event("evt_held")).await, Some(409));
    assert!(holder.await.unwrap().unwrap().ran());
    assert_eq!(deliver(addr, "/v1", &v1_event("evt_held")).await, Some(200));
    assert_eq!(
        app.shop.paid.load(Ordering::SeqCst),
        1,
        "done by the holder"
    );
}

/// The crash test: 1,000 events, each delivered twice at once, one copy to each of two
/// handler processes sharing one ledger; a delivery that fails (non-2xx, or a connection
/// that breaks) is retried later, as Stripe does. One process is SIGKILLed mid-run, with
/// handlers in flight; its deliveries then go to the survivor. Every event id must be
/// handled to completion exactly once: one row each in `webhook_effects`, written in the
/// ledger's transaction.
async fn two_processes_one_killed(store: Store, store_arg: String, handler_max_ms: &str) {
    const EVENTS: usize = 1000;
    let started = Instant::now();
    let kind = store.kind();
    // The ledger's table and the handlers' own.
    EventLedger::open(store.clone()).await.unwrap();
    let ddl = "CREATE TABLE webhook_effects (event_id TEXT NOT NULL, handler TEXT NOT NULL)";
    match kind {
        StoreKind::Postgres => {
            sqlx::query(ddl)
                .execute(store.pg_pool().unwrap())
                .await
                .unwrap();
        }
        _ => {
            sqlx::query(ddl)
                .execute(store.sqlite_pool().unwrap())
                .await
                .unwrap();
        }
    }
    let mut procs: Vec<ChildProc> = ["replica-a", "replica-b"]
        .iter()
        .map(|name| {
            let args = ["webhook", &store_arg, SECRET, name, "1500", handler_max_ms]
                .map(str::to_owned)
                .to_vec();
            ChildProc::spawn(CHILD, name, &args)
        })
        .collect();
    let mut addrs = Vec::new();
    for p in &mut procs {
        let line =
            tokio::task::block_in_place(|| p.wait_line("listening ", Duration::from_secs(30)));
        addrs.push(line["listening ".len()..].parse::<SocketAddr>().unwrap());
    }
    let dead = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stats = Arc::new((AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)));
    let bodies: Vec<Arc<String>> = (0..EVENTS)
        .map(|i| Arc::new(v1_event(&format!("evt_{i:04}"))))
        .collect();
    // 2,000 deliveries: event i to replica a and to replica b at once, 32 events at a time.
    let sem = Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        for copy in 0..2usize {
            let (body, sem, dead, stats, addrs) = (
                body.clone(),
                sem.clone(),
                dead.clone(),
                stats.clone(),
                addrs.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let _permit = sem.acquire().await.unwrap();
                let mut target = copy;
                let mut attempt = 0u32;
                loop {
                    // After the kill, Stripe's retries reach the survivor.
                    if target == 0 && dead.load(Ordering::SeqCst) {
                        target = 1;
                    }
                    let status = deliver(addrs[target], "/webhook", &body).await;
                    match status {
                        Some(200) => return,
                        Some(409) => stats.0.fetch_add(1, Ordering::Relaxed),
                        Some(_) => stats.1.fetch_add(1, Ordering::Relaxed),
                        None => stats.2.fetch_add(1, Ordering::Relaxed),
                    };
                    attempt += 1;
                    assert!(attempt < 400, "event {i} never handled");
                    tokio::time::sleep(Duration::from_millis(50 + 25 * u64::from(attempt.min(8))))
                        .await;
                }
            }));
        }
    }
    // Kill replica a a third of the way through, with handlers in flight.
    let count_effects = || async {
        let q = "SELECT COUNT(*) FROM webhook_effects";
        match kind {
            StoreKind::Postgres => sqlx::query_scalar::<_, i64>(q)
                .fetch_one(store.pg_pool().unwrap())
                .await
                .unwrap(),
            _ => sqlx::query_scalar::<_, i64>(q)
                .fetch_one(store.sqlite_pool().unwrap())
                .await
                .unwrap(),
        }
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_effects().await < (EVENTS / 3) as i64 {
        assert!(
            Instant::now() < deadline,
            "the replicas do not handle events"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    procs[0].kill();
    dead.store(true, Ordering::SeqCst);
    let at_kill = count_effects().await;
    for t in tasks {
        t.await.unwrap();
    }
    // Every event: exactly one completed handling.
    let q = "SELECT event_id, COUNT(*), MIN(handler) FROM webhook_effects GROUP BY event_id";
    let rows: Vec<(String, i64, String)> = match kind {
        StoreKind::Postgres => sqlx::query_as(q).fetch_all(store.pg_pool().unwrap()).await,
        _ => {
            sqlx::query_as(q)
                .fetch_all(store.sqlite_pool().unwrap())
                .await
        }
    }
    .unwrap();
    assert_eq!(rows.len(), EVENTS, "every event handled");
    let twice: Vec<_> = rows.iter().filter(|r| r.1 != 1).collect();
    assert!(twice.is_empty(), "handled more than once: {twice:?}");
    let mut by = HashMap::<String, usize>::new();
    for r in &rows {
        *by.entry(r.2.clone()).or_default() += 1;
    }
    let ledger = EventLedger::open(store.clone()).await.unwrap();
    for i in (0..EVENTS).step_by(97) {
        let e = ledger.entry(&format!("evt_{i:04}")).await.unwrap().unwrap();
        assert_eq!(e.state, LedgerState::Done);
    }
    println!(
        "webhook crash test ({kind:?}): {EVENTS} events x 2 deliveries to 2 processes, \
         replica-a SIGKILLed after {at_kill} handled; every event handled exactly once \
         (by replica: {by:?}); answers retried: {} x 409 in progress, {} x 5xx, {} broken \
         connections; {:.1} s",
        stats.0.load(Ordering::Relaxed),
        stats.1.load(Ordering::Relaxed),
        stats.2.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    procs[1].kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_crash_test_two_processes_postgres() {
    let url = fresh_pg_database().await;
    let store = Store::postgres(&url).await.unwrap();
    two_processes_one_killed(store, format!("postgres:{url}"), "20").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_crash_test_two_processes_sqlite() {
    let dir = TempDir::new("ledger-crash");
    let path = dir.join("ledger.db");
    let store = Store::sqlite(&path).await.unwrap();
    two_processes_one_killed(store, format!("sqlite:{}", path.display()), "2").await;
}
