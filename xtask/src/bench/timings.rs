//! Cargo's `--timings` report (`<target dir>/cargo-timings/cargo-timing.html`) and the critical
//! path of the build it describes.
//!
//! The report embeds a JS array `UNIT_DATA`: one entry per compilation unit (a crate's library,
//! a build script, its run, a binary) with its `start` and `duration` in seconds, and the units
//! whose last dependency it was: `unblocked_units` (they waited for all of it) and
//! `unblocked_rmeta_units` (they only waited for its metadata, pipelined). Older cargo names
//! them `unlocked_units` and `unlocked_rmeta_units`. Those edges are the dependencies that held
//! each unit back in this build; the longest chain along them is what a machine with enough
//! cores (8–16 for these apps) would still wait for.
//!
//! The report names only the *last* dependency of each unit, and on a small machine that is
//! often the one that waited longest for a core rather than the longest one. One case is
//! exact and matters: a binary links every library of the build (a `cargo build --bin` builds
//! nothing else), so it waits for all of them whole; those edges are added. Between
//! libraries, a dependency that finished earlier in this run but would finish later with
//! more cores is missed, so the figure is a lower bound.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::Path;

/// One entry of `UNIT_DATA`.
#[derive(Debug, Deserialize)]
struct Unit {
    i: usize,
    name: String,
    /// `""` for a library, ` build-script`, ` build-script (run)`, ` sample-ours "bin"`, ….
    #[serde(default)]
    target: String,
    duration: f64,
    /// When its metadata was ready, from its start (older cargo).
    #[serde(default)]
    rmeta_time: Option<f64>,
    /// `[["frontend", {start, end}], ["codegen", …]]`: the metadata is ready when the frontend
    /// ends (newer cargo).
    #[serde(default)]
    sections: Option<Vec<(String, Section)>>,
    #[serde(default, alias = "unlocked_units")]
    unblocked_units: Vec<usize>,
    #[serde(default, alias = "unlocked_rmeta_units")]
    unblocked_rmeta_units: Vec<usize>,
}

#[derive(Debug, Deserialize)]
struct Section {
    end: f64,
}

impl Unit {
    /// Seconds from its start until the units waiting for its metadata could start.
    fn rmeta_secs(&self) -> f64 {
        self.rmeta_time
            .or_else(|| {
                self.sections
                    .as_ref()?
                    .iter()
                    .find(|(name, _)| name == "frontend")
                    .map(|(_, s)| s.end)
            })
            .unwrap_or(self.duration)
    }

    /// A binary: its target is ` <name> "bin"`.
    fn is_bin(&self) -> bool {
        self.target.trim_end().ends_with("\"bin\"")
    }

    /// A library or a build script (compiled or run): what a binary of the build links, or
    /// what has to be built before it. Not a test, bench or example, which may wait for a
    /// binary.
    fn is_linked_or_built_first(&self) -> bool {
        let target = self.target.trim();
        target.is_empty() || target.starts_with("build-script")
    }

    /// `stripe-types`, `serde_core build-script (run)`, `sample-ours bin`.
    fn label(&self) -> String {
        let target = self.target.trim().replace('"', "");
        let target = target
            .strip_prefix(self.name.as_str())
            .unwrap_or(&target)
            .trim();
        if target.is_empty() {
            self.name.clone()
        } else {
            format!("{} {target}", self.name)
        }
    }
}

/// The longest chain of units, each waiting for the one before it.
#[derive(Debug, PartialEq)]
pub struct CriticalPath {
    /// Seconds from the start of its first unit to the end of its last.
    pub secs: f64,
    /// Each unit on it, in build order, with the seconds it adds to the chain: the whole unit,
    /// or until its metadata when the next one only needed that.
    pub steps: Vec<(String, f64)>,
}

impl CriticalPath {
    /// `48.2 s (tokio 3.1 s → stripe-types 30.2 s → sample-ours bin 4.0 s; 9 more units 2.1 s)`:
    /// the steps of at least `min_secs`, the others summed.
    pub fn describe(&self, min_secs: f64) -> String {
        let (long, short): (Vec<_>, Vec<_>) = self.steps.iter().partition(|(_, s)| *s >= min_secs);
        let mut s = format!("{:.1} s (", self.secs);
        s.push_str(
            &long
                .iter()
                .map(|(name, secs)| format!("{name} {secs:.1} s"))
                .collect::<Vec<_>>()
                .join(" → "),
        );
        if !short.is_empty() {
            let rest: f64 = short.iter().map(|(_, s)| s).sum();
            let sep = if long.is_empty() { "" } else { "; " };
            s.push_str(&format!("{sep}{} more units {rest:.1} s", short.len()));
        }
        s.push(')');
        s
    }
}

/// The `UNIT_DATA` array of a timing report's HTML.
fn units(html: &str) -> Result<Vec<Unit>> {
    let marker = "UNIT_DATA = ";
    let at = html
        .find(marker)
        .context("the timing report has no `UNIT_DATA = [` array")?;
    serde_json::Deserializer::from_str(&html[at + marker.len()..])
        .into_iter::<Vec<Unit>>()
        .next()
        .context("the timing report's UNIT_DATA is empty")?
        .context("reading the timing report's UNIT_DATA")
}

/// The critical path of the build a timing report describes.
pub fn critical_path(html: &str) -> Result<CriticalPath> {
    let units = units(html)?;
    let index: std::collections::HashMap<usize, usize> =
        units.iter().enumerate().map(|(k, u)| (u.i, k)).collect();
    // Edges (from, to, seconds of `from` that `to` waited for), by position in `units`.
    let mut incoming = vec![Vec::new(); units.len()];
    let mut outgoing = vec![Vec::new(); units.len()];
    for (from, u) in units.iter().enumerate() {
        let full = u.unblocked_units.iter().map(|i| (i, u.duration));
        let rmeta = u.unblocked_rmeta_units.iter().map(|i| (i, u.rmeta_secs()));
        // Units the report does not list (already fresh) wait for nothing in this build.
        for (to, secs) in full
            .chain(rmeta)
            .filter_map(|(i, s)| Some((*index.get(i)?, s)))
        {
            incoming[to].push((from, secs));
            outgoing[from].push(to);
        }
    }
    for (to, bin) in units.iter().enumerate().filter(|(_, u)| u.is_bin()) {
        for (from, lib) in units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.is_linked_or_built_first())
        {
            if !lib.unblocked_units.contains(&bin.i) {
                incoming[to].push((from, lib.duration));
                outgoing[from].push(to);
            }
        }
    }
    // Longest wait before each unit could start, in topological order (Kahn).
    let mut waiting: Vec<usize> = incoming.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..units.len()).filter(|&k| waiting[k] == 0).collect();
    let mut start = vec![0.0_f64; units.len()];
    let mut via: Vec<Option<(usize, f64)>> = vec![None; units.len()];
    let mut done = 0;
    while let Some(k) = ready.pop() {
        done += 1;
        for &(from, secs) in &incoming[k] {
            if via[k].is_none() || start[from] + secs > start[k] {
                start[k] = start[from] + secs;
                via[k] = Some((from, secs));
            }
        }
        for &to in &outgoing[k] {
            waiting[to] -= 1;
            if waiting[to] == 0 {
                ready.push(to);
            }
        }
    }
    if done < units.len() {
        bail!("the timing report's units wait for each other in a cycle");
    }
    let Some(last) = (0..units.len())
        .max_by(|&a, &b| (start[a] + units[a].duration).total_cmp(&(start[b] + units[b].duration)))
    else {
        bail!("the timing report lists no units");
    };
    let mut steps = vec![(units[last].label(), units[last].duration)];
    let mut k = last;
    while let Some((from, secs)) = via[k] {
        steps.push((units[from].label(), secs));
        k = from;
    }
    steps.reverse();
    Ok(CriticalPath {
        secs: start[last] + units[last].duration,
        steps,
    })
}

/// Where `cargo build --timings` writes its report, in its target dir.
pub const REPORT: &str = "cargo-timings/cargo-timing.html";

/// The critical path of the build whose `--timings` report is `report`.
pub fn critical_path_in(report: &Path) -> Result<CriticalPath> {
    let html =
        std::fs::read_to_string(report).with_context(|| format!("reading {}", report.display()))?;
    critical_path(&html).with_context(|| format!("in {}", report.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of cargo 1.95's report, cut down: `app` needs `big` whole and `derive` (a
    /// proc macro, so whole); `big` needs `core`'s metadata only; `core` has a build script.
    const REPORT: &str = r#"<html><script>
const UNIT_DATA = [
  {"i": 0, "name": "core", "version": "1.0.0", "mode": "todo", "target": " build-script",
   "features": [], "start": 0.0, "duration": 1.0, "unblocked_units": [1],
   "unblocked_rmeta_units": [], "sections": null},
  {"i": 1, "name": "core", "version": "1.0.0", "mode": "run-custom-build",
   "target": " build-script (run)", "features": [], "start": 1.0, "duration": 0.5,
   "unblocked_units": [2], "unblocked_rmeta_units": [], "sections": null},
  {"i": 2, "name": "core", "version": "1.0.0", "mode": "todo", "target": "", "features": [],
   "start": 1.5, "duration": 4.0, "unblocked_units": [], "unblocked_rmeta_units": [3],
   "sections": [["frontend", {"start": 0.0, "end": 3.0}], ["codegen", {"start": 3.0, "end": 4.0}]]},
  {"i": 5, "name": "derive", "version": "0.1.0", "mode": "todo", "target": "", "features": [],
   "start": 0.0, "duration": 6.0, "unblocked_units": [], "unblocked_rmeta_units": [],
   "sections": null},
  {"i": 3, "name": "big", "version": "2.0.0", "mode": "todo", "target": "", "features": [],
   "start": 4.5, "duration": 10.0, "unblocked_units": [4], "unblocked_rmeta_units": [],
   "sections": null},
  {"i": 4, "name": "app", "version": "0.1.0", "mode": "todo", "target": " app \"bin\"",
   "features": [], "start": 14.5, "duration": 2.0, "unblocked_units": [],
   "unblocked_rmeta_units": [], "sections": null}
];
const CONCURRENCY_DATA = [];
</script></html>"#;

    #[test]
    fn the_critical_path_follows_the_longest_chain_with_metadata_edges() {
        let path = critical_path(REPORT).unwrap();
        assert_eq!(
            path.steps,
            vec![
                ("core build-script".to_string(), 1.0),
                ("core build-script (run)".to_string(), 0.5),
                ("core".to_string(), 3.0),
                ("big".to_string(), 10.0),
                ("app bin".to_string(), 2.0),
            ]
        );
        assert!((path.secs - 16.5).abs() < 1e-9, "{}", path.secs);
        assert_eq!(
            path.describe(1.0),
            "16.5 s (core build-script 1.0 s → core 3.0 s → big 10.0 s → app bin 2.0 s; \
             1 more units 0.5 s)"
        );
    }

    #[test]
    fn the_longer_of_two_waits_wins_and_old_field_names_are_read() {
        // `c` waits for `a` whole (2 s) and for `b`'s metadata (rmeta_time 3 s of 5 s).
        let report = r#"const UNIT_DATA = [
          {"i": 0, "name": "a", "target": "", "start": 0.0, "duration": 2.0,
           "rmeta_time": 1.0, "unlocked_units": [2], "unlocked_rmeta_units": []},
          {"i": 1, "name": "b", "target": "", "start": 0.0, "duration": 5.0,
           "rmeta_time": 3.0, "unlocked_units": [], "unlocked_rmeta_units": [2]},
          {"i": 2, "name": "c", "target": "", "start": 3.0, "duration": 1.0,
           "rmeta_time": null, "unlocked_units": [], "unlocked_rmeta_units": []}
        ];"#;
        let path = critical_path(report).unwrap();
        // `b` alone (5 s) is longer than `b`'s metadata and `c` (4 s).
        assert_eq!(path.steps, vec![("b".to_string(), 5.0)]);
        let report = report.replace("\"duration\": 5.0", "\"duration\": 3.5");
        let path = critical_path(&report).unwrap();
        assert_eq!(
            path.steps,
            vec![("b".to_string(), 3.0), ("c".to_string(), 1.0)]
        );
        assert!((path.secs - 4.0).abs() < 1e-9);
    }

    #[test]
    fn a_binary_waits_for_every_library_whole() {
        // On two cores `small` finished last and is recorded as what `app` waited for; `big`
        // (10 s) finished earlier but is longer than `small`'s metadata and `mid`.
        let report = r#"const UNIT_DATA = [
          {"i": 0, "name": "big", "target": "", "start": 0.0, "duration": 10.0,
           "unblocked_units": [], "unblocked_rmeta_units": [], "sections": null},
          {"i": 1, "name": "small", "target": "", "start": 0.0, "duration": 1.0,
           "unblocked_units": [], "unblocked_rmeta_units": [2], "sections": null},
          {"i": 2, "name": "mid", "target": "", "start": 9.0, "duration": 3.0,
           "unblocked_units": [3], "unblocked_rmeta_units": [], "sections": null},
          {"i": 3, "name": "app", "target": " app \"bin\"", "start": 12.0, "duration": 2.0,
           "unblocked_units": [4], "unblocked_rmeta_units": [], "sections": null},
          {"i": 4, "name": "app", "target": " cli \"test\"", "start": 14.0, "duration": 1.0,
           "unblocked_units": [], "unblocked_rmeta_units": [], "sections": null}
        ];"#;
        let path = critical_path(report).unwrap();
        assert_eq!(
            path.steps,
            vec![
                ("big".to_string(), 10.0),
                ("app bin".to_string(), 2.0),
                ("app cli test".to_string(), 1.0),
            ]
        );
        assert!((path.secs - 13.0).abs() < 1e-9, "{}", path.secs);
    }

    #[test]
    fn a_report_without_units_is_an_error() {
        assert!(critical_path("<html></html>").is_err());
        assert!(critical_path("const UNIT_DATA = [];").is_err());
        assert!(critical_path("const UNIT_DATA = [{\"i\": 0}];").is_err());
    }
}
