//! A throwaway Postgres server for the durable outbox and webhook ledger tests and benches.
//!
//! [`start`] finds Debian's `postgresql` binaries (installing the package with `apt-get` when
//! they are missing and this runs as root), makes a temporary data directory, runs `initdb` and
//! `pg_ctl start` as a non-root user (Postgres refuses to run as root: as root the user
//! `stripe_rs_pg` is created when missing), on a free loopback port with its Unix socket in the
//! temporary directory. The returned [`Running`] stops the server and removes the directory on
//! drop; a watchdog does the same if this process dies first. Every failure is an error, with
//! the server's log: the tests that need Postgres fail, never skip.
//!
//! `cargo xtask postgres start` starts one for a developer's own `cargo test` and prints the
//! `STRIPE_RS_POSTGRES_URL` to export (`--durable`: Postgres' own flushing settings, as the
//! benchmarks use); `cargo xtask postgres stop <dir>` stops it.

use anyhow::{bail, Context, Result};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable the tests read the server's URL from.
pub const URL_ENV: &str = "STRIPE_RS_POSTGRES_URL";
/// The user the server runs as when this runs as root.
pub const USER: &str = "stripe_rs_pg";

/// How the server treats durability.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Durability {
    /// `fsync`, `synchronous_commit` and `full_page_writes` off: the tests kill clients, never
    /// the server, so they lose nothing by it, and the suite runs quicker on a shared disk.
    Tests,
    /// Postgres' defaults (every commit flushed): what the benchmarks measure.
    Real,
}

/// A running server: stopped, and its directory removed, on drop (unless [`Running::keep`]).
pub struct Running {
    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub url: String,
    /// The temporary directory: `data/`, the socket and `server.log`.
    pub dir: PathBuf,
    bin: PathBuf,
    user: Option<String>,
    keep: bool,
}

impl Running {
    /// Leave the server running when this value is dropped.
    fn keep(mut self) -> (String, PathBuf) {
        self.keep = true;
        (self.url.clone(), self.dir.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.keep {
            stop_dir(&self.bin, self.user.as_deref(), &self.dir);
        }
    }
}

/// `cargo xtask postgres start|stop <dir>`.
pub fn cli(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("start") => {
            let durability = if args.iter().any(|a| a == "--durable") {
                Durability::Real
            } else {
                Durability::Tests
            };
            let (url, dir) = start(durability, false)?.keep();
            println!("export {URL_ENV}={url}");
            eprintln!(
                "postgres: running from {}; stop it with `cargo xtask postgres stop {}`",
                dir.display(),
                dir.display()
            );
            Ok(())
        }
        Some("stop") => {
            let dir = args
                .get(1)
                .context("usage: cargo xtask postgres stop <dir>")?;
            let bin = binaries()?.context("no Postgres binaries found")?;
            stop_dir(&bin, server_user()?.as_deref(), Path::new(dir));
            Ok(())
        }
        _ => bail!("usage: cargo xtask postgres start [--durable] | stop <dir>"),
    }
}

/// Start a server (see the module docs). With `watchdog`, a shell process stops it when this
/// process exits, however it exits.
pub fn start(durability: Durability, watchdog: bool) -> Result<Running> {
    let bin = match binaries()? {
        Some(b) => b,
        None => {
            install()?;
            binaries()?.context(
                "apt-get installed `postgresql`, but no initdb/pg_ctl was found under /usr/lib/postgresql/*/bin",
            )?
        }
    };
    let user = server_user()?;
    let dir = std::env::temp_dir().join(format!(
        "stripe-rs-pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut running = Running {
        url: String::new(),
        dir: dir.clone(),
        bin: bin.clone(),
        user: user.clone(),
        keep: false,
    };
    if let Some(u) = &user {
        crate::run(Command::new("chown").arg(format!("{u}:")).arg(&dir))?;
    }
    let data = dir.join("data");
    let log = dir.join("server.log");
    let out = as_user(&user, &bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ])
        .output()
        .context("running initdb")?;
    if !out.status.success() {
        bail!(
            "initdb failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let port = free_port()?;
    let mut opts = format!(
        "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=300 -c shared_buffers=128MB",
        dir.display()
    );
    if durability == Durability::Tests {
        opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
    }
    let out = as_user(&user, &bin.join("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "60", "-o", &opts, "start"])
        .stdin(Stdio::null())
        .output()
        .context("running pg_ctl start")?;
    if !out.status.success() {
        bail!(
            "pg_ctl start failed ({}):\n{}{}\nserver log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    if watchdog {
        spawn_watchdog(&bin, user.as_deref(), &dir);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300))
        .is_err()
    {
        if Instant::now() > deadline {
            bail!(
                "Postgres started but does not accept connections on 127.0.0.1:{port}; server log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    eprintln!(
        "postgres: {} on 127.0.0.1:{port} as {}, data in {} ({durability:?} durability)",
        bin.display(),
        user.as_deref().unwrap_or("the current user"),
        data.display()
    );
    running.url = url;
    Ok(running)
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: the newest
/// `/usr/lib/postgresql/<major>/bin` (Debian's layout), else the one `pg_config --bindir` names.
fn binaries() -> Result<Option<PathBuf>> {
    let mut best: Option<(u32, PathBuf)> = None;
    if let Ok(dirs) = std::fs::read_dir("/usr/lib/postgresql") {
        for d in dirs.flatten() {
            let major = d.file_name().to_string_lossy().parse::<u32>().ok();
            let bin = d.path().join("bin");
            let usable = bin.join("initdb").is_file() && bin.join("pg_ctl").is_file();
            if let (Some(m), true) = (major, usable) {
                if best.as_ref().is_none_or(|(b, _)| m > *b) {
                    best = Some((m, bin));
                }
            }
        }
    }
    if let Some((_, bin)) = best {
        return Ok(Some(bin));
    }
    let from_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file());
    Ok(from_config)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Install Debian's `postgresql` (root only). Services are not started: the suite runs its own
/// server.
fn install() -> Result<()> {
    if !is_root() {
        bail!(
            "Postgres is not installed and this is not root: install Debian's `postgresql` \
             package (`sudo apt-get install postgresql`), then run this again"
        );
    }
    eprintln!("postgres: not installed; installing Debian's `postgresql` with apt-get");
    // Keep the package's own cluster from being started (the Docker convention).
    let policy = Path::new("/usr/sbin/policy-rc.d");
    let made_policy = !policy.exists()
        && std::fs::write(policy, "#!/bin/sh\nexit 101\n").is_ok()
        && crate::run(Command::new("chmod").args(["755", "/usr/sbin/policy-rc.d"])).is_ok();
    let result = crate::run(Command::new("apt-get").arg("update")).and_then(|()| {
        crate::run(
            Command::new("apt-get")
                .args(["install", "-y", "--no-install-recommends", "postgresql"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    });
    if made_policy {
        let _ = std::fs::remove_file(policy);
    }
    result.context("installing Postgres with apt-get")
}

/// As root: [`USER`], created when missing. Otherwise `None` (the current user runs it).
fn server_user() -> Result<Option<String>> {
    if !is_root() {
        return Ok(None);
    }
    let exists = Command::new("id")
        .arg("-u")
        .arg(USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        crate::run(Command::new("useradd").args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            USER,
        ]))
        .context("creating the user Postgres runs as")?;
    }
    Ok(Some(USER.to_owned()))
}

/// `program` run as `user` (through `runuser`), or as the current user.
fn as_user(user: &Option<String>, program: &Path) -> Command {
    match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn stop_dir(bin: &Path, user: Option<&str>, dir: &Path) {
    let user = user.map(str::to_owned);
    let _ = as_user(&user, &bin.join("pg_ctl"))
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-m", "immediate", "-w", "stop"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = std::fs::remove_dir_all(dir);
}

/// A detached shell that stops the server and removes its directory once this process is gone
/// (statics are never dropped, and a killed xtask runs no destructor).
fn spawn_watchdog(bin: &Path, user: Option<&str>, dir: &Path) {
    let me = std::process::id();
    let pg_ctl = bin.join("pg_ctl");
    let stop = match user {
        Some(u) => format!(
            "runuser -u {u} -- {} -D {}/data -m immediate stop",
            pg_ctl.display(),
            dir.display()
        ),
        None => format!(
            "{} -D {}/data -m immediate stop",
            pg_ctl.display(),
            dir.display()
        ),
    };
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {}",
        dir.display()
    );
    let _ = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .context("finding a free loopback port")
}
