//! The one process-wide `tracing` subscriber of this binary, and what tests read from it.
//!
//! The tests share a process, so at most one global subscriber can exist, and a scoped one
//! (`set_default`) races with the other tests: a callsite first hit by another thread while
//! dispatchers were being registered can cache "never", and the scoped thread then misses
//! the span (seen once in CI, in `client_telemetry`). So [`install`] sets one global
//! subscriber, once, at TRACE with span events and `log` records, and never changes it. A
//! test then reads either what its own thread wrote ([`ThreadCapture`], for
//! `#[tokio::test]`'s current-thread runtime) or everything every thread wrote while it ran
//! ([`GlobalCapture`], for a test that spawns threads and checks that nothing leaks).

use std::cell::RefCell;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

thread_local! {
    static THREAD: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Everything written while at least one [`GlobalCapture`] is alive.
static GLOBAL: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static GLOBAL_ON: AtomicUsize = AtomicUsize::new(0);

struct Sink;

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        THREAD.with(|t| {
            if let Some(v) = t.borrow_mut().as_mut() {
                v.extend_from_slice(b);
            }
        });
        if GLOBAL_ON.load(Ordering::Acquire) > 0 {
            GLOBAL
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Set the binary's subscriber, once. Fails loudly if something else set one first, rather
/// than letting a test pass on an empty capture.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(|| Sink)
            .try_init()
            .expect("log_capture is the only tracing subscriber in the `it` binary");
        tracing::callsite::rebuild_interest_cache();
    });
}

/// What the current thread writes from [`ThreadCapture::start`] until [`ThreadCapture::finish`].
pub struct ThreadCapture(());

impl ThreadCapture {
    pub fn start() -> Self {
        install();
        THREAD.with(|t| *t.borrow_mut() = Some(Vec::new()));
        ThreadCapture(())
    }

    pub fn finish(self) -> String {
        let bytes = THREAD.with(|t| t.borrow_mut().take()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Drop for ThreadCapture {
    fn drop(&mut self) {
        THREAD.with(|t| t.borrow_mut().take());
    }
}

/// What every thread writes from [`GlobalCapture::start`] until [`GlobalCapture::finish`]
/// (other tests' output included, which only makes a "nothing leaks" check stricter).
pub struct GlobalCapture(());

impl GlobalCapture {
    pub fn start() -> Self {
        install();
        GLOBAL_ON.fetch_add(1, Ordering::AcqRel);
        GlobalCapture(())
    }

    pub fn finish(self) -> String {
        let g = GLOBAL.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&g).into_owned()
    }
}

impl Drop for GlobalCapture {
    fn drop(&mut self) {
        GLOBAL_ON.fetch_sub(1, Ordering::AcqRel);
    }
}
