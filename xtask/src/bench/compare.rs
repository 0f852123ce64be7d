//! Beside async-stripe 1.0.0-rc.10, with the crates of `bench/compare-async-stripe/`:
//! clean release builds of the sample app ([`compare`]) and the `headtohead` process.

use super::{bench_value, fmt_ns, Report};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One side of the sample app: `ours/` (this SDK) or `theirs/` (async-stripe).
#[derive(Clone, Copy)]
pub(super) struct SampleApp {
    /// Its directory under `bench/compare-async-stripe/`, also the name of its side.
    pub side: &'static str,
    /// Its binary (and package) name.
    pub bin: &'static str,
}

pub(super) const OURS: SampleApp = SampleApp {
    side: "ours",
    bin: "sample-ours",
};
pub(super) const THEIRS: SampleApp = SampleApp {
    side: "theirs",
    bin: "sample-theirs",
};

impl SampleApp {
    pub fn dir(self) -> PathBuf {
        compare_dir().join(self.side)
    }

    /// `cargo fetch` in its directory, so that download time is never build time.
    pub fn fetch(self) -> Result<()> {
        let mut f = crate::cargo();
        f.current_dir(self.dir()).arg("fetch");
        crate::run(&mut f)
    }

    /// `cargo <args> --bin <bin>` in its directory with `target` as `CARGO_TARGET_DIR`: the
    /// seconds it took.
    pub fn cargo(self, args: &[&str], target: &Path) -> Result<f64> {
        let mut c = crate::cargo();
        c.current_dir(self.dir())
            .args(args)
            .args(["--bin", self.bin])
            .env("CARGO_TARGET_DIR", target);
        let start = Instant::now();
        crate::run(&mut c)?;
        Ok(start.elapsed().as_secs_f64())
    }
}

fn dir_size(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Clean release build of one sample app in its own target dir (removed afterwards, also on
/// failure): (seconds, binary bytes).
fn build_app(app: SampleApp, target: &Path) -> Result<(f64, u64)> {
    let _ = std::fs::remove_dir_all(target);
    app.fetch()?;
    let built = app.cargo(&["build", "--release"], target).and_then(|secs| {
        let binary = target.join("release").join(app.bin);
        let size = std::fs::metadata(&binary)
            .with_context(|| format!("binary {}", binary.display()))?
            .len();
        Ok((secs, size))
    });
    eprintln!(
        "{}: {}target dir {:.0} MiB",
        app.bin,
        built
            .as_ref()
            .map_or(String::new(), |(secs, _)| format!("{secs:.1} s, ")),
        dir_size(target) as f64 / 1048576.0
    );
    let _ = std::fs::remove_dir_all(target);
    built
}

pub(super) fn compare_dir() -> PathBuf {
    crate::root().join("bench/compare-async-stripe")
}

/// The fastest of `runs` (by their first field): on a shared machine noise only ever adds time.
pub(super) fn fastest<T: Clone>(runs: &[(f64, T)]) -> Option<(f64, T)> {
    runs.iter().min_by(|a, b| a.0.total_cmp(&b.0)).cloned()
}

/// `12.3 s, 11.9 s`.
pub(super) fn list_secs(secs: impl IntoIterator<Item = f64>) -> String {
    secs.into_iter()
        .map(|s| format!("{s:.1} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Clean release builds of the sample app with this SDK and with async-stripe, alternating,
/// `rounds` of each.
pub(super) fn compare(r: &mut Report, out_dir: &Path, rounds: usize) -> Result<()> {
    let (mut ours_runs, mut theirs_runs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours_runs.push(build_app(OURS, &out_dir.join("target-ours"))?);
        theirs_runs.push(build_app(THEIRS, &out_dir.join("target-theirs"))?);
    }
    r.notes.push(format!(
        "sample app clean release builds, alternating (fastest counts): ours {}; async-stripe {}",
        list_secs(ours_runs.iter().map(|r| r.0)),
        list_secs(theirs_runs.iter().map(|r| r.0))
    ));
    let (Some(ours), Some(theirs)) = (fastest(&ours_runs), fastest(&theirs_runs)) else {
        bail!("no builds (0 rounds)");
    };
    let build = ours.0 / theirs.0;
    let size = ours.1 as f64 / theirs.1 as f64;
    let mib = |b: u64| b as f64 / 1048576.0;
    r.row(
        &format!("sample app: clean release build (fastest of {rounds}, alternating)"),
        format!("{:.1} s", ours.0),
        &format!("async-stripe 1.0.0-rc.10 {:.1} s", theirs.0),
        format!("{build:.2}×"),
    );
    r.row(
        "sample app: release binary size",
        format!("{:.2} MiB", mib(ours.1)),
        &format!("async-stripe 1.0.0-rc.10 {:.2} MiB", mib(theirs.1)),
        format!("{size:.2}×"),
    );
    r.target(
        "sample_app_build_vs_async_stripe",
        Some((build, format!("{build:.2}x"))),
        |x| x <= 0.5,
    );
    r.target(
        "sample_app_binary_vs_async_stripe",
        Some((size, format!("{size:.2}x"))),
        |x| x <= 1.0,
    );
    Ok(())
}

/// `headtohead/`: overhead and decoding beside async-stripe, in one process.
pub(super) fn headtohead(r: &mut Report, out_dir: &Path, quick: bool) -> Result<()> {
    let dir = compare_dir().join("headtohead");
    let mut f = crate::cargo();
    f.current_dir(&dir).arg("fetch");
    crate::run(&mut f)?;
    let mut c = crate::cargo();
    c.current_dir(&dir)
        .args(["run", "--release", "--bin", "headtohead", "--"])
        .arg(if quick { "--quick" } else { "--full" })
        .env("CARGO_TARGET_DIR", out_dir.join("headtohead"));
    eprintln!("+ {:?}", c);
    let out = c.output().context("running headtohead")?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprint!("{stdout}");
    if !out.status.success() {
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        bail!("headtohead failed with {}", out.status);
    }
    let v = |k: &str| bench_value(&stdout, k).with_context(|| format!("headtohead: no BENCH {k}"));
    let (floor, ours, theirs) = (
        v("h2h_overhead_floor_ns")?,
        v("h2h_overhead_ours_ns")?,
        v("h2h_overhead_theirs_ns")?,
    );
    let (value, ours_d, theirs_d) = (
        v("h2h_decode_value_ns")?,
        v("h2h_decode_ours_ns")?,
        v("h2h_decode_theirs_ns")?,
    );
    let overhead = ours / theirs;
    // A yardstick only: async-stripe's request types over a hand-written keep-alive client.
    let keepalive = bench_value(&stdout, "h2h_overhead_theirs_keepalive_ns").map_or(String::new(), |k| {
        format!(
            "; for reference, async-stripe's types over a hand-written keep-alive hyper client {}/req",
            fmt_ns(k)
        )
    });
    r.row(
        "client overhead per request vs async-stripe (create customer, loopback, generated types; headtohead)",
        format!("{}/req", fmt_ns(ours)),
        &format!(
            "async-stripe 1.0.0-rc.10 {}/req (no idle connections kept: a new TCP connection per request); hand-written reqwest + serde_json {}/req{keepalive}",
            fmt_ns(theirs),
            fmt_ns(floor)
        ),
        format!("{overhead:.3}× (floor: {:.3}×)", ours / floor),
    );
    r.row(
        "decode 100 payment intents vs async-stripe (headtohead)",
        fmt_ns(ours_d),
        &format!(
            "async-stripe (miniserde) {}; `serde_json::Value` {}",
            fmt_ns(theirs_d),
            fmt_ns(value)
        ),
        format!(
            "{:.2}× async-stripe's speed, {:.2}× Value's",
            theirs_d / ours_d,
            value / ours_d
        ),
    );
    r.target(
        "overhead_vs_async_stripe",
        Some((overhead, format!("{overhead:.3}x"))),
        |x| x <= 1.0,
    );
    r.overhead_vs_reqwest_h2h = Some(ours / floor);
    Ok(())
}
