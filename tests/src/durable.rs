//! What the durable outbox and webhook ledger tests share: the Postgres that `cargo xtask
//! test` starts (a fresh database per test), temporary directories, the child processes of
//! the crash tests (`src/bin/durable_child.rs`), and a TCP proxy that cuts connections.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stripe_client::durable::sqlx;
use stripe_client::durable::sqlx::Connection;

/// The environment variable `cargo xtask test` sets to its Postgres server's URL.
pub const POSTGRES_URL_ENV: &str = "STRIPE_RS_POSTGRES_URL";

/// The URL of the test Postgres server (a `postgres` database on it). Panics — never skips —
/// when it is not set or nothing answers there.
pub fn postgres_url() -> String {
    let url = std::env::var(POSTGRES_URL_ENV).unwrap_or_default();
    let url = url.trim().to_owned();
    if url.is_empty() {
        panic!(
            "{POSTGRES_URL_ENV} is not set: these tests need a real Postgres server. \
             `cargo xtask test` installs and starts one; for `cargo test` alone run \
             `cargo xtask postgres start` and export the URL it prints."
        );
    }
    url
}

/// A new, empty database on the test server; its URL. Each test gets its own, so tests run
/// side by side.
pub async fn fresh_pg_database() -> String {
    let base = postgres_url();
    let mut conn = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => panic!(
            "cannot connect to the test Postgres at {POSTGRES_URL_ENV}={base}: {e}. \
             Is it running? (`cargo xtask postgres start`)"
        ),
    };
    static N: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        uuid_suffix()
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let _ = conn.close().await;
    with_database(&base, &name)
}

/// `url` pointing at database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let (head, tail) = match url[authority..].find('/') {
        Some(i) => url.split_at(authority + i),
        None => (url, ""),
    };
    let query = tail.find('?').map_or("", |q| &tail[q..]);
    format!("{head}/{name}{query}")
}

fn uuid_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{nanos:x}")
}

/// A directory under the system's temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory.
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "stripe-rs-{tag}-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            uuid_suffix()
        ));
        std::fs::create_dir_all(&p).expect("create a temporary directory");
        TempDir(p)
    }
    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
    /// A file in it.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process of the crash tests (`durable-child`), killed on drop.
pub struct ChildProc {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// Its name.
    pub name: String,
}

impl ChildProc {
    /// Start `durable-child` (at `bin`) with `args`; its stdout lines are collected.
    pub fn spawn(bin: &str, name: &str, args: &[String]) -> ChildProc {
        let mut child = Command::new(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        if let Some(out) = child.stdout.take() {
            collect(out, lines.clone());
        }
        ChildProc {
            child,
            lines,
            name: name.to_owned(),
        }
    }

    /// Wait until a line starting with `prefix` was printed; that line.
    pub fn wait_line(&mut self, prefix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self
                .lines
                .lock()
                .ok()
                .and_then(|g| g.iter().find(|l| l.starts_with(prefix)).cloned())
            {
                return l;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}) before printing {prefix:?}", self.name);
            }
            if Instant::now() > deadline {
                panic!("{} printed no {prefix:?} within {timeout:?}", self.name);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Every line printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// SIGKILL it and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Wait for it to exit by itself; its exit status must be success.
    pub fn wait_success(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(s)) if s.success() => return,
                Ok(Some(s)) => panic!("{} failed: {s}; output: {:?}", self.name, self.lines()),
                Ok(None) if Instant::now() > deadline => {
                    self.kill();
                    panic!("{} did not finish within {timeout:?}", self.name);
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => panic!("waiting for {}: {e}", self.name),
            }
        }
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn collect(out: ChildStdout, lines: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut g) = lines.lock() {
                g.push(line);
            }
        }
    });
}

/// A TCP proxy on 127.0.0.1 in front of `upstream` that can cut every connection and refuse
/// new ones ([`TcpProxy::cut`]) until [`TcpProxy::restore`]: a database that goes away and
/// comes back.
pub struct TcpProxy {
    /// `127.0.0.1:<port>`.
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    generation: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Start in front of `upstream` (`host:port`).
    pub async fn start(upstream: String) -> TcpProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(AtomicU64::new(0));
        let (up2, gen2) = (up.clone(), generation.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let upstream = upstream.clone();
                let my_gen = gen2.load(Ordering::SeqCst);
                let gen3 = gen2.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                    let cut = async {
                        while gen3.load(Ordering::SeqCst) == my_gen {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    };
                    tokio::select! {
                        _ = copy => {}
                        () = cut => {}
                    }
                });
            }
        });
        TcpProxy {
            addr,
            up,
            generation,
            task,
        }
    }

    /// Close every open connection and refuse new ones (the open ones are closed within
    /// 10 ms: wait 50 ms before relying on it).
    pub async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// Accept connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `url` with its `host:port` replaced by `addr`.
pub fn url_via(url: &str, addr: SocketAddr) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let host_start = rest.find('@').map_or(0, |i| i + 1);
    let host_end = rest[host_start..]
        .find('/')
        .map_or(rest.len(), |i| host_start + i);
    format!(
        "{}{}{}{}",
        &url[..scheme_end],
        &rest[..host_start],
        addr,
        &rest[host_end..]
    )
}

/// The `host:port` of a Postgres URL.
pub fn host_port(url: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let host_start = rest.find('@').map_or(0, |i| i + 1);
    let host_end = rest[host_start..]
        .find('/')
        .map_or(rest.len(), |i| host_start + i);
    rest[host_start..host_end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = "postgres://postgres@127.0.0.1:5433/db?x=1";
        assert_eq!(host_port(u), "127.0.0.1:5433");
        assert_eq!(
            with_database(u, "t1"),
            "postgres://postgres@127.0.0.1:5433/t1?x=1"
        );
        assert_eq!(with_database("postgres://h:1", "t1"), "postgres://h:1/t1");
        assert_eq!(
            url_via(u, "127.0.0.1:9".parse().unwrap()),
            "postgres://postgres@127.0.0.1:9/db?x=1"
        );
    }
}
