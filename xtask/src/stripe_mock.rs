//! Find, install and start stripe-mock (the v1 integration peer).

use anyhow::{bail, Context, Result};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The stripe-mock release the suite is pinned to.
pub const VERSION: &str = "v0.203.0";
/// Where the explorer and the suite look first.
pub const DEFAULT_PORT: u16 = 12111;

/// A running stripe-mock; killed on drop when we started it.
pub struct Running {
    /// Base URL.
    pub url: String,
    child: Option<Child>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)).is_ok()
}

fn gopath_bin() -> Option<PathBuf> {
    let out = Command::new("go").args(["env", "GOPATH"]).output().ok()?;
    let p = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(p.trim()).join("bin"))
}

/// The stripe-mock binary, if installed.
pub fn binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("STRIPE_MOCK_BIN") {
        return Some(PathBuf::from(p));
    }
    if let Ok(out) = Command::new("which").arg("stripe-mock").output() {
        if out.status.success() {
            return Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    let p = gopath_bin()?.join("stripe-mock");
    p.exists().then_some(p)
}

/// The exact install command.
pub fn install_command() -> String {
    format!("go install github.com/stripe/stripe-mock@{VERSION}")
}

/// Install with `go install` (needs Go and its module proxy).
pub fn install() -> Result<PathBuf> {
    eprintln!("+ {}", install_command());
    let status = Command::new("go")
        .args([
            "install",
            &format!("github.com/stripe/stripe-mock@{VERSION}"),
        ])
        .status()
        .with_context(|| {
            format!(
                "stripe-mock is not installed and Go is not available; install it with: {}",
                install_command()
            )
        })?;
    if !status.success() {
        bail!("`{}` failed", install_command());
    }
    binary().context("stripe-mock was installed but is not on PATH or in $(go env GOPATH)/bin")
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A running stripe-mock: `STRIPE_MOCK_URL`, else one on port 12111, else start one
/// (installing it first when needed).
pub fn ensure() -> Result<Running> {
    if let Ok(url) = std::env::var("STRIPE_MOCK_URL") {
        return Ok(Running { url, child: None });
    }
    if listening(DEFAULT_PORT) {
        return Ok(Running {
            url: format!("http://127.0.0.1:{DEFAULT_PORT}"),
            child: None,
        });
    }
    // Always (re)install the pinned version when Go is available: an older stripe-mock on
    // PATH embeds an older spec and fails operations this spec has. Cached installs are fast.
    let bin = match install() {
        Ok(b) => b,
        Err(e) => match binary() {
            Some(b) => {
                eprintln!("warning: {e:#}; using the installed {}", b.display());
                b
            }
            None => return Err(e),
        },
    };
    let port = if listening(DEFAULT_PORT) {
        free_port()?
    } else {
        DEFAULT_PORT
    };
    let child = Command::new(&bin)
        .args([
            "-http-port",
            &port.to_string(),
            "-https-port",
            &free_port()?.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let running = Running {
        url: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    };
    let start = Instant::now();
    while !listening(port) {
        if start.elapsed() > Duration::from_secs(30) {
            bail!("stripe-mock did not listen on port {port} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(running)
}

/// `cargo xtask stripe-mock [install|start]`
pub fn cli(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("install") => {
            let p = match binary() {
                Some(p) => p,
                None => install()?,
            };
            println!("{}", p.display());
        }
        _ => {
            let r = ensure()?;
            println!("stripe-mock listening at {} (Ctrl-C to stop)", r.url);
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
    }
    Ok(())
}
