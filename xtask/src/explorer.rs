//! `cargo xtask explorer [--base-url <url>] [--release]`: the SDK walkthrough.
//!
//! Without `--base-url` it talks to stripe-mock: `STRIPE_MOCK_URL`, else one listening on
//! port 12111, else the installed binary started on that port, else `go install`ed first.
//! When none of that works it prints the exact install command and fails. With
//! `--base-url https://api.stripe.com` (and `STRIPE_API_KEY=sk_test_...`) it runs the same
//! tour against a real test account.

use crate::{cargo, stripe_mock};
use anyhow::{bail, Context, Result};

pub fn run(args: &[String]) -> Result<()> {
    let explicit = crate::flag_value(args, "--base-url");
    let mut _guard = None;
    let url = match explicit {
        Some(u) => u,
        None => match stripe_mock::ensure() {
            Ok(running) => {
                let url = running.url.clone();
                _guard = Some(running);
                url
            }
            Err(e) => {
                eprintln!("explorer: stripe-mock is not available: {e:#}");
                eprintln!(
                    "install it with:\n\n    {}\n",
                    stripe_mock::install_command()
                );
                eprintln!("or point STRIPE_MOCK_URL at a running one, or pass --base-url https://api.stripe.com with STRIPE_API_KEY=sk_test_...");
                std::process::exit(1);
            }
        },
    };
    let mut cmd = cargo();
    cmd.args(["run", "--quiet", "-p", "explorer"]);
    if args.iter().any(|a| a == "--release") {
        cmd.arg("--release");
    }
    cmd.args(["--", "--base-url", &url]);
    let status = cmd.status().context("running the explorer")?;
    if !status.success() {
        bail!("the explorer did not pass every section ({status})");
    }
    Ok(())
}
