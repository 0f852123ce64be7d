//! CI runs the whole walkthrough against stripe-mock: every section must pass.

use std::process::Command;

#[test]
fn explorer_passes_every_section_against_stripe_mock() {
    let url = integration_tests::stripe_mock();
    let out = Command::new(env!("CARGO_BIN_EXE_explorer"))
        .args(["--base-url", &url])
        .env_remove("STRIPE_API_KEY")
        .output()
        .expect("run the explorer");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    let total = explorer_sections(&stdout);
    assert!(
        total >= 10,
        "expected the 10 sections, saw {total}:\n{stdout}"
    );
    assert_eq!(
        last,
        format!("explorer: {total}/{total} sections passed"),
        "\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success());
    // Call lines are source code (see tests/printed_calls.rs): no elisions, no strings
    // where the API takes an enum.
    let calls: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  → ")).collect();
    assert!(calls.len() >= 30, "{calls:?}");
    for bad in [
        "…",
        "usage(\"off_session\")",
        "r#type(\"express\")",
        "new(\"month\")",
    ] {
        assert!(
            !calls.iter().any(|l| l.contains(bad)),
            "a printed call contains {bad:?}"
        );
    }
    // The Metering section: guards refuse before the network, and say so.
    assert!(
        stdout.contains("Error::Guard · kind ValueSettingsRequired"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Error::Guard · kind CancelIdentifierRequired"),
        "{stdout}"
    );
    // Secrets never reach the output.
    assert!(!stdout.contains("sk_test_123"));
    assert!(stdout.contains("[redacted]"));
}

fn explorer_sections(stdout: &str) -> usize {
    stdout
        .lines()
        .filter(|l| l.starts_with('[') && (l.contains(": ok (") || l.contains(": FAILED (")))
        .count()
}

#[test]
fn unknown_arguments_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_explorer"))
        .arg("--nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_real_base_url_needs_a_test_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_explorer"))
        .args(["--base-url", "https://api.stripe.com"])
        .env_remove("STRIPE_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("STRIPE_API_KEY"));
    let live = Command::new(env!("CARGO_BIN_EXE_explorer"))
        .args(["--base-url", "https://api.stripe.com"])
        .env("STRIPE_API_KEY", "sk_live_not_a_real_key")
        .output()
        .unwrap();
    assert_eq!(live.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&live.stderr).contains("sk_live_not_a_real_key"));
}
