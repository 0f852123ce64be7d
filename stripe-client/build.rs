//! Records the compiler version for the `X-Stripe-Client-User-Agent` header, and writes the
//! guides as doc pages to `$OUT_DIR/guides` (`stripe_client::guides`, see the `guides!` macro).
//!
//! The guides link each other as files (`[webhooks](webhooks.md)`), which GitHub follows and
//! rustdoc cannot: in the pages those links become rustdoc links (`crate::guides::webhooks`),
//! and `../README.md` the crate docs. Any other relative link fails the build, since it
//! would be broken on docs.rs. Code blocks and code spans are left as they are.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

// Also compiled into the crate's unit tests (`src/lib.rs`).
#[path = "build/guide_links.rs"]
mod guide_links;

fn main() -> Result<(), String> {
    record_rustc_version();
    write_guide_pages()?;
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    Ok(())
}

fn record_rustc_version() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=STRIPE_CLIENT_RUSTC_VERSION={version}");
}

fn env_path(name: &str) -> Result<PathBuf, String> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .ok_or_else(|| format!("cargo did not set {name}"))
}

/// Each `guides/<name>.md` to `$OUT_DIR/guides/<name>.md`, its links made rustdoc's.
fn write_guide_pages() -> Result<(), String> {
    let src = env_path("CARGO_MANIFEST_DIR")?.join("guides");
    let out = env_path("OUT_DIR")?.join("guides");
    println!("cargo:rerun-if-changed=guides");
    let io = |what: &str, path: &Path, e: std::io::Error| format!("{what} {}: {e}", path.display());
    let mut guides = BTreeSet::new();
    for entry in std::fs::read_dir(&src).map_err(|e| io("reading", &src, e))? {
        let path = entry.map_err(|e| io("reading", &src, e))?.path();
        if let Some(stem) = path
            .extension()
            .filter(|x| *x == "md")
            .and(path.file_stem())
            .and_then(|s| s.to_str())
        {
            guides.insert(stem.to_owned());
        }
    }
    std::fs::create_dir_all(&out).map_err(|e| io("creating", &out, e))?;
    for name in &guides {
        let file = src.join(format!("{name}.md"));
        println!("cargo:rerun-if-changed=guides/{name}.md");
        let text = std::fs::read_to_string(&file).map_err(|e| io("reading", &file, e))?;
        let page = guide_links::rustdoc_links(&text, &guides)
            .map_err(|e| format!("guides/{name}.md: {e}"))?;
        let dst = out.join(format!("{name}.md"));
        std::fs::write(&dst, page).map_err(|e| io("writing", &dst, e))?;
    }
    Ok(())
}
