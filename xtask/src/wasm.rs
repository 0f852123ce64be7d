//! The wasm32 step of `cargo xtask test` (also `cargo xtask wasm`): check that
//! `stripe-client` with every API area builds for `wasm32-unknown-unknown`, run
//! `stripe-client/tests/wasm.rs` in Node (wasm-bindgen-test-runner: timeout and backoff on
//! the host's timer, clock, webhooks, encodings), build the Worker of
//! `guides/cloudflare-workers.md` (`examples/cloudflare-worker`) and run its Node tests (the
//! handler in Node, the Worker in workerd) against stripe-mock.
//!
//! On a fresh machine it installs what it needs: the rustup target, `wasm-bindgen-cli` at the
//! version of the `wasm-bindgen` crate in `Cargo.lock`, and the example's npm packages
//! (workerd). Whatever cannot be had fails the run, saying what to install.

use crate::{cargo, root, run, stripe_mock};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const TARGET: &str = "wasm32-unknown-unknown";
const EXAMPLE: &str = "examples/cloudflare-worker";

/// `cargo xtask wasm`: the step on its own, with stripe-mock found or started.
pub fn cli() -> Result<()> {
    let started = Instant::now();
    let mock = stripe_mock::ensure()?;
    test(&mock.url)?;
    eprintln!("wasm step: {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Build for wasm32 and run the Node tests against the stripe-mock at `mock_url`.
pub fn test(mock_url: &str) -> Result<()> {
    let root = root();
    ensure_target()?;
    let wasm_cargo = |command: &str, package: &str| {
        let mut c = cargo();
        c.args([command, "--target", TARGET, "-p", package]);
        c
    };
    // stripe-types with every feature and stripe-client with every wasm32 feature (see the
    // feature table in the crate docs and guides/cloudflare-workers.md).
    run(wasm_cargo("check", "stripe-client").args(["--features", "full"]))?;
    let bindgen = ensure_wasm_bindgen(&root)?;
    // With the Worker's API area (`checkout`), plus `customers` for the typed event the test
    // decodes, in the dev profile like the Worker.
    run(wasm_cargo("test", "stripe-client")
        .args([
            "--test",
            "wasm",
            "--no-default-features",
            "--features",
            "checkout,stripe-types/customers",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            cargo_bin("wasm-bindgen-test-runner"),
        ))?;
    run(&mut wasm_cargo("build", "cloudflare-worker"))?;
    // Cargo's target directory: `CARGO_TARGET_DIR` when set, else `target/`.
    let target_dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let module = target_dir.join(TARGET).join("debug/cloudflare_worker.wasm");
    let pkg = target_dir.join("wasm/cloudflare-worker");
    run(Command::new(&bindgen)
        .args(["--target", "web", "--out-dir"])
        .arg(&pkg)
        .arg(&module))?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "Worker module (dev profile): {} bytes from cargo, {} bytes after wasm-bindgen",
        size(&module),
        size(&pkg.join("cloudflare_worker_bg.wasm"))
    );
    let example = root.join(EXAMPLE);
    ensure_npm_packages(&example)?;
    run(Command::new("node")
        .args(["--test", "test/"])
        .current_dir(&example)
        .env("WORKER_PKG", &pkg)
        .env("STRIPE_MOCK_URL", mock_url))?;
    Ok(())
}

/// `rustup target add wasm32-unknown-unknown` when the toolchain lacks it.
fn ensure_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context(
            "wasm32 NOT TESTED: `rustup` is not available to add the wasm32-unknown-unknown target",
        )?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == TARGET)
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", TARGET])).context(
        "wasm32 NOT TESTED: the wasm32-unknown-unknown target could not be installed \
         (`rustup target add wasm32-unknown-unknown`)",
    )
}

/// The `wasm-bindgen` binary at the version of the `wasm-bindgen` crate in `Cargo.lock`
/// (the two must match), installed with `cargo install` when missing or of another version;
/// `wasm-bindgen-test-runner` comes with it.
fn ensure_wasm_bindgen(root: &Path) -> Result<PathBuf> {
    let version = locked_version(root, "wasm-bindgen")?;
    let bin = cargo_bin("wasm-bindgen");
    let have = Command::new(&bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(bin);
    }
    let install = |locked: bool| {
        let mut c = cargo();
        c.args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ]);
        if locked {
            c.arg("--locked");
        }
        run(&mut c)
    };
    // `--locked` builds with the lockfile wasm-bindgen-cli was published with; when one of
    // its pins is missing from the registry, resolve afresh within the same version of the
    // CLI itself.
    if let Err(e) = install(true) {
        eprintln!("warning: {e:#}; installing wasm-bindgen-cli {version} without --locked");
        install(false).with_context(|| {
            format!(
                "wasm32 NOT TESTED: could not install wasm-bindgen-cli {version} \
                 (`cargo install wasm-bindgen-cli --version {version}`)"
            )
        })?;
    }
    Ok(bin)
}

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`, by default `~/.cargo/bin`.
fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}

/// The version of package `name` in the workspace's `Cargo.lock` (one version expected).
fn locked_version(root: &Path, name: &str) -> Result<String> {
    let text = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let lock: toml_edit::DocumentMut = text.parse().context("parsing Cargo.lock")?;
    let versions: Vec<&str> = lock
        .get("package")
        .and_then(|p| p.as_array_of_tables())
        .into_iter()
        .flatten()
        .filter(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
        .filter_map(|p| p.get("version").and_then(|v| v.as_str()))
        .collect();
    match versions.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => bail!("{name} is not in Cargo.lock"),
        many => bail!("Cargo.lock has several versions of {name}: {many:?}"),
    }
}

/// `npm ci` in the example when its packages (workerd) are not installed.
fn ensure_npm_packages(example: &Path) -> Result<()> {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .context("wasm32 NOT TESTED: Node.js (18 or later) is not installed")?;
    eprintln!("node {}", String::from_utf8_lossy(&node.stdout).trim());
    if example.join("node_modules/workerd/package.json").exists() {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(example))
    .context("wasm32 NOT TESTED: `npm ci` in examples/cloudflare-worker failed")
}
