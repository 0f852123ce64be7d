//! The fuzz crate (`fuzz/`, outside the workspace) and the nightly toolchain it and Miri need.
//!
//! - `cargo xtask test` builds every fuzz target ([`build`]), so a target that no longer
//!   compiles against the crates fails the suite instead of going stale.
//! - `cargo xtask fuzz [--seconds N] [<target>...]` ([`cli`]) runs each target (all by
//!   default) for N seconds (default 60) with cargo-fuzz (installed from crates.io when
//!   missing) on the nightly toolchain, and prints each target's executions, corpus size and
//!   crashes; a crash fails the command. The corpus grows in `fuzz/corpus/<target>` and
//!   crashing inputs land in `fuzz/artifacts/<target>` (both ignored by git).

use crate::{cargo, root, run};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fuzz crate's directory.
fn dir() -> PathBuf {
    root().join("fuzz")
}

/// The `[[bin]]` names of `fuzz/Cargo.toml`, in file order.
pub fn targets() -> Result<Vec<String>> {
    let path = dir().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("parsing {}", path.display()))?;
    let bins = doc
        .get("bin")
        .and_then(|b| b.as_array_of_tables())
        .context("fuzz/Cargo.toml has no [[bin]] targets")?;
    Ok(bins
        .iter()
        .filter_map(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .collect())
}

/// Build every fuzz target (stable toolchain, without instrumentation): the check that the
/// targets still compile against the crates they fuzz. (`fuzz/Cargo.lock` is not kept, as
/// cargo-fuzz sets it up: the crate resolves against what the workspace's crates need today.)
pub fn build() -> Result<()> {
    run(cargo().current_dir(dir()).args(["build", "--bins"]))
}

/// The nightly toolchain with `components`, installed through rustup when missing. An
/// error when it cannot be had: the steps that need it fail rather than skip.
pub fn nightly(components: &[&str]) -> Result<()> {
    let toolchains = output(Command::new("rustup").args(["toolchain", "list"]))?;
    if !toolchains.lines().any(|l| l.starts_with("nightly")) {
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    let installed = output(Command::new("rustup").args([
        "component",
        "list",
        "--installed",
        "--toolchain",
        "nightly",
    ]))?;
    let missing: Vec<&str> = components
        .iter()
        .copied()
        .filter(|c| !crate::component_installed(&installed, c))
        .collect();
    if !missing.is_empty() {
        run(Command::new("rustup")
            .args(["component", "add"])
            .args(&missing)
            .args(["--toolchain", "nightly"]))
        .with_context(|| {
            format!(
                "installing the nightly component(s) {} (`rustup component add {} --toolchain \
                 nightly`)",
                missing.join(", "),
                missing.join(" ")
            )
        })?;
    }
    Ok(())
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("running {cmd:?} (is rustup on PATH?)"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// cargo-fuzz, installed from crates.io when missing.
fn ensure_cargo_fuzz() -> Result<()> {
    let have = cargo()
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}

/// One target's run.
#[derive(Debug, Default, PartialEq)]
pub struct Report {
    /// The target.
    pub target: String,
    /// Inputs executed (`stat::number_of_executed_units`).
    pub executions: u64,
    /// Inputs in the corpus after the run.
    pub corpus: usize,
    /// Crashing inputs written during the run (crash, leak, timeout, out-of-memory).
    pub crashes: usize,
    /// Seconds of fuzzing (libFuzzer's `Done … runs in S second(s)`).
    pub seconds: f64,
}

/// `cargo xtask fuzz [--seconds N] [<target>...]`.
pub fn cli(args: &[String]) -> Result<()> {
    let mut seconds = 60u64;
    let mut chosen = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .context("--seconds needs a number")?
                    .parse()
                    .context("--seconds needs a whole number of seconds")?;
            }
            t if !t.starts_with('-') => chosen.push(t.to_owned()),
            other => {
                bail!("unknown option {other}; usage: cargo xtask fuzz [--seconds N] [<target>...]")
            }
        }
    }
    let all = targets()?;
    for t in &chosen {
        if !all.contains(t) {
            bail!("no fuzz target {t}; the targets: {}", all.join(", "));
        }
    }
    let chosen = if chosen.is_empty() { all } else { chosen };
    nightly(&[])?;
    ensure_cargo_fuzz()?;
    // Built first (instrumented, release), so each run's time is fuzzing alone.
    eprintln!("+ cargo +nightly fuzz build {}", chosen.join(" "));
    for t in &chosen {
        run(Command::new("cargo")
            .current_dir(root())
            .args(["+nightly", "fuzz", "build", t]))?;
    }
    let mut reports = Vec::new();
    for t in &chosen {
        let r = fuzz_one(t, seconds)?;
        println!(
            "fuzz {}: {} executions in {:.0} s, corpus {}, crashes {}",
            r.target, r.executions, r.seconds, r.corpus, r.crashes
        );
        reports.push(r);
    }
    print!("{}", table(&reports));
    let crashed: Vec<&str> = reports
        .iter()
        .filter(|r| r.crashes > 0)
        .map(|r| r.target.as_str())
        .collect();
    if !crashed.is_empty() {
        bail!(
            "crashes in {}: the inputs are in fuzz/artifacts/<target>; reproduce with \
             `cargo +nightly fuzz run <target> <file>`",
            crashed.join(", ")
        );
    }
    Ok(())
}

/// Run `target` for `seconds` and read its figures.
fn fuzz_one(target: &str, seconds: u64) -> Result<Report> {
    let artifacts = dir().join("artifacts").join(target);
    let before = count_files(&artifacts);
    eprintln!("+ cargo +nightly fuzz run {target} -- -max_total_time={seconds}");
    // `cargo +nightly` needs rustup's proxy, not the toolchain's cargo that `$CARGO` names.
    let out = Command::new("cargo")
        .current_dir(root())
        .args(["+nightly", "fuzz", "run", target, "--"])
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1")
        .output()
        .with_context(|| format!("running cargo fuzz run {target}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let crashes = count_files(&artifacts).saturating_sub(before);
    let executions = final_stat(&stderr, "stat::number_of_executed_units").unwrap_or(0);
    if !out.status.success() && crashes == 0 {
        // Not a crash libFuzzer reported: a build or setup failure.
        let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "cargo fuzz run {target} failed ({}):\n{}",
            out.status,
            tail.join("\n")
        );
    }
    if executions == 0 && crashes == 0 {
        bail!("cargo fuzz run {target} reported no executions:\n{stderr}");
    }
    Ok(Report {
        target: target.to_owned(),
        executions,
        corpus: count_files(&dir().join("corpus").join(target)),
        crashes: crashes.max(usize::from(!out.status.success())),
        seconds: done_seconds(&stderr).unwrap_or(seconds) as f64,
    })
}

/// A `stat::name: value` line of libFuzzer's final stats.
fn final_stat(stderr: &str, name: &str) -> Option<u64> {
    stderr
        .lines()
        .filter_map(|l| {
            l.strip_prefix(name)?
                .trim_start_matches(':')
                .trim()
                .parse()
                .ok()
        })
        .next_back()
}

/// `S` of libFuzzer's `Done N runs in S second(s)`.
fn done_seconds(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("Done ")?;
            let (_, after) = rest.split_once(" runs in ")?;
            after.split_whitespace().next()?.parse().ok()
        })
        .next_back()
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .count()
        })
        .unwrap_or(0)
}

/// The figures as a Markdown table.
pub fn table(reports: &[Report]) -> String {
    let mut s = String::from(
        "\n| target | executions | corpus | crashes | seconds |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for r in reports {
        s += &format!(
            "| {} | {} | {} | {} | {:.0} |\n",
            r.target, r.executions, r.corpus, r.crashes, r.seconds
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_targets_are_listed() {
        let t = targets().unwrap();
        assert_eq!(t.len(), 5, "{t:?}");
        assert!(t.contains(&"construct_event".to_owned()));
    }

    #[test]
    fn final_stats_are_read() {
        let err = "#1024 pulse cov: 10\nDone 5000 runs in 2 second(s)\n\
                   stat::number_of_executed_units: 5000\nstat::average_exec_per_sec:     2500\n";
        assert_eq!(
            final_stat(err, "stat::number_of_executed_units"),
            Some(5000)
        );
        assert_eq!(final_stat(err, "stat::peak_rss_mb"), None);
        assert_eq!(done_seconds(err), Some(2));
    }
}
