//! Proof by crashing: drainers in child processes (`durable-child`, `tests/src/bin/`) killed
//! with SIGKILL while they send, against the local stream server, which counts events by
//! identifier as Stripe does.
//!
//! - kill test: 20,000 events in a SQLite outbox; a drainer started and SIGKILLed at 50
//!   random moments, restarted each time, then one left to finish;
//! - fleet test: 20,000 events in Postgres, three drainer processes, one SIGKILLed halfway.
//!
//! Both assert: every recorded event arrives (0 lost), no identifier is counted twice, no
//! usage arrives under two identifiers; and print how many resends of an identifier went
//! over the wire (allowed: Stripe drops them). The fleet test also asserts that only the
//! killed drainer's batches were ever sent twice: live drainers never send one event both.

use integration_tests::durable::{fresh_pg_database, ChildProc, TempDir};
use integration_tests::meter_server::{MeterServer, MeterServerConfig, Receipts};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use stripe_client::meter::{MeterEvent, Outbox};

const CHILD: &str = env!("CARGO_BIN_EXE_durable-child");
const EVENTS: usize = 20_000;

/// Record `EVENTS` events, each with its usage number as payload `seq`; their identifiers.
async fn record_all(outbox: &Outbox) -> HashSet<String> {
    let mut ids = HashSet::with_capacity(EVENTS);
    for chunk in 0..EVENTS / 1000 {
        let events = (chunk * 1000..(chunk + 1) * 1000).map(|i| {
            MeterEvent::new("api_requests", format!("cus_{}", i % 97))
                .value(1)
                .payload("seq", i.to_string())
        });
        for id in outbox.record_many(events).await.unwrap() {
            ids.insert(id.to_string());
        }
    }
    assert_eq!(ids.len(), EVENTS);
    ids
}

/// The assertions both tests share; returns the number of resends on the wire.
fn assert_exactly_once(recorded: &HashSet<String>, server: &MeterServer) -> u64 {
    let receipts: HashMap<String, Receipts> = server.receipts();
    let lost: Vec<&String> = recorded
        .iter()
        .filter(|id| !receipts.contains_key(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} events lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    let strangers = receipts.keys().filter(|id| !recorded.contains(*id)).count();
    assert_eq!(strangers, 0, "identifiers nobody recorded");
    let twice = server.counted_twice();
    assert!(
        twice.is_empty(),
        "{} identifiers counted twice",
        twice.len()
    );
    let usages = server.usage_keys();
    assert_eq!(usages.len(), EVENTS, "every usage arrived");
    let split: Vec<_> = usages.iter().filter(|(_, ids)| ids.len() != 1).collect();
    assert!(
        split.is_empty(),
        "usage under two identifiers: {:?}",
        &split[..split.len().min(3)]
    );
    receipts.values().map(|r| u64::from(r.received - 1)).sum()
}

/// A small xorshift for the kill moments; the seed is printed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_test_20000_events_50_sigkills_sqlite() {
    const KILLS: usize = 50;
    let started = Instant::now();
    let dir = TempDir::new("kill");
    let path = dir.join("outbox.db");
    let outbox = Outbox::sqlite(&path).await.unwrap();
    let recorded = record_all(&outbox).await;
    // Each batch is counted, then answered 120 ms later: most kills land after Stripe counted
    // a batch and before the drainer marked it delivered. Claims of 200 events go out as two
    // requests at once.
    let server = MeterServer::start(MeterServerConfig {
        answer_delay: Duration::from_millis(120),
        usage_key: Some("seq".into()),
        ..MeterServerConfig::default()
    })
    .await;
    let store = format!("sqlite:{}", path.display());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut rng = Rng(seed);
    let args = |name: &str, mode: &str| -> Vec<String> {
        ["drain", &store, &server.url, name, "3000", "1", mode, "200"]
            .map(str::to_owned)
            .to_vec()
    };
    for k in 0..KILLS {
        let name = format!("killed-{k}");
        let mut child = ChildProc::spawn(CHILD, &name, &args(&name, "forever"));
        tokio::task::block_in_place(|| child.wait_line("ready", Duration::from_secs(30)));
        tokio::time::sleep(Duration::from_millis(rng.next() % 250)).await;
        child.kill();
    }
    let left = outbox.stats().await.unwrap();
    let at_last_kill = server.counters().unique.load(Ordering::Relaxed);
    assert!(
        left.pending > 0,
        "the 50 kills must land while events are still to be sent"
    );
    let mut last = ChildProc::spawn(CHILD, "finisher", &args("finisher", "until-empty"));
    tokio::task::block_in_place(|| last.wait_success(Duration::from_secs(120)));
    let resends = assert_exactly_once(&recorded, &server);
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.pending, stats.dead_letters), (0, 0));
    println!(
        "kill test (SQLite, seed {seed}): {EVENTS} events, {KILLS} SIGKILLs, {at_last_kill} \
         received by the last kill ({} pending), 0 lost, 0 counted twice, {resends} resends \
         on the wire, {} requests; finisher: {}; {:.1} s",
        left.pending,
        server.counters().requests.load(Ordering::Relaxed),
        last.lines().last().cloned().unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_test_3_drainer_processes_one_killed_postgres() {
    let started = Instant::now();
    let url = fresh_pg_database().await;
    let outbox = Outbox::postgres(&url).await.unwrap();
    let recorded = record_all(&outbox).await;
    let server = MeterServer::start(MeterServerConfig {
        answer_delay: Duration::from_millis(200),
        usage_key: Some("seq".into()),
        ..MeterServerConfig::default()
    })
    .await;
    let store = format!("postgres:{url}");
    let mut fleet: Vec<ChildProc> = (0..3)
        .map(|i| {
            let name = format!("fleet-{i}");
            let args = [
                "drain",
                &store,
                &server.url,
                &name,
                // A 15 s lease: requests time out after 5 s, far from the 200 ms the server
                // takes, so even on a busy machine a live drainer does not time out and resend.
                "15000",
                "2",
                "forever",
                "200",
            ]
            .map(str::to_owned)
            .to_vec();
            ChildProc::spawn(CHILD, &name, &args)
        })
        .collect();
    for c in &mut fleet {
        tokio::task::block_in_place(|| c.wait_line("ready", Duration::from_secs(30)));
    }
    // Halfway: SIGKILL fleet-1.
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.counters().unique.load(Ordering::Relaxed) < (EVENTS / 2) as u64 {
        assert!(Instant::now() < deadline, "the fleet does not send");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    fleet[1].kill();
    let at_kill = server.counters().unique.load(Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = outbox.stats().await.unwrap();
        if s.pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "not drained: {s:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for c in &mut fleet {
        c.kill();
    }
    let resends = assert_exactly_once(&recorded, &server);
    let stats = outbox.stats().await.unwrap();
    assert_eq!((stats.pending, stats.dead_letters), (0, 0));
    // Every identifier that went out twice was first sent by the drainer that was killed
    // (a batch it sent and could not mark delivered); live drainers never shared one.
    let receipts = server.receipts();
    let mut first_by = HashMap::<String, u64>::new();
    for r in receipts.values() {
        let first = r.senders.first().cloned().unwrap_or_default();
        let who = ["fleet-0", "fleet-1", "fleet-2"]
            .into_iter()
            .find(|n| first.contains(n))
            .unwrap_or("?");
        *first_by.entry(who.to_owned()).or_default() += 1;
        if r.received > 1 {
            assert!(
                first.contains("fleet-1"),
                "sent twice, first by a live drainer: {:?}",
                r.senders
            );
            assert!(
                r.senders[1..].iter().all(|s| !s.contains("fleet-1")),
                "the killed drainer sent after its death: {:?}",
                r.senders
            );
        }
    }
    assert!(
        ["fleet-0", "fleet-1", "fleet-2"]
            .iter()
            .all(|n| first_by.get(*n).copied().unwrap_or(0) > 0),
        "every drainer took work: {first_by:?}"
    );
    println!(
        "fleet test (Postgres): {EVENTS} events, 3 drainer processes, fleet-1 SIGKILLed at \
         {at_kill} received; 0 lost, 0 counted twice, {resends} resends on the wire (all \
         batches of the killed drainer); first sends by drainer {first_by:?}; {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
