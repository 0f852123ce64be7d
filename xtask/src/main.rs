//! `cargo xtask <command>`: project automation.
//!
//! - `codegen [--check] [--stats]`: regenerate `stripe-types/src/generated` from `spec/`.
//! - `spec fetch --tag <tag> [--from <file>]`: replace the pinned spec and its pin.
//! - `spec names [--from <file>]`: rederive `spec/operation_names.toml` (Stripe's method names)
//!   from Stripe's SDK spec, by default stripe-mock's copy in the Go module cache.
//! - `test`: the whole test suite (codegen check, stripe-mock, refresh proof, a real Postgres
//!   for the durable stores, workspace tests, the wasm32 build and its Node tests). Each step prints `step <name>: <secs> s`; a table
//!   at the end gives every step's time, the core suite's and the added checks' subtotals.
//! - `wasm`: the wasm32 step alone (installs the target, wasm-bindgen-cli and workerd if needed).
//! - `refresh-proof`: regenerate from stripe-mock's newer spec into a copy and type-check it.
//! - `bench [--full] [--no-compare | --only-compare | --only-dev-loop | --only <bench>] [--build-rounds N]`: every benchmark into one table (`target/bench/report.md`); `--only governor` runs one bench's row.
//! - `bench-build`: clean release build time and generated source size per feature set.
//! - `explorer [--base-url <url>]`: the SDK walkthrough against stripe-mock or a test account.
//! - `modules [--faces] [<src dir>]`: files of a crate that import each other in a loop.
//! - `miri`: the `unsafe` code's tests under Miri (the `miri` step of `test`).
//! - `fuzz [--seconds N] [<target>...]`: run the fuzz targets (cargo-fuzz, nightly) and print
//!   each one's executions, corpus size and crashes.
//! - `postgres start [--durable] | stop <dir>`: a throwaway Postgres for `cargo test` (what `test` starts
//!   itself), printing the `STRIPE_RS_POSTGRES_URL` to export.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod bench;
mod explorer;
mod fuzz;
mod manifest;
mod modules;
mod postgres;
mod refresh;
mod stripe_mock;
mod wasm;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen(&args[1..]),
        Some("refresh-proof") => refresh::proof(),
        Some("spec") => spec(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("bench-build") => bench_build(&args[1..]),
        Some("deny") => deny(),
        Some("stripe-mock") => stripe_mock::cli(&args[1..]),
        Some("explorer") => explorer::run(&args[1..]),
        Some("wasm") => wasm::cli(),
        Some("modules") => modules::cli(&args[1..]),
        Some("fuzz") => fuzz::cli(&args[1..]),
        Some("miri") => miri(),
        Some("postgres") => postgres::cli(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  codegen [--check] [--stats [--features <a,b>]] [--spec <file>] [--pin <file>]\n  \
                 spec fetch --tag <tag> [--from <file>] [--dir <spec dir>]\n  \
                 spec names [--from <spec3.beta.sdk.json>]\n  \
                 test    (codegen --check, clippy, fmt --check, doc, deny, miri, fuzz build, refresh proof, Postgres, every test, wasm; each step timed)\n  \
                 wasm    (wasm32 build, the Cloudflare Worker example's Node and workerd tests)\n  \
                 refresh-proof\n  \
                 deny\n  bench [--full] [--no-compare | --only-compare | --only-dev-loop | --only <bench>] [--build-rounds N]\n  bench-build\n  stripe-mock [install|start]\n  postgres start [--durable] | stop <dir>\n  explorer [--base-url <url>] [--release]\n  modules [--faces] [<src dir>]\n  fuzz [--seconds N] [<target>...]\n  miri    (the `unsafe` tests under Miri; installs nightly's miri and rust-src)"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn flag_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn codegen(args: &[String]) -> Result<()> {
    codegen_in(&root(), args).map(|_| ())
}

/// `cargo xtask codegen [--check] [--stats]` for the workspace at `root`; returns the figures.
fn codegen_in(root: &Path, args: &[String]) -> Result<codegen::Stats> {
    let spec = flag_value(args, "--spec")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("spec/openapi.spec3.json"));
    let pin = flag_value(args, "--pin")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("spec/pin.toml"));
    let out_dir = flag_value(args, "--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("stripe-types/src/generated"));
    let cargo_toml = root.join("stripe-types/Cargo.toml");
    let generated = codegen::generate(&spec, &pin)?;
    if args.iter().any(|a| a == "--stats") {
        print!("{}", generated.stats.render());
        if let Some(fs) = flag_value(args, "--features") {
            let fs: Vec<String> = fs.split(',').map(str::to_owned).collect();
            println!(
                "generated source compiled with features {}: {:.1} MiB (unformatted)",
                fs.join(","),
                generated.stats.compiled_for(&fs) as f64 / 1048576.0
            );
        }
        return Ok(generated.stats);
    }
    let toml_now = std::fs::read_to_string(&cargo_toml)?;
    let toml_new = manifest::with_features(&toml_now, &generated.features_toml)
        .with_context(|| format!("editing {}", cargo_toml.display()))?;
    let unmapped = &generated.stats.unmapped;
    if args.iter().any(|a| a == "--check") {
        if !unmapped.is_empty() {
            bail!(
                "spec/policy.toml names no area for: {}\nadd each to an area under [areas] \
                 (today they would silently land in the always-compiled `core`)",
                unmapped.join(", ")
            );
        }
        if !generated.stats.stale_checks.is_empty() {
            bail!(
                "spec/policy.toml [checks] names operations the spec does not have: {}",
                generated.stats.stale_checks.join(", ")
            );
        }
        let mut stale = Vec::new();
        for (rel, text) in &generated.files {
            match std::fs::read_to_string(out_dir.join(rel)) {
                Ok(cur) if &cur == text => {}
                _ => stale.push(rel.clone()),
            }
        }
        for existing in list_files(&out_dir)? {
            if !generated.files.contains_key(&existing) {
                stale.push(format!("{existing} (should not exist)"));
            }
        }
        for (rel, text) in &generated.workspace_files {
            match std::fs::read_to_string(root.join(rel)) {
                Ok(cur) if &cur == text => {}
                _ => stale.push(rel.clone()),
            }
        }
        if toml_new != toml_now {
            stale.push("stripe-types/Cargo.toml [features]".into());
        }
        if !stale.is_empty() {
            bail!(
                "generated code is stale ({} files differ from a fresh generation): {}\nrun `cargo xtask codegen` and commit the result",
                stale.len(),
                stale.iter().take(20).cloned().collect::<Vec<_>>().join(", ")
            );
        }
        println!(
            "codegen --check: {} generated files are up to date",
            generated.files.len()
        );
        return Ok(generated.stats);
    }
    // Unchanged files keep their timestamps, so cargo rebuilds only what changed.
    for existing in list_files(&out_dir)? {
        if !generated.files.contains_key(&existing) {
            std::fs::remove_file(out_dir.join(&existing))?;
        }
    }
    let mut bytes = 0;
    for (rel, text) in &generated.files {
        write_if_changed(&out_dir.join(rel), text.as_bytes())?;
        bytes += text.len();
    }
    for (rel, text) in &generated.workspace_files {
        write_if_changed(&root.join(rel), text.as_bytes())?;
    }
    write_if_changed(&cargo_toml, toml_new.as_bytes())?;
    println!(
        "codegen: wrote {} files ({:.1} MiB) to {}",
        generated.files.len(),
        bytes as f64 / 1048576.0,
        out_dir.display()
    );
    let s = &generated.stats;
    println!(
        "operations {}/{}\nschemas {}/{}",
        s.operations, s.operation_total, s.schemas, s.schema_total
    );
    for u in unmapped {
        eprintln!("warning: unmapped {u}: placed in `core`; name its area in spec/policy.toml");
    }
    Ok(generated.stats)
}

/// Write `bytes` to `path` (creating its directory) unless it already holds them.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|cur| cur == bytes) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn list_files(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        if !dir.exists() {
            return Ok(());
        }
        for e in std::fs::read_dir(dir)? {
            let p = e?.path();
            if p.is_dir() {
                walk(base, &p, out)?;
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    walk(dir, dir, &mut out)?;
    Ok(out)
}

/// `cargo xtask spec fetch ...`
fn spec(args: &[String]) -> Result<()> {
    if args.first().map(String::as_str) == Some("names") {
        return spec_names(&args[1..]);
    }
    if args.first().map(String::as_str) != Some("fetch") {
        bail!("usage: cargo xtask spec fetch --tag <tag> [--from <file>] [--dir <spec dir>]");
    }
    let tag = flag_value(args, "--tag").context("--tag <tag> is required")?;
    let dir = flag_value(args, "--dir")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("spec"));
    let bytes = match flag_value(args, "--from") {
        Some(file) => std::fs::read(&file).with_context(|| format!("reading {file}"))?,
        None => {
            let url = format!(
                "https://raw.githubusercontent.com/stripe/openapi/{tag}/latest/openapi.spec3.json"
            );
            println!("downloading {url}");
            let out = Command::new("curl")
                .args(["-fsSL", &url])
                .output()
                .context("running curl")?;
            if !out.status.success() {
                bail!(
                    "download failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            out.stdout
        }
    };
    // Validate before replacing anything.
    let api = codegen::parse_spec(&bytes)?;
    let pin = codegen::Pin {
        tag,
        api_version: api.info.version.clone(),
        sha256: codegen::sha256_hex(&bytes),
    };
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("openapi.spec3.json"), &bytes)?;
    std::fs::write(dir.join("pin.toml"), pin.render())?;
    println!(
        "spec: tag {} api version {} sha256 {}",
        pin.tag, pin.api_version, pin.sha256
    );
    println!("next: cargo xtask codegen");
    Ok(())
}

/// `spec names`: rewrite `spec/operation_names.toml` from Stripe's SDK spec. Without
/// `--from`, the copy that `go install github.com/stripe/stripe-mock@<version>` leaves in the
/// Go module cache.
fn spec_names(args: &[String]) -> Result<()> {
    let from = match flag_value(args, "--from") {
        Some(f) => PathBuf::from(f),
        None => {
            let out = Command::new("go")
                .args(["env", "GOMODCACHE"])
                .output()
                .context("running `go env GOMODCACHE` (or pass --from <spec3.beta.sdk.json>)")?;
            let cache = String::from_utf8_lossy(&out.stdout).trim().to_string();
            PathBuf::from(cache).join(format!(
                "github.com/stripe/stripe-mock@{}/embedded/openapi/spec3.beta.sdk.json",
                stripe_mock::VERSION
            ))
        }
    };
    let bytes = std::fs::read(&from).with_context(|| {
        format!(
            "reading {} (install it with `{}`, or pass --from <file>)",
            from.display(),
            stripe_mock::install_command()
        )
    })?;
    let text = codegen::stripe_names::derive_table(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", from.display()))?;
    let out = root().join("spec/operation_names.toml");
    std::fs::write(&out, &text)?;
    let lines = text.lines().filter(|l| l.starts_with('"')).count();
    println!(
        "spec names: {lines} operations named from {}",
        from.display()
    );
    println!("next: cargo xtask codegen");
    Ok(())
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("+ {:?}", cmd);
    let status = cmd.status().with_context(|| format!("running {:?}", cmd))?;
    if !status.success() {
        bail!("{:?} failed with {}", cmd, status);
    }
    Ok(())
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn test(_args: &[String]) -> Result<()> {
    let mut steps = Steps::default();
    let result = test_steps(&mut steps);
    print!("{}", steps.summary());
    result
}

/// The steps of `cargo xtask test`, in order. `Core` steps are the suite as it first was
/// (codegen check, clippy, fmt, the tests and the stripe-mock they need); `Added` ones came
/// later (docs, cargo-deny, Miri, refresh proof, wasm, resource features).
fn test_steps(steps: &mut Steps) -> Result<()> {
    use Group::{Added, Core};
    steps.run(Core, "codegen --check", || {
        codegen(&["--check".to_string()])
    })?;
    steps.run(Core, "clippy", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--no-deps",
            "--",
            "-D",
            "warnings",
        ]))?;
        // stripe-types' unit tests (its runtime), which `--all-targets` leaves out
        // (`[lib] test = false, bench = false`), linted as the tests step runs them.
        run(cargo().args([
            "clippy",
            "-p",
            "stripe-types",
            "--lib",
            "--no-default-features",
            "--profile",
            "test",
            "--no-deps",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    steps.run(Core, "fmt", || {
        run(cargo().args(["fmt", "--all", "--check"]))
    })?;
    // The published crates' docs with every feature (docs.rs's set): rustdoc warnings
    // (broken intra-doc links, bare URLs, ...) fail the run.
    // stripe-client's docs also build clean with its default features and with none, as a
    // user's local `cargo doc` does: links to items of a feature that is off point at docs.rs.
    steps.run(Added, "doc", || {
        run(cargo()
            .args(["doc", "--no-deps", "--all-features"])
            .args(["-p", "stripe-types", "-p", "stripe-client"])
            .env("RUSTDOCFLAGS", "-D warnings"))?;
        for features in [&[][..], &["--no-default-features"]] {
            run(cargo()
                .args(["doc", "--no-deps", "-p", "stripe-client"])
                .args(features)
                .env("RUSTDOCFLAGS", "-D warnings"))?;
        }
        Ok(())
    })?;
    steps.run(Added, "deny", deny)?;
    steps.run(Added, "miri", miri)?;
    steps.run(Added, "fuzz build", fuzz::build)?;
    let mock = steps.run(Core, "stripe-mock", stripe_mock::ensure)?;
    println!("stripe-mock at {}", mock.url);
    // After the stripe-mock step: its `go install` fills the Go module cache the proof reads.
    steps.run(Added, "refresh proof", refresh::proof)?;
    // The durable outbox and webhook ledger tests need a real Postgres: installed when missing,
    // started on a temporary directory, stopped when this returns.
    let pg = steps.run(Added, "postgres", || {
        postgres::start(postgres::Durability::Tests, true)
    })?;
    steps.run(Core, "tests", || {
        // The client follows HTTPS_PROXY / HTTP_PROXY as reqwest does: on a machine behind a
        // proxy, the tests' loopback servers are still reached directly.
        let no_proxy = ["NO_PROXY", "no_proxy"]
            .iter()
            .find_map(|name| std::env::var(name).ok())
            .map_or_else(String::new, |v| format!("{v},"));
        run(cargo()
            .args(["test", "--workspace", "--all-features", "--no-fail-fast"])
            .env("NO_PROXY", format!("{no_proxy}127.0.0.1,localhost,::1"))
            .env("STRIPE_MOCK_URL", &mock.url)
            .env(postgres::URL_ENV, &pg.url))?;
        // stripe-types' unit tests (its runtime) are `test = false` in the run above.
        run(cargo().args([
            "test",
            "-p",
            "stripe-types",
            "--lib",
            "--no-default-features",
        ]))
    })?;
    steps.run(Added, "wasm", || wasm::test(&mock.url))?;
    steps.run(Added, "resource features", resource_features)?;
    Ok(())
}

/// Builds with resource features alone, not whole areas: the client with one resource,
/// and `Charge` without `customers`, whose expanded customer decodes into its stand-in
/// (`stripe-types/tests/gated.rs`).
fn resource_features() -> Result<()> {
    run(cargo().args([
        "check",
        "-p",
        "stripe-client",
        "--no-default-features",
        "--features",
        "stripe-types/customers",
    ]))?;
    run(cargo().args([
        "test",
        "-p",
        "stripe-types",
        "--no-default-features",
        "--features",
        "charges",
        "--test",
        "gated",
    ]))
}

/// Which part of `cargo xtask test` a step belongs to, for the summary.
#[derive(Clone, Copy, PartialEq)]
enum Group {
    Core,
    Added,
}

impl Group {
    fn label(self) -> &'static str {
        match self {
            Group::Core => "core suite",
            Group::Added => "added checks",
        }
    }
}

/// The wall time of each step run so far, in run order.
#[derive(Default)]
struct Steps {
    done: Vec<(Group, &'static str, f64)>,
}

impl Steps {
    /// Run one step, print `step <name>: <secs> s` when it ends (failed or not) and record it.
    fn run<T>(
        &mut self,
        group: Group,
        name: &'static str,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let started = Instant::now();
        let result = f();
        let secs = started.elapsed().as_secs_f64();
        let failed = if result.is_err() { " (failed)" } else { "" };
        println!("step {name}: {secs:.1} s{failed}");
        self.done.push((group, name, secs));
        result
    }

    /// The table of steps in run order, the subtotal of each group and the total.
    fn summary(&self) -> String {
        let row =
            |name: &str, group: &str, secs: f64| format!("{name:<20} {group:<14} {secs:>8.1}\n");
        let mut out = format!("\n{:<20} {:<14} {:>8}\n", "step", "group", "seconds");
        for (group, name, secs) in &self.done {
            out += &row(name, group.label(), *secs);
        }
        out += &format!("{}\n", "-".repeat(44));
        for group in [Group::Core, Group::Added] {
            let sum = self.done.iter().filter(|s| s.0 == group).map(|s| s.2).sum();
            out += &row(group.label(), "", sum);
        }
        out += &row("total", "", self.done.iter().map(|s| s.2).sum());
        out
    }
}

/// `cargo deny check` with the checked-in `deny.toml`: licences, bans (duplicate versions are
/// listed as warnings) and sources must pass. The advisories check needs the RustSec database
/// from GitHub; when it cannot be fetched (this machine and CI have no route to GitHub) that
/// is said loudly and the run goes on, unless `STRIPE_RS_REQUIRE_ADVISORIES=1`. An advisory
/// that is found always fails the run.
fn deny() -> Result<()> {
    let have = cargo()
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        run(cargo().args(["install", "cargo-deny", "--locked"]))?;
    }
    run(cargo().args(["deny", "check", "bans", "licenses", "sources"]))?;
    eprintln!("+ cargo deny check advisories");
    let out = cargo()
        .args(["deny", "check", "advisories"])
        .output()
        .context("running cargo deny check advisories")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        eprintln!("advisories ok");
        return Ok(());
    }
    let unreachable = stderr.contains("failed to fetch advisory database");
    let required = std::env::var("STRIPE_RS_REQUIRE_ADVISORIES").is_ok_and(|v| v == "1");
    if unreachable && !required {
        eprintln!(
            "advisories NOT CHECKED: the RustSec database could not be fetched from GitHub \
             (no route from this machine). Run `cargo deny check advisories` where GitHub is \
             reachable; set STRIPE_RS_REQUIRE_ADVISORIES=1 to make this fatal."
        );
        return Ok(());
    }
    eprint!("{stderr}");
    bail!("cargo deny check advisories failed")
}

/// The `unsafe` of stripe-types' `rt::boxed` under Miri:
/// `cargo +nightly miri test -p stripe-types --features customers --test boxed`. The nightly
/// components `miri` and `rust-src` are installed when missing
/// (`rustup component add miri rust-src --toolchain nightly`); when they cannot be, or Miri
/// cannot run, the step fails: unsafe code is checked, never skipped.
fn miri() -> Result<()> {
    fuzz::nightly(&["miri", "rust-src"])?;
    // `cargo +nightly` needs rustup's proxy, not the toolchain's cargo that `$CARGO` names.
    run(Command::new("cargo").current_dir(root()).args([
        "+nightly",
        "miri",
        "test",
        "-p",
        "stripe-types",
        // Named, not left to the defaults: the tests through a generated resource need it.
        "--features",
        "customers",
        "--test",
        "boxed",
    ]))
    .context("Miri could not run the `unsafe` tests (stripe-types tests/boxed.rs)")
}

/// Whether `rustup component list --installed` output lists `component`: with its target
/// (`miri-x86_64-unknown-linux-gnu`) or, for target-independent ones, plainly (`rust-src`).
fn component_installed(installed: &str, component: &str) -> bool {
    installed
        .lines()
        .any(|l| l == component || l.starts_with(&format!("{component}-")))
}

fn bench_build(_args: &[String]) -> Result<()> {
    let root = root();
    let gen = root.join("stripe-types/src/generated");
    let files = list_files(&gen)?;
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(gen.join(f)).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "generated source: {} files, {:.1} MiB",
        files.len(),
        total as f64 / 1048576.0
    );
    let target = root.join("target/bench-build");
    for (label, feats) in [("default", vec![]), ("full", vec!["--features", "full"])] {
        let _ = std::fs::remove_dir_all(&target);
        let start = std::time::Instant::now();
        let mut c = cargo();
        c.args(["build", "--release", "-p", "stripe-types"])
            .args(&feats)
            .env("CARGO_TARGET_DIR", &target);
        run(&mut c)?;
        println!(
            "bench-build {label}: clean release build of stripe-types {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{component_installed, Group, Steps};

    #[test]
    fn summary_lists_steps_in_run_order_with_group_subtotals() {
        let steps = Steps {
            done: vec![
                (Group::Core, "codegen --check", 2.0),
                (Group::Added, "doc", 10.5),
                (Group::Core, "tests", 30.0),
            ],
        };
        let table = steps.summary();
        let rows: Vec<&str> = table.lines().filter(|l| !l.is_empty()).collect();
        assert!(rows[0].starts_with("step") && rows[0].ends_with("seconds"));
        assert!(rows[1].starts_with("codegen --check") && rows[1].ends_with(" 2.0"));
        assert!(rows[2].starts_with("doc") && rows[2].contains("added checks"));
        assert!(rows[3].starts_with("tests"));
        assert!(rows[5].starts_with("core suite") && rows[5].ends_with(" 32.0"));
        assert!(rows[6].starts_with("added checks") && rows[6].ends_with(" 10.5"));
        assert!(rows[7].starts_with("total") && rows[7].ends_with(" 42.5"));
    }

    #[test]
    fn rustup_components_with_and_without_target() {
        let installed = "cargo-x86_64-unknown-linux-gnu\nmiri-x86_64-unknown-linux-gnu\n\
                         rust-src\nrust-std-x86_64-unknown-linux-gnu\n";
        assert!(component_installed(installed, "miri"));
        assert!(component_installed(installed, "rust-src"));
        assert!(!component_installed(installed, "clippy"));
        assert!(!component_installed(
            "rust-std-x86_64-unknown-linux-gnu\n",
            "rust-src"
        ));
    }
}
