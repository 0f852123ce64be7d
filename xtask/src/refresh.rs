//! The refresh proof: a spec refresh needs no hand edit.
//!
//! A copy of the workspace (in `target/refresh-proof/workspace`) gets the newer spec that
//! stripe-mock embeds, through the maintainer's own commands (`spec fetch --from`, then
//! `codegen`), with no other change; `stripe-types` must then type-check with every feature.
//! The copy and its target directory are kept between runs, and only changed files are
//! rewritten, so a second run costs little.

use crate::{cargo, codegen_in, root, run, stripe_mock, write_if_changed};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The spec the generator was not written against: stripe-mock's embedded v1 spec.
fn newer_spec() -> Option<PathBuf> {
    let out = Command::new("go")
        .args(["env", "GOMODCACHE"])
        .output()
        .ok()?;
    let cache = String::from_utf8(out.stdout).ok()?;
    let p = PathBuf::from(cache.trim())
        .join(format!(
            "github.com/stripe/stripe-mock@{}",
            stripe_mock::VERSION
        ))
        .join("embedded/openapi/spec3.json");
    p.exists().then_some(p)
}

/// `cargo xtask refresh-proof` (also a step of `cargo xtask test`).
pub fn proof() -> Result<()> {
    let start = Instant::now();
    let spec = match newer_spec() {
        Some(p) => p,
        None => {
            // `go install` fills the module cache; the stripe-mock step skips it when a
            // stripe-mock is already running.
            let _ = stripe_mock::install();
            newer_spec().with_context(|| {
                format!(
                    "\n\n*** REFRESH PROOF CANNOT RUN ***\n\
                     stripe-mock's embedded spec is not in the Go module cache:\n  \
                     $(go env GOMODCACHE)/github.com/stripe/stripe-mock@{v}/embedded/openapi/spec3.json\n\
                     Install it with `{cmd}` (needs Go and its module proxy), then run again.\n",
                    v = stripe_mock::VERSION,
                    cmd = stripe_mock::install_command()
                )
            })?
        }
    };
    let root = root();
    let base = root.join("target/refresh-proof");
    let copy = base.join("workspace");
    sync_tree(&root, &copy).context("copying the workspace")?;
    println!("refresh proof: {} → {}", spec.display(), copy.display());

    // The maintainer's refresh, verbatim: fetch (from the file), then generate.
    crate::spec(&[
        "fetch".into(),
        "--tag".into(),
        format!("stripe-mock-{}", stripe_mock::VERSION),
        "--from".into(),
        spec.display().to_string(),
        "--dir".into(),
        copy.join("spec").display().to_string(),
    ])?;
    let stats = codegen_in(&copy, &[])?;
    if !stats.unmapped.is_empty() {
        bail!(
            "the newer spec has paths spec/policy.toml names no area for: {}",
            stats.unmapped.join(", ")
        );
    }
    let pin = codegen::Pin::read(&copy.join("spec/pin.toml"))?;
    let mod_rs = std::fs::read_to_string(copy.join("stripe-types/src/generated/mod.rs"))?;
    let expected = format!("pub const API_VERSION: &str = \"{}\";", pin.api_version);
    if !mod_rs.contains(&expected) {
        bail!("the regenerated stripe-types does not declare `{expected}`");
    }

    let mut check = cargo();
    check
        .current_dir(&copy)
        .args([
            "check",
            "-p",
            "stripe-types",
            "--features",
            "full,serialize",
        ])
        .env("CARGO_TARGET_DIR", base.join("target"));
    run(&mut check)?;
    println!(
        "refresh proof: API {} — operations {}/{}, schemas {}/{}; stripe-types (full,serialize) \
         type-checks with no hand edit ({:.0} s)",
        pin.api_version,
        stats.operations,
        stats.operation_total,
        stats.schemas,
        stats.schema_total,
        start.elapsed().as_secs_f64()
    );
    if stats.operations != stats.operation_total || stats.schemas != stats.schema_total {
        bail!("the newer spec is not fully generated (see the figures above)");
    }
    Ok(())
}

/// Make `dst` a copy of the workspace at `src`, rewriting only files whose bytes differ.
/// Left out: build output, git, the separate fuzz and async-stripe comparison workspaces, the
/// generated code (the refresh writes it) and the Worker example's npm packages (workerd's
/// binary). `bench/` itself is a workspace member (`stripe-benches`): the copy needs it.
fn sync_tree(src: &Path, dst: &Path) -> Result<()> {
    sync_dir(src, dst, Path::new(""))
}

fn sync_dir(src: &Path, dst: &Path, rel: &Path) -> Result<()> {
    const SKIP: &[&str] = &[
        "target",
        ".git",
        "fuzz",
        "bench/compare-async-stripe",
        "stripe-types/src/generated",
        "examples/cloudflare-worker/node_modules",
    ];
    let dir = src.join(rel);
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        if SKIP.iter().any(|s| rel == Path::new(s)) {
            continue;
        }
        // Follows symlinks (`stripe-client/guides` → `../guides`): the copy holds real files.
        if std::fs::metadata(entry.path())?.is_dir() {
            sync_dir(src, dst, &rel)?;
        } else {
            let from = entry.path();
            let bytes =
                std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
            write_if_changed(&dst.join(&rel), &bytes)?;
        }
    }
    Ok(())
}
