//! `cargo xtask bench [--no-compare | --only-compare | --only-dev-loop | --only <bench>] [--full]
//! [--build-rounds N]`: run every benchmark, write one Markdown table (stdout and
//! `target/bench/report.md`) and one `target <name> <figure> <met|missed>` line per target. A
//! complete run (none of `--no-compare`, `--only-compare`, `--only-dev-loop`) also replaces the
//! table in `guides/performance.md`, between its [`GUIDE_START`] and [`GUIDE_END`] markers, so
//! the guide's prose sits beside the figures of the last run.
//!
//! Each bench runs as its own `cargo bench` process (`-- --quick` unless `--full`); the figures
//! are parsed from the lines the benches print. The `outbox` bench gets a Postgres of its own
//! (started as `cargo xtask test` starts one, but with Postgres' durable defaults). Both sides of every ratio are measured in the
//! same process, interleaved. `build_full` times a clean release build of `stripe-types` with
//! `full` in its own `CARGO_TARGET_DIR` (removed afterwards).
//!
//! With `bench/compare-async-stripe/` present (and no `--no-compare`, which skips all
//! async-stripe work):
//! - [`compare::compare`]: the same sample app (`ours/`, `theirs/`) is fetched, then built
//!   clean in release mode with this SDK and with async-stripe 1.0.0-rc.10, each in its own
//!   `CARGO_TARGET_DIR` under `target/bench/` (removed afterwards): build seconds and binary
//!   size. The builds alternate, ours, theirs, ours, theirs ([`BUILD_ROUNDS`] each, or
//!   `--build-rounds N`), and each side's figure is its fastest build: on a shared machine
//!   noise only ever adds time, and one build each moved the ratio by ±0.05 between runs.
//!   Every build's time is in the notes.
//! - [`dev_loop::dev_loop`]: the same app in the default dev profile, alternating the same way:
//!   clean debug build, debug rebuilds after edits of `main.rs`, clean `cargo check`, and the
//!   critical path of the clean debug build from cargo's timing report ([`timings`]).
//! - [`compare::headtohead`]: `cargo run --release` of `headtohead/` (target dir
//!   `target/bench/headtohead`, kept between runs) measures per-request overhead (floor, ours,
//!   async-stripe) and list decoding (`Value`, ours, async-stripe) in one process, interleaved.
//!   Its overhead figure is the one the `overhead_vs_reqwest` target uses when present.
//!
//! `--only-compare` runs just these three; `--only-dev-loop` runs just `dev_loop`.
//! `--only <bench>` runs one bench of `bench/benches/` and its row (`--only governor`: the
//! rate governor's 80 s backfill, without the rest of the run).

mod compare;
mod dev_loop;
mod timings;

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

struct Row {
    name: String,
    figure: String,
    baseline: String,
    ratio: String,
}

struct Target {
    name: &'static str,
    measured: Option<String>,
    met: bool,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    targets: Vec<Target>,
    notes: Vec<String>,
    /// stripe-client / hand-written reqwest, from the criterion bench and from headtohead.
    overhead_vs_reqwest_bench: Option<f64>,
    overhead_vs_reqwest_h2h: Option<f64>,
}

impl Report {
    fn row(&mut self, name: &str, figure: String, baseline: &str, ratio: String) {
        self.rows.push(Row {
            name: name.into(),
            figure,
            baseline: baseline.into(),
            ratio,
        });
    }
    fn target(
        &mut self,
        name: &'static str,
        measured: Option<(f64, String)>,
        ok: impl Fn(f64) -> bool,
    ) {
        let met = measured.as_ref().map(|(v, _)| ok(*v)).unwrap_or(false);
        self.targets.push(Target {
            name,
            measured: measured.map(|(_, s)| s),
            met,
        });
    }
    fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| benchmark | figure | baseline | ratio |");
        let _ = writeln!(s, "|---|---|---|---|");
        for r in &self.rows {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                r.name, r.figure, r.baseline, r.ratio
            );
        }
        if !self.notes.is_empty() {
            s.push('\n');
            for n in &self.notes {
                let _ = writeln!(s, "- {n}");
            }
        }
        s.push_str("\n```text\n");
        for t in &self.targets {
            let _ = writeln!(
                s,
                "target {} {} {}",
                t.name,
                t.measured.as_deref().unwrap_or("n/a"),
                if t.met { "met" } else { "missed" }
            );
        }
        s.push_str("```\n");
        s
    }
}

/// The line before the generated table in `guides/performance.md`.
pub const GUIDE_START: &str =
    "<!-- cargo xtask bench: table start (generated; edit the prose around it) -->";
/// The line after it.
pub const GUIDE_END: &str = "<!-- cargo xtask bench: table end -->";

/// `guide` with the text between its markers replaced by `table`.
fn with_table(guide: &str, table: &str) -> Result<String> {
    let start = guide
        .find(GUIDE_START)
        .with_context(|| format!("the guide has no `{GUIDE_START}` line"))?
        + GUIDE_START.len();
    let end = guide[start..]
        .find(GUIDE_END)
        .with_context(|| format!("the guide has no `{GUIDE_END}` line after the start"))?
        + start;
    Ok(format!(
        "{}\n{}\n{}",
        &guide[..start],
        table.trim_end(),
        &guide[end..]
    ))
}

/// Replace the table in `guides/performance.md` with this run's.
fn update_guide(table: &str) -> Result<()> {
    let path = crate::root().join("guides/performance.md");
    let guide =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(crate::root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let block = format!("One run of `cargo xtask bench` at commit `{commit}`:\n\n{table}");
    std::fs::write(&path, with_table(&guide, &block)?)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("bench: table written to {}", path.display());
    Ok(())
}

/// Run one bench binary of `stripe-benches` (`bench/benches/`) through `cargo bench`; its
/// stdout (also echoed to stderr). The crate enables every feature its benches need, so all of
/// them share one release build of stripe-types.
fn run_bench(name: &str, quick: bool, envs: &[(&str, &str)]) -> Result<String> {
    let mut c = crate::cargo();
    c.args(["bench", "-p", "stripe-benches", "--bench", name]);
    if quick {
        c.args(["--", "--quick"]);
    }
    for (k, v) in envs {
        c.env(k, v);
    }
    eprintln!("+ {:?}", c);
    let out = c
        .output()
        .with_context(|| format!("running bench {name}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprint!("{stdout}");
    if !out.status.success() {
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        bail!("bench {name} failed with {}", out.status);
    }
    Ok(stdout)
}

/// `BENCH key=value` lines.
fn bench_value(out: &str, key: &str) -> Option<f64> {
    out.lines()
        .filter_map(|l| l.strip_prefix("BENCH "))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// The text after `marker` on the line containing it, up to the next `stop` char.
fn after<'a>(out: &'a str, marker: &str) -> Option<&'a str> {
    let line = out.lines().rev().find(|l| l.contains(marker))?;
    let i = line.find(marker)? + marker.len();
    Some(line[i..].trim_start())
}

fn leading_number(s: &str) -> Option<f64> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

/// A `Duration` printed with `{:?}` (`12.3µs`, `456ns`, `1.2ms`, `3s`) in nanoseconds.
fn debug_duration_ns(s: &str) -> Option<f64> {
    let n = leading_number(s)?;
    let unit = s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let mul = if unit.starts_with("ns") {
        1.0
    } else if unit.starts_with("µs") || unit.starts_with("us") {
        1e3
    } else if unit.starts_with("ms") {
        1e6
    } else if unit.starts_with('s') {
        1e9
    } else {
        return None;
    };
    Some(n * mul)
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn client_overhead(r: &mut Report, quick: bool) -> Result<()> {
    let out = run_bench("client_overhead", quick, &[])?;
    let ours = after(&out, "client_overhead: stripe-client ").and_then(debug_duration_ns);
    let floor = after(&out, "hand-written reqwest+serde_json ").and_then(debug_duration_ns);
    let (Some(a), Some(b)) = (ours, floor) else {
        bail!("client_overhead: no figures in its output");
    };
    let ratio = a / b;
    r.row(
        "client overhead per request (create customer, loopback)",
        format!("{}/req", fmt_ns(a)),
        &format!("hand-written reqwest + serde_json {}/req", fmt_ns(b)),
        format!("{ratio:.3}×"),
    );
    r.overhead_vs_reqwest_bench = Some(ratio);
    Ok(())
}

fn webhook(r: &mut Report, quick: bool) -> Result<()> {
    let out = run_bench("webhook", quick, &[])?;
    let bare = after(&out, "bare HMAC-SHA256 4 KiB: ").and_then(leading_number);
    let verify = after(&out, "; verify: ").and_then(leading_number);
    let (Some(b), Some(v)) = (bare, verify) else {
        bail!("webhook: no figures in its output");
    };
    let ratio = v / b;
    r.row(
        "webhook verification, 4 KiB payload",
        fmt_ns(v),
        &format!("bare HMAC-SHA256 {}", fmt_ns(b)),
        format!("{ratio:.3}×"),
    );
    r.target(
        "webhook_vs_hmac",
        Some((ratio, format!("{ratio:.3}x"))),
        |x| x <= 1.2,
    );
    Ok(())
}

fn meter_sender(r: &mut Report, quick: bool) -> Result<()> {
    let events = if quick { "300000" } else { "1000000" };
    let out = run_bench("meter_sender", quick, &[("METER_BENCH_EVENTS", events)])?;
    let rate = after(&out, "meter-sender: ").and_then(leading_number);
    let lost = after(&out, "lost ").and_then(leading_number);
    let dup = after(&out, "duplicated ").and_then(leading_number);
    let mem = after(&out, "peak memory (VmHWM): ").and_then(leading_number);
    let Some(rate) = rate else {
        bail!("meter_sender: no figures in its output");
    };
    r.row(
        &format!("MeterEventSender into a local sink ({events} events)"),
        format!(
            "{rate:.0} events/s, lost {}, duplicated {}, peak memory {} MiB",
            lost.map_or("?".into(), |v| format!("{v:.0}")),
            dup.map_or("?".into(), |v| format!("{v:.0}")),
            mem.map_or("?".into(), |v| format!("{v:.1}"))
        ),
        "target 100,000 events/s",
        format!("{:.2}×", rate / 100_000.0),
    );
    let clean = lost == Some(0.0) && dup == Some(0.0);
    r.target(
        "meter_sender_events_per_s",
        Some((rate, format!("{rate:.0}"))),
        |v| v >= 100_000.0 && clean,
    );
    Ok(())
}

fn decode(r: &mut Report, quick: bool) -> Result<()> {
    let out = run_bench("decode", quick, &[])?;
    let (Some(t), Some(v)) = (
        bench_value(&out, "decode_typed_ns"),
        bench_value(&out, "decode_value_ns"),
    ) else {
        bail!("decode: no BENCH lines in its output");
    };
    let speed = v / t;
    r.row(
        "decode 100 payment intents into `List<PaymentIntent>`",
        fmt_ns(t),
        &format!("`serde_json::Value` {}", fmt_ns(v)),
        format!("{speed:.2}× the speed"),
    );
    r.target(
        "typed_decode_speed_vs_value",
        Some((speed, format!("{speed:.3}x"))),
        |x| x >= 1.0,
    );
    Ok(())
}

fn form_encode(r: &mut Report, quick: bool) -> Result<()> {
    let out = run_bench("form_encode", quick, &[])?;
    let (Some(t), Some(h)) = (
        bench_value(&out, "form_encode_ns"),
        bench_value(&out, "form_encode_hand_ns"),
    ) else {
        bail!("form_encode: no BENCH lines in its output");
    };
    r.row(
        "form-encode a checkout session, 50 line items (build + encode)",
        fmt_ns(t),
        &format!("hand-written encoder {}", fmt_ns(h)),
        format!("{:.2}×", t / h),
    );
    Ok(())
}

fn concurrency(r: &mut Report, quick: bool) -> Result<()> {
    let out = run_bench("concurrency", quick, &[])?;
    let (Some(rps), Some(conns)) = (
        bench_value(&out, "concurrency_rps"),
        bench_value(&out, "concurrency_connections"),
    ) else {
        bail!("concurrency: no BENCH lines in its output");
    };
    // No target here: on loopback, with no server delay, hyper's pool can dial a few extra
    // connections while others are being returned. The connection budget is checked over TLS
    // with a realistic delay, in `realistic_network`.
    r.row(
        "requests/s at concurrency 64 (retrieve customer, loopback)",
        format!("{rps:.0} req/s, {conns:.0} TCP connections"),
        "64 connections (informational on loopback)",
        format!("{:.2}× the connection budget", conns / 64.0),
    );
    Ok(())
}

/// `governor`: 2,000 `UpdateCustomer` calls through `Batch` at concurrency 64 under a local
/// server that enforces 25 requests/s, with the rate governor and without it. The limit allows
/// them in 80 s; the target is none rejected, within 5 % of that.
fn governor(r: &mut Report, _quick: bool) -> Result<()> {
    let out = run_bench("governor", false, &[])?;
    let v = |k: &str| bench_value(&out, k);
    let (Some(secs), Some(ideal), Some(rejected), Some(failed)) = (
        v("governor_seconds"),
        v("governor_ideal_seconds"),
        v("governor_rejected"),
        v("governor_failed"),
    ) else {
        bail!("governor: no BENCH lines in its output");
    };
    let (Some(u_secs), Some(u_rejected), Some(u_retries), Some(u_failed)) = (
        v("ungoverned_seconds"),
        v("ungoverned_rejected"),
        v("ungoverned_retries"),
        v("ungoverned_failed"),
    ) else {
        bail!("governor: no BENCH lines for the run without it");
    };
    let off = secs / ideal - 1.0;
    r.row(
        "backfill of 2,000 writes via `Batch` (concurrency 64) under a server enforcing 25 req/s, with the governor",
        format!(
            "{secs:.1} s, {rejected:.0} rejected, {failed:.0} failed; without it: {u_rejected:.0} answered 429, {u_retries:.0} retries, {u_failed:.0} calls failed in {u_secs:.1} s"
        ),
        &format!("{ideal:.0} s (the limit)"),
        format!("{:+.1} %", off * 100.0),
    );
    r.target(
        "governor_backfill",
        Some((
            off,
            format!(
                "{rejected:.0} rejected, {:+.1}% of {ideal:.0}s",
                off * 100.0
            ),
        )),
        |o| rejected == 0.0 && failed == 0.0 && o.abs() <= 0.05,
    );
    Ok(())
}

/// `realistic_network`: TLS and a 30 ms server delay, stripe-client beside hand-written
/// reqwest (medians over the bench's rounds). The per-request figures that matter against
/// Stripe; loopback-only overheads vanish here.
fn realistic_network(r: &mut Report, _quick: bool) -> Result<()> {
    let out = run_bench("realistic_network", false, &[])?;
    let v = |k: &str| bench_value(&out, k);
    let (Some(p50_1), Some(ratio_1), Some(ratio_64), Some(rps_64), Some(conns)) = (
        v("realistic_c1_p50_ms"),
        v("realistic_c1_p50_ratio"),
        v("realistic_c64_p50_ratio"),
        v("realistic_c64_rps_ratio"),
        v("realistic_c64_connections"),
    ) else {
        bail!("realistic_network: no BENCH lines in its output");
    };
    r.row(
        "create customer over TLS, 30 ms server delay (p50 at concurrency 1; at 64: p50, req/s, connections)",
        format!(
            "{p50_1:.2} ms; at 64: {ratio_64:.3}× p50, {rps_64:.3}× req/s, {conns:.0} connections"
        ),
        "hand-written reqwest + serde_json, same TLS settings",
        format!("{ratio_1:.3}× p50"),
    );
    r.target(
        "tcp_connections_at_64",
        Some((conns, format!("{conns:.0}"))),
        |c| c <= 64.0,
    );
    Ok(())
}

/// The durable metering outbox (`bench/benches/outbox.rs`), on a Postgres this starts with
/// Postgres' durable defaults (every commit flushed) and on SQLite with `synchronous = FULL`:
/// `record` throughput and p99 on both, `record_in` inside a Postgres transaction, and drain
/// throughput from Postgres with 1 and 3 drainers beside Stripe's 100,000 events/s.
fn outbox(r: &mut Report, quick: bool) -> Result<()> {
    let pg = crate::postgres::start(crate::postgres::Durability::Real, true)?;
    let events = if quick { "50000" } else { "100000" };
    let out = run_bench(
        "outbox",
        quick,
        &[
            (crate::postgres::URL_ENV, pg.url.as_str()),
            ("OUTBOX_BENCH_EVENTS", events),
        ],
    )?;
    let v = |k: &str| bench_value(&out, k);
    let (
        Some(sq1),
        Some(sq1_p99),
        Some(sq),
        Some(sq_p99),
        Some(pq1),
        Some(pq1_p99),
        Some(pq),
        Some(pq_p99),
        Some(tx_rate),
        Some(tx_p99),
        Some(whole_tx_p99),
    ) = (
        v("outbox_sqlite_record1_per_s"),
        v("outbox_sqlite_record1_p99_ms"),
        v("outbox_sqlite_record_per_s"),
        v("outbox_sqlite_record_p99_ms"),
        v("outbox_pg_record1_per_s"),
        v("outbox_pg_record1_p99_ms"),
        v("outbox_pg_record_per_s"),
        v("outbox_pg_record_p99_ms"),
        v("outbox_pg_record_in_tx_per_s"),
        v("outbox_pg_record_in_tx_p99_ms"),
        v("outbox_pg_tx_p99_ms"),
    )
    else {
        bail!("outbox: no BENCH lines in its output");
    };
    r.row(
        "outbox `record` on SQLite (synchronous = FULL): 1 recorder; 16 recorders",
        format!("{sq1:.0} events/s, p99 {sq1_p99:.2} ms; {sq:.0} events/s, p99 {sq_p99:.2} ms"),
        "",
        String::new(),
    );
    r.row(
        "outbox `record` on Postgres (autocommit, fsync on): 1 recorder; 16 recorders",
        format!("{pq1:.0} events/s, p99 {pq1_p99:.2} ms; {pq:.0} events/s, p99 {pq_p99:.2} ms"),
        "",
        String::new(),
    );
    r.row(
        "outbox `record_in` inside a Postgres transaction (8 tasks: BEGIN, UPDATE, record_in, COMMIT)",
        format!("p99 {tx_p99:.2} ms ({tx_rate:.0} events/s; whole transaction p99 {whole_tx_p99:.2} ms)"),
        "target p99 ≤ 5 ms",
        format!("{:.2}×", tx_p99 / 5.0),
    );
    r.target(
        "outbox_record_in_tx_p99_ms",
        Some((tx_p99, format!("{tx_p99:.2}"))),
        |x| x <= 5.0,
    );
    let mut best = None::<f64>;
    for n in [1, 3] {
        let (Some(rate), lost, dup) = (
            v(&format!("outbox_pg_drain{n}_per_s")),
            v(&format!("outbox_pg_drain{n}_lost")),
            v(&format!("outbox_pg_drain{n}_duplicated")),
        ) else {
            bail!("outbox: no drain figures for {n} drainer(s)");
        };
        let clean = lost == Some(0.0) && dup == Some(0.0);
        r.row(
            &format!("outbox drain from Postgres to a local stream sink, {n} drainer(s) ({events} events)"),
            format!(
                "{rate:.0} events/s, lost {}, duplicated {}",
                lost.map_or("?".into(), |x| format!("{x:.0}")),
                dup.map_or("?".into(), |x| format!("{x:.0}"))
            ),
            "Stripe's most for one business: 100,000 events/s",
            format!("{:.2}×", rate / 100_000.0),
        );
        if n == 1 && clean {
            best = Some(rate);
        }
    }
    // The target is a single drainer's (a fleet only adds to it).
    r.target(
        "outbox_drain_events_per_s",
        best.map(|x| (x, format!("{x:.0}"))),
        |x| x >= 10_000.0,
    );
    Ok(())
}

/// Clean release build of `stripe-types` with `full` (what `cargo xtask bench-build` times).
fn build_full(r: &mut Report, out_dir: &Path) -> Result<()> {
    let target = out_dir.join("target-build-full");
    let _ = std::fs::remove_dir_all(&target);
    let mut c = crate::cargo();
    c.args([
        "build",
        "--release",
        "-p",
        "stripe-types",
        "--features",
        "full",
    ])
    .env("CARGO_TARGET_DIR", &target);
    let start = Instant::now();
    let result = crate::run(&mut c);
    let secs = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&target);
    result?;
    r.row(
        "clean release build of `stripe-types` with `full`",
        format!("{secs:.1} s"),
        "",
        String::new(),
    );
    Ok(())
}

/// Clean builds of each sample app per measurement (release in `compare`, debug and check in
/// `dev_loop`), unless `--build-rounds N`.
const BUILD_ROUNDS: usize = 2;

/// Which part of the benchmarks a run measures.
#[derive(Clone, Copy, PartialEq)]
enum Scope {
    /// Everything: the only scope that updates the guide.
    Complete,
    /// `--no-compare`: no async-stripe.
    NoCompare,
    /// `--only-compare`: only async-stripe.
    OnlyCompare,
    /// `--only-dev-loop`: only the dev loop beside async-stripe.
    OnlyDevLoop,
}

impl Scope {
    fn from_args(args: &[String]) -> Result<Self> {
        let flags = [
            ("--no-compare", Scope::NoCompare),
            ("--only-compare", Scope::OnlyCompare),
            ("--only-dev-loop", Scope::OnlyDevLoop),
        ];
        let given: Vec<_> = flags
            .iter()
            .filter(|(flag, _)| args.iter().any(|a| a == flag))
            .collect();
        match given.as_slice() {
            [] => Ok(Scope::Complete),
            [(_, scope)] => Ok(*scope),
            _ => bail!("--no-compare, --only-compare and --only-dev-loop exclude each other"),
        }
    }

    /// The flag that selected it.
    fn flag(self) -> &'static str {
        match self {
            Scope::Complete => "",
            Scope::NoCompare => " --no-compare",
            Scope::OnlyCompare => " --only-compare",
            Scope::OnlyDevLoop => " --only-dev-loop",
        }
    }
}

/// `--build-rounds N`, else [`BUILD_ROUNDS`].
fn build_rounds(args: &[String]) -> Result<usize> {
    let Some(k) = args.iter().position(|a| a == "--build-rounds") else {
        return Ok(BUILD_ROUNDS);
    };
    match args.get(k + 1).map(|n| n.parse::<usize>()) {
        Some(Ok(n)) if n > 0 => Ok(n),
        _ => bail!("--build-rounds takes a number of rounds, at least 1"),
    }
}

/// Run `f`; when it fails, note why and report `targets` as missed (n/a).
fn measure(
    r: &mut Report,
    name: &str,
    targets: &[&'static str],
    f: impl FnOnce(&mut Report) -> Result<()>,
) {
    if let Err(e) = f(r) {
        eprintln!("{name}: {e:#}");
        r.notes.push(format!("{name} failed: {e:#}"));
        for target in targets {
            if !r.targets.iter().any(|t| t.name == *target) {
                r.target(target, None, |_| false);
            }
        }
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let quick = !args.iter().any(|a| a == "--full");
    let scope = Scope::from_args(args)?;
    let rounds = build_rounds(args)?;
    let root = crate::root();
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    let started = Instant::now();
    let mut r = Report::default();
    type Bench = fn(&mut Report, bool) -> Result<()>;
    let benches: [(&str, Bench); 9] = [
        ("client_overhead", client_overhead),
        ("realistic_network", realistic_network),
        ("decode", decode),
        ("form_encode", form_encode),
        ("webhook", webhook),
        ("meter_sender", meter_sender),
        ("outbox", outbox),
        ("concurrency", concurrency),
        ("governor", governor),
    ];
    if let Some(name) = crate::flag_value(args, "--only") {
        let Some((_, f)) = benches.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = benches.iter().map(|(n, _)| *n).collect();
            bail!("--only takes one of: {}", names.join(", "));
        };
        measure(&mut r, &name, &[], |r| f(r, quick));
        r.notes.push(format!(
            "measured in one run of `cargo xtask bench --only {name}` ({:.0} s)",
            started.elapsed().as_secs_f64()
        ));
        let text = r.render();
        std::fs::write(out_dir.join(format!("report-{name}.md")), &text)?;
        print!("{text}");
        eprintln!("bench: partial run; guides/performance.md keeps the last complete run's table");
        return Ok(());
    }
    if matches!(scope, Scope::Complete | Scope::NoCompare) {
        for (name, f) in benches {
            measure(&mut r, name, &[], |r| f(r, quick));
        }
        measure(&mut r, "build_full", &[], |r| build_full(r, &out_dir));
    }
    if compare::compare_dir().exists() && scope != Scope::NoCompare {
        if scope != Scope::OnlyDevLoop {
            measure(&mut r, "headtohead", &["overhead_vs_async_stripe"], |r| {
                compare::headtohead(r, &out_dir, quick)
            });
            measure(
                &mut r,
                "async-stripe comparison",
                &[
                    "sample_app_build_vs_async_stripe",
                    "sample_app_binary_vs_async_stripe",
                ],
                |r| compare::compare(r, &out_dir, rounds),
            );
        }
        let targets = dev_loop::TARGETS.map(|(name, _)| name);
        measure(&mut r, "dev loop", &targets, |r| {
            dev_loop::dev_loop(r, &out_dir, rounds)
        });
    }
    if scope != Scope::OnlyDevLoop {
        overhead_vs_reqwest(&mut r);
    }
    // Targets whose bench failed (or did not run) still get a line (missed, n/a).
    if matches!(scope, Scope::Complete | Scope::NoCompare) {
        for name in [
            "typed_decode_speed_vs_value",
            "webhook_vs_hmac",
            "meter_sender_events_per_s",
            "outbox_record_in_tx_p99_ms",
            "outbox_drain_events_per_s",
            "tcp_connections_at_64",
            "governor_backfill",
        ] {
            if !r.targets.iter().any(|t| t.name == name) {
                r.target(name, None, |_| false);
            }
        }
    }
    r.notes.push(format!(
        "{} cores, {} mode, {rounds} rounds of clean sample-app builds, measured in one run of `cargo xtask bench{}` ({:.0} s)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if quick { "--quick" } else { "--full" },
        scope.flag(),
        started.elapsed().as_secs_f64()
    ));
    let text = r.render();
    std::fs::write(out_dir.join("report.md"), &text)?;
    print!("{text}");
    if scope == Scope::Complete {
        update_guide(&text)?;
    } else {
        eprintln!("bench: partial run; guides/performance.md keeps the last complete run's table");
    }
    Ok(())
}

/// The `overhead_vs_reqwest` target: headtohead's interleaved figure (the generated
/// `CreateCustomer` into the generated `Customer`) when it ran, else the criterion bench's.
fn overhead_vs_reqwest(r: &mut Report) {
    let overhead = match (r.overhead_vs_reqwest_h2h, r.overhead_vs_reqwest_bench) {
        (Some(h), bench) => {
            r.notes.push(format!(
                "target overhead_vs_reqwest: from headtohead (interleaved, generated types){}",
                bench.map_or(String::new(), |b| format!(
                    "; the client_overhead bench (minimal request and response types) measured {b:.3}x"
                ))
            ));
            Some(h)
        }
        (None, Some(b)) => {
            r.notes
                .push("target overhead_vs_reqwest: from the client_overhead bench".into());
            Some(b)
        }
        (None, None) => None,
    };
    r.target(
        "overhead_vs_reqwest",
        overhead.map(|x| (x, format!("{x:.3}x"))),
        |v| v <= 1.15,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_table_is_replaced_between_the_markers_only() {
        let guide = format!(
            "# P\n\nprose before\n\n{GUIDE_START}\nold table\n{GUIDE_END}\n\nprose after\n"
        );
        let out = with_table(&guide, "| new |\n").unwrap();
        assert_eq!(
            out,
            format!("# P\n\nprose before\n\n{GUIDE_START}\n| new |\n{GUIDE_END}\n\nprose after\n")
        );
        assert_eq!(with_table(&out, "| new |").unwrap(), out);
        assert!(with_table("no markers", "x").is_err());
        assert!(with_table(&format!("{GUIDE_END}\n{GUIDE_START}"), "x").is_err());
    }

    #[test]
    fn the_scope_and_the_rounds_come_from_the_flags() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let scope = |a: &[&str]| Scope::from_args(&args(a)).ok();
        assert!(scope(&["--full"]) == Some(Scope::Complete));
        assert!(scope(&["--only-dev-loop"]) == Some(Scope::OnlyDevLoop));
        assert!(scope(&["--no-compare"]) == Some(Scope::NoCompare));
        assert!(scope(&["--only-compare", "--only-dev-loop"]).is_none());
        assert_eq!(build_rounds(&args(&[])).unwrap(), BUILD_ROUNDS);
        assert_eq!(build_rounds(&args(&["--build-rounds", "1"])).unwrap(), 1);
        assert!(build_rounds(&args(&["--build-rounds", "0"])).is_err());
        assert!(build_rounds(&args(&["--build-rounds"])).is_err());
    }

    #[test]
    fn the_repository_guide_has_the_markers() {
        let guide = include_str!("../../../guides/performance.md");
        assert!(with_table(guide, "x").is_ok());
    }
}
