//! Shared test helpers: the stripe-mock harness, a client pointed at a local server, a
//! scripted fault-injection HTTP server, the spec-driven v2 server and a few hand-written
//! requests.

pub mod chaos;
pub mod durable;
pub mod fault;
pub mod meter_server;
pub mod mock_coverage;
/// The explorer's payments flow as application code under test: `testing_kit.rs` runs it
/// against a `StripeMock` and against a cassette recorded from stripe-mock, and
/// guides/testing.md quotes it verbatim.
pub mod payments_flow;
pub mod rate_limited;
pub mod reqs;
pub mod v2_server;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use stripe_client::Client;

/// The pinned stripe-mock release (its embedded spec is the one these tests expect).
pub const STRIPE_MOCK_VERSION: &str = "v0.203.0";
/// How to install it.
pub const STRIPE_MOCK_INSTALL: &str = "go install github.com/stripe/stripe-mock@v0.203.0";
/// stripe-mock's default HTTP port.
pub const STRIPE_MOCK_DEFAULT_PORT: u16 = 12111;

/// A client with key `sk_test_123` and all three hosts pointed at `url`.
pub fn client_for(url: &str) -> Client {
    Client::builder("sk_test_123")
        .base_url(url)
        .build()
        .expect("client_for: valid configuration")
}

/// The base URL of a running stripe-mock (`http://127.0.0.1:<port>`):
///
/// 1. `STRIPE_MOCK_URL`, when set;
/// 2. else one already answering on 127.0.0.1:12111;
/// 3. else the `stripe-mock` binary (from `PATH` or `$(go env GOPATH)/bin`) started on a
///    free port, stopped when the test process exits.
///
/// Panics — never skips — with the install command when none can be had.
pub fn stripe_mock() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match find_or_start_stripe_mock() {
        Ok(url) => url,
        Err(why) => panic!(
            "stripe-mock is required for this test and could not be had: {why}.\n\
             Install it with `{STRIPE_MOCK_INSTALL}` (puts it in $(go env GOPATH)/bin), \
             or point STRIPE_MOCK_URL at a running one."
        ),
    })
    .clone()
}

fn find_or_start_stripe_mock() -> Result<String, String> {
    if let Ok(url) = std::env::var("STRIPE_MOCK_URL") {
        let url = url.trim().trim_end_matches('/').to_owned();
        if !url.is_empty() {
            return Ok(url);
        }
    }
    let default: SocketAddr = ([127, 0, 0, 1], STRIPE_MOCK_DEFAULT_PORT).into();
    if is_stripe_mock(default) {
        return Ok(format!("http://{default}"));
    }
    let bin = find_binary().ok_or_else(|| {
        "no `stripe-mock` in PATH or $(go env GOPATH)/bin, STRIPE_MOCK_URL unset, nothing on 127.0.0.1:12111"
            .to_owned()
    })?;
    let http_port = free_port()?;
    let https_port = free_port()?;
    let child = Command::new(&bin)
        .arg("-http-addr")
        .arg(format!("127.0.0.1:{http_port}"))
        .arg("-https-addr")
        .arg(format!("127.0.0.1:{https_port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
    stop_with_this_process(child.id());
    let addr: SocketAddr = ([127, 0, 0, 1], http_port).into();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if is_stripe_mock(addr) {
            return Ok(format!("http://{addr}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{} started but did not answer on {addr} within 30 s",
        bin.display()
    ))
}

/// Kill `pid` when this test process exits (a detached watchdog: statics are never dropped).
fn stop_with_this_process(pid: u32) {
    let me = std::process::id();
    let script =
        format!("while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill {pid} 2>/dev/null");
    let _ = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn find_binary() -> Option<PathBuf> {
    let name = "stripe-mock";
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let gopath = Command::new("go")
        .args(["env", "GOPATH"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/go")))?;
    for dir in std::env::split_paths(&gopath) {
        let p = dir.join("bin").join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

/// `true` when `addr` answers HTTP with a `Stripe-Mock-Version` header.
fn is_stripe_mock(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req =
        "GET /v1/balance HTTP/1.0\r\nHost: localhost\r\nAuthorization: Bearer sk_test_123\r\n\r\n";
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    head.starts_with("http/1.") && head.contains("stripe-mock-version")
}

/// A client that answers from a [`MockTransport`](stripe_client::MockTransport) queue,
/// without retries (key `sk_test_123`), and the transport to script and inspect.
pub fn mock_client() -> (Client, stripe_client::MockTransport) {
    let mock = stripe_client::MockTransport::new();
    let client = Client::builder("sk_test_123")
        .transport(mock.clone())
        .max_retries(0)
        .build()
        .expect("a mock client's settings are valid");
    (client, mock)
}
