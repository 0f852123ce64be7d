//! One test of this binary run again in a child process with an environment of its own: the
//! tests share one process, so a test about environment variables (`HTTPS_PROXY`,
//! `SSL_CERT_FILE`) sets them only in a child. The child's test is `#[ignore]`d (it runs only
//! when asked for by name) and reads its inputs through [`var`], which sees nothing outside a
//! child.

use std::process::Command;

/// Set in every child, so that [`var`] answers only there.
const CHILD: &str = "STRIPE_CLIENT_TEST_CHILD";

/// The variables a child never inherits from this process: the ones the tests set.
const CLEARED: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// Run the ignored test `test` (its full path, `module::name`) alone in a child process with
/// `env`; its stdout and stderr. Panics when the child fails.
pub(crate) async fn run(test: &str, env: &[(&str, &str)]) -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for name in CLEARED {
        command.env_remove(name);
    }
    command.env(CHILD, "1");
    for (name, value) in env {
        command.env(name, value);
    }
    // Off the runtime's thread: the servers the child talks to run on it.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the child's task")
        .expect("the child process");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child {test} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "child {test} did not run:\n{text}"
    );
    text
}

/// `name` from the environment, in a child process only.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var_os(CHILD)?;
    std::env::var(name).ok()
}
