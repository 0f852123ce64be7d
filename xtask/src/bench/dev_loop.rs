//! The dev loop beside async-stripe, with the sample app of the release comparison (`ours/`,
//! `theirs/`) and the default dev profile: a clean debug build (`cargo build --timings`), a
//! debug rebuild after each of [`EDITS`] edits of its `main.rs`, and a clean `cargo check`.
//! Each round measures ours, then theirs, each in its own `CARGO_TARGET_DIR` under
//! `target/bench/` (removed afterwards); as for the release builds, each side's figure is its
//! fastest run and every run is in the notes. The clean debug build's timing report also
//! gives the build's critical path (see [`super::timings`]); the reports are kept as
//! `target/bench/cargo-timing-<app>-<round>.html`.

use super::compare::{list_secs, SampleApp, OURS, THEIRS};
use super::timings::{critical_path_in, CriticalPath, REPORT};
use super::Report;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Edits of `main.rs`, each followed by a debug rebuild, after every clean debug build.
const EDITS: usize = 3;

/// The targets [`dev_loop`] reports on, with their bounds (ours / async-stripe).
pub(super) const TARGETS: [(&str, f64); 3] = [
    ("sample_app_debug_build_vs_async_stripe", 0.6),
    ("sample_app_check_vs_async_stripe", 0.6),
    ("sample_app_rebuild_vs_async_stripe", 0.85),
];

/// One side's measurements over all rounds, in seconds.
#[derive(Default)]
struct Runs {
    debug: Vec<f64>,
    /// The critical path of each clean debug build.
    debug_paths: Vec<CriticalPath>,
    rebuild: Vec<f64>,
    check: Vec<f64>,
}

impl Runs {
    /// The critical path of the fastest clean debug build.
    fn fastest_path(&self) -> Option<&CriticalPath> {
        let k = (0..self.debug.len()).min_by(|&a, &b| self.debug[a].total_cmp(&self.debug[b]))?;
        self.debug_paths.get(k)
    }
}

/// `main.rs` of a sample app, edited for a rebuild; the original text is written back when
/// this is dropped, also after a failed build.
struct EditedMain {
    path: PathBuf,
    original: String,
}

impl EditedMain {
    fn new(app: SampleApp) -> Result<Self> {
        let path = app.dir().join("src/main.rs");
        let original = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(EditedMain { path, original })
    }

    /// Write the `n`th edit: one statement more at the top of `main`'s body, so that `main` is
    /// type-checked and compiled again, as after a change to the code that calls the SDK.
    fn edit(&self, n: usize) -> Result<()> {
        let edited = with_edit(&self.original, n)
            .with_context(|| format!("{} has no `fn main(…) {{`", self.path.display()))?;
        std::fs::write(&self.path, edited)
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

impl Drop for EditedMain {
    fn drop(&mut self) {
        if let Err(e) = std::fs::write(&self.path, &self.original) {
            eprintln!("bench: could not restore {}: {e}", self.path.display());
        }
    }
}

/// `main_rs` with `std::hint::black_box(n)` as the first statement of `fn main`.
fn with_edit(main_rs: &str, n: usize) -> Option<String> {
    let body = main_rs.find("fn main(")?;
    let brace = body + main_rs[body..].find('{')? + 1;
    Some(format!(
        "{}\n    std::hint::black_box({n}_u32); // cargo xtask bench: dev-loop edit{}",
        &main_rs[..brace],
        &main_rs[brace..]
    ))
}

/// Round `n` of one side, in its target dir under `out_dir` (removed before and after, also on
/// failure).
fn round(app: SampleApp, out_dir: &Path, n: usize, runs: &mut Runs) -> Result<()> {
    let target = out_dir.join(format!("target-dev-{}", app.side));
    let _ = std::fs::remove_dir_all(&target);
    let measured = measure_round(
        app,
        &target,
        &out_dir.join(format!("cargo-timing-{}-{n}.html", app.bin)),
        runs,
    );
    let _ = std::fs::remove_dir_all(&target);
    measured
}

/// Clean debug build with its critical path (its timing report kept as `timing_report`), the
/// rebuilds after edits, clean check.
fn measure_round(
    app: SampleApp,
    target: &Path,
    timing_report: &Path,
    runs: &mut Runs,
) -> Result<()> {
    let secs = app.cargo(&["build", "--timings"], target)?;
    std::fs::copy(target.join(REPORT), timing_report)
        .with_context(|| format!("keeping {}", target.join(REPORT).display()))?;
    let path = critical_path_in(timing_report)?;
    eprintln!(
        "{}: clean debug build {secs:.1} s, critical path {}",
        app.bin,
        path.describe(1.0)
    );
    runs.debug.push(secs);
    runs.debug_paths.push(path);
    let main_rs = EditedMain::new(app)?;
    for n in 1..=EDITS {
        main_rs.edit(n)?;
        let secs = app.cargo(&["build"], target)?;
        eprintln!("{}: debug rebuild after an edit {secs:.1} s", app.bin);
        runs.rebuild.push(secs);
    }
    drop(main_rs);
    std::fs::remove_dir_all(target)?;
    let secs = app.cargo(&["check"], target)?;
    eprintln!("{}: clean check {secs:.1} s", app.bin);
    runs.check.push(secs);
    Ok(())
}

/// One row, its note with every run and its target: ours / theirs of the fastest runs.
fn compared(
    r: &mut Report,
    (name, what): (String, &str),
    ours: &[f64],
    theirs: &[f64],
    (target, bound): (&'static str, f64),
) -> Result<()> {
    r.notes.push(format!(
        "sample app {what}, alternating (fastest counts): ours {}; async-stripe {}",
        list_secs(ours.iter().copied()),
        list_secs(theirs.iter().copied())
    ));
    let fastest = |runs: &[f64]| runs.iter().copied().min_by(f64::total_cmp);
    let (Some(o), Some(t)) = (fastest(ours), fastest(theirs)) else {
        bail!("no builds (0 rounds)");
    };
    let ratio = o / t;
    r.row(
        &name,
        format!("{o:.1} s"),
        &format!("async-stripe 1.0.0-rc.10 {t:.1} s"),
        format!("{ratio:.2}×"),
    );
    r.target(target, Some((ratio, format!("{ratio:.2}x"))), |x| {
        x <= bound
    });
    Ok(())
}

/// The dev-loop rows, notes and [`TARGETS`], `rounds` of each side.
pub(super) fn dev_loop(r: &mut Report, out_dir: &Path, rounds: usize) -> Result<()> {
    OURS.fetch()?;
    THEIRS.fetch()?;
    let (mut ours, mut theirs) = (Runs::default(), Runs::default());
    for n in 1..=rounds {
        round(OURS, out_dir, n, &mut ours)?;
        round(THEIRS, out_dir, n, &mut theirs)?;
    }
    let [debug, check, rebuild] = TARGETS;
    compared(
        r,
        (
            format!("sample app: clean debug build (fastest of {rounds}, alternating)"),
            "clean debug builds (`cargo build --timings`)",
        ),
        &ours.debug,
        &theirs.debug,
        debug,
    )?;
    compared(
        r,
        (
            format!("sample app: clean `cargo check` (fastest of {rounds}, alternating)"),
            "clean `cargo check`",
        ),
        &ours.check,
        &theirs.check,
        check,
    )?;
    compared(
        r,
        (
            format!(
                "sample app: debug rebuild after an edit of `main` (fastest of {}, alternating)",
                rounds * EDITS
            ),
            &format!(
                "debug rebuilds after an edit of `main` ({EDITS} after each clean debug build)"
            ),
        ),
        &ours.rebuild,
        &theirs.rebuild,
        rebuild,
    )?;
    let (Some(ours_path), Some(theirs_path)) = (ours.fastest_path(), theirs.fastest_path()) else {
        bail!("no builds (0 rounds)");
    };
    r.row(
        "sample app: critical path of the clean debug build (longest dependency chain in cargo's timing report: what 8–16 cores would wait for)",
        format!("{:.1} s", ours_path.secs),
        &format!("async-stripe 1.0.0-rc.10 {:.1} s", theirs_path.secs),
        format!("{:.2}×", ours_path.secs / theirs_path.secs),
    );
    r.notes.push(format!(
        "critical path of the fastest clean debug build (units of 1 s or more): ours {}; async-stripe {}",
        ours_path.describe(1.0),
        theirs_path.describe(1.0)
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edit_is_the_first_statement_of_main() {
        let src = "use x;\n\n#[tokio::main]\nasync fn main() -> Result<()> {\n    run().await\n}\n";
        assert_eq!(
            with_edit(src, 2).unwrap(),
            "use x;\n\n#[tokio::main]\nasync fn main() -> Result<()> {\n    \
             std::hint::black_box(2_u32); // cargo xtask bench: dev-loop edit\n    run().await\n}\n"
        );
        assert!(with_edit("fn helper() {}", 1).is_none());
    }

    #[test]
    fn both_sample_apps_can_be_edited() {
        for app in [OURS, THEIRS] {
            let main_rs = std::fs::read_to_string(app.dir().join("src/main.rs")).unwrap();
            assert!(with_edit(&main_rs, 1).is_some(), "{}", app.side);
        }
    }
}
